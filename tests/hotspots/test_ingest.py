"""Reading and validating incident files, without a database."""

import gzip

import numpy as np
import pytest
import shapely

from hotspots.ingest.common import Geography
from hotspots.ingest.errors import FileRejected
from hotspots.ingest.force_export import ExportMapping, parse_force_export
from hotspots.ingest.police_uk import parse_police_uk
from hotspots.ingest.readers import Source, iter_sources, police_uk_member
from tests.hotspots import files

CATEGORIES = {
    "anti-social behaviour": 1,
    "burglary": 2,
    "violence and sexual offences": 3,
    "violent crime": 3,
}
GEOGRAPHY = Geography("EPSG:27700")


def parse(text: str | bytes, name: str = "2025-01-testshire-street.csv"):
    data = text.encode() if isinstance(text, str) else text
    return parse_police_uk(Source(name, data), categories=CATEGORIES, geography=GEOGRAPHY)


def rejected(text, name="bad.csv"):
    with pytest.raises(FileRejected) as caught:
        parse(text, name)
    return caught.value.errors


def test_exact_duplicates_are_all_kept_and_crime_id_is_not_a_key():
    rows = [files.row()] * 3 + [files.row(category="Burglary", crime_id="same")] * 2
    parsed = parse(files.csv_text(rows))
    assert len(parsed.rows) == 5
    assert parsed.errors == []
    assert parsed.rows["category_id"].tolist() == [1, 1, 1, 2, 2]
    assert parsed.falls_within == files.FORCE


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_crlf_and_lf_read_alike(newline):
    parsed = parse(files.csv_text([files.row(), files.no_location_row()], newline=newline))
    assert parsed.rows["location"].tolist() == ["On or near Market Place", "No Location"]
    assert parsed.rows["line"].tolist() == [2, 3]


def test_no_location_rows_are_kept_unlocated():
    parsed = parse(files.csv_text([files.row(), files.no_location_row()]))
    assert parsed.rows["has_location"].tolist() == [True, False]
    assert np.isnan(parsed.rows["x"].iloc[1])


def test_projection_is_british_national_grid_metres():
    parsed = parse(files.csv_text([files.row()]))
    x, y = parsed.rows.loc[0, ["x", "y"]]
    # Derby Market Place lies near easting 435,300, northing 336,300.
    assert 434_000 < x < 437_000
    assert 335_000 < y < 338_000


def test_old_category_names_map_through_aliases():
    parsed = parse(files.csv_text([files.row(category="Violent crime")]))
    assert parsed.rows["category_id"].tolist() == [3]


@pytest.mark.parametrize(
    ("bad_row", "field", "message"),
    [
        (files.row(point=("abc", "52.9", "x")), "Longitude", "is not a number"),
        (files.row(point=("-1.4", "95.0", "x")), "Latitude", "out of range"),
        (files.row(point=("", "52.9", "x")), "Longitude", "missing while the other"),
        (files.row(month="2025-13"), "Month", "is not a month"),
        (files.row(month="Jan 2025"), "Month", "is not a month"),
        (files.row(category="Alien abduction"), "Crime type", "unknown category"),
    ],
)
def test_bad_rows_name_file_line_and_field(bad_row, field, message):
    parsed = parse(files.csv_text([files.row(), bad_row, files.row()]), "2025-01-x-street.csv")
    assert len(parsed.errors) == 1
    error = parsed.errors[0]
    assert (error.file, error.line, error.field) == ("2025-01-x-street.csv", 3, field)
    assert message in error.message
    assert len(parsed.rows) == 2
    assert "2025-01-x-street.csv, line 3, field" in str(error)


def test_wrong_header_is_rejected_naming_the_columns():
    header = files.HEADER.replace("Crime type", "Offence")
    errors = rejected(files.csv_text([files.row()], header=header))
    assert errors[0].line == 1
    assert "missing 'Crime type'" in errors[0].message
    assert "unexpected 'Offence'" in errors[0].message


def test_empty_file_is_rejected():
    assert "empty" in rejected("")[0].message
    assert "empty" in rejected("\r\n")[0].message


def test_header_only_file_has_no_rows():
    assert len(parse(files.HEADER + "\n").rows) == 0


def test_wrong_number_of_fields_names_the_line():
    text = files.csv_text([files.row(), files.row() + ",extra", files.row()])
    parsed = parse(text)
    assert [(e.line, e.message) for e in parsed.errors] == [(3, "has 13 fields, the header has 12")]
    assert len(parsed.rows) == 2


def test_short_row_names_the_line():
    parsed = parse(files.csv_text([files.row(), "abc,2025-01,x", files.row()]))
    assert [e.line for e in parsed.errors] == [3]
    assert parsed.errors[0].message == "has 3 fields, the header has 12"


def test_undecodable_bytes_name_line_and_field():
    text = files.csv_text([files.row(), files.row(point=("-1.4", "52.9", "On or near Caf\xe9"))])
    errors = rejected(text.encode("latin-1"), "old.csv")
    assert (errors[0].file, errors[0].line, errors[0].field) == ("old.csv", 3, "Location")
    assert "not valid UTF-8" in errors[0].message


def test_truncated_gzip_is_rejected(tmp_path):
    data = gzip.compress(files.csv_text([files.row()] * 200).encode())
    path = files.write(tmp_path / "2025-01-x-street.csv.bin", data[: len(data) // 2])
    broken = path.rename(tmp_path / "2025-01-x-street.csv.gz")
    with pytest.raises(FileRejected, match="truncated"):
        list(iter_sources(broken))


def test_truncated_zip_is_rejected(tmp_path):
    good = files.zip_archive(
        tmp_path / "good.zip", {"2025-01/2025-01-x-street.csv": files.csv_text([files.row()] * 500)}
    )
    broken = tmp_path / "broken.zip"
    broken.write_bytes(good.read_bytes()[:300])
    with pytest.raises(FileRejected, match="zip archive"):
        list(iter_sources(broken))


def test_zip_takes_street_files_and_skips_outcomes(tmp_path):
    archive = files.zip_archive(
        tmp_path / "download.zip",
        {
            "2025-01/2025-01-x-street.csv": files.csv_text([files.row()]),
            "2025-01/2025-01-x-outcomes.csv": "Crime ID,Month\n",
            "2025-02/2025-02-x-street.csv": files.csv_text([files.row("2025-02")]),
        },
    )
    names = [source.name for source in iter_sources(archive, police_uk_member)]
    assert names == [
        "download.zip:2025-01/2025-01-x-street.csv",
        "download.zip:2025-02/2025-02-x-street.csv",
    ]


def test_boundary_flags_rows_outside():
    boundary = shapely.geometry.shape(files.BOUNDARY["features"][0]["geometry"])
    geography = Geography("EPSG:27700", boundary)
    lon = np.array([-1.476, -3.18])
    lat = np.array([52.922, 51.48])
    assert geography.inside(lon, lat).tolist() == [True, False]


# Force exports ---------------------------------------------------------------------------


MAPPING = ExportMapping.from_dict(
    {
        "reference": "Ref",
        "occurred_at": "When",
        "occurred_at_format": "%d/%m/%Y %H:%M",
        "category": "Type",
        "easting": "E",
        "northing": "N",
        "priority": "Pri",
        "category_map": {"ASB": "Anti-social behaviour"},
    }
)


def parse_export(text: str, mapping: ExportMapping = MAPPING):
    return parse_force_export(
        Source("export.csv", text.encode()),
        mapping=mapping,
        categories=CATEGORIES,
        geography=GEOGRAPHY,
    )


def test_force_export_reads_local_times_as_utc_with_dst():
    text = (
        "Ref,When,Type,E,N,Pri\n"
        "A1,15/01/2025 19:30,ASB,435300,336300,2\n"  # GMT
        "A2,15/07/2025 19:30,Burglary,435300,336300,1\n"  # BST: 18:30 UTC
        "A3,26/10/2025 01:30,ASB,435300,336300,3\n"  # repeated hour: read as BST
        "A4,30/03/2025 01:30,ASB,435300,336300,3\n"  # skipped hour: moved forward
    )
    parsed = parse_export(text)
    assert parsed.errors == []
    utc = [t.strftime("%Y-%m-%d %H:%M") for t in parsed.rows["occurred_at"]]
    assert utc == ["2025-01-15 19:30", "2025-07-15 18:30", "2025-10-26 00:30", "2025-03-30 01:00"]
    assert parsed.rows["month"].tolist() == ["2025-01", "2025-07", "2025-10", "2025-03"]
    assert parsed.rows["category_id"].tolist() == [1, 2, 1, 1]
    assert parsed.rows["priority"].tolist() == ["2", "1", "3", "3"]
    assert abs(parsed.rows["x"].iloc[0] - 435300) < 1.0


def test_force_export_errors_name_line_and_field():
    text = (
        "Ref,When,Type,E,N,Pri\n"
        "A1,15/01/2025 19:30,ASB,435300,336300,2\n"
        "A1,15/01/2025 19:35,ASB,435300,336300,2\n"
        "A3,2025-01-15,ASB,435300,336300,2\n"
        "A4,15/01/2025 19:30,Unknown,435300,336300,2\n"
        "A5,15/01/2025 19:30,ASB,north,336300,2\n"
        "A6,15/01/2025 19:30,ASB,9435300,336300,2\n"
    )
    errors = [(e.line, e.field) for e in parse_export(text).errors]
    assert errors == [(3, "Ref"), (4, "When"), (5, "Type"), (6, "E"), (7, "E")]


def test_force_export_missing_mapped_column_is_rejected():
    with pytest.raises(FileRejected, match="missing 'Pri'"):
        parse_export("Ref,When,Type,E,N\nA1,15/01/2025 19:30,ASB,435300,336300\n")


def test_force_export_iso_times_and_lonlat():
    mapping = ExportMapping.from_dict(
        {
            "reference": "id",
            "occurred_at": "t",
            "category": "c",
            "longitude": "lon",
            "latitude": "lat",
        }
    )
    parsed = parse_export(
        "id,t,c,lon,lat\nz1,2025-06-01T12:00:00+01:00,Burglary,-1.476,52.922\n", mapping
    )
    assert parsed.rows["occurred_at"].iloc[0].strftime("%H:%M") == "11:00"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"reference": "r", "occurred_at": "t"}, "category"),
        ({"reference": "r", "occurred_at": "t", "category": "c"}, "either longitude"),
        ({"reference": "r", "occurred_at": "t", "category": "c", "lon": "x"}, "unknown keys"),
    ],
)
def test_bad_mappings_are_explained(mapping, message):
    with pytest.raises(ValueError, match=message):
        ExportMapping.from_dict(mapping)

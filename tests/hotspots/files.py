"""Small police.uk files for tests, written the way police.uk writes them."""

import gzip
import io
import zipfile
from pathlib import Path

HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
FORCE = "Testshire Constabulary"
# Two map points in Derby (EPSG:27700 about 435000, 336000) and one in Wales (outside).
POINT_A = ("-1.476000", "52.922000", "On or near Market Place")
POINT_B = ("-1.470000", "52.925000", "On or near Iron Gate")
POINT_WALES = ("-3.180000", "51.480000", "On or near Queen Street")
# A square around Derby city centre, in lon/lat.
BOUNDARY = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-1.6, 52.8], [-1.3, 52.8], [-1.3, 53.0], [-1.6, 53.0], [-1.6, 52.8]]
                ],
            },
        }
    ],
}


def row(month="2025-01", category="Anti-social behaviour", point=POINT_A, crime_id="", outcome=""):
    lon, lat, location = point
    return (
        f"{crime_id},{month},{FORCE},{FORCE},{lon},{lat},{location},E01013456,Derby 018A,"
        f"{category},{outcome},"
    )


def no_location_row(month="2025-01", category="Burglary"):
    return f"abc123,{month},{FORCE},{FORCE},,,No Location,,,{category},Under investigation,"


def csv_text(rows: list[str], newline: str = "\n", header: str = HEADER) -> str:
    return newline.join([header, *rows]) + newline


def write(path: Path, text: str | bytes) -> Path:
    data = text.encode() if isinstance(text, str) else text
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def month_rows(month: str, asb: int, burglary: int) -> list[str]:
    return [row(month) for _ in range(asb)] + [
        row(month, "Burglary", POINT_B, crime_id=f"c{month}{i}") for i in range(burglary)
    ]


def zip_archive(path: Path, members: dict[str, str]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return write(path, buffer.getvalue())

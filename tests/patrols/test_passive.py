"""Passive location pings: import through a column mapping, and minutes inside hotspots per
hotspot, officer and local day by the dose rule."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from hotspots.ingest.errors import FileRejected
from hotspots.ingest.readers import Source
from hotspots.services.geometry import to_lonlat, to_projected
from patrols import dosage
from patrols.models import LocationImport, LocationPing, PatrolPlan, PlanHotspot, UnitAlias
from patrols.passive import MappingError, import_pings, parse_mapping, passive_minutes
from tests.patrols.factories import ForceFactory, HotspotFactory, OfficerFactory, RunFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
COLUMNS = "unit=CallSign,officer=Collar,at=Time,lon=Long,lat=Lat,accuracy=Acc"
X0, Y0 = 435_000.0, 336_000.0  # the hotspot's centre (BNG metres); a 150 m square


def test_mapping_is_checked():
    assert parse_mapping(COLUMNS)["unit"] == "CallSign"
    for text, message in [
        ("at=T,lon=X,lat=Y", "needs accuracy"),
        ("at=T,lon=X,lat=Y,accuracy=A", "unit or an officer"),
        ("at=T,lon=X,lat=Y,accuracy=A,unit=U,unit=V", "given twice"),
        ("at=T,lon=X,lat=Y,accuracy=A,colour=C", "unknown field 'colour'"),
        ("at=T,lon", "'lon' is not field=Column"),
    ]:
        with pytest.raises(MappingError, match=message):
            parse_mapping(text)


@pytest.fixture
def crew():
    alpha = OfficerFactory(collar_number="101")
    bravo = OfficerFactory(collar_number="202", force=alpha.force)
    UnitAlias.objects.create(force=alpha.force, unit="ALPHA-1", officer=alpha)
    return alpha, bravo


def _source(text: str, name="pings.csv") -> Source:
    return Source(name, text.encode())


def test_import_maps_units_and_collars_and_reads_local_time(crew):
    alpha, bravo = crew
    text = (
        "CallSign,Collar,Time,Long,Lat,Acc\n"
        "ALPHA-1,,2025-07-01 21:00:00,-1.47,52.92,8\n"
        "BRAVO-9,202,2025-07-01T21:00:30+01:00,-1.4701,52.9201,12.5\n"
        "ALPHA-1,,2025-12-01 21:01:00,-1.4702,52.9202,0\n"
    )
    result = import_pings(force=alpha.force, source=_source(text), mapping=parse_mapping(COLUMNS))
    assert (result.rows, result.added) == (3, 3)
    pings = list(LocationPing.objects.order_by("at"))
    assert [p.officer_id for p in pings] == [alpha.pk, bravo.pk, alpha.pk]
    assert pings[0].at == dt.datetime(2025, 7, 1, 20, 0, tzinfo=UTC)  # BST
    assert pings[1].at == dt.datetime(2025, 7, 1, 20, 0, 30, tzinfo=UTC)
    assert pings[2].at == dt.datetime(2025, 12, 1, 21, 1, tzinfo=UTC)  # GMT
    point = to_projected(shapely.Point(-1.4701, 52.9201))
    assert (pings[1].x, pings[1].y) == pytest.approx((point.x, point.y))
    assert pings[1].unit == "BRAVO-9" and pings[1].accuracy_m == 12.5
    again = import_pings(force=alpha.force, source=_source(text), mapping=parse_mapping(COLUMNS))
    assert (again.rows, again.added) == (3, 0)
    assert LocationPing.objects.count() == 3


def test_bad_rows_reject_the_file_by_line_and_field(crew):
    alpha, _ = crew
    text = (
        "CallSign,Collar,Time,Long,Lat,Acc\n"
        "ALPHA-1,,2025-07-01 21:00:00,-1.47,52.92,8\n"
        "CHARLIE-3,,2025-07-01 21:00:00,-1.47,52.92,8\n"
        "ALPHA-1,999,2025-07-01 21:00:00,-1.47,52.92,8\n"
        "ALPHA-1,,yesterday,-1.47,52.92,8\n"
        "ALPHA-1,,2025-07-01 21:00:00,-1.47,95,8\n"
        "ALPHA-1,,2025-07-01 21:00:00,-1.47,52.92,-3\n"
        ",,2025-07-01 21:00:00,-1.47,52.92,8\n"
    )
    with pytest.raises(FileRejected) as rejected:
        import_pings(force=alpha.force, source=_source(text), mapping=parse_mapping(COLUMNS))
    found = {(e.file, e.line, e.field) for e in rejected.value.errors}
    assert found == {
        ("pings.csv", 3, "CallSign"), ("pings.csv", 4, "Collar"), ("pings.csv", 5, "Time"),
        ("pings.csv", 6, "Lat"), ("pings.csv", 7, "Acc"), ("pings.csv", 8, "CallSign"),
    }  # fmt: skip
    assert "add a unit alias" in str(rejected.value)
    assert LocationPing.objects.count() == 0 and LocationImport.objects.count() == 0


def test_wrong_header_is_refused(crew):
    with pytest.raises(FileRejected, match="missing 'Acc'"):
        import_pings(
            force=crew[0].force, source=_source("CallSign,Collar,Time,Long,Lat\n"),
            mapping=parse_mapping(COLUMNS),
        )  # fmt: skip


def test_command(crew, tmp_path, capsys):
    good = tmp_path / "avls.csv"
    good.write_text("Unit,When,X,Y,Metres\nALPHA-1,2025-07-01T20:00:00Z,-1.47,52.92,5\n")
    columns = "unit=Unit,at=When,lon=X,lat=Y,accuracy=Metres"
    call_command("import_location_pings", str(good), force=crew[0].force.slug, columns=columns)
    assert "1 pings read, 1 new" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("Unit,When,X,Y,Metres\nALPHA-1,2025-07-01T20:00:00Z,-1.47,52.92,lots\n")
    with pytest.raises(CommandError, match="bad.csv: nothing imported"):
        call_command("import_location_pings", str(bad), force=crew[0].force.slug, columns=columns)
    assert "bad.csv, line 2, field 'Metres'" in capsys.readouterr().err
    with pytest.raises(CommandError, match="--columns"):
        call_command("import_location_pings", str(good), force="x", columns="at=When")


# ---- minutes inside ----------------------------------------------------------------------


def _hotspot(force, half=75.0):
    square = shapely.box(X0 - half, Y0 - half, X0 + half, Y0 + half)
    lon, lat = to_lonlat(shapely.Point(X0, Y0)).coords[0]
    return HotspotFactory(
        run=RunFactory(force=force), geometry=shapely.geometry.mapping(to_lonlat(square)),
        centroid_x=X0, centroid_y=Y0, centroid_lon=lon, centroid_lat=lat,
    )  # fmt: skip


def _track(officer, start, steps, batch=None, unit="ALPHA-1"):
    """Fixes every 60 s from `start`: steps are (dx metres from the centre, accuracy)."""
    batch = batch or LocationImport.objects.create(force=officer.force, file_name="t.csv")
    rows = [
        LocationPing(
            batch=batch,
            officer=officer,
            unit=unit,
            at=start + dt.timedelta(seconds=60 * i),
            lon=0,
            lat=0,
            x=X0 + dx,
            y=Y0,
            accuracy_m=acc,
        )  # fmt: skip
        for i, (dx, acc) in enumerate(steps)
    ]
    LocationPing.objects.bulk_create(rows)
    return rows


def test_minutes_inside_by_the_dose_rule(crew):
    alpha, bravo = crew
    hotspot = _hotspot(alpha.force)
    start = dt.datetime(2025, 7, 1, 14, 0, tzinfo=LONDON)
    # 3 fixes 500 m away, 10 inside, 2 away: 30 s + 9 min + 30 s inside = 10 minutes.
    _track(alpha, start, [(500, 5)] * 3 + [(0, 5)] * 10 + [(500, 5)] * 2)
    # Bravo: inside, then a fix too rough to use (500 m), then inside: nothing counts beside
    # the rough fix; then a 10-minute gap between two inside fixes (unknown, not counted).
    later = start + dt.timedelta(hours=2)
    _track(bravo, later, [(0, 5), (0, 5), (0, 500), (0, 5), (0, 5)], unit="B")
    _track(bravo, later + dt.timedelta(minutes=15), [(0, 5), (0, 5)], unit="B")
    # 100 m east of the centre is 25 m past the edge: inside only by the tolerance (25 m) plus
    # the fix's accuracy.
    _track(bravo, later + dt.timedelta(hours=1), [(110, 5), (110, 5), (110, 20)], unit="B")

    cells = passive_minutes(
        first_day=dt.date(2025, 7, 1), last_day=dt.date(2025, 7, 1), hotspot_ids=[hotspot.pk]
    )

    day = dt.date(2025, 7, 1)
    assert cells[(hotspot.pk, alpha.pk, day)] == pytest.approx(10.0)
    # A minute either side of the rough fix's neighbours, one after the gap, and half a minute
    # of the edge walk (35 m from the edge: outside at ±5 m, inside at ±20 m).
    assert cells[(hotspot.pk, bravo.pk, day)] == pytest.approx(1 + 1 + 1 + 0.5)


def test_minutes_agree_with_a_visit_dose_over_the_same_fixes(crew):
    alpha, _ = crew
    hotspot = _hotspot(alpha.force)
    start = dt.datetime(2025, 3, 4, 10, 0, tzinfo=LONDON)
    steps = [
        (dx, acc) for dx, acc in zip(range(-300, 300, 40), [5, 12, 30, 8, 150] * 3, strict=True)
    ]
    fixes = _track(alpha, start, steps)
    polygon = to_projected(shapely.geometry.shape(hotspot.geometry))
    dose = dosage.visit_dose(
        [dosage.Ping(f.at, f.x, f.y, f.accuracy_m) for f in fixes], polygon,
        started_at=fixes[0].at, ended_at=fixes[-1].at,
    )  # fmt: skip
    cells = passive_minutes(first_day=start.date(), last_day=start.date(), hotspot_ids=[hotspot.pk])
    assert dose.minutes_inside > 0
    assert cells[(hotspot.pk, alpha.pk, start.date())] == pytest.approx(dose.minutes_inside)


def test_time_across_midnight_is_split_by_local_day(crew):
    alpha, _ = crew
    hotspot = _hotspot(alpha.force)
    start = dt.datetime(2025, 10, 25, 23, 55, 30, tzinfo=LONDON)
    _track(alpha, start, [(0, 5)] * 11)  # 23:55:30 to 00:05:30, all inside
    cells = passive_minutes(
        first_day=dt.date(2025, 10, 25), last_day=dt.date(2025, 10, 26), hotspot_ids=[hotspot.pk]
    )
    assert cells == {
        (hotspot.pk, alpha.pk, dt.date(2025, 10, 25)): pytest.approx(4.5),
        (hotspot.pk, alpha.pk, dt.date(2025, 10, 26)): pytest.approx(5.5),
    }
    only_first = passive_minutes(
        first_day=dt.date(2025, 10, 25), last_day=dt.date(2025, 10, 25), hotspot_ids=[hotspot.pk]
    )
    assert list(only_first.values()) == [pytest.approx(4.5)]


def test_default_hotspots_are_those_of_running_published_plans(crew):
    alpha, _ = crew
    planned, other = _hotspot(alpha.force), _hotspot(alpha.force)
    plan = PatrolPlan.objects.create(
        force=alpha.force, name="P", run=planned.run, first_day=dt.date(2025, 7, 1),
        last_day=dt.date(2025, 7, 31), seed=1, status=PatrolPlan.Status.PUBLISHED,
    )  # fmt: skip
    PlanHotspot.objects.create(plan=plan, hotspot=planned)
    _track(alpha, dt.datetime(2025, 7, 2, 9, tzinfo=LONDON), [(0, 5)] * 3)
    cells = passive_minutes(
        first_day=dt.date(2025, 7, 2), last_day=dt.date(2025, 7, 2), force_id=alpha.force_id
    )
    assert set(cells) == {(planned.pk, alpha.pk, dt.date(2025, 7, 2))}
    assert other.pk not in {h for h, _, _ in cells}
    elsewhere = OfficerFactory(force=ForceFactory(slug="elsewhere", name="Elsewhere"))
    assert (
        passive_minutes(
            first_day=dt.date(2025, 7, 2), last_day=dt.date(2025, 7, 2), force_id=elsewhere.force_id
        )
        == {}
    )


def test_passive_minutes_reach_every_delivered_figure(crew):
    """Pings of a patrol never logged on the tablet count in the one definition of delivered
    (patrols.delivery), marked passive, for the plan and the force alike."""
    from patrols.delivery import PASSIVE, Scope, delivery

    alpha, _ = crew
    planned = _hotspot(alpha.force)
    plan = PatrolPlan.objects.create(
        force=alpha.force, name="P", run=planned.run, first_day=dt.date(2025, 7, 1),
        last_day=dt.date(2025, 7, 31), seed=1, status=PatrolPlan.Status.PUBLISHED,
    )  # fmt: skip
    PlanHotspot.objects.create(plan=plan, hotspot=planned)
    _track(alpha, dt.datetime(2025, 7, 2, 9, tzinfo=LONDON), [(0, 5)] * 3)
    day = dt.date(2025, 7, 2)
    expected = passive_minutes(first_day=day, last_day=day, force_id=alpha.force_id)
    minutes = expected[(planned.pk, alpha.pk, day)]
    assert minutes > 0
    for scope in (Scope.of_plan(plan), Scope(day, day, force_id=alpha.force_id)):
        total = delivery(scope).total()
        assert total.minutes_by_source[PASSIVE] == pytest.approx(minutes)


# ---- the manager's page ----------------------------------------------------------------------

PAGE = "/patrols/location-pings/"


@pytest.mark.parametrize("persona", ["officer_client", "commander_client"])
def test_page_is_for_managers_only(request, persona):
    assert request.getfixturevalue(persona).get(PAGE).status_code == 403


def test_manager_uploads_pings_and_links_units(manager_client, crew):
    alpha, bravo = crew
    form = {"force": alpha.force.pk, "columns": "unit=U,at=T,lon=X,lat=Y,accuracy=A"}
    assert manager_client.get(PAGE).status_code == 200
    response = manager_client.post(
        PAGE, {**form, "unit": "BRAVO-2", "officer": bravo.pk}, follow=True
    )
    assert "Unit BRAVO-2" in response.content.decode()
    good = SimpleUploadedFile(
        "avls.csv", b"U,T,X,Y,A\nBRAVO-2,2025-07-01T20:00:00Z,-1.47,52.92,5\n"
    )
    response = manager_client.post(PAGE, {**form, "file": good}, follow=True)
    assert "1 pings read, 1 new" in response.content.decode()
    assert LocationPing.objects.get().officer == bravo

    bad = SimpleUploadedFile(
        "bad.csv",
        b"U,T,X,Y,A\nBRAVO-2,2025-07-01T20:01:00Z,-1.47,52.92,5\nZULU,2025-07-01T20:02:00Z,1,2,5\n",
    )
    response = manager_client.post(PAGE, {**form, "file": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing imported: 1 problem" in page
    assert "<td>bad.csv</td><td>3</td><td>U</td>" in page
    assert LocationPing.objects.count() == 1


def test_unit_alias_of_another_forces_officer_is_refused(manager_client, crew):
    alpha, _ = crew
    stranger = OfficerFactory(force=ForceFactory(slug="elsewhere", name="Elsewhere"))
    response = manager_client.post(
        PAGE, {"force": alpha.force.pk, "unit": "X-1", "officer": stranger.pk}
    )
    assert "belongs to another force" in response.content.decode()
    assert not UnitAlias.objects.filter(unit="X-1").exists()

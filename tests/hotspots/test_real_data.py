"""The real police.uk data for Derbyshire and Nottinghamshire, imported twice."""

import gzip

import pandas as pd
import pytest

from hotspots.models import Category, Force, Incident, MonthlyStat, QualityFlag
from hotspots.services.imports import incidents_import_police_uk

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

EXPECTED = {"derbyshire": 279_871, "nottinghamshire": 309_482}


def asb_per_month_from_files(folder) -> dict[str, int]:
    """Counted straight from the CSVs with pandas, independently of the importer."""
    counts: dict[str, int] = {}
    for path in sorted(folder.glob("*-street.csv.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            frame = pd.read_csv(handle, usecols=["Month", "Crime type"], dtype=str)
        for month, n in (
            frame[frame["Crime type"] == "Anti-social behaviour"]["Month"].value_counts().items()
        ):
            counts[month] = counts.get(month, 0) + int(n)
    return counts


def asb_per_month_in_db(force: Force) -> dict[str, int]:
    rows = MonthlyStat.objects.filter(
        force=force, category__slug="anti-social-behaviour"
    ).values_list("month", "count")
    return {f"{month:%Y-%m}": count for month, count in rows}


def test_import_all_shared_data_twice(shared_data):
    for _ in range(2):
        for slug in EXPECTED:
            incidents_import_police_uk(
                paths=[shared_data / slug],
                boundary_path=shared_data / f"{slug}-boundaries" / f"{slug}.geojson.gz",
            )
    for slug, expected in EXPECTED.items():
        force = Force.objects.get(slug=slug)
        assert Incident.objects.filter(force=force).count() == expected
        assert asb_per_month_in_db(force) == asb_per_month_from_files(shared_data / slug)
        asb = Category.objects.get(slug="anti-social-behaviour")
        db_asb = Incident.objects.filter(force=force, category=asb).count()
        assert db_asb == sum(asb_per_month_from_files(shared_data / slug).values())
    notts = Force.objects.get(slug="nottinghamshire")
    assert Incident.objects.filter(force=notts, has_location=False).count() == 2_768
    outside = Incident.objects.filter(has_location=True, in_force_area=False).count()
    located = Incident.objects.filter(has_location=True).count()
    print(f"outside the force areas: {outside} of {located} located rows")
    assert 0.002 < outside / located < 0.03
    flags = QualityFlag.objects.select_related("force", "category")
    print("\n".join(f"{f.force.slug} {f.month:%Y-%m} {f.category.name}: {f.rule}" for f in flags))
    flagged = {(f.force.slug, f"{f.month:%Y-%m}", f.category.slug) for f in flags}
    assert flagged == KNOWN_ARTEFACTS
    cells = MonthlyStat.objects.filter(source="police_uk").count()
    print(f"flagged {len(flagged)} of {cells} force/category/month cells")


# Found by reading the data: capped or sampled ASB months in Nottinghamshire (200, 400, 400,
# 300, 300 and 100 records against neighbours of 2,000-3,000), a Derbyshire month published
# twice (2024-02) and a suspiciously round Derbyshire month (2024-01: exactly 1,100).
KNOWN_ARTEFACTS = {
    ("nottinghamshire", month, "anti-social-behaviour")
    for month in ("2022-01", "2022-06", "2022-07", "2022-09", "2022-10", "2024-01")
} | {
    ("derbyshire", "2024-01", "anti-social-behaviour"),
    ("derbyshire", "2024-02", "anti-social-behaviour"),
}


def test_twelve_month_asb_hotspots_on_derbyshire(shared_data):
    from hotspots.serializers import RunRequestSerializer
    from hotspots.services.runs import hotspot_run_request

    incidents_import_police_uk(
        paths=[shared_data / "derbyshire"],
        boundary_path=shared_data / "derbyshire-boundaries" / "derbyshire.geojson.gz",
    )
    payload = {"force": "derbyshire", "period_start": "2025-01", "period_end": "2025-12"}
    request = RunRequestSerializer(data=payload)
    assert request.is_valid(), request.errors
    run = hotspot_run_request(data=request.validated_data, user=None, sync=True)
    run.refresh_from_db()
    assert run.job.status == "succeeded", run.job.error
    summary = run.summary
    print(
        f"Derbyshire 2025 ASB: {summary['hotspots']} hotspots hold "
        f"{summary['share_of_incidents']:.1%} of {summary['incidents']:,} ASB incidents on "
        f"{summary['share_of_area']:.2%} of the force area (PAI {summary['pai']:.1f}); "
        f"top: {run.hotspots.first().label}"
    )
    asb_2025 = sum(
        n
        for month, n in asb_per_month_in_db(Force.objects.get(slug="derbyshire")).items()
        if month.startswith("2025")
    )
    assert summary["incidents"] <= asb_2025
    assert summary["hotspots"] >= 5
    assert summary["pai"] > 5
    assert 0 < summary["share_of_area"] < 0.05


@pytest.mark.parametrize("slug", ["derbyshire", "nottinghamshire"])
def test_default_runs_of_every_method_give_patrol_scale_hotspots(shared_data, slug):
    """A manager's default run (ASB, the latest 12 months) of each method on real data: no
    hotspot above 0.1 km², labels unique and named by town, and the share of ASB they hold."""
    from hotspots.serializers import RunRequestSerializer
    from hotspots.services.runs import hotspot_run_request

    incidents_import_police_uk(
        paths=sorted((shared_data / slug).glob("2025-*.csv.gz")),
        boundary_path=shared_data / f"{slug}-boundaries" / f"{slug}.geojson.gz",
    )
    for method in ("gistar", "kde", "dbscan", "hdbscan"):
        payload = {"force": slug, "method": method, "period_start": "2025-01",
                   "period_end": "2025-12"}  # fmt: skip
        request = RunRequestSerializer(data=payload)
        assert request.is_valid(), request.errors
        run = hotspot_run_request(data=request.validated_data, user=None, sync=True)
        run.refresh_from_db()
        assert run.job.status == "succeeded", run.job.error
        hotspots = list(run.hotspots.select_related("area"))
        summary = run.summary
        print(
            f"{slug} {method}: {len(hotspots)} hotspots (largest "
            f"{summary['largest_hotspot_km2']:.3f} km², from {summary['hotspot_areas']} areas, "
            f"largest {summary['largest_area_km2']:.2f} km²) hold "
            f"{summary['share_of_incidents']:.1%} of {summary['incidents']:,} ASB incidents on "
            f"{summary['share_of_area']:.3%} of the area; #1 {hotspots[0].label}"
        )
        assert len(hotspots) == 20
        assert max(h.area_m2 for h in hotspots) <= 100_000
        assert all(h.area is not None for h in hotspots)
        assert len({h.label for h in hotspots}) == 20
        # Named by street and town: "Wilmot Street, Derby".
        assert sum(", " in h.label for h in hotspots) >= 18
        assert 0.05 < summary["share_of_incidents"] < 0.5
        assert summary["pai"] > 50

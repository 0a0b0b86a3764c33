"""Reading a hotspot run's incidents from PostgreSQL: the ORM's values_list tuples (as runs
read them before) against the columnar read (hotspots/services/columns.py), in one process,
interleaved, median of 5 each. Target: the columnar read at least 2× faster. Exits 1 on a miss.

Uses the real Derbyshire data when present (imported into a database of its own, unique per
run, dropped afterwards), else the synthetic generator's county."""

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import PG_ADMIN_URL, SHARED, print_table, recreate_pg_database, write_json  # noqa: E402

ROUNDS = 5
TARGET = 2.0


def orm_read(force, first, last, ids, source):
    """The read as it was: values_list tuples, zip, a month f-string per row."""
    import numpy as np
    import pandas as pd

    from hotspots.models import Incident

    rows = (
        Incident.objects.mappable()
        .filter(force=force, source=source, category_id__in=ids)
        .in_months(first, last)
        .values_list("x", "y", "category_id", "month", "occurred_at", "location", "lsoa_name")
    )
    columns = list(zip(*rows, strict=True)) or [()] * 7
    stamps = pd.to_datetime(pd.Series(columns[4], dtype=object), utc=True)
    return (
        np.asarray(columns[0], dtype=float), np.asarray(columns[1], dtype=float),
        np.asarray(columns[2], dtype=np.int64),
        np.array([f"{m:%Y-%m}" for m in columns[3]], dtype=object),
        stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]"),
        np.asarray(columns[5], dtype=object), np.asarray(columns[6], dtype=object),
    )  # fmt: skip


def main() -> int:
    name = f"bench_reads_{uuid.uuid4().hex[:8]}"
    os.environ["DATABASE_URL"] = recreate_pg_database(name)
    os.environ.update(DEBUG="0", SECRET_KEY="benchmark-only-" + os.urandom(32).hex())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        return _measure(name)
    finally:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
        ) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _measure(name: str) -> int:
    import django

    django.setup()
    import numpy as np
    from django.conf import settings
    from django.core.management import call_command

    from hotspots import selectors
    from hotspots.models import Force, ImportBatch, Incident
    from hotspots.services.imports import incidents_import_police_uk

    assert not settings.DEBUG, "DEBUG must be off: it keeps every query"
    call_command("migrate", verbosity=0)
    if (SHARED / "derbyshire").is_dir():
        data = "Derbyshire (police.uk)"
        incidents_import_police_uk(
            paths=[SHARED / "derbyshire"], force_slug="derbyshire",
            boundary_path=SHARED / "derbyshire-boundaries" / "derbyshire.geojson.gz",
        )  # fmt: skip
        force = Force.objects.get(slug="derbyshire")
    else:
        from hotspots.synthetic import SyntheticConfig, generate_all

        data = "synthetic county"
        folder = Path(tempfile.mkdtemp())
        generate_all(SyntheticConfig(seed=1), folder)
        incidents_import_police_uk(
            paths=[folder / "police-uk"], force_slug="exampleshire",
            boundary_path=folder / "boundary.geojson",
        )  # fmt: skip
        force = Force.objects.get(slug="exampleshire")
    months = Incident.objects.filter(force=force).dates("month", "month")
    first, last = months.first(), months.last()
    ids = selectors.category_ids_for("all")
    source = ImportBatch.Source.POLICE_UK
    times: dict[str, list[float]] = {"orm": [], "columnar": []}
    for _ in range(ROUNDS):
        for method in ("orm", "columnar"):
            start = time.perf_counter()
            if method == "orm":
                result = orm_read(force, first, last, ids, source)
            else:
                arrays = selectors.incident_arrays(
                    force=force, first=first, last=last, category_ids=ids, source=source
                )
            times[method].append(time.perf_counter() - start)
    # Both reads hold the same incidents (rows compared in one order).
    months = np.datetime_as_string(arrays.month, unit="M").astype(object)
    ours = np.rec.fromarrays([arrays.x, arrays.y, arrays.category_id, months.astype(str)])
    theirs = np.rec.fromarrays([result[0], result[1], result[2], result[3].astype(str)])
    if len(ours) != len(theirs) or not (np.sort(ours) == np.sort(theirs)).all():
        print("the columnar read differs from the ORM's", file=sys.stderr)
        return 1
    counts = {len(arrays)}
    orm, columnar = (statistics.median(times[m]) for m in ("orm", "columnar"))
    speedup = orm / columnar
    rows = [[data, f"{counts.pop():,}", f"{orm:.3f}", f"{columnar:.3f}", f"{speedup:.1f}×",
             f"≥{TARGET:g}×", "ok" if speedup >= TARGET else "MISS"]]  # fmt: skip
    header = ["data", "incidents", "ORM s", "columnar s", "speed-up", "target", "result"]
    print_table(f"Reading a run's incidents, median of {ROUNDS} interleaved", header, rows)
    write_json("reads", {
        "data": data, "incidents": rows[0][1], "rounds": ROUNDS,
        "orm_s": times["orm"], "columnar_s": times["columnar"],
        "orm_median_s": orm, "columnar_median_s": columnar, "speedup": speedup,
        "target_speedup": TARGET, "database": name, "cpu_count": os.cpu_count(),
        "np": np.__version__,
    })  # fmt: skip
    return 0 if speedup >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

"""Check the sync benchmark's database against what the tablets sent (run in a child process
with DATABASE_URL set, after the server has stopped): every acknowledged visit and ping
stored exactly once, with the content sent, and each visit's stored dose matching its pings.
Prints one JSON line.

usage: verify.py MANIFEST.json"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
import math  # noqa: E402

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

from patrols.models import GpsPing, PatrolVisit  # noqa: E402
from patrols.services.visits import visit_dose_refresh  # noqa: E402

COUNTS = ("arrests", "stop_searches", "dispersals", "asb_warnings", "people_engaged",
          "intelligence_reports")  # fmt: skip


def _expected_fields(sent: dict) -> dict:
    fields = {name: sent[name] for name in (*COUNTS, "notes")}
    fields["hotspot_id"] = sent["hotspot"]
    fields["assignment_id"] = sent["assignment"]
    fields["officer__user__username"] = sent["username"]
    fields["started_at"] = dt.datetime.fromisoformat(sent["started_at"])
    fields["ended_at"] = dt.datetime.fromisoformat(sent["ended_at"])
    for end in ("start", "end"):
        fix = sent[end] or {}
        for key in ("lon", "lat", "accuracy_m"):
            fields[f"{end}_{key}"] = fix.get(key)
    return fields


def _ping_row(ping: dict) -> tuple:
    at = dt.datetime.fromisoformat(ping["at"])
    return (at, ping["lon"], ping["lat"], ping["accuracy_m"])


def verify(manifest: dict) -> dict:
    sent = {v["client_uuid"]: v for v in manifest["visits"]}
    attempted = set(manifest["attempted_visits"])
    acked = set(manifest["acked_visits"])
    acked_pings = set(manifest["acked_pings"])
    parallel = set(manifest["parallel_pings"])
    names = ["client_uuid", *_expected_fields(next(iter(sent.values())))]
    stored = {str(row["client_uuid"]): row for row in PatrolVisit.objects.values(*names)}
    visit_rows = PatrolVisit.objects.count()
    duplicated_visits = (
        PatrolVisit.objects.values("client_uuid").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    mismatched = []
    totals_sent = dict.fromkeys(COUNTS, 0)
    totals_stored = dict.fromkeys(COUNTS, 0)
    for key, row in stored.items():
        if key not in sent:
            continue
        expected = _expected_fields(sent[key])
        wrong = [name for name, value in expected.items() if row[name] != value]
        if wrong:
            mismatched.append({"visit": key, "fields": wrong})
        for name in COUNTS:
            totals_sent[name] += sent[key][name]
            totals_stored[name] += row[name]

    pings = {}
    for p in GpsPing.objects.values("client_uuid", "visit__client_uuid", "at", "lon", "lat",
                                    "accuracy_m"):  # fmt: skip
        pings[str(p["client_uuid"])] = (str(p["visit__client_uuid"]),
                                        (p["at"], p["lon"], p["lat"], p["accuracy_m"]))  # fmt: skip
    ping_rows = GpsPing.objects.count()
    sent_pings = {p["client_uuid"]: (v["client_uuid"], _ping_row(p))
                  for v in manifest["visits"] for p in v["pings"]}  # fmt: skip
    wrong_pings = [u for u, (visit, row) in pings.items()
                   if u in sent_pings and sent_pings[u] != (visit, row)]  # fmt: skip

    stale = []
    with transaction.atomic():
        for visit in PatrolVisit.objects.select_related("hotspot"):
            before = (visit.minutes_inside, visit.minutes_unknown, visit.band)
            dose = visit_dose_refresh(visit=visit)
            after = (dose.minutes_inside, dose.minutes_unknown, dose.band)
            close = math.isclose(before[0], after[0], abs_tol=1e-9) and math.isclose(
                before[1], after[1], abs_tol=1e-9
            )
            if not close or before[2] != after[2]:
                stale.append({"visit": str(visit.client_uuid), "stored": before, "pings": after})
        transaction.set_rollback(True)

    return {
        "visits_in_outboxes": len(sent),
        "visits_attempted": len(attempted),
        "visits_acknowledged": len(acked),
        "visit_rows": visit_rows,
        "visits_lost": sorted(acked - stored.keys()),
        "visits_duplicated": duplicated_visits,
        "visits_unexpected": sorted(stored.keys() - attempted),
        "visits_unacknowledged_missing": len(attempted - acked - stored.keys()),
        "visits_mismatched": mismatched[:20],
        "visits_mismatched_count": len(mismatched),
        "activity_sent": totals_sent,
        "activity_stored": totals_stored,
        "pings_in_outboxes": len(sent_pings),
        "pings_acknowledged": len(acked_pings),
        "ping_rows": ping_rows,
        "pings_lost": len(acked_pings - pings.keys()),
        "pings_duplicated": ping_rows - len(pings),
        "pings_unexpected": len(pings.keys() - sent_pings.keys()),
        "pings_mismatched": len(wrong_pings),
        "doses_stale": stale[:20],
        "doses_stale_count": len(stale),
        "doses_stale_parallel": sum(s["visit"] in parallel for s in stale),
        "visits_with_parallel_batches": len(parallel),
    }


if __name__ == "__main__":
    print(json.dumps(verify(json.loads(Path(sys.argv[1]).read_text())), default=str))

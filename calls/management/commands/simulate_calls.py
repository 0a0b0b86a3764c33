"""Stream a synthetic control-room feed for a force through the real push API."""

import datetime as dt
import heapq
import json
import time
import urllib.error
import urllib.request

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from calls.models import IncidentTypeMapping, IntegrationToken
from calls.selectors import map_points
from calls.services.tokens import token_create
from calls.simulation import TYPES, simulate
from hotspots.models import Force

BATCH = 500


class Command(BaseCommand):
    help = (
        "Send a realistic command-and-control feed (rates by category and hour of the week, "
        "lifecycle times by priority, some sensitive calls) to a running server's push API: "
        "first the last --hours-back hours, then live. Creates the incident-type mappings of "
        "the simulated types and a token named 'simulator' for the force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", default="exampleshire")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Server base URL")
        parser.add_argument("--hours-back", type=float, default=48)
        parser.add_argument("--scale", type=float, default=1.0, help="Multiply every rate")
        parser.add_argument("--duration", type=float, default=0, help="Seconds; 0 = forever")
        parser.add_argument("--tick", type=float, default=5, help="Seconds between sends")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--wait", type=float, default=60, help="Seconds to wait for the server")

    def handle(self, *args, **options):
        force = Force.objects.filter(slug=options["force"]).first()
        if force is None:
            raise CommandError(f"No force {options['force']!r}; run load_demo_data first.")
        self._setup_mappings(force)
        secret = self._token(force)
        points = self._points(force)
        rng = np.random.default_rng(options["seed"])
        url = f"{options['url'].rstrip('/')}/api/forces/{force.slug}/call-events/"
        self._wait_for(url, secret, options["wait"])
        now = timezone.now()
        pending: list[tuple[str, int, dict]] = []
        counter = 0
        start = now - dt.timedelta(hours=options["hours_back"])
        stop = time.monotonic() + options["duration"] if options["duration"] else None
        zone = timezone.get_current_timezone()
        while True:
            calls = simulate(start=start, end=now, points=points, rng=rng,
                             scale=options["scale"], tz=zone)  # fmt: skip
            for call in calls:
                for event in call.events:
                    counter += 1
                    heapq.heappush(pending, (event["occurred_at"], counter, event))
            due = []
            while pending and dt.datetime.fromisoformat(pending[0][0]) <= now:
                due.append(heapq.heappop(pending)[2])
            self._send(url, secret, due)
            if stop is not None and time.monotonic() >= stop:
                return
            time.sleep(options["tick"])
            start, now = now, timezone.now()

    def _setup_mappings(self, force: Force) -> None:
        for code, category, sensitive, _, _ in TYPES:
            IncidentTypeMapping.objects.get_or_create(
                force=force, incident_type=code,
                defaults={"public_category": category, "sensitive": sensitive,
                          "description": "Simulated incident type"},
            )  # fmt: skip

    def _token(self, force: Force) -> str:
        IntegrationToken.objects.filter(force=force, name="simulator").delete()
        return token_create(force=force, name="simulator")[1]

    def _points(self, force: Force) -> np.ndarray:
        _, lonlat = map_points(force=force)
        if not len(lonlat):
            raise CommandError(f"{force.slug} has no police.uk map points to place calls near.")
        return lonlat

    def _post(self, url: str, secret: str, events: list[dict]) -> dict:
        request = urllib.request.Request(
            url, data=json.dumps({"events": events}).encode(), method="POST",
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 422:
                return json.load(error)
            raise

    def _wait_for(self, url: str, secret: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                self._post(url, secret, [])
                return
            except (urllib.error.URLError, ConnectionError) as error:
                if time.monotonic() > deadline:
                    raise CommandError(f"No server at {url}: {error}") from None
                time.sleep(1)

    def _send(self, url: str, secret: str, events: list[dict]) -> None:
        for i in range(0, len(events), BATCH):
            result = self._post(url, secret, events[i : i + BATCH])
            self.stdout.write(
                f"{timezone.localtime():%H:%M:%S} sent {result['applied']} events"
                + (f", {result['rejected']} refused" if result["rejected"] else "")
            )

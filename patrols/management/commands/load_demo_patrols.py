from django.core.management.base import BaseCommand, CommandError

from hotspots.models import Force, HotspotRun
from patrols.models import OfficerProfile, PatrolPlan
from patrols.returns import funder_return
from patrols.services.demo import demo_patrols_create


class Command(BaseCommand):
    help = (
        "Give the demo force a year of patrols (2025): weekly published plans at its top ASB "
        "hotspots and the visits its officers logged, then print that year's funder return."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=2025)
        parser.add_argument("--hotspots", type=int, default=20)

    def handle(self, *args, year: int, hotspots: int, **options):
        force = Force.objects.filter(slug="exampleshire").first()
        officers = list(OfficerProfile.objects.filter(force=force).order_by("collar_number"))
        if force is None or not officers:
            raise CommandError("Load the demo data and roster first (load_demo_roster).")
        run = HotspotRun.objects.filter(force=force, selection="asb").finished().first()
        if run is None:
            raise CommandError("The demo force has no finished ASB hotspot run.")
        if PatrolPlan.objects.filter(force=force, name__startswith="Demo patrols: week").exists():
            self.stdout.write("The demo patrols exist already.")
            return
        made = demo_patrols_create(run=run, officers=officers, year=year, hotspots=hotspots)
        self.stdout.write(
            f"Demo patrols {year}: {made.plans} weekly plans, {made.assignments} assignments, "
            f"{made.visits} visits, {made.pings} GPS fixes."
        )
        total = funder_return(force=force, period=str(year)).total
        self.stdout.write(
            f"Funder return {year}: {total.delivered_hours:,.0f} patrol hours delivered "
            f"({total.verified_hours:,.0f} verified by GPS) of {total.planned_hours:,.0f} "
            f"planned; {total.patrols:,} patrols, {total.arrests} arrests, "
            f"{total.stop_searches} stop-searches, {total.dispersals} dispersal directions, "
            f"{total.asb_warnings} ASB warnings, {total.people_engaged:,} people engaged, "
            f"{total.intelligence_reports} intelligence reports."
        )

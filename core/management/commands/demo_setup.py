from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from core.roles import ALL_ROLES

DEMO_PASSWORD = "patrol-demo-2026"
DEMO_USERS = {
    "manager": ("Morgan", "Hale", ["manager"]),
    "officer": ("Priya", "Shah", ["officer"]),
    "officer2": ("Tom", "Reid", ["officer"]),
    "commander": ("Chris", "Okafor", ["commander"]),
}


class Command(BaseCommand):
    help = "Create (or reset) one demo user per role and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help="Password for every demo user."
        )

    @transaction.atomic
    def handle(self, *args, password: str, **options):
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in ALL_ROLES}
        self.stdout.write(
            self.style.MIGRATE_HEADING("Demo users (sign in at http://127.0.0.1:8000/):")
        )
        for username, (first, last, roles) in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.set_password(password)
            user.save()
            user.groups.set([groups[role] for role in roles])
            self.stdout.write(
                f"  {', '.join(roles):<10} username {username:<10} password {password}"
            )

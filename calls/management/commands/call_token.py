"""Create, list or revoke the integration tokens a control room pushes call events with."""

from django.core.management.base import BaseCommand, CommandError

from calls.models import IntegrationToken
from calls.services.tokens import token_create, token_revoke
from hotspots.models import Force


class Command(BaseCommand):
    help = "Create (prints the secret once), list or revoke integration tokens of a force."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "list", "revoke"])
        parser.add_argument("--force", required=True, help="Force slug")
        parser.add_argument("--name", help="Token name, e.g. the integration's system")

    def handle(self, *args, action, force, name, **options):
        force_row = Force.objects.filter(slug=force).first()
        if force_row is None:
            raise CommandError(f"No force {force!r}.")
        if action == "list":
            for token in IntegrationToken.objects.filter(force=force_row):
                self.stdout.write(str(token))
            return
        if not name:
            raise CommandError("Give --name.")
        if action == "create":
            try:
                _, secret = token_create(force=force_row, name=name)
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(secret)
            self.stderr.write("Store this secret now: only its digest is kept.")
            return
        token = IntegrationToken.objects.filter(force=force_row, name=name).first()
        if token is None:
            raise CommandError(f"{force} has no token named {name!r}.")
        token_revoke(token=token)
        self.stdout.write(f"Revoked {token}")

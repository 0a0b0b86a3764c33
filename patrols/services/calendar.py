"""The secret address of an officer's calendar feed: replaced or turned off by the officer
(or a manager) whenever it may have leaked."""

from django.db import transaction

from patrols.models import OfficerProfile, _calendar_token


@transaction.atomic
def calendar_token_rotate(*, officer: OfficerProfile) -> str:
    """A new address; the old one stops working at once."""
    officer.calendar_token = _calendar_token()
    officer.save(update_fields=["calendar_token"])
    return officer.calendar_token


@transaction.atomic
def calendar_token_revoke(*, officer: OfficerProfile) -> None:
    """No address at all until the next rotation."""
    officer.calendar_token = None
    officer.save(update_fields=["calendar_token"])

"""Integration tokens: one per command-and-control integration, scoped to one force."""

import secrets

from django.db import transaction
from django.utils import timezone

from calls.models import IntegrationToken
from hotspots.models import Force

SECRET_PREFIX = "hpc_"


@transaction.atomic
def token_create(*, force: Force, name: str, created_by=None) -> tuple[IntegrationToken, str]:
    """A new token and its secret. The secret is returned once and only its digest is kept."""
    if IntegrationToken.objects.filter(force=force, name=name).exists():
        raise ValueError(f"{force.slug} already has a token named {name!r}.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = IntegrationToken.objects.create(
        force=force,
        name=name,
        prefix=secret[:10],
        digest=IntegrationToken.digest_of(secret),
        created_by=created_by,
    )
    return token, secret


def token_revoke(*, token: IntegrationToken) -> IntegrationToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_for_secret(*, secret: str) -> IntegrationToken | None:
    """The active token with this secret, its last use recorded at most once a minute."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = (
        IntegrationToken.objects.active()
        .select_related("force")
        .filter(digest=IntegrationToken.digest_of(secret))
        .first()
    )
    now = timezone.now()
    if token and (token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60):
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token

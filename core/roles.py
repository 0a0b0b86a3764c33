"""The three roles of the service, held as Django groups created by a migration."""

from django.contrib.auth.models import AnonymousUser, User

MANAGER = "manager"
OFFICER = "officer"
COMMANDER = "commander"
ALL_ROLES = (MANAGER, OFFICER, COMMANDER)

# The officer's home is their patrol list, served by the patrols app.
HOME_URL_NAMES = {MANAGER: "manager-home", COMMANDER: "commander-home", OFFICER: "my-patrols"}


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The user's roles; a superuser acts as manager and commander but never as an officer."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {MANAGER, COMMANDER}
        user._role_cache = cached  # type: ignore[union-attr,attr-defined]
    return cached


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def primary_role(user: User | AnonymousUser) -> str | None:
    """The role whose home page the user lands on."""
    roles = roles_of(user)
    return next((role for role in (MANAGER, COMMANDER, OFFICER) if role in roles), None)

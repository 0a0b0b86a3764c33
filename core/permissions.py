"""DRF permission classes per role. Each carries `roles`, which the schema prints per endpoint."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import COMMANDER, MANAGER, OFFICER, has_role


class HasRole(BasePermission):
    roles: tuple[str, ...] = ()
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and has_role(request.user, *self.roles))


class IsManager(HasRole):
    roles = (MANAGER,)


class IsOfficer(HasRole):
    roles = (OFFICER,)


class IsCommander(HasRole):
    roles = (COMMANDER,)


class IsManagerOrCommander(HasRole):
    roles = (MANAGER, COMMANDER)


class IsStaff(HasRole):
    """Any of the three roles."""

    roles = (MANAGER, OFFICER, COMMANDER)


class ManagerWritesStaffReads(HasRole):
    """Reading for every role; writing for managers only."""

    roles = (MANAGER, OFFICER, COMMANDER)

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return super().has_permission(request, view)
        return bool(request.user and has_role(request.user, MANAGER))


def describe_access(permission_classes) -> str:
    """One sentence naming who may call an endpoint, for the OpenAPI description."""
    for permission in permission_classes:
        if isinstance(permission, ManagerWritesStaffReads):
            return (
                "Who may use it: any signed-in manager, officer or commander may read; "
                "managers write."
            )
        roles = getattr(permission, "roles", None)
        if roles:
            return "Who may use it: " + ", ".join(roles) + "."
    if any(type(p).__name__ == "AllowAny" for p in permission_classes):
        return "Who may use it: anyone, including anonymous visitors."
    return "Who may use it: any signed-in user."

from drf_spectacular.openapi import AutoSchema

from core.permissions import describe_access


class RoleAwareAutoSchema(AutoSchema):
    """Appends the roles allowed to call each operation to its description."""

    def get_description(self) -> str:
        description = super().get_description() or ""
        access = describe_access(self.view.get_permissions())
        return f"{description}\n\n{access}".strip()

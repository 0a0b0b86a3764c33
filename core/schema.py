"""The OpenAPI schema's conventions: who may call each operation, and the error answers every
operation can give, so that the schema states every status code the API answers with."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from core.permissions import describe_access

# DRF's answer to a refused request: {"detail": "..."}.
ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "Why the request was refused."}},
    "required": ["detail"],
}
# DRF's answer to invalid input: each field (or "non_field_errors", or "detail") mapped to its
# reasons — a message, a list of messages, or the same shape for a nested object.
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each field in error, with its reasons.",
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {}},
            {"type": "object", "additionalProperties": {}},
        ]
    },
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class RoleAwareAutoSchema(AutoSchema):
    """Appends the roles allowed to call each operation to its description, and documents the
    error answers: 400 for operations taking input, 401/403 for those that need a sign-in or a
    role, 404 for those naming a resource in their path."""

    def get_description(self) -> str:
        description = super().get_description() or ""
        access = describe_access(self.view.get_permissions())
        return f"{description}\n\n{access}".strip()

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _error_response(self, description: str, schema: dict) -> dict:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    def _takes_input(self) -> bool:
        if self.method in WRITES:
            return True
        return any(parameter.get("in") == "query" for parameter in self._get_parameters())

    def _names_a_record(self) -> bool:
        """A resource in the path, or a force chosen by its slug in the query."""
        return "{" in self.path or any(
            parameter.get("in") == "query" and parameter.get("name") == "force"
            for parameter in self._get_parameters()
        )

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self._component("Error", ERROR)
        errors = {}
        if self._takes_input():
            invalid = self._component("ValidationError", VALIDATION_ERROR)
            errors["400"] = self._error_response(
                "Invalid input, each field with its reasons.", invalid
            )
        if self.view.authentication_classes and not any(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        ):
            # An authentication that names a challenge answers 401; the session answers 403.
            if any(
                auth().authenticate_header(self.view.request)
                for auth in self.view.authentication_classes
            ):
                errors["401"] = self._error_response("Not signed in.", error)
            errors["403"] = self._error_response(
                "Not signed in, or the role does not allow this.", error
            )
        if self.method in WRITES:
            errors["415"] = self._error_response(
                "A request body type the operation does not read.", error
            )
        if self._names_a_record():
            errors["404"] = self._error_response("No such resource, or not one of yours.", error)
        for code, response in errors.items():
            responses.setdefault(code, response)
        return responses


def download(media_type: str, description: str, schema: dict | None = None) -> dict:
    """An `extend_schema(responses=...)` entry for a file answered as `media_type` (a text
    file by default; pass a schema for JSON-like files, `BINARY` for binary ones)."""
    return {
        (200, media_type): OpenApiResponse(
            response=schema or {"type": "string"}, description=description
        )
    }


BINARY = {"type": "string", "format": "binary"}
GEOJSON_FEATURE_COLLECTION = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "geometry": {"type": "object", "nullable": True},
                    "properties": {"type": "object", "nullable": True},
                },
                "required": ["type", "geometry", "properties"],
            },
        },
    },
    "required": ["type", "features"],
}

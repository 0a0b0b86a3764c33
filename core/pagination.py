"""Pages of list answers: `limit` and `offset` as LimitOffsetPagination reads them, except that a
value that is not a whole number in range is refused (400) rather than silently replaced."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class StrictLimitOffsetPagination(LimitOffsetPagination):
    def _read(self, request, name: str, minimum: int) -> int | None:
        text = request.query_params.get(name)
        if text is None:
            return None
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise ValidationError({name: f"Give a whole number from {minimum}."})
        return value

    def get_limit(self, request):
        limit = self._read(request, self.limit_query_param, 1)
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit) if self.max_limit else limit

    def get_offset(self, request):
        return self._read(request, self.offset_query_param, 0) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            minimum = 1 if parameter["name"] == self.limit_query_param else 0
            parameter["schema"]["minimum"] = minimum
        return parameters

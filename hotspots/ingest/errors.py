from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """A problem with one row (line numbers count the header as line 1) or with a whole file."""

    file: str
    line: int | None
    field: str | None
    message: str
    value: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        shown = f" (value {self.value!r})" if self.value not in (None, "") else ""
        return f"{where}: {self.message}{shown}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "value": self.value,
        }


class FileRejected(Exception):
    """A file cannot be imported at all (unreadable, empty, wrong header) or has bad rows and
    the import rejects whole files on error."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(shown + more)

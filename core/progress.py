"""A console progress bar for management commands, fed by job progress callbacks."""

import sys


class ProgressBar:
    def __init__(self, out, label: str, width: int = 30):
        self.out = out
        self.label = label
        self.width = width
        self.tty = hasattr(out, "isatty") and out.isatty() or sys.stdout.isatty()
        self._last: tuple[int, str] | None = None

    def __call__(self, percent: int, message: str = "") -> None:
        if (percent, message) == self._last:
            return
        if not self.tty and self._last and percent - self._last[0] < 10 and percent < 100:
            return  # in logs, one line per ten per cent is plenty
        self._last = (percent, message)
        filled = self.width * percent // 100
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% {message}"
        if self.tty:
            self.out.write("\r" + line[:150].ljust(150), ending="")
        else:
            self.out.write(line)
        self.out.flush()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        if self.tty:
            self.out.write("")

"""Sources of incident files: plain CSV, gzip, zip archives and folders of months."""

import codecs
import gzip
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hotspots.ingest.errors import FileRejected, RowError

CSV_SUFFIXES = (".csv", ".csv.gz")


@dataclass(frozen=True)
class Source:
    """One CSV file's name (as shown to users) and its raw bytes, decompressed."""

    name: str
    data: bytes

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def police_uk_member(name: str) -> bool:
    """police.uk downloads also hold outcomes and stop-and-search files: take street files."""
    lowered = name.lower()
    return lowered.endswith(("-street.csv", "-street.csv.gz")) or lowered.endswith(".zip")


def expand_paths(paths: list[Path], wanted=lambda name: True) -> list[Path]:
    """Files to read, in a stable order: folders are searched for CSV, .csv.gz and zip files
    whose names pass `wanted`; files named explicitly are always read."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and _is_importable(p.name) and wanted(p.name)
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise FileRejected([RowError(str(path), None, None, "no such file or folder")])
    return found


def _is_importable(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(CSV_SUFFIXES) or lowered.endswith(".zip")


@dataclass(frozen=True)
class Limits:
    """Bounds on one CSV source, decompressed: a file past any of them is refused before it
    is parsed, after reading at most `max_bytes` (and far less for a compression bomb)."""

    max_bytes: int = 512 * 1024 * 1024
    max_ratio: float = 100.0  # decompressed / compressed bytes, for gzip and zip
    max_rows: int = 2_000_000
    max_line_bytes: int = 64 * 1024  # police.uk lines are about 300 bytes
    # Below this many decompressed bytes the ratio is not judged: tiny files compress oddly.
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = Limits()
CHUNK = 256 * 1024


def iter_sources(path: Path, wanted=lambda name: True, limits: Limits = DEFAULT_LIMITS):
    """The CSV sources in one file; a zip archive yields each CSV inside it that passes
    `wanted`. Decompression streams under `limits`, and each source's text is checked for
    shapes that no CSV reader reports well (UTF-16, NUL bytes, lone carriage returns, huge
    lines, an unclosed quote, a header and no rows)."""
    name = path.name
    lowered = name.lower()
    if lowered.endswith(".zip"):
        sources = _zip_sources(path, name, wanted, limits)
    else:
        sources = iter([_file_source(path, name, limits)])
    for source in sources:
        check_shape(source, limits)
        yield source


def _file_source(path: Path, name: str, limits: Limits) -> Source:
    with path.open("rb") as raw:
        if not name.lower().endswith(".gz"):
            return Source(name, _read_bounded(raw, name, limits, None))
        try:
            with gzip.GzipFile(fileobj=raw) as stream:
                return Source(name, _read_bounded(stream, name, limits, raw.tell))
        except EOFError:
            raise FileRejected(
                [RowError(name, None, None, "the gzip file is truncated (it ends before its data)")]
            ) from None
        except (OSError, zlib.error) as error:
            raise FileRejected(
                [RowError(name, None, None, f"not a valid gzip file: {error}")]
            ) from None


def _read_bounded(stream, name: str, limits: Limits, compressed_read) -> bytes:
    """All of `stream`, refused as soon as it passes a limit; `compressed_read()` is how many
    compressed bytes were consumed so far (None for an uncompressed file)."""
    data = bytearray()
    lines = 0
    while chunk := stream.read(CHUNK):
        data += chunk
        lines += chunk.count(b"\n")
        if len(data) > limits.max_bytes:
            mib = limits.max_bytes // (1024 * 1024)
            raise _refused(name, f"is larger than {mib} MiB decompressed (IMPORT_MAX_FILE_MB)")
        if lines > limits.max_rows + 1:
            message = f"has more than {limits.max_rows} rows (IMPORT_MAX_ROWS); split it"
            raise _refused(name, message, limits.max_rows + 2)
        if compressed_read is not None and len(data) > limits.ratio_floor:
            ratio = len(data) / max(compressed_read(), 1)
            if ratio > limits.max_ratio:
                raise _refused(
                    name,
                    (
                        f"expands more than {limits.max_ratio:g} times when decompressed "
                        "(IMPORT_MAX_RATIO): a compression bomb, or rows repeated many times"
                    ),
                )
    return bytes(data)


def _zip_sources(path: Path, name: str, wanted, limits: Limits) -> Iterator[Source]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(
                (m for m in archive.infolist() if not m.is_dir()),
                key=lambda m: m.filename,
            )
            members = [
                m
                for m in members
                if m.filename.lower().endswith(CSV_SUFFIXES)
                and "__MACOSX" not in m.filename
                and wanted(m.filename)
            ]
            if not members:
                raise FileRejected(
                    [RowError(name, None, None, "the zip archive holds no CSV files")]
                )
            for member in members:
                yield _zip_member(archive, member, f"{name}:{member.filename}", limits)
    except (zipfile.BadZipFile, EOFError) as error:
        raise FileRejected(
            [RowError(name, None, None, f"not a readable zip archive (truncated?): {error}")]
        ) from None


def _zip_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, limits) -> Source:
    try:
        with archive.open(member) as stream:
            # Compressed bytes consumed so far; the whole member if the stream cannot say.
            def consumed() -> int:
                left = getattr(stream, "_compress_left", 0)
                return max(member.compress_size - left, 1)

            if member.filename.lower().endswith(".gz"):
                with gzip.GzipFile(fileobj=stream) as inner:
                    data = _read_bounded(inner, name, limits, consumed)
            else:
                data = _read_bounded(stream, name, limits, consumed)
    except EOFError:
        raise FileRejected(
            [RowError(name, None, None, "the gzip file is truncated (it ends before its data)")]
        ) from None
    except (zipfile.BadZipFile, OSError, zlib.error) as error:
        raise FileRejected(
            [RowError(name, None, None, f"this member of the zip archive is damaged: {error}")]
        ) from None
    return Source(name, data)


def check_shape(source: Source, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse text that the CSV readers would crash on or misreport, naming line and field."""
    data, name = source.data, source.name
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        raise _refused(name, "is UTF-16 text; save it as UTF-8 (in Excel: CSV UTF-8)", 1)
    if (nul := data.find(b"\0")) >= 0:
        raise FileRejected([_at(source, nul, "holds a NUL byte (is it a CSV file?)")])
    if b"\r" in data and b"\n" not in data:
        raise _refused(
            name,
            (
                "its lines end with a carriage return only (old Mac format); save it with "
                "Windows or Unix line endings"
            ),
        )
    if (long := _long_line_start(data, limits.max_line_bytes)) is not None:
        message = (
            f"this line is longer than {limits.max_line_bytes} bytes (IMPORT_MAX_LINE_KB): "
            "a field holds far more than any incident needs"
        )
        raise FileRejected([_at(source, long + limits.max_line_bytes, message)])
    if (quote := _unclosed_quote(data)) is not None:
        message = "a quote opened here is never closed: the rest of the file would be one field"
        raise FileRejected([_at(source, quote, message)])
    first_break = data.find(b"\n")
    if data.strip() and (first_break < 0 or not data[first_break:].strip()):
        raise FileRejected([RowError(name, 2, None, "the file has a header but no rows")])


def _long_line_start(data: bytes, max_line_bytes: int) -> int | None:
    """Where the first line longer than `max_line_bytes` starts (a carriage return counts as
    part of its line), if any. Such a line holds a whole aligned block of half that length
    without a line break, so only the blocks are searched, and only a block without one is
    looked at closely: a few thousand searches that each stop at the block's first break."""
    block = max(max_line_bytes // 2, 1)
    checked_to = 0  # lines ending before this offset are known to be short
    for offset in range(0, len(data) - block + 1, block):
        if offset < checked_to or data.find(b"\n", offset, offset + block) >= 0:
            continue
        start = data.rfind(b"\n", 0, offset) + 1
        end = data.find(b"\n", offset)
        end = len(data) if end < 0 else end
        if end - start > max_line_bytes:
            return start
        checked_to = end
    return None


def _refused(name: str, message: str, line: int | None = None) -> FileRejected:
    return FileRejected([RowError(name, line, None, message)])


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: every other byte of ASCII text is NUL."""
    head = data[:1000]
    return len(head) >= 4 and head.count(b"\0") >= len(head) // 3


def _unclosed_quote(data: bytes) -> int | None:
    """Where a quoted field that never ends starts, if one does. With an odd number of quotes
    the last one opens a field that never closes, if it stands at the start of a field."""
    if data.count(b'"') % 2 == 0:
        return None
    last = data.rfind(b'"')
    if last == 0 or data[last - 1 : last] in (b",", b"\n", b"\r"):
        return last
    return None


def _at(source: Source, position: int, message: str) -> RowError:
    """An error at a byte offset: its line, and its field by counting commas before it."""
    data = source.data
    start = data.rfind(b"\n", 0, position) + 1
    line = data.count(b"\n", 0, position) + 1
    header = data.split(b"\n", 1)[0][:4096].decode("utf-8", "replace").strip().split(",")
    column = data[start:position].count(b",")
    field = header[column].strip() if column < len(header) and line > 1 else None
    return RowError(source.name, line, field, message)


def decode(source: Source) -> str:
    """UTF-8 text (a BOM is dropped); undecodable bytes are reported with their line and field."""
    try:
        return source.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected([_decode_error(source, error)]) from None


def _decode_error(source: Source, error: UnicodeDecodeError) -> RowError:
    start = source.data.rfind(b"\n", 0, error.start) + 1
    line = source.data.count(b"\n", 0, error.start) + 1
    header = source.data.split(b"\n", 1)[0].decode("utf-8", "replace").strip().split(",")
    column = source.data[start : error.start].count(b",")
    field = header[column] if column < len(header) else None
    bad = source.data[error.start : error.end].hex(" ")
    return RowError(
        source.name, line, field, f"bytes {bad} are not valid UTF-8 text (is the file Latin-1?)"
    )


def as_text_stream(text: str) -> io.StringIO:
    return io.StringIO(text, newline="")

"""Sources of incident files: plain CSV, gzip, zip archives and folders of months."""

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


def iter_sources(path: Path, wanted=lambda name: True) -> Iterator[Source]:
    """The CSV sources in one file; a zip archive yields each CSV inside it that passes
    `wanted`."""
    name = path.name
    lowered = name.lower()
    if lowered.endswith(".zip"):
        yield from _zip_sources(path, name, wanted)
    elif lowered.endswith(".gz"):
        yield Source(name, _gunzip(path.read_bytes(), name))
    else:
        yield Source(name, path.read_bytes())


def _gunzip(raw: bytes, name: str) -> bytes:
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise FileRejected(
            [RowError(name, None, None, "the gzip file is truncated (it ends before its data)")]
        ) from None
    except (OSError, zlib.error) as error:
        raise FileRejected(
            [RowError(name, None, None, f"not a valid gzip file: {error}")]
        ) from None


def _zip_sources(path: Path, name: str, wanted) -> Iterator[Source]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(
                m
                for m in archive.namelist()
                if m.lower().endswith(CSV_SUFFIXES) and "__MACOSX" not in m and wanted(m)
            )
            if not members:
                raise FileRejected(
                    [RowError(name, None, None, "the zip archive holds no CSV files")]
                )
            for member in members:
                yield _zip_member(archive, member, f"{name}:{member}")
    except (zipfile.BadZipFile, EOFError) as error:
        raise FileRejected(
            [RowError(name, None, None, f"not a readable zip archive (truncated?): {error}")]
        ) from None


def _zip_member(archive: zipfile.ZipFile, member: str, name: str) -> Source:
    try:
        data = archive.read(member)
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise FileRejected(
            [RowError(name, None, None, f"this member of the zip archive is damaged: {error}")]
        ) from None
    if member.lower().endswith(".gz"):
        data = _gunzip(data, name)
    return Source(name, data)


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

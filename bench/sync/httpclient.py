"""A small asyncio HTTP/1.1 client for the load generator: one connection per request (the
sync gunicorn workers close every connection anyway), with a way to hang up after the request
has been sent, as a tablet losing its network does."""

import asyncio
from dataclasses import dataclass, field


class Abandoned(Exception):
    """The request was sent in full, then the client hung up before the reply came."""


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name.lower()), None)

    def cookies(self) -> dict[str, str]:
        """name=value of each Set-Cookie (attributes such as Secure are not judged here)."""
        found = {}
        for key, value in self.headers:
            if key == "set-cookie":
                name, _, rest = value.partition("=")
                found[name.strip()] = rest.split(";", 1)[0].strip()
        return found


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        timeout: float = 30.0,
        abandon_after: float | None = None,
    ) -> Reply:
        """Send one request and read the reply; with `abandon_after` (seconds), drop the
        connection if no full reply came by then and raise Abandoned."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), timeout
        )
        try:
            lines = [
                f"{method} {path} HTTP/1.1",
                f"Host: {self.host}:{self.port}",
                "Connection: close",
                f"Content-Length: {len(body)}",
                *(f"{k}: {v}" for k, v in (headers or {}).items()),
            ]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            if abandon_after is None:
                return await asyncio.wait_for(_read_reply(reader), timeout)
            try:
                return await asyncio.wait_for(_read_reply(reader), abandon_after)
            except TimeoutError:
                writer.transport.abort()
                raise Abandoned from None
        finally:
            if not writer.transport.is_closing():
                writer.close()


async def _read_reply(reader: asyncio.StreamReader) -> Reply:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("The server closed the connection without a reply.")
    reply = Reply(status=int(status_line.split(b" ", 2)[1]))
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        reply.headers.append((name.strip().lower(), value.strip()))
    length = reply.header("content-length")
    if length is not None:
        reply.body = await reader.readexactly(int(length))
    elif (reply.header("transfer-encoding") or "").lower() == "chunked":
        reply.body = await _read_chunked(reader)
    else:
        reply.body = await reader.read()
    return reply


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readline()).split(b";")[0].strip() or b"0", 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
        pass
    return b"".join(parts)

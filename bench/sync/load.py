"""The load generator: tablets that sign in once, then upload their outbox and replay it after
each reconnect, losing some replies mid-flight (they hang up after sending and retry with
backoff) and sometimes sending the same request twice at once. Bounded by a deadline and a
request budget."""

import asyncio
import json
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.sync.httpclient import Abandoned, Reply, Server
from bench.sync.outbox import Request, Visit

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Behaviour:
    replays: int = 3  # uploads of the whole outbox: the first, then resends after reconnects
    ramp_s: float = 5.0  # tablets come online spread over this
    offline_s: tuple[float, float] = (0.5, 3.0)  # offline between two replays
    p_abandon: float = 0.08  # hang up after sending, before the reply
    abandon_within_s: float = 0.03  # ... at a random moment up to this after sending
    p_duplicate: float = 0.05  # a second copy of the request sent at the same time
    p_parallel_pings: float = 0.3  # a visit's ping batches sent all at once
    max_attempts: int = 10
    request_timeout_s: float = 30.0
    time_limit_s: float = 120.0
    max_requests: int = 40_000
    rate: float = 0.0  # most requests started per second by the whole fleet; 0: no limit


@dataclass
class Tablet:
    username: str
    outbox: list[Visit]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    kind: str
    status: str  # "201", "200", "409", ..., "abandoned", "error"
    seconds: float
    replay: int
    duplicate: bool


class Pacer:
    """Spaces the fleet's request starts evenly at `rate` per second (0: no spacing)."""

    def __init__(self, rate: float):
        self.gap = 1 / rate if rate > 0 else 0.0
        self.next = 0.0

    async def wait(self) -> None:
        if not self.gap:
            return
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.gap
        if slot > now:
            await asyncio.sleep(slot - now)


class Budget:
    def __init__(self, seconds: float, requests: int):
        self.deadline = time.monotonic() + seconds
        self.left = requests
        self.exhausted = ""

    def take(self) -> bool:
        if time.monotonic() >= self.deadline:
            self.exhausted = self.exhausted or "time limit"
        elif self.left <= 0:
            self.exhausted = self.exhausted or "request budget"
        else:
            self.left -= 1
            return True
        return False


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    acked_visits: set[str] = field(default_factory=set)
    acked_pings: set[str] = field(default_factory=set)
    attempted_visits: set[str] = field(default_factory=set)
    parallel_pings: set[str] = field(default_factory=set)  # visits whose batches raced
    created: Counter = field(default_factory=Counter)  # 201s per visit UUID
    pings_added: int = 0
    unexpected: list[dict] = field(default_factory=list)  # 409s and other 4xx, first few
    gave_up: int = 0
    errors: Counter = field(default_factory=Counter)


async def sign_in(server: Server, tablet: Tablet, password: str) -> None:
    """As a browser does: read the form's CSRF token, post it with the password, keep the
    session and the rotated CSRF cookies."""
    for attempt in range(5):
        try:
            form = await server.request("GET", "/login/")
            cookies = form.cookies()
            token = CSRF_FIELD.search(form.body)
            if form.status != 200 or not token or "csrftoken" not in cookies:
                raise RuntimeError(f"login form: HTTP {form.status}, cookies {list(cookies)}")
            body = urlencode({"username": tablet.username, "password": password, "next": "",
                              "csrfmiddlewaretoken": token.group(1).decode()})  # fmt: skip
            done = await server.request(
                "POST", "/login/", body=body.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Cookie": f"csrftoken={cookies['csrftoken']}"},
            )  # fmt: skip
            cookies |= done.cookies()
            if done.status != 302 or "sessionid" not in cookies:
                raise RuntimeError(f"login of {tablet.username}: HTTP {done.status}")
            tablet.headers = {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Cookie": f"csrftoken={cookies['csrftoken']}; sessionid={cookies['sessionid']}",
                "X-CSRFToken": cookies["csrftoken"],
            }
            return
        except (OSError, ConnectionError, TimeoutError):
            await asyncio.sleep(0.2 * 2**attempt)
    raise RuntimeError(f"could not sign in {tablet.username}")


async def sign_in_all(server: Server, tablets: list[Tablet], password: str, at_once: int):
    gate = asyncio.Semaphore(at_once)

    async def one(tablet: Tablet) -> None:
        async with gate:
            await sign_in(server, tablet, password)

    await asyncio.gather(*(one(t) for t in tablets))


class Fleet:
    def __init__(self, server: Server, behaviour: Behaviour, seed: int):
        self.server = server
        self.how = behaviour
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.side: set[asyncio.Task] = set()
        self.budget = Budget(behaviour.time_limit_s, behaviour.max_requests)
        self.pacer = Pacer(behaviour.rate)

    async def run(self, tablets: list[Tablet]) -> float:
        """Run every tablet to the end of its replays (or of the budget); returns seconds."""
        self.budget = Budget(self.how.time_limit_s, self.how.max_requests)
        start = time.perf_counter()
        work = asyncio.gather(*(self.tablet(t) for t in tablets))
        try:
            await asyncio.wait_for(work, self.how.time_limit_s + self.how.request_timeout_s)
        except TimeoutError:
            self.budget.exhausted = self.budget.exhausted or "time limit (cancelled)"
        if self.side:
            await asyncio.wait(self.side, timeout=self.how.request_timeout_s)
        return time.perf_counter() - start

    async def tablet(self, tablet: Tablet) -> None:
        await asyncio.sleep(self.rng.uniform(0, self.how.ramp_s))
        for replay in range(self.how.replays):
            if replay:
                await asyncio.sleep(self.rng.uniform(*self.how.offline_s))
            for visit in tablet.outbox:
                if not await self.deliver(tablet, visit.requests[0], replay):
                    if self.budget.exhausted:
                        return
                    continue  # refused: its pings would find no visit
                batches = visit.requests[1:]
                if len(batches) > 1 and self.rng.random() < self.how.p_parallel_pings:
                    self.tally.parallel_pings.add(visit.uuid)
                    await asyncio.gather(*(self.deliver(tablet, b, replay) for b in batches))
                else:
                    for batch in batches:
                        await self.deliver(tablet, batch, replay)
                if self.budget.exhausted:
                    return

    async def deliver(self, tablet: Tablet, request: Request, replay: int) -> bool:
        """Send until acknowledged, retrying lost replies and server errors with backoff."""
        for attempt in range(self.how.max_attempts):
            if self.rng.random() < self.how.p_duplicate:
                task = asyncio.create_task(self.send(tablet, request, replay, duplicate=True))
                self.side.add(task)
                task.add_done_callback(self.side.discard)
            verdict = await self.send(tablet, request, replay, duplicate=False)
            if verdict in ("acked", "refused", "stopped"):
                return verdict == "acked"
            await asyncio.sleep(min(3.0, 0.1 * 2**attempt) * self.rng.uniform(0.5, 1.0))
        self.tally.gave_up += 1
        return False

    async def send(self, tablet: Tablet, request: Request, replay: int, duplicate: bool) -> str:
        await self.pacer.wait()
        if not self.budget.take():
            return "stopped"
        abandon = None
        if not duplicate and self.rng.random() < self.how.p_abandon:
            abandon = self.rng.uniform(0, self.how.abandon_within_s)
        if request.kind == "visit":
            self.tally.attempted_visits.add(request.visit)
        start = time.perf_counter()
        try:
            reply = await self.server.request(
                "POST", request.path, headers=tablet.headers, body=request.body,
                timeout=self.how.request_timeout_s, abandon_after=abandon,
            )  # fmt: skip
        except Abandoned:
            self._note(request, "abandoned", start, replay, duplicate)
            return "retry"
        except (OSError, ConnectionError, TimeoutError, asyncio.IncompleteReadError) as error:
            self.tally.errors[type(error).__name__] += 1
            self._note(request, "error", start, replay, duplicate)
            return "retry"
        self._note(request, str(reply.status), start, replay, duplicate)
        return self._judge(request, reply)

    def _note(self, request: Request, status: str, start: float, replay: int, dup: bool):
        seconds = time.perf_counter() - start
        self.tally.outcomes.append(Outcome(request.kind, status, seconds, replay, dup))

    def _judge(self, request: Request, reply: Reply) -> str:
        if reply.status in (200, 201):
            self.tally.acked_pings.update(request.pings)
            if request.kind == "visit":
                self.tally.acked_visits.add(request.visit)
                if reply.status == 201:
                    self.tally.created[request.visit] += 1
            else:
                self.tally.pings_added += json.loads(reply.body).get("added", 0)
            return "acked"
        if reply.status >= 500:
            return "retry"
        if len(self.tally.unexpected) < 20:
            body = reply.body[:300].decode(errors="replace")
            self.tally.unexpected.append(
                {"kind": request.kind, "status": reply.status, "body": body}
            )
        return "refused"


async def probe_conflicts(
    server: Server, tablets: list[Tablet], tally: Tally, count: int, seed: int
) -> dict:
    """Resend some acknowledged visits and pings with changed content: each must be a 409 and
    leave the stored record as it was (the database check compares with the originals)."""
    rng = random.Random(seed)
    statuses: dict[str, Counter] = defaultdict(Counter)
    for tablet in rng.sample(tablets, min(count, len(tablets))):
        stored = [v for v in tablet.outbox if v.uuid in tally.acked_visits]
        if not stored:
            continue
        visit = rng.choice(stored)
        changed = json.loads(visit.requests[0].body)
        changed["arrests"] += 1
        reply = await server.request("POST", "/api/visits/", headers=tablet.headers,
                                     body=json.dumps(changed).encode())  # fmt: skip
        statuses["visit"][reply.status] += 1
        pings = [p for p in visit.record["pings"] if p["client_uuid"] in tally.acked_pings]
        ping = dict(rng.choice(pings)) if pings else None
        if ping:
            ping["lon"] = round(ping["lon"] + 0.001, 6)
            reply = await server.request(
                "POST", f"/api/visits/{visit.uuid}/pings/", headers=tablet.headers,
                body=json.dumps([ping]).encode(),
            )  # fmt: skip
            statuses["pings"][reply.status] += 1
    return {kind: dict(counts) for kind, counts in statuses.items()}

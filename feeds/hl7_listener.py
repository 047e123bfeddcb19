"""`python -m feeds.hl7_listener`: the HL7 v2 MLLP listener (a Procfile process).

It accepts ORU^R01 results over MLLP (python-hl7's asyncio streams), stores each message in one transaction
through the write path with the escalation rules, and answers each with its ACK. A database outage answers AE
"nothing was stored" so the sender sends the message again.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hl7.mllp import InvalidBlockError, start_hl7_server
from sqlalchemy.exc import DBAPIError

from alerts.hooks import escalating_writer
from data.audit import Actor
from data.db import make_engine, make_session_factory
from data.imports.codes import load_local_codes
from data.imports.core import ImportOptions, Issue
from data.imports.hl7_in import Hl7Options, ParsedMessage, acknowledgement, receive
from data.settings import Settings

log = logging.getLogger("cartwatch.hl7")
FEED = Actor("hl7-feed", role=None, source="import")
MAX_MESSAGE_BYTES = 1_000_000


def _control_id(now: datetime, counter: list[int]) -> str:
    counter[0] += 1
    return f"CW{now.strftime('%Y%m%d%H%M%S')}{counter[0]:06d}"


def make_handler(settings: Settings) -> tuple[Callable[[bytes], bytes], Callable[[], None]]:
    """(handle one message -> its ACK, release the database)."""
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    options = Hl7Options(settings.ward_timezone, load_local_codes(settings.local_codes_path))
    writer = escalating_writer(settings)
    counter = [0]

    def handle(block: bytes) -> bytes:
        now = datetime.now(UTC)
        parsed: ParsedMessage | None = None
        try:
            with sessions.begin() as session:
                parsed, issues = receive(session, block, writer, ImportOptions("hl7", FEED, now), options)
        except DBAPIError as exc:
            log.error("database unavailable, message not stored: %s", exc)
            message = "database unavailable: nothing was stored, send the message again"
            issues = [Issue("error", "exception", "MSH[1]", message)]
            if parsed is None:  # still answer AE, not AR: the message itself was fine
                parsed = ParsedMessage(None, _sent_control_id(block), "", [], [])
        ack = acknowledgement(parsed, block, issues, now, _control_id(now, counter))
        if parsed is not None:
            log.info("message %s: %s", parsed.control_id, ack.split("\r")[1].split("|")[1])
        return ack.encode("utf-8")

    return handle, engine.dispose


def _sent_control_id(block: bytes) -> str:
    first = block.decode("utf-8-sig", errors="replace").replace("\n", "\r").split("\r", 1)[0].split("|")
    return first[9] if len(first) > 9 else ""


@dataclass
class Listener:
    """A running listener: the port it bound and how to stop it (for tests and the entry point)."""

    port: int
    stop: Callable[[], None]


async def _serve(
    settings: Settings, handle: Callable[[bytes], bytes], ready: Callable[[int, Callable[[], None]], None]
) -> None:
    async def client(reader: Any, writer: Any) -> None:
        peer = writer.get_extra_info("peername")
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    return  # the sender closed the connection
                except (InvalidBlockError, ValueError) as exc:
                    log.warning("%s: not an MLLP block, connection closed: %s", peer, exc)
                    return
                ack = await asyncio.to_thread(handle, block)
                writer.writeblock(ack)
                await writer.drain()
        finally:
            writer.close()

    server = await start_hl7_server(client, settings.hl7_host, settings.hl7_port, limit=MAX_MESSAGE_BYTES)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    port = int(server.sockets[0].getsockname()[1])

    def stop() -> None:
        loop.call_soon_threadsafe(stopped.set)

    ready(port, stop)
    log.info("HL7 MLLP listener on %s:%s", settings.hl7_host, port)
    async with server:
        await stopped.wait()


def start_in_thread(settings: Settings) -> Listener:
    """Run the listener in a thread (tests); `settings.hl7_port` 0 takes a free port."""
    handle, release = make_handler(settings)
    started = threading.Event()
    found: dict[str, Any] = {}

    def ready(port: int, stop: Callable[[], None]) -> None:
        found.update(port=port, stop=stop)
        started.set()

    thread = threading.Thread(target=lambda: asyncio.run(_serve(settings, handle, ready)), daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the HL7 listener did not start within 10 s")

    def stop() -> None:
        found["stop"]()
        thread.join(10)
        release()

    return Listener(found["port"], stop)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m feeds.hl7_listener", description=__doc__)
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    handle, release = make_handler(settings)
    try:
        asyncio.run(_serve(settings, handle, lambda port, stop: None))
    except KeyboardInterrupt:
        pass
    finally:
        release()
    return 0


if __name__ == "__main__":
    sys.exit(main())

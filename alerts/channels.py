"""How a page leaves the building: webhook (JSON POST, HMAC-SHA256 signed), SMTP (e-mail-to-pager gateways),
or the log (the console of `make run`). A failure raises `SendError` with a reason the outbox records.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import threading
from collections.abc import Mapping
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Protocol

import httpx

from alerts.config import AlertConfig, SmtpConfig
from alerts.pages import subject_line

SIGNATURE_HEADER = "X-Cartwatch-Signature"
DELIVERY_HEADER = "X-Cartwatch-Delivery"
page_log = logging.getLogger("cartwatch.pages")


class SendError(Exception):
    """A page could not be handed over; the message says why (it is stored on the delivery)."""


class Sender(Protocol):
    def send(self, channel: str, address: str | None, payload: Mapping[str, Any], delivery_id: int) -> None: ...


def body_bytes(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the shared secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def send_smtp(config: SmtpConfig, address: str, payload: Mapping[str, Any]) -> None:
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = address
    message["Subject"] = subject_line(payload)
    message.set_content(str(payload.get("text", "")) + "\n")
    context = ssl.create_default_context(cafile=config.cafile) if (config.ssl or config.starttls) else None
    try:
        if config.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.starttls and not config.ssl:
                client.starttls(context=context)
            if config.username is not None:
                client.login(config.username, config.password or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError, UnicodeError) as exc:  # UnicodeError: an address smtplib cannot encode
        raise SendError(f"smtp {config.host}:{config.port}: {type(exc).__name__}: {exc}") from None


class Channels:
    """The real senders. Use as a context manager: one HTTP client (safe across threads) is shared by a delivery
    pass, or by the scheduler's dispatcher for a whole term."""

    def __init__(self, config: AlertConfig) -> None:
        self.config = config
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()  # delivery lanes send from several threads through the one client

    def __enter__(self) -> Channels:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _client(self) -> httpx.Client:
        with self._lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self.config.webhook_timeout, follow_redirects=False)
            return self._http

    def send(self, channel: str, address: str | None, payload: Mapping[str, Any], delivery_id: int) -> None:
        if channel == "webhook":
            self._webhook(address, payload, delivery_id)
        elif channel == "smtp":
            if self.config.smtp is None:
                raise SendError("smtp: CARTWATCH_SMTP_URL is not set")
            if not address:
                raise SendError("smtp: the delivery has no e-mail address")
            send_smtp(self.config.smtp, address, payload)
        elif channel == "log":
            page_log.warning("PAGE to %s: %s", payload.get("recipient"), payload.get("text"))
        else:
            raise SendError(f"channel: {channel!r} is not one of webhook, smtp, log")

    def _webhook(self, address: str | None, payload: Mapping[str, Any], delivery_id: int) -> None:
        if not address:
            raise SendError("webhook: the delivery has no URL")
        body = body_bytes(payload)
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: str(delivery_id)}
        if self.config.webhook_secret:
            headers[SIGNATURE_HEADER] = signature(self.config.webhook_secret, body)
        try:
            response = self._client().post(address, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise SendError(f"webhook: {type(exc).__name__}: {exc}") from None
        if not response.is_success:
            raise SendError(f"webhook: HTTP {response.status_code} from the receiver")

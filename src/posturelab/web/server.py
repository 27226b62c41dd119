"""Serving the application with uvicorn, protected against slow and idle connections.

uvicorn's HTTP/1.1 protocol (h11) is extended by :class:`GuardedProtocol`:

- a connection must deliver a complete request (headers and body) within
  ``ServerLimits.request_timeout`` seconds of its first byte (or of being opened); otherwise it
  gets a JSON 408 and is closed. A client that opens sockets and never finishes its headers
  ("slowloris") therefore holds each one for a bounded time;
- an idle keep-alive connection is closed after ``ServerLimits.keep_alive`` seconds (uvicorn's
  ``timeout_keep_alive``);
- at most ``ServerLimits.max_connections`` connections are open at once: one more is answered
  with a JSON 503 and closed at once, so a flood of connections cannot exhaust the process's
  file descriptors and ``/api/health`` keeps answering once the flood's connections time out;
- a request h11 cannot parse (a malformed ``Content-Length``, a bad request line) is answered
  with the API's JSON error form instead of uvicorn's plain text.

What it does not protect against: many clients each staying under the limits (the limits bound
the harm per connection, not the total load), and attacks below HTTP (SYN floods).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REASONS = {400: b"Bad Request", 408: b"Request Timeout", 503: b"Service Unavailable"}


@dataclass(frozen=True)
class ServerLimits:
    """Connection limits of ``posturelab serve``.

    Attributes
    ----------
    request_timeout
        Seconds a connection has to deliver a whole request.
    keep_alive
        Seconds an idle keep-alive connection is kept.
    max_connections
        Connections open at once (and requests running at once).
    max_header_bytes
        Largest incomplete request head (request line and headers) buffered; a head still
        incomplete beyond it is answered 400.
    """

    request_timeout: float = 10.0
    keep_alive: float = 5.0
    max_connections: int = 200
    max_header_bytes: int = 16_384

    def __post_init__(self) -> None:
        for name in ("request_timeout", "keep_alive", "max_connections", "max_header_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")


def raw_error(status: int, detail: str) -> bytes:
    """A complete HTTP/1.1 error answer in the API's JSON form, closing the connection."""
    body = json.dumps(
        {
            "detail": detail,
            "problems": [
                {"file": "<request>", "line": None, "column": None, "path": "", "message": detail}
            ],
        }
    ).encode("ascii")
    head = (
        f"HTTP/1.1 {status} ".encode()
        + REASONS[status]
        + b"\r\ncontent-type: application/json\r\nconnection: close\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
    )
    return head + body


class GuardedProtocol(H11Protocol):
    """uvicorn's h11 protocol with a request deadline, a connection cap and JSON 400s."""

    limits = ServerLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Accept the connection, or answer 503 and close it when too many are open."""
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            transport.write(raw_error(503, "too many open connections; try again later"))
            transport.close()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection and its deadline."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Read request bytes; a new request starts its own deadline."""
        super().data_received(data)
        if self._deadline is None and self._receiving():
            self._arm()

    def on_response_complete(self) -> None:
        """The answer is sent: the next request on this connection gets a fresh deadline."""
        self._disarm()
        super().on_response_complete()

    def send_400_response(self, msg: str) -> None:
        """Answer a request h11 cannot parse with the API's JSON error form."""
        self._disarm()
        self.transport.write(raw_error(400, f"invalid HTTP request: {msg}"))
        self.transport.close()

    def _receiving(self) -> bool:
        return self.conn.their_state in (h11.IDLE, h11.SEND_BODY)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.limits.request_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or not self._receiving():
            return
        if self.conn.our_state is h11.IDLE:  # no answer started: say why before closing
            self.transport.write(raw_error(408, "the request was not received in time"))
        self.transport.close()


def guarded_protocol(limits: ServerLimits) -> type[GuardedProtocol]:
    """A :class:`GuardedProtocol` class bound to ``limits`` (uvicorn instantiates it)."""
    return type("BoundGuardedProtocol", (GuardedProtocol,), {"limits": limits})


def uvicorn_config(app: Any, host: str, port: int, limits: ServerLimits) -> Any:
    """The uvicorn configuration of ``posturelab serve``: guarded protocol, timeouts, caps."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=guarded_protocol(limits),
        timeout_keep_alive=int(max(1, limits.keep_alive)),
        # The connection cap is the guard's; uvicorn's own only backs it up.
        limit_concurrency=limits.max_connections + 1,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        lifespan="on",
    )

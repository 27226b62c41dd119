"""What guards the API before and around its endpoints: one error form, body and Host limits.

- :func:`error_response` builds the one error form every status answers with: ``detail`` and a
  non-empty ``problems`` list, in ASCII JSON (text a client sent cannot break the encoding);
- :class:`BodyLimit` refuses a body over the limit (413) or a ``Content-Length`` that is not a
  number (400) before the application reads it;
- :class:`HostGuard` refuses a request whose ``Host`` header is not in the allow-list (400), the
  defence against DNS rebinding for a server on the loopback interface;
- :func:`public_paths` turns server paths under the runs directory into relative ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from fastapi.responses import JSONResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST = "<request>"


class ApiError(Exception):
    """An error an endpoint answers with: its status, message and the request field at fault."""

    def __init__(self, status: int, detail: str, path: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.path = path


class ErrorResponse(JSONResponse):
    """An error answer in ASCII JSON: echoed client text (a lone surrogate too) cannot break it."""

    def render(self, content: Any) -> bytes:
        """Encode ``content`` as ASCII JSON."""
        return json.dumps(content, ensure_ascii=True, allow_nan=False).encode("ascii")


def error_response(
    status: int,
    detail: str,
    problems: list[dict[str, Any]] | None = None,
    *,
    path: str = "",
    headers: Mapping[str, str] | None = None,
) -> ErrorResponse:
    """The one error form: ``detail`` and a non-empty list of located ``problems``."""
    if not problems:
        problems = [
            {"file": REQUEST, "line": None, "column": None, "path": path, "message": detail}
        ]
    return ErrorResponse(
        {"detail": detail, "problems": problems}, status_code=status, headers=headers
    )


def _asgi_error(status: int, detail: str) -> tuple[Message, Message]:
    """The two ASGI messages of an error answer sent before the application runs."""
    body = error_response(status, detail).body
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, by their header or as they arrive."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 when its body is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and not declared.isdigit():
            for message in _asgi_error(400, "the Content-Length header is not a number"):
                await send(message)
            return
        if declared is not None and int(declared) > self.limit:
            await self._refuse(send)
            return
        # A body without a length (chunked) is read here, up to the limit, then replayed.
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.limit:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        for message in _asgi_error(413, f"request body larger than {self.limit} bytes"):
            await send(message)


class HostGuard:
    """Answer 400 to a request whose ``Host`` header names none of the allowed hosts.

    A page on another site can rebind its own DNS name to 127.0.0.1 and then call the API from
    the victim's browser; its requests still carry that name in ``Host``, so they are refused.
    """

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.any = "*" in allowed
        self.allowed = {h.lower().strip("[]") for h in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or refuse it when its host is not allowed."""
        if scope["type"] != "http" or self.any:
            await self.app(scope, receive, send)
            return
        raw = dict(scope.get("headers") or []).get(b"host", b"")
        host = host_name(raw.decode("latin-1"))
        if host not in self.allowed:
            shown = raw.decode("latin-1")[:100]
            for message in _asgi_error(
                400, f"Host {shown!r} is not allowed (allowed: {', '.join(sorted(self.allowed))})"
            ):
                await send(message)
            return
        await self.app(scope, receive, send)


def host_name(header: str) -> str:
    """The host name of a ``Host`` header, without its port and brackets, lower case."""
    value = header.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value


PATH_KEYS = frozenset({"run_dir", "scenario_origin", "path", "runs_dir", "out", "file"})
"""Keys whose values are file paths in manifests and summaries."""


def public_paths(value: Any, runs_dir: Path, key: str = "") -> Any:
    """Return ``value`` without server paths.

    Paths inside ``runs_dir`` become relative to it; other absolute paths under a path key
    (:data:`PATH_KEYS`, such as ``scenario_origin``) are cut to their file name.
    """
    if isinstance(value, dict):
        return {k: public_paths(v, runs_dir, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [public_paths(v, runs_dir, key) for v in value]
    if isinstance(value, str) and os.path.isabs(value):
        root = os.path.abspath(runs_dir)
        target = os.path.abspath(value)
        if os.path.commonpath([root, target]) == root:
            return os.path.relpath(target, root)
        if key in PATH_KEYS:
            return os.path.basename(target)
    return value

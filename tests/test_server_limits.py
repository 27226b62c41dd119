"""The server against slow, idle and too many connections, over real sockets on 127.0.0.1.

Each test starts ``posturelab serve``'s uvicorn configuration in a thread on a free loopback port
with short limits, and stops it when done; every loop is bounded by a deadline.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from posturelab.web.app import WebSettings, create_app
from posturelab.web.server import ServerLimits, uvicorn_config

LIMITS = ServerLimits(request_timeout=0.6, keep_alive=1.0, max_connections=12)


@contextmanager
def live_server(
    runs_dir: Path, limits: ServerLimits = LIMITS
) -> Iterator[tuple[int, uvicorn.Server]]:
    """The guarded server on a free port of 127.0.0.1, in a thread; stopped on exit."""
    app = create_app(WebSettings(runs_dir=runs_dir))
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", 0, limits))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield port, server
    finally:
        server.should_exit = True
        thread.join(10)


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    return sock


def read_all(sock: socket.socket, limit_s: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection (at most ``limit_s``)."""
    sock.settimeout(limit_s)
    chunks = []
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:  # closed with our request unread: a refusal
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


def request(port: int, raw: bytes) -> tuple[int, dict[str, object] | None, bytes]:
    """Send ``raw`` and return the status, the JSON body (if any) and the whole answer."""
    with connect(port) as sock:
        sock.sendall(raw)
        answer = read_all(sock)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    head, _, body = answer.partition(b"\r\n\r\n")
    parsed = json.loads(body) if b"application/json" in head.lower() and body else None
    return status, parsed, answer


def health(port: int, method: str = "GET", host: str = "127.0.0.1") -> tuple[int, object, bytes]:
    raw = f"{method} /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    return request(port, raw.encode())


def test_headers_never_finished_get_408_and_are_closed(tmp_path: Path) -> None:
    with live_server(tmp_path) as (port, _):
        with connect(port) as sock:
            started = time.monotonic()
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1")
            answer = read_all(sock)
            waited = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b'"problems"' in answer
        assert waited < LIMITS.request_timeout + 2.0


def test_a_silent_connection_is_closed(tmp_path: Path) -> None:
    with live_server(tmp_path) as (port, _), connect(port) as sock:
        answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 408"), answer


def test_a_body_that_never_ends_is_closed(tmp_path: Path) -> None:
    with live_server(tmp_path) as (port, _), connect(port) as sock:
        sock.sendall(
            b"POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
            b'\r\nContent-Length: 100\r\n\r\n{"text": '
        )
        answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 408") or answer == b"", answer


def test_connection_flood_is_capped_and_health_recovers(tmp_path: Path) -> None:
    with live_server(tmp_path) as (port, server):
        flood = [connect(port) for _ in range(LIMITS.max_connections + 8)]
        try:
            time.sleep(0.2)
            assert len(server.server_state.connections) <= LIMITS.max_connections
            refused = 0
            for sock in flood[LIMITS.max_connections :]:
                answer = read_all(sock, 2.0)
                refused += answer.startswith(b"HTTP/1.1 503")
            assert refused == 8
            # The flood's silent connections time out; then the server answers again.
            deadline = time.monotonic() + 10
            status = 0
            while time.monotonic() < deadline and status != 200:
                time.sleep(0.2)
                status = health(port)[0]
            assert status == 200
        finally:
            for sock in flood:
                sock.close()


def test_malformed_requests_get_json_400(tmp_path: Path) -> None:
    with live_server(tmp_path) as (port, _):
        status, body, _ = request(
            port,
            b"POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}",
        )
        assert status == 400 and isinstance(body, dict) and body["problems"]
        status, body, _ = request(port, b"NOT HTTP AT ALL\r\n\r\n")
        assert status == 400 and isinstance(body, dict) and body["problems"]


@pytest.mark.parametrize(
    ("host", "status"),
    [("127.0.0.1", 200), ("localhost:8000", 200), ("[::1]:8000", 200), ("evil.example", 400)],
)
def test_host_header_and_head_over_a_socket(tmp_path: Path, host: str, status: int) -> None:
    with live_server(tmp_path) as (port, _):
        assert health(port, host=host)[0] == status
        assert health(port, "HEAD")[0] == 200


def test_a_request_head_that_keeps_growing_gets_json_400(tmp_path: Path) -> None:
    with live_server(tmp_path) as (port, _), connect(port) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for _ in range(2 * LIMITS.max_header_bytes // 4096):
                sock.sendall(b"X-Pad: " + b"a" * 4089 + b"\r\n")
                time.sleep(0.01)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the end, as it should be
        answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 400") and b'"problems"' in answer, answer[:200]


def test_an_idle_keep_alive_connection_is_closed(tmp_path: Path) -> None:
    with live_server(tmp_path) as (port, _), connect(port) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        started = time.monotonic()
        answer = read_all(sock, 5.0)  # the answer, then the close after the keep-alive time
        assert answer.startswith(b"HTTP/1.1 200")
        assert time.monotonic() - started < LIMITS.keep_alive + 2.0

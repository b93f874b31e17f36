"""Stand-ins for web replicas behind a real nginx: one that answers, one that crashes.

They test the proxy's own behaviour (retries, buffering, caching, limits, headers), which
does not depend on what the app answers; the local cluster test covers the real app.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SSE_GAP_S = 1.5


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body_size: int


@dataclass
class Recorder:
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seen: Seen) -> None:
        with self.lock:
            self.requests.append(seen)

    def paths(self, prefix: str) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(prefix)]


class GoodUpstream(ThreadingHTTPServer):
    """Answers like the app: pages, actions (echoing what it received), static files with a
    cookie (as the CSRF middleware sets one), and a two-event SSE stream."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.recorder = Recorder()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> GoodUpstream:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: GoodUpstream

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def record(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, len(body)
        )
        self.server.recorder.add(seen)
        return body

    def send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self.record()
        if self.path.startswith("/static/"):
            raw = b"console.log('runtime');\n"
            self.send_response(200)
            self.send_header("content-type", "application/javascript")
            self.send_header("content-length", str(len(raw)))
            self.send_header("set-cookie", "mb_csrf=per-visitor-token; HttpOnly; Path=/")
            self.end_headers()
            self.wfile.write(raw)
        elif self.path.endswith("/events"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            self.wfile.write(b"data: first\n\n")
            self.wfile.flush()
            time.sleep(SSE_GAP_S)
            self.wfile.write(b"data: second\n\n")
            self.wfile.flush()
        elif self.path == "/own-headers":
            own = {"x-frame-options": "SAMEORIGIN", "strict-transport-security": "max-age=1"}
            self.send_json(200, {"page": self.path}, own)
        else:
            self.send_json(200, {"page": self.path, "port": self.server.port})

    def do_POST(self) -> None:
        self.record()
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.send_json(200, {"port": self.server.port, "headers": headers})


class CrashingUpstream:
    """Reads a request's headers, records them, then drops the connection without an
    answer (RST): what nginx sees when a web process dies mid-request."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.recorder = Recorder()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.running = True

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def start(self) -> CrashingUpstream:
        self.thread.start()
        return self

    def serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    continue
                head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
                if len(head) < 2:
                    continue
                method, path = head[0].split(" ")[:2]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in head[1:])
                }
                self.recorder.add(Seen(method, path, headers, 0))
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def stop(self) -> None:
        self.running = False
        self.sock.close()

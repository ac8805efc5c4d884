"""A local HTTP server (127.0.0.1 only) that behaves like the model hosts, for offline tests.

Serves registered files with Range support and can: cut the first response
mid-file (then drop every request for it: a host gone away), stall (answer
nothing until released), hold a download after its first chunk until
released, answer 404, answer with an HTML page, answer with a Google Drive
style "can't scan for viruses" page whose form leads to the file, and send a
Hugging Face style LFS sha256 header.
"""

from __future__ import annotations

import hashlib
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Behaviour:
    files: dict[str, bytes] = field(default_factory=dict)  # path (with query for Drive ids) -> content
    drive_ids: dict[str, bytes] = field(default_factory=dict)  # Drive file id -> content
    cut_once_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before the first cut
    down_after_cut: bool = False  # a cut path then goes `down` (the host is gone: no retry gets through)
    down: set[str] = field(default_factory=set)  # paths whose requests are dropped unanswered (connection closed)
    stall: set[str] = field(default_factory=set)  # requests answered with nothing until `release`
    hold: set[str] = field(default_factory=set)  # paths whose body stops after the first chunk until `release`
    release: threading.Event = field(default_factory=threading.Event)  # set when the server shuts down
    stalled_now: int = 0  # stalled requests still waiting (the client gave up by itself if > 0)
    html: set[str] = field(default_factory=set)
    lfs_sha: bool = True
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    held: threading.Event = field(default_factory=threading.Event)  # set once a held body's first chunk is sent


class _Handler(BaseHTTPRequestHandler):
    server: ModelServer

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        b = self.server.behaviour
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        b.requests.append((self.path, self.headers.get("Range")))
        if parts.path in b.down:
            self.close_connection = True
            return
        if parts.path in b.stall:
            with self.server.count_lock:
                b.stalled_now += 1
            try:
                b.release.wait(self.server.stall_s)
            finally:
                with self.server.count_lock:
                    b.stalled_now -= 1
            return
        if parts.path in b.html:
            return self._send_html("<html><head><title>Sign in</title></head><body>Please log in</body></html>")
        if parts.path == "/uc" and query.get("id") in b.drive_ids:
            form = (
                "<html><head><title>Google Drive - Virus scan warning</title></head><body>"
                '<form id="download-form" action="/download" method="get">'
                f'<input type="hidden" name="id" value="{query["id"]}">'
                '<input type="hidden" name="export" value="download">'
                '<input type="hidden" name="confirm" value="t">'
                '<input type="hidden" name="uuid" value="1234-abcd"></form></body></html>'
            )
            return self._send_html(form)
        if parts.path == "/download" and query.get("confirm") == "t" and query.get("id") in b.drive_ids:
            return self._send_file(parts.path + "/" + query["id"], b.drive_ids[query["id"]])
        if parts.path in b.files:
            return self._send_file(parts.path, b.files[parts.path])
        self.send_error(404, "Not Found")

    def _send_html(self, text: str) -> None:
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_file(self, key: str, content: bytes) -> None:
        b = self.server.behaviour
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(content):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(content)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(content) - 1}/{len(content)}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(content) - start))
        if b.lfs_sha and not key.startswith("/download"):  # Drive sends no content hash
            self.send_header("X-Linked-Etag", f'"{hashlib.sha256(content).hexdigest()}"')
        self.end_headers()
        body = content[start:]
        cut = b.cut_once_after.pop(key, None)
        if cut is not None:
            if b.down_after_cut:
                b.down.add(key)
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        step = 4096 if key in b.hold else 1 << 16
        for i in range(0, len(body), step):
            try:
                self.wfile.write(body[i : i + step])
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return  # the client went away (cancel)
            if key in b.hold:
                b.held.set()
                b.release.wait(self.server.stall_s)


class ModelServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: Behaviour, stall_s: float = 120.0) -> None:
        """``stall_s`` only bounds how long a stalled or held request may block a server thread."""
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour
        self.stall_s = stall_s
        self.count_lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> ModelServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.behaviour.release.set()
        self.shutdown()
        self.server_close()

"""``motis serve``: a small local query service, so ``motis search`` skips torch's start-up.

The service keeps one home's model, vector index and text-vector cache loaded and answers
``motis search`` over an AF_UNIX socket. The client (``cli/entry.py``) forwards the search
arguments and its working folder; the service runs the very same ``search`` command and sends
back exit code, stdout and stderr, so output is identical with or without it. When no
service answers, ``motis search`` runs in-process as before.

Only the same user can talk to it: the socket file is created mode 0600 (in the home, or in a
private 0700 folder under the temp dir when the home's path is too long for a socket), the
service checks each peer's uid (``SO_PEERCRED``), and the client only connects to a socket
owned by its own uid. Requests are one JSON line of at most ``MAX_REQUEST`` bytes and can only
run ``search``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import socket
import stat
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SOCKET_NAME = "query.sock"
MAX_REQUEST = 64 * 1024
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


def socket_path(home: Path) -> Path:
    """Where the service of ``home`` listens."""
    path = home / SOCKET_NAME
    if len(os.fsencode(path)) < _MAX_SOCKET_PATH:
        return path
    private = Path(tempfile.gettempdir()) / f"motis-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        private.mkdir(mode=0o700)
    info = os.lstat(private)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise OSError(f"{private} is not a private folder of this user")
    return private / (hashlib.sha256(os.fsencode(home)).hexdigest()[:20] + ".sock")


def _owned_socket(path: Path) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISSOCK(info.st_mode) and info.st_uid == os.getuid()


def forward_search(home: Path, argv: list[str], timeout_s: float = 600.0) -> tuple[int, str, str] | None:
    """Run ``motis search ARGV`` in the home's service: (exit code, stdout, stderr), or None if none is up."""
    try:
        path = socket_path(home)
    except OSError:
        return None
    if not _owned_socket(path):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(1.0)
        sock.connect(str(path))
        sock.settimeout(timeout_s)
        sock.sendall(json.dumps({"op": "search", "argv": argv, "cwd": os.getcwd()}).encode() + b"\n")
        reply = _read_line(sock, limit=1 << 30)
    except OSError:
        return None  # a stale socket or a service that went away: run in-process
    finally:
        sock.close()
    try:
        data = json.loads(reply)
        return int(data["rc"]), str(data["stdout"]), str(data["stderr"])
    except (ValueError, KeyError, TypeError):
        return None


def _read_line(sock: socket.socket, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if b"\n" in chunk or size > limit:
            break
    data = b"".join(chunks)
    if size > limit:
        raise OSError("message too long")
    return data.split(b"\n", 1)[0]


def _peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid (Linux ``SO_PEERCRED``; ``getpeereid`` elsewhere), or None."""
    if hasattr(socket, "SO_PEERCRED"):
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", creds)[1]
    getpeereid = getattr(conn, "getpeereid", None)
    return getpeereid()[0] if getpeereid else None


class QueryService:
    """Serves ``search`` requests for one home until idle for ``idle_exit_s`` (0: forever)."""

    def __init__(self, services: Any, idle_exit_s: float = 0.0) -> None:
        self.services = services
        self.idle_exit_s = idle_exit_s
        self.path = socket_path(services.home)
        self.served = 0
        self._sock: socket.socket | None = None
        self._stopping = False

    def bind(self) -> None:
        """Create the socket (0600); a stale one is replaced, a live one is an error."""
        from motis_desktop.core.errors import MotisError

        if os.path.lexists(self.path):
            if forward_ping(self.path):
                raise MotisError(f"a MoTIS query service is already running for this home ({self.path})")
            os.unlink(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old)
        sock.listen(8)
        self._sock = sock

    def warm_up(self) -> None:
        """Load the model, the vector index and the query path once, so the first request is fast."""
        self.services.warm_up()

    def serve(self, ready: Any = None) -> None:
        """Accept requests one at a time; returns after ``idle_exit_s`` without requests, or after stop()."""
        sock = self._sock
        assert sock is not None, "bind() first"
        sock.settimeout(self.idle_exit_s or None)
        if ready is not None:
            ready()
        try:
            while not self._stopping:
                try:
                    conn, _ = sock.accept()
                except TimeoutError:
                    break
                with conn:
                    if not self._stopping:
                        self._handle(conn)
        finally:
            self.close()

    def stop(self) -> None:
        """Make serve() return (from another thread)."""
        self._stopping = True
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as poke:
            poke.connect(str(self.path))  # wakes accept()

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10.0)
        if _peer_uid(conn) != os.getuid():
            return  # another user: say nothing
        try:
            request = json.loads(_read_line(conn, MAX_REQUEST))
        except (OSError, ValueError):
            return
        if not isinstance(request, dict):
            return
        if request.get("op") == "ping":
            reply: dict[str, Any] = {"rc": 0, "stdout": "", "stderr": ""}
        elif request.get("op") == "search" and isinstance(request.get("argv"), list):
            reply = self._search([str(a) for a in request["argv"]], str(request.get("cwd") or "/"))
        else:
            reply = {"rc": 2, "stdout": "", "stderr": "motis: error: unknown request\n"}
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(reply).encode() + b"\n")
        self.served += 1

    def _search(self, argv: list[str], cwd: str) -> dict[str, Any]:
        out, err = io.StringIO(), io.StringIO()
        here = os.getcwd()
        started = time.perf_counter()
        try:
            os.chdir(cwd)  # relative paths in the query mean the client's folder
            from motis_desktop.cli.commands import run_command  # the core: loaded by the service, not the client

            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = run_command(self.services, ["search", *argv])
        except OSError as exc:
            rc = 1
            err.write(f"motis: error: {exc}\n")
        finally:
            os.chdir(here)
        self.services.open_library()  # keep the library open for the next request
        return {
            "rc": rc,
            "stdout": out.getvalue(),
            "stderr": err.getvalue(),
            "ms": 1e3 * (time.perf_counter() - started),
        }


def forward_ping(path: Path) -> bool:
    """True if a service answers on ``path``."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(2.0)
        sock.connect(str(path))
        sock.sendall(b'{"op": "ping"}\n')
        return bool(_read_line(sock, 4096))
    except OSError:
        return False
    finally:
        sock.close()


def client_home(argv: list[str]) -> Path:
    """The home a ``motis`` command line refers to (``--home``, else MOTIS_HOME, else the default)."""
    from motis_desktop.core.paths import AppPaths

    home = None
    for i, arg in enumerate(argv):
        if arg == "--home" and i + 1 < len(argv):
            home = argv[i + 1]
        elif arg.startswith("--home="):
            home = arg.split("=", 1)[1]
    return AppPaths.resolve(home).home


def write_reply(rc: int, out: str, err: str) -> int:
    sys.stdout.write(out)
    sys.stderr.write(err)
    return rc

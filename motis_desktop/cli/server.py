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
import logging
import os
import socket
import stat
import struct
import sys
import tempfile
import threading
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


def forward_search(
    home: Path, argv: list[str], timeout_s: float = 600.0, *, home_claim: Path | None = None
) -> tuple[int, str, str] | None:
    """Run ``motis search ARGV`` in the home's service: (exit code, stdout, stderr), or None if none is up
    (or it refused: the request named another library). ``home_claim`` (default ``home``) is the library the
    request says it is for; tests set it to see the service refuse a mismatch."""
    try:
        path = socket_path(home)
    except OSError:
        return None
    if not _owned_socket(path):
        return None
    claim = home if home_claim is None else home_claim
    request = {"op": "search", "argv": argv, "cwd": os.getcwd(), "home": os.fsdecode(claim)}
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(1.0)
        sock.connect(str(path))
        sock.settimeout(timeout_s)
        sock.sendall(json.dumps(request).encode() + b"\n")
        reply = _read_line(sock, limit=1 << 30)
    except OSError:
        return None  # a stale socket or a service that went away: run in-process
    finally:
        sock.close()
    try:
        data = json.loads(reply)
        if data.get("refused"):
            return None  # not this service's library: run in-process, on the library the user named
        return int(data["rc"]), str(data["stdout"]), str(data["stderr"])
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def _read_line(sock: socket.socket, limit: int, deadline: float | None = None) -> bytes:
    """One line from ``sock`` (at most ``limit`` bytes); with ``deadline`` (``time.monotonic()``) the whole
    read must end by then, however the peer dribbles its bytes (TimeoutError otherwise)."""
    chunks, size = [], 0
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the client took too long to send its request")
            sock.settimeout(left)
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
    """Serves ``search`` requests for one home until idle for ``idle_exit_s`` (0: forever).

    Clients are served concurrently, one thread each (at most ``MAX_CLIENTS`` at a time; more are
    closed at once), so a client that connects and sends nothing, or reads its answer slowly, delays
    nobody: it holds only its own thread, for at most ``REQUEST_TIMEOUT_S`` to send its request and
    ``REPLY_TIMEOUT_S`` to take the answer. The searches themselves run one at a time under a lock:
    the core's rule is one thread at a time per ``Services``, and a search redirects the process's
    stdout/stderr and working folder while it runs. A search takes milliseconds once warm, so the
    queue behind that lock is short; idle or slow clients never hold it.

    Which library answers: each request carries the home its client resolved (``--home`` wherever it
    stands on the command line, else ``$MOTIS_HOME``, else the default), and the service refuses a
    request whose home is not its own, or whose arguments name another ``--home``. The client then
    searches in-process, on the library the user named. We chose this over trusting the socket's
    location alone (the socket is already per home): the bug it closes was a client that looked up
    the wrong socket, and with the home in the request the service is the last judge, whatever a
    client parsed.
    """

    MAX_CLIENTS = 32
    REQUEST_TIMEOUT_S = 5.0
    REPLY_TIMEOUT_S = 30.0

    def __init__(self, services: Any, idle_exit_s: float = 0.0) -> None:
        self.services = services
        self.idle_exit_s = idle_exit_s
        self.path = socket_path(services.home)
        self.served = 0
        self._sock: socket.socket | None = None
        self._stopping = False
        self._work = threading.Lock()  # one search at a time (see the class docstring)
        self._clients = threading.BoundedSemaphore(self.MAX_CLIENTS)
        self._active = 0
        self._active_lock = threading.Lock()

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
        sock.listen(64)
        self._sock = sock

    def warm_up(self) -> None:
        """Load the model, the vector index and the query path once, so the first request is fast."""
        self.services.warm_up()

    def serve(self, ready: Any = None) -> None:
        """Accept clients, each on its own thread; returns after ``idle_exit_s`` without clients, or after
        stop()."""
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
                    if self._busy():
                        continue  # a request is still being answered: not idle
                    break
                if self._stopping:
                    conn.close()
                    break
                if not self._clients.acquire(blocking=False):
                    conn.close()  # too many clients at once: this one gets no answer and searches in-process
                    continue
                with self._active_lock:
                    self._active += 1
                threading.Thread(target=self._client, args=(conn,), name="motis-serve-client", daemon=True).start()
        finally:
            self.close()

    def _busy(self) -> bool:
        with self._active_lock:
            return self._active > 0

    def _client(self, conn: socket.socket) -> None:
        try:
            with conn:
                self._handle(conn)
        except Exception:  # a bug in one request must not end the service
            logging.getLogger(__name__).exception("query service: request failed")
        finally:
            with self._active_lock:
                self._active -= 1
            self._clients.release()

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
        if _peer_uid(conn) != os.getuid():
            return  # another user: say nothing
        try:
            request = json.loads(_read_line(conn, MAX_REQUEST, time.monotonic() + self.REQUEST_TIMEOUT_S))
        except (OSError, ValueError, RecursionError):
            return  # too slow, too long or not JSON: no answer
        if not isinstance(request, dict):
            return
        if request.get("op") == "ping":
            reply: dict[str, Any] = {"rc": 0, "stdout": "", "stderr": ""}
        elif request.get("op") == "search" and isinstance(request.get("argv"), list):
            argv = [str(a) for a in request["argv"]]
            claim = request.get("home")
            if not isinstance(claim, str) or not self._is_my_home(claim, argv):
                reply = {"refused": "this service answers for another library"}
            else:
                with self._work:
                    reply = self._search(argv, str(request.get("cwd") or "/"))
        else:
            reply = {"rc": 2, "stdout": "", "stderr": "motis: error: unknown request\n"}
        if "rc" in reply and request.get("op") == "search":
            self.served += 1
        conn.settimeout(self.REPLY_TIMEOUT_S)
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(reply).encode() + b"\n")

    def _is_my_home(self, claim: str, argv: list[str]) -> bool:
        """True when the request's home, and a ``--home`` inside its arguments, are this service's home."""
        homes = [claim]
        named = requested_home(argv)
        if named is not None:
            homes.append(named)
        try:
            return all(_same_folder(Path(h).expanduser(), self.services.home) for h in homes)
        except (OSError, ValueError):
            return False

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


def _same_folder(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are the same folder (the same inode, else the same resolved path)."""
    if not a.is_absolute() or not b.is_absolute():
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


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


def requested_home(argv: list[str]) -> str | None:
    """The ``--home`` value a command line gives (the last one, wherever it stands, up to ``--``), or None."""
    home = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--home" and i + 1 < len(argv):
            home = argv[i + 1]
        elif arg.startswith("--home="):
            home = arg.split("=", 1)[1]
    return home


def client_home(argv: list[str]) -> Path | None:
    """The home a whole ``motis`` command line refers to (``--home`` before or after the command, else
    MOTIS_HOME, else the default); None for ``--home ""`` or a home no library can be in (a folder of other files),
    which the command line refuses itself."""
    from motis_desktop.core.errors import MotisError
    from motis_desktop.core.paths import AppPaths

    home = requested_home(argv)
    if home is not None and not home.strip():
        return None
    try:
        return AppPaths.resolve(home).home
    except MotisError:  # said in one line by the command itself (a traceback here: QA)
        return None


def write_reply(rc: int, out: str, err: str) -> int:
    sys.stdout.write(out)
    sys.stderr.write(err)
    return rc

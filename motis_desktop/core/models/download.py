"""Streamed HTTP downloads: progress, resume (Range), cancel, timeout, sha256, Google Drive confirm pages.

The file is written to ``<dest>.part`` and renamed to ``dest`` only once verified, so an unfinished file is
never taken for a model; ``.<dest>.done`` records what was verified. Whatever ends a download early leaves
the ``.part`` for the next call (in any process) to resume. It is deleted only when it cannot be used: its
checksum fails (then fetched again once, from the start) or the server ignores the Range. A complete ``dest``
is hashed and kept, not fetched again. HTML where a file was expected is refused, except Google Drive's
virus-scan page, whose confirm link is followed. ``MOTIS_MODEL_MIRROR`` (a base URL) replaces every URL's
scheme and host.
"""

from __future__ import annotations

import errno
import hashlib
import html
import http.client
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from motis_desktop.core.errors import DownloadError as DownloadError  # raised here; its home is errors
from motis_desktop.core.errors import DownloadProblem, MotisError
from motis_desktop.core.formatting import format_size
from motis_desktop.core.models.model_folder import hash_file

log = logging.getLogger(__name__)

MIRROR_ENV = "MOTIS_MODEL_MIRROR"
CHUNK = 1 << 16
USER_AGENT = "MoTIS-Desktop/0.1 (+model download)"
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class DownloadCancelled(MotisError):
    """The user cancelled; what was downloaded so far is kept for the next try to resume."""


class DownloadSaveError(DownloadError):
    """The file could not be written (disk full, file too large, read-only folder); what was written is kept."""

    def __init__(self, folder: Path, reason: str, hint: str, what: str = "") -> None:
        self.folder, self.reason, self.hint = folder, reason, hint
        super().__init__(f"{what or f'cannot save the download in {folder}'} ({reason}): {hint}")

    @classmethod
    def of(cls, folder: Path, exc: OSError) -> DownloadSaveError:
        full = exc.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))
        return cls(
            folder, exc.strerror or str(exc), "free some disk space and try again" if full else "it cannot be written"
        )


@dataclass(frozen=True)
class DownloadProgress:
    url: str
    done: int
    total: int | None
    rate: float  # bytes per second
    eta_s: float | None
    note: str = ""  # a one-line remark for the user (resumed, reused, fetched again), else ""


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    size: int
    sha256: str
    verified_by: str  # "pinned", "server" (LFS hash header) or "none"
    url: str = ""  # the URL it came from (as given, before the mirror)
    reused: bool = False  # complete from an earlier call: not fetched again


def apply_mirror(url: str) -> str:
    """Replace scheme and host with ``$MOTIS_MODEL_MIRROR`` when it is set."""
    mirror = os.environ.get(MIRROR_ENV, "").strip()
    if not mirror:
        return url
    parts = urllib.parse.urlsplit(url)
    rest = urllib.parse.urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return mirror.rstrip("/") + rest


def download(
    url: str,
    dest: Path,
    sha256: str | None = None,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float = 30.0,
    retries: int = 3,
) -> DownloadResult:
    """Download ``url`` to ``dest`` (atomically); reuse a complete ``dest``, resume a ``.part`` left by an
    earlier try. DownloadSaveError names the folder when the file cannot be written."""
    tell = progress or (lambda p: None)
    given_url, url = url, apply_mirror(url)
    part = dest.with_name(dest.name + ".part")
    record = dest.with_name(f".{dest.name}.done")

    def say(note: str) -> None:
        log.info("%s", note)
        tell(DownloadProgress(url, 0, None, 0.0, None, note))

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        kept = _reuse(dest, record, sha256, say) if dest.exists() else None
        if kept is not None:
            return kept
        for again in (False, True):
            earlier = part.stat().st_size if part.exists() else 0
            if earlier:
                say(f"{dest.name}: resuming from the {format_size(earlier)} downloaded earlier")
            server_hash = _fetch_retrying(url, part, tell, cancel or threading.Event(), timeout_s, retries)
            digest = hash_file(part, hashlib.sha256()).hexdigest()
            expected, verified_by = (sha256, "pinned") if sha256 else (server_hash, "server")
            if not expected:
                verified_by = "none"
            if not expected or digest == expected.lower():
                break
            part.unlink(missing_ok=True)
            if earlier and not again:
                say(f"{dest.name}: the part downloaded earlier does not match its checksum: deleted, fetching it again")
                continue
            raise DownloadError(
                f"checksum mismatch for {_host(url)} file {dest.name}: expected sha256 {expected}, "
                f"got {digest}; nothing was installed"
            )
        size = part.stat().st_size
        record.write_text(json.dumps({"url": given_url, "size": size, "sha256": digest, "verified_by": verified_by}))
        os.replace(part, dest)
        return DownloadResult(dest, size, digest, verified_by, given_url)
    except BrokenPipeError:  # the progress callback's (a closed stderr): not the disk
        raise
    except OSError as exc:  # the network's errors are DownloadErrors by now: this is the disk
        raise DownloadSaveError.of(dest.parent, exc) from None


def _reuse(dest: Path, record: Path, sha256: str | None, say: Callable[[str], None]) -> DownloadResult | None:
    """``dest`` as downloaded by an earlier call, if it is still what was verified then; else it is deleted (or,
    with no record and no pinned checksum, made the ``.part`` to resume and verify)."""
    try:
        done = json.loads(record.read_text())
    except (OSError, ValueError):
        done = None
    done = done if isinstance(done, dict) else {}
    expected = str(sha256 or done.get("sha256") or "").lower()
    if not expected:  # from a version that kept no record: let the server say whether it is complete
        os.replace(dest, dest.with_name(dest.name + ".part"))
        return None
    digest = hash_file(dest, hashlib.sha256()).hexdigest()
    if digest == expected:
        say(f"{dest.name}: already downloaded and verified, not fetched again")
        verified_by = "pinned" if sha256 else str(done.get("verified_by", "none"))
        return DownloadResult(dest, dest.stat().st_size, digest, verified_by, str(done.get("url", "")), reused=True)
    dest.unlink()
    record.unlink(missing_ok=True)
    say(f"{dest.name}: the copy downloaded earlier does not match its checksum: deleted, fetching it again")
    return None


def _fetch_retrying(
    url: str,
    part: Path,
    progress: Callable[[DownloadProgress], None],
    cancel: threading.Event,
    timeout_s: float,
    retries: int,
) -> str | None:
    """:func:`_fetch`, again (resuming) after a connection that broke, up to ``retries`` times."""
    attempt = 0
    while True:
        try:
            return _fetch(url, part, progress, cancel, timeout_s)
        except _Retryable as exc:
            attempt += 1
            if attempt > retries:
                log.warning("giving up on %s after %d tries: %s", _short_url(url), attempt, exc)
                raise DownloadError(str(exc), DownloadProblem.STALLED, _host(url)) from None
            log.info("download of %s interrupted (%s); retry %d of %d", _short_url(url), exc, attempt, retries)
            time.sleep(min(2.0**attempt * 0.1, 2.0))  # then resume from what we have


class _Retryable(Exception):
    """The connection broke mid-transfer: try again, resuming."""


def _fetch(
    url: str, part: Path, progress: Callable[[DownloadProgress], None], cancel: threading.Event, timeout_s: float
) -> str | None:
    """One pass: follow a Drive confirm page if needed, then stream into ``part``. Returns the LFS sha256."""
    for _ in range(3):  # original URL, then at most two confirm links
        have = part.stat().st_size if part.exists() else 0
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        if have:
            request.add_header("Range", f"bytes={have}-")
        try:
            response = urllib.request.urlopen(request, timeout=timeout_s)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # we already have everything, unless the file is not that long
                length = (exc.headers.get("Content-Range") or "").rsplit("/", 1)[-1] if exc.headers else ""
                if not length.isdigit() or int(length) == have:
                    return None
                log.info("%s: the part downloaded earlier is longer than the file: fetching it again", part.name)
                part.unlink()
                continue
            raise DownloadError(
                f"{_host(url)} answered HTTP {exc.code} {exc.reason} for {_short_url(url)}",
                DownloadProblem.REFUSED,
                _host(url),
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DownloadError(
                f"cannot reach {_host(url)} ({reason}); check your connection or proxy",
                DownloadProblem.UNREACHABLE,
                _host(url),
            ) from None
        with response:
            content_type = response.headers.get("Content-Type", "")
            if "text/html" in content_type:
                try:
                    page = response.read(2_000_000).decode("utf-8", "replace")
                except (OSError, http.client.HTTPException) as exc:
                    raise _Retryable(f"connection to {_host(url)} broke ({type(exc).__name__})") from None
                confirm = _drive_confirm_url(url, page)
                if confirm is None:
                    raise DownloadError(
                        f"{_host(url)} sent a web page instead of the model file "
                        f"({_page_title(page)}); the link may need a login or be over quota",
                        DownloadProblem.WEB_PAGE,
                        _host(url),
                    )
                url = confirm  # the part of an earlier try is resumed there (a server ignoring Range restarts)
                continue
            server_hash = _lfs_sha256(response.headers)
            resumed = response.status == 206
            if resumed:
                log.info("resuming %s at byte %d", _short_url(url), have)
            else:
                have = 0
            total = _total_size(response.headers, have if resumed else 0)
            _stream(response, part, resumed, have, total, url, progress, cancel, timeout_s)
            if total is not None and part.stat().st_size < total:
                raise _Retryable(f"connection to {_host(url)} closed early ({part.stat().st_size} of {total} bytes)")
            return server_hash
    raise DownloadError(f"{_host(url)} kept answering with confirmation pages", DownloadProblem.WEB_PAGE, _host(url))


def _stream(
    response: object,
    part: Path,
    resumed: bool,
    have: int,
    total: int | None,
    url: str,
    progress: Callable[[DownloadProgress], None],
    cancel: threading.Event,
    timeout_s: float,
) -> None:
    started, last_report = time.monotonic(), 0.0
    received = 0
    with open(part, "ab" if resumed else "wb") as out:
        while True:
            if cancel.is_set():
                raise DownloadCancelled("download cancelled")
            try:
                chunk = response.read(CHUNK)  # type: ignore[attr-defined]
            except TimeoutError:
                raise DownloadError(
                    f"{_host(url)} stopped sending data (no bytes for {timeout_s:.0f} s)",
                    DownloadProblem.STALLED,
                    _host(url),
                ) from None
            except (ConnectionError, OSError, http.client.HTTPException) as exc:
                raise _Retryable(f"connection to {_host(url)} broke ({type(exc).__name__})") from None
            if not chunk:
                break
            out.write(chunk)
            received += len(chunk)
            now = time.monotonic()
            if now - last_report > 0.1:
                last_report = now
                rate = received / max(now - started, 1e-6)
                done = have + received
                eta = (total - done) / rate if total and rate > 0 else None
                progress(DownloadProgress(url, done, total, rate, eta))
        out.flush()
        os.fsync(out.fileno())
    rate = received / max(time.monotonic() - started, 1e-6)
    progress(DownloadProgress(url, have + received, total, rate, 0.0))


def _total_size(headers: object, offset: int) -> int | None:
    content_range = headers.get("Content-Range")  # type: ignore[attr-defined]
    if content_range and "/" in content_range and not content_range.endswith("/*"):
        return int(content_range.rsplit("/", 1)[1])
    length = headers.get("Content-Length")  # type: ignore[attr-defined]
    return offset + int(length) if length and length.isdigit() else None


def _lfs_sha256(headers: object) -> str | None:
    """Hugging Face sends the LFS object's sha256 as X-Linked-Etag (or ETag)."""
    for name in ("X-Linked-Etag", "ETag"):  # the headers are case-insensitive
        value = (headers.get(name) or "").strip().strip('"').removeprefix("W/").strip('"').lower()  # type: ignore
        if _SHA256_RE.match(value):
            return value
    return None


def _drive_confirm_url(url: str, page: str) -> str | None:
    """The download link on a Google Drive 'can't scan for viruses' page, or None for any other page."""
    form = re.search(r'<form[^>]*id="download-form"[^>]*action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    if form:
        action = html.unescape(form.group(1))
        fields = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
        return (
            apply_mirror(urllib.parse.urljoin(url, action))
            + "?"
            + urllib.parse.urlencode({k: html.unescape(v) for k, v in fields.items()})
        )
    token = re.search(r"confirm=([0-9A-Za-z_-]+)", page)
    if token and "drive" in page.lower():
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        query["confirm"] = token.group(1)
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, urllib.parse.urlencode(query), ""))
    return None


def _page_title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S | re.I)
    return f"page title: {html.unescape(match.group(1)).strip()[:80]}" if match else "an HTML page"


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _short_url(url: str) -> str:
    return url if len(url) < 100 else url[:97] + "..."

#!/usr/bin/env bash
# Smoke test of the bundle, built from a clean checkout of HEAD (commit first: uncommitted changes are not in it).
#   packaging/smoke.sh
# 1. git clone HEAD into a temporary folder and build dist/motis-desktop/ there (packaging/build.sh);
# 2. check that Qt's xcb platform plugin finds every library it needs;
# 3. run the bundled `motis --self-test`;
# 4. start the bundled GUI offscreen with a fresh home: its window shows, it quits cleanly;
# 5. with a home holding the colour model and indexed photos (made by the bundled CLI), start the GUI, search
#    "red" through the search box, and check that results are shown; under Xvfb too, when it is installed.
# Exits non-zero at the first failure. Reuses the build venv of this checkout (build/bundle-venv, or
# $MOTIS_BUNDLE_VENV); KEEP=1 keeps the temporary folder.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export MOTIS_BUNDLE_VENV="${MOTIS_BUNDLE_VENV:-$repo/build/bundle-venv}"
work="$(mktemp -d "${TMPDIR:-/tmp}/motis-smoke.XXXXXX")"
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "smoke: kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
step() { echo "smoke: $*"; }

t0=$(date +%s)
step "cloning $(git -C "$repo" rev-parse --short HEAD) into $work/src"
git clone --quiet --no-hardlinks "$repo" "$work/src"
step "building (packaging/build.sh)"
"$work/src/packaging/build.sh" || fail "the build failed"
t_build=$(( $(date +%s) - t0 ))
app="$work/src/dist/motis-desktop"
[ -x "$app/motis-desktop" ] && [ -x "$app/motis" ] || fail "the bundle lacks an executable"
size="$(du -sh "$app" | cut -f1)"

step "checking Qt's xcb platform plugin"
xcb="$(find "$app/_internal" -name libqxcb.so | head -1)"
[ -n "$xcb" ] || fail "no libqxcb.so in the bundle"
missing="$(LD_LIBRARY_PATH="$app/_internal:$(dirname "$xcb")/../../lib" ldd "$xcb" | grep 'not found' || true)"
[ -z "$missing" ] || fail "libqxcb.so needs libraries this system lacks: $missing"

step "bundled motis --self-test"
env -u MOTIS_HOME -u PYTHONPATH HOME="$work/user" "$app/motis" --self-test || fail "the bundled self-test failed"

gui() {  # gui HOME MARKER ARGS... : run the bundled GUI, require a line matching MARKER (grep -E) and exit status 0
  local home="$1" marker="$2"; shift 2
  local out="$work/gui.log" code=0
  # shellcheck disable=SC2086  # LAUNCH is a command prefix (xvfb-run -a), split on purpose
  env -u PYTHONPATH HOME="$work/user" MOTIS_HOME="$home" timeout 300 ${LAUNCH:-} "$app/motis-desktop" "$@" \
    >"$out" 2>&1 || code=$?
  cat "$out"
  [ "$code" = 0 ] || fail "motis-desktop $* exited with $code"
  grep -Eq "^$marker" "$out" || fail "motis-desktop $* never printed a line matching '$marker'"
}

step "bundled GUI, offscreen, fresh home: window shown, clean quit"
mkdir "$work/home-fresh"  # an empty folder: a named home that does not exist makes the window ask first
QT_QPA_PLATFORM=offscreen gui "$work/home-fresh" "motis-desktop: window shown" --quit-after-show

step "a library for the GUI: colour model and photos, indexed by the bundled CLI"
PYTHONPATH="$work/src" "$MOTIS_BUNDLE_VENV/bin/python" "$work/src/models/colour_model.py" --out "$work/colour" >/dev/null
PYTHONPATH="$work/src" "$MOTIS_BUNDLE_VENV/bin/python" - "$work/photos" <<'PY'
import sys
from pathlib import Path

import cv2
import numpy as np

out = Path(sys.argv[1])
out.mkdir(parents=True)
rng = np.random.default_rng(0)
for name, rgb in {"red": (220, 30, 30), "green": (30, 180, 40), "blue": (30, 40, 220)}.items():
    for i in range(4):
        img = np.clip(np.array(rgb) + rng.normal(0, 10, (120, 160, 3)), 0, 255).astype(np.uint8)
        cv2.imwrite(str(out / f"{name}-{i}.jpg"), img[:, :, ::-1])
PY
lib="$work/home-library"
MOTIS_HOME="$lib" "$app/motis" models import --image "$work/colour/image_encoder.pt" \
  --text "$work/colour/text_encoder.pt" --name colour >/dev/null 2>&1 || fail "bundled motis models import failed"
MOTIS_HOME="$lib" "$app/motis" index "$work/photos" || fail "bundled motis index failed"
top="$(MOTIS_HOME="$lib" "$app/motis" search red -k 1)" || fail "bundled motis search failed"
case "$top" in *red-*) ;; *) fail "bundled motis search red returned: $top" ;; esac

step "bundled GUI, offscreen, with a library: search for red shows results"
# Results, the first of them a red photo (the relevance cut-off decides how many).
found='motis-desktop: results [1-9][0-9]* top .*/red-[0-9]+\.jpg$'
QT_QPA_PLATFORM=offscreen gui "$lib" "$found" --probe-search red
if command -v xvfb-run >/dev/null; then
  step "bundled GUI on X11 (xcb, under Xvfb): search for red shows results"
  QT_QPA_PLATFORM=xcb LAUNCH="xvfb-run -a" gui "$lib" "$found" --probe-search red
else
  step "no xvfb-run: the GUI was not started on X11 (install xvfb to check xcb too)"
fi
step "passed: build ${t_build} s, bundle $size, total $(( $(date +%s) - t0 )) s"

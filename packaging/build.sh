#!/usr/bin/env bash
# Build the one-folder app dist/motis-desktop/ (PyInstaller): the motis-desktop and motis executables, the
# bundled data (resources/), Qt's platform plugins, install.sh and uninstall.sh.
#   packaging/build.sh          build dist/motis-desktop/
#   packaging/build.sh --tar    also pack it as dist/motis-desktop-linux-<arch>.tar.gz (what users download)
# It builds in its own virtual environment (build/bundle-venv, made on first use, or $MOTIS_BUNDLE_VENV) holding the
# runtime dependencies and the `bundle` extra only, so test tools never end up in the app.
# Env: PYTHON (interpreter for that venv, default python3, 3.11+), MOTIS_BUNDLE_VENV.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
VENV="${MOTIS_BUNDLE_VENV:-build/bundle-venv}"

stamp="$VENV/.motis-bundle-deps-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "build.sh: setting up $VENV (first run or dependencies changed)..." >&2
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
  # The project's dependencies and its `bundle` extra, read from pyproject.toml; the app itself is analysed
  # from this checkout, not installed.
  mapfile -t reqs < <("$VENV/bin/python" -c '
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["bundle"]))')
  "$VENV/bin/python" -m pip install --quiet "${reqs[@]}" >&2
  rm -f "$VENV"/.motis-bundle-deps-*
  touch "$stamp"
fi

start=$(date +%s)
"$VENV/bin/python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/motis-desktop.spec
cp packaging/install.sh packaging/uninstall.sh dist/motis-desktop/
echo "build.sh: dist/motis-desktop built in $(( $(date +%s) - start )) s, $(du -sh dist/motis-desktop | cut -f1)" >&2
if [ "${1:-}" = "--tar" ]; then
  tarball="dist/motis-desktop-linux-$(uname -m).tar.gz"
  tar -C dist -czf "$tarball" motis-desktop
  echo "build.sh: $tarball, $(du -sh "$tarball" | cut -f1)" >&2
fi

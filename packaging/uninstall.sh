#!/usr/bin/env bash
# Remove what install.sh put in place. Your library, settings and models stay unless you pass --purge
# (they live in ~/.local/share/motis-desktop, or $MOTIS_HOME).
set -euo pipefail

purge=0
[ "${1:-}" = "--purge" ] && purge=1
data="${XDG_DATA_HOME:-$HOME/.local/share}"
opt="$HOME/.local/opt/motis-desktop"
bin="$HOME/.local/bin"
apps="$data/applications"
icons="$data/icons/hicolor"

for link in "$bin/motis-desktop" "$bin/motis"; do
  # Only our links: a 'motis' from a pip install elsewhere is left alone.
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$opt/$(basename "$link")" ]; then rm -f "$link"; fi
done
rm -f "$apps/motis-desktop.desktop"
rm -f "$icons"/*/apps/motis-desktop.png "$icons/scalable/apps/motis-desktop.svg"
rm -rf "$opt"
if [ "$purge" = 1 ]; then
  rm -rf "${MOTIS_HOME:-$data/motis-desktop}"
  echo "removed your MoTIS library, settings and models"
  # Shared with every program that runs ONNX Runtime, so said, not removed: earlier versions left its telemetry
  # queue here (the app now turns that telemetry off).
  ort="${XDG_CACHE_HOME:-$HOME/.cache}/Microsoft/DeveloperTools/.onnxruntime"
  if [ -d "$ort" ]; then
    echo "  ONNX Runtime's telemetry queue from earlier versions is in $ort: delete it if no other program uses ONNX Runtime"
  fi
fi

command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
# Refresh an icon cache only where one exists: a new, later stale, cache in the user's folder would hide other icons.
[ -f "$icons/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null \
  && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true

echo "MoTIS Desktop uninstalled"
[ "$purge" = 1 ] || echo "  your library and models are kept in ${MOTIS_HOME:-$data/motis-desktop} (--purge removes them)"

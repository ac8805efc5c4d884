#!/usr/bin/env bash
# Install the MoTIS Desktop bundle for the current user (no root needed):
#   the bundle      -> ~/.local/opt/motis-desktop/
#   commands        -> ~/.local/bin/motis-desktop, ~/.local/bin/motis (links)
#   menu entry      -> ~/.local/share/applications/motis-desktop.desktop
#   icons           -> ~/.local/share/icons/hicolor/*/apps/motis-desktop.{png,svg}
# Usage: install.sh [BUNDLE_DIR]   (default: the folder this script is in, else dist/motis-desktop)
# Running it again upgrades in place. Your library and models (~/.local/share/motis-desktop) are not touched.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bundle="${1:-}"
if [ -z "$bundle" ]; then
  if [ -x "$here/motis-desktop" ]; then bundle="$here"; else bundle="$here/../dist/motis-desktop"; fi
fi
bundle="$(cd "$bundle" && pwd)"
[ -x "$bundle/motis-desktop" ] && [ -x "$bundle/motis" ] || {
  echo "install.sh: $bundle is not a MoTIS Desktop bundle (no motis-desktop and motis executables)" >&2
  exit 1
}
resources="$bundle/_internal/resources"
[ -f "$resources/motis-desktop.desktop" ] || { echo "install.sh: $resources/motis-desktop.desktop missing" >&2; exit 1; }

data="${XDG_DATA_HOME:-$HOME/.local/share}"
opt="$HOME/.local/opt/motis-desktop"
bin="$HOME/.local/bin"
apps="$data/applications"
icons="$data/icons/hicolor"

# Copy next to the old install, then swap, so an interrupted upgrade leaves a working app.
mkdir -p "$(dirname "$opt")" "$bin" "$apps"
if [ "$bundle" != "$opt" ]; then
  rm -rf "$opt.new"
  cp -a "$bundle" "$opt.new"
  rm -rf "$opt.old"
  [ -e "$opt" ] && mv "$opt" "$opt.old"
  mv "$opt.new" "$opt"
  rm -rf "$opt.old"
fi

ln -sfn "$opt/motis-desktop" "$bin/motis-desktop"
ln -sfn "$opt/motis" "$bin/motis"

for png in "$opt"/_internal/resources/icons/motis-desktop-*.png; do
  size="$(basename "$png" .png)"; size="${size##*-}"
  mkdir -p "$icons/${size}x${size}/apps"
  cp "$png" "$icons/${size}x${size}/apps/motis-desktop.png"
done
mkdir -p "$icons/scalable/apps"
cp "$opt/_internal/resources/icons/motis-desktop.svg" "$icons/scalable/apps/motis-desktop.svg"

# The menu entry runs the installed executable by its full path (~/.local/bin may not be on the session's PATH).
sed -e "s|^Exec=.*|Exec=\"$opt/motis-desktop\"|" -e "s|^TryExec=.*|TryExec=$opt/motis-desktop|" \
  "$opt/_internal/resources/motis-desktop.desktop" > "$apps/motis-desktop.desktop.tmp"
chmod 644 "$apps/motis-desktop.desktop.tmp"
mv "$apps/motis-desktop.desktop.tmp" "$apps/motis-desktop.desktop"

# Let the desktop notice the new entry and icons (each tool is optional).
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
# Refresh an icon cache only where one exists: a new, later stale, cache in the user's folder would hide other icons.
[ -f "$icons/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null \
  && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
command -v xdg-desktop-menu >/dev/null && xdg-desktop-menu forceupdate 2>/dev/null || true

echo "MoTIS Desktop installed in $opt"
echo "  menu entry: $apps/motis-desktop.desktop (find it as \"MoTIS Desktop\" in your applications)"
echo "  commands:   $bin/motis-desktop, $bin/motis"
case ":$PATH:" in *":$bin:"*) ;; *) echo "  note: $bin is not on your PATH; add it to run 'motis' from a terminal" ;; esac
echo "  uninstall:  $opt/uninstall.sh"

#!/bin/sh
# Qt (PySide6) needs these Debian/Ubuntu libraries: the offscreen ones (without a font every glyph
# renders as a box) and those of the xcb plugin, which a real X display uses (without them Qt
# aborts: "could not load the Qt platform plugin xcb"). playground/qtlibs.py names the same ones.
# `qt-system-libs.sh xvfb` adds the virtual X server the test suite's xcb test runs on.
# Installs them when we may (root, or password-less sudo); otherwise prints the exact command.
PACKAGES="libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
fonts-dejavu-core
libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0"
[ "${1:-}" = xvfb ] && PACKAGES="$PACKAGES xvfb xauth"

command -v dpkg-query >/dev/null 2>&1 || {
    echo "qt-system-libs: not a Debian system; install the equivalents of:" $PACKAGES; exit 0; }

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "qt-system-libs: installing$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
else
    echo "qt-system-libs: cannot install without root. Run:"
    echo "    sudo apt-get install -y$missing"
    exit 1
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq &&
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing

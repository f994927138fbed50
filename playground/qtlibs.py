"""Are the system libraries of Qt's platform plugin here? Answered before Qt is imported.

PySide6's wheels bundle Qt but not the X11 client libraries its xcb plugin links against. When
one is missing (since Qt 6.5 most often `libxcb-cursor0`), Qt prints "could not load the Qt
platform plugin" and aborts the process (SIGABRT). So the plugin's ELF `DT_NEEDED` entries are
read, every library that the wheel does not bundle is opened with `dlopen` (the way the dynamic
loader would), and the missing ones are named with the Debian packages that ship them.

`scripts/qt-system-libs.sh` installs the same packages (a test keeps the two in step).
"""

from __future__ import annotations

import ctypes
import importlib.util
import struct
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

# soname -> Debian/Ubuntu package, for every library the xcb plugin (libqxcb.so and
# libQt6XcbQpa.so.6) needs outside the wheel; the C/C++ runtime is always there.
PACKAGES = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}
ALWAYS_PRESENT = ("libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so", "libstdc++.so",
                  "libgcc_s.so", "ld-linux")
PLUGIN_FILES = {"xcb": ("plugins/platforms/libqxcb.so", "lib/libQt6XcbQpa.so.6")}

Loader = Callable[[str], object]


def plugin_problem(platform: str, qt_dir: Path | None = None,
                   load: Loader = ctypes.CDLL) -> str | None:
    """One line naming the packages to install when `platform`'s plugin cannot load; else None.

    None too when there is nothing to check: another platform, another system, or a Qt whose
    files are not where a PySide6 wheel puts them (a frozen bundle ships its own libraries).
    """
    files = PLUGIN_FILES.get(platform)
    qt_dir = qt_dir or _wheel_qt_dir()
    if files is None or qt_dir is None or not sys.platform.startswith("linux"):
        return None
    needed = [name for path in files if (qt_dir / path).is_file()
              for name in needed_libraries(qt_dir / path)]
    missing = [name for name in dict.fromkeys(needed) if _is_external(name, qt_dir)
               and not _loads(name, load)]
    return describe_missing(platform, missing) if missing else None


def describe_missing(platform: str, sonames: Iterable[str]) -> str:
    names = list(sonames)
    packages = " ".join(dict.fromkeys(PACKAGES.get(name, name) for name in names))
    return (f"oauth-playground: Qt's {platform} platform plugin cannot load: {', '.join(names)} "
            f"{'is' if len(names) == 1 else 'are'} missing; install with "
            f"`sudo apt-get install {packages}` (or run `make setup`), or set "
            "QT_QPA_PLATFORM=offscreen to run without a window")


def needed_libraries(path: Path) -> list[str]:
    """The `DT_NEEDED` sonames of a 64- or 32-bit little-endian ELF file; [] if unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if data[:4] != b"\x7fELF" or data[5] != 1:
        return []
    return _dynamic_needed(data, is64=data[4] == 2)


def _dynamic_needed(data: bytes, *, is64: bool) -> list[str]:
    """Walk the section headers to .dynamic and its string table (System V gABI, ch. 4-5)."""
    header = "<16xHHIQQQIHHHHHH" if is64 else "<16xHHIIIIIHHHHHH"
    fields = struct.unpack_from(header, data)
    shoff, shentsize, shnum = fields[5], fields[10], fields[11]
    section = "<IIQQQQIIQQ" if is64 else "<IIIIIIIIII"
    sections = [struct.unpack_from(section, data, shoff + i * shentsize) for i in range(shnum)]
    dynamic = next((s for s in sections if s[1] == 6), None)  # SHT_DYNAMIC
    if dynamic is None:
        return []
    strtab = sections[dynamic[6]]  # sh_link: the section of its strings
    entry = "<qQ" if is64 else "<iI"
    size = struct.calcsize(entry)
    names = []
    for offset in range(dynamic[4], dynamic[4] + dynamic[5], size):
        tag, value = struct.unpack_from(entry, data, offset)
        if tag == 0:  # DT_NULL
            break
        if tag == 1:  # DT_NEEDED
            start = strtab[4] + value
            names.append(data[start:data.index(b"\0", start)].decode("ascii", "replace"))
    return names


def _is_external(soname: str, qt_dir: Path) -> bool:
    """Not shipped in the wheel (Qt's own libraries, ICU) and not the C/C++ runtime."""
    return not (qt_dir / "lib" / soname).exists() and not soname.startswith(ALWAYS_PRESENT)


def _loads(soname: str, load: Loader) -> bool:
    try:
        load(soname)
    except OSError:
        return False
    return True


def _wheel_qt_dir() -> Path | None:
    """PySide6's Qt folder, found without importing PySide6 (which would load Qt)."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or ()) if spec else []
    return next((Path(p) / "Qt" for p in locations if (Path(p) / "Qt").is_dir()), None)

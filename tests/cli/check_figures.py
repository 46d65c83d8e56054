"""Checks that image files are valid PNG, SVG or PDF files of plausible size.

    check_figures.py MIN_BYTES FILE...   -> exit 0, or 1 naming each bad file
"""

import sys
import xml.etree.ElementTree as ET


def problem(path: str, min_bytes: int) -> str:
    """'' for a good figure, else what is wrong with it."""
    with open(path, "rb") as file:
        data = file.read()
    if len(data) < min_bytes:
        return f"only {len(data)} bytes"
    if path.endswith(".png"):
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            return "no PNG signature"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        if width < 400 or height < 300:
            return f"{width}x{height} pixels is too small"
    elif path.endswith(".svg"):
        try:
            root = ET.fromstring(data)
        except ET.ParseError as error:
            return f"not well-formed XML: {error}"
        if not root.tag.endswith("svg"):
            return f"root element {root.tag}, not svg"
    elif path.endswith(".pdf"):
        if not data.startswith(b"%PDF-"):
            return "no %PDF- header"
    else:
        return "unknown extension"
    return ""


def main() -> int:
    min_bytes = int(sys.argv[1])
    bad = 0
    for path in sys.argv[2:]:
        what = problem(path, min_bytes)
        if what:
            print(f"bad figure {path}: {what}")
            bad += 1
    return 1 if bad or len(sys.argv) < 3 else 0


if __name__ == "__main__":
    sys.exit(main())

"""Small files of each kind, made here: what the intake should accept and what it should refuse."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from tests.storage.servers import EICAR


def pdf(size: int = 2000) -> bytes:
    """A minimal PDF, padded to about ``size`` bytes."""
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    padding = max(0, size - len(body) - 8)
    return body + b"%" + b"x" * padding + b"\n%%EOF\n"


def png() -> bytes:
    """A 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def docx() -> bytes:
    """The skeleton of a Word document (a zip with its content types first)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def bare_zip() -> bytes:
    """An archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


def exe() -> bytes:
    """The start of a Windows executable."""
    dos_header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44
    return dos_header + b"\x40\x00\x00\x00" + b"PE\x00\x00" + b"\x00" * 200


HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>"
SVG_OPEN = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"'
SVG_CLEAN = SVG_OPEN + b'><rect width="10" height="10"/></svg>'
# The script comes after the first 64 KiB: found while streaming, not by the first look.
SVG_SCRIPT = SVG_OPEN + b"><rect/>" + b" " * 70000 + b"<script>alert(document.cookie)</script></svg>"
SVG_HANDLER = SVG_OPEN + b' onload="alert(1)"><rect/></svg>'
# Two that passed a search for scripts: an entity-encoded "javascript:" link, and CSS that loads from elsewhere.
SVG_ENTITY_LINK = SVG_OPEN + b' xmlns:xlink="http://www.w3.org/1999/xlink"><a href="&#106;avascript:alert(1)">' \
    b'<rect width="10" height="10"/></a></svg>'
SVG_CSS = SVG_OPEN + b'><style>@import "https://tracker.example/a.css"; rect { fill: url(https://tracker.example/p) }' \
    b'</style><rect width="10" height="10"/></svg>'
SVGS = {"clean": SVG_CLEAN, "script": SVG_SCRIPT, "handler": SVG_HANDLER, "entity_link": SVG_ENTITY_LINK,
        "css": SVG_CSS}
TEXT = "Grüße aus Köln: the claim letter, as text.\n".encode()
EICAR_FILE = EICAR

"""Which kinds of file are accepted: categories of extensions, and the types their content may have.

The type is read from the content (libmagic), never taken from the name or the browser; the name's
extension must then agree with it. Anything not listed (HTML, scripts, executables, archives) is
refused.
"""

from __future__ import annotations

import threading

import magic

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TEXT = {"text/plain", "text/csv", "application/csv"}

# category -> extension -> the content types libmagic reports for genuine files of that extension
CATEGORIES: dict[str, dict[str, frozenset[str]]] = {
    "pdf": {"pdf": frozenset({PDF})},
    "image": {
        "jpg": frozenset({"image/jpeg"}),
        "jpeg": frozenset({"image/jpeg"}),
        "png": frozenset({"image/png"}),
        "gif": frozenset({"image/gif"}),
        "webp": frozenset({"image/webp"}),
        "tif": frozenset({"image/tiff"}),
        "tiff": frozenset({"image/tiff"}),
        "bmp": frozenset({"image/bmp", "image/x-ms-bmp"}),
        "heic": frozenset({"image/heic", "image/heif"}),
        "heif": frozenset({"image/heic", "image/heif"}),
    },
    "office": {
        "doc": frozenset({"application/msword"}),
        "docx": frozenset({DOCX}),
        "xls": frozenset({"application/vnd.ms-excel"}),
        "xlsx": frozenset({XLSX}),
        "ppt": frozenset({"application/vnd.ms-powerpoint"}),
        "pptx": frozenset({PPTX}),
        "odt": frozenset({"application/vnd.oasis.opendocument.text"}),
        "ods": frozenset({"application/vnd.oasis.opendocument.spreadsheet"}),
        "odp": frozenset({"application/vnd.oasis.opendocument.presentation"}),
        "rtf": frozenset({"text/rtf"}),
        "msg": frozenset({"application/vnd.ms-outlook"}),
        "eml": frozenset({"message/rfc822"}),
    },
    "text": {"txt": frozenset(TEXT), "csv": frozenset(TEXT), "md": frozenset(TEXT)},
    "audio": {
        "mp3": frozenset({"audio/mpeg"}),
        "m4a": frozenset({"audio/x-m4a", "audio/mp4"}),
        "wav": frozenset({"audio/x-wav", "audio/wav"}),
        "ogg": frozenset({"audio/ogg"}),
        "oga": frozenset({"audio/ogg"}),
        "opus": frozenset({"audio/ogg"}),
        "flac": frozenset({"audio/flac", "audio/x-flac"}),
        "aac": frozenset({"audio/x-hx-aac-adts", "audio/aac"}),
        "amr": frozenset({"audio/amr"}),
    },
    "video": {
        "mp4": frozenset({"video/mp4"}),
        "m4v": frozenset({"video/x-m4v", "video/mp4"}),
        "mov": frozenset({"video/quicktime"}),
        "webm": frozenset({"video/webm"}),
        "avi": frozenset({"video/x-msvideo"}),
        "mkv": frozenset({"video/x-matroska"}),
        "3gp": frozenset({"video/3gpp"}),
    },
}
DEFAULT_CATEGORIES = tuple(CATEGORIES)
# Shown inline (in a new tab) rather than only downloaded: types browsers render without running code.
PREVIEWABLE = frozenset({PDF, "image/jpeg", "image/png", "image/gif", "image/webp"})

# An SVG is an image that may carry a program, in more ways than a search finds (an entity-encoded
# "javascript:", CSS url() and @import, animation that sets an href): it is refused unless a strict
# allow-list sanitiser rewrites it, and none is installed. Parties send photos and PDFs.
SVG = "image/svg+xml"


_local = threading.local()


def detect(head: bytes) -> str:
    """The content type libmagic reads from the first bytes (one handle per thread: it is not thread-safe)."""
    detector = getattr(_local, "magic", None)
    if detector is None:
        detector = _local.magic = magic.Magic(mime=True)
    return str(detector.from_buffer(head))


def extension(name: str) -> str:
    """The file name's extension, lower case, without the dot ('' when there is none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def allowed_extensions(categories: tuple[str, ...] | list[str]) -> dict[str, frozenset[str]]:
    """The extensions (and their content types) of the given categories."""
    merged: dict[str, frozenset[str]] = {}
    for category in categories:
        merged.update(CATEGORIES.get(category, {}))
    return merged


def category_of(ext: str) -> str | None:
    """The category an extension belongs to."""
    for category, extensions in CATEGORIES.items():
        if ext in extensions:
            return category
    return None

"""A bare Flask app, no extensions: the floor the platform's request path is measured against.

``/healthz`` answers the same JSON as the platform's; ``/page`` answers an HTML page of
exactly ``BENCH_PAGE_BYTES`` bytes (the harness measures the signed-in dashboard and passes
its size), built once at start-up so the route itself costs next to nothing.
"""

from __future__ import annotations

import os

from flask import Flask, Response, jsonify

DEFAULT_PAGE_BYTES = 3566

HEAD = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n'
    "  <title>Bare</title>\n</head>\n<body>\n"
)
TAIL = "</body>\n</html>\n"
LINE = "  <p>A bare Flask page of the same size as the signed-in dashboard.</p>\n"


def page_of(size: int) -> bytes:
    """An HTML document of exactly ``size`` bytes (ASCII), padded with paragraphs and spaces."""
    frame = len(HEAD) + len(TAIL)
    if size < frame:
        raise ValueError(f"a page needs at least {frame} bytes, not {size}")
    body = ""
    while frame + len(body) + len(LINE) <= size:
        body += LINE
    body += " " * (size - frame - len(body))
    page = (HEAD + body + TAIL).encode("ascii")
    assert len(page) == size
    return page


def create_app(page_bytes: int | None = None) -> Flask:
    """The bare app; the page size comes from ``BENCH_PAGE_BYTES`` unless given."""
    size = (
        page_bytes
        if page_bytes is not None
        else int(os.environ.get("BENCH_PAGE_BYTES", DEFAULT_PAGE_BYTES))
    )
    page = page_of(size)
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/page")
    def bare_page() -> Response:
        return Response(page, mimetype="text/html")

    return app


app = create_app()

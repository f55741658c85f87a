"""Request ids on every log line, JSON lines in production, and the 500 page."""

from __future__ import annotations

import json
import logging

import pytest

from odr.app import create_app
from odr.platform.logs import JsonFormatter, RequestIdFilter
from tests.conftest import test_settings


def test_request_id_is_echoed_or_made(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "edge-1234abcd"}).headers["X-Request-ID"] == (
        "edge-1234abcd"
    )
    # A malformed id from outside is replaced, never echoed.
    assert client.get("/healthz", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"] != (
        "bad id <script>"
    )


def test_json_lines_carry_the_request_id(app):
    record = logging.LogRecord("odr.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "abc123abc123"
        RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123abc123"
    assert line["message"] == "hello world"
    assert line["level"] == "INFO"


@pytest.fixture
def failing_client(tmp_path):
    """A client of an app with a route that fails (no database needed)."""
    app = create_app(test_settings(tmp_path, f"sqlite:///{tmp_path / 'unused.sqlite3'}"))
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    return app.test_client()


def test_an_unexpected_error_is_a_500_page_that_discloses_nothing(failing_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = failing_client.get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    assert "ZeroDivisionError" not in html
    assert response.headers["X-Request-ID"] in html
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


def test_an_unexpected_api_error_uses_the_one_error_format(failing_client):
    response = failing_client.get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"code": "server_error", "message": "Something went wrong on our side.", "fields": {}}
    }

"""Errors: the domain's exceptions, the API's one error format, and the error pages."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from odr.platform.db import RETRY_AFTER_SECONDS, database_unavailable
from odr.platform.extensions import db, limiter, login_manager

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """A use case refused its input; carries a code, a message and per-field messages."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


# The one message of a refused form or body; each field says what to fix.
FIELDS_NEED_CORRECTING = lazy_gettext("Some fields need to be corrected.")


class ValidationFailed(ServiceError):
    """Input failed validation; ``fields`` says what to fix."""

    status = 400
    code = "validation_failed"

    @classmethod
    def on_fields(cls, fields: dict[str, list[str]]) -> ValidationFailed:
        """The refusal of a form or a body whose ``fields`` need correcting, each with its messages."""
        return cls(str(FIELDS_NEED_CORRECTING), {name: [str(m) for m in messages] for name, messages in fields.items()})

    @classmethod
    def on_field(cls, field: str, message: Any) -> ValidationFailed:
        """The refusal of one field, with its message."""
        return cls.on_fields({field: [str(message)]})


class NotFound(ServiceError):
    """The record does not exist, or belongs where the actor cannot see it."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The actor may see the record but not do this to it."""

    status = 403
    code = "forbidden"


class Unavailable(ServiceError):
    """Something the request needs (the database, the document store) cannot be had for now; nothing was
    changed, and the same request may be tried again after ``retry_after`` seconds."""

    status = 503
    code = "busy"
    retry_after = RETRY_AFTER_SECONDS


BUSY_TITLE = lazy_gettext("Please try again shortly")
BUSY_MESSAGE = lazy_gettext("We are busy for a moment and could not do this. Nothing was changed. "
                            "Please try again in a few seconds.")


def database_busy() -> Unavailable:
    """The refusal of a request that found the database busy or out of reach.

    The request's user is forgotten first: saying so in their language must not ask the database again.
    """
    try:
        db.session.expunge_all()  # what was loaded (the tenant of the page) stays readable, not expired
        db.session.rollback()
    except Exception:  # a connection that died is rolled back by closing it
        log.warning("rolling back after the database failed also failed", exc_info=True)
    g._login_user = login_manager.anonymous_user()  # flask-login's place for the request's user
    return Unavailable(str(BUSY_MESSAGE))


class Conflict(ServiceError):
    """The request clashes with the current state of the record."""

    status = 409
    code = "conflict"


def public_key(value: Any, not_found: str) -> uuid.UUID:
    """``value`` (from a URL or a payload) as a record's public id; anything malformed is that record
    not found, with the message ``not_found``."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(not_found) from None


def is_public_id(value: str) -> bool:
    """``value`` is written as a public id (a UUID), as opposed to, say, a human reference."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def wants_json() -> bool:
    """True for the REST API and for requests that ask for JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def error_body(code: str, message: str, fields: dict[str, Any] | None = None, *,
               retry_after: int | None = None) -> dict[str, Any]:
    """The one error format of the API and the sockets (``retry_after``: seconds to wait, when it helps)."""
    error: dict[str, Any] = {"code": code, "message": str(message), "fields": fields or {}}
    if retry_after is not None:
        error["retry_after"] = retry_after
    return {"error": error}


def json_error(status: int, code: str, message: str, fields: dict[str, Any] | None = None, *,
               retry_after: int | None = None) -> Response:
    """A JSON response in the one error format (with a Retry-After header when ``retry_after`` is given)."""
    response = jsonify(error_body(code, message, fields, retry_after=retry_after))
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


HTTP_CODES = {
    400: ("bad_request", lazy_gettext("The request could not be understood.")),
    401: ("unauthenticated", lazy_gettext("Please sign in first.")),
    403: ("forbidden", lazy_gettext("You are not allowed to do this.")),
    404: ("not_found", lazy_gettext("We could not find that page.")),
    405: ("method_not_allowed", lazy_gettext("That method is not allowed here.")),
    413: ("too_large", lazy_gettext("The request is too large.")),
    415: ("unsupported_media_type", lazy_gettext("Send JSON with Content-Type application/json.")),
    422: ("validation_failed", FIELDS_NEED_CORRECTING),
    429: ("rate_limited", lazy_gettext("Too many attempts.")),
    500: ("server_error", lazy_gettext("Something went wrong on our side.")),
}


def _page(status: int, title: str, message: str, **extra: Any) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title, message=message, **extra), status


def _retry_after(error: HTTPException) -> int | None:
    """Seconds until a refused client may try again.

    Flask-Limiter adds its Retry-After header only after this handler has run, so the page
    asks the limiter for the limit that was hit and counts the same way it does.
    """
    value = error.get_response().headers.get("Retry-After")
    own = int(value) if value and value.isdigit() else None  # a refusal that knows its wait (per account)
    hit = limiter.current_limit
    if hit is None:
        return own
    # Flask-Limiter then puts the later of the two in the header: the page says the same.
    return max(own or 0, max(1, int(hit.reset_at - time.time())))


def handle_http(error: HTTPException) -> Any:
    """Werkzeug's HTTP errors as the API's format or as a page in the site's layout."""
    status = error.code or 500
    code, default_message = HTTP_CODES.get(
        status, ("error", lazy_gettext("The request could not be completed."))
    )
    if status == 422:
        fields = _webargs_fields(error)
        status = 400
        if wants_json():
            return json_error(400, code, str(default_message), fields)
    if wants_json():
        response = json_error(status, code, str(default_message))
        if status == 429 and (retry := _retry_after(error)):
            response.headers["Retry-After"] = str(retry)
        return response
    if status == 429:
        retry = _retry_after(error)
        body, _status = _page(429, _("Too many attempts"), _("Please wait a moment and try again."),
                              retry_after=retry)
        headers = {"Retry-After": str(retry)} if retry else {}
        return body, 429, headers
    if status == 405 and request.method == "GET":
        # The address of a form's POST, opened or reloaded: point to the page the form was on.
        return _page(405, _("This page cannot be opened directly"),
                     _("This address only receives a form when it is sent. Go back to the page the form is on."),
                     back=_page_above(request.path))
    titles = {404: _("Page not found"), 403: _("Not allowed"), 405: _("Not allowed")}
    return _page(status, titles.get(status, _("Something went wrong")), str(default_message))


def _page_above(path: str) -> str | None:
    """The nearest address above ``path`` that shows a page (``/cases/1/screening`` above
    ``/cases/1/screening/accept``), or None."""
    adapter = current_app.url_map.bind("", script_name=request.script_root or None)
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        for candidate in dict.fromkeys(("/".join(parts) or "/", "/".join(parts) + "/")):
            try:
                adapter.match(candidate, method="GET")
            except HTTPException:  # no page there, or only with a slash at the end
                continue
            return request.script_root + candidate
    return None


def _webargs_fields(error: HTTPException) -> dict[str, Any]:
    """webargs' messages as ``{field: [text, ...]}``, the shape of every error's fields.

    A lazily translated message is not a ``str``, so marshmallow leaves it bare instead of
    putting it in a list.
    """
    data = getattr(error, "data", None) or {}
    messages = data.get("messages", {})
    fields: dict[str, Any] = {}
    for _location, per_field in messages.items():
        if isinstance(per_field, dict):
            for field, texts in per_field.items():
                if isinstance(texts, dict):
                    fields[field] = texts
                else:
                    listed = texts if isinstance(texts, list | tuple) else [texts]
                    fields[field] = [str(text) for text in listed]
    return fields


def handle_service_error(error: ServiceError) -> Any:
    """A refused use case: the API's format, or an error page for plain page requests."""
    if isinstance(error, Unavailable):
        return _busy(error)
    if wants_json():
        return json_error(error.status, error.code, error.message, error.fields)
    if error.status == 404:
        return _page(404, _("Page not found"), str(HTTP_CODES[404][1]))
    return _page(error.status, _("That did not work"), error.message)


def handle_csrf(error: CSRFError) -> Any:
    """A missing or stale CSRF token: say what to do, change nothing."""
    message = _("Your form expired or was sent from another site. Reload the page and try again.")
    if wants_json():
        return json_error(400, "csrf_failed", message)
    return _page(400, _("Please try again"), message)


def _busy(error: Unavailable) -> Any:
    """503 with Retry-After: the API's format, or a page that says to try again shortly."""
    if wants_json():
        return json_error(503, error.code, error.message, error.fields, retry_after=error.retry_after)
    body, status = _page(503, str(BUSY_TITLE), error.message, retry_after=error.retry_after)
    return body, status, {"Retry-After": str(error.retry_after)}


def handle_unexpected(error: Exception) -> Any:
    """Any other exception: logged with its request id, a 500 that discloses nothing; a busy or
    unreachable database is a 503 that says to try again."""
    if database_unavailable(error):
        log.warning("database unavailable: %s", error)
        return _busy(database_busy())
    log.exception("unhandled error")
    if wants_json():
        return json_error(500, "server_error", str(HTTP_CODES[500][1]))
    return _page(500, _("Something went wrong"), str(HTTP_CODES[500][1]))


def register_error_handlers(app: Flask) -> None:
    """Install the handlers (after any extension's own, so these win)."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(Exception, handle_unexpected)

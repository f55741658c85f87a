"""What the faces of every domain share: rendering a form, calling a service once, reading a body.

A page or an API route parses its input, calls one service through ``service_call`` (which commits
once, or rolls back when the service refuses), and renders or serialises the result.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from odr.platform.errors import ServiceError, ValidationFailed
from odr.platform.extensions import db


class FormErrors(dict[str, list[str]]):
    """A refused form's messages per field, and the label each field has on the page.

    The field macros record their labels as they render (``name_field``), so the error summary at
    the top of the page can name each field it lists and link to it.
    """

    def __init__(self, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(fields or {})
        self.labels: dict[str, str] = {}

    def name_field(self, name: str, label: Any) -> str:
        """Record that the input ``name`` is labelled ``label`` on the page; renders nothing."""
        self.labels.setdefault(name, str(label))
        return ""


def render_form(template: str, *, error: ServiceError | None = None, status: int = 200, **context: Any) -> Any:
    """Render a form page; a refused submission comes back with its field messages, as 400.

    ``page_url`` in the context is the page's own address, for a form that posts elsewhere.

    With messages, the page is drawn twice: the first time the fields record their labels, the
    second time the summary above them names and links each field.
    """
    if error is not None:
        status = 400 if error.status < 500 else error.status
        context.setdefault("errors", error.fields)
        context.setdefault("message", error.message)
    errors = FormErrors(context.get("errors") or {})
    context["errors"] = errors
    # A form that posts to an address of its own (``/screening/accept``) comes back there; the page
    # tells the browser its own address (``page_url``), so that the address bar, a reload or a
    # bookmark shows the page and not a URL that only takes a POST.
    if request.method != "POST" or context.get("page_url") == request.path:
        context["page_url"] = None
    body = render_template(template, **context)
    if errors:
        body = render_template(template, **context)
    return body, status


def service_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a service and commit once; roll back and re-raise when it refuses."""
    try:
        result = fn(*args, **kwargs)
        db.session.commit()
        return result
    except (ServiceError, HTTPException):
        db.session.rollback()
        raise


def settings() -> Any:
    """The platform's settings."""
    return current_app.config["ODR"]


def json_body() -> dict[str, Any]:
    """The request's JSON object; anything else is a 400 in the one error format."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed(_("The request body must be a JSON object."))
    return body

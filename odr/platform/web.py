"""The web shell's own routes: health checks and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request, session
from sqlalchemy import text
from werkzeug.wrappers import Response

from odr.platform.extensions import db, limiter
from odr.platform.i18n import LANGUAGES
from odr.platform.security import is_local_path

bp = Blueprint("web", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    """The process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz() -> Response | tuple[Response, int]:
    """The database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready
        current_app.logger.exception("readiness check failed")
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def choose_language() -> Response:
    """Remember the language a person chose; back to where they were."""
    code = request.form.get("language", "")
    if code in LANGUAGES:
        session["locale"] = code
    target = request.form.get("next", "/")
    if not is_local_path(target):
        target = "/"
    return redirect(target, code=303)

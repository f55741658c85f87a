"""The web shell's own routes: health checks, the front door and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
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


@bp.get("/")
def front_door() -> str:
    """Where someone lands without their provider's address (the demo lists its tenants)."""
    tenants = []
    if not current_app.config["ODR"].production:
        from odr.platform.models import tenant_directory

        tenants = tenant_directory(db.session)
    return render_template("front_door.html", tenants=tenants)


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

"""How long this browser's sign-in lasts, for the page's warning before an idle sign-out (WCAG 2.2.1).

``GET`` only looks and is no activity, so a page left open does not keep itself signed in; ``POST``
is the person's "stay signed in" and counts as activity.
"""

from __future__ import annotations

import math
from typing import Any

from flask import current_app, g, jsonify
from flask_login import current_user, login_required

from odr.platform.db import utcnow
from odr.platform.extensions import db
from odr.tenants.auth import limits
from odr.tenants.sessions import ends_at, touch_session
from odr.tenants.web import bp


def warning_seconds() -> int:
    """How long before an idle sign-out the page warns: two minutes, or half a shorter idle time."""
    idle = current_app.config["ODR"].session_idle_minutes * 60
    return min(120, idle // 2)


def seconds_left(*, touched: bool) -> int:
    """How many seconds this browser stays signed in if nothing more happens (``touched``: this
    request counts as activity)."""
    idle, absolute = limits()
    end = ends_at(g.user_session, touched=touched, idle=idle, absolute=absolute)
    return max(0, math.floor((end - utcnow()).total_seconds()))


@bp.app_context_processor
def _session_helpers() -> dict[str, Any]:
    # A page that loads is activity: its refresh is written after the view (``touch_session_id``).
    return {
        "session_seconds_left": lambda: seconds_left(touched="touch_session_id" in g),
        "session_warning_seconds": warning_seconds,
    }


def _state(*, touched: bool) -> Any:
    if not current_user.is_authenticated:
        response = jsonify(signed_in=False, expires_in=0)
    else:
        response = jsonify(signed_in=True, expires_in=seconds_left(touched=touched), warn=warning_seconds())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/session")
def session_state() -> Any:
    """Whether this browser is signed in, and for how many more seconds if nothing happens."""
    response = _state(touched=False)
    g.pop("touch_session_id", None)  # looking is not activity: the refresh load_user planned is dropped
    return response


@bp.post("/session")
@login_required
def session_extend() -> Any:
    """Stay signed in: counts as activity, so the idle time starts again now."""
    g.pop("touch_session_id", None)
    touch_session(db.session, g.user_session.id)  # even within the minute load_user waits between writes
    db.session.commit()
    return _state(touched=True)

"""The bell and the list of one's notifications; opening one marks it read and follows its link."""

from __future__ import annotations

import logging
from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from odr.platform.db import write_intent
from odr.platform.extensions import db
from odr.platform.handlers import render_form, service_call
from odr.platform.permissions import require
from odr.tenants.notifications import services
from odr.tenants.web import bp

log = logging.getLogger(__name__)

PAGE_SIZE = 50


@bp.app_context_processor
def _notification_bell() -> dict[str, Any]:
    return {"notification_bell": bell}


def bell() -> dict[str, Any] | None:
    """The bell of the signed-in user in their tenant: the unread count and the list's address."""
    if "notification_bell" in g:
        return g.notification_bell
    state = None
    tenant = g.get("tenant")
    user = current_user
    if tenant is not None and getattr(user, "is_authenticated", False) and user.tenant_id == tenant.id:
        try:
            count = services.unread_count(db.session, user)
        except SQLAlchemyError:  # an error page after a failed transaction still renders, without the number
            log.debug("no unread count for the bell", exc_info=True)
            count = None
        state = {"count": count, "url": url_for("tenants.notifications")}
    g.notification_bell = state
    return state


@bp.get("/notifications")
@login_required
def notifications() -> Any:
    """The signed-in user's notifications, newest first."""
    require(current_user, "notifications.view")
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    rows = services.recent(db.session, current_user, limit=PAGE_SIZE + 1, offset=(page_number - 1) * PAGE_SIZE)
    return render_form(
        "tenants/notifications/list.html",
        notifications=rows[:PAGE_SIZE],
        page=page_number,
        has_more=len(rows) > PAGE_SIZE,
        unread=services.unread_count(db.session, current_user),
    )


@bp.post("/notifications/read")
@login_required
def notifications_read() -> Response:
    """Mark every notification of the signed-in user read."""
    require(current_user, "notifications.view")
    changed = service_call(services.mark_read, db.session, current_user)
    if changed:
        flash(ngettext("%(num)s notification marked as read.", "%(num)s notifications marked as read.", changed),
              "success")
    return redirect(url_for("tenants.notifications"), code=303)


@bp.get("/notifications/<public_id>")
@login_required
def notification_open(public_id: str) -> Response:
    """Mark one notification read and go where it leads (its list when it leads nowhere)."""
    # A GET that writes: end the read transaction and take SQLite's write lock up front, so a
    # concurrent request of the same browser cannot make this one fail with "database is locked".
    db.session.commit()
    with write_intent():
        notification = service_call(services.open_notification, db.session, current_user, public_id)
    link = notification.link
    if link is not None and services.is_local_path(link):
        return redirect(link, code=303)
    return redirect(url_for("tenants.notifications"), code=303)

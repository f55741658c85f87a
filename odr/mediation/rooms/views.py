"""The room's pages: the case room itself (live with JavaScript, complete without), and reply templates.

Without JavaScript the room is a page per channel with a form to write; with it, the page joins the
case over Socket.IO and shows new messages, presence and typing as they happen.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from odr.mediation.core.events import JOINT
from odr.mediation.core.labels import CHANNELS, REPRESENTATIVE_OF, readable_label
from odr.mediation.core.models import Side
from odr.mediation.deadlines import display
from odr.mediation.rooms import presence, replies, services
from odr.mediation.rooms.models import MAX_TEXT
from odr.mediation.rooms.presenting import linkify, parse_iso, synced_view
from odr.platform.db import utcnow
from odr.platform.errors import Forbidden, ServiceError, ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import render_form, service_call
from odr.platform.permissions import can, require
from odr.tenants.models import Role
from odr.tenants.web import add_slug, enter_tenant, role_label

bp = Blueprint("rooms", __name__, url_prefix="/t/<slug>", template_folder="templates")
bp.url_value_preprocessor(enter_tenant)
bp.url_defaults(add_slug)
bp.add_app_template_filter(linkify)
bp.add_app_template_filter(readable_label)
bp.add_app_template_global(parse_iso)

# The order channels are offered in: the shared conversation first.
CHANNEL_ORDER = {"joint": 0, "caucus:customer": 1, "caucus:insurer": 2, "staff": 3}


def role_names() -> dict[str, str]:
    """How the room names each kind of author, in the reader's language (the page and its script)."""
    names = {role.value: role_label(role) for role in Role}
    names.update({f"representative:{side.value}": str(REPRESENTATIVE_OF[side]) for side in Side})
    names["system"] = _("automatic")
    return names


def _channel(channels: list[str], requested: str | None) -> str:
    if requested in channels:
        return str(requested)
    return JOINT if JOINT in channels else channels[0]


def render_room(public_id: str, *, error: ServiceError | None = None, draft: str = "", **extra: Any) -> Any:
    """The room of case ``public_id`` in the channel the query names; a refused message comes back."""
    case = services.room_case(db.session, current_user, public_id)
    state = services.room_state(db.session, current_user, case)
    channel = _channel(state.channels, request.values.get("channel"))
    history = services.channel_history(db.session, current_user, case, channel)
    entries = [synced_view(event, message, case) for event, message in history]
    now = utcnow()
    templates = []
    if can(current_user, "rooms.use_templates") and channel in state.postable:
        templates = [(str(t.public_id), t.title, replies.fill_template(t.text, case))
                     for t in replies.reply_templates(db.session, current_user)]
        chosen = request.args.get("template")
        if chosen and not draft:
            draft = next((text for key, _title, text in templates if key == chosen), "")
    context: dict[str, Any] = {
        "case": case,
        "channel": channel,
        "channels": sorted(state.channels, key=lambda c: CHANNEL_ORDER.get(c, 9)),
        "channel_labels": {key: str(label) for key, label in CHANNELS.items()},
        "state": state,
        "entries": entries,
        "retractable": {
            event.seq for event, message in history
            if message is not None and message.author_id == current_user.id and message.retracted_at is None
            and now - message.created_at < services.RETRACT_WINDOW
        },
        "moderator": can(current_user, "rooms.moderate", case),
        "present": presence.present_users(db.session, case),
        "templates": templates,
        "draft": draft,
        "max_text": MAX_TEXT,
        "role_names": role_names(),
        "clock": display.clock_of(case, g.tenant, now),
        "steps": display.next_steps(case, display.open_deadlines(db.session, case), current_user, g.tenant, now),
        "retract_minutes": int(services.RETRACT_WINDOW / timedelta(minutes=1)),
        "client_id": uuid4().hex,
        **extra,  # what a capability's panel in the room needs back after a refusal (its form)
    }
    return render_form("rooms/room.html", error=_for_the_page(error), **context)


# What a person types in the room's forms; the rest (the channel, the message id, a sequence number,
# the mode) the page fills in itself, so a refusal of those means the page was out of date.
TYPED = {"text", "amount", "terms", "expires_in_days", "offer_channel",  # the message; an offer's fields
         "proposal_amount", "proposal_terms", "proposal_expires_in_days",  # the mediator's proposal
         "figure"}  # a blind bid's figure


def _for_the_page(error: ServiceError | None) -> ServiceError | None:
    """A refusal as the room page shows it: a field the person cannot see is no link in the summary
    but the page's own message, to reload it."""
    if not isinstance(error, ValidationFailed) or not set(error.fields) - TYPED:
        return error
    return ValidationFailed(
        _("This page was out of date, so that could not be done. Reload the page and try again."),
        {name: texts for name, texts in error.fields.items() if name in TYPED})


@bp.get("/cases/<public_id>/room")
@login_required
def room(public_id: str) -> Any:
    """The case room."""
    return render_room(public_id)


def _back(public_id: str, channel: str) -> Any:
    return redirect(url_for("rooms.room", public_id=public_id, channel=channel, _anchor="conversation"), 303)


@bp.post("/cases/<public_id>/room/messages")
@login_required
def send(public_id: str) -> Any:
    """Write a message without JavaScript (the script sends over the socket instead)."""
    case = services.room_case(db.session, current_user, public_id)
    data = {"channel": request.form.get("channel", ""), "client_id": request.form.get("client_id", ""),
            "text": request.form.get("text", "")}
    try:
        service_call(services.post_message, db.session, current_user, case, data)
    except ServiceError as exc:
        return render_room(public_id, error=exc, draft=data["text"])
    return _back(public_id, data["channel"])


@bp.post("/cases/<public_id>/room/retract")
@login_required
def retract(public_id: str) -> Any:
    """Take back one's message."""
    case = services.room_case(db.session, current_user, public_id)
    try:
        message = service_call(services.retract, db.session, current_user, case, {"seq": request.form.get("seq")})
    except ServiceError as exc:
        return render_room(public_id, error=exc)
    flash(_("Your message was taken back."), "success")
    return _back(public_id, message.channel)


@bp.post("/cases/<public_id>/room/carry")
@login_required
def carry(public_id: str) -> Any:
    """The mediator carries a message to another channel."""
    case = services.room_case(db.session, current_user, public_id)
    data = {"seq": request.form.get("seq"), "to": request.form.get("to", "")}
    try:
        message = service_call(services.carry, db.session, current_user, case, data)
    except Forbidden:
        raise  # not theirs to do: the refusal page, not the room
    except ServiceError as exc:
        return render_room(public_id, error=exc)
    flash(_("The message was carried across to: %(channel)s.", channel=CHANNELS.get(message.channel, "")), "success")
    return _back(public_id, message.channel)


@bp.post("/cases/<public_id>/room/mode")
@login_required
def mode(public_id: str) -> Any:
    """Switch shuttle-only mode on or off."""
    case = services.room_case(db.session, current_user, public_id)
    data = {"shuttle_only": request.form.get("shuttle_only", ""), "reason": request.form.get("reason", "")}
    try:
        service_call(services.set_shuttle_only, db.session, current_user, case, data)
    except Forbidden:
        raise  # not theirs to do: the refusal page, not the room
    except ServiceError as exc:
        return render_room(public_id, error=exc)
    return _back(public_id, request.form.get("channel") or JOINT)


# Reply templates ------------------------------------------------------------------------------------


def _templates_page(error: ServiceError | None = None, form: dict[str, Any] | None = None,
                    editing: Any = None) -> Any:
    require(current_user, "rooms.use_templates")
    return render_form(
        "rooms/templates.html", error=error,
        templates=replies.reply_templates(db.session, current_user),
        may_share=can(current_user, "rooms.manage_shared_templates"),
        form=form or {}, editing=editing,
    )


@bp.get("/reply-templates")
@login_required
def templates() -> Any:
    """The reply templates one may use, and a form for a new one."""
    return _templates_page()


@bp.post("/reply-templates")
@login_required
def template_create() -> Any:
    """Save a new reply template."""
    form = request.form.to_dict()
    try:
        service_call(replies.save_reply_template, db.session, current_user, form)
    except ValidationFailed as exc:
        return _templates_page(exc, form)
    flash(_("The template is saved."), "success")
    return redirect(url_for("rooms.templates"), 303)


@bp.get("/reply-templates/<public_id>")
@login_required
def template_edit(public_id: str) -> Any:
    """One template, to change."""
    template = replies.reply_template(db.session, current_user, public_id, for_change=True)
    form = {"title": template.title, "text": template.text, "shared": template.owner_id is None}
    return _templates_page(form=form, editing=template)


@bp.post("/reply-templates/<public_id>")
@login_required
def template_update(public_id: str) -> Any:
    """Save changes to a template."""
    template = replies.reply_template(db.session, current_user, public_id, for_change=True)
    form = request.form.to_dict()
    try:
        service_call(replies.save_reply_template, db.session, current_user, form, template)
    except ValidationFailed as exc:
        return _templates_page(exc, form, template)
    flash(_("The template is saved."), "success")
    return redirect(url_for("rooms.templates"), 303)


@bp.post("/reply-templates/<public_id>/delete")
@login_required
def template_delete(public_id: str) -> Any:
    """Remove a template."""
    template = replies.reply_template(db.session, current_user, public_id, for_change=True)
    service_call(replies.delete_reply_template, db.session, current_user, template)
    flash(_("The template is deleted."), "success")
    return redirect(url_for("rooms.templates"), 303)

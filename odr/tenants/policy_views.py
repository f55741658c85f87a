"""The tenant's policy page: every setting with its unit, default and meaning; a change is reviewed first.

Saving takes two steps. The form posts to ``/admin/policy/review``, which checks every value (a
refused form comes back with each field's message) and shows what would change and which open
deadlines would move; the review posts the same values to ``/admin/policy`` with the admin's
choice to keep the deadlines already set or to recompute them.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from odr.platform.errors import ValidationFailed
from odr.platform.extensions import db
from odr.platform.handlers import render_form, service_call
from odr.platform.permissions import can, require
from odr.tenants import policy_changes
from odr.tenants import policy_settings as registry
from odr.tenants.web import bp


def _form(data: MultiDict[str, str]) -> dict[str, Any]:
    """The posted inputs as the schema reads them: a list for a setting of several choices."""
    form: dict[str, Any] = {}
    for setting in registry.all_settings():
        if setting.kind is registry.Kind.CHOICES:
            values = data.getlist(setting.name)
            if values:
                form[setting.name] = values
        elif setting.name in data:
            form[setting.name] = data.get(setting.name, "")
    return form


def _page(form: dict[str, Any], **context: Any) -> Any:
    history = policy_changes.history(db.session, g.tenant)
    return render_form(
        "tenants/admin/policy.html", form=form, sections=registry.sections(), history=history,
        settings_by_path={s.path: s for s in registry.all_settings()},
        may_change=can(current_user, "policy.manage"), page_url=url_for("tenants.policy"), **context,
    )


@bp.get("/admin/policy")
@login_required
def policy() -> Any:
    """The tenant's policy, each setting with its meaning and default, and the changes made to it."""
    require(current_user, "policy.view")
    return _page(registry.form_values(g.tenant.policy or {}))


@bp.post("/admin/policy/review")
@login_required
def policy_review() -> Any:
    """Check the submitted policy and show what it would change before it is saved."""
    require(current_user, "policy.manage")
    form = _form(request.form)
    try:
        values = policy_changes.load_form(form)
    except ValidationFailed as error:
        return _page({**registry.form_values(g.tenant.policy or {}), **_shown(form)}, error=error)
    review = policy_changes.review(db.session, current_user, g.tenant, values)
    if not review.changes:
        flash(_("Nothing was changed."), "success")
        return redirect(url_for("tenants.policy"), code=303)
    touched = {c.setting.path for c in review.changes}
    notes = [note for section in registry.sections() for path, note in section.notes if path in touched]
    return render_form("tenants/admin/policy_review.html", review=review, form=form, notes=notes,
                       hidden=_hidden(form), page_url=url_for("tenants.policy"))


@bp.post("/admin/policy")
@login_required
def policy_save() -> Any:
    """Save the reviewed policy, keeping the deadlines already set or moving them, as chosen."""
    require(current_user, "policy.manage")
    form = _form(request.form)
    if request.form.get("step") == "edit":
        return _page({**registry.form_values(g.tenant.policy or {}), **_shown(form)})
    try:
        values = policy_changes.load_form(form)
        recompute = request.form.get("deadlines") == "recompute"
        saved = service_call(policy_changes.save, db.session, current_user, g.tenant, values, recompute=recompute)
    except ValidationFailed as error:
        return _page({**registry.form_values(g.tenant.policy or {}), **_shown(form)}, error=error)
    if not saved.changes:
        flash(_("Nothing was changed."), "success")
    else:
        text = ngettext("%(num)s setting of the policy is changed.", "%(num)s settings of the policy are changed.",
                        len(saved.changes))
        if recompute:
            text += " " + ngettext("%(num)s open deadline was moved.", "%(num)s open deadlines were moved.",
                                   saved.moved)
        flash(text, "success")
    return redirect(url_for("tenants.policy"), code=303)


def _shown(form: dict[str, Any]) -> dict[str, Any]:
    """The submitted inputs to show again; a switch not ticked is off."""
    shown = dict(form)
    for setting in registry.all_settings():
        if setting.kind is registry.Kind.SWITCH:
            shown[setting.name] = str(form.get(setting.name, "")).lower() in {"1", "true", "on", "yes"}
        if setting.kind is registry.Kind.CHOICES:
            shown.setdefault(setting.name, [])
    return shown


def _hidden(form: dict[str, Any]) -> list[tuple[str, str]]:
    """The submitted inputs as hidden (name, value) pairs, so the review posts exactly what was reviewed."""
    pairs: list[tuple[str, str]] = []
    for setting in registry.all_settings():
        value = form.get(setting.name)
        if value is None:
            if setting.kind is registry.Kind.DAY_LIST:
                pairs.append((setting.name, ""))
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.append((setting.name, str(item)))
    return pairs

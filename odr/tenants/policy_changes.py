"""Use cases on the tenant's policy: see what a change would do, then save it with a record of it.

A change is reviewed before it is saved: every setting that differs, and every open deadline it
would move. Deadlines already set keep their dates unless the admin chooses to recompute them;
either way each changed setting is one ``PolicyChange`` row (who, when, from, to, recomputed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from odr.platform.db import utcnow
from odr.platform.errors import ValidationFailed
from odr.platform.permissions import require
from odr.platform.schemas import load
from odr.tenants import policy_settings as registry
from odr.tenants.models import PolicyChange, Tenant, User

audit = logging.getLogger("odr.audit")

OPERATOR = "odr policy set"  # who a change made on the command line is recorded as


@dataclass(frozen=True)
class Change:
    """One setting that a submitted policy changes."""

    setting: registry.Setting
    old: Any
    new: Any


@dataclass(frozen=True)
class Saved:
    """What saving a policy did: the settings changed, and how many open deadlines moved."""

    changes: list[Change]
    moved: int


@dataclass(frozen=True)
class Review:
    """A submitted policy before it is saved: what changes, and which open deadlines would move."""

    values: dict[str, Any]  # every setting, by path, as submitted
    changes: list[Change]
    effects: list[registry.Effect]


def load_form(form: dict[str, Any]) -> dict[str, Any]:
    """The policy form's inputs checked and turned into stored values, by path; a refusal names each field."""
    return registry.by_path(load(registry.schema(), form))


def review(session: Session, actor: User, tenant: Tenant, values: dict[str, Any]) -> Review:
    """What saving ``values`` (loaded by ``load_form``) would change, and the open deadlines it would move."""
    require(actor, "policy.manage")
    changes = [Change(s, old, new) for s, old, new in registry.changed(tenant.policy or {}, values)]
    new_policy = registry.with_values(tenant.policy or {}, values)
    effects: list[registry.Effect] = []
    if changes:
        touched = {c.setting.path for c in changes}
        for section in registry.sections():
            if section.effects and touched & registry.paths(section.settings):
                effects.extend(section.effects(session, tenant, tenant.policy or {}, new_policy))
    effects.sort(key=lambda e: (e.case_reference, e.what))
    return Review(values, changes, effects)


def save(session: Session, actor: User | None, tenant: Tenant, values: dict[str, Any], *,
         recompute: bool) -> Saved:
    """Save ``values`` as the tenant's policy; with ``recompute`` the open deadlines move to the new values.

    Returns the changes made (none when nothing differs, and then nothing is written). ``actor`` is
    None for an operator's command, which the record names as such.
    """
    if actor is not None:
        require(actor, "policy.manage")
    changes = [Change(s, old, new) for s, old, new in registry.changed(tenant.policy or {}, values)]
    if not changes:
        return Saved([], 0)
    old_policy = tenant.policy or {}
    new_policy = registry.with_values(old_policy, {c.setting.path: c.new for c in changes})
    touched = {c.setting.path for c in changes}
    moved = 0
    tenant.policy = new_policy  # a new object, so the JSON column is written; read by what follows
    if recompute:
        for section in registry.sections():
            if section.apply and touched & registry.paths(section.settings):
                moved += section.apply(session, tenant, actor, old_policy, new_policy)
    now = utcnow()
    for change in changes:
        session.add(PolicyChange(
            tenant_id=tenant.id, changed_at=now, actor_id=actor.id if actor else None,
            actor_label=f"{actor.full_name} ({actor.role.value})" if actor else OPERATOR,
            setting=change.setting.path,
            old_value=change.old, new_value=change.new, recomputed=recompute, moved=moved,
        ))
    session.flush()
    who = str(actor.public_id) if actor else OPERATOR
    audit.info("tenant=%s actor=%s action=policy.changed settings=%s recomputed=%s moved=%s",
               tenant.id, who, ",".join(sorted(touched)), recompute, moved,
               extra={"audit": {"action": "policy.changed", "actor": who,
                                "settings": sorted(touched), "recomputed": recompute, "moved": moved}})
    return Saved(changes, moved)


def history(session: Session, tenant: Tenant, limit: int = 100) -> list[PolicyChange]:
    """The latest changes to the tenant's policy, newest first."""
    return list(session.scalars(
        select(PolicyChange).where(PolicyChange.tenant_id == tenant.id)
        .order_by(PolicyChange.changed_at.desc(), PolicyChange.id.desc()).limit(limit)))


def set_from_text(session: Session, actor: User | None, tenant: Tenant, assignments: dict[str, str], *,
                  recompute: bool) -> Saved:
    """Set settings given as ``path: text`` (the command line), checked as the page checks them."""
    unknown = [path for path in assignments if registry.setting_at(path) is None]
    if unknown:
        raise ValidationFailed.on_fields({path: [str(_l("There is no such setting."))] for path in unknown})
    form = registry.form_values(tenant.policy or {})
    for path, text in assignments.items():
        setting = registry.setting_at(path)
        assert setting is not None
        if setting.kind is registry.Kind.CHOICES:
            form[setting.name] = [t.strip() for t in text.split(",") if t.strip()]
        elif setting.kind is registry.Kind.SWITCH:
            form[setting.name] = text.lower() in {"1", "true", "on", "yes"}
        else:
            form[setting.name] = text
    form = {k: v for k, v in form.items() if v is not False and v != []}
    return save(session, actor, tenant, load_form(form), recompute=recompute)

"""The one ``can(user, action, target)``: domains register their rules, everything asks here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask_babel import gettext as _

from odr.platform.errors import Forbidden, NotFound


class Actor(Protocol):
    """What a rule needs of a user."""

    id: int
    tenant_id: int
    role: Any
    is_active: bool


Rule = Callable[[Actor, Any], bool]


@dataclass(frozen=True)
class Action:
    """A registered action: its name, the kind of target it takes, and its rule."""

    name: str
    target: str
    rule: Rule
    description: str


_REGISTRY: dict[str, Action] = {}


def rule(name: str, *, target: str = "tenant", description: str = "") -> Callable[[Rule], Rule]:
    """Register the rule deciding ``name``; each action is registered exactly once."""

    def decorator(fn: Rule) -> Rule:
        if name in _REGISTRY:
            raise ValueError(f"action {name!r} is registered twice")
        _REGISTRY[name] = Action(name, target, fn, description or (fn.__doc__ or "").strip())
        return fn

    return decorator


def actions() -> dict[str, Action]:
    """Every registered action (the permission matrix test walks these)."""
    return dict(_REGISTRY)


def _same_tenant(user: Actor, target: Any) -> bool:
    tenant_id = getattr(target, "tenant_id", None)
    if tenant_id is None and hasattr(target, "slug"):
        tenant_id = target.id  # the target is the tenant itself
    return tenant_id is None or tenant_id == user.tenant_id


def can(user: Actor | None, action: str, target: Any = None) -> bool:
    """May ``user`` do ``action`` to ``target``? Unknown actions are refused."""
    entry = _REGISTRY.get(action)
    if entry is None:
        raise KeyError(f"unknown action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if target is not None and not _same_tenant(user, target):
        return False
    return bool(entry.rule(user, target))


def require(user: Actor | None, action: str, target: Any = None) -> None:
    """Raise unless ``can``: another tenant's record is not found, never forbidden."""
    if can(user, action, target):
        return
    if user is not None and target is not None and not _same_tenant(user, target):
        raise NotFound(_("We could not find that."))
    raise Forbidden(_("You are not allowed to do this."))

"""The one ``can(user, action, target)``: domains register their rules, everything asks here.

A domain collects its rules where it writes them, in a ``Rules`` set, and its ``register(app)``
hands the set to ``register_rules``: nothing is registered by being imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from flask_babel import gettext as _

from odr.platform.errors import Forbidden, NotFound


class Actor(Protocol):
    """What a rule needs of a user."""

    id: int
    tenant_id: int
    role: Any
    is_active: bool


@runtime_checkable
class Owned(Protocol):
    """What ``can()`` asks of a target: the tenant it belongs to (a tenant belongs to itself)."""

    def owning_tenant_id(self) -> int:
        """The id of the tenant the target belongs to."""
        ...


Rule = Callable[[Actor, Any], bool]


@dataclass(frozen=True)
class Action:
    """A registered action: its name, the kind of target it takes, and its rule."""

    name: str
    target: str
    rule: Rule
    description: str


_REGISTRY: dict[str, Action] = {}


class Rules:
    """A domain's rules, collected where they are written; ``register_rules`` makes them count."""

    def __init__(self) -> None:
        self._actions: dict[str, Action] = {}

    def rule(self, name: str, *, target: str = "tenant", description: str = "") -> Callable[[Rule], Rule]:
        """Declare the rule deciding ``name``; each action is declared exactly once."""

        def decorator(fn: Rule) -> Rule:
            if name in self._actions:
                raise ValueError(f"action {name!r} is declared twice")
            self._actions[name] = Action(name, target, fn, description or (fn.__doc__ or "").strip())
            return fn

        return decorator

    def __iter__(self) -> Iterator[Action]:
        return iter(self._actions.values())


def register_rules(rules: Rules) -> None:
    """Make ``rules`` answer in ``can()``; registering the same set again changes nothing."""
    for action in rules:
        known = _REGISTRY.get(action.name)
        if known is not None and known is not action:
            raise ValueError(f"action {action.name!r} is registered twice")
        _REGISTRY[action.name] = action


def actions() -> dict[str, Action]:
    """Every registered action (the permission matrix test walks these)."""
    return dict(_REGISTRY)


def _same_tenant(user: Actor, target: Any) -> bool:
    """A target that belongs to a tenant must belong to the user's; anything else is no tenant's."""
    return not isinstance(target, Owned) or target.owning_tenant_id() == user.tenant_id


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

"""The registry of event kinds: what may be written in a case's stream, and how each entry reads.

Each capability declares the kinds it writes, beside the code that writes them, in an
``EventKinds`` set: the name, the channels an entry of that kind may be written in, whether the
case page's record lists it, and how it reads in the reader's language. Its ``register(app)``
hands the set to ``register_kinds``. ``append_event`` refuses a kind nobody registered, and the
timeline and the room ask ``describe`` for an entry's words, so no module needs to know the
kinds of another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from odr.mediation.core.channels import CHANNELS

if TYPE_CHECKING:
    from odr.mediation.core.models import Case

# ``describe(payload, case)`` -> (title, detail), in the reader's language (called with a request's
# or a job's locale in force). A describer reads the payload with ``.get``: entries written by
# older code may lack a key.
Describe = Callable[[dict[str, Any], "Case"], tuple[str, str]]


@dataclass(frozen=True)
class EventKind:
    """One kind of entry in a case's stream."""

    name: str
    describe: Describe
    channels: frozenset[str]
    timeline: bool  # listed in the case page's record (messages live in the room instead)


class EventKinds:
    """A capability's kinds, declared where they are written; ``register_kinds`` makes them count."""

    def __init__(self) -> None:
        self._kinds: dict[str, EventKind] = {}

    def declare(self, name: str, describe: Describe, *, channels: frozenset[str] | tuple[str, ...] = CHANNELS,
                timeline: bool = True) -> str:
        """Declare ``name``; returns it, so the writer uses the constant, not a string of its own.

        :param describe: how an entry reads: ``(payload, case) -> (title, detail)``
        :param channels: the channels an entry of this kind may be written in
        :param timeline: whether the case page's record lists it
        """
        if name in self._kinds:
            raise ValueError(f"event kind {name!r} is declared twice")
        unknown = set(channels) - set(CHANNELS)
        if unknown:
            raise ValueError(f"event kind {name!r}: unknown channels {sorted(unknown)}")
        self._kinds[name] = EventKind(name, describe, frozenset(channels), timeline)
        return name

    def __iter__(self) -> Iterator[EventKind]:
        return iter(self._kinds.values())


_REGISTRY: dict[str, EventKind] = {}


def register_kinds(kinds: EventKinds) -> None:
    """Make ``kinds`` writable and readable; registering the same set again changes nothing."""
    for kind in kinds:
        known = _REGISTRY.get(kind.name)
        if known is not None and known is not kind:
            raise ValueError(f"event kind {kind.name!r} is registered twice")
        _REGISTRY[kind.name] = kind


def registered() -> dict[str, EventKind]:
    """Every registered kind (the tests walk these)."""
    return dict(_REGISTRY)


def check_writable(name: str, channel: str) -> None:
    """Raise ``ValueError`` unless an entry of kind ``name`` may be written in ``channel``."""
    kind = _REGISTRY.get(name)
    if kind is None:
        raise ValueError(f"event kind {name!r} was never declared and registered")
    if channel not in kind.channels:
        raise ValueError(f"event kind {name!r} is not written in channel {channel!r}")


def describe(name: str, payload: dict[str, Any] | None, case: Case) -> tuple[str, str]:
    """The title and the detail of an entry, in the reader's language."""
    kind = _REGISTRY.get(name)
    if kind is None:  # an entry of a kind no longer declared still reads as something
        return name, str((payload or {}).get("reason") or "")
    title, detail = kind.describe(payload or {}, case)
    return str(title), str(detail)


def in_timeline(name: str) -> bool:
    """Whether the case page's record lists entries of kind ``name``."""
    kind = _REGISTRY.get(name)
    return kind is None or kind.timeline

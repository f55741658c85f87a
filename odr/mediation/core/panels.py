"""What capabilities add to a case's page without the page importing them: its panels.

A capability registers a panel builder in its ``register(app)``; the case page asks every
registered builder for its part and hands each result to its template under the panel's name.
A builder returns None when it has nothing to show this viewer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from odr.mediation.core.models import Case

# ``build(session, user, case, next_path=...)`` -> the panel's context, or None.
Build = Callable[..., Any]
_PANELS: dict[str, Build] = {}


def register_panel(name: str, build: Build) -> None:
    """Add the panel ``name`` to every case page; registering the same builder again changes nothing."""
    known = _PANELS.get(name)
    if known is not None and known is not build:
        raise ValueError(f"case panel {name!r} is registered twice")
    _PANELS[name] = build


def case_panels(session: Session, user: Any, case: Case, *, next_path: str) -> dict[str, Any]:
    """Every registered panel's part of ``case``'s page for ``user``, by name."""
    return {name: build(session, user, case, next_path=next_path) for name, build in _PANELS.items()}

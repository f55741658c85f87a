"""The case kernel: the Case and its state table, its parties, its access rules, the event stream
with its chain, the registry of event kinds and the signals between capabilities.

It imports no capability; capabilities import it and plug into it from their ``register(app)``.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """The kernel's part: its access rules, the state-change kind, the access-version hook, ``odr audit``."""
    from sqlalchemy.orm import Session

    from odr.mediation.core import access, lifecycle
    from odr.mediation.core.cli import audit_cli
    from odr.mediation.core.kinds import register_kinds
    from odr.mediation.core.models import move_access_versions
    from odr.platform.db import listen_once
    from odr.platform.permissions import register_rules

    register_rules(access.RULES)
    register_kinds(lifecycle.KINDS)
    listen_once(Session, "before_flush", move_access_versions)
    app.cli.add_command(audit_cli)

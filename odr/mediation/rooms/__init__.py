"""The case room: messages in the joint channel and the two caucuses, live over Socket.IO."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """The room: its pages, socket events, broadcasts, the unread digest, its rules and kinds."""
    from odr.mediation.core.events import on_committed
    from odr.mediation.core.kinds import register_kinds
    from odr.mediation.rooms import broadcast, events, kinds, policy, policy_section, tasks, views
    from odr.platform.gateway import on_disconnect, register_events
    from odr.platform.jobs import jobs
    from odr.platform.permissions import register_rules
    from odr.tenants.policy_settings import register_section

    register_rules(policy.RULES)
    register_kinds(kinds.KINDS)
    register_section(policy_section.section())
    app.register_blueprint(views.bp)
    register_events(events.EVENTS)
    on_disconnect(events.forget_socket)
    on_committed(broadcast.publish)
    jobs.register(app, tasks.JOBS)

"""Who may see the case managers' task list, registered into the one ``can()``."""

from __future__ import annotations

from typing import Any

from odr.platform.permissions import Rules
from odr.tenants.models import Role

RULES = Rules()


@RULES.rule("tasks.list", description="See the open tasks, such as phoning a silent party, across cases")
def _tasks(user: Any, target: Any) -> bool:
    return Role(user.role) in {Role.ADMIN, Role.CASE_MANAGER}

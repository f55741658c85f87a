"""Tenant scoping: one mixin, automatic read criteria, and a guard against foreign writes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria

from odr.platform.db import listen_once

TENANT_KEY = "tenant_id"


class CrossTenantWrite(RuntimeError):
    """A row of another tenant was about to be written in this tenant's session."""


class TenantScoped:
    """Every tenant-owned table carries ``tenant_id`` through this mixin."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr takes the class
        return mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)

    def owning_tenant_id(self) -> int:
        """The tenant the row belongs to (what ``can()`` compares with the user's)."""
        return self.tenant_id


def set_tenant(session: Session, tenant_id: int | None) -> None:
    """Scope every later query of ``session`` to ``tenant_id`` (None lifts the scope)."""
    if tenant_id is None:
        session.info.pop(TENANT_KEY, None)
    else:
        session.info[TENANT_KEY] = tenant_id


def current_tenant_id(session: Session) -> int | None:
    """The tenant ``session`` is scoped to, if any."""
    return session.info.get(TENANT_KEY)


def _scope_reads(state: ORMExecuteState) -> None:
    tenant_id = state.session.info.get(TENANT_KEY)
    if tenant_id is None or state.execution_options.get("all_tenants", False):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tenant_id,
            include_aliases=True,
        )
    )


def guard_write(session: Session, tenant_id: int) -> None:
    """The check of ``_guard_writes`` for a row written with a Core statement, beside the ORM."""
    scoped = session.info.get(TENANT_KEY)
    if scoped is not None and tenant_id != scoped:
        raise CrossTenantWrite(f"a row of tenant {tenant_id} was about to be written for tenant {scoped}")


def _guard_writes(session: Session, flush_context: Any, instances: Any) -> None:
    tenant_id = session.info.get(TENANT_KEY)
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise CrossTenantWrite(f"{type(obj).__name__} has no tenant and none is in context")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} belongs to tenant {obj.tenant_id}, not {tenant_id}"
            )


def init() -> None:
    """Scope every session's reads to its tenant and guard its writes (once per process)."""
    listen_once(Session, "do_orm_execute", _scope_reads)
    listen_once(Session, "before_flush", _guard_writes)

"""Tenants, organisations, users, invitations and sign-in sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from odr.platform.db import Base, PublicIdMixin, TimestampMixin, utcnow
from odr.platform.tenancy import TenantScoped


class Role(enum.StrEnum):
    """The one role a user holds in their tenant."""

    ADMIN = "admin"
    CASE_MANAGER = "case_manager"
    MEDIATOR = "mediator"
    INSURER_AGENT = "insurer_agent"
    CUSTOMER = "customer"

    @property
    def is_staff(self) -> bool:
        """Staff of the ADR provider."""
        return self in {Role.ADMIN, Role.CASE_MANAGER, Role.MEDIATOR}

    @property
    def needs_password(self) -> bool:
        """Everyone but customers signs in with a password."""
        return self is not Role.CUSTOMER


ROLE_ENUM = Enum(
    Role,
    name="user_role",
    native_enum=False,
    create_constraint=True,
    length=20,
    values_callable=lambda roles: [r.value for r in roles],
)


class Tenant(PublicIdMixin, TimestampMixin, Base):
    """An ADR provider: its own users, organisations, cases and policy."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    default_locale: Mapped[str] = mapped_column(String(10), default="en")
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Staff must sign in with a second factor (insurer agents may choose to).
    require_second_factor: Mapped[bool] = mapped_column(default=False, server_default=false())

    def owning_tenant_id(self) -> int:
        """A tenant belongs to itself (what ``can()`` compares with the user's)."""
        return self.id

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class Organisation(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """An insurer registered with a tenant."""

    __tablename__ = "organisations"
    # A prefix starts the insurer's own references, so two insurers of a tenant never share one.
    __table_args__ = (UniqueConstraint("tenant_id", "name"), UniqueConstraint("tenant_id", "reference_prefix"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    reference_prefix: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


class User(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A person in one tenant, with one role."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        CheckConstraint(
            "(role = 'insurer_agent') = (organisation_id IS NOT NULL)",
            name="agent_has_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(ROLE_ENUM)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # The second factor: an authenticator app's secret (base32), when it was turned on, and the
    # time step of the last code accepted, so that a code works once.
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # encrypted (totp.seal)
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    tenant: Mapped[Tenant] = relationship(lazy="joined")

    # flask-login's protocol
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The id flask-login keeps in the session: the public one, never the integer."""
        return str(self.public_id)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class InvitationPurpose(enum.StrEnum):
    """Why a link was sent: to join (and set up an account), or to sign in again."""

    INVITE = "invite"
    SIGN_IN = "sign_in"


class Invitation(TenantScoped, PublicIdMixin, TimestampMixin, Base):
    """A single-use link, stored only as the SHA-256 of its token."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[InvitationPurpose] = mapped_column(
        Enum(
            InvitationPurpose,
            name="invitation_purpose",
            native_enum=False,
            create_constraint=True,
            length=10,
            values_callable=lambda items: [i.value for i in items],
        )
    )
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(ROLE_ENUM)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    next_path: Mapped[str | None] = mapped_column(String(500))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id], lazy="joined")

    @property
    def state(self) -> str:
        """pending, used, revoked or expired."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= utcnow():
            return "expired"
        return "pending"


class UserSession(TenantScoped, TimestampMixin, Base):
    """A signed-in browser: the cookie holds a random id whose SHA-256 is kept here."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_revoked_at", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(TenantScoped, TimestampMixin, Base):
    """A single-use code that stands in for the second factor, stored only as its SHA-256."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None]


class PolicyChange(TenantScoped, Base):
    """One setting of the tenant's policy changed: by whom, when, from what to what.

    ``recomputed`` says whether the open deadlines were moved to the new value (``moved`` of them)
    or kept their dates. Kept when its author leaves: the record outlives the account.
    """

    __tablename__ = "policy_changes"
    __table_args__ = (Index("ix_policy_changes_tenant_id_changed_at", "tenant_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(300))
    setting: Mapped[str] = mapped_column(String(120))  # the dotted path in the policy
    old_value: Mapped[Any] = mapped_column(JSON)
    new_value: Mapped[Any] = mapped_column(JSON)
    recomputed: Mapped[bool] = mapped_column(default=False)
    moved: Mapped[int] = mapped_column(default=0)

    actor: Mapped[User | None] = relationship(lazy="joined")

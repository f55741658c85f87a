"""One configuration object, read from ``ODR_`` environment variables and a ``.env`` file."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

from dotenv import load_dotenv

DEV_SECRET_KEY = "odr-development-secret-key-change-me"  # noqa: S105 - the known default we refuse


class ConfigError(RuntimeError):
    """The configuration cannot run the platform; the message names the setting to fix."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str) -> list[str]:
    return [item.strip().rstrip("/") for item in value.split(",") if item.strip()]


@dataclass
class Settings:
    """Every setting of the platform; the README's table documents each ``ODR_`` variable."""

    env: str = "development"
    secret_key: str = DEV_SECRET_KEY
    previous_secret_keys: list[str] = field(default_factory=list)  # still read (second-factor secrets)
    instance_path: str = ""
    database_url: str = ""
    base_url: str = "http://127.0.0.1:5000"
    allowed_origins: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 5000
    threads: int = 500  # each open WebSocket holds one: the room's people plus the page requests at once
    trusted_proxies: int = 0
    log_level: str = "INFO"
    log_format: str = ""
    default_locale: str = "en"
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    invitation_days: int = 7
    signin_link_minutes: int = 15
    ratelimit_storage_url: str = "memory://"
    ratelimit_signin: str = "10 per minute;50 per hour"
    ratelimit_tokens: str = "20 per minute"
    smtp_url: str = ""
    mail_from: str = "odr <no-reply@odr.localhost>"
    jobs_url: str = ""
    jobs_immediate: bool = False
    jobs_embedded: bool = True
    socketio_message_queue: str = ""
    socketio_channel: str = "flask-socketio"
    storage_url: str = ""
    s3_endpoint_url: str = ""
    clamd_url: str = ""
    signing_pkcs12: str = ""  # the agreements' seal: a PKCS#12 file...
    signing_key: str = ""  # ...or a PEM key and certificate; neither: one per tenant in the instance folder
    signing_cert: str = ""
    signing_password: str = ""

    @property
    def production(self) -> bool:
        """True when the platform runs as a production deployment."""
        return self.env == "production"

    @property
    def testing(self) -> bool:
        """True under the test suite."""
        return self.env == "test"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``ODR_*`` variables (after loading ``.env``) and apply explicit overrides."""
        if environ is None:
            load_dotenv(override=False)
            environ = dict(os.environ)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(f"ODR_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("int",):
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ConfigError(f"ODR_{f.name.upper()} must be a whole number") from exc
            elif f.type in ("bool",):
                values[f.name] = _bool(raw)
            elif f.name == "previous_secret_keys":
                values[f.name] = [key.strip() for key in raw.split(",") if key.strip()]  # kept whole
            elif f.type.startswith("list"):
                values[f.name] = _list(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.resolve_defaults()
        settings.check()
        return settings

    def resolve_defaults(self) -> None:
        """Fill the settings whose defaults depend on others (instance folder, database)."""
        if not self.instance_path:
            self.instance_path = str(Path.cwd() / "instance")
        instance = Path(self.instance_path)
        if not self.database_url:
            self.database_url = f"sqlite:///{instance / 'odr.sqlite3'}"
        if not self.jobs_url:
            self.jobs_url = f"sqlite:///{instance / 'jobs.sqlite3'}"
        if not self.storage_url:
            self.storage_url = (instance / "documents").resolve().as_uri()
        if not self.log_format:
            self.log_format = "json" if self.production else "text"
        if not self.allowed_origins and not self.production:
            self.allowed_origins = [self.base_url.rstrip("/")]
        if self.secret_key == DEV_SECRET_KEY and not self.production and not self.testing:
            self.secret_key = _instance_secret(instance)

    def check(self) -> None:
        """Refuse settings that are unsafe in production, naming the one to fix."""
        if self.env not in {"development", "production", "test"}:
            raise ConfigError("ODR_ENV must be development, production or test")
        if not self.production:
            return
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            raise ConfigError(
                "ODR_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        if self.database_url.startswith("sqlite"):
            raise ConfigError(
                "ODR_DATABASE_URL must point at PostgreSQL in production "
                "(postgresql+psycopg://user@host/dbname); SQLite is for the embedded mode"
            )
        if not self.allowed_origins:
            raise ConfigError(
                "ODR_ALLOWED_ORIGINS must list the origins browsers use "
                "(for example https://odr.example.org) in production"
            )


def _instance_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, so embedded sessions survive restarts."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

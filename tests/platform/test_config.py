"""Settings from ODR_ variables: safe production, clear errors, self-contained development."""

from __future__ import annotations

import stat

import pytest

from odr.platform.config import DEV_SECRET_KEY, ConfigError, Settings

PG = "postgresql+psycopg://odr@db.example/odr"
GOOD_KEY = "k" * 48


def production(**variables: str) -> dict[str, str]:
    """A complete production environment, with ``variables`` changed (None removes one)."""
    environ = {
        "ODR_ENV": "production",
        "ODR_SECRET_KEY": GOOD_KEY,
        "ODR_DATABASE_URL": PG,
        "ODR_ALLOWED_ORIGINS": "https://odr.example.org",
    }
    environ.update(variables)
    return {name: value for name, value in environ.items() if value is not None}


def test_a_complete_production_environment_is_accepted(tmp_path):
    settings = Settings.from_env(environ=production(ODR_INSTANCE_PATH=str(tmp_path)))
    assert settings.production
    assert settings.secret_key == GOOD_KEY
    assert settings.allowed_origins == ["https://odr.example.org"]
    assert settings.log_format == "json"


@pytest.mark.parametrize(
    ("variables", "setting"),
    [
        ({"ODR_SECRET_KEY": None}, "ODR_SECRET_KEY"),
        ({"ODR_SECRET_KEY": DEV_SECRET_KEY}, "ODR_SECRET_KEY"),
        ({"ODR_SECRET_KEY": "too-short-0123456789"}, "ODR_SECRET_KEY"),
        ({"ODR_DATABASE_URL": "sqlite:////var/lib/odr/odr.sqlite3"}, "ODR_DATABASE_URL"),
        ({"ODR_DATABASE_URL": None}, "ODR_DATABASE_URL"),
        ({"ODR_ALLOWED_ORIGINS": None}, "ODR_ALLOWED_ORIGINS"),
        ({"ODR_ALLOWED_ORIGINS": " , "}, "ODR_ALLOWED_ORIGINS"),
    ],
    ids=[
        "no-key",
        "default-key",
        "short-key",
        "sqlite",
        "no-database",
        "no-origins",
        "blank-origins",
    ],
)
def test_production_refuses_unsafe_settings_naming_the_one_to_fix(tmp_path, variables, setting):
    environ = production(ODR_INSTANCE_PATH=str(tmp_path), **variables)
    with pytest.raises(ConfigError, match=setting):
        Settings.from_env(environ=environ)


@pytest.mark.parametrize("name", ["ODR_PORT", "ODR_THREADS", "ODR_SESSION_IDLE_MINUTES"])
def test_a_number_that_is_not_a_whole_number_is_a_clear_error(tmp_path, name):
    with pytest.raises(ConfigError, match=f"^{name} must be a whole number"):
        Settings.from_env(environ={"ODR_INSTANCE_PATH": str(tmp_path), name: "eighty"})


def test_an_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="ODR_ENV"):
        Settings.from_env(environ={"ODR_INSTANCE_PATH": str(tmp_path), "ODR_ENV": "staging"})


def test_variables_are_converted_to_their_types(tmp_path):
    settings = Settings.from_env(
        environ={
            "ODR_INSTANCE_PATH": str(tmp_path),
            "ODR_PORT": "8080",
            "ODR_JOBS_IMMEDIATE": "yes",
            "ODR_ALLOWED_ORIGINS": "https://a.example/, https://b.example",
        }
    )
    assert settings.port == 8080
    assert settings.jobs_immediate is True
    assert settings.allowed_origins == ["https://a.example", "https://b.example"]


def test_explicit_overrides_win_over_the_environment(tmp_path):
    settings = Settings.from_env(
        environ={"ODR_INSTANCE_PATH": str(tmp_path), "ODR_PORT": "8080"}, port=9000
    )
    assert settings.port == 9000


def test_development_fills_in_instance_database_and_a_persisted_secret_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env(environ={})
    instance = tmp_path / "instance"
    assert settings.env == "development"
    assert settings.instance_path == str(instance)
    assert settings.database_url == f"sqlite:///{instance / 'odr.sqlite3'}"
    assert settings.jobs_url == f"sqlite:///{instance / 'jobs.sqlite3'}"
    assert settings.allowed_origins == [settings.base_url]
    key_file = instance / "secret_key"
    assert settings.secret_key != DEV_SECRET_KEY
    assert len(settings.secret_key) >= 32
    assert key_file.read_text() == settings.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The next start reads the same key, so sessions survive a restart.
    assert Settings.from_env(environ={}).secret_key == settings.secret_key


def test_development_keeps_an_explicit_secret_key(tmp_path):
    settings = Settings.from_env(
        environ={"ODR_INSTANCE_PATH": str(tmp_path), "ODR_SECRET_KEY": GOOD_KEY}
    )
    assert settings.secret_key == GOOD_KEY
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(("variables", "setting"), [
    ({"ODR_SECRET_KEY": None}, "ODR_SECRET_KEY"),
    ({"ODR_DATABASE_URL": "sqlite:////var/lib/odr/odr.sqlite3"}, "ODR_DATABASE_URL"),
    ({"ODR_PORT": "eighty"}, "ODR_PORT"),
], ids=["no-key", "sqlite", "port"])
@pytest.mark.parametrize("command", [["serve"], ["worker"], ["db", "upgrade"]], ids=" ".join)
def test_a_bad_configuration_stops_a_command_with_one_line_naming_the_setting(tmp_path, variables, setting, command):
    import os
    import subprocess

    from tests.live import odr_command

    environ = {key: value for key, value in os.environ.items() if not key.startswith("ODR_")}
    environ.update(production(ODR_INSTANCE_PATH=str(tmp_path), **variables))
    environ = {key: value for key, value in environ.items() if value is not None}
    done = subprocess.run([*odr_command(), *command], env=environ, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 78, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("odr: configuration error: ") and setting in lines[0]

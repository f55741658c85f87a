"""Real server processes for tests: ``odr`` commands, ``odr serve`` on a free port.

The browser tests, the rooms' delivery tests and the cluster tests start their servers with these
helpers. Every server listens on 127.0.0.1 only, in its own process group, and is stopped by the
fixture that started it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 60
STOP_SECONDS = 20  # gunicorn's graceful timeout is 10


def odr_command() -> list[str]:
    """The ``odr`` console script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("odr")
    if not script.exists():
        raise RuntimeError(f"{script} is missing: install the project (pip install -e '.[test]')")
    return [str(script)]


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    """The last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no output)"


def server_environment(tmp: Path, db_url: str, base_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a test server: no inherited ``ODR_`` settings, generous rate limits."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ODR_")}
    env.update(
        ODR_ENV="development",
        ODR_SECRET_KEY="e2e-secret-key-that-is-long-enough-0123456789",
        ODR_INSTANCE_PATH=str(tmp / "instance"),
        ODR_DATABASE_URL=db_url,
        ODR_BASE_URL=base_url,
        ODR_JOBS_URL=f"sqlite:///{tmp / 'jobs.sqlite3'}",
        ODR_JOBS_EMBEDDED="true",
        ODR_JOBS_IMMEDIATE="false",
        ODR_RATELIMIT_STORAGE_URL="memory://",
        ODR_RATELIMIT_SIGNIN="1000 per minute",
        ODR_RATELIMIT_TOKENS="1000 per minute",
        ODR_SMTP_URL="",
        ODR_SOCKETIO_MESSAGE_QUEUE="",
        ODR_DEFAULT_LOCALE="en",
        ODR_LOG_LEVEL="INFO",
        ODR_THREADS="20",
        # gunicorn puts its control socket in $XDG_RUNTIME_DIR (else ~/.gunicorn): one per server.
        XDG_RUNTIME_DIR=str(tmp),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])),
    )
    env.update(overrides)
    return env


def run_odr(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run an ``odr`` command to completion; its standard output."""
    return run_command([*odr_command(), *args], env, cwd)


def run_command(command: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run a command of this project to completion; its standard output, or an error with its output."""
    result = subprocess.run(  # noqa: S603 - our own console scripts and modules
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until ``process`` listens at ``base_url`` and answers /healthz; fail if it died."""
    # The port was free when chosen; the log line proves that this process (and not some other
    # program that took the port meanwhile) is the one listening, before /healthz is believed.
    listening = f"Listening at: {base_url} ({process.pid})"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"odr serve exited with {process.returncode}:\n{tail(log)}")
        if listening not in log.read_text(errors="replace"):
            time.sleep(0.2)
            continue
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"odr serve did not answer /healthz in {STARTUP_SECONDS}s:\n{tail(log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server (its whole process group when it has one), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    own_group = os.getpgid(process.pid) == process.pid
    send = (lambda sig: os.killpg(process.pid, sig)) if own_group else process.send_signal
    with contextlib.suppress(ProcessLookupError):
        send(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            send(signal.SIGKILL)
        process.wait(timeout=10)


class ServeProcess:
    """``odr serve`` on one port with one environment; can be stopped and started again."""

    def __init__(self, name: str, tmp: Path, env: dict[str, str], port: int) -> None:
        self.name = name
        self.tmp = tmp
        self.env = env
        self.port = port
        self.log = tmp / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Where the server answers."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServeProcess:
        """Start the server and wait until it answers (its log is appended to across restarts)."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own console script
                [*odr_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                cwd=self.tmp,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_healthy(self.base_url, self.process, self.log)
        except BaseException:
            stop(self.process)
            raise
        return self

    def stop(self) -> None:
        """Stop the server (gracefully, then by force)."""
        if self.process is not None:
            stop(self.process)

    def tail(self) -> str:
        """The end of the server's log, for failure messages."""
        return tail(self.log)

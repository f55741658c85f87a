"""The HTTP benchmark: the platform's request path against a bare Flask app, same server, same run.

A fresh instance (a temporary folder with a new SQLite database, or a new database created on
the PostgreSQL server of ``--database-url`` and dropped at the end) is migrated and loaded with
the demo tenant; ``odr serve`` (gunicorn, gthread, the production path) and the bare
app of ``bench/http/bare.py`` (the same gunicorn settings) listen on free 127.0.0.1 ports. After
signing in as the demo administrator, wrk loads the bare ``/healthz``, the platform's
``/healthz``, the bare page and the signed-in dashboard (the bare page has exactly the
dashboard's size) in turn, each after a warm-up, for ``--rounds`` rounds; the table shows the
median requests per second and 99th percentile latency, and the ratios odr/bare. When the
dashboard does less than half the bare page's requests per second, an in-process profile says
where its time goes.

    python -m bench.http [--duration 10] [--rounds 3] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import requests

from bench.http.wrk import WrkError, WrkResult, run_wrk, wrk_version

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TENANT = "harbour"
EMAIL = "admin@harbour.example"
PASSWORD = "harbour-demo-2026"  # noqa: S105 - the demo's published password
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
STOP_WAIT = 20  # seconds: gunicorn's graceful timeout is 10


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""


# --- the machine -------------------------------------------------------------------------------


def _command_output(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine(database_url: str, *, with_wrk: bool = True) -> dict[str, str]:
    """What the figures were measured on."""
    model = ""
    for line in _command_output(["lscpu"]).splitlines():
        if line.startswith("Model name"):
            model = line.split(":", 1)[1].strip()
    memory = ""
    for line in _command_output(["free", "-h"]).splitlines():
        if line.startswith("Mem:"):
            memory = line.split()[1]
    import gunicorn

    info = {
        "cpus": _command_output(["nproc"]) or str(os.cpu_count()),
        "cpu model": model or platform.processor() or "unknown",
        "memory": memory or "unknown",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "flask": _dist_version("flask"),
        "gunicorn": gunicorn.__version__,
        "database": _database_version(database_url),
        "code": _code_version(),
    }
    if with_wrk:
        info["wrk"] = wrk_version()
    return info


def _code_version() -> str:
    """The commit measured, and whether the work tree had changes on top of it."""
    commit = _command_output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    if not commit:
        return "unknown (not a git checkout)"
    changed = _command_output(["git", "-C", str(REPO), "status", "--porcelain"])
    count = len(changed.splitlines())
    return f"commit {commit}" + (f" with {count} changed or new files on top" if count else "")


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _database_version(database_url: str) -> str:
    if not database_url:
        return f"SQLite {sqlite3.sqlite_version} (file in a temporary folder)"
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version()")).scalar()).split(",")[0]
    finally:
        engine.dispose()


@contextlib.contextmanager
def fresh_postgres_database(server_url: str, name: str | None = None) -> Iterator[str]:
    """A new database beside the one ``server_url`` names, dropped on the way out."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    if not url.drivername.startswith("postgresql"):
        raise BenchError("--database-url must be a PostgreSQL URL (postgresql+psycopg://...)")
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = name or f"{url.database or 'odr'}_bench_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with contextlib.suppress(Exception), admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    """A port nothing listens on right now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run_command(command: list[str], env: dict[str, str], cwd: Path, timeout: int = 180) -> str:
    """Run a setup command to its end; its output, or an error with it."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed commands of this harness
            command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{' '.join(command)} did not finish within {timeout}s") from exc
    if done.returncode != 0:
        raise BenchError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


@dataclass
class Server:
    """A server process of this run (its own process group) and where it listens."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, path: str = "/healthz", timeout: float = 60) -> None:
        """Poll ``path`` until it answers 200; fail at once if the process died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                if requests.get(self.base + path, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise BenchError(
            f"{self.name} did not answer {path} within {timeout:.0f}s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it is still there after a while."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_WAIT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@contextlib.contextmanager
def serve(
    name: str, command: list[str], env: dict[str, str], cwd: Path, port: int
) -> Iterator[Server]:
    """Start a server (access log to /dev/null, errors to a log file); stopped on the way out."""
    log = cwd / f"{name}.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 - fixed commands of this harness
            command,
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,
        )
    server = Server(name, process, port, log)
    try:
        yield server
    finally:
        server.stop()


# --- signing in --------------------------------------------------------------------------------


def sign_in(base: str, tenant: str = TENANT, email: str = EMAIL, password: str = PASSWORD) -> str:
    """Sign in (by default as the demo administrator) the way a browser does; the Cookie header to send."""
    with requests.Session() as browser:
        page = browser.get(f"{base}/t/{tenant}/sign-in", timeout=10)
        match = CSRF_META.search(page.text)
        if page.status_code != 200 or match is None:
            raise BenchError(f"no sign-in form at {base}/t/{tenant}/sign-in ({page.status_code})")
        answer = browser.post(
            f"{base}/t/{tenant}/sign-in",
            data={"csrf_token": match.group(1), "email": email, "password": password},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code != 303:
            raise BenchError(
                f"signing in answered {answer.status_code}, not 303:\n{answer.text[:500]}"
            )
        cookies = browser.cookies.get_dict()
    if not cookies:
        raise BenchError("signing in set no cookie")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def page_size(url: str, cookie: str | None = None, samples: int = 5) -> int:
    """The body size of ``url`` (it must answer 200, and the same size each time)."""
    sizes = set()
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(samples):
        answer = requests.get(url, headers=headers, allow_redirects=False, timeout=10)
        if answer.status_code != 200:
            raise BenchError(f"{url} answered {answer.status_code}, not 200")
        sizes.add(len(answer.content))
    if len(sizes) != 1:
        raise BenchError(f"{url} answered bodies of different sizes: {sorted(sizes)}")
    return sizes.pop()


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Target:
    """One URL to load."""

    label: str
    url: str
    cookie: str | None = None


def measure(target: Target, args: argparse.Namespace) -> WrkResult:
    """Warm up, then one measured wrk run."""
    headers = {"Cookie": target.cookie} if target.cookie else None
    common = {"threads": args.wrk_threads, "connections": args.connections, "headers": headers}
    if args.warmup:
        run_wrk(target.url, seconds=args.warmup, latency=False, **common)
    result, report = run_wrk(target.url, seconds=args.duration, **common)
    assert result is not None
    if args.verbose:
        print(report)
    return result


def fmt_ms(ms: float) -> str:
    return f"{ms:.1f} ms" if ms >= 1 else f"{ms * 1000:.0f} us"


def table(medians: dict[str, tuple[float, float]], sizes: dict[str, int]) -> list[str]:
    """The figures and the ratios, as a Markdown table."""
    rows = [
        "| route | bare req/s | odr req/s | odr/bare req/s | bare p99 | odr p99 | odr/bare p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, bare_key, odr_key in (
        (f"/healthz ({sizes['healthz']} B)", "bare /healthz", "odr /healthz"),
        (f"dashboard, signed in ({sizes['page']} B)", "bare page", "odr dashboard"),
    ):
        b_rps, b_p99 = medians[bare_key]
        o_rps, o_p99 = medians[odr_key]
        rows.append(
            f"| {label} | {b_rps:.0f} | {o_rps:.0f} | {o_rps / b_rps:.2f} | {fmt_ms(b_p99)} | "
            f"{fmt_ms(o_p99)} | {o_p99 / b_p99:.1f}x |"
        )
    return rows


def base_env(tmp: Path, port: int, args: argparse.Namespace, database_url: str) -> dict[str, str]:
    """The environment of every process of this run: no inherited ODR_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODR_", "BENCH_", "GUNICORN_"))}
    env.update(
        {
            "ODR_ENV": "development",
            "ODR_INSTANCE_PATH": str(tmp / "instance"),
            "ODR_BASE_URL": f"http://{HOST}:{port}",
            "ODR_HOST": HOST,
            "ODR_PORT": str(port),
            "ODR_THREADS": str(args.server_threads),
            "ODR_LOG_LEVEL": "WARNING",
            "ODR_RATELIMIT_SIGNIN": "100000 per minute",
            "ODR_JOBS_URL": f"sqlite:///{tmp / 'instance' / 'jobs.sqlite3'}",
            # gunicorn's control socket goes here rather than into a shared $HOME/.gunicorn.
            "XDG_RUNTIME_DIR": str(tmp),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])
            ),
        }
    )
    if database_url:
        env["ODR_DATABASE_URL"] = database_url
    return env


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise BenchError(
            f"{path} is missing: install the project into this virtualenv (make install-test)"
        )
    return str(path)


def run(args: argparse.Namespace) -> int:
    started = datetime.now(UTC)
    load_start = loadavg()
    info = machine(args.database_url)
    print(f"bench.http, {started:%Y-%m-%d %H:%M} UTC")
    for key, value in info.items():
        print(f"  {key:<10} {value}")
    print(f"  loadavg    {load_start} at the start")
    if float(load_start.split()[0]) > 0.5:
        print("  (other processes were busy: the figures are noisy)")
    print(
        f"  wrk -t{args.wrk_threads} -c{args.connections}, {args.warmup}s warm-up + "
        f"{args.duration}s measured, {args.rounds} round(s); gunicorn gthread, 1 worker, "
        f"{args.server_threads} threads each"
    )

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="odr-bench-")))
        odr_port, bare_port = free_port(), free_port()
        database_url = ""
        if args.database_url:
            database_url = stack.enter_context(fresh_postgres_database(args.database_url))
        env = base_env(tmp, odr_port, args, database_url)
        odr = tool("odr")
        print("\nSetting up: odr db upgrade, odr demo ...", flush=True)
        run_command([odr, "db", "upgrade"], env, tmp)
        run_command([odr, "demo"], env, tmp)

        server = stack.enter_context(
            serve(
                "odr", [odr, "serve", "--host", HOST, "--port", str(odr_port)], env, tmp, odr_port
            )
        )
        server.wait_ready()
        cookie = sign_in(server.base)
        dashboard_url = f"{server.base}/t/{TENANT}/"
        dashboard_bytes = page_size(dashboard_url, cookie)
        healthz_bytes = page_size(f"{server.base}/healthz")

        bare_env = dict(env, BENCH_PAGE_BYTES=str(dashboard_bytes))
        bare_command = [
            tool("gunicorn"),
            "--bind",
            f"{HOST}:{bare_port}",
            "--worker-class",
            "gthread",
            "--workers",
            "1",
            "--threads",
            str(args.server_threads),
            "--timeout",
            "0",
            "--graceful-timeout",
            "10",
            "--access-logfile",
            "-",  # as odr serve: to stdout, which goes to /dev/null for both
            "--no-control-socket",
            "bench.http.bare:app",
        ]
        bare = stack.enter_context(serve("bare", bare_command, bare_env, tmp, bare_port))
        bare.wait_ready()
        if page_size(f"{bare.base}/page") != dashboard_bytes:
            raise BenchError("the bare page is not the dashboard's size")
        if page_size(f"{bare.base}/healthz") != healthz_bytes:
            raise BenchError("the bare /healthz is not the platform's size")
        sizes = {"healthz": healthz_bytes, "page": dashboard_bytes}
        print(
            f"Dashboard: {dashboard_bytes} bytes; /healthz: {healthz_bytes} bytes. Loading ...\n",
            flush=True,
        )

        targets = [
            Target("bare /healthz", f"{bare.base}/healthz"),
            Target("odr /healthz", f"{server.base}/healthz"),
            Target("bare page", f"{bare.base}/page"),
            Target("odr dashboard", dashboard_url, cookie),
        ]
        results: dict[str, list[WrkResult]] = {t.label: [] for t in targets}
        print(
            f"{'round':<6} {'target':<15} {'req/s':>9} {'p50':>9} {'p99':>9} "
            f"{'B/resp':>7} {'errors':>6}"
        )
        for round_no in range(1, args.rounds + 1):
            for target in targets:
                result = measure(target, args)
                results[target.label].append(result)
                print(
                    f"{round_no:<6} {target.label:<15} {result.requests_per_second:9.1f} "
                    f"{fmt_ms(result.p50_ms):>9} {fmt_ms(result.p99_ms):>9} "
                    f"{result.bytes_per_response:7.0f} {result.errors:6d}",
                    flush=True,
                )
            # The cookie must still be signed in, or wrk measured redirects to the sign-in page.
            page_size(dashboard_url, cookie, samples=1)

        medians = {
            label: (
                statistics.median(r.requests_per_second for r in runs),
                statistics.median(r.p99_ms for r in runs),
            )
            for label, runs in results.items()
        }
        load_end = loadavg()
        rows = table(medians, sizes)
        print(
            f"\nMedians of {args.rounds} round(s), {started:%Y-%m-%d}, "
            f"loadavg {load_start} at the start, "
            f"{load_end} at the end:\n"
        )
        print("\n".join(rows))
        errors = sum(r.errors for runs in results.values() for r in runs)
        if errors:
            print(f"\nwrk counted {errors} socket errors or non-2xx/3xx responses: see --verbose.")

        bare.stop()
        server.stop()

        ratio = medians["odr dashboard"][0] / medians["bare page"][0]
        profile_lines: list[str] = []
        if args.profile == "always" or (args.profile == "auto" and ratio < 0.5):
            print(
                f"\nThe dashboard does {ratio:.2f} of the bare page's requests per second: "
                "profiling it.\n"
            )
            profile_lines = profile(env, bare_env, cookie, server.base, args.profile_requests)
            print("\n".join(profile_lines))

        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "date": started.isoformat(timespec="seconds"),
                        "machine": info,
                        "loadavg_start": load_start,
                        "loadavg_end": load_end,
                        "settings": {
                            "wrk_threads": args.wrk_threads,
                            "connections": args.connections,
                            "duration_s": args.duration,
                            "warmup_s": args.warmup,
                            "rounds": args.rounds,
                            "server_threads": args.server_threads,
                        },
                        "sizes": sizes,
                        "runs": {
                            label: [
                                {
                                    "rps": r.requests_per_second,
                                    "p50_ms": r.p50_ms,
                                    "p99_ms": r.p99_ms,
                                    "requests": r.requests,
                                    "errors": r.errors,
                                }
                                for r in runs
                            ]
                            for label, runs in results.items()
                        },
                        "medians": {k: {"rps": v[0], "p99_ms": v[1]} for k, v in medians.items()},
                        "table": rows,
                        "profile": profile_lines,
                    },
                    indent=2,
                )
                + "\n"
            )
    return 0


def profile(
    env: dict[str, str], bare_env: dict[str, str], cookie: str, base: str, n: int
) -> list[str]:
    """The in-process profile of the dashboard, with the served instance's settings."""
    from bench.http import bare
    from bench.http.profiling import profile_dashboard
    from odr.app import create_app
    from odr.platform.config import Settings

    environ = {k: v for k, v in env.items() if k.startswith("ODR_")}
    odr_app = create_app(Settings.from_env(environ=environ))
    bare_app = bare.create_app(int(bare_env["BENCH_PAGE_BYTES"]))
    report = profile_dashboard(
        odr_app, bare_app, dashboard_path=f"/t/{TENANT}/", cookie=cookie, base_url=base, requests=n
    )
    return report.lines()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from odr.platform.config import Settings

    parser = argparse.ArgumentParser(
        prog="python -m bench.http", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run")
    parser.add_argument(
        "--warmup", type=int, default=3, help="seconds of wrk before each measured run"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds over the four targets; medians shown"
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--server-threads",
        type=int,
        default=Settings.threads,
        help="gunicorn threads of both servers (ODR_THREADS; default: the platform's default)",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL instead of SQLite: a URL of a database on the server "
        "(postgresql+psycopg://user@127.0.0.1/odr); a new database is created beside it "
        "and dropped at the end (needs CREATEDB)",
    )
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="profile the dashboard in-process: when under half of bare (auto), always, never",
    )
    parser.add_argument(
        "--profile-requests", type=int, default=300, help="dashboard requests to profile"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--verbose", action="store_true", help="print each wrk report")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.rounds < 1 or args.connections < 1 or args.wrk_threads < 1:
        parser.error("--duration, --rounds, --connections and --wrk-threads must be at least 1")
    if args.connections < args.wrk_threads:
        parser.error("wrk needs at least as many connections as threads")
    return args


def _terminate(signum: int, frame: FrameType | None) -> Any:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # stop the servers on the way out, as on Ctrl-C
    try:
        return run(args)
    except (BenchError, WrkError) as exc:
        print(f"\nbench.http: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

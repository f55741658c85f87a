"""The rooms benchmark: real Socket.IO clients in case rooms, against a bare broadcast server.

A fresh instance (a temporary SQLite database, or a new database on the PostgreSQL server of
``--database-url``, dropped at the end) is migrated and seeded with ``--rooms`` open cases, each
with its mediator, insurer agent and customer (``bench/rooms/seed.py``); everyone signs in over
HTTP as their browser would. Then, for the bare python-socketio server of ``bench/rooms/bare.py``
and for ``odr serve`` in turn (the same gunicorn settings: gthread, one worker, the same threads):
every client connects over WebSocket and joins its room, the worker's memory is read before and
after, and each ``--rates`` load runs for ``--duration`` seconds. The table gives delivered messages
per second, p50 and p99 delivery latency and memory per connection, ours as ratios to bare's; the
messages the platform acknowledged are then counted in its database.

    python -m bench.rooms [--rooms 50] [--rates 25,50,100] [--duration 20] [--database-url ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench.http.__main__ import (
    HOST,
    BenchError,
    Server,
    base_env,
    free_port,
    fresh_postgres_database,
    loadavg,
    machine,
    run_command,
    serve,
    tool,
)
from bench.rooms.load import PER_ROOM, Load, LoadError
from bench.rooms.seed import World
from bench.rooms.stats import RunFigures, figures, fmt_ms, rss_kib, verdict


def worker_pid(server: Server) -> int:
    """The gunicorn worker of a server (the one child of its master process)."""
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    if not pids:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(stat.parent.name))
    if len(pids) != 1:
        raise BenchError(f"{server.name}: expected one gunicorn worker, found {pids}")
    return pids[0]


def worker_rss(pid: int) -> int:
    """The worker's resident memory in KiB."""
    return rss_kib(Path(f"/proc/{pid}/status").read_text())


def seed_world(env: dict[str, str], rooms: int) -> World:
    """Seed the rooms in-process, on the database of ``env``."""
    from bench.rooms.seed import seed
    from odr.app import create_app
    from odr.platform.config import Settings
    from odr.platform.extensions import db

    app = create_app(Settings.from_env(environ={k: v for k, v in env.items() if k.startswith("ODR_")}))
    try:
        return seed(app, rooms)
    finally:
        db.state(app).engine.dispose()


def sign_everyone_in(base: str, database_url: str, world: World) -> list[tuple[str, str | None]]:
    """(case, session cookie) of every person, three per room, signed in over HTTP."""
    from bench.rooms.signin import sign_in_with_link, sign_in_with_password

    def seats_of(room: Any) -> list[tuple[str, str | None]]:
        return [
            (room.case, sign_in_with_password(base, world.tenant, room.mediator, world.password)),
            (room.case, sign_in_with_password(base, world.tenant, room.agent, world.password)),
            (room.case, sign_in_with_link(base, database_url, world.tenant, room.customer)),
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        return [seat for seats in pool.map(seats_of, world.rooms) for seat in seats]


def stored_messages(database_url: str, kind_prefix: str = "bench-") -> int:
    """Messages in the database whose client id the benchmark chose."""
    from sqlalchemy import func, select

    from odr.mediation.rooms.models import Message
    from odr.platform.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(Message).where(Message.client_id.startswith(kind_prefix))
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def measure(server: Server, seats: list[tuple[str, str | None]], args: argparse.Namespace) -> list[RunFigures]:
    """Connect every client to ``server``, read its memory, run each load; the figures per rate."""
    pid = worker_pid(server)
    load = Load(server.base, seats)
    before = worker_rss(pid)
    started = time.monotonic()
    try:
        load.connect()
    except LoadError as exc:
        raise BenchError(f"{server.name}: {exc}\n{server.log_tail()}") from exc
    time.sleep(2)  # let the joins' broadcasts and the first heartbeats settle
    after = worker_rss(pid)
    per_connection = (after - before) / len(seats)
    print(f"  {server.name}: {len(seats)} clients connected and joined in {time.monotonic() - started:.1f}s; "
          f"worker RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB ({per_connection:.0f} KiB per connection)",
          flush=True)
    results = []
    spy = None
    try:
        if args.warmup:
            load.run(args.rates[0], args.warmup)
        if args.py_spy and server.name == "odr":
            spy = start_py_spy(pid, Path(args.py_spy), args.duration * len(args.rates))
        for rate in args.rates:
            tally, seconds, sent = load.run(rate, args.duration)
            result = figures(offered_rate=rate, sent=sent, acked=tally.acked, refused=tally.refused,
                             receivers=PER_ROOM - 1, latencies_ms=tally.latencies_ms, seconds=seconds,
                             rss_per_connection_kib=per_connection)
            results.append(result)
            errors = f" errors {tally.errors}" if tally.errors else ""
            print(f"  {server.name:<5} {rate:7.0f}/s sent {sent:6d} acked {tally.acked:6d} delivered "
                  f"{result.delivered:6d}/{result.expected:<6d} {result.delivered_per_second:8.1f}/s "
                  f"p50 {fmt_ms(result.p50_ms):>9} p99 {fmt_ms(result.p99_ms):>9}{errors}", flush=True)
    finally:
        load.close()
        if spy is not None:
            try:
                spy.wait(timeout=args.duration * len(args.rates) + 60)
            except subprocess.TimeoutExpired:
                spy.kill()
                spy.wait()
    return results


def start_py_spy(pid: int, output: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Sample the worker with py-spy during the measured runs: collapsed stacks of the thread holding the GIL."""
    binary = Path(sys.executable).with_name("py-spy")
    if not binary.exists():
        raise BenchError("--py-spy needs py-spy in this virtualenv (pip install py-spy)")
    return subprocess.Popen(  # noqa: S603 - a fixed command
        [str(binary), "record", "--pid", str(pid), "--format", "raw", "--output", str(output),
         "--duration", str(int(seconds) + 1), "--rate", "100", "--gil"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def table(bare: list[RunFigures], ours: list[RunFigures], clients: int) -> list[str]:
    """The figures and the ratios, as a Markdown table."""
    rows = [
        f"| offered msg/s ({clients} clients) | bare deliveries/s | odr deliveries/s | odr/bare | bare p50 | odr p50 "
        "| bare p99 | odr p99 | odr/bare p99 | target |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for b, o in zip(bare, ours, strict=True):
        v = verdict(o, b)
        rows.append(
            f"| {o.offered_rate:.0f} | {b.delivered_per_second:.0f} | {o.delivered_per_second:.0f} | "
            f"{v.throughput_ratio:.2f} | {fmt_ms(b.p50_ms)} | {fmt_ms(o.p50_ms)} | {fmt_ms(b.p99_ms)} | "
            f"{fmt_ms(o.p99_ms)} | {v.p99_ratio:.1f}x | {'met' if v.met else 'missed'} |"
        )
    b, o = bare[0], ours[0]
    rows.append("")
    rows.append(f"Worker memory per connection: bare {b.rss_per_connection_kib:.0f} KiB, "
                f"odr {o.rss_per_connection_kib:.0f} KiB.")
    return rows


def run(args: argparse.Namespace) -> int:
    """The whole benchmark; the exit status."""
    started = datetime.now(UTC)
    load_start = loadavg()
    info = machine(args.database_url, with_wrk=False)  # the clients here are python-socketio, not wrk
    from importlib.metadata import version

    info["sockets"] = (f"Flask-SocketIO {version('flask-socketio')}, python-socketio {version('python-socketio')}, "
                       f"python-engineio {version('python-engineio')}, simple-websocket {version('simple-websocket')}, "
                       f"websocket-client {version('websocket-client')}")
    clients = args.rooms * PER_ROOM
    threads = args.server_threads or clients + 50
    args.server_threads = threads
    print(f"bench.rooms, {started:%Y-%m-%d %H:%M} UTC")
    for key, value in info.items():
        print(f"  {key:<10} {value}")
    print(f"  loadavg    {load_start} at the start")
    print(f"  {args.rooms} rooms x {PER_ROOM} clients = {clients}; rates {args.rates} msg/s, {args.duration}s each "
          f"after a {args.warmup}s warm-up; gunicorn gthread, 1 worker, {threads} threads each", flush=True)

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="odr-bench-rooms-")))
        odr_port, bare_port = free_port(), free_port()
        database_url = stack.enter_context(fresh_postgres_database(args.database_url)) if args.database_url else ""
        env = base_env(tmp, odr_port, args, database_url)
        env["ODR_RATELIMIT_TOKENS"] = "100000 per minute"  # every customer asks for a sign-in link at once
        run_command([tool("odr"), "db", "upgrade"], env, tmp)
        database_url = database_url or f"sqlite:///{tmp / 'instance' / 'odr.sqlite3'}"
        world = seed_world(env, args.rooms)
        print(f"Seeded {len(world.rooms)} rooms.", flush=True)

        server = stack.enter_context(serve("odr", [tool("odr"), "serve"], env, tmp, odr_port))
        server.wait_ready()
        seats = sign_everyone_in(server.base, database_url, world)
        print(f"Signed in {len(seats)} people.", flush=True)

        bare_env = {k: v for k, v in env.items() if not k.startswith("ODR_")}
        bare = stack.enter_context(serve("bare", [
            tool("gunicorn"), "--worker-class", "gthread", "--workers", "1", "--threads", str(threads),
            "--timeout", "0", "--graceful-timeout", "10", "--access-logfile", "-", "--no-control-socket",
            "--bind", f"{HOST}:{bare_port}", "bench.rooms.bare:app",
        ], bare_env, tmp, bare_port))
        bare.wait_ready("/socket.io/?EIO=4&transport=polling")
        bare_seats = [(case, None) for case, _cookie in seats]

        print("\nLoading the bare server ...", flush=True)
        bare_results = measure(bare, bare_seats, args)
        print("Loading odr ...", flush=True)
        odr_results = measure(server, seats, args)
        load_end = loadavg()
        acked = sum(r.acked for r in odr_results)
        stored = stored_messages(database_url)
        warmup_note = " (the warm-up's included)" if args.warmup else ""
        rows = table(bare_results, odr_results, clients)
        print(f"\n{started:%Y-%m-%d}, loadavg {load_start} at the start, {load_end} at the end:\n")
        print("\n".join(rows))
        print(f"\nStored: {stored} benchmark messages in the database{warmup_note}; the measured runs "
              f"acknowledged {acked}.")
        profile_lines: list[str] = []
        if args.profile:
            from bench.rooms.profiling import split_send

            print("\nOne send through the handler in-process, part by part:\n", flush=True)
            profile_lines = split_send(env, world)
            print("\n".join(profile_lines))
        if args.json:
            Path(args.json).write_text(json.dumps({
                "date": started.isoformat(timespec="seconds"), "machine": info, "loadavg_start": load_start,
                "loadavg_end": load_end, "rooms": args.rooms, "clients": clients, "threads": threads,
                "duration_s": args.duration, "warmup_s": args.warmup, "stored": stored, "acked": acked,
                "bare": [r.__dict__ for r in bare_results], "odr": [r.__dict__ for r in odr_results],
                "table": rows, "profile": profile_lines,
            }, indent=2, default=str) + "\n")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.rooms", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=50, help="rooms, three clients each")
    parser.add_argument("--rates", default="25,50,100",
                        help="comma-separated messages per second (all rooms together), one run each")
    parser.add_argument("--duration", type=float, default=20, help="seconds of each run")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load at the first rate before measuring")
    parser.add_argument("--server-threads", type=int, default=0,
                        help="gunicorn threads of both servers (default: clients + 50; each WebSocket holds one)")
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL instead of SQLite: a URL of a database on the server; a new database is "
                             "created beside it and dropped at the end (needs CREATEDB)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True,
                        help="time one send's parts in-process at the end (default: on)")
    parser.add_argument("--py-spy", help="sample odr's worker with py-spy during the measured runs: collapsed "
                                         "stacks to this file (the sampling slows the worker down)")
    args = parser.parse_args(argv)
    try:
        args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    except ValueError:
        parser.error("--rates takes numbers separated by commas")
    if args.rooms < 1 or not args.rates or min(args.rates) <= 0 or args.duration <= 0:
        parser.error("--rooms, --rates and --duration must be positive")
    return args


def _terminate(signum: int, frame: FrameType | None) -> Any:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; stop the servers on the way out, whatever happens."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(args)
    except (BenchError, LoadError) as exc:
        print(f"\nbench.rooms: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())

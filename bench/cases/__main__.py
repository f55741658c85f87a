"""The case list, the case page and the deadline sweep at 100,000 cases, on PostgreSQL.

Creates ``odr_bench_cases_<pid>`` on the server of ``--database-url`` (dropped at the end), runs
``odr db upgrade`` and the seeding of ``bench/cases/seed.py``, prints EXPLAIN (ANALYZE) of the list
queries as the app issues them, then serves the platform with ``odr serve`` (as bench.http) and,
signed in as a case manager (who sees every case), times each URL with a bounded loop of
sequential requests (p50, p95). Last, two sweepers at once (threads, each with its own session,
as tests/mediation/test_two_sweepers.py) take the 10,000 due deadlines' actions.

    python -m bench.cases [--requests 200] [--database-url postgresql+psycopg://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from bench.http.__main__ import (
    HOST,
    BenchError,
    base_env,
    free_port,
    fresh_postgres_database,
    loadavg,
    machine,
    run_command,
    serve,
    sign_in,
    tool,
)

TARGET_P95_MS = 100.0


def bench_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """``odr_bench_cases_<pid>`` on the server of ``server_url``, dropped on the way out."""
    return fresh_postgres_database(server_url, name=f"odr_bench_cases_{os.getpid()}")


def make_app(env: dict[str, str]) -> Any:
    from odr.app import create_app
    from odr.platform.config import Settings

    return create_app(Settings.from_env(environ={k: v for k, v in env.items() if k.startswith("ODR_")}))


def list_urls(seeded: Any) -> list[tuple[str, str]]:
    """(label, path and query) of the list URLs measured."""
    return [
        ("list, no filter", ""),
        ("list, state=open", "?state=open"),
        ("list, tier=2 + overdue", "?tier=2&overdue=1"),
        ("list, insurer", f"?insurer={seeded.insurer_public_id}"),
        ("list, search reference prefix", f"?q={seeded.reference_prefix}"),
        ("list, search customer name", f"?q={seeded.customer_name}"),
        ("list, page 10", "?page=10"),
    ]


def explain(app: Any, seeded: Any, urls: list[tuple[str, str]]) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement ``list_cases`` issues for each URL's filters."""
    from sqlalchemy import event, select
    from werkzeug.datastructures import MultiDict

    from odr.mediation.cases import queries
    from odr.mediation.cases.schemas import CaseFilterSchema, filters_from_args
    from odr.platform.extensions import db
    from odr.platform.tenancy import set_tenant
    from odr.tenants.models import User
    from odr.tenants.services import load

    out: list[str] = []
    with app.app_context(), app.test_request_context():
        session = db.session
        user = session.scalar(select(User).where(User.email == seeded.case_manager_email))
        set_tenant(session, user.tenant_id)
        engine = session.get_bind()
        for label, query in urls:
            args = MultiDict([tuple(p.split("=", 1)) for p in query.lstrip("?").split("&") if p])
            filters = load(CaseFilterSchema(), filters_from_args(args))
            captured: list[tuple[str, Any]] = []

            def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
                captured.append((statement, parameters))  # noqa: B023 - the loop's list, used at once

            event.listen(engine, "before_cursor_execute", capture)
            try:
                queries.list_cases(session, user, filters, count_limit=queries.COUNT_LIMIT)  # as the page does
            finally:
                event.remove(engine, "before_cursor_execute", capture)
            out.append(f"### {label} ({query or 'no query'})")
            for statement, parameters in captured:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                plan = session.connection().exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
                out.append("")
                out.append(" ".join(statement.split())[:400])
                out.extend("    " + line for line in plan)
            out.append("")
        session.rollback()
    return out


def time_url(url: str, cookie: str, n: int, warmup: int) -> tuple[float, float, int]:
    """p50 and p95 in milliseconds of ``n`` sequential GETs (after ``warmup``), and the body size."""
    with requests.Session() as client:
        client.headers["Cookie"] = cookie
        size = 0
        samples = []
        for i in range(warmup + n):
            start = time.perf_counter()
            answer = client.get(url, allow_redirects=False, timeout=30)
            elapsed = (time.perf_counter() - start) * 1000
            if answer.status_code != 200:
                raise BenchError(f"{url} answered {answer.status_code}, not 200")
            size = len(answer.content)
            if i >= warmup:
                samples.append(elapsed)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(round(0.95 * len(samples))) - 1)], size


def two_sweepers(app: Any, batch: int) -> dict[str, Any]:
    """Both sweepers start together; wall time from the start to the end of the slower one."""
    from odr.mediation.deadlines import sweep as sweeping
    from odr.platform.db import utcnow, write_intent
    from odr.platform.extensions import db

    now = utcnow()
    start = threading.Barrier(3)
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            with app.app_context(), write_intent(), db.state(app).factory() as session:
                start.wait(timeout=60)
                results[name] = sweeping.sweep(session, now, batch=batch)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    start.wait(timeout=60)
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=1800)
    seconds = time.perf_counter() - began
    if errors or len(results) != 2:
        raise BenchError(f"a sweeper failed: {errors}")
    one, two = results["one"], results["two"]
    total = {k: getattr(one, k) + getattr(two, k) for k in ("reminders", "chases", "escalations", "skipped", "failed")}
    return {"seconds": seconds, **total, "deadlines": len(one.deadlines | two.deadlines),
            "split": (len(one.deadlines), len(two.deadlines)),
            "overlap": len(one.deadlines & two.deadlines)}


def run(args: argparse.Namespace) -> int:
    started = datetime.now(UTC)
    info = machine(args.database_url)
    load_start = loadavg()
    print(f"bench.cases, {started:%Y-%m-%d %H:%M} UTC")
    for key, value in info.items():
        print(f"  {key:<10} {value}")
    print(f"  loadavg    {load_start} at the start", flush=True)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="odr-bench-cases-")))
        (tmp / "instance").mkdir()
        database_url = stack.enter_context(bench_database(args.database_url))
        port = free_port()
        env = base_env(tmp, port, args, database_url)
        # The embedded job consumer would sweep the due deadlines while the pages are measured;
        # the sweep is measured on its own below (in production it runs in ``odr worker``).
        env["ODR_JOBS_EMBEDDED"] = "false"
        odr = tool("odr")
        run_command([odr, "db", "upgrade"], env, tmp)

        from bench.cases.seed import seed
        from odr.platform.extensions import db

        app = make_app(env)
        print(f"\nSeeding {args.cases} cases ...", flush=True)
        with app.app_context():
            seeded = seed(db.session, cases=args.cases, due=args.due)
            db.session.remove()
        print(f"  {seeded.cases} cases, {seeded.deadlines} deadlines ({seeded.due} due), "
              f"in {seeded.seconds:.0f} s; states {seeded.counts}", flush=True)

        urls = list_urls(seeded)
        plans = explain(app, seeded, urls)
        if args.explain:
            Path(args.explain).write_text("\n".join(plans) + "\n")
            print(f"  EXPLAIN (ANALYZE) of the list queries written to {args.explain}")
        for line in plans:
            if line.startswith("###") or "Seq Scan on cases" in line or "Seq Scan on deadlines" in line \
                    or "Execution Time" in line:
                print("  " + line.strip())

        server = stack.enter_context(
            serve("odr", [odr, "serve", "--host", HOST, "--port", str(port)], env, tmp, port))
        server.wait_ready()
        tenant = seeded.tenants[0]
        cookie = sign_in(server.base, tenant, seeded.case_manager_email, seeded.password)
        targets = [(label, f"{server.base}/t/{tenant}/cases{query}") for label, query in urls]
        targets.append(("case page (open case)", f"{server.base}/t/{tenant}/cases/{seeded.sample_case}"))
        print(f"\n{args.requests} sequential requests per URL after {args.warmup} warm-up, signed in as "
              f"{seeded.case_manager_email}:\n")
        rows = ["| URL | p50 | p95 | p95 < 100 ms | bytes |", "|---|---:|---:|---|---:|"]
        for label, url in targets:
            p50, p95, size = time_url(url, cookie, args.requests, args.warmup)
            met = "yes" if p95 < TARGET_P95_MS else "no"
            rows.append(f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {met} | {size} |")
            print(rows[-1], flush=True)
        server.stop()
        load_mid = loadavg()

        if args.skip_sweep:
            return 0
        print(f"\nTwo sweepers at once over {seeded.due} due deadlines (batch {args.batch}) ...", flush=True)
        swept = two_sweepers(app, args.batch)
        seconds = swept["seconds"]
        actions = swept["reminders"] + swept["chases"] + swept["escalations"]
        print(f"  {seconds:.1f} s: {swept['reminders']} reminders ({swept['reminders'] / seconds:.1f}/s), "
              f"{swept['chases']} chases, {swept['escalations']} escalations "
              f"({swept['escalations'] / seconds:.1f}/s); {actions / seconds:.1f} actions/s, "
              f"{swept['deadlines'] / seconds:.1f} deadlines/s; split {swept['split']}, overlap {swept['overlap']}, "
              f"skipped {swept['skipped']}, failed {swept['failed']}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        print(f"\nloadavg {load_start} at the start, {load_mid} after the HTTP part, {loadavg()} at the end")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from odr.platform.config import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.cases", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1/postgres",
                        help="a database on the PostgreSQL server to use (needs CREATEDB)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000, help="deadlines due for the sweep")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per URL")
    parser.add_argument("--warmup", type=int, default=20, help="requests per URL before measuring")
    parser.add_argument("--batch", type=int, default=200, help="the sweep's batch of cases")
    parser.add_argument("--skip-sweep", action="store_true", help="only the pages, not the sweep")
    parser.add_argument("--explain", help="write the EXPLAIN (ANALYZE) plans to this file")
    parser.add_argument("--server-threads", type=int, default=Settings.threads)
    args = parser.parse_args(argv)
    if min(args.cases, args.requests, args.batch) < 1 or args.due > args.cases:
        parser.error("--cases, --requests, --batch must be positive; --due at most --cases")
    return args


def main(argv: list[str] | None = None) -> int:
    import signal

    from bench.http.__main__ import _terminate

    signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(parse_args(argv))
    except BenchError as exc:
        print(f"\nbench.cases: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

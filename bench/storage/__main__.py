"""bench/storage: an upload through ``odr serve`` into moto's S3, against boto3's own upload of the same bytes.

    .venv/bin/python -m bench.storage [--megabytes 500] [--rounds 5] [--json FILE] [--profile DIR]

Starts moto's S3 server and ``odr serve`` (gunicorn, gthread) on free ports of 127.0.0.1, with
``ODR_STORAGE_URL=s3://bench/docs``; signs in as the demo administrator; then, per round, uploads one
file of random bytes behind a PDF header through the server (the raw request body, as the documents
panel sends it) and the same file with a plain ``boto3`` ``upload_fileobj`` (a default client and
default transfer settings) to the same endpoint. The two go in alternating order from round to round,
so neither always meets a warmer or a fuller moto, and both objects are deleted after each round.
Prints per round the throughput of each, their ratio, the server worker's peak resident memory above
its level before the upload (sampled every 20 ms from /proc) and the load average before each leg;
then the median and the range of every figure over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import requests
from sqlalchemy import create_engine, select

from bench.http.__main__ import (
    BIN,
    CSRF_META,
    HOST,
    base_env,
    free_port,
    loadavg,
    machine,
    run_command,
    serve,
    sign_in,
)

BUCKET = "bench"


def worker_pid(master: int) -> int:
    """gunicorn's one worker: the master's child."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("no gunicorn worker")


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class PeakMemory:
    """The highest resident memory of a process while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self.baseline = rss_kib(pid)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        """Peak above the level before the block, in MiB."""
        return (self.peak - self.baseline) / 1024


class Profiler:
    """py-spy sampling a process (all its threads, idle ones left out) into collapsed stacks while the block runs."""

    def __init__(self, pid: int, out: Path | None) -> None:
        self.pid, self.out = pid, out
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Profiler:
        spy = shutil.which("py-spy") or str(BIN / "py-spy")
        if self.out is not None and Path(spy).exists():
            self._process = subprocess.Popen(  # noqa: S603 - a fixed command of this harness
                [spy, "record", "--pid", str(self.pid), "--rate", "200", "--format", "raw", "--threads",
                 "--nonblocking", "--output", str(self.out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)  # py-spy needs a moment to attach
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._process is not None:
            self._process.send_signal(2)  # SIGINT: py-spy writes its file and exits
            self._process.wait(timeout=60)


def make_file(path: Path, megabytes: int) -> None:
    """A PDF header, then random bytes (nothing compresses, nothing repeats)."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        for _ in range(megabytes):
            out.write(os.urandom(1024 * 1024))


def summary(results: list[dict[str, Any]], name: str) -> str:
    """``median (min–max)`` of one figure over the rounds."""
    values = [r[name] for r in results]
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", type=Path, help="write py-spy profiles of the worker and moto here")
    args = parser.parse_args(argv)
    args.server_threads = 20
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="odr-bench-storage-") as scratch:
        tmp = Path(scratch)
        moto_port, port = free_port(), free_port()
        endpoint = f"http://{HOST}:{moto_port}"
        env = base_env(tmp, port, args, "")
        env.update(ODR_STORAGE_URL=f"s3://{BUCKET}/docs", ODR_S3_ENDPOINT_URL=endpoint,
                   AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")  # noqa: S106 - moto takes any key
        os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto takes any key
                          AWS_DEFAULT_REGION="us-east-1")
        run_command([str(BIN / "odr"), "db", "upgrade"], env, tmp)
        run_command([str(BIN / "odr"), "demo"], env, tmp)
        database = tmp / "instance" / "odr.sqlite3"
        with sqlite3.connect(database) as conn:  # the demo tenant takes files this large
            conn.execute("UPDATE tenants SET policy = json_set(coalesce(policy, '{}'), '$.documents', "
                         "json(?))", (json.dumps({"max_bytes": (args.megabytes + 10) * 1024 * 1024}),))
        from odr.mediation.core.models import Case

        engine = create_engine(f"sqlite:///{database}")
        with engine.connect() as conn:
            case_id = conn.execute(select(Case.public_id).where(Case.idempotency_key == "demo-case-1")).scalar_one()
        engine.dispose()
        data = tmp / "evidence.pdf"
        make_file(data, args.megabytes)
        size = data.stat().st_size
        moto_cmd = [str(BIN / "moto_server"), "-H", HOST, "-p", str(moto_port)]
        with serve("moto", moto_cmd, env, tmp, moto_port) as moto, \
                serve("odr", [str(BIN / "odr"), "serve"], env, tmp, port) as odr:
            moto.wait_ready("/moto-api/")
            odr.wait_ready()
            # The baseline: a plain client and a plain upload_fileobj, every setting boto3's default.
            s3 = boto3.client("s3", endpoint_url=endpoint)
            s3.create_bucket(Bucket=BUCKET)
            browser = requests.Session()
            browser.headers["Cookie"] = sign_in(odr.base)
            # The CSRF token lives in the session cookie, which this page may renew: keep the newest.
            answer = browser.get(f"{odr.base}/t/harbour/", timeout=10)
            token = CSRF_META.search(answer.text)[1]
            if answer.cookies:
                browser.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in answer.cookies.items())
            worker = worker_pid(odr.process.pid)
            upload_url = f"{odr.base}/api/v1/t/harbour/cases/{case_id}/documents?channel=joint"
            results = []
            for round_no in range(1, args.rounds + 1):
                figures: dict[str, Any] = {}

                def through_odr(round_no: int = round_no, figures: dict[str, Any] = figures) -> None:
                    figures["load_odr"] = loadavg()
                    spy = args.profile / f"worker-{round_no}.txt" if args.profile else None
                    moto_spy = args.profile / f"moto-{round_no}.txt" if args.profile else None
                    with data.open("rb") as body, Profiler(worker, spy), Profiler(moto.process.pid, moto_spy), \
                            PeakMemory(worker) as memory:
                        started = time.perf_counter()
                        response = browser.post(upload_url, data=body, timeout=1800, headers={
                            "X-CSRFToken": token, "X-File-Name": quote(data.name),
                            "Content-Type": "application/octet-stream", "Content-Length": str(size)})
                        figures["odr_seconds"] = time.perf_counter() - started
                    if response.status_code != 201:
                        raise RuntimeError(f"upload answered {response.status_code}: {response.text[:500]}")
                    figures["server_peak_growth_mib"] = memory.growth_mib

                def plain_boto3(round_no: int = round_no, figures: dict[str, Any] = figures) -> None:
                    figures["load_boto3"] = loadavg()
                    with data.open("rb") as body:
                        started = time.perf_counter()
                        s3.upload_fileobj(body, BUCKET, f"baseline/{round_no}")
                        figures["boto3_seconds"] = time.perf_counter() - started

                legs: list[Callable[[], None]] = [through_odr, plain_boto3]
                for leg in legs if round_no % 2 else reversed(legs):
                    leg()
                # Empty the bucket: moto keeps every object, and a fuller moto is a slower one.
                for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
                    s3.delete_object(Bucket=BUCKET, Key=item["Key"])
                result = {
                    "round": round_no, "order": "odr first" if round_no % 2 else "boto3 first",
                    "megabytes": size / 1e6,
                    "server_mb_s": size / 1e6 / figures["odr_seconds"],
                    "boto3_mb_s": size / 1e6 / figures["boto3_seconds"],
                    "ratio": figures["boto3_seconds"] / figures["odr_seconds"],
                    "server_peak_growth_mib": figures["server_peak_growth_mib"],
                    "load_odr": figures["load_odr"], "load_boto3": figures["load_boto3"],
                }
                results.append(result)
                print(f"round {round_no} ({result['order']}): through odr {result['server_mb_s']:.1f} MB/s "
                      f"(load {result['load_odr']}), boto3 {result['boto3_mb_s']:.1f} MB/s "
                      f"(load {result['load_boto3']}), ratio {result['ratio']:.2f}; server peak memory "
                      f"+{result['server_peak_growth_mib']:.1f} MiB", flush=True)
        print(f"median (range) over {len(results)} rounds: ratio {summary(results, 'ratio')}, through odr "
              f"{summary(results, 'server_mb_s')} MB/s, boto3 {summary(results, 'boto3_mb_s')} MB/s, "
              f"server peak memory +{summary(results, 'server_peak_growth_mib')} MiB")
        facts = machine("")
        print(json.dumps(facts, indent=2))
        if args.json:
            args.json.write_text(json.dumps({"machine": facts, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

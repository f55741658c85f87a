"""bench/storage: an upload through ``odr serve`` into moto's S3, against boto3's own upload of the same bytes.

    .venv/bin/python -m bench.storage [--megabytes 500] [--rounds 2]

Starts moto's S3 server and ``odr serve`` (gunicorn, gthread) on free ports of 127.0.0.1, with
``ODR_STORAGE_URL=s3://bench/docs``; signs in as the demo administrator; then, per round, uploads one
file of random bytes behind a PDF header through the server (the raw request body, as the documents
panel sends it) and the same file with a plain ``boto3`` ``upload_fileobj`` (default transfer settings)
to the same endpoint. Prints the throughput of each and their ratio, and the server worker's peak
resident memory above its level before the upload (sampled every 20 ms from /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import threading
import time
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
        return (self.peak - self.baseline) / 1024


def make_file(path: Path, megabytes: int) -> None:
    """A PDF header, then random bytes (nothing compresses, nothing repeats)."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        for _ in range(megabytes):
            out.write(os.urandom(1024 * 1024))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.server_threads = 20
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
        from odr.mediation.cases.models import Case

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
            results = []
            for round_no in range(1, args.rounds + 1):
                load_before = loadavg()
                with data.open("rb") as body, PeakMemory(worker) as memory:
                    started = time.perf_counter()
                    response = browser.post(
                        f"{odr.base}/api/v1/t/harbour/cases/{case_id}/documents?channel=joint", data=body,
                        headers={"X-CSRFToken": token, "X-File-Name": quote(data.name),
                                 "Content-Type": "application/octet-stream", "Content-Length": str(size)},
                        timeout=1800)
                    server_seconds = time.perf_counter() - started
                if response.status_code != 201:
                    raise RuntimeError(f"upload answered {response.status_code}: {response.text[:500]}")
                with data.open("rb") as body:
                    started = time.perf_counter()
                    s3.upload_fileobj(body, BUCKET, f"baseline/{round_no}")
                    boto_seconds = time.perf_counter() - started
                s3.delete_object(Bucket=BUCKET, Key=f"baseline/{round_no}")
                result = {
                    "round": round_no, "megabytes": size / 1e6,
                    "server_mb_s": size / 1e6 / server_seconds, "boto3_mb_s": size / 1e6 / boto_seconds,
                    "ratio": boto_seconds / server_seconds, "server_peak_growth_mib": memory.growth_mib,
                    "load_before": load_before, "load_after": loadavg(),
                }
                results.append(result)
                print(f"round {round_no}: through odr {result['server_mb_s']:.1f} MB/s, boto3 "
                      f"{result['boto3_mb_s']:.1f} MB/s, ratio {result['ratio']:.2f}; server peak memory "
                      f"+{result['server_peak_growth_mib']:.1f} MiB; load {load_before} -> {result['load_after']}")
        facts = machine("")
        print(json.dumps(facts, indent=2))
        if args.json:
            args.json.write_text(json.dumps({"machine": facts, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Real servers for the storage tests: moto's S3 over HTTP, a proxy that injects faults, and clamd."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The EICAR test file: harmless, and detected as a virus by every scanner on purpose.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_s3() -> Iterator[str]:
    """moto's S3 on 127.0.0.1 and a free port, with test credentials; its endpoint URL."""
    from moto.server import ThreadedMotoServer

    saved = {key: os.environ.get(key) for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                   "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",  # noqa: S105
                      AWS_DEFAULT_REGION="us-east-1")
    os.environ.pop("AWS_SESSION_TOKEN", None)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class FaultyProxy:
    """A tiny HTTP proxy in front of moto that can answer 503 SlowDown instead of passing requests on."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.failures_left = 0
        self.always = False
        self.failed = 0
        self.forwarded = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.always or proxy.failures_left > 0:
                    proxy.failures_left = max(0, proxy.failures_left - 1)
                    proxy.failed += 1
                    payload = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code>"
                               b"<Message>Please reduce your request rate.</Message></Error>")
                    self.send_response(503)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                proxy.forwarded += 1
                connection = http.client.HTTPConnection(proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"connection", "expect"}}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in {"transfer-encoding", "connection", "content-length"}:
                        self.send_header(key, value)
                # A HEAD answer has no body but tells the object's length.
                length = response.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                connection.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def running_clamd(tmp: Path) -> Iterator[str]:
    """A real clamd with a signature file of its own (the EICAR signature); its ``tcp://`` URL."""
    database = tmp / "db"
    database.mkdir(parents=True, exist_ok=True)
    # An extended (ndb) signature: the EICAR string, anywhere in any file.
    (database / "eicar.ndb").write_text(f"Odr.Test.EICAR:0:*:{EICAR[:48].hex()}\n")
    port = free_port()
    config = tmp / "clamd.conf"
    config.write_text("\n".join([
        "Foreground yes",
        f"DatabaseDirectory {database}",
        "TCPAddr 127.0.0.1",
        f"TCPSocket {port}",
        "StreamMaxLength 200M",
        f"LogFile {tmp / 'clamd.log'}",
        f"TemporaryDirectory {tmp}",
        "User root" if os.geteuid() == 0 else "",
        "",
    ]))
    process = subprocess.Popen([CLAMD, "--config-file", str(config)], stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log = (tmp / "clamd.log").read_text() if (tmp / "clamd.log").exists() else ""
                raise RuntimeError(f"clamd exited with {process.returncode}:\n{log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"nPING\n")
                    if sock.recv(16).startswith(b"PONG"):
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("clamd did not answer PING within 60 s")
        yield f"tcp://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

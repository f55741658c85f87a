"""Running wrk and reading its report (requests per second, latency percentiles, errors)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field

_TIME_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}  # to milliseconds
_SIZE_UNITS = {
    "B": 1,
    "KB": 1024,
    "MB": 1024**2,
    "GB": 1024**3,
    "TB": 1024**4,
}  # wrk counts in 1024s

_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.M)
_PERCENTILE = re.compile(r"^\s+(\d+(?:\.\d+)?)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_TOTAL = re.compile(
    r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m|h), ([\d.]+)(B|KB|MB|GB|TB) read\s*$", re.M
)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


class WrkError(RuntimeError):
    """wrk failed or printed something this module cannot read."""


@dataclass
class WrkResult:
    """What one wrk run measured."""

    requests_per_second: float
    requests: int
    duration_ms: float
    bytes_read: float
    percentiles_ms: dict[float, float] = field(default_factory=dict)
    socket_errors: dict[str, int] = field(default_factory=dict)
    non_2xx_3xx: int = 0

    @property
    def p99_ms(self) -> float:
        """The 99th percentile latency in milliseconds."""
        return self.percentiles_ms[99.0]

    @property
    def p50_ms(self) -> float:
        """The median latency in milliseconds."""
        return self.percentiles_ms[50.0]

    @property
    def bytes_per_response(self) -> float:
        """Average bytes read per response, headers included (a check that pages were served)."""
        return self.bytes_read / self.requests if self.requests else 0.0

    @property
    def errors(self) -> int:
        """Socket errors plus responses that were neither 2xx nor 3xx."""
        return sum(self.socket_errors.values()) + self.non_2xx_3xx


def parse_wrk(text: str) -> WrkResult:
    """Read the report wrk prints with ``--latency``."""
    rps = _RPS.search(text)
    total = _TOTAL.search(text)
    if rps is None or total is None:
        raise WrkError(f"cannot read this wrk report:\n{text}")
    percentiles = {
        float(p): float(v) * _TIME_UNITS[unit] for p, v, unit in _PERCENTILE.findall(text)
    }
    if 99.0 not in percentiles:
        raise WrkError(f"no 99th percentile in this wrk report (run it with --latency):\n{text}")
    socket = _SOCKET.search(text)
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, socket.groups()), strict=True))
        if socket
        else {}
    )
    non_2xx = _NON_2XX.search(text)
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        requests=int(total.group(1)),
        duration_ms=float(total.group(2)) * _TIME_UNITS[total.group(3)],
        bytes_read=float(total.group(4)) * _SIZE_UNITS[total.group(5)],
        percentiles_ms=percentiles,
        socket_errors=socket_errors,
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def wrk_path() -> str:
    """The wrk executable, or a clear error saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise WrkError("wrk is not installed: apt-get install -y wrk")
    return path


def wrk_version() -> str:
    """The first line wrk prints about itself."""
    done = subprocess.run(  # noqa: S603 - a fixed argument list
        [wrk_path(), "-v"], capture_output=True, text=True, timeout=10, check=False
    )
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else "wrk (unknown version)"


def run_wrk(
    url: str,
    *,
    seconds: int,
    threads: int,
    connections: int,
    headers: dict[str, str] | None = None,
    latency: bool = True,
) -> tuple[WrkResult | None, str]:
    """Load ``url`` for ``seconds``; the parsed result (None without ``latency``) and the report."""
    command = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s"]
    if latency:
        command.append("--latency")
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    try:
        done = subprocess.run(  # noqa: S603 - arguments built above, no shell
            command, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise WrkError(f"wrk did not finish within {seconds + 30}s: {url}") from exc
    if done.returncode != 0:
        raise WrkError(f"wrk exited with {done.returncode}: {done.stderr or done.stdout}")
    return (parse_wrk(done.stdout) if latency else None), done.stdout

"""The pure arithmetic of the rooms benchmark: percentiles, a run's figures, ratios, the verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100) of ``values``, nearest rank; NaN when there are none."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError(f"a percentile is between 0 and 100, not {p}")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def send_times(rate: float, seconds: float) -> list[float]:
    """When to send (seconds from the start) for an open-loop load of ``rate`` messages a second."""
    if rate <= 0 or seconds <= 0:
        return []
    count = int(rate * seconds)
    return [n / rate for n in range(count)]


def rss_kib(status: str) -> int:
    """The resident set size in KiB, read from the text of ``/proc/<pid>/status``."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise ValueError(f"unexpected VmRSS unit {unit!r}")
            return int(value)
    raise ValueError("no VmRSS line (the process has exited?)")


@dataclass(frozen=True)
class RunFigures:
    """What one load run measured on one server."""

    offered_rate: float  # messages sent per second
    sent: int
    acked: int
    refused: int
    expected: int  # deliveries there should have been (acked messages x receivers each)
    delivered: int
    seconds: float  # from the first send to the last delivery
    p50_ms: float
    p99_ms: float
    rss_per_connection_kib: float

    @property
    def delivered_per_second(self) -> float:
        """Deliveries a second over the run."""
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    @property
    def lost(self) -> int:
        """Deliveries that never came (a broadcast server delivers at most once)."""
        return self.expected - self.delivered


def figures(*, offered_rate: float, sent: int, acked: int, refused: int, receivers: int,
            latencies_ms: list[float], seconds: float, rss_per_connection_kib: float) -> RunFigures:
    """A run's figures from its raw counts and the latency of each delivery."""
    return RunFigures(
        offered_rate=offered_rate, sent=sent, acked=acked, refused=refused, expected=acked * receivers,
        delivered=len(latencies_ms), seconds=seconds, p50_ms=percentile(latencies_ms, 50),
        p99_ms=percentile(latencies_ms, 99), rss_per_connection_kib=rss_per_connection_kib,
    )


@dataclass(frozen=True)
class Verdict:
    """Ours against the bare server's at one load: the two ratios and whether the target is met."""

    throughput_ratio: float  # ours / bare, deliveries a second: at least 0.5
    p99_ratio: float  # ours / bare: at most 2.0

    @property
    def met(self) -> bool:
        """Both halves of the target hold."""
        return self.throughput_ratio >= 0.5 and self.p99_ratio <= 2.0


def verdict(ours: RunFigures, bare: RunFigures) -> Verdict:
    """Compare a run on our server with the same run on the bare one."""
    throughput = ours.delivered_per_second / bare.delivered_per_second if bare.delivered_per_second else math.nan
    p99 = ours.p99_ms / bare.p99_ms if bare.p99_ms else math.nan
    return Verdict(throughput, p99)


def fmt_ms(ms: float) -> str:
    """Milliseconds for a table: one decimal, or microseconds under a millisecond."""
    if math.isnan(ms):
        return "n/a"
    return f"{ms:.1f} ms" if ms >= 1 else f"{ms * 1000:.0f} us"

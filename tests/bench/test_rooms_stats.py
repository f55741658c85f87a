"""The rooms benchmark's arithmetic: percentiles, the send schedule, /proc memory, ratios and verdict."""

from __future__ import annotations

import math

import pytest

from bench.rooms.load import Load
from bench.rooms.stats import figures, fmt_ms, percentile, rss_kib, send_times, verdict

# /proc/<pid>/status of a gunicorn worker, abridged.
STATUS = """\
Name:\tgunicorn
Umask:\t0022
State:\tS (sleeping)
VmPeak:\t  612344 kB
VmSize:\t  545812 kB
VmHWM:\t  121004 kB
VmRSS:\t  118532 kB
RssAnon:\t   84320 kB
Threads:\t217
"""


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile(values, 0) == 1.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert math.isnan(percentile([], 99))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_the_schedule_is_open_loop_and_evenly_spaced() -> None:
    times = send_times(100, 2)
    assert len(times) == 200
    assert times[0] == 0 and times[1] == pytest.approx(0.01) and times[-1] == pytest.approx(1.99)
    assert send_times(0, 5) == [] and send_times(10, 0) == []


def test_memory_is_read_from_proc_status() -> None:
    assert rss_kib(STATUS) == 118532
    with pytest.raises(ValueError):
        rss_kib("Name:\tgone\n")


def test_figures_count_what_was_delivered_and_lost() -> None:
    run = figures(offered_rate=50, sent=100, acked=98, refused=2, receivers=2,
                  latencies_ms=[1.0] * 190 + [40.0] * 5, seconds=2.0, rss_per_connection_kib=300)
    assert run.expected == 196 and run.delivered == 195 and run.lost == 1
    assert run.delivered_per_second == 97.5
    assert run.p50_ms == 1.0 and run.p99_ms == 40.0


def test_the_verdict_needs_half_the_throughput_and_at_most_twice_the_p99() -> None:
    def run(rate: float, p99: float) -> object:
        return figures(offered_rate=rate, sent=10, acked=10, refused=0, receivers=2,
                       latencies_ms=[p99] * 10, seconds=1 / rate * 20, rss_per_connection_kib=0)

    bare = run(10, 10.0)
    assert verdict(run(10, 20.0), bare).met
    ratio = verdict(run(10, 25.0), bare)
    assert not ratio.met and ratio.p99_ratio == pytest.approx(2.5)
    slow = verdict(run(4, 10.0), bare)
    assert slow.throughput_ratio == pytest.approx(0.4) and not slow.met


def test_milliseconds_are_formatted_for_the_table() -> None:
    assert fmt_ms(12.345) == "12.3 ms"
    assert fmt_ms(0.25) == "250 us"
    assert fmt_ms(math.nan) == "n/a"


def test_clients_come_three_to_a_room() -> None:
    with pytest.raises(ValueError):
        Load("http://127.0.0.1:1", [("case", None)] * 4)
    assert Load("http://127.0.0.1:1", [("a", None)] * 3 + [("b", None)] * 3).rooms == 2

"""The HTTP benchmark reads wrk's report correctly (no timing is asserted anywhere here)."""

from __future__ import annotations

import pytest

from bench.http.bare import page_of
from bench.http.wrk import WrkError, parse_wrk

# Captured from wrk 4.1.0 (Debian) against the bare app.
REPORT = """\
Running 5s test @ http://127.0.0.1:18111/t/harbour/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   202.63ms   55.22ms 386.69ms   71.76%
    Req/Sec    38.87     15.04    70.00     63.64%
  Latency Distribution
     50%  197.91ms
     75%  234.95ms
     90%  272.02ms
     99%  349.99ms
  386 requests in 5.01s, 1.74MB read
Requests/sec:     77.01
Transfer/sec:    355.66KB
"""

# Captured likewise, with a 404 route; the socket error line is the one wrk's source prints.
REPORT_WITH_ERRORS = """\
Running 2s test @ http://127.0.0.1:18222/nope
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   847.00us   10.82ms  87.67ms   89.55%
    Req/Sec   521.67    223.94     0.99k    65.00%
  Latency Distribution
     50%  847.00us
     75%   11.76ms
     90%   21.58ms
     99%    1.20s
  2105 requests in 2.03s, 766.76KB read
  Socket errors: connect 0, read 3, write 0, timeout 12
  Non-2xx or 3xx responses: 2105
Requests/sec:   1035.42
Transfer/sec:    377.16KB
"""


def test_reads_requests_per_second_and_percentiles() -> None:
    result = parse_wrk(REPORT)
    assert result.requests_per_second == 77.01
    assert result.requests == 386
    assert result.p50_ms == 197.91
    assert result.p99_ms == 349.99
    assert result.percentiles_ms == {50.0: 197.91, 75.0: 234.95, 90.0: 272.02, 99.0: 349.99}
    assert result.duration_ms == pytest.approx(5010)
    assert result.bytes_per_response == pytest.approx(1.74 * 1024 * 1024 / 386)
    assert result.errors == 0


def test_reads_units_and_errors() -> None:
    result = parse_wrk(REPORT_WITH_ERRORS)
    assert result.p50_ms == pytest.approx(0.847)
    assert result.p99_ms == pytest.approx(1200)
    assert result.bytes_read == pytest.approx(766.76 * 1024)
    assert result.socket_errors == {"connect": 0, "read": 3, "write": 0, "timeout": 12}
    assert result.non_2xx_3xx == 2105
    assert result.errors == 2120


def test_refuses_a_report_without_latency() -> None:
    without = "\n".join(line for line in REPORT.splitlines() if "%" not in line or "Stdev" in line)
    with pytest.raises(WrkError):
        parse_wrk(without)
    with pytest.raises(WrkError):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


@pytest.mark.parametrize("size", [200, 3566, 3567, 10_000])
def test_bare_page_has_exactly_the_size_asked(size: int) -> None:
    assert len(page_of(size)) == size

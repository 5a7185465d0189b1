"""What a Worker prints is captured per request: stdout and stderr are routed by context while
requests run and put back afterwards, a stream a Worker closed is not reused, and partial
writes become whole lines."""

from __future__ import annotations

import sys

from workers_emulator.logs import LineCollector, captured_output


def test_capture_restores_the_streams_and_routes_by_context() -> None:
    before = (sys.stdout, sys.stderr)
    lines: list[tuple[str, str]] = []
    collector = LineCollector(lambda stream, line: lines.append((stream, line)))
    for _ in range(2):
        with captured_output(collector):
            print("out")
            print("err", file=sys.stderr)
            assert sys.stdout is not before[0]
            assert not sys.stdout.closed
        assert (sys.stdout, sys.stderr) == before
    assert lines == [("stdout", "out"), ("stderr", "err")] * 2


def test_a_stream_proxy_closed_by_a_worker_is_replaced_for_the_next_capture() -> None:
    seen: list[tuple[str, str]] = []

    def sink(stream: str, text: str) -> None:
        seen.append((stream, text))

    with captured_output(sink):
        sys.stdout.close()  # a Worker may close what it takes for its stdout
    with captured_output(sink):
        assert not sys.stdout.closed  # a new proxy, not the closed one
        print("after")
        print("err", file=sys.stderr)
    assert ("stdout", "after") in seen and ("stderr", "err") in seen


def test_line_collector_joins_partial_writes_and_flushes_the_rest_on_close() -> None:
    lines: list[tuple[str, str]] = []
    collector = LineCollector(lambda stream, line: lines.append((stream, line)))
    collector("stdout", "a")
    collector("stderr", "x\n")
    collector("stdout", "b\nc\n\nd")
    collector("stdout", "")
    assert lines == [("stderr", "x"), ("stdout", "ab"), ("stdout", "c"), ("stdout", "")]
    collector.close()
    assert lines[-1] == ("stdout", "d")
    collector.close()
    assert len(lines) == 5

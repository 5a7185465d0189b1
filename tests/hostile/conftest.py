"""Shared fixtures: a configured in-process Emulator on a ManualClock, and real dev servers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from workers_emulator import Emulator, ManualClock

from tests.hostile.harness import (
    FIGURES,
    START,
    DevServer,
    NewLicense,
    Runner,
    create_license,
    make_emulator,
    start_dev_server,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=START)


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[Emulator]:
    emu = make_emulator(clock)
    yield emu
    emu.close()


@pytest.fixture
def runner(emulator: Emulator) -> Iterator[Runner]:
    run = Runner(emulator)
    yield run
    run.close()


@pytest.fixture
def new_license(runner: Runner) -> Callable[..., NewLicense]:
    return lambda **kwargs: create_license(runner.emulator, **kwargs)


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = start_dev_server(tmp_path_factory.mktemp("hostile-dev"))
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("hostile traffic figures")
    total = 0
    for name, figures in FIGURES.items():
        total += int(figures.get("requests", 0))
        write(f"{name:24s} {json.dumps(figures, sort_keys=True)}")
    write(f"{'total requests':24s} {total}")

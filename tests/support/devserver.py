"""A real server in a subprocess: ``workers-emulator dev`` on the repo's Worker, and the chores
every such harness repeats (a free loopback port, waiting for readiness, stopping cleanly).

Readiness and start-up failures carry the server's own output, so a failing fixture says why.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TextIO

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
EXECUTABLE = Path(sys.executable).parent / "workers-emulator"
WRANGLER = REPO / "node_modules" / ".bin" / "wrangler"
WORKERD = REPO / "node_modules" / ".bin" / "workerd"


def wrangler_unavailable() -> str | None:
    """Why the repo's ``wrangler`` (and the workerd it runs) cannot run here, or ``None``."""
    if shutil.which("node") is None:
        return "node is not installed: wrangler runs on it"
    if not WRANGLER.exists():
        return "node_modules/.bin/wrangler is missing: run `npm ci` to install wrangler"
    if not WORKERD.exists():
        return "node_modules/.bin/workerd is missing: wrangler has no runtime to run"
    return None


def require_wrangler() -> None:
    """Skip the calling test, saying why, where ``wrangler`` cannot run."""
    reason = wrangler_unavailable()
    if reason is not None:
        pytest.skip(reason)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerNotReady(RuntimeError):
    """The server exited, or did not answer in time; the message carries its output."""

    def __init__(self, message: str, output: str, exited: bool) -> None:
        super().__init__(f"{message}:\n{output}")
        self.output = output
        self.exited = exited


def wait_until_healthy(
    url: str,
    process: subprocess.Popen[bytes],
    output: Callable[[], str],
    *,
    name: str,
    timeout: float,
    interval: float = 0.2,
    request_timeout: float = 1.0,
) -> None:
    """Poll ``url`` until it answers 200; raise ServerNotReady if the process exits first or
    ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerNotReady(
                f"{name} exited with {process.returncode} before serving", output(), exited=True
            )
        try:
            if httpx.get(url, timeout=request_timeout).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise ServerNotReady(f"{name} did not answer within {timeout} s", output(), False)
        time.sleep(interval)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group a ``start_new_session`` child leads, then SIGKILL."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def spawn_wrangler(command: list[str], cwd: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """``wrangler dev`` (or ``pywrangler dev``) without metrics, colour or a terminal, its output
    in ``log_path``, in its own process group so that workerd's children die with it (stop it
    with ``stop_process_group``)."""
    env = {**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "1", "NO_COLOR": "1"}
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


@contextmanager
def wrangler_dev_group(
    launcher: list[str],
    *extra_args: str,
    cwd: Path,
    folder: Path,
    health_path: str,
    timeout: float,
    interval: float,
) -> Iterator[tuple[str, int]]:
    """``<launcher> dev`` on a free loopback port, its state and its log (named after the
    launcher's last word, e.g. ``pywrangler.log``) in ``folder``; yields the base URL and the
    process group id (wrangler and workerd: their CPU together is the server's) once
    ``health_path`` answers 200, raises ServerNotReady otherwise, and always stops the group."""
    program = Path(launcher[-1]).name
    port = free_port()
    log_path = folder / f"{program}.log"
    command = [
        *launcher,
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--inspector-port",
        str(free_port()),  # not the default 9229: another wrangler may be running
        "--show-interactive-dev-session=false",
        "--persist-to",
        str(folder / "state"),
        *extra_args,
    ]
    process = spawn_wrangler(command, cwd, log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(
            f"{url}{health_path}",
            process,
            lambda: log_path.read_text(errors="replace"),
            name=f"{program} dev",
            timeout=timeout,
            interval=interval,
            request_timeout=2,
        )
        yield url, process.pid
    finally:
        stop_process_group(process)


@contextmanager
def wrangler_dev(
    launcher: list[str],
    *extra_args: str,
    cwd: Path,
    folder: Path,
    health_path: str,
    timeout: float,
    interval: float,
) -> Iterator[str]:
    """``wrangler_dev_group`` yielding the base URL alone."""
    with wrangler_dev_group(
        launcher,
        *extra_args,
        cwd=cwd,
        folder=folder,
        health_path=health_path,
        timeout=timeout,
        interval=interval,
    ) as (url, _group):
        yield url


def config_flags(primary: Path, beside: Sequence[Path]) -> list[str]:
    """``--config`` for the primary Worker and then for each Worker run beside it (a config
    file, or a folder holding one), as both ``wrangler dev`` and ``workers-emulator dev``
    take a session of several Workers."""
    return [flag for path in (primary, *beside) for flag in ("--config", str(config_in(path)))]


def config_in(path: Path) -> Path:
    """``path`` if it is a config file, else the wrangler config in the folder ``path``."""
    if path.is_file():
        return path
    for name in ("wrangler.jsonc", "wrangler.json", "wrangler.toml"):
        if (path / name).is_file():
            return path / name
    raise FileNotFoundError(f"no wrangler.jsonc, wrangler.json or wrangler.toml in {path}")


@contextmanager
def emulator_dev(
    config: Path,
    *extra_args: str,
    folder: Path,
    health_path: str,
    timeout: float = 60,
    beside: Sequence[Path] = (),
) -> Iterator[str]:
    """``workers-emulator dev --config <config>`` on a free loopback port (with a further
    ``--config`` for each Worker ``beside`` it), its state and its log
    (``workers-emulator.log``) in ``folder``; yields the base URL once ``health_path`` answers
    200, raises ServerNotReady otherwise, and always stops the process."""
    port = free_port()
    log_path = folder / "workers-emulator.log"
    command = [str(EXECUTABLE), "dev", *config_flags(config, beside), "--port", str(port)]
    command += ["--persist-to", str(folder / "state"), *extra_args]
    # A Worker run in-process by an earlier test may have set this in os.environ (the
    # process's, not an isolate's): the server's Worker must choose its own.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=config.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**env, "PYTHONUNBUFFERED": "1"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(
            f"{url}{health_path}",
            process,
            lambda: log_path.read_text(errors="replace"),
            name="workers-emulator dev",
            timeout=timeout,
        )
        yield url
    finally:
        stop_process(process)


def write_config(folder: Path, secrets: Mapping[str, str]) -> Path:
    """The repo's wrangler.toml in ``folder`` with ``main`` made absolute, and a .dev.vars
    holding ``secrets`` beside it."""
    source = (REPO / "wrangler.toml").read_text(encoding="utf-8")
    entry = (REPO / "src" / "entry.py").as_posix()
    text, replaced = re.subn(r"(?m)^main\s*=.*$", f'main = "{entry}"', source, count=1)
    assert replaced == 1, "wrangler.toml has no main line"
    config = folder / "wrangler.toml"
    config.write_text(text, encoding="utf-8")
    dev_vars = "".join(f'{name}="{value}"\n' for name, value in secrets.items())
    (folder / ".dev.vars").write_text(dev_vars, encoding="utf-8")
    return config


class DevServer:
    """``workers-emulator dev`` serving the repo's Worker from ``folder`` on a free port.

    ``folder`` receives the config, the .dev.vars, ``server.log`` (stdout and stderr) and, by
    default, the persisted state. Use as a context manager, or call ``start`` and ``stop``.
    """

    def __init__(
        self,
        folder: Path,
        secrets: Mapping[str, str],
        *extra_args: str,
        persist_to: Path | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.folder = folder
        self.secrets = dict(secrets)
        self.token = self.secrets.get("ADMIN_TOKEN", "")
        self.extra_args = extra_args
        self.persist_to = persist_to if persist_to is not None else folder / "state"
        self.timeout = timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = folder / "wrangler.toml"
        self.log_path = folder / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def output(self) -> str:
        """Everything the server printed so far."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> DevServer:
        """Start the server and wait until /healthz answers; ServerNotReady otherwise."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config = write_config(self.folder, self.secrets)
        command = [
            str(EXECUTABLE),
            "dev",
            "--config",
            str(self.config),
            "--port",
            str(self.port),
            "--persist-to",
            str(self.persist_to),
            *self.extra_args,
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        try:
            wait_until_healthy(
                f"{self.url}/healthz",
                self.process,
                self.output,
                name="workers-emulator dev",
                timeout=self.timeout,
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; only the process this object started."""
        if self.process is not None:
            stop_process(self.process)

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def emulator_command(*args: str) -> list[str]:
    uv = shutil.which("uv")
    if uv is not None:
        return [uv, "run", "--frozen", "workers-emulator", *args]
    return [str(Path(sys.executable).parent / "workers-emulator"), *args]


class DevProcess:
    """``workers-emulator dev --config CONFIG`` (plus ``args``) on a free port, its output
    collected line by line (``out``, ``err``); ``wait_ready`` waits for ``Ready on``."""

    def __init__(self, config: Path, *args: str, port: int | None = None) -> None:
        self.config = config
        self.port = free_port() if port is None else port
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            emulator_command("dev", "--config", str(config), "--port", str(self.port), *args),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._ready: queue.Queue[bool] = queue.Queue()
        self._pumps = [
            threading.Thread(target=self._pump, args=(stream, lines), daemon=True)
            for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))
        ]
        for pump in self._pumps:
            pump.start()

    def _pump(self, stream: TextIO, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))
            if line.startswith("Ready on"):
                self._ready.put(True)
        self._ready.put(False)

    def wait_ready(self, timeout: float = 60) -> None:
        if not self._ready.get(timeout=timeout):
            raise RuntimeError(f"dev server did not start: {self.out} {self.err}")

    def wait_for_line(self, text: str, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.out):
                return
            time.sleep(0.02)
        raise AssertionError(f"{text!r} not in {self.out}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the process (SIGKILL after 20 s), read the rest of its output, close it."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        for pump in self._pumps:
            pump.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        return code


TWIN_STARTUP_SECONDS = 90
TWIN_LOG = "wrangler.log"  # in the twin's folder, as wrangler_dev names it


@contextmanager
def js_twin_group(
    worker: Path,
    folder: Path,
    timeout: float = TWIN_STARTUP_SECONDS,
    *,
    args: Sequence[str] = (),
    health_path: str = "/health",
    beside: Sequence[Path] = (),
) -> Iterator[tuple[str, int]]:
    """``wrangler dev --local`` serving ``worker`` (a config file, or a folder holding one; run
    from its folder) with ``args``, and the Workers ``beside`` it (reachable through its
    bindings only), state and ``wrangler.log`` in ``folder``; yields the base URL and the
    process group id once ``health_path`` answers 200, raises ServerNotReady otherwise."""
    with wrangler_dev_group(
        [str(WRANGLER)],
        "--local",
        *config_flags(worker, beside),
        *args,
        cwd=worker if worker.is_dir() else worker.parent,
        folder=folder,
        health_path=health_path,
        timeout=timeout,
        interval=0.3,
    ) as served:
        yield served


@contextmanager
def js_twin(
    worker: Path,
    folder: Path,
    timeout: float = TWIN_STARTUP_SECONDS,
    *,
    args: Sequence[str] = (),
    health_path: str = "/health",
    beside: Sequence[Path] = (),
) -> Iterator[str]:
    """``js_twin_group`` for a differential test, yielding the base URL: skips where wrangler
    cannot run, fails (with wrangler's output) if the twin never answers."""
    require_wrangler()
    try:
        with js_twin_group(
            worker, folder, timeout, args=args, health_path=health_path, beside=beside
        ) as (url, _group):
            yield url
    except ServerNotReady as error:
        pytest.fail(str(error))

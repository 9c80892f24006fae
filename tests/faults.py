"""Helpers of the fault tests (issue 9): a throw-away Redis server, a TCP proxy standing in for
PostgreSQL's port, and Celery worker processes pointed at them. Everything stays on loopback.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from satisfaction.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def give_up(reason: str) -> None:
    (pytest.fail if os.environ.get("CI_REQUIRE_SERVICES") else pytest.skip)(reason)


class RedisServer:
    """A ``redis-server`` of our own on a free port, stopped and started by the test."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            give_up("needs redis-server on PATH")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


class TcpProxy:
    """Forwards a local port to PostgreSQL; ``stop`` drops every connection as a restart would."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone leaves the port bound.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's Celery producer at another broker (the app caches its connection pool)."""

    def reset() -> None:
        # Drop the references only: kombu keeps its pools per broker URL and hands them back later.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    previous = celery_app.conf.broker_url
    reset()
    celery_app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        celery_app.conf.broker_url = previous


def start_worker(
    tmp_path: Path, *, name: str, queue: str, env: dict[str, str], pool: str = "solo"
) -> tuple[subprocess.Popen, Path]:
    """A ``celery worker`` process on the test database, answering a ping before this returns.

    ``pool="prefork"`` runs jobs in a child process, as production does, so the worker's main
    process notices a lost broker while a job runs.
    """
    db_name = connection.settings_dict["NAME"]
    full_env = {**os.environ, **env, "CONN_MAX_AGE": "0"}
    full_env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[0] + f"/{db_name}"
    node = f"{name}-{os.getpid()}@pytest"
    log_path = tmp_path / f"{name}.log"
    proc = subprocess.Popen(
        [
            *(
                sys.executable,
                "-m",
                "celery",
                "-A",
                "satisfaction",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "-n",
                node,
                "-Q",
                queue,
            ),
            *("--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"),
        ],
        cwd=ROOT,
        env=full_env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    # The ping's replies are read from the app's own broker: point it at the worker's for the while.
    with broker_at(full_env["REDIS_URL"]):
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the worker exited at start-up:\n{log_path.read_text()}")
            if celery_app.control.ping(destination=[node], timeout=0.5):
                return proc, log_path
    proc.kill()
    pytest.fail(f"the worker did not answer a ping:\n{log_path.read_text()}")


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.25):
    """Poll ``predicate`` until it returns something truthy, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")

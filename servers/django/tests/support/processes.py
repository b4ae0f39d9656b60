"""The redis-server and daphne processes a test run starts itself, stopped by their own pids."""
import os
import re
import selectors
import socket
import subprocess
import time
from pathlib import Path

SERVER_DIR = Path(__file__).resolve().parent.parent.parent
PYTHON = "/usr/bin/python3"
START_TIMEOUT_S = 20


def free_port():
    """A free loopback port (redis-server cannot pick one itself: `--port 0` turns TCP off)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_line(process, pattern, what):
    """Reads the process's output until a line matches; returns the match. Bounded by START_TIMEOUT_S.
    Reads the raw descriptor: a buffered readline could pull the line into a buffer the selector cannot see."""
    deadline = time.monotonic() + START_TIMEOUT_S
    output = ""
    fd = process.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            output += chunk.decode(errors="replace")
            match = re.search(pattern, output)
            if match:
                return match
    finally:
        selector.close()
    process.kill()
    raise RuntimeError(f"{what} did not start:\n{output}")


def _drain(process):
    """Keeps reading the output in the background, so a chatty process never blocks on a full pipe."""
    import threading

    fd = process.stdout.fileno()
    threading.Thread(target=lambda: [None for _ in iter(lambda: os.read(fd, 65536), b"")], daemon=True).start()


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class RedisProcess:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        _wait_for_line(self.process, r"Ready to accept connections", "redis-server")
        _drain(self.process)
        return self

    def stop(self):
        if self.process is not None:
            _stop(self.process)


class DaphneProcess:
    """The example project under daphne on a port of its own choosing (`-p 0`, read from its log)."""

    def __init__(self, redis_url, **lifeline_env):
        self.env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": f"{SERVER_DIR}:{SERVER_DIR / 'example'}",
                    "DJANGO_SETTINGS_MODULE": "example_project.settings", **lifeline_env}
        self.process = None
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self):
        self.process = subprocess.Popen(
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", "0", "example_project.asgi:application"],
            cwd=SERVER_DIR / "example", env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        match = _wait_for_line(self.process, r"Listening on TCP address 127\.0\.0\.1:(\d+)", "daphne")
        self.port = int(match.group(1))
        _drain(self.process)
        return self

    def stop(self):
        if self.process is not None:
            _stop(self.process)

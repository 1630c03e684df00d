"""A real daphne process serving the app on the test database.

Live websocket tests and browser tests need the whole stack: daphne's websocket
handling, its frame size limit, a second process reading the same database.
The test must commit what the server should see (`transactional_db`).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
MAX_FRAME = 65536


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_env():
    """Environment that points a child process at the test database."""
    settings = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    if connection.vendor == "postgresql":
        user = settings.get("USER") or "postgres"
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgresql://{user}@{host}:{port}/{settings['NAME']}"
    else:
        env["SQLITE_PATH"] = str(settings["NAME"])
    return env


class DaphneServer:
    """Start, stop and restart daphne on one port; `url` is its address.

    By default it serves this app on the test database; `bench/realtime.py`
    gives it another ASGI `target` and a whole `env` of its own.
    """

    def __init__(
        self,
        port=None,
        extra_env=None,
        *,
        target="whiteboard.asgi:application",
        env=None,
        log_path=None,
    ):
        self.port = port or free_port()
        self.extra_env = extra_env or {}
        self.target = target
        self.env = env
        self.process = None
        self.log_path = log_path or ROOT / "artifacts" / f"daphne-{self.port}.log"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}"

    def _environment(self):
        if self.env is not None:
            return dict(self.env)
        env = database_env()
        env.update(
            DJANGO_SETTINGS_MODULE="whiteboard.settings",
            DJANGO_DEBUG="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            PYTHONUNBUFFERED="1",
            # Browser tests lift Django's async-safety check in the test
            # process; the server must keep it.
            DJANGO_ALLOW_ASYNC_UNSAFE="",
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout=20):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)),
                    *("--websocket-max-message-size", str(MAX_FRAME), self.target),
                ],
                cwd=ROOT,
                env=self._environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"daphne did not listen within {timeout}s")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self):
        self.stop()
        return self.start()

    def terminate(self):
        """Send SIGTERM, as a process manager stopping the server does."""
        self.process.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout):
        """The exit code once the process ended, or None after `timeout` s."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines=30):
        return "\n".join(self.log().splitlines()[-lines:])

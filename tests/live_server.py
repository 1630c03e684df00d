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
    """Start, stop and restart daphne on one port; `url` is its address."""

    def __init__(self, port=None, extra_env=None):
        self.port = port or free_port()
        self.extra_env = extra_env or {}
        self.process = None
        self.log_path = ROOT / "artifacts" / f"daphne-{self.port}.log"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout=20):
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
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--websocket-max-message-size",
                str(MAX_FRAME),
                "whiteboard.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited; see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"daphne did not listen within {timeout}s")

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
        self._log.close()

    def restart(self):
        self.stop()
        return self.start()

    def log(self):
        return self.log_path.read_text(errors="replace")

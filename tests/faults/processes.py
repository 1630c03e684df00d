"""Services a fault test starts and kills itself: its own redis-server and
PostgreSQL cluster, on free ports, in a scratch directory. Never the
machine's shared ones, which other tests and people use."""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests import needs
from tests.live_server import free_port


def wait_for(predicate, timeout, what):
    """Poll `predicate` until true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


class RedisProcess:
    """A redis-server without persistence: restarted, it is empty, as a
    Redis that lost its memory comes back."""

    def __init__(self, port=None):
        self.binary = needs.program("redis-server", "this fault test")
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="fault-redis-"))
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        with open(self.dir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    *("--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no"),
                    *("--dir", str(self.dir)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(lambda: listening(self.port), 10, f"redis on {self.port}")
        return self

    def kill(self):
        """Die at once, as a crash would: no save, no goodbye to clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _postgres_bin():
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda path: int(Path(path).parts[4]),
    )
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        needs.missing("this fault test needs PostgreSQL's initdb and pg_ctl")
    return Path(pg_ctl).parent


class PostgresCluster:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl) with trust auth.

    PostgreSQL refuses to run as root: as root, the cluster runs as the
    `postgres` system user.
    """

    def __init__(self, port=None):
        self.bin = _postgres_bin()
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="fault-pg-"))
        self.data = self.dir / "data"
        self.user_prefix = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            try:
                import pwd

                account = pwd.getpwnam("postgres")
            except KeyError:
                account = None
            if runuser is None or account is None:
                needs.missing("as root, this fault test needs a postgres user")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self.user_prefix = [runuser, "-u", "postgres", "--"]

    @property
    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args, timeout=60):
        subprocess.run(
            [*self.user_prefix, *args],
            check=True,
            timeout=timeout,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def init(self):
        self._run(
            str(self.bin / "initdb"),
            *("-D", str(self.data), "-U", "postgres", "--auth=trust"),
            *("-E", "UTF8", "--no-sync", "--locale=C"),
        )
        return self

    def start(self):
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            *("-D", str(self.data), "-l", str(self.dir / "postgres.log")),
            *("-o", options, "-w", "-t", "30", "start"),
        )
        return self

    def stop(self, mode="immediate"):
        """`immediate` drops every connection at once, as a crash would."""
        if (self.data / "postmaster.pid").exists():
            self._run(
                str(self.bin / "pg_ctl"),
                *("-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop"),
            )

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

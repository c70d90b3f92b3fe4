"""A throwaway PostgreSQL server for tests and benchmarks: initdb + pg_ctl into a temp dir, on a free port.

    with PgServer.start() as server:           # raises PgUnavailable when it cannot
        url = server.create_database("kb_test")  # postgresql://postgres@127.0.0.1:PORT/kb_test

``KB_TEST_PG_URL=postgresql://user@host/db`` uses an existing server instead
(databases are created next to the one named there). PostgreSQL refuses to run
as root, so under root (CI containers) the cluster is owned by and started as
the ``postgres`` system user (``runuser``/``su``), which Debian's package creates.
Durability is switched off (fsync, synchronous_commit): a test cluster is
thrown away, speed matters more.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


class PgUnavailable(RuntimeError):
    """No PostgreSQL server could be started (binaries missing, no unprivileged user, start failed)."""


def _bindir() -> Path:
    for candidate in [os.environ.get("KB_PG_BINDIR", "")] + sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    ):
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PgUnavailable("PostgreSQL binaries not found (install the 'postgresql' package or set KB_PG_BINDIR)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    url: str  # of the maintenance database ("postgres")
    datadir: Path | None = None
    bindir: Path | None = None
    user: str | None = None  # system user the server runs as (None: the current one)
    _created: list[str] = field(default_factory=list)

    @classmethod
    def start(cls) -> PgServer:
        """A running server: the one in ``KB_TEST_PG_URL``, else a fresh private cluster."""
        if os.environ.get("KB_TEST_PG_URL"):
            return cls(url=os.environ["KB_TEST_PG_URL"])
        bindir = _bindir()
        user = None
        if os.geteuid() == 0:  # postgres will not run as root
            user = "postgres"
            try:
                import pwd

                pwd.getpwnam(user)
            except KeyError:
                raise PgUnavailable(
                    "running as root and there is no 'postgres' system user to run the server as"
                ) from None
        root = Path(tempfile.mkdtemp(prefix="kb-pg-"))
        datadir = root / "data"
        if user:
            shutil.chown(root, user)
        port = _free_port()
        server = cls(url=f"postgresql://postgres@127.0.0.1:{port}/postgres", datadir=datadir, bindir=bindir, user=user)
        try:
            server._run(
                "initdb",
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            opts = (
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=100 -c shared_buffers=64MB"
            )
            server._run(
                "pg_ctl", "-D", str(datadir), "-o", opts, "-l", str(root / "server.log"), "-w", "-t", "60", "start"
            )
        except PgUnavailable:
            server.stop()
            raise
        return server

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.user:  # drop root: runuser (util-linux), else su
            cmd = (
                ["runuser", "-u", self.user, "--", *cmd]
                if shutil.which("runuser")
                else ["su", self.user, "-s", "/bin/sh", "-c", shlex.join(cmd)]
            )
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if proc.returncode:
            log = ""
            if self.datadir and (self.datadir.parent / "server.log").exists():
                log = (self.datadir.parent / "server.log").read_text(errors="replace")[-2000:]
            raise PgUnavailable(f"{tool} failed: {proc.stderr.strip() or proc.stdout.strip()} {log}".strip())

    def _admin(self):
        import psycopg

        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)

    def create_database(self, name: str) -> str:
        """A new empty database (dropped first if it exists); returns its URL."""
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        self._created.append(name)
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path="/" + name))

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop a cluster we started (and delete it); drop the databases we made on a borrowed one."""
        if self.datadir is None:
            for name in self._created:
                try:
                    self.drop_database(name)
                except Exception:  # noqa: BLE001 - best effort on someone else's server
                    pass
            return
        if (self.datadir / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
            except PgUnavailable:
                pass
        shutil.rmtree(self.datadir.parent, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

"""A PostgreSQL 15 cluster that outlives one benchmark run, so that its databases
(minutes to build) are built once and reused.

Same settings as the test fixture tests/services/postgres (whose cluster is deleted
on stop): initdb as the postgres user, fsync off, superuser `postgres` (trust) on a
unix socket, role `app` (CREATEDB, password over TCP, scram) that owns the benchmark
databases and is the user every contender connects as.
"""
import os
import secrets
import shutil
import subprocess
from pathlib import Path

from . import paths
from .procs import as_postgres, free_port, is_root, log, run

APP_USER = "app"
SERVER_SETTINGS = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = '2GB'
password_encryption = 'scram-sha-256'
"""
HBA = """
local all all trust
host all all 127.0.0.1/32 scram-sha-256
"""


def cluster_dir(cache_dir):
    """CACHE/pg15, unless the postgres user cannot reach it (root's home is private):
    then a directory under /var/tmp, which also survives reboots."""
    wanted = Path(cache_dir) / "pg15"
    if not is_root():
        return wanted
    wanted.parent.mkdir(parents=True, exist_ok=True)
    reachable = subprocess.run(as_postgres(["test", "-x", wanted.parent]), check=False).returncode == 0
    return wanted if reachable else Path("/var/tmp/pgdump2s3-bench-pg15")


class Cluster:
    def __init__(self, root):
        self.root = Path(root)
        self.data = self.root / "data"
        self.password_file = self.root / "app.password"    # root-only: the cluster dir is postgres'
        self.port = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self):
        if not (self.root / "initialized").exists():
            self._init()                                  # leaves it running
        self.port = self._running_port()
        if self.port is None:
            self._pg_ctl_start()
        log(f"PostgreSQL 15 on 127.0.0.1:{self.port} (data {self.data})")

    def stop(self):
        if self._running_port() is not None:
            run(as_postgres([paths.PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"]),
                check=False, quiet_stdout=True)
            log("PostgreSQL stopped (data kept for the next run)")

    def _init(self):
        if self.root.exists():
            shutil.rmtree(self.root)                      # a half-made cluster from an interrupted run
        self.data.mkdir(parents=True)
        if is_root():
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.data, "postgres", "postgres")
        os.chmod(self.data, 0o700)
        log(f"initdb {self.data}")
        run(as_postgres([paths.PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                         "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]), quiet_stdout=True)
        conf = self.data / "postgresql.conf"
        with open(conf, "a") as handle:
            handle.write(SERVER_SETTINGS.format(socket_dir=self.data))
        (self.data / "pg_hba.conf").write_text(HBA)
        password = "bench-" + secrets.token_urlsafe(18)
        self.password_file.write_text(password)
        os.chmod(self.password_file, 0o600)
        self._pg_ctl_start()
        self.psql(f"CREATE ROLE {APP_USER} LOGIN CREATEDB PASSWORD '{password}';"
                  f"GRANT pg_read_all_data TO {APP_USER};")
        (self.root / "initialized").write_text("ok\n")

    def _pg_ctl_start(self):
        """Start on a port free now (the cluster keeps no fixed port between runs)."""
        self.port = free_port()
        run(as_postgres([paths.PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "server.log",
                         "-o", f"-p {self.port}", "-w", "-t", "120", "start"]), quiet_stdout=True)

    def _running_port(self):
        pid_file = self.data / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            os.kill(int(lines[0]), 0)
            return int(lines[3])
        except (OSError, ValueError, IndexError):
            return None

    def postmaster_pid(self):
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    # --- connections --------------------------------------------------------------------------
    @property
    def password(self):
        return self.password_file.read_text().strip()

    def url(self, db, with_password=False):
        """postgresql://app[:password]@127.0.0.1:PORT/db (the password only where the
        contract needs it in DATABASE_URL; elsewhere PGPASSWORD carries it)."""
        secret = f":{self.password}" if with_password else ""
        return f"postgresql://{APP_USER}{secret}@127.0.0.1:{self.port}/{db}"

    def app_env(self):
        env = dict(os.environ, PGPASSWORD=self.password)
        env["PATH"] = f"{paths.PG_BIN}:{env.get('PATH', '')}"
        return env

    def psql(self, sql, db="postgres"):
        """Run SQL as the superuser over the unix socket; return the unaligned output."""
        return run([paths.PG_BIN / "psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", self.data,
                    "-p", self.port, "-U", "postgres", "-d", db, "-c", sql]).strip()

    def has_database(self, name):
        return self.psql(f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == "1"

    def database_size(self, name):
        return int(self.psql(f"SELECT pg_database_size('{name}')"))

    # --- the benchmark databases (built under a temporary name, renamed when complete) ---------
    def ensure_pgbench(self, scale):
        name = f"pgbench_s{scale}"
        if self._reuse(name):
            return name
        building = self._fresh_building_name(name)
        self.psql(f"CREATE DATABASE {building} OWNER {APP_USER}")
        log(f"pgbench -i -s {scale} into {name} (once; cached)")
        run([paths.PG_BIN / "pgbench", "-i", "-q", "-s", scale, "-h", "127.0.0.1", "-p", self.port,
             "-U", APP_USER, building], env=self.app_env(), quiet_stdout=True)
        return self._publish(building, name)

    def ensure_appdb(self, size_mb):
        name = f"appdb_{size_mb}mb"
        if self._reuse(name):
            return name
        building = self._fresh_building_name(name)
        log(f"make-dataset {size_mb} MiB into {name} (once; cached)")
        conninfo = f"host=127.0.0.1 port={self.port} user={APP_USER} dbname=postgres"
        run([paths.MAKE_DATASET, conninfo, building, size_mb], env=self.app_env(), quiet_stdout=True)
        return self._publish(building, name)

    def _reuse(self, name):
        if self.has_database(name):
            log(f"reusing database {name} ({self.database_size(name) / 2**20:.0f} MiB)")
            return True
        return False

    def _fresh_building_name(self, name):
        building = f"{name}__building"
        self.psql(f"DROP DATABASE IF EXISTS {building} WITH (FORCE)")
        return building

    def _publish(self, building, name):
        self.psql(f"ALTER DATABASE {building} RENAME TO {name}")
        log(f"database {name} ready ({self.database_size(name) / 2**20:.0f} MiB)")
        return name

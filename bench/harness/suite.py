"""One benchmark session: services up, every contender on every database and
endpoint for N rotated rounds, services down, reports written."""
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import paths, versions
from .contenders import BY_NAME, build_pgdump2s3, probe_pgdump2s3
from .endpoints import SERVICES
from .measure import run_measured
from .postgres import Cluster, cluster_dir
from .procs import log

MIB = 2**20
VARIABLES = ("BENCH_PG_URL=postgresql://app@127.0.0.1:PORT/DB (PGPASSWORD set), "
             "BENCH_DATABASE_URL=postgresql://app:PASSWORD@127.0.0.1:PORT/DB, "
             "BENCH_S3_ENDPOINT=http://127.0.0.1:PORT, BENCH_S3_URL=s3://backups/bench/DB/CONTENDER.EXT, "
             "BENCH_PGDUMP2S3=build-bench/pgdump2s3, BACKUPS_TEMP_DIR=TMPDIR=an empty watched directory, "
             "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION=AWS_DEFAULT_REGION=us-east-1, "
             "AWS_EC2_METADATA_DISABLED=true, AWS_CONFIG_FILE=AWS_SHARED_CREDENTIALS_FILE=/dev/null; "
             "PATH starts with /usr/lib/postgresql/15/bin")


def aws_bin_dir():
    """The directory of the real aws executable: a pyenv shim would add its own start-up
    (a bash script and `pyenv exec`) to every upload, which the old tool never paid."""
    found = shutil.which("aws")
    if found and "/.pyenv/shims/" in found:
        real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True).stdout.strip()
        if real:
            return str(Path(real).parent)
    return str(Path(found).parent) if found else ""


class Session:
    def __init__(self, args):
        self.args = args
        self.cache = Path(args.cache_dir)
        self.work = self.cache / "run"
        self.cluster = Cluster(cluster_dir(self.cache))
        self.services, self.endpoints = [], {}
        self.binary, self.unavailable, self.pgdump2s3_status = None, {}, ""
        self.server_version, self.build_s = "", None
        self.runs, self.databases = [], []
        self.started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        self.t0 = time.monotonic()
        self.path_prefix = f"{paths.PG_BIN}:{aws_bin_dir()}:{os.environ.get('PATH', '')}"

    # --- setup ---------------------------------------------------------------------------------
    def prepare_pgdump2s3(self, names):
        if not any(BY_NAME[n].needs_pgdump2s3 for n in names):
            return
        if self.args.pgdump2s3:
            self.binary = Path(self.args.pgdump2s3).resolve()
        elif self.args.no_build:
            self.binary = paths.BUILD_DIR / "pgdump2s3"
        else:
            self.work.mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            self.binary, why = build_pgdump2s3(paths.BUILD_DIR, self.work / "build.log")
            self.build_s = time.monotonic() - started
            log(f"build: {why or 'ok'} after {self.build_s:.0f} s")
            if why:
                self.pgdump2s3_status = why
        if not self.pgdump2s3_status:
            available, detail = probe_pgdump2s3(self.binary)
            self.pgdump2s3_status = detail if available else f"not available: {detail}"
            if not available:
                log(f"pgdump2s3: {detail}; its contenders are reported as not available")
        for name in names:
            if BY_NAME[name].needs_pgdump2s3 and self.pgdump2s3_status.startswith(("not available", "build")):
                self.unavailable[name] = self.pgdump2s3_status.removeprefix("not available: ")

    def start_services(self, endpoint_names):
        self.cluster.start()
        self.server_version = self.cluster.psql("SHOW server_version")
        for name in endpoint_names:
            service = SERVICES[name](self.work)
            self.services.append(service)
            self.endpoints[name] = service.start()

    def stop_services(self):
        while self.services:
            service = self.services.pop()
            try:
                service.stop()
            except Exception as err:   # keep stopping the others
                log(f"stopping {type(service).__name__}: {err}")
        if not self.args.keep_postgres:
            self.cluster.stop()

    def add_database(self, name, what):
        size = self.cluster.database_size(name)
        log(f"measuring {name}'s pg_dump -Fc -Z0 size (also warms the page cache)")
        command = f'pg_dump -Fc -Z0 {shlex.quote(self.cluster.url(name))} | wc -c'
        started = time.monotonic()
        dump_bytes = int(subprocess.run(["bash", "-c", "set -o pipefail; " + command], check=True,
                                        capture_output=True, text=True, env=self.base_env()).stdout)
        dump_s = time.monotonic() - started
        self.databases.append({"name": name, "what": what, "size_bytes": size,
                               "floor_dump_bytes": dump_bytes, "first_dump_s": dump_s,
                               "run_timeout_s": self.args.run_timeout or max(60, round(40 * dump_s))})

    # --- one measured run ------------------------------------------------------------------------
    def base_env(self):
        env = {k: os.environ[k] for k in ("HOME", "USER", "LANG", "LC_ALL", "TERM") if k in os.environ}
        env.update(PATH=self.path_prefix, PGPASSWORD=self.cluster.password, AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
        return env

    def run_one(self, contender, endpoint, database, round_index, position):
        timeout_s = next(d["run_timeout_s"] for d in self.databases if d["name"] == database)
        temp = self.work / "tmp" / contender.name
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir(parents=True)
        key = f"bench/{database}/{contender.name}{contender.key_suffix}"
        env = self.base_env()
        env.update(BENCH_PG_URL=self.cluster.url(database),
                   BENCH_DATABASE_URL=self.cluster.url(database, with_password=True),
                   BENCH_S3_ENDPOINT=endpoint.url, BENCH_S3_URL=f"s3://{endpoint.bucket}/{key}",
                   BENCH_PGDUMP2S3=str(self.binary or ""), BACKUPS_TEMP_DIR=str(temp), TMPDIR=str(temp),
                   AWS_ACCESS_KEY_ID=endpoint.access_key, AWS_SECRET_ACCESS_KEY=endpoint.secret_key,
                   AWS_REGION=endpoint.region, AWS_DEFAULT_REGION=endpoint.region, **contender.env)
        client = endpoint.client()
        if contender.uploads:
            client.delete(key)                       # HeadObject afterwards must see this run's object
        log_path = self.work / "logs" / f"{endpoint.name}-{database}-{contender.name}-r{round_index + 1}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open("/proc/loadavg") as handle:
            load = float(handle.read().split()[0])
        measured = run_measured(contender.command, env, [temp], log_path,
                                pg_pids=[self.cluster.postmaster_pid()], s3_pids=endpoint.server_pids,
                                sample_s=self.args.sample_ms / 1000, timeout_s=timeout_s)
        record = {"endpoint": endpoint.name, "database": database, "contender": contender.name,
                  "round": round_index + 1, "position": position, "wall_s": measured.wall_s,
                  "cpu_s": measured.cpu_s, "cpu_user_s": measured.cpu_user_s, "cpu_sys_s": measured.cpu_sys_s,
                  "peak_rss_tree_bytes": measured.peak_rss_tree_bytes,
                  "peak_rss_by_command": measured.peak_rss_by_command,
                  "peak_temp_bytes": measured.peak_temp_bytes, "pg_server_cpu_s": measured.pg_server_cpu_s,
                  "s3_server_cpu_s": measured.s3_server_cpu_s, "samples": measured.samples,
                  "exit_code": measured.exit_code, "loadavg_1m_before": load, "log": str(log_path)}
        error = None
        if measured.timed_out:
            error = f"timed out after {timeout_s} s (killed)"
        elif not measured.ok:
            error = f"exit {measured.exit_code}: {measured.stderr_tail.splitlines()[-1:] or ''}"
        if contender.uploads:
            record["output_bytes"] = client.object_size(key)
            record["open_uploads_after"] = client.open_uploads("bench/")
            if error is None and not record["output_bytes"]:
                error = "exit 0 but no object at the destination"
            client.delete(key)
        else:
            record["output_bytes"] = next(d["floor_dump_bytes"] for d in self.databases if d["name"] == database)
        if error is None and not contender.uses_temp_disk and measured.peak_temp_bytes:
            record["note"] = "a streaming contender wrote to its temp dir"
        record["status"] = "ok" if error is None else ("timeout" if measured.timed_out else "failed")
        record["error"] = error
        shutil.rmtree(temp, ignore_errors=True)
        self.runs.append(record)
        outcome = (f"{measured.wall_s:6.2f} s, out {record['output_bytes'] / MIB if record['output_bytes'] else 0:7.1f} MiB, "
                   f"CPU {measured.cpu_s:5.1f} s, RSS {measured.peak_rss_tree_bytes / MIB:5.0f} MiB, "
                   f"temp {measured.peak_temp_bytes / MIB:5.0f} MiB") if error is None else f"FAILED: {error}"
        log(f"[{endpoint.name} {database} round {round_index + 1}] {contender.name:15} {outcome}")
        return record

    def run_rounds(self, names, rounds):
        runnable = [BY_NAME[n] for n in names if n not in self.unavailable]
        if not runnable:
            log("no contender is available: nothing to measure")
            return
        for endpoint in self.endpoints.values():
            for database in self.databases:
                hung = set()      # a contender that hung once is not given the other rounds here
                for round_index in range(rounds):
                    shift = round_index % len(runnable)
                    for position, contender in enumerate(runnable[shift:] + runnable[:shift]):
                        if contender.name in hung:
                            continue
                        record = self.run_one(contender, endpoint, database["name"], round_index, position)
                        if record["status"] == "timeout":
                            hung.add(contender.name)

    # --- output --------------------------------------------------------------------------------
    def meta(self, mode, names):
        env = self.base_env()
        return {"started": self.started, "mode": mode, "rounds": self.args.rounds,
                "duration_s": time.monotonic() - self.t0, "build_s": self.build_s,
                "sample_ms": self.args.sample_ms,
                "command_line": " ".join(["bench/run"] + [shlex.quote(a) for a in sys.argv[1:]]),
                "machine": versions.machine(), "endpoints": list(self.endpoints), "contenders": names,
                "unavailable": self.unavailable, "variables": VARIABLES,
                "versions": versions.tools(env, self.binary, self.pgdump2s3_status or "not used",
                                           self.server_version)}

    def output_stem(self, suffix):
        stamp = time.strftime("%Y-%m-%d-%H%M", time.localtime())
        paths.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        return paths.RESULTS_DIR / f"{stamp}-{socket.gethostname()}{suffix}"

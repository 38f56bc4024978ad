"""The versions and the machine a result was measured with."""
import os
import platform
import subprocess
import sys

from . import paths
from .procs import first_line


def git_revision():
    def git(*args):
        return subprocess.run(["git", "-C", str(paths.REPO_DIR), *args], capture_output=True,
                              text=True).stdout.strip()
    revision = git("rev-parse", "--short=12", "HEAD") or "unknown"
    if git("status", "--porcelain", "--", "src", "CMakeLists.txt"):
        revision += " (+ uncommitted changes in src/)"
    return revision


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kib = int(handle.readline().split()[1])
    return {"host": platform.node(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_gib": round(mem_kib / 2**20, 1), "kernel": platform.release(),
            "os": first_line(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"])}


def tools(env, pgdump2s3_binary, pgdump2s3_status, server_version):
    return {
        "pg_dump": first_line(["pg_dump", "--version"], env),
        "PostgreSQL server": server_version,
        "gzip": first_line(["gzip", "--version"], env),
        "pigz": first_line(["pigz", "--version"], env),
        "tar": first_line(["tar", "--version"], env),
        "aws": first_line(["aws", "--version"], env),
        "Ceph radosgw": first_line(["radosgw", "--version"], env),
        "python (harness, discard S3)": sys.version.split()[0],
        "pgdump2s3 git revision": git_revision(),
        "pgdump2s3 binary": f"{pgdump2s3_binary} ({pgdump2s3_status})",
    }

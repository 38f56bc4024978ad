"""The S3 endpoints the contenders upload to, both on loopback:
- rgw: the real Ceph RADOS Gateway (shared/tools/rgw-local through the test fixture
  tests/services/rgw), a fresh cluster per benchmark run;
- discard: bench/discard_s3.py, which verifies every upload and stores nothing, so
  the client alone is measured."""
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .procs import free_port, log, run
from .s3client import S3Client

LABELS = {"rgw": "Ceph RGW 16.2 (real S3, bluestore)",
          "discard": "discard S3 (bench/discard_s3.py: verifies, stores nothing)"}


@dataclass
class Endpoint:
    name: str
    url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    bucket: str = "backups"
    server_pids: list = field(default_factory=list)   # processes whose CPU the store spends

    @property
    def label(self):
        return LABELS[self.name]

    def client(self):
        return S3Client(self.url, self.access_key, self.secret_key, self.region, self.bucket)


def _env_file(path):
    values = {}
    for line in Path(path).read_text().splitlines():
        name, _, value = line.partition("=")
        values[name] = value
    return values


class RgwService:
    """Uses the test fixture, on its own ports: the CTest fixtures keep rgw-local's
    default monitor/OSD ports, so a benchmark can run while tests do."""

    def __init__(self, work_dir):
        self.dir = Path(work_dir) / "rgw"

    def start(self):
        log("starting Ceph RGW (tests/services/rgw)")
        env = dict(os.environ, RGW_PORT=str(free_port()), RGW_MON_PORT=str(free_port()),
                   RGW_OSD_PORT_MIN=os.environ.get("PGDUMP2S3_BENCH_RGW_OSD_PORT_MIN", "26800"))
        run([paths.SERVICES_DIR / "rgw", "start", self.dir], env=env, quiet_stdout=True, timeout=300)
        values = _env_file(self.dir / "rgw.env")
        pids = []
        for daemon in ("mon", "osd", "rgw"):
            pid_file = self.dir / "rgw" / "run" / f"{daemon}.pid"
            if pid_file.exists():
                pids.append(int(pid_file.read_text().strip()))
        return Endpoint("rgw", values["PGDUMP2S3_TEST_RGW_ENDPOINT"],
                        values["PGDUMP2S3_TEST_RGW_ACCESS_KEY"], values["PGDUMP2S3_TEST_RGW_SECRET_KEY"],
                        values["PGDUMP2S3_TEST_RGW_REGION"], values["PGDUMP2S3_TEST_RGW_BUCKET"], pids)

    def stop(self):
        run([paths.SERVICES_DIR / "rgw", "stop", self.dir], check=False, quiet_stdout=True)
        log("Ceph RGW stopped")


class DiscardService:
    def __init__(self, work_dir):
        self.log_path = Path(work_dir) / "discard_s3.log"
        self.process = None

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, paths.BENCH_DIR / "discard_s3.py", "--listen", "127.0.0.1:0", "--quiet"],
            stdout=subprocess.PIPE, stderr=open(self.log_path, "w"), text=True)
        line = self.process.stdout.readline()
        if "listening on " not in line:
            raise RuntimeError(f"discard_s3.py did not start (see {self.log_path})")
        url = line.split("listening on ", 1)[1].strip()
        log(f"discard S3 on {url}")
        return Endpoint("discard", url, "AKIDBENCH", "bench-secret-not-checked",
                        server_pids=[self.process.pid])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


SERVICES = {"rgw": RgwService, "discard": DiscardService}

"""The contenders: each is one bash command, shown verbatim in the report.

Every command reads the same variables, set by the harness:
  BENCH_PG_URL        postgresql://app@127.0.0.1:PORT/DB (password in PGPASSWORD)
  BENCH_DATABASE_URL  the same with the password in it (pgdump2s3's DATABASE_URL contract)
  BENCH_S3_ENDPOINT   http://127.0.0.1:PORT of the S3 endpoint
  BENCH_S3_URL        s3://backups/bench/DB/CONTENDER + the contender's key suffix
  BENCH_PGDUMP2S3     the pgdump2s3 binary
  BACKUPS_TEMP_DIR, TMPDIR  an empty directory the harness watches (peak temp disk)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_DEFAULT_REGION,
  AWS_EC2_METADATA_DISABLED=true, AWS_CONFIG_FILE=/dev/null, AWS_SHARED_CREDENTIALS_FILE=/dev/null
PATH starts with PostgreSQL 15's bin directory, so every contender runs the same pg_dump.
"""
import subprocess
from dataclasses import dataclass, field

from . import paths
from .procs import log

# pgdump2s3 at its defaults: the key decides the format (custom format, gzip by the
# pipeline at its default level), like the naive pipelines' `pg_dump -Fc -Z0 | gzip -6`.
PGDUMP2S3_DEFAULT = {"key_suffix": ".dump.gz", "env": {}}
# pgdump2s3-fast, its fastest setting: THE one place to change it. zstd (a .zst key);
# the fastest gzip would be {"key_suffix": ".dump.gz", "env": {"COMPRESS_LEVEL": "1"}}.
PGDUMP2S3_FAST = {"key_suffix": ".dump.zst", "env": {"COMPRESS_LEVEL": "1"}}

AWS_CP = 'aws --endpoint-url "$BENCH_S3_ENDPOINT" s3 cp --only-show-errors'


@dataclass(frozen=True)
class Contender:
    name: str
    label: str
    command: str
    key_suffix: str = ""
    uploads: bool = True            # False: the floor, which only dumps
    uses_temp_disk: bool = False    # True: the seed, which spools to BACKUPS_TEMP_DIR
    env: dict = field(default_factory=dict)
    needs_pgdump2s3: bool = False


CONTENDERS = [
    Contender("floor", "pg_dump -Fc -Z0 > /dev/null: the dump alone, nothing compressed or sent",
              'pg_dump -Fc -Z0 "$BENCH_PG_URL" > /dev/null', uploads=False),
    Contender("seed", "the old tool (fly-pg-dump-to-s3 pg-dump-to-s3.sh, its defaults THREAD_COUNT=4): "
              "pg_dump -Fd -j4 to disk, then tar | pigz -p4 to disk, then aws s3 cp",
              'pg_dump --no-owner --clean --no-privileges --jobs=4 --format=directory --compress=0 '
              '--dbname="$BENCH_PG_URL" --file="$BACKUPS_TEMP_DIR/db_dump"\n'
              'tar -cf - -C "$BACKUPS_TEMP_DIR/db_dump" . | pigz -p 4 > "$BACKUPS_TEMP_DIR/db_dump.tar.gz"\n'
              f'{AWS_CP} "$BACKUPS_TEMP_DIR/db_dump.tar.gz" "$BENCH_S3_URL"\n'
              'rm -rf "$BACKUPS_TEMP_DIR/db_dump" "$BACKUPS_TEMP_DIR/db_dump.tar.gz"',
              key_suffix=".tar.gz", uses_temp_disk=True),
    Contender("naive-gzip", "pg_dump -Fc -Z0 | gzip -6 | aws s3 cp - (one stream, one compressor thread)",
              f'pg_dump -Fc -Z0 "$BENCH_PG_URL" | gzip -6 | {AWS_CP} - "$BENCH_S3_URL"',
              key_suffix=".dump.gz"),
    Contender("naive-pigz", "pg_dump -Fc -Z0 | pigz -6 | aws s3 cp - (pigz: one thread per core)",
              f'pg_dump -Fc -Z0 "$BENCH_PG_URL" | pigz -6 | {AWS_CP} - "$BENCH_S3_URL"',
              key_suffix=".dump.gz"),
    Contender("pgdump2s3", "pgdump2s3 backup at its defaults (key *.dump.gz)",
              'DATABASE_URL="$BENCH_DATABASE_URL" S3_DESTINATION="$BENCH_S3_URL" '
              'AWS_ENDPOINT_URL_S3="$BENCH_S3_ENDPOINT" "$BENCH_PGDUMP2S3" backup --quiet',
              key_suffix=PGDUMP2S3_DEFAULT["key_suffix"], env=PGDUMP2S3_DEFAULT["env"],
              needs_pgdump2s3=True),
    Contender("pgdump2s3-fast", "pgdump2s3 backup at its fastest setting "
              f"(key *{PGDUMP2S3_FAST['key_suffix']}"
              + "".join(f", {k}={v}" for k, v in PGDUMP2S3_FAST["env"].items()) + ")",
              'DATABASE_URL="$BENCH_DATABASE_URL" S3_DESTINATION="$BENCH_S3_URL" '
              'AWS_ENDPOINT_URL_S3="$BENCH_S3_ENDPOINT" "$BENCH_PGDUMP2S3" backup --quiet',
              key_suffix=PGDUMP2S3_FAST["key_suffix"], env=PGDUMP2S3_FAST["env"],
              needs_pgdump2s3=True),
]
BY_NAME = {c.name: c for c in CONTENDERS}


def build_pgdump2s3(build_dir, log_path):
    """Release build of the binary alone, as the harness measures it. Returns
    (path, None) or (None, why not)."""
    log(f"building pgdump2s3 (Release) in {build_dir}; log {log_path}")
    steps = [["cmake", "-S", paths.REPO_DIR, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
              "-DPGDUMP2S3_TESTS=OFF", "-DPGDUMP2S3_SANITIZE=OFF"],
             ["cmake", "--build", build_dir, "-j2", "--target", "pgdump2s3"]]
    with open(log_path, "w") as handle:
        for step in steps:
            if subprocess.run([str(a) for a in step], stdout=handle, stderr=subprocess.STDOUT).returncode:
                return None, f"build failed (see {log_path})"
    return build_dir / "pgdump2s3", None


def probe_pgdump2s3(binary):
    """(True, version) when `pgdump2s3 backup` exists, else (False, why not).
    A placeholder command says "not built yet" in its help and when run."""
    if binary is None or not binary.exists():
        return False, f"no binary at {binary}"
    texts = []
    for argv in ([binary, "backup", "--help"], [binary, "backup"]):
        try:
            result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=30,
                                    env={"PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"})
        except (OSError, subprocess.TimeoutExpired) as err:
            return False, f"{' '.join(map(str, argv[1:]))}: {err}"
        texts.append(result.stdout + result.stderr)
    if any("not built yet" in text for text in texts):
        return False, "`pgdump2s3 backup` is not built yet"
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()
    return True, version

"""Where things are: the checkout, the shared tools beside it, the benchmark cache."""
import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
BENCH_DIR = REPO_DIR / "bench"
RESULTS_DIR = BENCH_DIR / "results"
SERVICES_DIR = REPO_DIR / "tests" / "services"
SHARED_DIR = Path(os.environ.get("PGDUMP2S3_SHARED_DIR", REPO_DIR.parent / "shared"))
MAKE_DATASET = SHARED_DIR / "bench" / "make-dataset"
BUILD_DIR = REPO_DIR / "build-bench"   # /build*/ is git-ignored
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def default_cache_dir():
    """Databases built once and reused across runs live here."""
    if os.environ.get("PGDUMP2S3_BENCH_CACHE"):
        return Path(os.environ["PGDUMP2S3_BENCH_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "pgdump2s3" / "bench"

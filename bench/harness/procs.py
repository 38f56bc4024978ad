"""Small process helpers: logging, running setup commands, free ports."""
import os
import socket
import subprocess
import sys
import time

_START = time.monotonic()


def log(message):
    print(f"[bench {time.monotonic() - _START:6.1f}s] {message}", file=sys.stderr, flush=True)


def run(argv, env=None, check=True, input_text=None, timeout=None, quiet_stdout=False):
    """Run a setup command (not a measured one); return its stdout as text."""
    result = subprocess.run([str(a) for a in argv], env=env, input=input_text, text=True,
                            stdout=subprocess.DEVNULL if quiet_stdout else subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {result.returncode}: "
                           f"{(result.stderr or '').strip()[-2000:]}")
    return result.stdout or ""


def first_line(argv, env=None):
    """The first line a version command prints (on stdout or stderr), or why it failed."""
    try:
        result = subprocess.run([str(a) for a in argv], env=env, text=True, capture_output=True,
                                timeout=60)
    except OSError as err:
        return f"unavailable ({err.strerror})"
    text = (result.stdout.strip() or result.stderr.strip()).splitlines()
    return text[0] if text else f"unavailable (exit {result.returncode})"


def free_port():
    """A TCP port on loopback nobody listens on right now (the kernel picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_root():
    return os.geteuid() == 0


def as_postgres(argv):
    """PostgreSQL refuses to run as root: run server commands as the postgres user then."""
    return (["runuser", "-u", "postgres", "--"] if is_root() else []) + [str(a) for a in argv]

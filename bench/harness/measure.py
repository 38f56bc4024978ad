"""Runs one contender's command and measures it.

- wall: from spawn to the exit of `bash -c COMMAND` (all pipeline stages done);
- CPU: user+sys of the whole process tree, from wait4() on the bash process: the
  kernel adds every descendant that was waited for (pg_dump's --jobs workers,
  gzip, pigz threads, the aws CLI, pgdump2s3 and its pg_dump child);
- peak RSS: the largest sum of RSS over the process tree seen by a sampler reading
  /proc every SAMPLE_S (descendants by parent pid, plus anything left in the
  session); also per command name, so one tool can be read apart from its children.
  Short spikes between two samples can be missed; shared library pages count once
  per process. (wait4's ru_maxrss is no substitute: it keeps the high-water mark of
  the forked Python harness from before exec.) The PostgreSQL server and the S3 store are not in the tree;
- peak temp disk: the largest allocated size (st_blocks) seen under the watched
  directories, which the command gets as TMPDIR and BACKUPS_TEMP_DIR;
- server CPU: utime+stime(+children's) deltas of the PostgreSQL postmaster (its
  exited backends included, once reaped) and of the S3 store's processes, from
  /proc/PID/stat.
"""
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    exit_code: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    peak_rss_tree_bytes: int
    peak_rss_by_command: dict
    peak_temp_bytes: int
    pg_server_cpu_s: float
    s3_server_cpu_s: float
    samples: int
    stderr_tail: str = ""
    timed_out: bool = False

    @property
    def cpu_s(self):
        return self.cpu_user_s + self.cpu_sys_s

    @property
    def ok(self):
        return self.exit_code == 0 and not self.timed_out


def _proc_table():
    """pid -> (ppid, session, rss bytes, command name) for every live process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        close = stat.rindex(b")")
        comm = stat[stat.index(b"(") + 1:close].decode(errors="replace")
        fields = stat[close + 2:].split()
        # fields[0] is field 3 (state): ppid 4, session 6, rss 24 (proc(5))
        table[int(entry)] = (int(fields[1]), int(fields[3]), int(fields[21]) * PAGE, comm)
    return table


def _tree_rss(root, table):
    children = {}
    for pid, (ppid, _, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    members, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid in table and pid not in members:
            members.add(pid)
            stack.extend(children.get(pid, ()))
    members.update(pid for pid, row in table.items() if row[1] == root)   # reparented, same session
    by_command = {}
    for pid in members:
        by_command[table[pid][3]] = by_command.get(table[pid][3], 0) + table[pid][2]
    return sum(by_command.values()), by_command


def _allocated_bytes(directories):
    total = 0
    for directory in directories:
        for base, dirs, files in os.walk(directory):
            for name in dirs + files:
                try:
                    total += os.lstat(os.path.join(base, name)).st_blocks * 512
                except OSError:
                    pass   # removed between listing and stat
    return total


def cpu_seconds(pids, with_children):
    """utime+stime (and the reaped children's, if asked) of PIDS, in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        # utime 14, stime 15, cutime 16, cstime 17 (fields[11..14])
        total += int(fields[11]) + int(fields[12])
        if with_children:
            total += int(fields[13]) + int(fields[14])
    return total / TICKS


class _Sampler(threading.Thread):
    def __init__(self, root_pid, watch_dirs, interval):
        super().__init__(name="sampler", daemon=True)
        self.root_pid, self.watch_dirs, self.interval = root_pid, watch_dirs, interval
        self.stop_event = threading.Event()
        self.peak_rss, self.peak_by_command, self.peak_temp, self.samples = 0, {}, 0, 0

    def run(self):
        while True:
            rss, by_command = _tree_rss(self.root_pid, _proc_table())
            self.peak_rss = max(self.peak_rss, rss)
            for command, value in by_command.items():
                self.peak_by_command[command] = max(self.peak_by_command.get(command, 0), value)
            self.peak_temp = max(self.peak_temp, _allocated_bytes(self.watch_dirs))
            self.samples += 1
            if self.stop_event.wait(self.interval):
                return


def run_measured(command, env, watch_dirs, log_path, pg_pids=(), s3_pids=(), sample_s=0.05,
                 timeout_s=3600):
    """Run COMMAND with bash (pipefail) in its own session; measure it as described above."""
    table = _proc_table()
    pg_children_before = {pid: _children(pid, table) for pid in pg_pids}
    pg_before, s3_before = cpu_seconds(pg_pids, True), cpu_seconds(s3_pids, True)
    with open(log_path, "wb") as output:
        start = time.monotonic()
        process = subprocess.Popen(["bash", "-c", "set -euo pipefail\n" + command], env=env,
                                   stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        sampler = _Sampler(process.pid, watch_dirs, sample_s)
        sampler.start()
        timed_out = threading.Event()
        timer = threading.Timer(timeout_s, lambda: (timed_out.set(), _kill_session(process.pid)))
        timer.daemon = True
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.monotonic() - start
            process.returncode = os.waitstatus_to_exitcode(status)   # reaped here, not by Popen
        finally:            # also on Ctrl-C: nothing of the command may outlive the harness
            timer.cancel()
            sampler.stop_event.set()
            sampler.join()
            _kill_session(process.pid)
    for pid in pg_pids:
        _wait_reaped(pid, pg_children_before[pid])
    pg_after, s3_after = cpu_seconds(pg_pids, True), cpu_seconds(s3_pids, True)
    with open(log_path, "rb") as handle:
        handle.seek(max(0, os.path.getsize(log_path) - 2000))
        tail = handle.read().decode(errors="replace").strip()
    return Measurement(
        exit_code=process.returncode, wall_s=wall, cpu_user_s=usage.ru_utime, cpu_sys_s=usage.ru_stime,
        peak_rss_tree_bytes=sampler.peak_rss, peak_rss_by_command=sampler.peak_by_command,
        peak_temp_bytes=sampler.peak_temp,
        pg_server_cpu_s=pg_after - pg_before, s3_server_cpu_s=s3_after - s3_before,
        samples=sampler.samples, stderr_tail=tail, timed_out=timed_out.is_set())


def _children(parent, table):
    return {pid for pid, row in table.items() if row[0] == parent}


def _wait_reaped(parent, children_before, timeout_s=3.0):
    """A backend's CPU reaches the postmaster's cutime/cstime only once the postmaster has
    reaped it, which happens a little after the client disconnects: wait for the run's
    backends to be gone (bounded: autovacuum workers come and go on their own)."""
    deadline = time.monotonic() + timeout_s
    while _children(parent, _proc_table()) - children_before and time.monotonic() < deadline:
        time.sleep(0.02)


def _kill_session(session_id):
    try:
        os.killpg(session_id, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass

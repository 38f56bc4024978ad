#!/usr/bin/env python3
"""A fake Fly.io Machines API for the fly tests, on loopback only.

Written from the published contract in shared/refdata/fly/ (the OpenAPI 3.1
excerpt, the 2024 Swagger copy and NOTES.md): the same paths, request and
response shapes and status codes. What the contract leaves open is decided
here, on the strict side, and said so where it is decided:

- auth: the Authorization header must equal the scenario's `authorization`
  (401 otherwise); an app not in `apps` is 404.
- machines live by the clock: created -> started after `start_s` -> stopped
  after `run_s` more, with an "exit" event carrying `exit_code` in
  request.exit_event (DOCS reference/machines/_get.erb; with
  `exit_event_shape: "MonitorEvent"` in request.MonitorEvent.exit_event).
  With config.auto_destroy the stopped machine is destroyed
  `auto_destroy_after_s` later, and `forget_destroyed_after_s` after that it
  is 404 everywhere except List Machines with include_deleted=true (unless
  `list_deleted` is false).
- wait: `state` is one of the spec's states (comma-separated allowed);
  `timeout` must be 1..60 (the API rejects more, NOTES.md section 4); waiting
  for `stopped` needs `version` or `instance_id` (DOCS: "Required when waiting
  for Machine to be in stopped state"). It blocks until the state is reached
  (200 WaitMachineResponse), or min(timeout, `wait_max_s`) passed (408), or
  the machine is gone (404). The first `timeout_first_waits` waits answer
  408 at once, whatever the state (a deterministic "not yet"). A destroyed machine never reaches another state,
  so waiting for anything else on it is 404 too.
- stop: a started machine stops at once with exit code `exit_code_on_stop`
  and requested_stop=true.
- destroy: a running machine without force=true is 412 (unstated in the
  spec); the machine is destroyed at once and lets go of its volumes.
- volumes: name ^[a-z0-9_]{1,30}$ and size_gb >= 1 (422 otherwise); a machine
  mounting a volume must be in its region and the volume free; deleting an
  attached volume is 412; a deleted volume answers with state "destroyed"
  and stays listed as "pending_destroy" for `deleted_volume_listed_s`.
- faults: {"method", "path" (regex, full match), "status", "body",
  "headers", "times" (default 1; 0 = always)} answered instead of the real
  thing, before auth; with "after_handling": true the request is carried out
  first and only its answer is replaced (an answer lost on the way back).

Admin (not recorded): POST /_admin/scenario (replace scenario, reset state),
GET /_admin/calls (every API request: method, path, query, body,
authorization, status), GET /_admin/state (machines and volumes).

Prints "listening on PORT" on stdout once it accepts connections, and exits
when its stdin reaches end of file: the test that started it holds the other
end, so a test that dies (a crash, a ctest timeout) takes its fake with it.
"""

import json
import os
import random
import re
import string
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULT_SCENARIO = {
    "apps": ["backup-worker"],
    "authorization": "Bearer test-token",
    "exit_code": 0,
    "exit_code_on_stop": 143,
    "exit_event_shape": "exit_event",
    "start_s": 0.1,
    "run_s": 0.3,
    "wait_max_s": 60,
    "timeout_first_waits": 0,
    "auto_destroy_after_s": 0.5,
    "forget_destroyed_after_s": 30,
    "list_deleted": True,
    "deleted_volume_listed_s": 30,
    "default_region": "iad",
    "volumes": [],
    "faults": [],
}

WAIT_STATES = {"started", "stopped", "suspended", "destroyed", "failed", "settled"}
RUNNING = {"created", "starting", "started"}

lock = threading.Condition()
scenario = dict(DEFAULT_SCENARIO)
machines = {}  # id -> Machine
volumes = {}  # id -> dict (Volume) plus private "_deleted_at"
calls = []


def new_id(length=14):
    return "".join(random.choice("0123456789abcdef") for _ in range(length))


def new_ulid():
    return "".join(random.choice(string.digits + "ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(26))


def now_ms():
    return int(time.time() * 1000)


class Machine:
    def __init__(self, app, name, region, config):
        self.app = app
        self.id = new_id()
        self.name = name
        self.region = region
        self.config = config
        self.version = new_ulid()
        self.state = "created"
        self.events = []
        self.destroyed_at = None
        self.plan = []  # (monotonic time, state) still to happen
        self.event("launch", "created", "user")
        self.schedule_run(time.monotonic())

    def event(self, kind, status, source="flyd", request=None):
        e = {"id": new_ulid(), "type": kind, "status": status, "source": source, "timestamp": now_ms()}
        if request is not None:
            e["request"] = request
        self.events.insert(0, e)  # newest first, as the API lists them

    def schedule_run(self, at):
        start = at + float(scenario["start_s"])
        stop = start + float(scenario["run_s"])
        self.plan = [(start, "started"), (stop, "stopped")]

    def exit_request(self, code, requested_stop):
        exit_event = {"exit_code": code, "exited_at": now_ms(), "guest_exit_code": code,
                      "guest_signal": -1, "oom_killed": False, "requested_stop": requested_stop,
                      "restarting": False, "signal": -1}
        if scenario["exit_event_shape"] == "MonitorEvent":
            return {"MonitorEvent": {"exit_event": exit_event}, "restart_count": 0}
        return {"exit_event": exit_event, "restart_count": 0}

    def enter(self, state, exit_code=None, requested_stop=False):
        self.state = state
        if state == "started":
            self.event("start", "started")
        elif state == "stopped":
            code = scenario["exit_code"] if exit_code is None else exit_code
            self.event("exit", "stopped", request=self.exit_request(code, requested_stop))
            if self.config.get("auto_destroy"):
                self.plan = [(time.monotonic() + float(scenario["auto_destroy_after_s"]), "destroyed")]
            else:
                self.plan = []
        elif state == "destroyed":
            self.plan = []
            self.destroyed_at = time.monotonic()
            self.event("destroy", "destroyed", "user")
            for v in volumes.values():
                if v.get("attached_machine_id") == self.id:
                    v["attached_machine_id"] = None

    def advance(self):
        now = time.monotonic()
        while self.plan and self.plan[0][0] <= now:
            _, state = self.plan.pop(0)
            self.enter(state)

    def forgotten(self):
        return (self.destroyed_at is not None and
                time.monotonic() >= self.destroyed_at + float(scenario["forget_destroyed_after_s"]))

    def json(self, with_events=True):
        m = {"id": self.id, "name": self.name, "state": self.state, "region": self.region,
             "instance_id": self.version, "version": self.version, "private_ip": "fdaa::3",
             "config": self.config, "created_at": "2024-01-01T00:00:00Z",
             "updated_at": "2024-01-01T00:00:00Z"}
        if with_events:
            m["events"] = self.events
        return m


def advance_all():
    for m in machines.values():
        m.advance()


def listed_volumes(app):
    out = []
    for v in volumes.values():
        if v["_app"] != app:
            continue
        deleted_at = v.get("_deleted_at")
        if deleted_at is not None:
            if time.monotonic() >= deleted_at + float(scenario["deleted_volume_listed_s"]):
                continue
        out.append(public_volume(v))
    return out


def public_volume(v):
    return {k: val for k, val in v.items() if not k.startswith("_")}


def error(status, message, code=None):
    body = {"error": message}
    if code:
        body["status"] = code
    return status, body, {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith("/_admin/"):
            self.reply(*self.admin(method, url.path, raw))
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = "<not json>"
        record = {"method": method, "path": url.path, "query": query, "body": body,
                  "authorization": self.headers.get("Authorization")}
        with lock:
            calls.append(record)
        if body == "<not json>":
            status, payload, headers = error(400, "request body is not JSON")
        else:
            status, payload, headers = self.api(method, url.path, query, body)
        with lock:
            record["status"] = status
        self.reply(status, payload, headers)

    def reply(self, status, payload, headers=None):
        data = json.dumps(payload).encode() if payload is not None else b""
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up on a wait (a cancelled trigger)

    # --- admin -------------------------------------------------------------

    def admin(self, method, path, raw):
        global scenario
        with lock:
            if method == "POST" and path == "/_admin/scenario":
                scenario = dict(DEFAULT_SCENARIO)
                scenario.update(json.loads(raw or b"{}"))
                scenario["faults"] = [dict(f, used=0) for f in scenario["faults"]]
                machines.clear()
                volumes.clear()
                calls.clear()
                for v in scenario["volumes"]:
                    volume = {"state": "created", "size_gb": 1, "region": scenario["default_region"],
                              "zone": "a1b2", "encrypted": True, "attached_machine_id": None,
                              "created_at": "2024-01-01T00:00:00Z"}
                    volume.update(v)
                    volume["_app"] = v.get("app", scenario["apps"][0])
                    volume.pop("app", None)
                    volumes[volume["id"]] = volume
                return 200, {"ok": True}, {}
            if method == "GET" and path == "/_admin/calls":
                return 200, calls, {}
            if method == "GET" and path == "/_admin/state":
                advance_all()
                return 200, {"machines": [dict(m.json(), forgotten=m.forgotten()) for m in machines.values()],
                             "volumes": [dict(public_volume(v), deleted=v.get("_deleted_at") is not None)
                                         for v in volumes.values()]}, {}
        return 404, {"error": "no such admin endpoint"}, {}

    # --- the API -------------------------------------------------------------

    def fault(self, method, path):
        for f in scenario["faults"]:
            if f.get("method", method) != method or not re.fullmatch(f["path"], path):
                continue
            times = int(f.get("times", 1))
            if times and f["used"] >= times:
                continue
            f["used"] += 1
            return (int(f["status"]), f.get("body", {"error": "injected fault"}), f.get("headers", {}),
                    bool(f.get("after_handling")))
        return None

    def api(self, method, path, query, body):
        injected = None
        with lock:
            injected = self.fault(method, path)
            if injected and not injected[3]:
                return injected[:3]
        answer = self.carry_out(method, path, query, body)
        return injected[:3] if injected else answer

    def carry_out(self, method, path, query, body):
        with lock:
            if self.headers.get("Authorization") != scenario["authorization"]:
                return error(401, "You must be authenticated to view this.")
            m = re.fullmatch(r"/v1/apps/([^/]+)(/.*)?", path)
            if not m:
                return error(404, "not found")
            app, rest = m.group(1), m.group(2) or ""
            if app not in scenario["apps"]:
                return error(404, "app not found")
            advance_all()
            routes = [
                ("POST", r"/machines", self.create_machine),
                ("GET", r"/machines", self.list_machines),
                ("GET", r"/machines/([^/]+)", self.get_machine),
                ("POST", r"/machines/([^/]+)", self.update_machine),
                ("DELETE", r"/machines/([^/]+)", self.destroy_machine),
                ("GET", r"/machines/([^/]+)/events", self.list_events),
                ("POST", r"/machines/([^/]+)/stop", self.stop_machine),
                ("POST", r"/volumes", self.create_volume),
                ("GET", r"/volumes", self.list_volumes),
                ("DELETE", r"/volumes/([^/]+)", self.destroy_volume),
            ]
            for verb, pattern, handler in routes:
                rm = re.fullmatch(pattern, rest)
                if verb == method and rm:
                    return handler(app, query, body, *rm.groups())
        if method == "GET":
            wm = re.fullmatch(r"/v1/apps/[^/]+/machines/([^/]+)/wait", path)
            if wm:
                return self.wait(app, query, wm.group(1))
        return error(404, "not found")

    def machine(self, app, machine_id):
        m = machines.get(machine_id)
        if m is None or m.app != app or m.forgotten():
            return None
        return m

    def check_config(self, config, region, machine_id=None):
        if not isinstance(config, dict) or not config.get("image"):
            return error(422, "config.image is required")
        guest = config.get("guest")
        if guest is not None:
            kind, cpus, mem = guest.get("cpu_kind"), guest.get("cpus"), guest.get("memory_mb")
            if kind not in ("shared", "performance") or not isinstance(cpus, int) or cpus < 1:
                return error(422, "invalid guest cpu_kind or cpus")
            low, high = (256, 2048) if kind == "shared" else (2048, 8192)
            if not isinstance(mem, int) or mem % 256 or not low * cpus <= mem <= high * cpus:
                return error(422, "invalid guest memory_mb for %d %s cpus" % (cpus, kind))
        policy = (config.get("restart") or {}).get("policy", "on-failure")
        if policy not in ("no", "always", "on-failure"):
            return error(422, "invalid restart policy")
        for mount in config.get("mounts") or []:
            v = volumes.get(mount.get("volume"))
            if v is None or v.get("_deleted_at") is not None:
                return error(422, "volume %s not found" % mount.get("volume"))
            if v["region"] != region:
                return error(422, "volume %s is in %s, not %s" % (v["id"], v["region"], region))
            if v.get("attached_machine_id") not in (None, machine_id):
                return error(422, "volume %s is attached to another machine" % v["id"])
            if not str(mount.get("path", "")).startswith("/"):
                return error(422, "mount path must be absolute")
        return None

    def create_machine(self, app, query, body):
        if not isinstance(body, dict):
            return error(400, "body required")
        region = body.get("region") or scenario["default_region"]
        config = body.get("config")
        problem = self.check_config(config, region)
        if problem:
            return problem
        name = body.get("name") or "machine-" + new_id(6)
        for other in machines.values():
            if other.app == app and other.name == name and other.state != "destroyed":
                return error(422, "a machine named %s already exists" % name, "name_taken")
        m = Machine(app, name, region, config)
        machines[m.id] = m
        for mount in config.get("mounts") or []:
            volumes[mount["volume"]]["attached_machine_id"] = m.id
        return 200, m.json(), {}

    def list_machines(self, app, query, body):
        include_deleted = query.get("include_deleted", ["false"])[0] == "true"
        out = []
        for m in machines.values():
            if m.app != app:
                continue
            if m.state == "destroyed" and not (include_deleted and scenario["list_deleted"]):
                continue
            out.append(m.json(with_events=include_deleted))
        return 200, out, {}

    def get_machine(self, app, query, body, machine_id):
        m = self.machine(app, machine_id)
        if m is None:
            return error(404, "machine not found")
        return 200, m.json(), {}

    def update_machine(self, app, query, body, machine_id):
        m = self.machine(app, machine_id)
        if m is None or m.state == "destroyed":
            return error(404, "machine not found")
        config = (body or {}).get("config")
        problem = self.check_config(config, m.region, m.id)
        if problem:
            return problem
        m.config = config
        m.version = new_ulid()
        m.event("update", m.state, "user")
        if not body.get("skip_launch") and m.state not in RUNNING:
            m.schedule_run(time.monotonic())
        return 200, m.json(), {}

    def destroy_machine(self, app, query, body, machine_id):
        m = self.machine(app, machine_id)
        if m is None or m.state == "destroyed":
            return error(404, "machine not found")
        force = query.get("force", ["false"])[0] == "true"
        if m.state in RUNNING and not force:
            return error(412, "unable to destroy machine, not currently stopped")
        m.enter("destroyed")
        return 200, {"ok": True}, {}

    def list_events(self, app, query, body, machine_id):
        m = self.machine(app, machine_id)
        if m is None:
            return error(404, "machine not found")
        limit = int(query.get("limit", ["20"])[0])
        if not 1 <= limit <= 50:
            return error(400, "limit must be between 1 and 50")
        return 200, m.events[:limit], {}

    def stop_machine(self, app, query, body, machine_id):
        m = self.machine(app, machine_id)
        if m is None or m.state == "destroyed":
            return error(404, "machine not found")
        if m.state in RUNNING:
            m.enter("stopped", exit_code=int(scenario["exit_code_on_stop"]), requested_stop=True)
        return 200, {"ok": True}, {}

    def wait(self, app, query, machine_id):
        states = set()
        for value in query.get("state", ["started"]):
            states.update(s for s in value.split(",") if s)
        if not states or not states <= WAIT_STATES:
            return error(400, "invalid state")
        try:
            timeout = int(query.get("timeout", ["60"])[0])
        except ValueError:
            return error(400, "invalid timeout")
        if not 1 <= timeout <= 60:
            return error(400, "invalid_argument: timeout must be in [1s, 1m0s]")
        if "stopped" in states and not (query.get("version") or query.get("instance_id")):
            return error(400, "version is required when waiting for stopped")
        deadline = time.monotonic() + min(timeout, float(scenario["wait_max_s"]))
        with lock:
            scenario["_waits"] = scenario.get("_waits", 0) + 1
            if scenario["_waits"] <= int(scenario["timeout_first_waits"]):
                return error(408, "deadline_exceeded: timed out waiting for machine state")
            while True:
                m = self.machine(app, machine_id)
                if m is None:
                    return error(404, "machine not found")
                m.advance()
                if m.state in states:
                    return 200, {"ok": True, "state": m.state, "version": m.version,
                                 "event_id": m.events[0]["id"]}, {}
                if m.state == "destroyed":
                    return error(404, "machine destroyed")
                left = deadline - time.monotonic()
                if left <= 0:
                    return error(408, "deadline_exceeded: timed out waiting for machine state")
                lock.wait(min(left, 0.02))

    def create_volume(self, app, query, body):
        body = body or {}
        name, size, region = body.get("name"), body.get("size_gb"), body.get("region")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,30}", name):
            return error(422, "volume name must be 1-30 lower-case letters, digits or underscores")
        if not isinstance(size, int) or size < 1:
            return error(422, "size_gb must be at least 1")
        if not region:
            return error(422, "region is required")
        v = {"id": "vol_" + new_id(16), "name": name, "state": "created", "size_gb": size,
             "region": region, "zone": "a1b2", "encrypted": body.get("encrypted", True),
             "attached_machine_id": None, "created_at": "2024-01-01T00:00:00Z", "_app": app}
        volumes[v["id"]] = v
        return 200, public_volume(v), {}

    def list_volumes(self, app, query, body):
        return 200, listed_volumes(app), {}

    def destroy_volume(self, app, query, body, volume_id):
        v = volumes.get(volume_id)
        if v is None or v["_app"] != app or v.get("_deleted_at") is not None:
            return error(404, "volume not found")
        holder = machines.get(v.get("attached_machine_id") or "")
        if holder is not None and holder.state != "destroyed":
            return error(412, "volume is attached to machine %s" % holder.id)
        v["_deleted_at"] = time.monotonic()
        v["state"] = "pending_destroy"
        return 200, dict(public_volume(v), state="destroyed"), {}


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=serve_until_stdin_closes, args=(server,), daemon=True).start()
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


def serve_until_stdin_closes(server):
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())

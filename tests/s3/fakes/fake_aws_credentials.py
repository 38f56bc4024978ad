#!/usr/bin/env python3
"""Fake AWS credential sources on one loopback port, for the credential tests.

Serves, following the public API contracts:
  STS AssumeRoleWithWebIdentity  POST /  (form body) or GET /?Action=...
      (Query API, Version 2011-06-15; XML answer or <ErrorResponse>)
  container credentials          GET /container/<anything>
      (JSON AccessKeyId/SecretAccessKey/Token/Expiration; checks Authorization)
  EC2 instance metadata, IMDSv2  PUT /latest/api/token (needs the TTL header),
      GET /latest/meta-data/iam/security-credentials/[ROLE] (needs the token)

Control endpoints (not recorded):
  GET  /_fake/requests  every request so far: method, path, query, headers, body
  POST /_fake/config    JSON merged into the settings below

Listens on 127.0.0.1, port 0; prints the port on the first line of stdout.
Every issued secret is random, so tests can look for it in text they check.
"""

import datetime
import json
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
REQUESTS = []
CONFIG = {
    "sts_lifetime_s": 3600,      # Expiration = now + this
    "sts_fail_count": 0,         # the next N STS calls answer 500 InternalFailure
    "sts_error_code": "",        # when set, STS answers 400 with this code
    "container_token": "",       # when set, the Authorization header must equal it
    "container_lifetime_s": 3600,
    "imds_role": "fake-instance-role",  # empty: no role attached (404)
    "imds_lifetime_s": 3600,
}
ISSUED = {"count": 0, "imds_tokens": set()}


def new_credentials(prefix, lifetime_s):
    with LOCK:
        ISSUED["count"] += 1
        n = ISSUED["count"]
    expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime_s)
    return {
        "AccessKeyId": "%sFAKE%04d" % (prefix, n),
        "SecretAccessKey": "fake-secret-" + secrets.token_hex(16),
        "Token": "fake-session-token-" + secrets.token_hex(24),
        "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8", "replace") if length else ""

    def _send(self, status, body, content_type="text/plain", headers=None):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _record(self, body):
        url = urllib.parse.urlsplit(self.path)
        with LOCK:
            REQUESTS.append({
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            })

    def _handle(self):
        body = self._read_body()
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_fake/requests":
            with LOCK:
                return self._send(200, json.dumps(REQUESTS), "application/json")
        if path == "/_fake/config":
            with LOCK:
                CONFIG.update(json.loads(body or "{}"))
            return self._send(200, "{}", "application/json")
        self._record(body)
        if path.startswith("/latest/"):
            return self._imds(path)
        if path.startswith("/container/"):
            return self._container()
        return self._sts(body)

    do_GET = do_POST = do_PUT = _handle

    # --- STS -------------------------------------------------------------
    def _sts_error(self, status, code, message):
        xml = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
               "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
               "<RequestId>fake-request</RequestId></ErrorResponse>" % (code, message))
        self._send(status, xml, "text/xml")

    def _sts(self, body):
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        params.update(dict(urllib.parse.parse_qsl(body)))
        if params.get("Action") != "AssumeRoleWithWebIdentity" or params.get("Version") != "2011-06-15":
            return self._sts_error(400, "InvalidAction", "unknown action or version")
        for name in ("RoleArn", "RoleSessionName", "WebIdentityToken"):
            if not params.get(name):
                return self._sts_error(400, "MissingParameter", "missing " + name)
        with LOCK:
            failing = CONFIG["sts_fail_count"] > 0
            if failing:
                CONFIG["sts_fail_count"] -= 1
            error_code = CONFIG["sts_error_code"]
            lifetime = CONFIG["sts_lifetime_s"]
        if failing:
            return self._sts_error(500, "InternalFailure", "fake outage")
        if error_code:
            return self._sts_error(400, error_code, "fake refusal")
        c = new_credentials("ASIA", lifetime)
        xml = ('<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
               "<AssumeRoleWithWebIdentityResult>"
               "<SubjectFromWebIdentityToken>fake-subject</SubjectFromWebIdentityToken>"
               "<Audience>sts.amazonaws.com</Audience>"
               "<AssumedRoleUser><Arn>%s/%s</Arn><AssumedRoleId>AROAFAKE:%s</AssumedRoleId></AssumedRoleUser>"
               "<Credentials><SessionToken>%s</SessionToken><SecretAccessKey>%s</SecretAccessKey>"
               "<Expiration>%s</Expiration><AccessKeyId>%s</AccessKeyId></Credentials>"
               "<Provider>fake-issuer</Provider>"
               "</AssumeRoleWithWebIdentityResult>"
               "<ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata>"
               "</AssumeRoleWithWebIdentityResponse>"
               % (params["RoleArn"], params["RoleSessionName"], params["RoleSessionName"],
                  c["Token"], c["SecretAccessKey"], c["Expiration"], c["AccessKeyId"]))
        self._send(200, xml, "text/xml")

    # --- container credentials ------------------------------------------
    def _container(self):
        with LOCK:
            expected = CONFIG["container_token"]
            lifetime = CONFIG["container_lifetime_s"]
        if expected and self.headers.get("Authorization") != expected:
            return self._send(401, json.dumps({"code": "Unauthorized"}), "application/json")
        c = new_credentials("ASIA", lifetime)
        c["RoleArn"] = "arn:aws:iam::000000000000:role/fake-task-role"
        self._send(200, json.dumps(c), "application/json")

    # --- EC2 instance metadata (IMDSv2) ---------------------------------
    def _imds(self, path):
        if path == "/latest/api/token":
            if self.command != "PUT" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self._send(400, "")
            token = "fake-imds-token-" + secrets.token_hex(16)
            with LOCK:
                ISSUED["imds_tokens"].add(token)
            return self._send(200, token, headers={
                "X-aws-ec2-metadata-token-ttl-seconds":
                    self.headers["X-aws-ec2-metadata-token-ttl-seconds"]})
        with LOCK:
            authorized = self.headers.get("X-aws-ec2-metadata-token") in ISSUED["imds_tokens"]
            role = CONFIG["imds_role"]
            lifetime = CONFIG["imds_lifetime_s"]
        if not authorized:
            return self._send(401, "")
        prefix = "/latest/meta-data/iam/security-credentials/"
        if not role or not path.startswith(prefix):
            return self._send(404, "")
        if path == prefix:
            return self._send(200, role)
        if path != prefix + role:
            return self._send(404, "")
        c = new_credentials("ASIA", lifetime)
        c.update({"Code": "Success", "Type": "AWS-HMAC",
                  "LastUpdated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
        self._send(200, json.dumps(c), "application/json")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

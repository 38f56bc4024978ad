#!/usr/bin/env python3
"""discard_s3: an S3 endpoint that checks every upload and throws the bytes away.

The benchmark's second endpoint (the first is the real Ceph RGW): with it, a
backup's wall time measures the client, not a storage server's disks. Python 3
standard library only; a threaded HTTP/1.1 server with keep-alive, path-style
addressing (http://HOST:PORT/BUCKET/KEY), any bucket name.

What it does, as Amazon S3 would (API reference, "Amazon S3 actions"):
  PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
  AbortMultipartUpload, HeadObject, DeleteObject, HeadBucket, GetBucketLocation,
  ListObjectsV2 (no pagination), ListMultipartUploads (the uploads still open).
  Bodies: x-amz-content-sha256 must equal the SHA-256 of the body unless it is
  UNSIGNED-PAYLOAD (400 XAmzContentSHA256Mismatch); Content-MD5 and
  x-amz-checksum-crc32/-crc32c/-sha1/-sha256 are verified (400 BadDigest /
  InvalidDigest); ETags are the MD5 of the body, and "md5-of-part-md5s-N" for a
  multipart object; CompleteMultipartUpload checks part order (InvalidPartOrder),
  ETags (InvalidPart) and the 5 MiB minimum of every part but the last
  (EntityTooSmall). Chunked and aws-chunked request bodies are refused (501), as
  S3 refuses the former and this server does not decode the latter.
  SigV4 is NOT verified: any Authorization header (or none) is accepted.
  Only sizes, ETags and metadata are kept; GetObject answers 501.

Admin (unsigned): GET /__discard/health -> "ok"; GET /__discard/stats -> JSON
(requests, bytes received, open uploads, objects with their sizes).

  discard_s3.py [--listen 127.0.0.1:0] [--quiet]
prints "discard-s3 listening on http://HOST:PORT" once ready; SIGTERM/SIGINT stop it.
"""
import argparse
import base64
import hashlib
import http.server
import importlib.machinery
import importlib.util
import json
import os
import secrets
import signal
import struct
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree
import zlib
from xml.sax.saxutils import escape

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MIN_PART_SIZE = 5 * 1024 * 1024          # S3: every part but the last is at least 5 MiB
MAX_PART_NUMBER = 10000                  # S3: part numbers 1..10,000
MAX_PUT_SIZE = 5 * 1024 ** 3             # S3: one PUT carries at most 5 GiB
MAX_COMPLETE_XML = 16 * 1024 * 1024      # 10,000 <Part> elements fit with room to spare
READ_CHUNK = 1024 * 1024
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


class Crc32:
    def __init__(self):
        self.value = 0

    def update(self, data):
        self.value = zlib.crc32(data, self.value)

    def digest(self):
        return struct.pack(">I", self.value)


def load_checksum_factories():
    """x-amz-checksum-* header -> digest factory (None: answered 501).

    CRC-32C has no stdlib implementation; the shared s3gate has a fast pure-Python
    one, so reuse it when the shared tools sit beside this checkout."""
    factories = {"x-amz-checksum-crc32": Crc32, "x-amz-checksum-crc32c": None,
                 "x-amz-checksum-sha1": hashlib.sha1, "x-amz-checksum-sha256": hashlib.sha256,
                 "x-amz-checksum-crc64nvme": None}
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.environ.get("PGDUMP2S3_SHARED_DIR", os.path.join(here, "..", "..", "shared"))
    gate_path = os.path.join(shared, "tools", "s3gate")
    if os.path.isfile(gate_path):
        try:
            loader = importlib.machinery.SourceFileLoader("s3gate_shared", gate_path)
            spec = importlib.util.spec_from_loader("s3gate_shared", loader)
            gate = importlib.util.module_from_spec(spec)
            loader.exec_module(gate)
            factories["x-amz-checksum-crc32c"] = gate.Crc32c
        except Exception as err:  # a broken shared checkout only costs CRC-32C support
            print(f"discard-s3: CRC-32C unavailable ({err})", file=sys.stderr)
    return factories


CHECKSUMS = load_checksum_factories()


class S3Error(Exception):
    STATUS = {"AccessDenied": 403, "BadDigest": 400, "EntityTooLarge": 400, "EntityTooSmall": 400,
              "InvalidArgument": 400, "InvalidDigest": 400, "InvalidPart": 400,
              "InvalidPartOrder": 400, "InvalidRequest": 400, "MalformedXML": 400,
              "MissingContentLength": 411, "NoSuchKey": 404, "NoSuchUpload": 404,
              "NotImplemented": 501, "XAmzContentSHA256Mismatch": 400, "MethodNotAllowed": 405}

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code, self.message, self.status = code, message or code, self.STATUS[code]


class Store:
    """What a discard endpoint remembers: open uploads with their parts, and the
    sizes/ETags/metadata of completed objects. Never a payload byte."""

    def __init__(self):
        self.lock = threading.Lock()
        self.uploads = {}     # upload id -> {"bucket", "key", "meta", "parts": {n: (size, md5 hex)}}
        self.objects = {}     # (bucket, key) -> {"size", "etag", "parts", "meta", "time"}
        self.requests = 0
        self.bytes_in = 0

    def stats(self):
        with self.lock:
            return {"requests": self.requests, "bytes_in": self.bytes_in,
                    "open_uploads": [{"upload_id": u, "bucket": v["bucket"], "key": v["key"],
                                      "parts": len(v["parts"])} for u, v in self.uploads.items()],
                    "objects": [{"bucket": b, "key": k, **{n: o[n] for n in ("size", "etag", "parts")}}
                                for (b, k), o in self.objects.items()]}


def b64(data):
    return base64.b64encode(data).decode("ascii")


class BodyCheck:
    """Reads a request body in chunks, hashing as it goes, and checks every digest
    the client sent. The bytes are dropped chunk by chunk."""

    def __init__(self, headers):
        self.headers = headers
        self.payload_hash = headers.get("x-amz-content-sha256")
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5()
        self.checksums = {}
        for name, factory in CHECKSUMS.items():
            if headers.get(name) is None:
                continue
            if factory is None:
                raise S3Error("NotImplemented", f"discard-s3 cannot verify {name}")
            self.checksums[name] = self.sha256 if factory is hashlib.sha256 else factory()
        self.size = 0

    def consume(self, rfile, length, keep):
        """Hash LENGTH bytes of RFILE; return them if KEEP (small XML bodies), else drop them."""
        digests = {id(d): d for d in (self.sha256, self.md5, *self.checksums.values())}.values()
        kept, left = [], length
        while left:
            chunk = rfile.read(min(READ_CHUNK, left))
            if not chunk:
                raise ConnectionError("client closed the connection mid-body")
            for digest in digests:
                digest.update(chunk)
            if keep:
                kept.append(chunk)
            left -= len(chunk)
        self.size = length
        return b"".join(kept)

    def verify(self):
        if self.payload_hash is not None and self.payload_hash != UNSIGNED_PAYLOAD \
                and self.payload_hash != self.sha256.hexdigest():
            raise S3Error("XAmzContentSHA256Mismatch",
                          "The provided 'x-amz-content-sha256' header does not match what was computed.")
        sent_md5 = self.headers.get("content-md5")
        if sent_md5 is not None:
            try:
                decoded = base64.b64decode(sent_md5.strip(), validate=True)
            except ValueError:
                decoded = b""
            if len(decoded) != 16:
                raise S3Error("InvalidDigest", "The Content-MD5 you specified is not valid.")
            if decoded != self.md5.digest():
                raise S3Error("BadDigest", "The Content-MD5 you specified did not match what we received.")
        for name, digest in self.checksums.items():
            if self.headers[name].strip() != b64(digest.digest()):
                raise S3Error("BadDigest", f"The {name[len('x-amz-checksum-'):].upper()} you specified "
                              "did not match the calculated checksum.")

    def etag(self):
        return self.md5.hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive; BaseHTTPRequestHandler answers Expect: 100-continue
    server_version = "discard-s3"
    sys_version = ""

    # --- plumbing -----------------------------------------------------------------------------
    def log_message(self, fmt, *args):
        if not self.server.quiet:
            sys.stderr.write("discard-s3: %s %s\n" % (self.address_string(), fmt % args))

    def send(self, status, body=b"", headers=None, content_type="application/xml"):
        self.send_response(status)
        self.send_header("x-amz-request-id", secrets.token_hex(8).upper())
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        if self.command != "HEAD" or "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def send_error_xml(self, err, resource):
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
                "<Resource>%s</Resource><RequestId>discard</RequestId></Error>"
                % (err.code, escape(err.message), escape(resource))).encode()
        self.send(err.status, body if self.command != "HEAD" else b"")

    def route(self):
        parsed = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parsed.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        bucket, _, key = path.lstrip("/").partition("/")
        return path, bucket, key, {k: v[0] for k, v in query.items()}

    def body_length(self, required):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise S3Error("NotImplemented", "Transfer-Encoding: chunked is not supported by S3")
        length = self.headers.get("Content-Length")
        if length is None:
            if required:
                raise S3Error("MissingContentLength", "You must provide the Content-Length HTTP header.")
            return 0
        return int(length)

    def read_checked_body(self, required, keep=False):
        """Read the whole body, verifying its digests; (BodyCheck, the bytes if KEEP)."""
        length = self.body_length(required)
        if length > (MAX_COMPLETE_XML if keep else MAX_PUT_SIZE):
            raise S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        payload_hash = self.headers.get("x-amz-content-sha256", "")
        if payload_hash.startswith("STREAMING-") or "aws-chunked" in self.headers.get("Content-Encoding", ""):
            raise S3Error("NotImplemented", "aws-chunked (STREAMING-*) payloads are not supported")
        check = BodyCheck(self.headers)
        data = check.consume(self.rfile, length, keep)
        self.body_read = True
        with self.server.store.lock:
            self.server.store.bytes_in += length
        check.verify()
        return check, data

    def drain_body(self):
        """Read and drop a body we refuse, so the keep-alive connection stays in sync."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return
        try:
            left = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self.close_connection = True
            return
        if left > MAX_COMPLETE_XML:   # cheaper to drop the connection than to read it, as S3 does
            self.close_connection = True
            return
        while left > 0:
            chunk = self.rfile.read(min(READ_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)

    def dispatch(self, action):
        self.body_read = False
        with self.server.store.lock:
            self.server.store.requests += 1
        path, bucket, key, query = self.route()
        try:
            if path.startswith("/__discard/"):
                return self.admin(path)
            if not bucket:
                raise S3Error("NotImplemented", "ListBuckets is not implemented")
            action(bucket, key, query)
        except S3Error as err:
            if not self.body_read:
                self.drain_body()
            self.send_error_xml(err, path)
        except (ConnectionError, ValueError) as err:
            self.log_message("%s", err)
            self.close_connection = True

    # --- HTTP methods ---------------------------------------------------------------------------
    def do_PUT(self):
        self.dispatch(self.put)

    def do_POST(self):
        self.dispatch(self.post)

    def do_HEAD(self):
        self.dispatch(self.head)

    def do_GET(self):
        self.dispatch(self.get)

    def do_DELETE(self):
        self.dispatch(self.delete)

    # --- S3 operations --------------------------------------------------------------------------
    def put(self, bucket, key, query):
        if not key:
            raise S3Error("NotImplemented", "CreateBucket is not implemented (any bucket exists)")
        if "x-amz-copy-source" in self.headers:
            raise S3Error("NotImplemented", "CopyObject/UploadPartCopy are not implemented")
        store = self.server.store
        if "uploadId" in query:                                   # UploadPart
            try:
                number = int(query.get("partNumber", ""))
            except ValueError:
                number = 0
            if not 1 <= number <= MAX_PART_NUMBER:
                raise S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000")
            with store.lock:
                known = query["uploadId"] in store.uploads
            if not known:
                raise S3Error("NoSuchUpload", "The specified upload does not exist.")
            check, _ = self.read_checked_body(required=True)
            with store.lock:
                upload = store.uploads.get(query["uploadId"])
                if upload is None:                                # aborted meanwhile
                    raise S3Error("NoSuchUpload", "The specified upload does not exist.")
                upload["parts"][number] = (check.size, check.etag())
            return self.send(200, headers={"ETag": f'"{check.etag()}"'})
        check, _ = self.read_checked_body(required=True)          # PutObject
        with store.lock:
            store.objects[(bucket, key)] = {"size": check.size, "etag": check.etag(), "parts": 0,
                                            "meta": self.user_metadata(), "time": time.time()}
        return self.send(200, headers={"ETag": f'"{check.etag()}"'})

    def post(self, bucket, key, query):
        store = self.server.store
        if "uploads" in query and key:                            # CreateMultipartUpload
            self.drain_body()
            self.body_read = True
            upload_id = secrets.token_urlsafe(24)
            with store.lock:
                store.uploads[upload_id] = {"bucket": bucket, "key": key, "meta": self.user_metadata(),
                                            "parts": {}, "initiated": time.time()}
            return self.send(200, self.xml("InitiateMultipartUploadResult",
                                           f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(key)}</Key>"
                                           f"<UploadId>{upload_id}</UploadId>"))
        if "uploadId" in query and key:                           # CompleteMultipartUpload
            return self.complete(bucket, key, query["uploadId"])
        raise S3Error("NotImplemented", "this POST is not implemented")

    def complete(self, bucket, key, upload_id):
        _, body = self.read_checked_body(required=False, keep=True)
        requested = self.parse_complete(body)
        store = self.server.store
        with store.lock:
            upload = store.uploads.get(upload_id)
            if upload is None or upload["bucket"] != bucket or upload["key"] != key:
                raise S3Error("NoSuchUpload", "The specified upload does not exist.")
            previous = 0
            for number, _ in requested:
                if number <= previous:
                    raise S3Error("InvalidPartOrder", "The list of parts was not in ascending order.")
                previous = number
            total, md5s = 0, b""
            for index, (number, etag) in enumerate(requested):
                part = upload["parts"].get(number)
                if part is None or part[1] != etag:
                    raise S3Error("InvalidPart", "One or more of the specified parts could not be found "
                                  "or the specified entity tag might not have matched the part's entity tag.")
                if part[0] < MIN_PART_SIZE and index != len(requested) - 1:
                    raise S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum "
                                  "allowed object size.")
                total += part[0]
                md5s += bytes.fromhex(part[1])
            etag = f"{hashlib.md5(md5s).hexdigest()}-{len(requested)}"
            store.objects[(bucket, key)] = {"size": total, "etag": etag, "parts": len(requested),
                                            "meta": upload["meta"], "time": time.time()}
            del store.uploads[upload_id]
        return self.send(200, self.xml("CompleteMultipartUploadResult",
                                       f"<Location>http://{escape(self.headers.get('Host', ''))}/"
                                       f"{escape(bucket)}/{escape(key)}</Location><Bucket>{escape(bucket)}"
                                       f"</Bucket><Key>{escape(key)}</Key><ETag>\"{etag}\"</ETag>"))

    @staticmethod
    def parse_complete(body):
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            raise S3Error("MalformedXML", "The XML you provided was not well-formed.")
        parts = []
        for element in root.iter():
            if element.tag.rsplit("}", 1)[-1] != "Part":
                continue
            fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in element}
            try:
                parts.append((int(fields["PartNumber"]), fields["ETag"].strip('"')))
            except (KeyError, ValueError):
                raise S3Error("MalformedXML", "The XML you provided was not well-formed.")
        if not parts:
            raise S3Error("MalformedXML", "The XML you provided was not well-formed.")
        return parts

    def head(self, bucket, key, query):
        if not key:                                               # HeadBucket
            return self.send(200, headers={"x-amz-bucket-region": "us-east-1"})
        with self.server.store.lock:
            obj = self.server.store.objects.get((bucket, key))
        if obj is None:
            raise S3Error("NoSuchKey", "The specified key does not exist.")
        headers = {"ETag": f'"{obj["etag"]}"', "Content-Length": str(obj["size"]),
                   "Last-Modified": self.date_time_string(obj["time"])}
        headers.update(obj["meta"])
        return self.send(200, headers=headers, content_type="binary/octet-stream")

    def get(self, bucket, key, query):
        if key:
            raise S3Error("NotImplemented", "discard-s3 keeps no object data (GetObject)")
        if "location" in query:
            return self.send(200, self.xml("LocationConstraint", ""))
        if "uploads" in query:                                    # ListMultipartUploads
            prefix = query.get("prefix", "")
            with self.server.store.lock:
                open_uploads = [(u, v) for u, v in self.server.store.uploads.items()
                                if v["bucket"] == bucket and v["key"].startswith(prefix)]
            items = "".join(f"<Upload><Key>{escape(v['key'])}</Key><UploadId>{u}</UploadId>"
                            f"<Initiated>{self.iso(v['initiated'])}</Initiated>"
                            "<StorageClass>STANDARD</StorageClass></Upload>" for u, v in open_uploads)
            return self.send(200, self.xml("ListMultipartUploadsResult",
                                           f"<Bucket>{escape(bucket)}</Bucket><Prefix>{escape(prefix)}</Prefix>"
                                           "<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>"
                                           + items))
        prefix = query.get("prefix", "")                          # ListObjectsV2 (one page)
        with self.server.store.lock:
            objects = sorted((k, o) for (b, k), o in self.server.store.objects.items()
                             if b == bucket and k.startswith(prefix))
        items = "".join(f"<Contents><Key>{escape(k)}</Key><LastModified>{self.iso(o['time'])}</LastModified>"
                        f"<ETag>\"{o['etag']}\"</ETag><Size>{o['size']}</Size>"
                        "<StorageClass>STANDARD</StorageClass></Contents>" for k, o in objects)
        return self.send(200, self.xml("ListBucketResult",
                                       f"<Name>{escape(bucket)}</Name><Prefix>{escape(prefix)}</Prefix>"
                                       f"<KeyCount>{len(objects)}</KeyCount><MaxKeys>1000</MaxKeys>"
                                       "<IsTruncated>false</IsTruncated>" + items))

    def delete(self, bucket, key, query):
        store = self.server.store
        with store.lock:
            if "uploadId" in query:                               # AbortMultipartUpload
                if store.uploads.pop(query["uploadId"], None) is None:
                    raise S3Error("NoSuchUpload", "The specified upload does not exist.")
            elif key:                                             # DeleteObject (idempotent)
                store.objects.pop((bucket, key), None)
            else:
                raise S3Error("NotImplemented", "DeleteBucket is not implemented")
        return self.send(204)

    def admin(self, path):
        if path == "/__discard/health":
            return self.send(200, b"ok", content_type="text/plain")
        if path == "/__discard/stats":
            return self.send(200, json.dumps(self.server.store.stats()).encode(),
                             content_type="application/json")
        raise S3Error("NotImplemented", "unknown admin path")

    # --- helpers --------------------------------------------------------------------------------
    def user_metadata(self):
        return {name.lower(): value for name, value in self.headers.items()
                if name.lower().startswith("x-amz-meta-")}

    @staticmethod
    def iso(timestamp):
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(timestamp))

    @staticmethod
    def xml(root, inner):
        return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{XMLNS}\">{inner}</{root}>"
                ).encode()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, quiet):
        super().__init__(address, Handler)
        self.store = Store()
        self.quiet = quiet


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (port 0: a free one)")
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    server = Server((host or "127.0.0.1", int(port)), args.quiet)
    print(f"discard-s3 listening on http://{server.server_address[0]}:{server.server_address[1]}",
          flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, name="accept", daemon=True).start()
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

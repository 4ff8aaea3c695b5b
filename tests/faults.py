"""A loopback HTTP proxy in front of the moto server that injects faults: throttling bursts,
5xx answers, slow answers, access denied. Real HTTP, so botocore's real retry logic runs."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Reply:
    """An answer of our own making: any body (an HTML block page, a cut JSON), sent a byte at a
    time with `drip` seconds between bytes; or the upstream answer changed by `rewrite`."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/x-amz-json-1.1"
    drip: float = 0.0
    rewrite: Callable[[bytes], bytes] | None = None


# (operation, request number of that operation, region) -> None to forward, or
# (status, error code); ("SLOW" waits `status` seconds before answering 500); or a Reply.
Decide = Callable[[str, int, str], "tuple[int, str] | Reply | None"]


EFS_PATHS = (  # EFS is REST-JSON: the operation is in the method and path
    (re.compile(r"GET /2015-02-01/file-systems/[^/]+/policy"), "DescribeFileSystemPolicy"),
    (re.compile(r"GET /2015-02-01/mount-targets/[^/]+/security-groups"),
     "DescribeMountTargetSecurityGroups"),
    (re.compile(r"GET /2015-02-01/mount-targets"), "DescribeMountTargets"),
    (re.compile(r"GET /2015-02-01/access-points"), "DescribeAccessPoints"),
    (re.compile(r"GET /2015-02-01/file-systems"), "DescribeFileSystems"),
)


def operation_of(headers, body: bytes, method: str = "POST", path: str = "/") -> str:
    for pattern, op in EFS_PATHS:
        if pattern.match(f"{method} {path}"):
            return op
    target = headers.get("X-Amz-Target")
    if target:  # JSON protocols: "AmazonEC2ContainerServiceV20141113.ListClusters"
        return target.rsplit(".", 1)[-1]
    for part in body.decode("utf-8", "replace").split("&"):  # query protocols: Action=...
        if part.startswith("Action="):
            return part[len("Action="):]
    return "?"


def region_of(headers) -> str:
    # SigV4: "Credential=AKID/20261127/us-east-1/ecs/aws4_request"
    auth = headers.get("Authorization", "")
    scope = auth.split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    return scope[2] if len(scope) > 2 else ""


def access_key_of(headers) -> str:
    auth = headers.get("Authorization", "")
    return auth.split("Credential=", 1)[-1].split("/", 1)[0] if "Credential=" in auth else ""


class FaultProxy:
    """`decide(op, n, region)`; or, given `by_account`, `by_account(op, n, region, account)`
    where account is the one a request addresses: the RoleArn's for AssumeRole, else the
    account whose assumed-role credentials signed it (learnt from AssumeRole answers)."""

    def __init__(self, upstream: str, decide: Decide | None = None, by_account=None,
                 latency: float = 0.0) -> None:
        self.upstream = urlsplit(upstream)
        self.latency = latency  # seconds added to every forwarded request (AWS is not loopback)
        self.decide = decide or (lambda op, n, region: None)
        self.by_account = by_account
        self.keys: dict[str, str] = {}  # access key id -> account
        self.unnamed: set[str] = set()  # methods of requests with no operation name (S3 REST)
        self.seen: dict[str, int] = {}
        self.injected: dict[str, int] = {}
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                op = operation_of(self.headers, body, self.command, self.path)
                with proxy.lock:
                    n = proxy.seen.get(op, 0)
                    proxy.seen[op] = n + 1
                    if op == "?":
                        proxy.unnamed.add(self.command)
                account = proxy.account_of(self.headers, body, op)
                fault = proxy.by_account(op, n, region_of(self.headers), account) if proxy.by_account \
                    else proxy.decide(op, n, region_of(self.headers))
                if fault:
                    with proxy.lock:
                        proxy.injected[op] = proxy.injected.get(op, 0) + 1
                    if isinstance(fault, Reply):
                        self._reply(fault, body)
                    else:
                        self._error(*fault)
                    return
                if proxy.latency:
                    time.sleep(proxy.latency)
                status, headers, data = self._forward(body)
                if op == "AssumeRole" and status == 200:
                    proxy.learn(account, data)
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _forward(self, body: bytes) -> tuple[int, list, bytes]:
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port,
                                                  timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.getheaders(), resp.read()

            def _reply(self, reply: Reply, body: bytes) -> None:
                data = reply.body
                if reply.rewrite:
                    _, _, data = self._forward(body)
                    data = reply.rewrite(data)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    t0 = time.monotonic()
                    for i in range(len(data)) if reply.drip else ():
                        if time.monotonic() - t0 > 10:
                            return  # long past any client's deadline: stop dripping
                        self.wfile.write(data[i:i + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                    if not reply.drip:
                        self.wfile.write(data)
                except OSError:
                    pass  # the client gave up, as it should

            def _error(self, status: int, code: str) -> None:
                if code == "SLOW":
                    time.sleep(status)
                    status, code = 500, "InternalFailure"
                if self.headers.get("X-Amz-Target") or self.path.startswith("/2015-02-01/"):
                    data = json.dumps({"__type": code, "message": f"injected {code}"}).encode()
                    ctype = "application/x-amz-json-1.1"
                    self.send_response(status)
                    self.send_header("x-amzn-ErrorType", code)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                else:
                    data = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                            f"<Message>injected {code}</Message></Error>"
                            "<RequestId>1</RequestId></ErrorResponse>").encode()
                    ctype = "text/xml"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("x-amzn-RequestId", "injected")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.block_on_close = False  # a dripping handler must not hold up the test
        # A client that gave up (timeout, interrupt) closes its socket: not an error here.
        self.server.handle_error = lambda request, address: None
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def account_of(self, headers, body: bytes, op: str) -> str:
        if op == "AssumeRole":
            m = re.search(rb"RoleArn=arn%3Aaws%3Aiam%3A%3A(\d{12})", body)
            return m.group(1).decode() if m else ""
        return self.keys.get(access_key_of(headers), "")

    def learn(self, account: str, data: bytes) -> None:
        m = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", data)
        if m and account:
            with self.lock:
                self.keys[m.group(1).decode()] = account

    def __enter__(self) -> FaultProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

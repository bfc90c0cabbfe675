#!/usr/bin/env python3
"""ec2-fault-proxy.py: an HTTP proxy in front of moto that breaks replies
on demand, for the EC2 driver's error paths (tests/t6000-ec2.sh).

    ec2-fault-proxy.py --port P --to http://127.0.0.1:MOTO --dir D

Every request is forwarded to moto as it came (the Host header too, so the
client's SigV4 signature still checks out), unless D/fault names a fault
for the next requests, one a line, each used once:

    throttle   503 with EC2's RequestLimitExceeded (Response/Errors/Error)
    garbage    200 with a body that is not XML
    truncated  200 with moto's real reply cut in half
    html502    502 with an HTML page (a load balancer's)

D/count holds the number of requests received; D/port is written once
the proxy listens.
"""

import argparse
import http.client
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

THROTTLE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            b'<Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>'
            b'</Error></Errors><RequestID>fault-proxy</RequestID></Response>')
LOCK = threading.Lock()


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def next_fault(self):
        d = self.server.dir
        with LOCK:
            n = int(open(os.path.join(d, "count")).read() or 0) + 1
            with open(os.path.join(d, "count"), "w") as f:
                f.write(str(n))
            path = os.path.join(d, "fault")
            try:
                lines = open(path).read().split()
            except FileNotFoundError:
                return None
            if not lines:
                return None
            with open(path, "w") as f:
                f.write("\n".join(lines[1:]))
            return lines[0]

    def reply(self, status, body, ctype="text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self, body):
        to = urllib.parse.urlparse(self.server.to)
        conn = http.client.HTTPConnection(to.hostname, to.port, timeout=30)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "transfer-encoding")}
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fault = self.next_fault()
        if fault == "throttle":
            return self.reply(503, THROTTLE)
        if fault == "garbage":
            return self.reply(200, b"this is not XML at all \x00\xff")
        if fault == "html502":
            return self.reply(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                              "text/html")
        status, data = self.forward(body)
        if fault == "truncated":
            data = data[: len(data) // 2]
        self.reply(status, data)


def main(argv):
    ap = argparse.ArgumentParser(prog="ec2-fault-proxy.py")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args(argv)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Proxy)
    srv.dir, srv.to = a.dir, a.to
    with open(os.path.join(a.dir, "count"), "w") as f:
        f.write("0")
    with open(os.path.join(a.dir, "port"), "w") as f:
        f.write(str(a.port))
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

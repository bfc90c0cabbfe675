#!/usr/bin/env python3
"""fake-engine.py: a canned-reply Docker Engine for what a real one cannot do.

Real engines prove behaviour; this only produces the failures a real
engine never shows on demand. It answers GET /_ping like an engine
(Api-Version header, "OK") and every other request by --mode:

  garbage           200 with a body that is not JSON
  garbage-error     500 with a body that is not JSON (an HTML error page)
  truncated         200 promising more (Content-Length) than it sends, then close
  hang              headers and half a body, then nothing, never closing
  slow-ping         never answers anything, not even /_ping
  truncated-stream  a container without TTY whose logs stop inside a frame
  bad-stream        a container without TTY whose logs are not frames at all
  trickle           a container without TTY whose logs come as a line every
                    0.3 s, 12 lines (3.6 s), then the end
  trickle-quiet     the same 12 lines, then silence on a stream kept open,
                    /_ping still answered: a quiet container, an engine alive
  trickle-stall     the same 12 lines, then silence, and no answer to
                    anything (/_ping included) from then on: a hung engine
  truncated-json    200 with a whole reply (Content-Length kept) whose JSON
                    stops in the middle
  die               headers and half a body, then the process SIGKILLs
                    itself: an engine that dies mid-body
  endless           200 with a chunked body that never ends, sent as fast
                    as the client takes it
  latency           every reply, /_ping included, after --delay seconds
                    (default 2), then answered as by ok
  ok                a healthy engine: /_ping, /version, /info and
                    /containers/json (one container, /fake-ok) answered,
                    404 for the rest; what a fault is cleared to

Usage: fake-engine.py [--mode MODE] [--api-version V|none] [--delay S]
                      [--healthy-info] [--tls-cert PEM --tls-key PEM [--tls-ca PEM]]
                      ADDRESS
--healthy-info answers GET /info and /version as ok does, whatever the mode:
the fault then hits the other requests (a listing) only.
ADDRESS is a unix socket path (it has a '/') or HOST:PORT. With --tls-cert
it speaks TLS (with --tls-ca, a client certificate that CA signed is
required, as dockerd --tlsverify). Prints "ready" on stdout once listening
("ready PORT" for port 0, which picks a free one).
Python 3 standard library only.
"""
import argparse
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time

MODES = ("garbage", "garbage-error", "truncated", "hang", "slow-ping",
         "truncated-stream", "bad-stream", "trickle", "trickle-quiet", "trickle-stall",
         "truncated-json", "die", "endless", "latency", "ok")
HERE = os.path.dirname(os.path.abspath(__file__))
TRICKLE_LINES = 12
TRICKLE_EVERY = 0.3
# trickle-stall: set once the lines are out; the engine answers nothing more.
HUNG = threading.Event()


def read_request(conn, buf):
    """One request from conn: (method, path, rest-of-buffer), None at EOF."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path = lines[0].split(" ")[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    # Drain the body so the connection can serve the next request.
    if "content-length" in headers:
        need = int(headers["content-length"])
        while len(buf) < need:
            data = conn.recv(65536)
            if not data:
                return None
            buf += data
        buf = buf[need:]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            while b"\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return None
                buf += data
            size_line, _, buf = buf.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                data = conn.recv(65536)
                if not data:
                    return None
                buf += data
            buf = buf[size + 2:]
            if size == 0:
                break
    return method, path, buf


def reply(conn, status, body, ctype="application/json"):
    version = ("Api-Version: %s\r\n" % ARGS.api_version
               if ARGS.api_version != "none" else "")
    head = ("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            "%sServer: fake-engine\r\n\r\n" % (status, ctype, len(body), version))
    conn.sendall(head.encode() + body)


def hold(conn):
    """Keep the connection open and silent until the client gives up."""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def frame(stream, payload):
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def healthy_body(route):
    """What a healthy engine answers to route (ok, latency), or None: 404."""
    if route == "/version":
        return b'{"ApiVersion":"1.41","Version":"20.10.99-fake","Os":"linux"}\n'
    if route == "/info":
        with open(os.path.join(HERE, "data", "engine-info.json"), "rb") as f:
            info = json.load(f)
        info["ID"] = "FAKE:%d" % os.getpid()
        info["Name"] = "fake-engine"
        return json.dumps(info).encode()
    if route == "/containers/json":
        with open(os.path.join(HERE, "data", "engine-containers.json"), "rb") as f:
            c = json.load(f)[0]
        c["Id"] = "fa4e%060x" % os.getpid()
        c["Names"] = ["/fake-ok"]
        return json.dumps([c]).encode()
    return None


def endless(conn):
    """A 200 whose chunked body never ends: a JSON array that never closes."""
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    conn.sendall(head.encode() + b"1\r\n[\r\n")
    item = b'{"Id":"0123456789ab","Names":["/endless"],"Image":"busybox"},'
    data = item * (65536 // len(item))
    chunk = b"%x\r\n" % len(data) + data + b"\r\n"
    while True:
        conn.sendall(chunk)


def serve(conn):
    buf = b""
    try:
        if TLS_CTX is not None:
            conn.settimeout(30)
            conn = TLS_CTX.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
        if ARGS.mode == "slow-ping":
            hold(conn)
            return
        while True:
            req = read_request(conn, buf)
            if req is None:
                return
            method, path, buf = req
            route = re.sub(r"^/v[0-9.]+", "", path.split("?")[0])
            if HUNG.is_set():
                hold(conn)
                return
            if ARGS.mode == "latency":
                time.sleep(ARGS.delay)
            if method in ("GET", "HEAD") and route == "/_ping":
                reply(conn, "200 OK", b"OK", "text/plain; charset=utf-8")
                continue
            if method == "GET" and route == "/version" and ARGS.api_version == "none":
                # What engines too old for Api-Version on /_ping answer.
                reply(conn, "200 OK", b'{"ApiVersion":"1.23","Version":"1.11.2"}\n')
                continue
            if (ARGS.healthy_info and method == "GET" and route in ("/info", "/version")
                    and ARGS.mode != "latency"):
                reply(conn, "200 OK", healthy_body(route))
                continue
            if ARGS.mode in ("ok", "latency"):
                body = healthy_body(route) if method == "GET" else None
                if body is None:
                    reply(conn, "404 Not Found", b'{"message":"page not found"}\n')
                else:
                    reply(conn, "200 OK", body)
            elif ARGS.mode == "truncated-json":
                reply(conn, "200 OK", b'[{"Id": "0123456789ab", "Names": ["/trunc')
            elif ARGS.mode == "die":
                body = healthy_body("/containers/json")
                head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\n\r\n" % len(body))
                conn.sendall(head.encode() + body[:len(body) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            elif ARGS.mode == "endless":
                endless(conn)
            elif ARGS.mode == "garbage":
                reply(conn, "200 OK", b"<html><body>this is not JSON</body></html>\n")
            elif ARGS.mode == "garbage-error":
                reply(conn, "500 Internal Server Error",
                      b"<html><body>502 Bad Gateway</body></html>\n", "text/html")
            elif ARGS.mode == "truncated":
                body = b'[{"Id": "0123456789ab", "Names": ["/trunc'
                head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\n\r\n" % (len(body) + 1000))
                conn.sendall(head.encode() + body)
                conn.shutdown(socket.SHUT_WR)
                return
            elif ARGS.mode == "hang":
                body = b'[{"Id": "0123456789ab", "Names": ["/hang'
                head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\n\r\n" % (2 * len(body)))
                conn.sendall(head.encode() + body)
                hold(conn)
                return
            elif ARGS.mode.startswith("trickle"):
                m = re.match(r"^/containers/([^/]+)/(json|logs)$", route)
                if not m:
                    reply(conn, "404 Not Found", b'{"message":"page not found"}\n')
                    continue
                if m.group(2) == "json":
                    reply(conn, "200 OK", b'{"Id":"%s","Config":{"Tty":false}}\n'
                          % m.group(1).encode())
                    continue
                head = ("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                        "Connection: close\r\n\r\n")
                conn.sendall(head.encode())
                for i in range(TRICKLE_LINES):
                    time.sleep(TRICKLE_EVERY)
                    conn.sendall(frame(1, b"line %d\n" % (i + 1)))
                if ARGS.mode == "trickle":
                    conn.shutdown(socket.SHUT_WR)
                    return
                if ARGS.mode == "trickle-stall":
                    HUNG.set()
                hold(conn)
                return
            elif ARGS.mode in ("truncated-stream", "bad-stream"):
                m = re.match(r"^/containers/([^/]+)/(json|logs)$", route)
                if not m:
                    reply(conn, "404 Not Found", b'{"message":"page not found"}\n')
                    continue
                if m.group(2) == "json":
                    reply(conn, "200 OK", b'{"Id":"%s","Config":{"Tty":false}}\n'
                          % m.group(1).encode())
                    continue
                if ARGS.mode == "truncated-stream":
                    body = frame(1, b"first line\n") + frame(2, b"second line\n")[:12]
                else:
                    body = b"plain text where frames should be\n"
                head = ("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                        "Connection: close\r\n\r\n")
                conn.sendall(head.encode() + body)
                conn.shutdown(socket.SHUT_WR)
                return
    except OSError:
        pass
    finally:
        conn.close()


TLS_CTX = None


def main():
    global ARGS, TLS_CTX
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", choices=MODES, default="garbage")
    p.add_argument("--api-version", default="1.41",
                   help="what /_ping's Api-Version header says (default 1.41); "
                   "none: no header, and /version says 1.23, as an old engine")
    p.add_argument("--delay", type=float, default=2.0,
                   help="latency: seconds before every reply (default 2)")
    p.add_argument("--healthy-info", action="store_true",
                   help="answer GET /info and /version as ok does: the fault is the "
                   "other requests' (a listing's)")
    p.add_argument("--tls-cert", help="speak TLS with this server certificate")
    p.add_argument("--tls-key", help="... and this key")
    p.add_argument("--tls-ca", help="require a client certificate this CA signed")
    p.add_argument("address", help="unix socket path, or HOST:PORT")
    ARGS = p.parse_args()
    if ARGS.tls_cert:
        TLS_CTX = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        TLS_CTX.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        if ARGS.tls_ca:
            TLS_CTX.load_verify_locations(ARGS.tls_ca)
            TLS_CTX.verify_mode = ssl.CERT_REQUIRED

    if "/" in ARGS.address:
        try:
            os.unlink(ARGS.address)
        except FileNotFoundError:
            pass
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(ARGS.address)
        shown = "ready"
    else:
        host, _, port = ARGS.address.rpartition(":")
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((host, int(port)))
        # Port 0: the caller needs to learn which port it got.
        shown = "ready %d" % srv.getsockname()[1] if int(port) == 0 else "ready"
    srv.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(shown, flush=True)
    try:
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        srv.close()
        if "/" in ARGS.address:
            try:
                os.unlink(ARGS.address)
            except OSError:
                pass


if __name__ == "__main__":
    main()

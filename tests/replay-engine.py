#!/usr/bin/env python3
"""replay-engine.py: many Docker Engines in one process, for scale tests.

A thousand real engines cannot run on one machine; this stands in for
them, and only for that. One asyncio process listens on N unix sockets,
DIR/e1.sock .. DIR/eN.sock, each one "engine" answering from recorded
replies (tests/data/engine-*.json, what a real dockerd said):

  GET /_ping            OK, with an Api-Version header (1.41)
  GET /version          the engine's version object
  GET /info             the recorded /info, with this engine's own ID and name
  GET /containers/json  CONTAINERS containers (the recorded ones repeated),
                        each with an ID and a name unique to this engine
                        (/hI-cJ), newest first
  GET /images/json      the recorded images
  GET /volumes          no volumes
  GET /networks         the three an engine starts with (bridge, host, none)
  anything else         404 {"message": "..."}

Every request is answered after --delay seconds (default 0), kept-alive
connections included, so that transfers overlap and the client's
concurrency shows. It counts, over all its sockets, connections and
requests, and the most requests waiting for their answer at one time
(max_pending) and the most connections open at one time (max_open);
GET /_replay/stats on any socket answers them as JSON (that request is
not counted), GET /_replay/reset zeroes them.

Usage: replay-engine.py [--containers N] [--delay S] DIR COUNT
Prints "ready" on stdout once every socket listens. Python 3 standard
library only.
"""
import argparse
import asyncio
import json
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STATS = {"connections": 0, "requests": 0, "open": 0, "max_open": 0,
         "pending": 0, "max_pending": 0}


def load(name):
    with open(os.path.join(HERE, "data", name)) as f:
        return json.load(f)


def container_template(n):
    """The body of /containers/json with HOSTTAG____ (in names) and HOSTID
    (in IDs) where each engine's number goes."""
    rec = load("engine-containers.json")
    out = []
    for j in range(n):
        c = json.loads(json.dumps(rec[j % len(rec)]))
        # the short ID (12 characters) unique too: the container, then the host
        c["Id"] = "%06x" % (j + 1) + "HOSTID" + "%052x" % (j + 1)
        c["Names"] = ["/hHOSTTAG____-c%d" % (j + 1)]
        c["Created"] = 1795346743 - j
        c["Labels"] = {"replay": "yes", "index": str(j + 1)}
        out.append(c)
    return json.dumps(out, separators=(",", ":")).encode()


def tag(i):
    return b"%011d" % i  # the width of HOSTTAG____


class Engine:
    def __init__(self, i, args, bodies):
        self.i = i
        self.args = args
        self.bodies = bodies
        self.cache = {}  # (method, path) -> the whole response, made on first use

    def body_for(self, path):
        p = path.split("?", 1)[0]
        # strip a version prefix: /v1.41/containers/json
        if p.startswith("/v") and "/" in p[1:]:
            head, rest = p[1:].split("/", 1)
            if head[1:].replace(".", "").isdigit():
                p = "/" + rest
        if p == "/_ping":
            return 200, b"OK", "text/plain"
        if p == "/containers/json":
            body = self.bodies["containers"].replace(b"HOSTTAG____", tag(self.i))
            return 200, body.replace(b"HOSTID", b"%06d" % self.i), None
        if p == "/info":
            info = dict(self.bodies["info"])
            info["ID"] = "REPLAY:%d" % self.i
            info["Name"] = "replay-%d" % self.i
            return 200, json.dumps(info).encode(), None
        if p in ("/version", "/images/json"):
            return 200, self.bodies[p], None
        if p == "/volumes":
            return 200, b'{"Volumes": [], "Warnings": null}', None
        if p == "/networks":
            nets = [{"Name": n, "Id": "%064x" % (self.i * 3 + k), "Driver": d, "Scope": "local",
                     "Created": "2024-05-01T10:00:00.000000000Z", "Labels": {}}
                    for k, (n, d) in enumerate((("bridge", "bridge"), ("host", "host"), ("none", "null")))]
            return 200, json.dumps(nets).encode(), None
        return 404, json.dumps({"message": "page not found: " + p}).encode(), None

    def answer(self, method, path):
        """The whole HTTP response to method path, made once per engine and
        path (a listing is asked again and again)."""
        if path.startswith("/_replay/"):
            if path == "/_replay/reset":
                for k in STATS:
                    if k != "open":
                        STATS[k] = 0
                STATS["max_open"] = STATS["open"]
            return self.head(200, None, json.dumps(STATS).encode(), method)
        key = (method, path)
        r = self.cache.get(key)
        if r is None:
            status, body, ctype = self.body_for(path)
            r = self.cache[key] = self.head(status, ctype, body, method)
        return r

    @staticmethod
    def head(status, ctype, body, method):
        reason = "OK" if status == 200 else "Not Found"
        return (("HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nContent-Type: %s\r\n"
                 "Content-Length: %d\r\n\r\n" %
                 (status, reason, ctype or "application/json", len(body))).encode()
                + (b"" if method == "HEAD" else body))


class Conn(asyncio.Protocol):
    """One connection to an engine: requests (kept alive) answered in
    order. A protocol, not streams: the replay's own CPU shares the
    machine with the client it measures."""

    def __init__(self, engine):
        self.engine = engine
        self.buf = b""
        self.busy = False  # an answer is being delayed
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        STATS["connections"] += 1
        STATS["open"] += 1
        STATS["max_open"] = max(STATS["max_open"], STATS["open"])

    def connection_lost(self, exc):
        STATS["open"] -= 1

    def data_received(self, data):
        self.buf += data
        if not self.busy:
            self.next()

    def next(self):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                k, _, v = line.partition(":")
                if k.strip().lower() == "content-length":
                    length = int(v.strip())
            if len(self.buf) < end + 4 + length:
                return  # the body is still coming
            self.buf = self.buf[end + 4 + length:]
            parts = head[0].split(" ")
            if len(parts) < 2:
                self.transport.close()
                return
            method, path = parts[0], parts[1]
            if path.startswith("/_replay/"):
                self.transport.write(self.engine.answer(method, path))
                continue
            STATS["requests"] += 1
            STATS["pending"] += 1
            STATS["max_pending"] = max(STATS["max_pending"], STATS["pending"])
            if self.engine.args.delay:
                self.busy = True
                asyncio.get_running_loop().call_later(self.engine.args.delay, self.delayed,
                                                      method, path)
                return
            STATS["pending"] -= 1
            self.transport.write(self.engine.answer(method, path))

    def delayed(self, method, path):
        STATS["pending"] -= 1
        self.busy = False
        if not self.transport.is_closing():
            self.transport.write(self.engine.answer(method, path))
            self.next()


async def main():
    ap = argparse.ArgumentParser(description="many recorded Docker Engines in one process")
    ap.add_argument("--containers", type=int, default=100)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("dir")
    ap.add_argument("count", type=int)
    args = ap.parse_args()
    info = load("engine-info.json")
    bodies = {
        "containers": container_template(args.containers),
        "info": info,
        "/version": json.dumps({"Version": info.get("ServerVersion", "20.10.24"),
                                "ApiVersion": "1.41", "MinAPIVersion": "1.12",
                                "Os": "linux", "Arch": "amd64"}).encode(),
        "/images/json": json.dumps(load("engine-images.json")).encode(),
    }
    servers = []
    loop = asyncio.get_running_loop()
    for i in range(1, args.count + 1):
        path = os.path.join(args.dir, "e%d.sock" % i)
        if os.path.exists(path):
            os.unlink(path)
        engine = Engine(i, args, bodies)
        servers.append(await loop.create_unix_server(lambda e=engine: Conn(e), path,
                                                     backlog=128))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass
    asyncio.run(main())
    sys.exit(0)

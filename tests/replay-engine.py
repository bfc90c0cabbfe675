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
        self.containers = None  # this engine's listing, made on first use

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
            # kept: made afresh for every request, the replay's own CPU
            # was a third of a 1,000-host listing's on a 2-core machine
            if self.containers is None:
                body = self.bodies["containers"].replace(b"HOSTTAG____", tag(self.i))
                self.containers = body.replace(b"HOSTID", b"%06d" % self.i)
            return 200, self.containers, None
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

    async def serve(self, reader, writer):
        STATS["connections"] += 1
        STATS["open"] += 1
        STATS["max_open"] = max(STATS["max_open"], STATS["open"])
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path = lines[0].split(" ")[:2]
                length = 0
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v.strip())
                if length:
                    await reader.readexactly(length)
                if path.startswith("/_replay/"):
                    if path == "/_replay/reset":
                        for k in STATS:
                            if k != "open":
                                STATS[k] = 0
                        STATS["max_open"] = STATS["open"]
                    status, body, ctype = 200, json.dumps(STATS).encode(), None
                else:
                    STATS["requests"] += 1
                    STATS["pending"] += 1
                    STATS["max_pending"] = max(STATS["max_pending"], STATS["pending"])
                    try:
                        if self.args.delay:
                            await asyncio.sleep(self.args.delay)
                        status, body, ctype = self.body_for(path)
                    finally:
                        STATS["pending"] -= 1
                reason = "OK" if status == 200 else "Not Found"
                writer.write(("HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nContent-Type: %s\r\n"
                              "Content-Length: %d\r\n\r\n" %
                              (status, reason, ctype or "application/json", len(body))).encode())
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            STATS["open"] -= 1
            writer.close()


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
    for i in range(1, args.count + 1):
        path = os.path.join(args.dir, "e%d.sock" % i)
        if os.path.exists(path):
            os.unlink(path)
        servers.append(await asyncio.start_unix_server(Engine(i, args, bodies).serve, path,
                                                       backlog=128))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
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

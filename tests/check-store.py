#!/usr/bin/env python3
"""check-store.py: a second client, not berth, reading berth's store.

Reads the collections berth wrote, from MongoDB/FerretDB with pymongo or
from the file store's BSON files with pymongo's bson module, and

  collections              prints the names of the collections that exist,
                           one a line, sorted (the files NAME.bson there
                           are, for the file store);
  dump [COLLECTION...]     prints them as one JSON document
                           {collection: [documents]}, _id left out, dates
                           as "2024-05-01T10:00:00Z" (".123Z" with ms),
                           sorted by host, name, id;
  compare --host H --containers FILE [--images FILE] [--info FILE]
                           checks the store's documents of host H against
                           what the engine reported (the JSON of
                           GET /containers/json?all=1, /images/json, /info
                           + ApiVersion): one line per difference, exit 1
                           when there is any.

The store is --uri URI [--db NAME] (default database "berth") or --dir DIR.
"""
import argparse
import datetime
import json
import os
import sys

import bson
from bson.codec_options import CodecOptions

COLLECTIONS = ["hosts", "images", "containers", "templates", "leases", "volumes", "networks"]
OPTS = CodecOptions(tz_aware=True, tzinfo=datetime.timezone.utc)


def read_file_store(directory, name):
    path = os.path.join(directory, name + ".bson")
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        docs = bson.decode_all(f.read(), OPTS)
    if not docs or docs[0].get("berth_store") != 1 or docs[0].get("collection") != name:
        raise SystemExit("%s: no berth store header" % path)
    if docs[0]["count"] != len(docs) - 1:
        raise SystemExit("%s: header says %d documents, file has %d"
                         % (path, docs[0]["count"], len(docs) - 1))
    return docs[1:]


def read_mongo(uri, db, name):
    import pymongo
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000, tz_aware=True)
    try:
        return list(client[db][name].find())
    finally:
        client.close()


def plain(v):
    if isinstance(v, datetime.datetime):
        v = v.astimezone(datetime.timezone.utc)
        ms = v.microsecond // 1000
        s = v.strftime("%Y-%m-%dT%H:%M:%S")
        return s + (".%03dZ" % ms if ms else "Z")
    if isinstance(v, bson.ObjectId):
        return str(v)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def collection(args, name):
    docs = read_mongo(args.uri, args.db, name) if args.uri else read_file_store(args.dir, name)
    docs = [plain({k: v for k, v in d.items() if k != "_id"}) for d in docs]
    docs.sort(key=lambda d: (str(d.get("host", "")), str(d.get("name", "")), str(d.get("id", ""))))
    return docs


def epoch(iso):
    if iso is None:
        return None
    return int(datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


class Checker:
    def __init__(self):
        self.problems = []

    def same(self, what, got, want):
        if got != want:
            self.problems.append("%s: store has %r, engine says %r" % (what, got, want))


def compare(args):
    c = Checker()
    with open(args.containers) as f:
        engine = {e["Id"]: e for e in json.load(f)}
    stored = {d["id"]: d for d in collection(args, "containers") if d.get("host") == args.host}
    c.same("container ids of %s" % args.host, sorted(stored), sorted(engine))
    for cid in sorted(set(stored) & set(engine)):
        d, e = stored[cid], engine[cid]
        w = "container %s" % cid[:12]
        c.same(w + " name", d.get("name"), (e.get("Names") or [None])[0].lstrip("/"))
        for field, key in (("image", "Image"), ("image_id", "ImageID"), ("command", "Command"),
                           ("state", "State"), ("status", "Status")):
            c.same(w + " " + field, d.get(field), e.get(key))
        c.same(w + " created", epoch(d.get("created")), e.get("Created"))
        # keys with a '.' are in label_kv only (FerretDB refuses them as field names)
        c.same(w + " labels", d.get("labels"),
               {k: v for k, v in (e.get("Labels") or {}).items() if "." not in k and not k.startswith("$")})
        c.same(w + " label_kv", sorted(d.get("label_kv", [])),
               sorted("%s=%s" % kv for kv in (e.get("Labels") or {}).items()))
        c.same(w + " ports", d.get("ports"),
               [{"ip": p.get("IP"), "private_port": p.get("PrivatePort"),
                 "public_port": p.get("PublicPort"), "type": p.get("Type")}
                for p in e.get("Ports") or []])
        if d.get("last_seen") is None:
            c.problems.append(w + " has no last_seen")
    if args.images:
        with open(args.images) as f:
            engine = {e["Id"]: e for e in json.load(f)}
        stored = {d["id"]: d for d in collection(args, "images") if d.get("host") == args.host}
        c.same("image ids of %s" % args.host, sorted(stored), sorted(engine))
        for iid in sorted(set(stored) & set(engine)):
            d, e = stored[iid], engine[iid]
            w = "image %s" % iid[:19]
            c.same(w + " tags", d.get("tags"),
                   [t for t in e.get("RepoTags") or [] if t != "<none>:<none>"])
            c.same(w + " size", d.get("size"), e.get("Size"))
            c.same(w + " created", epoch(d.get("created")), e.get("Created"))
    if args.info:
        with open(args.info) as f:
            info = json.load(f)
        hosts = [d for d in collection(args, "hosts") if d.get("name") == args.host]
        c.same("hosts named %s" % args.host, len(hosts), 1)
        if hosts:
            eng = hosts[0].get("engine") or {}
            c.same("engine version", eng.get("version"), info.get("ServerVersion"))
            c.same("engine api_version", eng.get("api_version"), info.get("ApiVersion"))
            c.same("engine ncpu", eng.get("ncpu"), info.get("NCPU"))
            c.same("engine memory", eng.get("memory"), info.get("MemTotal"))
    for p in c.problems:
        print(p)
    if not c.problems:
        print("store matches the engine for host %s" % args.host)
    return 1 if c.problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--uri")
    where.add_argument("--dir")
    ap.add_argument("--db", default="berth")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("collections")
    d = sub.add_parser("dump")
    d.add_argument("collections", nargs="*")
    cp = sub.add_parser("compare")
    cp.add_argument("--host", required=True)
    cp.add_argument("--containers", required=True)
    cp.add_argument("--images")
    cp.add_argument("--info")
    args = ap.parse_args()
    if args.cmd == "collections":
        if args.uri:
            import pymongo
            client = pymongo.MongoClient(args.uri, serverSelectionTimeoutMS=5000)
            try:
                names = client[args.db].list_collection_names()
            finally:
                client.close()
        else:
            names = [f[:-len(".bson")] for f in os.listdir(args.dir) if f.endswith(".bson")]
        for n in sorted(names):
            print(n)
        return 0
    if args.cmd == "dump":
        names = args.collections or COLLECTIONS
        for n in names:
            if n not in COLLECTIONS:
                ap.error("no collection %s (there are: %s)" % (n, " ".join(COLLECTIONS)))
        json.dump({n: collection(args, n) for n in names}, sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())

#!/bin/bash
# cache-refresh.sh: how long `berth cache refresh` takes to write a host's
# containers into the store, on the file store and on MongoDB (a private
# FerretDB), and how berth's MongoDB writes compare with pymongo's
# insert_many of the same documents into the same server.
#
#   bench/cache-refresh.sh                    # build berth in bench/build, 5 runs each
#   RUNS=9 CONTAINERS=2000 REPLAY=10000 bench/cache-refresh.sh
#   BERTH=/path/to/berth bench/cache-refresh.sh   # time that binary instead
#
# Two sources, both through berth's real refresh path (GET /_ping,
# /containers/json?all=1, /images/json over a unix socket, the documents
# built, one replace of the host's set per collection):
#   engine  one private dockerd holding CONTAINERS (2,000) containers,
#           created and not started;
#   replay  a recorded REPLAY-container (10,000) listing, made from the
#           engine's real one by replicating it with new IDs and names,
#           served by a canned HTTP server on a unix socket: what a
#           large fleet's listing costs berth and the store, without the
#           engine's own time to list (dockerd 20.10 takes about a
#           second for 2,000); it answers only what it recorded.
# Each is refreshed into each store "cold" (the cache collections emptied
# first: a first refresh; on MongoDB the collections and their indexes are
# kept, as for pymongo) and "warm" (the store already holds that host's
# set: every later refresh). Each berth run is timed as a whole process,
# from spawn to exit, with a monotonic clock, and its CPU time (user +
# system) is taken too, which a loaded machine disturbs less. pymongo
# writes the very documents berth wrote (read back from the server, _id
# dropped) into another database of the same server, with the same
# indexes, unordered as berth does: insert_many into empty collections
# against cold, delete_many of the host plus insert_many against warm;
# its runs alternate with berth's, so that a change in the machine's load
# hits both alike. The script prints medians and ratios.
#
# Needs root (dockerd), dockerd, curl, python3, busybox-static, and
# FerretDB and pymongo, which tests/lib-ferretdb.sh finds or installs.
set -euo pipefail

RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
CONTAINERS=${CONTAINERS:-2000}
REPLAY=${REPLAY:-10000}
JOBS=${JOBS:-8}         # parallel creates
API=${API:-v1.41}       # the version asked for; dockerd 20.10 speaks 1.41

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

die() { echo "cache-refresh.sh: $*" >&2; exit 1; }
say() { echo "# $*" >&2; }

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a number, not '$WARMUP'"
[[ $CONTAINERS =~ ^[1-9][0-9]*$ ]] || die "CONTAINERS must be a positive number, not '$CONTAINERS'"
[[ $REPLAY =~ ^[1-9][0-9]*$ ]] && ((REPLAY >= CONTAINERS)) ||
	die "REPLAY must be a number no smaller than CONTAINERS ($CONTAINERS), not '$REPLAY'"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive number, not '$JOBS'"
. "$here/lib.sh"
bench_require

bench_berth
"$BERTH" cache refresh --help >/dev/null 2>&1 || die "$BERTH has no working 'cache refresh'"

# --- cleanup of everything this script starts --------------------------------------

bench_workdir brefresh
sock="$work/docker.sock"
canned_sock="$work/canned.sock"
engine_pid=
bg_pids=()

# tests/lib-ferretdb.sh hands the pid of the FerretDB it starts to
# bg_track when there is one, instead of setting its own EXIT trap.
bg_track() { bg_pids+=("$1"); }

cleanup() {
	local status=$? p
	trap - EXIT INT TERM
	set +e  # clean up all the way, whatever fails on the way
	declare -F ferretdb_stop >/dev/null && ferretdb_stop
	for p in "${bg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	bench_engine_stop
	rm -rf "$work" 2>/dev/null || say "could not remove all of $work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- FerretDB and pymongo -----------------------------------------------------------

# shellcheck source=../tests/lib-ferretdb.sh
. "$top/tests/lib-ferretdb.sh"
pymongo_python || die "cannot find or install pymongo"
say "starting FerretDB (SQLite) on a loopback port"
ferretdb_start "$work/ferretdb" >&2
MONGO_URI=$BERTH_TEST_MONGODB_URI
ferretdb_version=$("$(ferretdb_binary)" --version 2>/dev/null | sed -n 's/^version: //p')

# --- the private engine -----------------------------------------------------------

bench_engine_start

bench_private_env

api() { curl -s --fail --unix-socket "$sock" "$@"; }

say "importing busybox"
root="$work/busybox-root"
mkdir -p "$root/bin" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for a in sh sleep echo cat; do ln -s busybox "$root/bin/$a"; done
tar -C "$root" -cf "$work/busybox.tar" .
api -X POST -H 'Content-Type: application/x-tar' --data-binary "@$work/busybox.tar" \
	"http://localhost/$API/images/create?fromSrc=-&repo=busybox&tag=latest" >/dev/null ||
	die "cannot import busybox"

# Creates through the API, JOBS at a time over kept-alive connections: the
# docker CLI would spend most of the time starting itself 2,000 times.
say "creating $CONTAINERS containers ($JOBS at a time)"
t0=$(date +%s)
"$PYTHON" - "$sock" "$API" "$CONTAINERS" "$JOBS" <<'EOF' || die "creating the containers failed"
import concurrent.futures, http.client, json, socket, sys, threading

path, api, n, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

class UnixConn(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)

local = threading.local()

def create(i):
    if not hasattr(local, "conn"):
        local.conn = UnixConn("localhost")
    tier = ("web", "db", "cache", "worker")[i % 4]
    body = {
        "Image": "busybox:latest",
        "Cmd": ["sleep", "86400"] if i % 5 else ["sh", "-c", "echo started; sleep 86400"],
        "Env": ["INDEX=%d" % i, "TIER=%s" % tier],
        "Labels": {"bench": "cache-refresh", "app": "app-%02d" % (i % 40),
                   "tier": tier, "index": str(i)},
        "HostConfig": {"NetworkMode": "none"},
    }
    if tier == "web":
        body["ExposedPorts"] = {"80/tcp": {}, "443/tcp": {}}
    local.conn.request("POST", "/%s/containers/create?name=bench-%d" % (api, i),
                       json.dumps(body), {"Content-Type": "application/json"})
    r = local.conn.getresponse()
    data = r.read()
    if r.status != 201:
        raise SystemExit("create bench-%d: %d %s" % (i, r.status, data.decode(errors="replace")))

with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
    for f in [ex.submit(create, i) for i in range(1, n + 1)]:
        f.result()
EOF
say "created in $(($(date +%s) - t0))s"

# --- the recorded 10,000-container listing and its canned server -------------------

rec="$work/recorded"
mkdir -p "$rec"
api "http://localhost/$API/containers/json?all=1" >"$rec/engine-containers.json" || die "cannot list the containers"
api "http://localhost/$API/images/json" >"$rec/images.json"
api "http://localhost/$API/info" >"$rec/info.json"
api "http://localhost/$API/version" >"$rec/version.json"
engine_version=$("$PYTHON" -c 'import json,sys; v=json.load(open(sys.argv[1])); print(v["Version"], "API", v["ApiVersion"])' "$rec/version.json")

# The engine's real listing, replicated with fresh IDs and names until it
# has REPLAY entries; everything else (images, commands, labels, ports,
# states, times) is the engine's own. In the engine's order: newest first.
"$PYTHON" - "$rec/engine-containers.json" "$REPLAY" "$CONTAINERS" "$rec/containers.json" <<'EOF' ||
import copy, json, random, sys

real, want, have, out = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if len(real) != have:
    raise SystemExit("the engine lists %d containers, not %d" % (len(real), have))
rng = random.Random(3)
rows, copy_no = [], 0
while len(rows) < want:
    for c in real:
        if len(rows) == want:
            break
        if copy_no == 0:
            rows.append(c)
            continue
        d = copy.deepcopy(c)
        d["Id"] = "%064x" % rng.getrandbits(256)
        d["Names"] = ["%s-r%d" % (n, copy_no) for n in c["Names"]]
        d["Created"] = c["Created"] - copy_no * 86400
        if "index" in d.get("Labels", {}):
            d["Labels"]["index"] = "%s-r%d" % (d["Labels"]["index"], copy_no)
        rows.append(d)
    copy_no += 1
rows.sort(key=lambda c: -c["Created"])
assert len({c["Id"] for c in rows}) == want and len({c["Names"][0] for c in rows}) == want
json.dump(rows, open(out, "w"))
EOF
	die "cannot build the recorded listing"

cat >"$work/canned.py" <<'EOF'
# A canned Docker Engine for the recorded listing: GET /_ping, /version,
# /info, /images/json and /containers/json (all=1: the whole recording;
# otherwise its running entries), from the files in DIR. Nothing else.
import http.server, json, os, re, socketserver, sys
from urllib.parse import parse_qs, urlsplit

sock, rec = sys.argv[1], sys.argv[2]
def load(name):
    with open(os.path.join(rec, name), "rb") as f:
        return f.read()
everything = load("containers.json")
running = json.dumps([c for c in json.loads(everything) if c.get("State") == "running"]).encode()
files = {"/version": load("version.json"), "/info": load("info.json"),
         "/images/json": load("images.json")}

class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "canned-engine"
    def log_message(self, *args):
        pass
    def address_string(self):
        return "unix"
    def send(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Api-Version", "1.41")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
    def do_GET(self):
        u = urlsplit(self.path)
        route = re.sub(r"^/v[0-9.]+", "", u.path)
        if route == "/_ping":
            self.send(200, b"OK", "text/plain; charset=utf-8")
        elif route == "/containers/json":
            q = parse_qs(u.query)
            self.send(200, everything if q.get("all", ["0"])[0] in ("1", "true") else running)
        elif route in files:
            self.send(200, files[route])
        else:
            self.send(404, b'{"message":"page not found"}\n')
    do_HEAD = do_GET

srv = Server(sock, Handler)
print("ready", flush=True)
srv.serve_forever()
EOF
rm -f "$canned_sock"
"$PYTHON" "$work/canned.py" "$canned_sock" "$rec" >"$work/canned.log" 2>&1 &
bg_pids+=($!)
for ((i = 0; ; i++)); do
	[ "$(curl -s --max-time 2 --unix-socket "$canned_sock" http://localhost/_ping 2>/dev/null)" = OK ] && break
	((i < 100)) || { cat "$work/canned.log" >&2; die "the canned server did not start"; }
	sleep 0.1
done
n=$(curl -s --unix-socket "$canned_sock" "http://localhost/$API/containers/json?all=1" |
	"$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" -eq "$REPLAY" ] || die "the canned server lists $n containers, not $REPLAY"
say "recorded listing: $REPLAY containers, $(($(stat -c %s "$rec/containers.json") / 1024)) KiB of JSON"

# --- the race ------------------------------------------------------------------------

say "timing: $WARMUP warm-up and $RUNS counted runs of each case"
B_BERTH=$BERTH B_RUNS=$RUNS B_WARMUP=$WARMUP B_URI=$MONGO_URI B_WORK=$work B_API=$API \
B_ENGINE=$sock B_CONTAINERS=$CONTAINERS B_CANNED=$canned_sock B_REPLAY=$REPLAY \
	"$PYMONGO_PYTHON" - <<'EOF'
import copy, json, os, resource, statistics, subprocess, sys, time
import bson, pymongo

E = os.environ
BERTH, RUNS, WARMUP = E["B_BERTH"], int(E["B_RUNS"]), int(E["B_WARMUP"])
URI, WORK, API = E["B_URI"], E["B_WORK"], E["B_API"]
SOURCES = [("engine", "unix://" + E["B_ENGINE"], int(E["B_CONTAINERS"])),
           ("replay", "unix://" + E["B_CANNED"], int(E["B_REPLAY"]))]
DB = "berth"               # berth's default database
PYDB = "bench_pymongo"     # where pymongo writes the same documents
CACHE = ("containers", "images")

client = pymongo.MongoClient(URI, serverSelectionTimeoutMS=5000)

def berth_env(url, store):
    env = dict(os.environ, DOCKER_HOST=url)
    if store == "mongodb":
        env["BERTH_MONGODB_URI"] = URI
    else:
        env["BERTH_STORE_DIR"] = os.path.join(WORK, "store-" + url.rsplit("/", 1)[1])
    return env

def run(argv, env):
    """Wall and CPU (user + system) seconds of one berth process."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter_ns()
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    t1 = time.perf_counter_ns()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit("%s failed (exit %d): %s" % (" ".join(argv), p.returncode,
                                              p.stderr.decode(errors="replace").strip()))
    if p.stderr.strip():
        sys.exit("%s wrote on stderr: %s" % (" ".join(argv), p.stderr.decode(errors="replace").strip()))
    return (t1 - t0) / 1e9, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)

def empty(store, env):
    """The cache collections emptied, hosts kept. On MongoDB the
    collections and their indexes stay, as they do for pymongo's
    insert_many: the same work is compared."""
    if store == "mongodb":
        for c in CACHE:
            client[DB][c].delete_many({})
    else:
        for c in CACHE:
            try:
                os.unlink(os.path.join(env["BERTH_STORE_DIR"], c + ".bson"))
            except FileNotFoundError:
                pass

def file_docs(env, coll):
    with open(os.path.join(env["BERTH_STORE_DIR"], coll + ".bson"), "rb") as f:
        docs = bson.decode_all(f.read())
    head, docs = docs[0], docs[1:]
    assert head["count"] == len(docs), head
    return docs

def check(store, env, src, n, ids):
    """The store holds exactly the host's containers, one document each."""
    if store == "mongodb":
        docs = list(client[DB].containers.find({"host": "local"}, {"id": 1}))
    else:
        docs = [d for d in file_docs(env, "containers") if d.get("host") == "local"]
    got = {d["id"] for d in docs}
    if len(docs) != n or got != ids:
        sys.exit("%s store after refreshing %s: %d documents, %d of the %d IDs" %
                 (store, src, len(docs), len(got & ids), n))

def pymongo_setup(n):
    """The documents berth wrote, and an empty database with its indexes."""
    docs = {c: list(client[DB][c].find({"host": "local"}, {"_id": 0})) for c in CACHE}
    assert len(docs["containers"]) == n
    client.drop_database(PYDB)
    for c in CACHE:
        for name, spec in client[DB][c].index_information().items():
            if name == "_id_":
                continue
            opts = {k: v for k, v in spec.items() if k in ("unique", "sparse")}
            client[PYDB][c].create_index(spec["key"], name=name, **opts)
    return docs

def pymongo_cold(docs):
    for c in CACHE:
        client[PYDB][c].delete_many({})
    batch = {c: copy.deepcopy(docs[c]) for c in CACHE}  # insert_many adds _id to them
    t0 = time.perf_counter_ns()
    for c in CACHE:
        client[PYDB][c].insert_many(batch[c], ordered=False)
    return (time.perf_counter_ns() - t0) / 1e9

def pymongo_warm(docs):
    batch = {c: copy.deepcopy(docs[c]) for c in CACHE}
    t0 = time.perf_counter_ns()
    for c in CACHE:
        client[PYDB][c].delete_many({"host": "local"})
        client[PYDB][c].insert_many(batch[c], ordered=False)
    return (time.perf_counter_ns() - t0) / 1e9

def med(xs):
    return statistics.median(xs)

# results[(source, what, kind)] = [seconds...]; CPU under kind + "-cpu".
results = {}
def keep(src, what, kind, value):
    results.setdefault((src, what, kind), []).append(value)

for src, url, n in SOURCES:
    path = url[len("unix://"):]
    get = ["curl", "-s", "--fail", "--unix-socket", path,
           "http://localhost/%s/containers/json?all=1" % API]
    ids = {c["Id"] for c in json.loads(subprocess.run(get, capture_output=True, check=True).stdout)}
    assert len(ids) == n, (src, len(ids))
    for r in range(WARMUP + RUNS):
        t0 = time.perf_counter_ns()
        subprocess.run(get + ["-o", "/dev/null"], check=True)
        if r >= WARMUP:
            keep(src, "fetch", "", (time.perf_counter_ns() - t0) / 1e9)
    argv = [BERTH, "cache", "refresh"]
    for store in ("file", "mongodb"):
        env = berth_env(url, store)
        docs = None
        # Cold and warm alternate, and on MongoDB pymongo's runs come
        # between berth's: a change in the machine's load hits all alike.
        for r in range(WARMUP + RUNS):
            counted = r >= WARMUP
            empty(store, env)
            wall, cpu = run(argv, env)
            if counted:
                keep(src, store, "cold", wall)
                keep(src, store, "cold-cpu", cpu)
            if store == "mongodb":
                if docs is None:
                    docs = pymongo_setup(n)
                t = pymongo_cold(docs)
                if counted:
                    keep(src, "pymongo", "cold", t)
            wall, cpu = run(argv, env)
            if counted:
                keep(src, store, "warm", wall)
                keep(src, store, "warm-cpu", cpu)
            if store == "mongodb":
                t = pymongo_warm(docs)
                if counted:
                    keep(src, "pymongo", "warm", t)
        check(store, env, src, n, ids)
        print("# %s %s: cold %s, warm %s" % (src, store,
              " ".join("%.3f" % t for t in results[(src, store, "cold")]),
              " ".join("%.3f" % t for t in results[(src, store, "warm")])), file=sys.stderr)
    print("# %s pymongo: cold %s, warm %s" % (src,
          " ".join("%.3f" % t for t in results[(src, "pymongo", "cold")]),
          " ".join("%.3f" % t for t in results[(src, "pymongo", "warm")])), file=sys.stderr)
    assert client[PYDB].containers.count_documents({}) == n
    client.drop_database(PYDB)

names = [str(n) for _, _, n in SOURCES]
print("median seconds over %d runs (berth: the whole one-shot process;" % RUNS)
print("cpu: berth's own user + system time, not the server's)")
print("%-36s %9s %9s %9s %9s" % ("", names[0], "cpu", names[1], "cpu"))
rows = [
    ("curl of the listing (reference)", "fetch", ""),
    ("berth cache refresh, file, cold", "file", "cold"),
    ("berth cache refresh, file, warm", "file", "warm"),
    ("berth cache refresh, mongodb, cold", "mongodb", "cold"),
    ("berth cache refresh, mongodb, warm", "mongodb", "warm"),
    ("pymongo insert_many", "pymongo", "cold"),
    ("pymongo delete_many + insert_many", "pymongo", "warm"),
]
def cell(src, what, kind):
    xs = results.get((src, what, kind))
    return "%9.3f" % med(xs) if xs else "%9s" % "-"
for label, what, kind in rows:
    print("%-36s %s %s %s %s" % (label, cell("engine", what, kind), cell("engine", what, kind + "-cpu"),
                                 cell("replay", what, kind), cell("replay", what, kind + "-cpu")))
print()
ratio = lambda s, k: med(results[(s, "mongodb", k)]) / med(results[(s, "pymongo", k)])
# Each berth run and the pymongo run after it saw about the same load.
paired = lambda s, k: med([b / p for b, p in zip(results[(s, "mongodb", k)], results[(s, "pymongo", k)])])
print("%-36s %9s %9s %9s %9s" % ("berth on mongodb / pymongo", names[0], "paired", names[1], "paired"))
for label, k in (("cold / insert_many", "cold"), ("warm / delete_many + insert_many", "warm")):
    print("%-36s %8.2fx %8.2fx %8.2fx %8.2fx" % (label, ratio("engine", k), paired("engine", k),
                                                 ratio("replay", k), paired("replay", k)))
print("(ratio of the medians; paired: the median of each run's ratio to the pymongo run after it)")
print()
fc, fw = med(results[("replay", "file", "cold")]), med(results[("replay", "file", "warm")])
print("goal: file store under 0.5 s for %s: cold %.3f s, warm %.3f s: %s" %
      (names[1], fc, fw, "met" if max(fc, fw) < 0.5 else "NOT met"))
rc, rw = ratio("replay", "cold"), ratio("replay", "warm")
print("goal: MongoDB within 1.2x of pymongo for %s: cold %.2fx, warm %.2fx: %s" %
      (names[1], rc, rw, "met" if max(rc, rw) <= 1.2 else "NOT met"))
EOF
say "berth: $BERTH"
say "engine $engine_version; FerretDB $ferretdb_version (SQLite) at $MONGO_URI; pymongo $("$PYMONGO_PYTHON" -c 'import pymongo; print(pymongo.version)')"
say "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

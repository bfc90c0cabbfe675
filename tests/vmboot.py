#!/usr/bin/env python3
"""vmboot.py: boots a "VM" for the cloud tests from berth's user-data.

The cloud tests (moto's watcher in tests/lib-moto.sh, tests/fake-openstack.py,
tests/t6050-pinned-tls.sh) have no hypervisor. What a real VM would do with
berth's #cloud-config (backends/pool/userdata.c) is done here on the test
machine: the CA, server certificate and key are taken from write_files, the
TLS port from daemon.json's "hosts", and a private dockerd is started with
--tlsverify on the VM's address, so berth reaches a real engine over mutual
TLS exactly as it would on a cloud.

    vmboot.py start --address A --dir D [--name N] < USERDATA
        returns once the daemon is forked; D/pid holds its PID
    vmboot.py stop --dir D
        stops the daemon, its containerd and shims, unmounts what it left,
        removes its bridge
    vmboot.py wait --address A --dir D [--timeout S]
        returns once the TLS port answers a handshake (exit 1: it died or
        the timeout passed, with the last lines of its log)

or from Python: import vmboot; vmboot.start(userdata, address, dir);
vmboot.wait(address, dir); vmboot.stop(dir).

D keeps the daemon's data root, so a VM stopped and started again on
another address (an address change) keeps its containers. Files in D:
certs/ (the three PEMs), log, pid, bridge (its bridge's name), port,
short (the short directory of the exec root and unix socket), empty.json
(the daemon's config file: the user-data's daemon.json is not passed,
its settings become flags instead, which dockerd refuses to see twice).

Each VM gets its own Linux bridge bvmN with 10.214.N.1/24 (never
--bridge=none: a daemon started that way deletes docker0, other daemons'
bridge). N is taken by `ip link add`, which fails for a name already
taken; a lock shared by every process on the machine
(/tmp/berth-vmboot.lock) guards the sweeps, and a VM's directory names its
booting process until its daemon runs. A bridge's alias "berth-vmboot NAME DIR" names
its owner, and a bridge whose owner's daemon is gone (a crashed run) is
deleted by the next start, as is everything an earlier VM of the same
name (or the same directory) left behind.
"""

import argparse
import base64
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

import yaml

LOCK = "/tmp/berth-vmboot.lock"
BRIDGE_PREFIX = "bvm"
BRIDGE_NET = "10.214"
ALIAS = "berth-vmboot"
CERT_FILES = ("ca.pem", "server-cert.pem", "server-key.pem")


class VMError(Exception):
    pass


# --- the user-data -----------------------------------------------------------

def parse_userdata(text):
    """The certificates (by file name) and the TLS port of a #cloud-config."""
    if isinstance(text, bytes):
        text = text.decode()
    if not text.startswith("#cloud-config"):
        raise VMError("the user-data is not a #cloud-config document")
    # libyaml's loader when there is one: the pure-Python one takes 0.1 s
    # over three PEM files, holding the GIL (a harness boots VMs in threads)
    doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(doc, dict):
        raise VMError("the user-data is not a YAML mapping")
    files = {}
    for f in doc.get("write_files") or []:
        content = f.get("content", "")
        enc = f.get("encoding", "plain")
        if enc in ("b64", "base64"):
            content = base64.b64decode(content).decode()
        elif enc not in ("plain", "text/plain"):
            raise VMError("write_files %s: encoding %s is not supported" % (f.get("path"), enc))
        files[os.path.basename(f["path"])] = content
    missing = [n for n in CERT_FILES + ("daemon.json",) if n not in files]
    if missing:
        raise VMError("the user-data writes no %s" % ", ".join(missing))
    daemon = json.loads(files["daemon.json"])
    port = None
    for h in daemon.get("hosts", []):
        if h.startswith("tcp://"):
            port = int(h.rsplit(":", 1)[1])
    if port is None:
        raise VMError("daemon.json has no tcp:// host")
    if not daemon.get("tlsverify"):
        raise VMError("daemon.json does not set tlsverify")
    return {n: files[n] for n in CERT_FILES}, port


# --- processes ---------------------------------------------------------------

def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _alive(pid):
    st = _read("/proc/%d/stat" % pid)
    if not st:
        return False
    return st.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _pid(d):
    p = _read(os.path.join(d, "pid"))
    return int(p) if p and p.isdigit() else None


def _running(d):
    pid = _pid(d)
    return pid is not None and _alive(pid)


def _procs_under(dirs, words=()):
    """PIDs whose command line names one of dirs (containerd, shims) or
    holds one of words, and their descendants."""
    parent, roots = {}, set()
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % e, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            st = _read("/proc/%s/stat" % e)
        except OSError:
            continue
        if not st:
            continue
        parent[int(e)] = int(st.rsplit(")", 1)[1].split()[1])
        if any(x + "/" in cmd for x in dirs) or any(w in cmd for w in words):
            roots.add(int(e))
    roots.discard(os.getpid())
    found, changed = set(roots), True
    while changed:
        changed = False
        for p, pp in parent.items():
            if p not in found and pp in found:
                found.add(p)
                changed = True
    return sorted(found)


def _wait_gone(pids, secs):
    end = time.time() + secs
    while time.time() < end:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return not any(_alive(p) for p in pids)


def _kill(pids, grace):
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    if not _wait_gone(pids, grace):
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        _wait_gone(pids, 10)


def _unmount_under(dirs):
    with open("/proc/mounts") as f:
        points = [line.split()[1] for line in f]
    for m in sorted(points, reverse=True):
        if any(m.startswith(d + "/") for d in dirs):
            subprocess.run(["umount", "-l", m], stderr=subprocess.DEVNULL)


# --- bridges -----------------------------------------------------------------

def _ip(*args, check=True):
    r = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if check and r.returncode != 0:
        raise VMError("ip %s: %s" % (" ".join(args), r.stderr.strip()))
    return r


def _bridges():
    """{name: (vm name, dir)} of the bridges vmboot made."""
    out = {}
    for name in os.listdir("/sys/class/net"):
        if not (name.startswith(BRIDGE_PREFIX) and name[len(BRIDGE_PREFIX):].isdigit()):
            continue
        alias = _read("/sys/class/net/%s/ifalias" % name) or ""
        words = alias.split(" ", 2)
        if len(words) == 3 and words[0] == ALIAS:
            out[name] = (words[1], words[2])
    return out


def _bridge_del(name):
    _ip("link", "del", name, check=False)


def _bridge_new(vm_name, d):
    """A new bridge for the VM in d, without the lock: the name is taken
    by `ip link add`, which fails when another VM took it first (then the
    next number is tried, and the other's bridge is left alone). Two runs
    of ip(8): each fork of a harness's big Python process costs tens of
    milliseconds."""
    used = set()
    for line in _ip("-4", "-o", "addr", "show").stdout.splitlines():
        for w in line.split():
            if w.startswith(BRIDGE_NET + ".") and "/" in w:
                used.add(w.split(".")[2])
    last = None
    for n in range(256):
        name = "%s%d" % (BRIDGE_PREFIX, n)
        if os.path.exists("/sys/class/net/" + name) or str(n) in used:
            continue
        r = subprocess.run(["ip", "-batch", "-"], input="\n".join([
            "link add name %s type bridge" % name,
            'link set dev %s alias "%s %s %s"' % (name, ALIAS, vm_name, d),
            "addr add %s.%d.1/24 dev %s" % (BRIDGE_NET, n, name),
            "link set dev %s up" % name]) + "\n", stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        if r.returncode == 0:
            return name
        last = r.stderr.strip()
        # ip stops at the first failing line ("Command failed -:N"): a
        # failed line 1 made nothing (another VM has that name); a later
        # one ("Address already assigned", seen with ten VMs at once)
        # leaves a bridge of ours to delete before the next number
        if "-:1" not in last:
            _bridge_del(name)
    raise VMError("no free bridge: %s0..255 are all in use (%s)" % (BRIDGE_PREFIX, last))


class _Lock:
    def __enter__(self):
        self.fd = os.open(LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


# --- the VM ------------------------------------------------------------------

def _short_dir(d):
    """Where the exec root and the unix socket go: d itself when short,
    else a directory under /run named by d's hash (containerd refuses
    socket paths over 104 bytes)."""
    if len(d) <= 40:
        return d
    return "/run/bvm-" + hashlib.sha1(d.encode()).hexdigest()[:12]


def sock(d):
    """The VM daemon's unix socket (for the tests' own checks)."""
    return os.path.join(_short_dir(os.path.abspath(d)), "docker.sock")


def _stop_locked(d):
    d = os.path.abspath(d)
    short = _short_dir(d)
    pid = _pid(d)
    if pid is not None and pid != os.getpid() and _alive(pid):
        _kill([pid], 30)
    left = _procs_under([d, short], ["-namespace %s " % _namespace(d)])
    if left:
        _kill(left, 2)
    _unmount_under([d, short])
    for name, (_, owner) in _bridges().items():
        if owner == d:
            _bridge_del(name)
    # dockerd refuses to start while its pidfile names a process that
    # exists, and reuses a containerd whose pidfile does: a killed one may
    # linger as a zombie
    for f in (os.path.join(d, "pid"), os.path.join(d, "bridge"), os.path.join(d, "dockerd.pid"),
              os.path.join(short, "x", "containerd", "containerd.pid")):
        try:
            os.unlink(f)
        except OSError:
            pass
    # the short directory of a long one lives under /run: nothing is left
    # there once the VM is stopped (its data stays in d)
    if short != d:
        shutil.rmtree(short, ignore_errors=True)


def _sweep(vm_name, d):
    """Under the lock: what crashed runs left (bridges whose daemon is gone),
    and an earlier VM of the same name or directory."""
    for name, (owner_name, owner) in _bridges().items():
        if owner_name == vm_name or owner == d or not _running(owner):
            _stop_locked(owner)
            _bridge_del(name)


_MAJOR = []


def _dockerd_major():
    """dockerd's major version (0: unknown), asked once per process: a
    harness booting ten VMs at once ran ten `dockerd --version`."""
    if not _MAJOR:
        try:
            out = subprocess.run(["dockerd", "--version"], capture_output=True, text=True,
                                 timeout=30).stdout
            _MAJOR.append(int(out.split("version ", 1)[1].split(".", 1)[0]))
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            _MAJOR.append(0)
    return _MAJOR[0]


def _daemon_json(d):
    """The daemon's own settings: each VM its own identity. Before Docker
    23 the engine ID comes from a key in /etc/docker/key.json, which every
    daemon on this machine would share (berth would take them for one
    engine); a real VM has its own. From 23 on it lives in the data root."""
    major = _dockerd_major()
    if 0 < major < 23:
        return json.dumps({"deprecated-key-path": os.path.join(d, "key.json")}) + "\n"
    return "{}\n"


def _namespace(d):
    """The VM's containerd namespace, when its dockerd uses a shared
    containerd."""
    return "bvm-" + hashlib.sha1(os.path.abspath(d).encode()).hexdigest()[:12]


def containerd_start(d):
    """One containerd in d for every VM a harness boots (start's
    containerd=): a VM's dockerd then starts none of its own, which was
    about half of a boot's CPU (0.1-0.15 s of 0.25 s; ten VMs boot at once
    on two cores). Each VM has its own namespace in it, its own data root
    and exec root. Returns its socket; containerd_stop(d) stops it and
    every shim it started."""
    d = os.path.abspath(d)
    short = _short_dir(d)
    os.makedirs(d, exist_ok=True)
    os.makedirs(short, exist_ok=True)
    containerd_stop(d)
    address = os.path.join(short, "containerd.sock")
    # not /etc/containerd's; no CRI (dockerd's own containerd has none)
    with open(os.path.join(d, "config.toml"), "w") as f:
        f.write('version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n')
    with open(os.path.join(d, "log"), "ab") as log:
        p = subprocess.Popen(["containerd", "--config", os.path.join(d, "config.toml"),
                              "--address", address, "--root", os.path.join(d, "root"),
                              "--state", os.path.join(short, "state"), "--log-level", "warn"],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True, close_fds=True)
    with open(os.path.join(d, "pid"), "w") as f:
        f.write("%d\n" % p.pid)
    end = time.time() + 30
    while not os.path.exists(address):
        if p.poll() is not None or time.time() > end:
            containerd_stop(d)
            raise VMError("containerd did not start:\n" + _log_tail(d))
        time.sleep(0.02)
    return address


def containerd_stop(d):
    """Stops the containerd containerd_start(d) started, and its shims:
    what stop() does for a VM (its pid file, the processes naming d)."""
    with _Lock():
        _stop_locked(os.path.abspath(d))


def start(userdata, address, d, name=None, containerd=None):
    """Boots the VM in d on address from userdata (str or bytes); returns
    the daemon's PID once it is forked. containerd: the socket of a
    containerd_start() to use, else the daemon starts its own."""
    certs, port = parse_userdata(userdata)
    d = os.path.abspath(d)
    name = name or os.path.basename(d)
    if " " in name:
        raise VMError("a VM name has no spaces: %r" % name)
    short = _short_dir(d)
    os.makedirs(os.path.join(d, "certs"), exist_ok=True)
    os.makedirs(os.path.join(d, "tmp"), exist_ok=True)
    os.makedirs(short, exist_ok=True)
    for fname, pem in certs.items():
        path = os.path.join(d, "certs", fname)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600 if fname.endswith("key.pem") else 0o644)
        with os.fdopen(fd, "w") as f:
            f.write(pem)
    with open(os.path.join(d, "empty.json"), "w") as f:
        f.write(_daemon_json(d))
    with open(os.path.join(d, "port"), "w") as f:
        f.write("%d\n" % port)
    with _Lock():
        _sweep(name, d)
        if _running(d):
            _stop_locked(d)
        # d is claimed by this process until its daemon runs: a sweep
        # meanwhile sees a live owner and leaves the new bridge alone
        with open(os.path.join(d, "pid"), "w") as f:
            f.write("%d\n" % os.getpid())
    # outside the lock: ten VMs booting at once each held it for a
    # bridge and a fork, 0.1-0.2 s apiece, one after the other
    bridge = _bridge_new(name, d)
    with open(os.path.join(d, "bridge"), "w") as f:
        f.write(bridge + "\n")
    c = os.path.join(d, "certs")
    args = ["dockerd", "--config-file", os.path.join(d, "empty.json"),
            "--tlsverify", "--tlscacert", os.path.join(c, "ca.pem"),
            "--tlscert", os.path.join(c, "server-cert.pem"),
            "--tlskey", os.path.join(c, "server-key.pem"),
            "-H", "tcp://%s:%d" % (address, port), "-H", "unix://" + sock(d),
            "--data-root", os.path.join(d, "data"),
            "--exec-root", os.path.join(short, "x"),
            "--pidfile", os.path.join(d, "dockerd.pid"),
            "--bridge", bridge, "--iptables=false", "--ip-masq=false",
            "--shutdown-timeout", "2"]
    if containerd:
        ns = _namespace(d)
        args += ["--containerd", containerd, "--containerd-namespace", ns,
                 "--containerd-plugins-namespace", ns + "-plugins"]
    env = dict(os.environ, TMPDIR=os.path.join(d, "tmp"))
    with open(os.path.join(d, "log"), "ab") as log:
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             env=env, start_new_session=True, close_fds=True)
    with _Lock():
        # a stop meanwhile removed the claim: it is stopped again, whole
        claimed = _pid(d) == os.getpid()
        with open(os.path.join(d, "pid"), "w") as f:
            f.write("%d\n" % p.pid)
        if not claimed:
            _stop_locked(d)
            raise VMError("%s was stopped while it booted" % d)
    return p.pid


def stop(d):
    """Stops the VM in d (nothing running is fine)."""
    with _Lock():
        _stop_locked(os.path.abspath(d))


def _serving(address, port):
    """dockerd listens before it serves: a connection is accepted long
    before the TLS handshake is answered (a daemon restarted after a crash
    takes seconds). Serving is any TLS answer, even the refusal of a
    client with no certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((address, port), timeout=2) as s:
            with ctx.wrap_socket(s) as t:
                t.recv(1)
    except socket.timeout:
        return False
    except ssl.SSLError:
        return True
    except OSError:
        return False
    return True


def wait(address, d, timeout=120):
    """Until the VM's TLS port accepts a connection."""
    d = os.path.abspath(d)
    port = int(_read(os.path.join(d, "port")) or 0)
    if not port:
        raise VMError("%s: no VM was started there" % d)
    end = time.time() + timeout
    while True:
        if _serving(address, port) and _running(d):
            return
        if not _running(d):
            raise VMError("the VM's dockerd exited:\n" + _log_tail(d))
        if time.time() > end:
            raise VMError("%s:%d did not accept within %ds:\n%s" % (address, port, timeout,
                                                                     _log_tail(d)))
        time.sleep(0.2)


def _log_tail(d, n=15):
    try:
        with open(os.path.join(d, "log"), errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no log)"


def main(argv):
    ap = argparse.ArgumentParser(prog="vmboot.py")
    sub = ap.add_subparsers(dest="op", required=True)
    s = sub.add_parser("start")
    s.add_argument("--address", required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--name")
    s = sub.add_parser("stop")
    s.add_argument("--dir", required=True)
    s = sub.add_parser("containerd-stop")
    s.add_argument("--dir", required=True)
    s = sub.add_parser("wait")
    s.add_argument("--address", required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args(argv)
    try:
        if a.op == "start":
            print(start(sys.stdin.buffer.read(), a.address, a.dir, a.name))
        elif a.op == "stop":
            stop(a.dir)
        elif a.op == "containerd-stop":
            containerd_stop(a.dir)
        else:
            wait(a.address, a.dir, a.timeout)
    except (VMError, yaml.YAMLError, ValueError, KeyError) as e:
        print("vmboot: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

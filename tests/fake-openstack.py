#!/usr/bin/env python3
"""fake-openstack.py: a small Nova v2.1 + Neutron v2.0 for berth's tests.

Written from the published API references (compute "servers", "flavors",
"images" (the 2.1 proxy), "os-keypairs"; networking "networks", "ports",
"security-groups", "security-group-rules", "floatingips"): only what
berth's driver uses, with the documented shapes and status codes. Every
request's X-Auth-Token is checked against a real Keystone (GET
/v3/auth/tokens with the fake's own admin token; results cached for
--token-cache seconds), and every object belongs to the token's project.

Servers stay BUILD for the build delay, then become ACTIVE with a fixed
address 127.0.1.N (N from 10) on network "private"; when their user_data is
a #cloud-config document, tests/vmboot.py boots a private dockerd from it
on that address. Floating IPs are 127.0.2.N on network "public", and
forward their port 2376 to the server's fixed address.

  fake-openstack.py --port P --control-port C --keystone URL \
      --admin-password-file F --state-dir D [--vmboot PATH] [--build-delay S]
      [--containerd-dir D2]

With --containerd-dir, the VMs' dockerds share one containerd started in
D2 (stopped at exit), each in its own namespace: a VM boots in half the
CPU, which matters when ten boot at once on two cores.

Test controls, on 127.0.0.1:C (no authentication), JSON in and out:
  GET  /state                       servers, security groups, floating IPs, counts
  POST /build-delay {"seconds": S}  how long new servers stay BUILD (with
                                    "building_too": true, those building now
                                    stay at most S more)
  POST /error-next {"message": M}   the next server created goes ERROR with fault M
  POST /engine {"answer": false}    servers made from now on boot no dockerd
  POST /engine {"answer": true, "boot_waiting": true}
                                    ... and the ACTIVE ones that booted none
                                    boot theirs now
  POST /servers/ID/address          a new fixed address (its dockerd restarted
                                    there with its data); answers {"address": A}
  POST /revoke-after {"requests": N} the Nth authenticated request from now has
                                    its token revoked in Keystone (DELETE
                                    /v3/auth/tokens) before it is checked
Stopping it (SIGTERM) stops every dockerd it started.
"""

import argparse
import base64
import binascii
import datetime
import importlib.util
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
ARGS = None


def now_iso():
    return datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")


def log(msg):
    sys.stderr.write("%s fake-openstack: %s\n" % (now_iso(), msg))
    sys.stderr.flush()


class ApiError(Exception):
    def __init__(self, status, body):
        Exception.__init__(self, status)
        self.status = status
        self.body = body


# Nova's fault names by status (api-ref "Response Codes").
NOVA_FAULTS = {400: "badRequest", 403: "forbidden", 404: "itemNotFound",
               409: "conflictingRequest", 413: "overLimit"}


def nova_error(status, message):
    return ApiError(status, {NOVA_FAULTS.get(status, "computeFault"):
                             {"code": status, "message": message}})


def neutron_error(status, kind, message):
    return ApiError(status, {"NeutronError": {"type": kind, "message": message,
                                              "detail": ""}})


# --- state ------------------------------------------------------------------

FLAVORS = [
    {"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1},
    {"id": "2", "name": "m1.small", "ram": 2048, "vcpus": 1, "disk": 20},
]
IMAGES = [{"id": "7bd3ad5e-2b6a-4c4d-9d1a-0d0b5a0c7f10", "name": "debian-12-docker",
           "status": "ACTIVE", "minDisk": 0, "minRam": 0, "progress": 100}]
KEYPAIRS = {"ops"}

NETWORKS = {}
PORTS = {}
SERVERS = {}
GROUPS = {}
RULES = {}
FIPS = {}
CONTROL = {"build_delay": 0.0, "error_next": None, "engine": True, "revoke_after": 0}
ENGINES = {}     # server id -> vmboot dir (a dockerd runs there)
CONTAINERD = [None]  # the socket of the containerd the VMs share (--containerd-dir)
FORWARDERS = {}  # floating ip id -> Forwarder
NEXT = {"fixed": 10, "floating": 10}


def setup_networks():
    for name, cidr, external in (("private", "127.0.1.0/24", False),
                                 ("public", "127.0.2.0/24", True)):
        nid = str(uuid.uuid4())
        NETWORKS[nid] = {
            "id": nid, "name": name, "status": "ACTIVE", "admin_state_up": True,
            "shared": True, "router:external": external, "subnets": [str(uuid.uuid4())],
            "mtu": 1500, "description": "", "tags": [], "project_id": "",
            "tenant_id": "", "created_at": now_iso(), "updated_at": now_iso(),
            "_cidr": cidr}


def network_named(name):
    for n in NETWORKS.values():
        if n["name"] == name:
            return n
    return None


def public(obj):
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def default_group(project):
    for g in GROUPS.values():
        if g["project_id"] == project and g["name"] == "default":
            return g
    gid = str(uuid.uuid4())
    g = {"id": gid, "name": "default", "description": "Default security group",
         "project_id": project, "tenant_id": project, "stateful": True, "tags": [],
         "revision_number": 1, "created_at": now_iso(), "updated_at": now_iso()}
    GROUPS[gid] = g
    for eth in ("IPv4", "IPv6"):
        add_rule(g, {"direction": "egress", "ethertype": eth})
    return g


def add_rule(group, r):
    rid = str(uuid.uuid4())
    rule = {"id": rid, "security_group_id": group["id"], "direction": r.get("direction"),
            "ethertype": r.get("ethertype", "IPv4"), "protocol": r.get("protocol"),
            "port_range_min": r.get("port_range_min"), "port_range_max": r.get("port_range_max"),
            "remote_ip_prefix": r.get("remote_ip_prefix"), "remote_group_id": None,
            "description": r.get("description", ""), "project_id": group["project_id"],
            "tenant_id": group["project_id"], "created_at": now_iso(), "updated_at": now_iso(),
            "revision_number": 0}
    RULES[rid] = rule
    return rule


def group_json(g):
    out = public(g)
    out["security_group_rules"] = [r for r in RULES.values() if r["security_group_id"] == g["id"]]
    return out


# --- Keystone ---------------------------------------------------------------

class Keystone:
    def __init__(self, url, password):
        self.url = url.rstrip("/")
        self.password = password
        self.token = None
        self.cache = {}
        self.lock = threading.Lock()

    def _req(self, method, path, headers=None, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def service_token(self, renew=False):
        with self.lock:
            if self.token and not renew:
                return self.token
            body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": self.password}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
            st, hdr, _ = self._req("POST", "/v3/auth/tokens", body=body)
            if st != 201:
                raise RuntimeError("cannot get a service token from Keystone: %d" % st)
            self.token = hdr.get("X-Subject-Token")
            return self.token

    def validate(self, token):
        """The token's project ID, or None when Keystone refuses it."""
        now = time.time()
        with self.lock:
            hit = self.cache.get(token)
            if hit and hit[0] > now:
                return hit[1]
        for attempt in (0, 1):
            st, _, body = self._req("GET", "/v3/auth/tokens", {
                "X-Auth-Token": self.service_token(renew=attempt == 1),
                "X-Subject-Token": token})
            if st != 401:
                break
        project = None
        if st == 200:
            project = (json.loads(body).get("token", {}).get("project") or {}).get("id")
        with self.lock:
            self.cache[token] = (now + ARGS.token_cache, project)
        return project

    def revoke(self, token):
        st, _, _ = self._req("DELETE", "/v3/auth/tokens", {
            "X-Auth-Token": self.service_token(), "X-Subject-Token": token})
        with self.lock:
            self.cache.pop(token, None)
        log("revoked a token in Keystone: %d" % st)


KEYSTONE = None


# --- engines and forwarders -------------------------------------------------

_VMBOOT = None


def vmboot_module():
    """tests/vmboot.py, imported once: booting in this process spares each
    VM a Python start-up and its imports (most of a boot's time when ten
    boot at once on two cores)."""
    global _VMBOOT
    if _VMBOOT is None:
        spec = importlib.util.spec_from_file_location("vmboot", ARGS.vmboot)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _VMBOOT = mod
    return _VMBOOT


def vmboot_call(what, fn, *args, **kw):
    try:
        fn(*args, **kw)
        return True
    except Exception as e:  # VMError, YAML, OSError: logged, the VM stays down
        log("vmboot %s failed: %s" % (what, str(e)[-2000:]))
        return False


def engine_start(sid, address, user_data):
    d = os.path.join(ARGS.state_dir, "vm%s" % sid[:8])
    os.makedirs(d, exist_ok=True)
    with LOCK:
        ENGINES[sid] = d
    vb = vmboot_module()
    vmboot_call("start", vb.start, user_data, address, d, name="vm%s" % sid[:6],
                containerd=CONTAINERD[0])


def engine_stop(sid):
    with LOCK:
        d = ENGINES.pop(sid, None)
    if d:
        vb = vmboot_module()
        vmboot_call("stop", vb.stop, d)


class Forwarder:
    """TCP 127.0.2.N:2376 -> the port's current fixed address:2376."""

    def __init__(self, address, port_id):
        self.port_id = port_id
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, 2376))
        self.sock.listen(64)
        threading.Thread(target=self.serve, daemon=True).start()

    def target(self):
        with LOCK:
            p = PORTS.get(self.port_id)
            return p["fixed_ips"][0]["ip_address"] if p else None

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.pipe_pair, args=(c,), daemon=True).start()

    def pipe_pair(self, c):
        t = self.target()
        try:
            u = socket.create_connection((t, 2376), timeout=10) if t else None
        except OSError:
            u = None
        if not u:
            c.close()
            return
        u.settimeout(None)

        def pump(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(u, c), daemon=True).start()
        pump(c, u)
        c.close()
        u.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


# --- servers ------------------------------------------------------------------

def new_fixed():
    n = NEXT["fixed"]
    NEXT["fixed"] += 1
    return "127.0.1.%d" % n


def server_json(s):
    out = {k: v for k, v in s.items() if not k.startswith("_")}
    addrs = {}
    for p in PORTS.values():
        if p["device_id"] != s["id"]:
            continue
        net = NETWORKS[p["network_id"]]["name"]
        for ip in p["fixed_ips"]:
            addrs.setdefault(net, []).append({
                "version": 4, "addr": ip["ip_address"], "OS-EXT-IPS:type": "fixed",
                "OS-EXT-IPS-MAC:mac_addr": p["mac_address"]})
            for f in FIPS.values():
                if f["port_id"] == p["id"]:
                    addrs[net].append({
                        "version": 4, "addr": f["floating_ip_address"],
                        "OS-EXT-IPS:type": "floating",
                        "OS-EXT-IPS-MAC:mac_addr": p["mac_address"]})
    out["addresses"] = addrs if s["status"] != "BUILD" else {}
    out["security_groups"] = [{"name": GROUPS[g]["name"]} for g in s["_groups"] if g in GROUPS]
    out["links"] = [{"rel": "self", "href": "%s/v2.1/servers/%s" % (ARGS.base_url, s["id"])}]
    return out


def find_group(project, ref):
    default_group(project)
    for g in GROUPS.values():
        if g["project_id"] == project and (g["id"] == ref or g["name"] == ref):
            return g
    return None


def create_server(project, user, body):
    s = body.get("server")
    if not isinstance(s, dict):
        raise nova_error(400, "Invalid input for field/attribute server.")
    name = s.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise nova_error(400, "Invalid input for field/attribute name.")
    flavor = next((f for f in FLAVORS if f["id"] == s.get("flavorRef")), None)
    if not flavor:
        raise nova_error(400, "Flavor %s could not be found." % s.get("flavorRef"))
    image = next((i for i in IMAGES if i["id"] == s.get("imageRef")), None)
    if not image:
        raise nova_error(400, "Can not find requested image")
    md = s.get("metadata", {})
    if not isinstance(md, dict) or any(not isinstance(v, str) or len(k) > 255 or len(v) > 255
                                       for k, v in md.items()):
        raise nova_error(400, "Invalid input for field/attribute metadata.")
    ud = s.get("user_data")
    user_data = None
    if ud is not None:
        try:
            user_data = base64.b64decode(ud, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise nova_error(400, "User data needs to be valid base 64.")
    if "key_name" in s and s["key_name"] not in KEYPAIRS:
        raise nova_error(400, "Invalid key_name provided.")
    nets = s.get("networks")
    if nets is None:
        net = network_named("private")
    elif isinstance(nets, list) and len(nets) == 1 and isinstance(nets[0], dict):
        net = NETWORKS.get(nets[0].get("uuid"))
        if not net:
            raise nova_error(400, "Network %s could not be found." % nets[0].get("uuid"))
    else:
        raise nova_error(400, "Invalid input for field/attribute networks.")
    groups = []
    for ref in s.get("security_groups", [{"name": "default"}]):
        g = find_group(project, ref.get("name", "") if isinstance(ref, dict) else "")
        if not g:
            raise nova_error(400, "Unable to find security_group with name or id '%s'" %
                             (ref.get("name") if isinstance(ref, dict) else ref))
        groups.append(g["id"])
    sid = str(uuid.uuid4())
    server = {
        "id": sid, "name": name, "status": "BUILD", "tenant_id": project, "user_id": user,
        "metadata": md, "created": now_iso(), "updated": now_iso(), "hostId": "",
        "flavor": {"id": flavor["id"]}, "image": {"id": image["id"]},
        "key_name": s.get("key_name"), "accessIPv4": "", "accessIPv6": "",
        "OS-EXT-STS:task_state": "spawning", "OS-EXT-STS:vm_state": "building",
        "OS-EXT-STS:power_state": 0, "progress": 0,
        "_groups": groups, "_network": net["id"], "_user_data": user_data,
        "_ready_at": time.time() + CONTROL["build_delay"],
        "_fault": CONTROL["error_next"], "_engine": CONTROL["engine"]}
    CONTROL["error_next"] = None
    SERVERS[sid] = server
    return {"server": {"id": sid, "links": server_json(server)["links"],
                       "OS-DCF:diskConfig": "MANUAL", "adminPass": uuid.uuid4().hex[:12],
                       "security_groups": [{"name": GROUPS[g]["name"]} for g in groups]}}


def port_address(server):
    """The server's first fixed address (None without a port)."""
    for p in PORTS.values():
        if p["device_id"] == server["id"]:
            return p["fixed_ips"][0]["ip_address"]
    return None


def make_port(server):
    pid = str(uuid.uuid4())
    PORTS[pid] = {
        "id": pid, "name": "", "network_id": server["_network"], "device_id": server["id"],
        "device_owner": "compute:nova", "status": "ACTIVE", "admin_state_up": True,
        "mac_address": "fa:16:3e:%02x:%02x:%02x" % tuple(os.urandom(3)),
        "fixed_ips": [{"subnet_id": NETWORKS[server["_network"]]["subnets"][0],
                       "ip_address": new_fixed()}],
        "security_groups": list(server["_groups"]), "project_id": server["tenant_id"],
        "tenant_id": server["tenant_id"], "description": "", "tags": [],
        "created_at": now_iso(), "updated_at": now_iso()}
    return PORTS[pid]


def is_cloud_config(data):
    return data is not None and data.lstrip().startswith(b"#cloud-config")


def tick():
    """BUILD -> ACTIVE (booting its engine) or ERROR; deleting -> gone."""
    while True:
        time.sleep(0.1)
        boots, stops = [], []
        with LOCK:
            now = time.time()
            for s in list(SERVERS.values()):
                if s["OS-EXT-STS:task_state"] == "deleting":
                    if now >= s["_gone_at"]:
                        del SERVERS[s["id"]]
                        for p in [p for p in PORTS.values() if p["device_id"] == s["id"]]:
                            for f in FIPS.values():
                                if f["port_id"] == p["id"]:
                                    unassociate(f)
                            del PORTS[p["id"]]
                    continue
                if s["status"] != "BUILD" or now < s["_ready_at"]:
                    continue
                s["updated"] = now_iso()
                s["OS-EXT-STS:task_state"] = None
                if s["_fault"]:
                    s["status"] = "ERROR"
                    s["OS-EXT-STS:vm_state"] = "error"
                    s["fault"] = {"code": 500, "message": s["_fault"], "created": now_iso()}
                    continue
                port = make_port(s)
                s["status"] = "ACTIVE"
                s["OS-EXT-STS:vm_state"] = "active"
                s["OS-EXT-STS:power_state"] = 1
                s["progress"] = 100
                if s["_engine"] and ARGS.vmboot and is_cloud_config(s["_user_data"]):
                    boots.append((s["id"], port["fixed_ips"][0]["ip_address"], s["_user_data"]))
        for b in boots:
            threading.Thread(target=engine_start, args=b, daemon=True).start()
        del stops


def delete_server(project, sid):
    s = SERVERS.get(sid)
    if not s or s["tenant_id"] != project:
        raise nova_error(404, "Instance %s could not be found." % sid)
    if s["OS-EXT-STS:task_state"] != "deleting":
        s["OS-EXT-STS:task_state"] = "deleting"
        s["_gone_at"] = time.time() + 0.5
        threading.Thread(target=engine_stop, args=(sid,), daemon=True).start()


def readdress(sid):
    with LOCK:
        s = SERVERS.get(sid)
        port = next((p for p in PORTS.values() if p["device_id"] == sid), None)
        if not s or not port:
            raise ApiError(404, {"error": "no such server, or it has no port yet"})
        addr = new_fixed()
        port["fixed_ips"][0]["ip_address"] = addr
        booted = sid in ENGINES
        ud = s["_user_data"]
    if booted:
        d = ENGINES[sid]
        vb = vmboot_module()
        vmboot_call("stop", vb.stop, d)
        vmboot_call("start", vb.start, ud, addr, d, name="vm%s" % sid[:6],
                    containerd=CONTAINERD[0])
    return {"address": addr}


# --- Neutron --------------------------------------------------------------------

def matches(obj, query):
    for k, vals in query.items():
        if k in ("fields", "limit", "marker", "sort_key", "sort_dir"):
            continue
        v = obj.get(k)
        if isinstance(v, bool):
            v = str(v)
            vals = [x.capitalize() for x in vals]
        elif v is None:
            v = ""
        if str(v) not in vals:
            return False
    return True


def visible(obj, project):
    return obj.get("project_id") in ("", project) or obj.get("shared")


def create_group(project, body):
    g = body.get("security_group")
    if not isinstance(g, dict) or not isinstance(g.get("name"), str):
        raise neutron_error(400, "HTTPBadRequest", "Invalid input for name.")
    desc = g.get("description", "")
    if len(desc) > 255:
        raise neutron_error(400, "HTTPBadRequest",
                            "Invalid input for description. Reason: too long.")
    if g["name"] == "default":
        raise neutron_error(409, "SecurityGroupDefaultAlreadyExists",
                            "Default security group already exists.")
    default_group(project)
    gid = str(uuid.uuid4())
    GROUPS[gid] = {"id": gid, "name": g["name"], "description": desc, "project_id": project,
                   "tenant_id": project, "stateful": True, "tags": [], "revision_number": 1,
                   "created_at": now_iso(), "updated_at": now_iso()}
    for eth in ("IPv4", "IPv6"):
        add_rule(GROUPS[gid], {"direction": "egress", "ethertype": eth})
    return {"security_group": group_json(GROUPS[gid])}


def create_rule(project, body):
    r = body.get("security_group_rule")
    if not isinstance(r, dict):
        raise neutron_error(400, "HTTPBadRequest", "Resource body required")
    g = GROUPS.get(r.get("security_group_id"))
    if not g or g["project_id"] != project:
        raise neutron_error(404, "SecurityGroupNotFound",
                            "Security group %s does not exist" % r.get("security_group_id"))
    if r.get("direction") not in ("ingress", "egress"):
        raise neutron_error(400, "HTTPBadRequest", "Invalid input for direction.")
    for x in RULES.values():
        if x["security_group_id"] == g["id"] and all(
                x.get(k) == r.get(k) for k in ("direction", "protocol", "port_range_min",
                                               "port_range_max", "remote_ip_prefix")) and \
                x["ethertype"] == r.get("ethertype", "IPv4"):
            raise neutron_error(409, "SecurityGroupRuleExists",
                                "Security group rule already exists. Rule id is %s." % x["id"])
    return {"security_group_rule": add_rule(g, r)}


def delete_group(project, gid):
    g = GROUPS.get(gid)
    if not g or g["project_id"] != project:
        raise neutron_error(404, "SecurityGroupNotFound", "Security group %s does not exist" % gid)
    in_use = g["name"] == "default" or any(
        gid in s["_groups"] for s in SERVERS.values())
    if in_use:
        raise neutron_error(409, "SecurityGroupInUse",
                            "Security Group %s in use." % gid)
    del GROUPS[gid]
    for rid in [r for r, x in RULES.items() if x["security_group_id"] == gid]:
        del RULES[rid]


def unassociate(f):
    fw = FORWARDERS.pop(f["id"], None)
    if fw:
        fw.close()
    f.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")


def associate(f, port_id, project):
    p = PORTS.get(port_id)
    if not p or p["project_id"] != project:
        raise neutron_error(404, "PortNotFound", "Port %s could not be found." % port_id)
    for other in FIPS.values():
        if other is not f and other["port_id"] == port_id:
            raise neutron_error(409, "FloatingIPPortAlreadyAssociated",
                                "Cannot associate floating IP %s with port %s, it already "
                                "has a floating IP" % (f["floating_ip_address"], port_id))
    unassociate(f)
    FORWARDERS[f["id"]] = Forwarder(f["floating_ip_address"], port_id)
    f.update(port_id=port_id, fixed_ip_address=p["fixed_ips"][0]["ip_address"],
             router_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, "router")), status="ACTIVE")


def create_fip(project, body):
    f = body.get("floatingip")
    if not isinstance(f, dict):
        raise neutron_error(400, "HTTPBadRequest", "Resource body required")
    net = NETWORKS.get(f.get("floating_network_id"))
    if not net:
        raise neutron_error(404, "NetworkNotFound",
                            "Network %s could not be found." % f.get("floating_network_id"))
    if not net["router:external"]:
        raise neutron_error(400, "BadRequest", "Bad floatingip request: Network %s is not a "
                            "valid external network." % net["id"])
    if NEXT["floating"] > 250:
        raise neutron_error(409, "IpAddressGenerationFailure",
                            "No more IP addresses available on network %s." % net["id"])
    addr = "127.0.2.%d" % NEXT["floating"]
    NEXT["floating"] += 1
    fid = str(uuid.uuid4())
    FIPS[fid] = {"id": fid, "floating_ip_address": addr, "floating_network_id": net["id"],
                 "router_id": None, "port_id": None, "fixed_ip_address": None,
                 "status": "DOWN", "project_id": project, "tenant_id": project,
                 "description": f.get("description", ""), "tags": [], "revision_number": 0,
                 "port_details": None, "created_at": now_iso(), "updated_at": now_iso()}
    if f.get("port_id"):
        associate(FIPS[fid], f["port_id"], project)
    return {"floatingip": FIPS[fid]}


# --- HTTP --------------------------------------------------------------------------

class Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, {"badRequest": {"code": 400,
                                                "message": "Malformed request body"}})

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = [p for p in url.path.split("/") if p]
        try:
            token = self.headers.get("X-Auth-Token")
            with LOCK:
                CONTROL["requests"] = CONTROL.get("requests", 0) + 1
                revoke = False
                if CONTROL["revoke_after"] > 0:
                    CONTROL["revoke_after"] -= 1
                    revoke = CONTROL["revoke_after"] == 0
            if revoke and token:
                KEYSTONE.revoke(token)
            project = KEYSTONE.validate(token) if token else None
            if not project:
                raise ApiError(401, {"error": {
                    "code": 401, "title": "Unauthorized",
                    "message": "The request you have made requires authentication."}})
            body = self.body() if method in ("POST", "PUT") else {}
            with LOCK:
                if parts[:1] == ["v2.1"]:
                    status, out = self.nova(method, parts[1:], query, project, body)
                elif parts[:1] == ["v2.0"]:
                    status, out = self.neutron(method, parts[1:], query, project, body)
                else:
                    raise nova_error(404, "Not found")
            self.reply(status, out)
        except ApiError as e:
            headers = {"WWW-Authenticate": "Keystone uri=\"%s\"" % KEYSTONE.url} \
                if e.status == 401 else None
            self.reply(e.status, e.body, headers)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def nova(self, method, p, query, project, body):
        user = ""
        if p in (["flavors"], ["flavors", "detail"]) and method == "GET":
            detail = len(p) == 2
            return 200, {"flavors": [dict(f, links=[]) if detail else
                                     {"id": f["id"], "name": f["name"], "links": []}
                                     for f in FLAVORS]}
        if len(p) == 2 and p[0] == "flavors" and method == "GET":
            f = next((f for f in FLAVORS if f["id"] == p[1]), None)
            if not f:
                raise nova_error(404, "Flavor %s could not be found." % p[1])
            return 200, {"flavor": f}
        if p in (["images"], ["images", "detail"]) and method == "GET":
            return 200, {"images": [i for i in IMAGES if matches(i, query)]}
        if len(p) == 2 and p[0] == "images" and method == "GET":
            i = next((i for i in IMAGES if i["id"] == p[1]), None)
            if not i:
                raise nova_error(404, "Image not found.")
            return 200, {"image": i}
        if p == ["servers"] and method == "POST":
            return 202, create_server(project, user, body)
        if p in (["servers"], ["servers", "detail"]) and method == "GET":
            return 200, self.server_list(project, query, len(p) == 2)
        if len(p) == 2 and p[0] == "servers":
            s = SERVERS.get(p[1])
            if method == "DELETE":
                delete_server(project, p[1])
                return 204, None
            if method == "GET":
                if not s or s["tenant_id"] != project:
                    raise nova_error(404, "Instance %s could not be found." % p[1])
                return 200, {"server": server_json(s)}
        raise nova_error(404, "The resource could not be found.")

    def server_list(self, project, query, detail):
        mine = sorted((s for s in SERVERS.values() if s["tenant_id"] == project),
                      key=lambda s: (s["created"], s["id"]), reverse=True)
        if "name" in query:
            mine = [s for s in mine if re.search(query["name"][0], s["name"])]
        if "marker" in query:
            ids = [s["id"] for s in mine]
            if query["marker"][0] not in ids:
                raise nova_error(400, "marker [%s] not found" % query["marker"][0])
            mine = mine[ids.index(query["marker"][0]) + 1:]
        limit = int(query.get("limit", ["1000"])[0])
        page, rest = mine[:limit], mine[limit:]
        out = {"servers": [server_json(s) if detail else
                           {"id": s["id"], "name": s["name"], "links": []} for s in page]}
        if rest:
            out["servers_links"] = [{"rel": "next", "href": "%s/v2.1/servers%s?limit=%d&marker=%s"
                                     % (ARGS.base_url, "/detail" if detail else "", limit,
                                        page[-1]["id"])}]
        return out

    def neutron(self, method, p, query, project, body):
        coll = {"networks": NETWORKS, "ports": PORTS, "security-groups": GROUPS,
                "floatingips": FIPS, "security-group-rules": RULES}
        singular = {"networks": "network", "ports": "port", "security-groups": "security_group",
                    "floatingips": "floatingip", "security-group-rules": "security_group_rule"}
        if not p or p[0] not in coll:
            raise neutron_error(404, "HTTPNotFound", "The resource could not be found.")
        name = p[0]
        if name == "security-groups":
            default_group(project)
        show = group_json if name == "security-groups" else public
        if len(p) == 1 and method == "GET":
            items = [show(o) for o in coll[name].values()
                     if visible(o, project) and matches(o, query)]
            return 200, {name.replace("-", "_"): items}
        if len(p) == 1 and method == "POST":
            if name == "security-groups":
                return 201, create_group(project, body)
            if name == "security-group-rules":
                return 201, create_rule(project, body)
            if name == "floatingips":
                return 201, create_fip(project, body)
        if len(p) == 2:
            o = coll[name].get(p[1])
            if not o or not visible(o, project):
                kind = singular[name].replace("_", " ").title().replace(" ", "")
                raise neutron_error(404, "%sNotFound" % kind, "%s %s could not be found." %
                                    (kind, p[1]))
            if method == "GET":
                return 200, {singular[name]: show(o)}
            if method == "DELETE" and name == "security-groups":
                delete_group(project, p[1])
                return 204, None
            if method == "DELETE" and name == "floatingips":
                unassociate(o)
                del FIPS[p[1]]
                return 204, None
            if method == "PUT" and name == "floatingips":
                f = body.get("floatingip") or {}
                if "port_id" in f:
                    if f["port_id"]:
                        associate(o, f["port_id"], project)
                    else:
                        unassociate(o)
                if "description" in f:
                    o["description"] = f["description"]
                o["updated_at"] = now_iso()
                return 200, {"floatingip": public(o)}
        raise neutron_error(405, "HTTPMethodNotAllowed", "Method not allowed.")


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, body):
        data = json.dumps(body, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path != "/state":
            return self.reply(404, {"error": "no such control"})
        with LOCK:
            servers = [{"id": s["id"], "name": s["name"], "status": s["status"],
                        "metadata": s["metadata"],
                        "address": next((p["fixed_ips"][0]["ip_address"] for p in PORTS.values()
                                         if p["device_id"] == s["id"]), None),
                        "engine": s["id"] in ENGINES} for s in SERVERS.values()]
            groups = [group_json(g) for g in GROUPS.values() if g["name"] != "default"]
            fips = [public(f) for f in FIPS.values()]
            self.reply(200, {"servers": servers, "security_groups": groups, "floatingips": fips,
                             "counts": {"servers": len(servers), "security_groups": len(groups),
                                        "floatingips": len(fips), "engines": len(ENGINES)},
                             "requests": CONTROL.get("requests", 0)})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return self.reply(400, {"error": "not JSON"})
        p = [x for x in self.path.split("/") if x]
        with LOCK:
            if p == ["build-delay"]:
                CONTROL["build_delay"] = float(body.get("seconds", 0))
                if body.get("building_too"):
                    soon = time.time() + CONTROL["build_delay"]
                    for sv in SERVERS.values():
                        sv["_ready_at"] = min(sv["_ready_at"], soon)
                return self.reply(200, {"ok": True})
            if p == ["error-next"]:
                CONTROL["error_next"] = body.get("message") or "fault"
                return self.reply(200, {"ok": True})
            if p == ["engine"]:
                CONTROL["engine"] = bool(body.get("answer", True))
                boots = []
                if CONTROL["engine"] and body.get("boot_waiting"):
                    boots = [(sv["id"], port_address(sv), sv["_user_data"])
                             for sv in SERVERS.values()
                             if sv["status"] == "ACTIVE" and not sv["_engine"]
                             and sv["id"] not in ENGINES and ARGS.vmboot
                             and is_cloud_config(sv["_user_data"])]
                    for b in boots:
                        SERVERS[b[0]]["_engine"] = True
                for b in boots:
                    threading.Thread(target=engine_start, args=b, daemon=True).start()
                return self.reply(200, {"ok": True, "booted": len(boots)})
            if p == ["revoke-after"]:
                CONTROL["revoke_after"] = int(body.get("requests", 0))
                return self.reply(200, {"ok": True})
        if len(p) == 3 and p[0] == "servers" and p[2] == "address":
            try:
                return self.reply(200, readdress(p[1]))
            except ApiError as e:
                return self.reply(e.status, e.body)
        return self.reply(404, {"error": "no such control"})


def shutdown(*_):
    raise SystemExit(0)


def main():
    global ARGS, KEYSTONE
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--control-port", type=int, required=True)
    ap.add_argument("--keystone", required=True)
    ap.add_argument("--admin-password-file", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--vmboot")
    ap.add_argument("--build-delay", type=float, default=0.0)
    ap.add_argument("--token-cache", type=float, default=2.0)
    ap.add_argument("--containerd-dir")
    ARGS = ap.parse_args()
    ARGS.base_url = "http://127.0.0.1:%d" % ARGS.port
    if ARGS.vmboot and not os.path.exists(ARGS.vmboot):
        log("no %s: servers boot no engine" % ARGS.vmboot)
        ARGS.vmboot = None
    CONTROL["build_delay"] = ARGS.build_delay
    with open(ARGS.admin_password_file) as f:
        KEYSTONE = Keystone(ARGS.keystone, f.read().strip())
    KEYSTONE.service_token()
    setup_networks()
    ThreadingHTTPServer.daemon_threads = True
    api = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Api)
    ctl = ThreadingHTTPServer(("127.0.0.1", ARGS.control_port), Control)
    threading.Thread(target=ctl.serve_forever, daemon=True).start()
    threading.Thread(target=tick, daemon=True).start()
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    if ARGS.vmboot and ARGS.containerd_dir:
        CONTAINERD[0] = vmboot_module().containerd_start(ARGS.containerd_dir)
    log("serving on %s, controls on 127.0.0.1:%d" % (ARGS.base_url, ARGS.control_port))
    try:
        api.serve_forever()
    finally:
        for fw in list(FORWARDERS.values()):
            fw.close()
        stops = [threading.Thread(target=engine_stop, args=(sid,)) for sid in list(ENGINES)]
        for t in stops:
            t.start()
        for t in stops:
            t.join()
        if CONTAINERD[0]:
            vmboot_module().containerd_stop(ARGS.containerd_dir)


if __name__ == "__main__":
    main()

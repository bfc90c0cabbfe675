#!/usr/bin/env python3
"""moto-vms.py: the EC2 tests' side of moto (tests/lib-moto.sh runs it).

    moto-vms.py setup --url URL
        on a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=3: makes
        the IAM user "berth" (a policy allowing everything, an access key:
        the three calls moto lets through unsigned), then, signed with that
        key from then on, a role the user may assume and a session of it
        (AssumeRole: keys with a session token), a VPC 127.0.0.0/16 and a
        subnet 127.0.0.0/24 in it (moto then gives instances loopback
        addresses), and picks one of moto's built-in AMIs. Prints shell
        assignments: MOTO_ACCESS_KEY_ID, MOTO_SECRET_ACCESS_KEY,
        MOTO_ROLE_ACCESS_KEY_ID, MOTO_ROLE_SECRET_ACCESS_KEY,
        MOTO_ROLE_SESSION_TOKEN, MOTO_VPC, MOTO_SUBNET, MOTO_AMI.

    moto-vms.py watch --url URL --dir DIR [--tag berth-store] [--interval S]
        the VM watcher: polls moto for instances carrying the tag, reads each
        new one's user-data (DescribeInstanceAttribute userData) and boots it
        with tests/vmboot.py on the instance's private address (DIR/INSTANCE-ID
        its directory), and stops it once the instance is shutting down or
        terminated. Instances whose user-data is not berth's #cloud-config are
        left alone (logged). On SIGTERM or SIGINT it stops every VM it booted
        and exits. DIR/booted lists "INSTANCE-ID ADDRESS" of the VMs running,
        DIR/log what it did. Keys: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
"""

import argparse
import base64
import json
import os
import shlex
import signal
import sys
import time

import boto3
import botocore.config

REGION = "us-east-1"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def client(service, url, key=None, secret=None, token=None):
    return boto3.client(
        service, endpoint_url=url, region_name=REGION,
        aws_access_key_id=key or "AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key=secret or "unused-before-signatures-count",
        aws_session_token=token,
        config=botocore.config.Config(retries={"max_attempts": 2}))


def pick_ami(ec2):
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    linux = [i for i in images if i.get("Platform") != "windows"]
    for want in ("ubuntu", "debian", "amzn"):
        for i in linux:
            if want in (i.get("Name") or "").lower():
                return i["ImageId"]
    return (linux or images)[0]["ImageId"]


def setup(url):
    # Unsigned: the INITIAL_NO_AUTH_ACTION_COUNT calls.
    iam = client("iam", url)
    iam.create_user(UserName="berth")
    iam.put_user_policy(UserName="berth", PolicyName="all", PolicyDocument=POLICY)
    key = iam.create_access_key(UserName="berth")["AccessKey"]
    k, s = key["AccessKeyId"], key["SecretAccessKey"]
    # Signed from here on.
    iam = client("iam", url, k, s)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName="berth-role", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(RoleName="berth-role", PolicyName="all", PolicyDocument=POLICY)
    creds = client("sts", url, k, s).assume_role(
        RoleArn=role["Arn"], RoleSessionName="berth-test")["Credentials"]
    ec2 = client("ec2", url, k, s)
    vpc = ec2.create_vpc(CidrBlock="127.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="127.0.0.0/24")["Subnet"]["SubnetId"]
    out = {
        "MOTO_ACCESS_KEY_ID": k, "MOTO_SECRET_ACCESS_KEY": s,
        "MOTO_ROLE_ACCESS_KEY_ID": creds["AccessKeyId"],
        "MOTO_ROLE_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "MOTO_ROLE_SESSION_TOKEN": creds["SessionToken"],
        "MOTO_VPC": vpc, "MOTO_SUBNET": subnet, "MOTO_AMI": pick_ami(ec2),
    }
    for name, value in out.items():
        print(f"{name}={shlex.quote(value)}")


# --- the watcher ---------------------------------------------------------------

class Watcher:
    def __init__(self, url, d, tag, vmboot):
        self.ec2 = client("ec2", url, os.environ["AWS_ACCESS_KEY_ID"],
                          os.environ["AWS_SECRET_ACCESS_KEY"])
        self.dir = d
        self.tag = tag
        self.vmboot = vmboot
        self.booted = {}     # instance ID -> address
        self.skipped = set()  # instance IDs not to try again
        self.stopping = False

    def log(self, msg):
        with open(os.path.join(self.dir, "log"), "a") as f:
            f.write(time.strftime("%H:%M:%S ") + msg + "\n")

    def save(self):
        tmp = os.path.join(self.dir, "booted.tmp")
        with open(tmp, "w") as f:
            for i, a in sorted(self.booted.items()):
                f.write(f"{i} {a}\n")
        os.replace(tmp, os.path.join(self.dir, "booted"))

    def instances(self):
        pages = self.ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "tag-key", "Values": [self.tag]}])
        for page in pages:
            for r in page["Reservations"]:
                yield from r["Instances"]

    def boot(self, inst):
        iid, addr = inst["InstanceId"], inst.get("PrivateIpAddress")
        if not addr:
            return
        attr = self.ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData")
        b64 = (attr.get("UserData") or {}).get("Value")
        data = base64.b64decode(b64) if b64 else b""
        if not data.startswith(b"#cloud-config"):
            self.log(f"{iid}: no #cloud-config user-data; left alone")
            self.skipped.add(iid)
            return
        name = next((t["Value"] for t in inst.get("Tags", []) if t["Key"] == "Name"), iid)
        d = os.path.join(self.dir, iid)
        try:
            self.vmboot.start(data, addr, d, name=name)
        except Exception as e:  # a VM that cannot boot stays down, as a real one would
            self.log(f"{iid}: boot on {addr} failed: {e}")
            self.skipped.add(iid)
            return
        self.booted[iid] = addr
        self.log(f"{iid}: booted {name} on {addr}")
        self.save()

    def halt(self, iid, why):
        try:
            self.vmboot.stop(os.path.join(self.dir, iid))
        except Exception as e:
            self.log(f"{iid}: stop failed: {e}")
        self.booted.pop(iid, None)
        self.log(f"{iid}: stopped ({why})")
        self.save()

    def poll(self):
        seen = set()
        for inst in self.instances():
            iid, state = inst["InstanceId"], inst["State"]["Name"]
            seen.add(iid)
            if state in ("shutting-down", "terminated", "stopping", "stopped"):
                if iid in self.booted:
                    self.halt(iid, state)
            elif iid not in self.booted and iid not in self.skipped:
                self.boot(inst)
        for iid in [i for i in self.booted if i not in seen]:
            self.halt(iid, "gone from moto")

    def run(self, interval):
        def on_signal(signum, frame):
            self.stopping = True
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.save()
        self.log("watching")
        while not self.stopping:
            try:
                self.poll()
            except Exception as e:  # moto restarting, a transient error: next round
                self.log(f"poll: {e}")
            for _ in range(int(interval / 0.1)):
                if self.stopping:
                    break
                time.sleep(0.1)
        for iid in list(self.booted):
            self.halt(iid, "watcher stopping")
        self.log("done")


def main(argv):
    ap = argparse.ArgumentParser(prog="moto-vms.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--url", required=True)
    s = sub.add_parser("watch")
    s.add_argument("--url", required=True)
    s.add_argument("--dir", required=True)
    s.add_argument("--tag", default="berth-store")
    s.add_argument("--interval", type=float, default=0.5)
    a = ap.parse_args(argv)
    if a.cmd == "setup":
        setup(a.url)
        return 0
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import vmboot
    os.makedirs(a.dir, exist_ok=True)
    Watcher(a.url, a.dir, a.tag, vmboot).run(a.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""malformed.py: generates malformed command lines, batch files and
settings files, runs each through berth and checks what it says.

    malformed.py BERTH WORKDIR usage|other

"usage" runs the cases that must be refused as usage errors (exit 2),
before anything is looked up: the store must be the same afterwards.
"other" runs the rest, operations that fail (exit 1) or may be refused
either way: those may record in the store that a host did not answer.

Each case must end with exit status 2 (usage) or 1 (operation failed),
the one expected where the case says, with exactly one line on stderr
(no sanitizer report, no crash) and nothing on stdout. The cases are
made from berth's own help: every command of the table, every option of
each (missing values, wrong types, repeated single options, unknown
ones). Commands are run against an engine that is not there (DOCKER_HOST
names a socket that does not exist), so none gets far enough to change
anything; tests/t0210-malformed.sh checks the store is unchanged.

Prints TAP: one test per kind of case, the failures as diagnostics.
"""
import concurrent.futures
import os
import re
import subprocess
import sys

BERTH, WORK, WHICH = sys.argv[1], sys.argv[2], sys.argv[3]
ENV = dict(os.environ)
ENV["DOCKER_HOST"] = "unix://" + os.path.join(WORK, "no-engine.sock")
SAN = re.compile(rb"AddressSanitizer|LeakSanitizer|runtime error|Segmentation|Aborted")
MB = b"w" * (1 << 20)


def help_of(words):
    r = subprocess.run([BERTH, "help"] + words, capture_output=True, env=ENV, timeout=60)
    return r.stdout.decode()


def commands():
    """[(noun, verb or None, usage, [(short, long, metavar or None, repeatable)])]"""
    out = []
    for line in help_of([]).splitlines():
        m = re.match(r"^  ([a-z-]+)(?: ([a-z-]+))? (\[OPTIONS\])?", line)
        if not m or line.startswith("  -"):
            continue
        noun, verb = m.group(1), m.group(2)
        words = [noun] + ([verb] if verb else [])
        text = help_of(words)
        opts = []
        for o in re.finditer(r"^  (?:-(\w), )?\s*--([a-z-]+)(?: (\S+))?\s+(.*)$", text, re.M):
            opts.append((o.group(1), o.group(2), o.group(3), "(repeatable)" in o.group(4)))
        usage = re.search(r"^Usage: (.*)$", text, re.M)
        out.append((noun, verb, usage.group(1) if usage else "", opts))
    return out


class Case:
    def __init__(self, kind, argv, want=(1, 2), batch=None, config=None, mode=0o600):
        self.kind, self.argv, self.want = kind, argv, want
        self.batch, self.config, self.mode = batch, config, mode


def b(*words):
    return [w if isinstance(w, bytes) else w.encode() for w in words]


def generate(cmds):
    cases = []
    add = cases.append
    # --- unknown words and prefixes -------------------------------------
    # (prefixes of one command, "cont", "t", are commands: not here)
    for w in ["contaner", "contx", "xyzzy", "imagee", "hostt", "c", "h", "ca", "dockerx",
              "-", "--", "---", "--x", "container-list", "CONTAINER", "Container",
              "\u00e9t\u00e9", "\u202econtainer", "a" * 5000]:
        add(Case("unknown words", b(w, "list"), (2,)))
    for noun in sorted({c[0] for c in cmds if c[1]}):
        for v in ["lst", "nope", "x", "", "  ", "list2", "-l", "--all"]:
            add(Case("unknown words", b(noun, v), (2,)))
        add(Case("unknown words", b("docker", noun, "zzz"), (2,)))
        add(Case("unknown words", b(noun), (2,)))
    add(Case("unknown words", b("docker"), (2,)))
    add(Case("unknown words", b("host", "s"), (2,)))    # spawn, slots: ambiguous
    add(Case("unknown words", b("container", "re"), (2,)))  # restart? no: ambiguous
    # --- per command: unknown options, missing values, types, repeats ----
    for noun, verb, usage, opts in cmds:
        cw = [noun] + ([verb] if verb else [])
        add(Case("unknown options", b(*cw, "--bogus"), (2,)))
        add(Case("unknown options", b(*cw, "--bogus=1"), (2,)))
        add(Case("unknown options", b(*cw, "-Z"), (2,)))
        add(Case("unknown options", b(*cw, "--" + "x" * 3000), (2,)))
        if usage and "..." not in usage and not usage.endswith("]"):
            add(Case("too many arguments", b(*cw, *(["a"] * 8)), (2,)))
        for short, long, meta, rep in opts:
            if long in ("help",):
                continue
            if meta:
                add(Case("missing values", b(*cw, "--" + long), (2,)))
                if short:
                    add(Case("missing values", b(*cw, "-" + short), (2,)))
                if not rep:
                    add(Case("repeated single options",
                             b(*cw, "--" + long, "a1", "--" + long + "=a2", "x"), (2,)))
            else:
                add(Case("wrong option types", b(*cw, "--" + long + "=yes"), (2,)))
    # --- bad values: sizes, durations, CPUs, counts, ports, policies ------
    create = ["container", "create"]
    # each template add names a new template: one accepted would show
    for i, v in enumerate(["12q", "-1", "1.5.5g", "g", "", " ", "99999999999999999999g",
                           "1e9", "0x10", "1  g", "nan", "inf", "256mbb", "\u0661\u0662m",
                           "1k1"]):
        add(Case("bad sizes", b(*create, "--memory", v, "busybox"), (2,)))
        add(Case("bad sizes", b("template", "add", "ts%d" % i, "--image", "busybox", "-m", v),
                 (2,)))
    for i, v in enumerate(["1x", "-5m", "9223372036854775807ms", "99999999999999d", "1h30", "h",
              "", "1.5.5s", "1 h", "0s", "\u00b5s1", "+-1s", "1e3s"]):
        add(Case("bad durations", b(*create, "--lifetime", v, "busybox"), (2,)))
        add(Case("bad durations",
                 b("template", "add", "td%d" % i, "--image", "busybox", "--lifetime", v), (2,)))
    for v in ["abc", "-1", "0", "1.5.5", "", "1e400", "99999999999"]:
        add(Case("bad numbers", b(*create, "--cpus", v, "busybox"), (2,)))
    for v in ["0", "-1", "abc", "1.5", "", "99999999999999999999", "1e3", " 1"]:
        add(Case("bad numbers", b(*create, "--slots", v, "busybox"), (2,)))
        add(Case("bad numbers", b(*create, "--count", v, "--name", "n", "busybox"), (2,)))
        if v != "0":
            add(Case("bad numbers", b("container", "logs", "--tail", v, "web"), (2,)))
    for v in ["always:3", "sometimes", "on-failure:x", "on-failure:-1", "", "no:1",
              "on-failure:99999999999999999999"]:
        add(Case("bad restart policies", b(*create, "--restart", v, "busybox"), (2,)))
    for i, v in enumerate(["80:80:80:80", "abc", ":", "::", "80:", ":80", "70000:80", "80:70000", "0:0",
              "80/xyz", "8000-7999:80-79", "8000-8001:80", "1.2.3.4:80", "[::1:80:80",
              "[::1]:80:80:x", "-1:80", "80:80/", "999999999999999999999:1", "",
              "80-:80", "a-b:80", "1.2.3.999:80:80", "8080:80/tcp/udp"]):
        add(Case("bad port specs", b(*create, "-p", v, "busybox"), (2,)))
        add(Case("bad port specs", b("template", "add", "tp%d" % i, "--image", "busybox",
                                     "--publish=" + v), (2,)))
    for v in ["=x", "", "=", "=a=b"]:
        add(Case("bad key=value", b(*create, "-e", v, "busybox"), (2,)))
        add(Case("bad key=value", b(*create, "-l", v, "busybox"), (2,)))
    for v in ["x", "-1", "0.5", "", "99999999999999999999", "many"]:
        add(Case("bad numbers", b("host", "slots", "lab", v), (2,)))
    for i, v in enumerate(["ftp://x", "tcp://", "unix://", "tcp://h:99999", "x", "",
                           "tcp://[::1", "tcp://h:port", "unix://" + "x" * 5000, "tcp://h:-1"]):
        add(Case("bad URLs", b("host", "add", "nh%d" % i, v, "--insecure"), (2,)))
    for v in ["", "a b", "-x", "a/b", "\x01", "h\u00e9"]:
        add(Case("bad names", b("host", "add", v, "tcp://127.0.0.1:1", "--insecure"), (2,)))
    # --- operations that cannot succeed here (exit 1) --------------------
    for argv in [["container", "start", "web"], ["container", "inspect", "nope"],
                 ["image", "inspect", "nope"], ["container", "logs", "web"], ["host", "info", "local"],
                 ["template", "show", "nope"], ["template", "delete", "nope"],
                 ["host", "remove", "nope"], ["host", "activate", "nope"],
                 ["image", "load", os.path.join(WORK, "nonexistent.tar")]]:
        add(Case("failed operations", b(*argv), (1, 2)))
    # --- quotes, huge words, invalid UTF-8 -------------------------------
    for s in ['container list "abc', "container list 'abc", 'help "', "help '",
              'container create --name "a b busybox', "template show 'x\"", 'help "\\"',
              "help 'a'\"b", 'container list; help "', "help; container list 'x;y"]:
        add(Case("unclosed quotes", b("-c", s), (2,)))
        add(Case("unclosed quotes", [], (2,), batch=s.encode() + b"\n"))
    for argv in [[b"help", b"x" * 100000], [b"container", b"inspect", b"x" * 100000],
                 [b"container", b"create", b"--name", b"x" * 100000, b"busybox"],
                 [b"x" * 120000]]:
        add(Case("huge words", argv, (1, 2)))
    for line in [b"help " + MB, b"container inspect " + MB, b"template show " + MB,
                 MB, b"container create --name " + MB + b" busybox", b"'" + MB + b"'"]:
        add(Case("huge words", [], (1, 2), batch=line + b"\n"))
    for w in [b"\xff", b"\xc3", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
              b"\xc0\xaf", b"a\xfeb", b"\x80\x80\x80"]:
        add(Case("invalid UTF-8", [b"contai" + w + b"ner", b"list"], (2,)))
        add(Case("invalid UTF-8", [b"container", b"list", b"--" + w], (2,)))
        add(Case("invalid UTF-8", [b"container", b"create", b"--memory", w, b"busybox"], (2,)))
        add(Case("invalid UTF-8", [b"template", b"show", w], (1, 2)))
        add(Case("invalid UTF-8", [], (1, 2), batch=b"help " + w + b"\n"))
    for w in [b"\n", b"\r", b"\x1b[2J", b"\x0b", b"\x0c", b"a\nb\nc", b"\x7f"]:
        add(Case("control characters", [b"contai" + w + b"ner", b"list"], (2,)))
        add(Case("control characters", [b"container", b"list", b"--x" + w], (2,)))
        add(Case("control characters", [b"host", b"use", b"h" + w], (1, 2)))
    # --- NUL bytes and truncated batch files ------------------------------
    for line in [b"help ho\0st", b"\0", b"container list\0", b"\0container list",
                 b"help\nhelp\0\n", b"help '\0'", b'help "\0"', b"container create --name \0 x"]:
        add(Case("NUL bytes", [], (2,), batch=line + b"\n"))
        add(Case("NUL bytes", [], (2,), batch=line))
    full = (b"container create --name web -p 8080:80 --memory 256m --lifetime 2h "
            b"--restart on-failure:3 busybox sleep 60 \\\n  --cpus 1.5\n")
    for cut in range(1, len(full) - 1, 3):
        piece = full[:cut]
        if piece.count(b" ") < 1:
            continue
        add(Case("truncated batch files", [], (1, 2), batch=piece))
    for piece in [b"template add t9 --image busybox \\", b"template delete t1 \\",
                  b"help \\\n\\", b'help "abc\\', b"host remove lab \\\r"]:
        add(Case("truncated batch files", [], (2,), batch=piece))
    return cases


def settings_cases():
    cs = []
    bad = {
        "bad YAML": [b"hosts: [", b"hosts:\n  lab: {url: x\n", b"a: b: c\n", b"\t- x\n",
                     b"hosts:\n- a\n b\n", b"'unclosed\n", b"%YAML 9.9\n---\nx: 1\n",
                     b"x: 1\n---\ny: 2\n", b"x: &a [*a]\n", b"\xff\xfe\n", b"x: \0\n",
                     b"{" * 10000, b"- " * 5000 + b"x\n", b"x: 1\nx: 2\n", b"!!binary x\n"],
        "wrong types": [b"hosts: 5\n", b"hosts: [a, b]\n", b"timeouts: {connect: fast}\n",
                        b"timeouts: {connect: -5s}\n", b"timeouts: 10\n",
                        b"default_host: [a]\n", b"hosts:\n  lab: {url: 5}\n",
                        b"hosts:\n  lab: {url: tcp://h:1, insecure: maybe}\n",
                        b"hosts:\n  lab: {url: tcp://h:1, slots: many}\n",
                        b"hosts:\n  lab: {url: ftp://h}\n", b"mongodb: yes\n",
                        b"pool: {placement: random}\n", b"clouds: {c: {driver: azure}}\n",
                        b"hosts:\n  lab: [1]\n", b"default_host: nope\n"],
        "unknown keys": [b"hots:\n  lab: {url: tcp://h:1}\n", b"colour: red\n",
                         b"hosts:\n  lab: {url: tcp://h:1, tls: x}\n", b"timeouts: {conect: 5s}\n",
                         b"mongodb: {url: mongodb://x}\n", b"pool: {size: 3}\n",
                         b"\n\n\nxyz: 1\n"],
    }
    for kind, docs in bad.items():
        for i, d in enumerate(docs):
            cs.append(Case("settings: " + kind, [b"host", b"list"], (1, 2), config=d))
    for d in [b"mongodb: {uri: 'mongodb://u:secret@localhost/b'}\n",
              b"clouds:\n  c: {driver: ec2, secret_access_key: x}\n",
              b"hosts:\n  lab: {url: tcp://h:1, password: x}\n"]:
        cs.append(Case("settings: credentials readable by others", [b"host", b"list"], (1, 2),
                       config=d, mode=0o644))
    return cs


def run(i, c):
    argv = [BERTH.encode()]
    if c.config is not None:
        path = os.path.join(WORK, "config-%d.yaml" % i)
        with open(path, "wb") as f:
            f.write(c.config)
        os.chmod(path, c.mode)
        argv += [b"--config", path.encode()]
    if c.batch is not None:
        path = os.path.join(WORK, "batch-%d.berth" % i)
        with open(path, "wb") as f:
            f.write(c.batch)
        argv += [b"-f", path.encode()]
    argv += c.argv
    try:
        r = subprocess.run(argv, capture_output=True, env=ENV, timeout=120,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "hung (120 s)"
    lines = r.stderr.split(b"\n")
    why = []
    if r.returncode not in c.want:
        why.append("exit %d, not %s" % (r.returncode, " or ".join(map(str, c.want))))
    if SAN.search(r.stderr):
        why.append("a sanitizer report or a crash")
    if len(lines) != 2 or lines[1] != b"" or not lines[0]:
        why.append("%d lines on stderr" % (len(lines) - 1))
    if c.batch is None and r.stdout:
        why.append("output on stdout")
    if c.config is not None and c.kind != "settings: bad YAML" and \
            not re.search(rb"config-\d+\.yaml(:\d+)?", r.stderr):
        why.append("the message does not name the file")
    if c.config is not None and c.kind in ("settings: unknown keys", "settings: wrong types") \
            and not re.search(rb"config-\d+\.yaml:\d+", r.stderr):
        why.append("the message does not name the file's line")
    if why:
        return "; ".join(why) + ": stderr %r" % r.stderr[:300]
    return None


def main():
    cases = [c for c in generate(commands()) + settings_cases()
             if (c.want == (2,)) == (WHICH == "usage")]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        futs = {ex.submit(run, i, c): (i, c) for i, c in enumerate(cases)}
        for f in concurrent.futures.as_completed(futs):
            i, c = futs[f]
            results[i] = f.result()
    kinds = []
    for c in cases:
        if c.kind not in kinds:
            kinds.append(c.kind)
    print("1..%d" % (len(kinds) + 1))
    n = 0
    for kind in kinds:
        n += 1
        mine = [(i, c) for i, c in enumerate(cases) if c.kind == kind]
        bad = [(i, c) for i, c in mine if results[i]]
        print("%s %d - %s: %d cases, %d wrong" % ("not ok" if bad else "ok", n, kind,
                                                    len(mine), len(bad)))
        for i, c in bad[:15]:
            args = b" ".join(c.argv)[:120]
            extra = (b" -f " + c.batch[:80]) if c.batch is not None else b""
            print("#   %r%r: %s" % (args, extra, results[i]))
    n += 1
    print("ok %d - %d %s cases" % (n, len(cases), WHICH))


main()

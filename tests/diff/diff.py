#!/usr/bin/python3
"""Differential test: the same seeded random command stream goes to aikv-server and to a real
redis-server; every reply must be identical (type, bytes, error text).

    diff.py [--seed N] [--commands N] [--build DIR]

Replies are compared exactly except where Redis leaves the order unspecified (KEYS is sorted)
or the value depends on the clock (TTL/PTTL are compared with a tolerance). On a mismatch the
stream is shrunk to a short reproducing sequence, which is printed, and the exit code is 1.
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n + 2:]
        return out

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-", b":", b",", b"#", b"("):
            return (t, rest)
        if t == b"_":
            return (t, None)
        if t in (b"$", b"="):
            n = int(rest)
            return (t, None if n < 0 else self._exact(n))
        if t in (b"*", b"~", b">"):
            n = int(rest)
            return (t, None if n < 0 else [self.reply() for _ in range(n)])
        if t == b"%":
            return (t, [(self.reply(), self.reply()) for _ in range(int(rest))])
        raise ValueError("bad reply %r" % line)

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self.reply()


def start(cmd, port, stderr=subprocess.DEVNULL):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            c = Conn(port)
            if c.call("PING") == (b"+", b"PONG"):
                return proc, c
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not start: %s" % cmd)


# ---------------------------------------------------------------- generator
#
# Each command family has a module gen_<family>.py in this folder with
#   choices(r, c) -> list of zero-argument callables, each returning one command
#                    (argv as bytes); c is the Ctx below (value pools, pick()).
#   normalize(cmd, reply) -> reply   (optional) for replies whose order Redis
#                    leaves unspecified, e.g. SMEMBERS: sort them.
#   equivalent(cmd, aikv_reply, redis_reply) -> bool   (optional) for known,
#                    documented divergences where Redis's answer is not
#                    reproducible (docs/compatibility.md lists each).

class Ctx:
    KEYS = [b"k%d" % i for i in range(6)] + [b"", b"\x00bin\xff", b"{tag}a"]
    VALUES = [b"", b"0", b"1", b"-1", b"10", b"007", b"3.5", b"-0.25", b"1e3", b"inf", b"nan",
              b"9223372036854775807", b"-9223372036854775808", b"18446744073709551616",
              b"hello", b"hello world", b"\x00\x01\xff", b"x" * 44, b"y" * 45, b" 12", b"12 "]
    INTS = [b"0", b"1", b"-1", b"2", b"-3", b"100", b"9223372036854775807",
            b"-9223372036854775808", b"abc", b"1.5", b"", b"99999999999999999999"]
    FLOATS = [b"0", b"1.5", b"-2.25", b"1e2", b"inf", b"-inf", b"nan", b"abc", b"5.0e3", b"0.1"]

    def __init__(self, r):
        self.r = r

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def key(self):
        return self.pick(self.KEYS)


def load_families():
    import glob
    import importlib.util
    mods = []
    for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen_*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mods.append(mod)
    return mods


FAMILIES = load_families()


def gen(r):
    c = Ctx(r)
    choices = []
    for mod in FAMILIES:
        choices += mod.choices(r, c)
    return r.choice(choices)()


# ---------------------------------------------------------------- comparison

TTL_CMDS = {b"TTL": 2, b"PTTL": 2000, b"EXPIRETIME": 2, b"PEXPIRETIME": 2000}


def normalize(cmd, reply):
    for mod in FAMILIES:
        if hasattr(mod, "normalize"):
            reply = mod.normalize(cmd, reply)
    name = cmd[0].upper()
    if name == b"KEYS" and reply[0] == b"*":
        return (reply[0], sorted(reply[1]))
    if name in TTL_CMDS and reply[0] == b":":
        v = int(reply[1])
        return (b":", v if v < 0 else "ttl")
    return reply


def close(cmd, a, b, queued=None):
    """queued: the commands an EXEC runs (diff.run tracks them), whose replies are compared one
    by one with their own rules."""
    if queued is not None and cmd[0].upper() == b"EXEC" and len(cmd) == 1 and a[0] == b[0] == b"*" \
            and a[1] is not None and b[1] is not None and len(a[1]) == len(b[1]) == len(queued):
        return all(close(q, x, y) for q, x, y in zip(queued, a[1], b[1]))
    for mod in FAMILIES:
        if hasattr(mod, "equivalent") and mod.equivalent(cmd, a, b):
            return True
    name = cmd[0].upper()
    if name in TTL_CMDS and a[0] == b[0] == b":":
        x, y = int(a[1]), int(b[1])
        return (x < 0 or y < 0) and x == y or (x >= 0 and y >= 0 and abs(x - y) <= TTL_CMDS[name])
    return normalize(cmd, a) == normalize(cmd, b)


def run(stream, ca, cb):
    """Returns the index of the first differing reply, or -1."""
    for c in (ca, cb):
        c.call(b"DISCARD")  # a block a previous (shrinking) run left open
        c.call(b"UNWATCH")
        c.call(b"FLUSHALL")
        c.call(b"SELECT", b"0")
    queued = None  # the commands queued since MULTI, None outside a block
    for n, cmd in enumerate(stream):
        a, b = ca.call(*cmd), cb.call(*cmd)
        if not close(cmd, a, b, queued):
            return n, a, b
        name = cmd[0].upper()
        if queued is None:
            if name == b"MULTI" and a == (b"+", b"OK"):
                queued = []
        elif a == (b"+", b"QUEUED"):
            queued.append(cmd)
        elif name == b"EXEC" or (name == b"DISCARD" and a == (b"+", b"OK")):
            queued = None
    return -1, None, None


def shrink(stream, ca, cb):
    """Delta-debugging light: drop chunks while the mismatch persists."""
    n, _, _ = run(stream, ca, cb)
    stream = stream[:n + 1]
    chunk = max(1, len(stream) // 2)
    while chunk >= 1:
        i = 0
        while i < len(stream) - 1:
            cand = stream[:i] + stream[i + chunk:]
            if cand and run(cand, ca, cb)[0] == len(cand) - 1:
                stream = cand
            else:
                i += chunk
        chunk //= 2
    return stream


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=int(os.environ.get("AIKV_DIFF_SEED", "1")))
    ap.add_argument("--commands", type=int, default=5000)
    ap.add_argument("--build", default=os.environ.get("AIKV_BUILD", "build"))
    ap.add_argument("--engine", choices=["memory", "sqlite"], default="memory",
                    help="aikv-server's storage engine (sqlite: a store file in a temp dir)")
    args = ap.parse_args()
    build = args.build if os.path.isabs(args.build) else os.path.join(ROOT, args.build)

    tmp = tempfile.mkdtemp(prefix="aikv-diff-")
    engine_args = ["--storage", "sqlite", "--dir", tmp] if args.engine == "sqlite" else []
    pa, pb = free_port(), free_port()
    sa, ca = start([os.path.join(build, "aikv-server"), "--port", str(pa), "--bind", "127.0.0.1",
                    "--loglevel", "warning"] + engine_args, pa, stderr=None)
    try:
        sb, cb = start(["redis-server", "--port", str(pb), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--loglevel", "warning"], pb)
    except Exception:
        sa.kill()
        raise
    rc = 0
    try:
        r = random.Random(args.seed)
        stream = [gen(r) for _ in range(args.commands)]
        n, a, b = run(stream, ca, cb)
        if n >= 0:
            rc = 1
            print("diff: mismatch at command %d: %r\n  aikv:  %r\n  redis: %r" % (n, stream[n], a, b))
            small = shrink(stream, ca, cb)
            print("diff: shortest reproduction (%d commands):" % len(small))
            for cmd in small:
                print("   ", b" ".join(cmd))
            print("diff: 0 passed, 1 failed")
        else:
            print("diff: %d commands, seed %d, %s engine, replies identical"
                  % (len(stream), args.seed, args.engine))
            print("diff: 1 passed, 0 failed")
    finally:
        for c in (ca, cb):
            c.close()
        for p in (sa, sb):
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    # A clean SIGTERM exit is 0; sanitizer reports (leaks included) are not.
    if sa.returncode != 0:
        print("diff: aikv-server exited with status %s (see its stderr above)" % sa.returncode)
        rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())

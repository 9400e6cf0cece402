#!/usr/bin/env python3
"""Crash test of the SQLite engine: no acknowledged write is ever lost.

Each round starts aikv-server on the same store file, lets several client
threads write to every type (strings, lists, hashes, sets, sorted sets,
counters, TTLs) as fast as they can, and kills the server with SIGKILL at a
random moment. Every write carries a sequence number; a client records the
last one the server acknowledged. After each kill the server is restarted
and every acknowledged write of every round so far must be there (a write
that was in flight may or may not be), and the file must pass SQLite's
`PRAGMA integrity_check`.

With `--durability full` this checks "nothing acknowledged is lost"; with
`normal` (fsync at checkpoints only) a process kill must still lose
nothing, since the OS keeps what was written (a power cut could). `off`
is the same against a process kill.

    tests/bench/crash.py --rounds 20 --seconds 120 --durability full
    tests/integration/test_crash.py runs a short version in `make test`.

Seeded (--seed); bounded by --rounds and --seconds; talks to 127.0.0.1
only; every server it starts is stopped by pid.
"""
import argparse
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, datadir, durability, port):
        self.binary, self.datadir, self.durability, self.port = binary, datadir, durability, port
        self.proc = None

    def start(self, timeout=10.0):
        log = open(Path(self.datadir) / "server.log", "ab")
        self.proc = subprocess.Popen(
            [str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1",
             "--storage", "sqlite", "--dir", str(self.datadir), "--durability", self.durability],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %s (see %s/server.log)"
                                   % (self.proc.returncode, self.datadir))
            try:
                c = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
                c.ping()
                c.close()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("server did not answer PING")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class Writer(threading.Thread):
    """Writes round r's keys for worker w; `acked` is the last sequence
    number whose every write was acknowledged (-1: none)."""

    def __init__(self, port, rnd, w, stop, deadline):
        super().__init__(daemon=True)
        self.port, self.rnd, self.w, self.stop_ev, self.deadline = port, rnd, w, stop, deadline
        self.acked = -1
        self.error = None

    def run(self):
        p = "r%d:w%d:" % (self.rnd, self.w)
        try:
            c = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)
            seq = 0
            while not self.stop_ev.is_set() and time.time() < self.deadline and seq < 1000000:
                # One pipeline per sequence number: all its writes or, if the
                # connection dies, we cannot tell (not counted as acked).
                pipe = c.pipeline(transaction=False)
                pipe.set(p + "s:%d" % seq, "v%d" % seq)
                pipe.rpush(p + "list", seq)
                pipe.hset(p + "hash", "f%d" % seq, seq)
                pipe.sadd(p + "set", seq)
                pipe.zadd(p + "zset", {"m%d" % seq: seq})
                pipe.incr(p + "ctr")
                pipe.set(p + "ttl:%d" % seq, seq, ex=3600)
                pipe.execute()
                self.acked = seq
                seq += 1
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            pass  # the kill
        except Exception as e:  # a wrong reply is a failure
            self.error = repr(e)


def verify(port, rounds):
    """rounds: list of {worker: acked}. Returns a list of problems."""
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
    problems = []
    for rnd, acked in enumerate(rounds):
        for w, a in acked.items():
            p = "r%d:w%d:" % (rnd, w)
            n = a + 1  # acknowledged sequence numbers 0..a
            lst = [int(x) for x in c.lrange(p + "list", 0, -1)]
            if lst[:n] != list(range(n)) or len(lst) > n + 1:
                problems.append("%slist: %d elements, want 0..%d in order" % (p, len(lst), a))
            h = c.hgetall(p + "hash")
            missing = [i for i in range(n) if h.get(b"f%d" % i) != str(i).encode()]
            if missing or len(h) > n + 1:
                problems.append("%shash: %d fields missing" % (p, len(missing)))
            members = c.smembers(p + "set")
            if any(str(i).encode() not in members for i in range(n)) or len(members) > n + 1:
                problems.append("%sset: wrong members (%d, want %d)" % (p, len(members), n))
            z = c.zrange(p + "zset", 0, -1, withscores=True)
            if [m for m, _ in z[:n]] != [b"m%d" % i for i in range(n)] or len(z) > n + 1:
                problems.append("%szset: wrong members" % p)
            ctr = int(c.get(p + "ctr") or 0)
            if not n <= ctr <= n + 1:
                problems.append("%sctr = %d, want %d or %d" % (p, ctr, n, n + 1))
            if n:
                vals = c.mget([p + "s:%d" % i for i in range(n)])
                bad = [i for i, v in enumerate(vals) if v != b"v%d" % i]
                if bad:
                    problems.append("%ss:*: %d strings lost" % (p, len(bad)))
                ttl = c.ttl(p + "ttl:%d" % a)
                if not 0 < ttl <= 3600:
                    problems.append("%sttl:%d: TTL %d" % (p, a, ttl))
    c.close()
    return problems


def integrity(path):
    db = sqlite3.connect(str(path), timeout=30)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def run(binary, rounds, seconds, durability, workers, seed, log=print):
    rng = random.Random(seed)
    deadline = time.time() + seconds
    history = []
    total_acked = 0
    with tempfile.TemporaryDirectory(prefix="aikv-crash-") as d:
        srv = Server(binary, d, durability, free_port())
        try:
            for rnd in range(rounds):
                if time.time() >= deadline:
                    break
                srv.start()
                stop = threading.Event()
                ws = [Writer(srv.port, rnd, w, stop, deadline + 5) for w in range(workers)]
                for t in ws:
                    t.start()
                time.sleep(rng.uniform(0.1, 0.8))
                srv.kill()  # SIGKILL, mid-write
                stop.set()
                for t in ws:
                    t.join(10)
                errors = [t.error for t in ws if t.error]
                if errors:
                    return ["round %d: client error %s" % (rnd, errors[0])], total_acked
                history.append({t.w: t.acked for t in ws})
                total_acked += sum(t.acked + 1 for t in ws)
                check = integrity(Path(d) / "dump.aikv")
                if check != "ok":
                    return ["round %d: integrity_check: %s" % (rnd, check)], total_acked
                srv.start()
                problems = verify(srv.port, history)
                srv.stop()
                if problems:
                    return ["round %d: %s" % (rnd, p) for p in problems[:10]], total_acked
                log("round %d: killed after %d acknowledged writes; all present, file ok"
                    % (rnd, sum(t.acked + 1 for t in ws)))
        finally:
            srv.kill()
    return [], total_acked


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("AIKV_BUILD", "build"))
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--durability", default="full", choices=["full", "normal", "off"])
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    binary = Path(a.build)
    if not binary.is_absolute():
        binary = REPO / binary
    problems, acked = run(binary / "aikv-server", a.rounds, a.seconds, a.durability, a.workers,
                          a.seed)
    for p in problems:
        print("LOST:", p)
    print("%s: %d pipelines of 7 writes acknowledged, durability %s"
          % ("FAIL" if problems else "ok", acked, a.durability))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

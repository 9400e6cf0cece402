#!/usr/bin/python3
"""soak.py -- a long mixed load on aikv-server: does its memory stay flat?

Usage: AIKV_BUILD=build /usr/bin/python3 tests/bench/soak.py [--seconds 60]
       make soak SOAK_ARGS="--seconds 300 --workers 4"

Starts $AIKV_BUILD/aikv-server (or, with --server redis, a real
redis-server, for comparison) on a free 127.0.0.1 port, then runs --workers
client processes for --seconds. Each sends seeded random pipelines (1 to
--pipeline commands) over a bounded key space: strings (SET with and without
expiry, GET, INCR, APPEND, SETRANGE, MSET/MGET, GETDEL), lists (RPUSH/LPUSH
trimmed to 200 elements, pops, LRANGE), hashes (HSET, HINCRBY, HDEL,
HMGET), sets (SADD of integers and strings, so intsets convert, SREM, SPOP,
SISMEMBER), sorted sets (ZADD, ZINCRBY, ZREM, ZRANGE, trimmed to 200),
expiries (EXPIRE, PEXPIRE, PERSIST, TTL) and deletes (DEL, UNLINK). Every
type has its own key prefix, so no reply may be an error.

Every second the main process samples the server's RSS (/proc) and INFO
used_memory. At the end the series is cut in thirds: the first is warm-up,
and memory is "flat" when the median of the last third is within 5% (or
1 MiB) of the median of the middle third, for RSS and for used_memory.

Like bench.py it reports and does not judge: the exit status is 0 whatever
the verdict, 1 when something failed to run (the server did not start, died,
exited non-zero after SIGTERM -- e.g. a LeakSanitizer report in a
sanitized build --, a worker failed, or any error reply), 2 for bad usage.
The server is stopped by pid whatever happens.
"""

import argparse
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import HOST, REPO, BenchError, Conn, Server, free_port  # noqa: E402

MIB = 1024 * 1024
LIST_MAX = 200
ZSET_MAX = 200
MEMBERS = 300
FIELDS = 200
VALUE_SIZES = (1, 8, 40, 100, 300, 1000, 3000)


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------- workers

class Err(str):
    """An error reply."""


class Client:
    """Pipelined RESP over a raw socket; error replies are values (Err)."""

    def __init__(self, port):
        self.sock = socket.create_connection((HOST, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def _fill(self):
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0
        data = self.sock.recv(1 << 18)
        if not data:
            raise BenchError("connection closed by the server")
        self.buf += data

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"-":
            return Err(rest.decode("utf-8", "replace"))
        if t in (b"+", b":"):
            return rest
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            data = bytes(self.buf[self.pos:self.pos + n])
            self.pos += n + 2
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise BenchError("unexpected reply %r" % line[:80])

    def pipeline(self, cmds):
        self.sock.sendall(b"".join(Conn.encode(*c) for c in cmds))
        return [self.reply() for _ in cmds]


def random_command(rng, keys):
    """One command of the mix; keys per type = keys // 5."""
    n = max(keys // 5, 1)
    i = rng.randrange(n)
    value = b"v" * rng.choice(VALUE_SIZES)
    kind = rng.randrange(100)
    if kind < 30:  # strings
        k = b"s:%d" % i
        op = rng.randrange(10)
        if op == 0:
            return [("SET", k, value)]
        if op == 1:
            return [("SET", k, value, "EX", rng.randint(1, 5))]
        if op == 2:
            return [("GET", k)]
        if op == 3:
            return [("INCR", b"n:%d" % i)]
        if op == 4:
            return [("APPEND", k, b"a" * rng.randint(1, 50))]
        if op == 5:
            return [("SETRANGE", k, rng.randrange(2000), b"r" * rng.randint(1, 20))]
        if op == 6:
            ks = [b"s:%d" % rng.randrange(n) for _ in range(3)]
            return [("MSET", ks[0], value, ks[1], value, ks[2], value)]
        if op == 7:
            return [("MGET",) + tuple(b"s:%d" % rng.randrange(n) for _ in range(5))]
        if op == 8:
            return [("GETDEL", k)]
        return [("SET", k, value, "PX", rng.randint(100, 3000))]
    if kind < 45:  # lists
        k = b"l:%d" % i
        op = rng.randrange(6)
        if op <= 1:
            push = "RPUSH" if op == 0 else "LPUSH"
            items = [value[:rng.choice((1, 10, 100))] for _ in range(rng.randint(1, 5))]
            return [(push, k, *items), ("LTRIM", k, -LIST_MAX, -1)]
        if op == 2:
            return [("LPOP", k)]
        if op == 3:
            return [("RPOP", k, 2)]
        if op == 4:
            return [("LRANGE", k, 0, 9)]
        return [("LLEN", k)]
    if kind < 60:  # hashes
        k = b"h:%d" % i
        op = rng.randrange(6)
        f = b"f%d" % rng.randrange(FIELDS)
        if op <= 1:
            return [("HSET", k, f, value[:rng.choice((1, 20, 80, 300))])]
        if op == 2:
            return [("HINCRBY", k, b"c%d" % rng.randrange(10), rng.randint(-5, 5))]
        if op == 3:
            return [("HDEL", k, f, b"f%d" % rng.randrange(FIELDS))]
        if op == 4:
            return [("HGET", k, f)]
        return [("HMGET", k, f, b"c1", b"f0")]
    if kind < 75:  # sets
        k = b"S:%d" % i
        op = rng.randrange(6)
        j = rng.randrange(MEMBERS)
        m = b"%d" % j if rng.random() < 0.7 else b"m%d" % j
        if op <= 1:
            return [("SADD", k, m, b"%d" % rng.randrange(MEMBERS))]
        if op == 2:
            return [("SREM", k, m)]
        if op == 3:
            return [("SPOP", k)]
        if op == 4:
            return [("SISMEMBER", k, m)]
        return [("SCARD", k)]
    if kind < 88:  # sorted sets
        k = b"z:%d" % i
        op = rng.randrange(6)
        m = b"m%d" % rng.randrange(MEMBERS)
        if op <= 1:
            return [("ZADD", k, rng.randint(0, 1000), m), ("ZREMRANGEBYRANK", k, 0, -ZSET_MAX - 1)]
        if op == 2:
            return [("ZINCRBY", k, 1.5, m), ("ZREMRANGEBYRANK", k, 0, -ZSET_MAX - 1)]
        if op == 3:
            return [("ZREM", k, m)]
        if op == 4:
            return [("ZRANGE", k, 0, 9, "WITHSCORES")]
        return [("ZRANGEBYSCORE", k, 100, 200, "LIMIT", 0, 5)]
    # expiries and deletes, on a key of any type
    k = b"%s:%d" % (rng.choice((b"s", b"n", b"l", b"h", b"S", b"z")), i)
    op = rng.randrange(6)
    if op == 0:
        return [("EXPIRE", k, rng.randint(1, 5))]
    if op == 1:
        return [("PEXPIRE", k, rng.randint(50, 2000))]
    if op == 2:
        return [("PERSIST", k)]
    if op == 3:
        return [("TTL", k)]
    if op == 4:
        return [("DEL", k)]
    return [("UNLINK", k, b"s:%d" % rng.randrange(n))]


def worker(wid, port, seed, keys, pipeline, deadline, ops, errors, first_error):
    rng = random.Random(seed * 1000 + wid)
    try:
        c = Client(port)
        while time.time() < deadline:
            cmds = []
            for _ in range(rng.randint(1, pipeline)):
                cmds += random_command(rng, keys)
            replies = c.pipeline(cmds)
            bad = [(cmd, r) for cmd, r in zip(cmds, replies) if isinstance(r, Err)]
            with ops.get_lock():
                ops.value += len(cmds)
            if bad:
                with errors.get_lock():
                    errors.value += len(bad)
                    if not first_error.value:
                        cmd, r = bad[0]
                        first_error.value = ("%r -> %s" % (cmd, r)).encode()[:400]
    except Exception as e:  # reported by the main process
        with errors.get_lock():
            errors.value += 1
            if not first_error.value:
                first_error.value = ("worker %d: %s" % (wid, e)).encode()[:400]


# ---------------------------------------------------------------- report

def thirds(series):
    n = len(series)
    return series[:n // 3], series[n // 3:2 * n // 3], series[2 * n // 3:]


def mib(x):
    return "%8.2f" % (x / MIB)


def summarize(name, series):
    """Prints one row per third; returns (middle median, last median)."""
    parts = thirds(series)
    row = []
    for p in parts:
        row.append("%s %s %s" % (mib(min(p)), mib(statistics.median(p)), mib(max(p))))
    log("  %-12s %s" % (name, " | ".join(row)))
    return statistics.median(parts[1]), statistics.median(parts[2])


def flat(middle, last):
    return last - middle <= max(0.05 * middle, 1 * MIB)


# ---------------------------------------------------------------- main

def positive(s):
    v = int(s)
    if v <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return v


stop_requested = False


def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    ap = argparse.ArgumentParser(description="aikv-server soak test: memory under mixed load")
    ap.add_argument("--seconds", type=positive, default=60, help="duration (default 60)")
    ap.add_argument("--workers", type=positive, default=4, help="client processes (default 4)")
    ap.add_argument("--keys", type=positive, default=20000,
                    help="key space, shared by the five types (default 20000)")
    ap.add_argument("--pipeline", type=positive, default=32,
                    help="largest pipeline, in commands (default 32)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--server", choices=("aikv", "redis"), default="aikv",
                    help="which server to soak (default aikv)")
    ap.add_argument("--build", default=os.environ.get("AIKV_BUILD", "build"),
                    help="build directory holding aikv-server (default $AIKV_BUILD or build)")
    ap.add_argument("--start-timeout", type=positive, default=30,
                    help="seconds to wait for the server to answer PING (default 30)")
    args = ap.parse_args()
    if args.seconds < 6:
        ap.error("--seconds must be at least 6 (the series is cut in thirds)")

    if args.server == "aikv":
        build = args.build if os.path.isabs(args.build) else os.path.join(REPO, args.build)
        binary = os.path.join(build, "aikv-server")
        if not os.access(binary, os.X_OK):
            log("soak: %s not found (run make first)" % binary)
            return 1
    else:
        binary = shutil.which("redis-server")
        if binary is None:
            log("soak: redis-server is not installed")
            return 1

    tmp = tempfile.mkdtemp(prefix="aikv-soak.")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", HOST]
    if args.server == "redis":
        argv += ["--save", "", "--appendonly", "no", "--dir", tmp]
    srv = Server(args.server, argv, port, os.path.join(tmp, "server.log"))
    status = 0
    procs = []
    try:
        srv.start(args.start_timeout)
        log("soak: %s pid %d on %s:%d, %d workers, %d s, %d keys, pipelines of 1..%d, seed %d"
            % (args.server, srv.proc.pid, HOST, port, args.workers, args.seconds, args.keys,
               args.pipeline, args.seed))
        ops = mp.Value("q", 0)
        errors = mp.Value("q", 0)
        first_error = mp.Array("c", 512)
        deadline = time.time() + args.seconds
        for w in range(args.workers):
            p = mp.Process(target=worker, args=(w, port, args.seed, args.keys, args.pipeline,
                                                deadline, ops, errors, first_error))
            p.start()
            procs.append(p)

        rss, used, t0 = [], [], time.monotonic()
        with Conn(port) as probe:
            next_sample = t0 + 1
            last_ops = 0
            while time.time() < deadline and not stop_requested:
                time.sleep(max(0.0, next_sample - time.monotonic()))
                next_sample += 1
                if srv.proc.poll() is not None:
                    raise BenchError("the server died (status %s)\n%s"
                                     % (srv.proc.returncode, srv.log_tail()))
                r, u = srv.rss_bytes(), probe.used_memory()
                rss.append(r)
                used.append(u)
                t = len(rss)
                if t % 5 == 0 or t == 1:
                    now_ops = ops.value
                    log("  t=%3ds  ops=%10d (%6d/s)  rss=%s MiB  used_memory=%s MiB  keys=%s"
                        % (t, now_ops, (now_ops - last_ops) // (5 if t > 1 else 1), mib(r),
                           mib(u), probe.command("DBSIZE")))
                    last_ops = now_ops
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.terminate()
                p.join(5)
                raise BenchError("a worker did not finish")
            if p.exitcode != 0:
                raise BenchError("a worker exited with status %s" % p.exitcode)
        if stop_requested:
            raise BenchError("interrupted")

        elapsed = time.monotonic() - t0
        log("")
        log("soak: %d commands in %.0f s (%.0f/s), %d samples; error replies: %d"
            % (ops.value, elapsed, ops.value / elapsed, len(rss), errors.value))
        if errors.value:
            log("  first: %s" % first_error.value.decode("utf-8", "replace"))
            status = 1
        log("  MiB (min median max) first third (warm-up) | middle third | last third")
        verdicts = []
        for name, series in (("rss", rss), ("used_memory", used)):
            middle, last = summarize(name, series)
            growth = (last - middle) / middle * 100 if middle else 0.0
            ok = flat(middle, last)
            verdicts.append(ok)
            log("  %-12s last third vs middle third: %+.2f%% (%+.2f MiB) -> %s"
                % ("", growth, (last - middle) / MIB, "flat" if ok else "GROWING"))
        log("verdict: %s" % ("memory stays flat after warm-up" if all(verdicts)
                             else "memory still GROWS after warm-up"))
    except BenchError as e:
        log("soak: %s" % e)
        status = 1
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join(5)
        rc = srv.stop()
        if rc not in (None, 0):
            log("soak: the server exited with status %s after SIGTERM\n%s" % (rc, srv.log_tail()))
            status = 1
        shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

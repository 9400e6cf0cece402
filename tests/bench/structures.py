#!/usr/bin/python3
"""Collections benchmark: memory of large collections and the scaling of sorted-set operations,
aikv-server against redis-server in the same run. Reports; never asserts.

    structures.py [--members 1000000] [--sizes 1000,100000,1000000] [--ops 20000]

memory:  one hash, one set and one sorted set of --members members each; used_memory growth
         per server and the ratio aikv/redis.
scaling: sorted sets of each --sizes size; time per ZADD (new member), ZRANK and
         ZRANGEBYSCORE ... LIMIT 0 10, in pipelined batches, per server. Logarithmic
         operations keep the per-op time nearly flat as the size grows 1000x.
"""
import argparse
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import REPO as ROOT, BenchError, Conn, Server, free_port, log  # noqa: E402

BATCH = 1000


def send_batch(conn, payload, want):
    """Sends pre-built commands and waits for `want` one-line replies; fails on an error."""
    conn.sock.sendall(payload)
    while conn.buf.count(b"\r\n") < want:
        conn._fill()
    parts = conn.buf.split(b"\r\n")
    replies, conn.buf = parts[:want], b"\r\n".join(parts[want:])
    bad = [r for r in replies if r.startswith(b"-")]
    if bad:
        raise BenchError("error reply: %r" % bad[0][:200])


def fill(conn, kind, key, n):
    """Adds n members to one collection, BATCH members per command."""
    for start in range(0, n, BATCH):
        end = min(start + BATCH, n)
        if kind == "hash":
            args = [b"HSET", key] + [x for i in range(start, end) for x in (b"f:%d" % i, b"v:%d" % i)]
        elif kind == "set":
            args = [b"SADD", key] + [b"m:%d" % i for i in range(start, end)]
        else:
            args = [b"ZADD", key] + [x for i in range(start, end) for x in (b"%d" % i, b"m:%d" % i)]
        send_batch(conn, Conn.encode(*args), 1)


def memory(servers, members):
    results = {}
    for s in servers:
        with Conn(s.port, timeout=120) as c:
            for kind in ("hash", "set", "zset"):
                c.command("FLUSHALL")
                before = c.used_memory()
                t = time.monotonic()
                fill(c, kind, b"big", members)
                after = c.used_memory()
                results[(s.name, kind)] = after - before
                log("  %-5s %-4s %d members in %.1fs" % (s.name, kind, members, time.monotonic() - t))
            c.command("FLUSHALL")
    print("\nmemory: %d members in one collection (used_memory growth)" % members)
    print("%-6s %14s %14s %8s" % ("type", "aikv", "redis", "ratio"))
    for kind in ("hash", "set", "zset"):
        a, r = results[("aikv", kind)], results[("redis", kind)]
        print("%-6s %12.1f MB %12.1f MB %8.2f" % (kind, a / 1e6, r / 1e6, a / r if r else 0))
    return results


def timed(conn, make, ops):
    """Microseconds per operation for `ops` commands sent in pipelined batches."""
    t = time.monotonic()
    for start in range(0, ops, BATCH):
        n = min(BATCH, ops - start)
        payload = b"".join(Conn.encode(*make()) for _ in range(n))
        conn.sock.sendall(payload)
        # replies: integers, bulk strings or arrays; count them by parsing.
        for _ in range(n):
            conn.read_reply()
    return (time.monotonic() - t) * 1e6 / ops


def scaling(servers, sizes, ops, seed):
    rows = []
    for size in sizes:
        for s in servers:
            r = random.Random(seed)
            with Conn(s.port, timeout=300) as c:
                c.command("FLUSHALL")
                fill(c, "zset", b"z", size)
                add = timed(c, lambda: (b"ZADD", b"z", b"%d" % (size + r.randrange(size)),
                                        b"new:%d" % r.randrange(1 << 40)), ops)
                rank = timed(c, lambda: (b"ZRANK", b"z", b"m:%d" % r.randrange(size)), ops)

                def byscore():
                    lo = r.randrange(size)
                    return (b"ZRANGEBYSCORE", b"z", b"%d" % lo, b"+inf", b"LIMIT", b"0", b"10")
                rng = timed(c, byscore, ops)
                c.command("FLUSHALL")
            rows.append((size, s.name, add, rank, rng))
            log("  %-5s size %-8d ZADD %.2f us  ZRANK %.2f us  ZRANGEBYSCORE %.2f us"
                % (s.name, size, add, rank, rng))
    print("\nscaling: microseconds per operation (pipelined batches of %d)" % BATCH)
    print("%-9s %-6s %10s %10s %16s" % ("size", "server", "ZADD", "ZRANK", "ZRANGEBYSCORE"))
    for size, name, add, rank, rng in rows:
        print("%-9d %-6s %10.2f %10.2f %16.2f" % (size, name, add, rank, rng))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=1000000)
    ap.add_argument("--sizes", default="1000,100000,1000000")
    ap.add_argument("--ops", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--build", default=os.environ.get("AIKV_BUILD", "build"))
    args = ap.parse_args()
    build = args.build if os.path.isabs(args.build) else os.path.join(ROOT, args.build)
    tmp = tempfile.mkdtemp(prefix="aikv-coll-")
    pa, pr = free_port(), free_port()
    servers = [
        Server("aikv", [os.path.join(build, "aikv-server"), "--port", str(pa), "--bind", "127.0.0.1"],
               pa, os.path.join(tmp, "aikv.log")),
        Server("redis", ["redis-server", "--port", str(pr), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no"], pr, os.path.join(tmp, "redis.log")),
    ]
    rc = 0
    try:
        for s in servers:
            s.start(15)
        if args.members:
            memory(servers, args.members)
        sizes = [int(x) for x in args.sizes.split(",") if x]
        if sizes:
            scaling(servers, sizes, args.ops, args.seed)
    except BenchError as e:
        print("structures: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        for s in servers:
            s.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())

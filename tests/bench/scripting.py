#!/usr/bin/env python3
"""scripting.py -- scripts and transactions: aikv-server against redis-server.

  EVAL     redis-benchmark -n N EVAL "return redis.call('SET',KEYS[1],ARGV[1])" 1 key:__rand_int__ val
  EVALSHA  the same script by its SHA1 (SCRIPT LOAD first, on both servers)
  FCALL    the same body as a function (FUNCTION LOAD first): FCALL set1 1 key:__rand_int__ val
  MULTI    MULTI + 10 SETs + EXEC, N/10 transactions pipelined on one raw connection; the
           rate is transactions per second

Both servers start on free 127.0.0.1 ports (redis-server without persistence); rounds
alternate which server goes first; the medians and the ratio aikv/redis are printed. Reports,
never asserts; every server is stopped by pid.

    make bench-scripting                       (or: tests/bench/scripting.py --engine sqlite)
"""
import argparse
import csv
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BODY = "return redis.call('SET',KEYS[1],ARGV[1])"
LIBRARY = ("#!lua name=benchlib\n"
           "redis.register_function('set1', function(keys, args) "
           "return redis.call('SET', keys[1], args[1]) end)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, port):
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p
        except OSError:
            if p.poll() is not None:
                raise SystemExit("%s exited with %s" % (argv[0], p.returncode))
            time.sleep(0.05)
    p.kill()
    raise SystemExit("%s did not start" % argv[0])


def benchmark(port, n, *command):
    out = subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-n", str(n),
                          "-r", "100000", "-c", "50", "-q", "--csv"] + list(command),
                         capture_output=True, text=True, timeout=600).stdout
    rows = list(csv.reader(io.StringIO(out.strip())))
    return float(rows[-1][1])


def resp(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def multi_exec(port, n):
    """n transactions of 10 SETs, pipelined; transactions per second."""
    blob = b"".join(resp(b"MULTI") + b"".join(resp(b"SET", b"k:%d" % (i * 10 + j), b"v")
                                              for j in range(10)) + resp(b"EXEC")
                    for i in range(n))
    s = socket.create_connection(("127.0.0.1", port))
    s.setblocking(False)
    start_t = time.monotonic()
    sent = got = 0
    tail = b""
    while got < n:
        if sent < len(blob):
            try:
                sent += s.send(blob[sent:sent + 65536])
            except BlockingIOError:
                pass
        try:
            data = tail + s.recv(1 << 20)
            got += data.count(b"*10\r\n")  # one per EXEC reply
            tail = data[-4:]
        except BlockingIOError:
            time.sleep(0)
        if time.monotonic() - start_t > 300:
            raise SystemExit("MULTI/EXEC run timed out")
    s.close()
    return n / (time.monotonic() - start_t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("AIKV_BUILD", "build"))
    ap.add_argument("--engine", choices=["memory", "sqlite"], default="memory")
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    build = a.build if os.path.isabs(a.build) else os.path.join(REPO, a.build)
    tmp = tempfile.mkdtemp(prefix="aikv-bench-scripting-")
    pa, pr = free_port(), free_port()
    extra = ["--storage", "sqlite", "--dir", tmp] if a.engine == "sqlite" else []
    servers = {"aikv": (start([os.path.join(build, "aikv-server"), "--port", str(pa), "--bind",
                               "127.0.0.1"] + extra, pa), pa)}
    try:
        servers["redis"] = (start(["redis-server", "--port", str(pr), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--dir", tmp], pr), pr)
        sha = {}
        for name, (_, port) in servers.items():
            sha[name] = subprocess.run(["redis-cli", "-p", str(port), "SCRIPT", "LOAD", BODY],
                                       capture_output=True, text=True, timeout=30).stdout.strip()
            subprocess.run(["redis-cli", "-p", str(port), "FUNCTION", "LOAD", "REPLACE", LIBRARY],
                           capture_output=True, text=True, timeout=30, check=True)
        results = {}
        for rnd in range(a.rounds):
            order = ["aikv", "redis"] if rnd % 2 == 0 else ["redis", "aikv"]
            for name in order:
                port = servers[name][1]
                results.setdefault(("EVAL", name), []).append(
                    benchmark(port, a.requests, "EVAL", BODY, "1", "key:__rand_int__", "val"))
                results.setdefault(("EVALSHA", name), []).append(
                    benchmark(port, a.requests, "EVALSHA", sha[name], "1", "key:__rand_int__", "val"))
                results.setdefault(("FCALL", name), []).append(
                    benchmark(port, a.requests, "FCALL", "set1", "1", "key:__rand_int__", "val"))
                results.setdefault(("MULTI+10 SET+EXEC", name), []).append(
                    multi_exec(port, a.requests // 10))
        print("median of %d rounds, aikv engine %s, -c 50 -n %d" % (a.rounds, a.engine, a.requests))
        print("%-20s %12s %12s %8s" % ("test", "aikv /s", "redis /s", "ratio"))
        for test in ("EVAL", "EVALSHA", "FCALL", "MULTI+10 SET+EXEC"):
            x, y = statistics.median(results[(test, "aikv")]), statistics.median(results[(test, "redis")])
            print("%-20s %12.0f %12.0f %8.2f" % (test, x, y, x / y))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(["rm", "-rf", tmp])
    return 0


if __name__ == "__main__":
    sys.exit(main())

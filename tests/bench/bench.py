#!/usr/bin/python3
"""bench.py -- aikv-server against redis-server: throughput and memory.

Usage: AIKV_BUILD=build /usr/bin/python3 tests/bench/bench.py [options]
       make bench BENCH_ARGS="--rounds 3 --memory-keys 0"

Starts $AIKV_BUILD/aikv-server and a real redis-server (no persistence) on
free 127.0.0.1 ports, then:

  throughput  redis-benchmark --csv against both servers, alternating which one
              goes first from round to round (so that neither always gets the
              cooler CPU), the median requests/s of each (test, pipeline,
              server), and the ratio aikv/redis.
  memory      FLUSHALL, INFO memory used_memory, load N keys
              "SET key:i value:i" over a raw pipelined socket, used_memory
              again: the growth per server and the ratio aikv/redis. The
              process RSS is reported beside it, as a figure that does not
              depend on the server's own accounting.

Benchmarks report, they do not judge: the exit status is 0 whatever the
ratios, 1 when something failed to run (a server that does not start, an
error reply, redis-benchmark failing), 2 for bad usage. Both servers are
stopped by pid whatever happens.
"""

import argparse
import csv
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = "127.0.0.1"
SERVERS = ("aikv", "redis")

# redis-benchmark --csv names its tests by the command, e.g. "MSET (10 keys)".
KNOWN_TESTS = {
    "ping_inline": "PING_INLINE", "ping_mbulk": "PING_MBULK", "set": "SET", "get": "GET",
    "incr": "INCR", "lpush": "LPUSH", "rpush": "RPUSH", "lpop": "LPOP", "rpop": "RPOP",
    "sadd": "SADD", "hset": "HSET", "spop": "SPOP", "zadd": "ZADD", "zpopmin": "ZPOPMIN",
    "lrange_100": "LRANGE_100", "lrange_300": "LRANGE_300", "lrange_500": "LRANGE_500",
    "lrange_600": "LRANGE_600", "mset": "MSET",
}


class BenchError(Exception):
    """Something failed to run: the benchmark cannot report."""


def log(*a):
    print(*a, flush=True)


def free_port():
    """A port the kernel says is free on 127.0.0.1 (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- servers

class Server:
    def __init__(self, name, argv, port, logpath):
        self.name, self.argv, self.port, self.logpath = name, argv, port, logpath
        self.proc = None
        self._log = None

    def start(self, timeout):
        self._log = open(self.logpath, "wb")
        # A session of its own: a ^C at the terminal reaches bench.py only,
        # which then stops the servers itself.
        self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=os.path.dirname(self.logpath),
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError("%s exited with status %s before answering PING\n%s"
                                 % (self.name, self.proc.returncode, self.log_tail()))
            try:
                with Conn(self.port, timeout=2) as c:
                    if c.command("PING") == "PONG":
                        return
            except (OSError, BenchError) as e:
                last = e
            time.sleep(0.1)
        raise BenchError("%s did not answer PING within %ss (%s)\n%s"
                         % (self.name, timeout, last, self.log_tail()))

    def rss_bytes(self):
        """Resident set size of the server process, from /proc."""
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def stop(self, timeout=10):
        """SIGTERM by pid, SIGKILL if it lingers. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log("warning: %s ignored SIGTERM for %ss: killing it" % (self.name, timeout))
                self.proc.kill()
                self.proc.wait(5)
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    def log_tail(self, n=30):
        try:
            with open(self.logpath, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join("  | " + l for l in lines[-n:])
        except OSError:
            return ""


class Conn:
    """A minimal RESP client on a raw socket: enough for PING, INFO, FLUSHALL,
    DBSIZE, and fast bulk loading (redis-py is not needed for any of it)."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise BenchError("connection closed by the server")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise BenchError("error reply: " + rest.decode("utf-8", "replace"))
        if t == b":":
            return int(rest)
        if t in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            if t == b"=":
                data = data[4:]  # RESP3 verbatim: "txt:"
            return data.decode("utf-8", "replace")
        if t in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        if t == b"%":
            return {self.read_reply(): self.read_reply() for _ in range(int(rest))}
        if t == b"_":
            return None
        if t == b",":
            return float(rest)
        if t == b"#":
            return rest == b"t"
        raise BenchError("unexpected reply %r" % line[:80])

    def command(self, *args):
        self.sock.sendall(self.encode(*args))
        try:
            return self.read_reply()
        except BenchError as e:
            raise BenchError("%s: %s" % (" ".join(map(str, args))[:60], e))

    def info(self, section):
        text = self.command("INFO", section)
        fields = {}
        for line in (text or "").splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                fields[k.strip()] = v.strip()
        return fields

    def used_memory(self):
        fields = self.info("memory")
        if "used_memory" not in fields:
            raise BenchError("INFO memory has no used_memory field")
        return int(fields["used_memory"])

    def load(self, nkeys, batch):
        """SET key:i value:i for i in [0, nkeys): each batch is one sendall of
        pre-built RESP, then exactly `batch` replies must come back, all +OK.
        Each reply line ends in CRLF (+OK and -ERR alike), so counting CRLFs
        counts replies without parsing."""
        for start in range(0, nkeys, batch):
            end = min(start + batch, nkeys)
            payload = b"".join(
                b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nvalue:%d\r\n"
                % (len(b"key:%d" % i), i, len(b"value:%d" % i), i)
                for i in range(start, end))
            self.sock.sendall(payload)
            want = end - start
            while self.buf.count(b"\r\n") < want:
                self._fill()
            got = self.buf.split(b"\r\n")
            replies, rest = got[:want], got[want:]
            self.buf = b"\r\n".join(rest)
            bad = [r for r in replies if r != b"+OK"]
            if bad:
                raise BenchError("SET key:N in batch %d..%d: %d replies not +OK, first: %r"
                                 % (start, end - 1, len(bad), bad[0][:200]))


# ---------------------------------------------------------------- throughput

def run_benchmark(args, port, pipeline):
    """One redis-benchmark run; returns {TEST: rps}."""
    argv = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", str(args.clients),
            "-n", str(args.requests), "-P", str(pipeline), "-t", ",".join(args.tests), "--csv"]
    if args.keyspace > 0:
        argv += ["-r", str(args.keyspace)]
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=args.bench_timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("redis-benchmark on port %d timed out after %ss: %s"
                         % (port, args.bench_timeout, " ".join(argv)))
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    # redis-benchmark stops at the first error reply ("Error from server: ...")
    # and exits 1; a reply it cannot parse, or a lost connection, also ends it.
    if p.returncode != 0 or "Error" in err or "ERR" in err:
        raise BenchError("redis-benchmark on port %d failed (exit %d): %s\n%s%s"
                         % (port, p.returncode, " ".join(argv), out[-1000:], err[-1000:]))
    rps = {}
    for row in csv.reader(io.StringIO(out)):
        if len(row) < 2 or row[0] == "test":
            continue
        name = row[0].split(" ")[0].upper()  # "MSET (10 keys)" -> "MSET"
        try:
            rps[name] = float(row[1])
        except ValueError:
            raise BenchError("redis-benchmark: unexpected CSV row %r" % (row,))
    missing = [t for t in args.tests if KNOWN_TESTS.get(t, t.upper()) not in rps]
    if missing:
        raise BenchError("redis-benchmark on port %d reported no result for %s\n%s%s"
                         % (port, ", ".join(missing), out[-1000:], err[-1000:]))
    return rps


def throughput(args, servers):
    """samples[(TEST, pipeline)][server] = [rps per round]."""
    samples = {}
    for rnd in range(args.rounds):
        for pipeline in args.pipeline:
            # Alternate who goes first: aikv on even rounds, redis on odd ones.
            order = SERVERS if rnd % 2 == 0 else tuple(reversed(SERVERS))
            for name in order:
                t0 = time.monotonic()
                rps = run_benchmark(args, servers[name].port, pipeline)
                for test in args.tests:
                    key = KNOWN_TESTS.get(test, test.upper())
                    samples.setdefault((key, pipeline), {s: [] for s in SERVERS})[name].append(
                        rps[key])
                log("  round %d/%d  -P %-3d %-5s %s  (%.1fs)" % (
                    rnd + 1, args.rounds, pipeline, name,
                    "  ".join("%s %.0f" % (k, v) for k, v in sorted(rps.items())),
                    time.monotonic() - t0))
    return samples


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt_ratio(r):
    return "-" if r is None else "%.2f" % r


def print_throughput(args, samples):
    rows = []
    for test in args.tests:
        key = KNOWN_TESTS.get(test, test.upper())
        for pipeline in args.pipeline:
            s = samples[(key, pipeline)]
            a, r = statistics.median(s["aikv"]), statistics.median(s["redis"])
            rows.append({"test": key, "pipeline": pipeline, "aikv_rps": a, "redis_rps": r,
                         "ratio": ratio(a, r), "aikv_samples": s["aikv"],
                         "redis_samples": s["redis"]})
    log("")
    log("throughput: median requests/s of %d rounds (-c %d -n %d%s)" % (
        args.rounds, args.clients, args.requests,
        " -r %d" % args.keyspace if args.keyspace > 0 else ""))
    log("%-8s %8s %14s %14s %12s" % ("test", "pipeline", "aikv rps", "redis rps", "aikv/redis"))
    for row in rows:
        log("%-8s %8d %14.0f %14.0f %12s" % (row["test"], row["pipeline"], row["aikv_rps"],
                                             row["redis_rps"], fmt_ratio(row["ratio"])))
    return rows


# ---------------------------------------------------------------- memory

def memory(args, servers):
    results = {}
    for name in SERVERS:
        srv = servers[name]
        with Conn(srv.port, timeout=60) as c:
            reply = c.command("FLUSHALL")
            if reply != "OK":
                raise BenchError("%s: FLUSHALL answered %r" % (name, reply))
            time.sleep(0.2)  # let lazy frees and allocator caches settle
            before, rss_before = c.used_memory(), srv.rss_bytes()
            t0 = time.monotonic()
            c.load(args.memory_keys, args.batch)
            secs = time.monotonic() - t0
            n = c.command("DBSIZE")
            if n != args.memory_keys:
                raise BenchError("%s: DBSIZE is %r after loading %d keys"
                                 % (name, n, args.memory_keys))
            check = c.command("GET", "key:%d" % (args.memory_keys - 1))
            if check != "value:%d" % (args.memory_keys - 1):
                raise BenchError("%s: GET key:%d answered %r"
                                 % (name, args.memory_keys - 1, check))
            after, rss_after = c.used_memory(), srv.rss_bytes()
        results[name] = {
            "used_memory_before": before, "used_memory_after": after,
            "used_memory_delta": after - before,
            "bytes_per_key": (after - before) / args.memory_keys,
            "rss_before": rss_before, "rss_after": rss_after,
            "rss_delta": (rss_after - rss_before) if rss_before and rss_after else None,
            "load_seconds": secs,
        }
        log("  %-5s loaded %d keys in %.1fs (%.0f SET/s)" % (
            name, args.memory_keys, secs, args.memory_keys / secs if secs > 0 else 0))
    a, r = results["aikv"], results["redis"]
    results["ratio_delta"] = ratio(a["used_memory_delta"], r["used_memory_delta"])
    results["ratio_total"] = ratio(a["used_memory_after"], r["used_memory_after"])
    results["ratio_rss_delta"] = ratio(a["rss_delta"], r["rss_delta"])

    mib = 1024.0 * 1024.0
    log("")
    log("memory: %d keys SET key:N value:N" % args.memory_keys)
    log("%-5s %16s %16s %12s %16s" % ("", "used_memory", "delta", "bytes/key", "RSS delta"))
    for name in SERVERS:
        m = results[name]
        log("%-5s %12.1f MiB %12.1f MiB %12.1f %16s" % (
            name, m["used_memory_after"] / mib, m["used_memory_delta"] / mib,
            m["bytes_per_key"],
            "-" if m["rss_delta"] is None else "%.1f MiB" % (m["rss_delta"] / mib)))
    log("aikv/redis: delta %s, total %s, RSS delta %s" % (
        fmt_ratio(results["ratio_delta"]), fmt_ratio(results["ratio_total"]),
        fmt_ratio(results["ratio_rss_delta"])))
    return results


# ---------------------------------------------------------------- main

def csv_list(conv):
    def parse(text):
        try:
            items = [conv(x.strip()) for x in text.split(",") if x.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError("bad list %r" % text)
        if not items:
            raise argparse.ArgumentTypeError("empty list")
        return items
    return parse


def positive(text):
    v = int(text)
    if v <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return v


def nonnegative(text):
    v = int(text)
    if v < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return v


def on_sigterm(signum, frame):
    raise KeyboardInterrupt  # so that the finally block stops the servers


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    ap = argparse.ArgumentParser(description="aikv-server vs redis-server benchmark")
    ap.add_argument("--rounds", type=positive, default=5, help="rounds per server (default 5)")
    ap.add_argument("--requests", type=positive, default=100000,
                    help="redis-benchmark -n (default 100000)")
    ap.add_argument("--clients", type=positive, default=50, help="redis-benchmark -c (default 50)")
    ap.add_argument("--tests", type=csv_list(str.lower), default=["get", "set", "incr", "mset"],
                    help="redis-benchmark -t list (default get,set,incr,mset)")
    ap.add_argument("--pipeline", type=csv_list(positive), default=[1, 16],
                    help="pipeline depths, one run each (default 1,16)")
    ap.add_argument("--keyspace", type=nonnegative, default=100000,
                    help="redis-benchmark -r: random keys (default 100000; 0 = one key)")
    ap.add_argument("--memory-keys", type=nonnegative, default=1000000,
                    help="keys for the memory check (default 1000000; 0 skips it)")
    ap.add_argument("--batch", type=positive, default=10000,
                    help="SETs per pipelined batch in the memory check (default 10000)")
    ap.add_argument("--json", metavar="FILE", help="also write the results to FILE")
    ap.add_argument("--build", default=os.environ.get("AIKV_BUILD", "build"),
                    help="build directory holding aikv-server (default $AIKV_BUILD or build)")
    ap.add_argument("--start-timeout", type=positive, default=30,
                    help="seconds to wait for a server to answer PING (default 30)")
    ap.add_argument("--bench-timeout", type=positive, default=600,
                    help="seconds allowed for one redis-benchmark run (default 600)")
    args = ap.parse_args()
    args.tests = list(dict.fromkeys(args.tests))
    args.pipeline = list(dict.fromkeys(args.pipeline))

    build = args.build if os.path.isabs(args.build) else os.path.join(REPO, args.build)
    aikv_bin = os.path.join(build, "aikv-server")
    for tool in ("redis-server", "redis-benchmark"):
        if shutil.which(tool) is None:
            log("bench: %s is not installed" % tool)
            return 1
    if not os.access(aikv_bin, os.X_OK):
        log("bench: %s not found (run make first)" % aikv_bin)
        return 1

    tmp = tempfile.mkdtemp(prefix="aikv-bench.")
    servers = {}
    results = {"config": {k: getattr(args, k) for k in (
        "rounds", "requests", "clients", "tests", "pipeline", "keyspace", "memory_keys",
        "batch", "build")}}
    status = 0
    try:
        p_aikv = free_port()
        p_redis = free_port()
        while p_redis == p_aikv:
            p_redis = free_port()
        servers["aikv"] = Server("aikv", [aikv_bin, "--port", str(p_aikv), "--bind", HOST],
                                 p_aikv, os.path.join(tmp, "aikv.log"))
        servers["redis"] = Server("redis", [
            shutil.which("redis-server"), "--port", str(p_redis), "--bind", HOST,
            "--save", "", "--appendonly", "no", "--dir", tmp], p_redis,
            os.path.join(tmp, "redis.log"))
        for name in SERVERS:
            servers[name].start(args.start_timeout)
            with Conn(servers[name].port) as c:
                ver = c.info("server").get("redis_version", "?")
            log("started %-5s pid %d on %s:%d (redis_version %s)" % (
                name, servers[name].proc.pid, HOST, servers[name].port, ver))
            results.setdefault("servers", {})[name] = {"redis_version": ver,
                                                      "port": servers[name].port}

        log("")
        log("throughput: %d rounds x pipelines %s x tests %s, servers alternating" % (
            args.rounds, ",".join(map(str, args.pipeline)), ",".join(args.tests)))
        results["throughput"] = print_throughput(args, throughput(args, servers))

        if args.memory_keys > 0:
            log("")
            log("memory: loading %d keys into each server" % args.memory_keys)
            results["memory"] = memory(args, servers)
        for name in SERVERS:
            if servers[name].proc.poll() is not None:
                raise BenchError("%s exited during the benchmark (status %s)\n%s" % (
                    name, servers[name].proc.returncode, servers[name].log_tail()))
    except BenchError as e:
        log("bench: FAILED: %s" % e)
        results["error"] = str(e)
        status = 1
    except KeyboardInterrupt:
        log("bench: interrupted")
        results["error"] = "interrupted"
        status = 130
    finally:
        for name in SERVERS:
            if name in servers:
                rc = servers[name].stop()
                if rc not in (0, None):
                    log("warning: %s exited with status %s\n%s"
                        % (name, rc, servers[name].log_tail(10)))
                results.setdefault("exit_status", {})[name] = rc
        shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        try:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2, sort_keys=True)
                f.write("\n")
            log("results written to %s" % args.json)
        except OSError as e:
            log("bench: cannot write %s: %s" % (args.json, e))
            status = status or 1
    return status


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""bench.py -- aikv-server against redis-server: throughput and memory.

Usage: AIKV_BUILD=build /usr/bin/python3 tests/bench/bench.py [options]
       make bench BENCH_ARGS="--rounds 3 --memory-keys 0"
       make bench BENCH_ARGS="--engines memory,sqlite-normal,sqlite-full --tests get,set,incr,lpush,hset,zadd"

Starts one $AIKV_BUILD/aikv-server per storage engine of --engines (default
memory; also sqlite-normal, sqlite-full, sqlite-off: `--storage sqlite --dir
<a temp dir of its own> --durability X`) and a real redis-server (no
persistence), each on a free 127.0.0.1 port. The servers are named "aikv"
(memory engine), "aikv-sqlite-normal", ... and "redis". Then:

  throughput  redis-benchmark --csv, one run per (test, pipeline, server),
              rotating the order of the servers from round to round (so that
              none always gets the cooler CPU), the median requests/s of each
              (test, pipeline, server), and the ratio of each aikv server to
              redis. For a SQLite server, INFO storage is read before and after
              each run: its fsyncs/s and commits/s over the run (medians).
  memory      FLUSHALL, INFO memory used_memory, load N keys
              "SET key:i value:i" over a raw pipelined socket, used_memory
              again: the growth per server and the ratio of each aikv server
              to redis. The process RSS is reported beside it, as a figure
              that does not depend on the server's own accounting. A SQLite
              server is first restarted on an emptied directory (a SQLite file
              keeps the pages the throughput runs freed), and its store file
              (file and WAL) is compared with the raw data, sum(len(key) +
              len(value)): bytes per key and size per million keys.

Benchmarks report, they do not judge: the exit status is 0 whatever the
ratios, 1 when something failed to run (a server that does not start, an
error reply, redis-benchmark failing), 2 for bad usage. Every server is
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
REDIS = "redis"
STORE_FILE = "dump.aikv"  # the SQLite engine's file in its --dir (default dbfilename)

# --engines: engine -> (server name, --durability of the SQLite engine or None
# for the memory engine). The memory engine's server keeps the name "aikv" of
# the days when it was the only one, so that output and JSON stay comparable.
ENGINES = {
    "memory": ("aikv", None),
    "sqlite-normal": ("aikv-sqlite-normal", "normal"),
    "sqlite-full": ("aikv-sqlite-full", "full"),
    "sqlite-off": ("aikv-sqlite-off", "off"),
}

# redis-benchmark --csv names its tests by the command, e.g. "MSET (10 keys)".
# Listed in redis-benchmark's own order, which the runs follow (see throughput).
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


def free_ports(n):
    """n distinct free ports (the kernel may hand the same one out twice)."""
    ports = []
    while len(ports) < n:
        p = free_port()
        if p not in ports:
            ports.append(p)
    return ports


def file_size(path):
    """The size of a file, None when it is not there."""
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def print_table(header, rows):
    """Columns as wide as their widest cell, two spaces apart: the first
    left-aligned, the others (numbers) right-aligned."""
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    for r in [header] + rows:
        log("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                      for i, (c, w) in enumerate(zip(r, widths))).rstrip())


# ---------------------------------------------------------------- servers

class Server:
    def __init__(self, name, argv, port, logpath, datadir=None):
        self.name, self.argv, self.port, self.logpath = name, argv, port, logpath
        self.datadir = datadir  # the SQLite engine's --dir; None for the others
        self.proc = None
        self._log = None

    @property
    def sqlite(self):
        return self.datadir is not None

    def start(self, timeout):
        # Appending: a restarted server's log keeps what its first run said.
        self._log = open(self.logpath, "ab")
        # A session of its own: a ^C at the terminal reaches bench.py only,
        # which then stops the servers itself.
        try:
            self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         cwd=os.path.dirname(self.logpath),
                                         start_new_session=True)
        except OSError as e:  # e.g. the binary being rebuilt at that moment
            raise BenchError("%s cannot be started: %s" % (self.name, e))
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

    def restart_empty(self, timeout):
        """Stop, empty the data directory, start again on the same port: the
        store file then holds only what comes next (a SQLite file keeps the
        pages that earlier writes freed, it does not shrink)."""
        rc = self.stop()
        if rc != 0:
            log("warning: %s exited with status %s\n%s" % (self.name, rc, self.log_tail(10)))
        try:
            shutil.rmtree(self.datadir)
            os.mkdir(self.datadir)
        except OSError as e:
            raise BenchError("%s: cannot empty %s: %s" % (self.name, self.datadir, e))
        self.start(timeout)

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

    def storage_counters(self):
        """(storage_commits, storage_fsyncs) from INFO storage, or None when
        the server does not report them (the memory engine has only
        storage_engine)."""
        fields = self.info("storage")
        try:
            return int(fields["storage_commits"]), int(fields["storage_fsyncs"])
        except (KeyError, ValueError):
            return None

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

def test_key(test):
    """The name redis-benchmark --csv gives to the -t test `test`."""
    return KNOWN_TESTS.get(test, test.upper())


def test_rank(test):
    """Position in redis-benchmark's own order (unknown tests last)."""
    order = list(KNOWN_TESTS)
    return order.index(test) if test in order else len(order)


def rotated(names, rnd):
    """The servers in the order of round rnd: rotated by one each round, so
    that over the rounds each goes first (and last) as often as the others."""
    k = rnd % len(names)
    return names[k:] + names[:k]


def run_benchmark(args, port, pipeline, test):
    """One redis-benchmark run of one test. Returns ({TEST: rps}, seconds):
    seconds is the time of its timed tests, requests / rps summed over the CSV
    rows, so that a helper test ("LPUSH (needed to benchmark LRANGE)") counts
    too and the process start and the connects do not."""
    argv = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", str(args.clients),
            "-n", str(args.requests), "-P", str(pipeline), "-t", test, "--csv"]
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
    seconds = 0.0
    for row in csv.reader(io.StringIO(out)):
        if len(row) < 2 or row[0] == "test":
            continue
        name = row[0].split(" ")[0].upper()  # "MSET (10 keys)" -> "MSET"
        try:
            rps[name] = float(row[1])
        except ValueError:
            raise BenchError("redis-benchmark: unexpected CSV row %r" % (row,))
        if rps[name] > 0:
            seconds += args.requests / rps[name]
    if test_key(test) not in rps:
        raise BenchError("redis-benchmark on port %d reported no result for %s\n%s%s"
                         % (port, test, out[-1000:], err[-1000:]))
    return rps, seconds


def throughput(args, servers):
    """Returns (samples, storage):
    samples[(TEST, pipeline)][server] = [rps per round];
    storage[(TEST, pipeline)][server] = {"fsyncs": [/s per round], "commits": [...]}
    for the SQLite servers, a round missing where INFO storage had no counters.

    Each round runs, for each pipeline and test, every server in turn, in the
    order of rotated(). The tests run one at a time (so that INFO storage can
    tell what each one cost) in redis-benchmark's own order, the one a single
    `-t a,b,c` run has: SET before GET, so that GET finds keys."""
    names = list(servers)
    width = max(map(len, names))
    tests = sorted(args.tests, key=test_rank)
    samples, storage = {}, {}
    for rnd in range(args.rounds):
        order = rotated(names, rnd)
        for pipeline in args.pipeline:
            for test in tests:
                key = test_key(test)
                for name in order:
                    srv = servers[name]
                    t0 = time.monotonic()
                    before = after = None
                    if srv.sqlite:
                        with Conn(srv.port) as c:
                            before = c.storage_counters()
                    rps, secs = run_benchmark(args, srv.port, pipeline, test)
                    if srv.sqlite:
                        with Conn(srv.port) as c:
                            after = c.storage_counters()
                    samples.setdefault((key, pipeline), {s: [] for s in names})[name].append(
                        rps[key])
                    note = ""
                    if srv.sqlite:
                        st = storage.setdefault((key, pipeline), {}).setdefault(
                            name, {"fsyncs": [], "commits": []})
                        if before is not None and after is not None and secs > 0:
                            st["commits"].append((after[0] - before[0]) / secs)
                            st["fsyncs"].append((after[1] - before[1]) / secs)
                            note = "  fsyncs/s %.0f commits/s %.0f" % (st["fsyncs"][-1],
                                                                      st["commits"][-1])
                        else:
                            note = "  (no storage counters in INFO storage)"
                    log("  round %d/%d  -P %-3d %-11s %-*s %10.0f rps%s  (%.1fs)" % (
                        rnd + 1, args.rounds, pipeline, key, width, name, rps[key], note,
                        time.monotonic() - t0))
    return samples, storage


def ratio(a, b):
    return a / b if a is not None and b else None


def median(values):
    return statistics.median(values) if values else None


def fmt_ratio(r):
    return "-" if r is None else "%.2f" % r


def fmt_num(v):
    return "-" if v is None else "%.0f" % v


def fmt_size(v, unit=1.0, suffix=""):
    return "-" if v is None else "%.1f%s" % (v / unit, suffix)


def print_throughput(args, samples, storage, servers):
    """The tables, and the rows for the JSON: per (test, pipeline), for every
    server <name>_rps (median) and <name>_samples, for every aikv server
    <name>_ratio (to redis; "ratio" is the memory engine's, as it always was),
    for every SQLite server <name>_fsyncs_per_sec and <name>_commits_per_sec
    (medians) with their _samples."""
    names = list(servers)
    aikvs = [n for n in names if n != REDIS]
    sqlites = [n for n in names if servers[n].sqlite]
    rows = []
    for test in args.tests:
        key = test_key(test)
        for pipeline in args.pipeline:
            s = samples[(key, pipeline)]
            row = {"test": key, "pipeline": pipeline}
            for name in names:
                row[name + "_rps"] = median(s[name])
                row[name + "_samples"] = s[name]
            for name in aikvs:
                row[name + "_ratio"] = ratio(row[name + "_rps"], row[REDIS + "_rps"])
            if "aikv" in aikvs:
                row["ratio"] = row["aikv_ratio"]
            for name in sqlites:
                st = storage[(key, pipeline)][name]
                for what in ("fsyncs", "commits"):
                    row["%s_%s_per_sec" % (name, what)] = median(st[what])
                    row["%s_%s_per_sec_samples" % (name, what)] = st[what]
            rows.append(row)
    log("")
    log("throughput: median requests/s of %d rounds (-c %d -n %d%s)" % (
        args.rounds, args.clients, args.requests,
        " -r %d" % args.keyspace if args.keyspace > 0 else ""))
    print_table(["test", "pipeline"] + ["%s rps" % n for n in names]
                + ["%s/%s" % (n, REDIS) for n in aikvs],
                [[row["test"], str(row["pipeline"])]
                 + [fmt_num(row[n + "_rps"]) for n in names]
                 + [fmt_ratio(row[n + "_ratio"]) for n in aikvs] for row in rows])
    if sqlites:
        log("")
        log("fsyncs/s and commits/s: median of %d rounds (INFO storage storage_fsyncs, "
            "storage_commits, over each run's timed tests)" % args.rounds)
        print_table(["test", "pipeline"] + ["%s %s/s" % (n, what) for n in sqlites
                                            for what in ("fsyncs", "commits")],
                    [[row["test"], str(row["pipeline"])]
                     + [fmt_num(row["%s_%s_per_sec" % (n, what)]) for n in sqlites
                        for what in ("fsyncs", "commits")] for row in rows])
    return rows


# ---------------------------------------------------------------- memory

def raw_bytes(nkeys):
    """The raw data of the load: sum of len(key) + len(value) over the keys."""
    return sum(len(b"key:%d" % i) + len(b"value:%d" % i) for i in range(nkeys))


def store_size(srv, conn):
    """(bytes, of them WAL) of a SQLite server's store: INFO storage
    storage_file_bytes (the file and its WAL), else the sizes on disk; the
    bytes are None when neither tells (no such field, no such file)."""
    path = os.path.join(srv.datadir, STORE_FILE)
    wal = file_size(path + "-wal") or 0
    try:
        total = int(conn.info("storage")["storage_file_bytes"])
    except (KeyError, ValueError):
        total = file_size(path)
        if total is not None:
            total += wal
    return total, wal


def memory(args, servers):
    names = list(servers)
    aikvs = [n for n in names if n != REDIS]
    sqlites = [n for n in names if servers[n].sqlite]
    width = max(map(len, names))
    n = args.memory_keys
    raw = raw_bytes(n) if sqlites else None
    results = {}
    for name in names:
        srv = servers[name]
        if srv.sqlite:
            srv.restart_empty(args.start_timeout)
            log("  %-*s restarted on an emptied --dir (pid %d)" % (width, name, srv.proc.pid))
        with Conn(srv.port, timeout=60) as c:
            reply = c.command("FLUSHALL")
            if reply != "OK":
                raise BenchError("%s: FLUSHALL answered %r" % (name, reply))
            time.sleep(0.2)  # let lazy frees and allocator caches settle
            before, rss_before = c.used_memory(), srv.rss_bytes()
            t0 = time.monotonic()
            c.load(n, args.batch)
            secs = time.monotonic() - t0
            got = c.command("DBSIZE")
            if got != n:
                raise BenchError("%s: DBSIZE is %r after loading %d keys" % (name, got, n))
            check = c.command("GET", "key:%d" % (n - 1))
            if check != "value:%d" % (n - 1):
                raise BenchError("%s: GET key:%d answered %r" % (name, n - 1, check))
            after, rss_after = c.used_memory(), srv.rss_bytes()
            store = store_size(srv, c) if srv.sqlite else None
        m = results[name] = {
            "used_memory_before": before, "used_memory_after": after,
            "used_memory_delta": after - before,
            "bytes_per_key": (after - before) / n,
            "rss_before": rss_before, "rss_after": rss_after,
            "rss_delta": (rss_after - rss_before) if rss_before and rss_after else None,
            "load_seconds": secs,
        }
        if store:
            total = store[0]
            m.update({"file_bytes": total, "wal_bytes": store[1], "raw_bytes": raw,
                      "file_bytes_per_key": ratio(total, n), "raw_bytes_per_key": raw / n,
                      "file_bytes_per_million_keys": None if total is None else total * 1e6 / n,
                      "ratio_file_raw": ratio(total, raw)})
        log("  %-*s loaded %d keys in %.1fs (%.0f SET/s)" % (
            width, name, n, secs, n / secs if secs > 0 else 0))
    r = results[REDIS]
    for name in aikvs:
        a = results[name]
        a["ratio_delta"] = ratio(a["used_memory_delta"], r["used_memory_delta"])
        a["ratio_total"] = ratio(a["used_memory_after"], r["used_memory_after"])
        a["ratio_rss_delta"] = ratio(a["rss_delta"], r["rss_delta"])
    if "aikv" in aikvs:  # where they always were
        for k in ("ratio_delta", "ratio_total", "ratio_rss_delta"):
            results[k] = results["aikv"][k]

    mib = 1024.0 * 1024.0
    log("")
    log("memory: %d keys SET key:N value:N" % n)
    print_table(["", "used_memory", "delta", "bytes/key", "RSS delta"], [
        [name, "%.1f MiB" % (results[name]["used_memory_after"] / mib),
         "%.1f MiB" % (results[name]["used_memory_delta"] / mib),
         "%.1f" % results[name]["bytes_per_key"],
         "-" if results[name]["rss_delta"] is None
         else "%.1f MiB" % (results[name]["rss_delta"] / mib)] for name in names])
    for name in aikvs:
        a = results[name]
        log("%s/%s: delta %s, total %s, RSS delta %s" % (
            name, REDIS, fmt_ratio(a["ratio_delta"]), fmt_ratio(a["ratio_total"]),
            fmt_ratio(a["ratio_rss_delta"])))
    if sqlites:
        log("")
        log("store file: %d keys, raw data sum(len(key)+len(value)) %.1f MiB, %.1f bytes/key"
            % (n, raw / mib, raw / n))
        print_table(["", "file+WAL", "of it WAL", "bytes/key", "per 1M keys", "file/raw"], [
            [name, fmt_size(results[name]["file_bytes"], mib, " MiB"),
             fmt_size(results[name]["wal_bytes"], mib, " MiB"),
             fmt_size(results[name]["file_bytes_per_key"]),
             fmt_size(results[name]["file_bytes_per_million_keys"], mib, " MiB"),
             fmt_ratio(results[name]["ratio_file_raw"])] for name in sqlites])
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
    ap.add_argument("--engines", type=csv_list(str.lower), default=["memory"],
                    help="aikv-server storage engines, one server each: %s (default memory)"
                    % ",".join(ENGINES))
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
    args.engines = list(dict.fromkeys(args.engines))
    unknown = [e for e in args.engines if e not in ENGINES]
    if unknown:
        ap.error("unknown engine %s (allowed: %s)" % (",".join(unknown), ",".join(ENGINES)))

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
    servers = {}  # name -> Server, in start order: the engines as listed, then redis
    results = {"config": {k: getattr(args, k) for k in (
        "engines", "rounds", "requests", "clients", "tests", "pipeline", "keyspace",
        "memory_keys", "batch", "build")}}
    status = 0
    try:
        ports = free_ports(len(args.engines) + 1)
        for engine, port in zip(args.engines, ports):
            name, durability = ENGINES[engine]
            argv = [aikv_bin, "--port", str(port), "--bind", HOST]
            datadir = None
            if durability:
                # A directory of its own: the server chdirs there, its store
                # file is dump.aikv in it.
                datadir = os.path.join(tmp, name)
                os.mkdir(datadir)
                argv += ["--storage", "sqlite", "--dir", datadir, "--durability", durability]
            servers[name] = Server(name, argv, port, os.path.join(tmp, name + ".log"), datadir)
        servers[REDIS] = Server(REDIS, [
            shutil.which("redis-server"), "--port", str(ports[-1]), "--bind", HOST,
            "--save", "", "--appendonly", "no", "--dir", tmp], ports[-1],
            os.path.join(tmp, "redis.log"))
        width = max(map(len, servers))
        for name, srv in servers.items():
            srv.start(args.start_timeout)
            with Conn(srv.port) as c:
                ver = c.info("server").get("redis_version", "?")
                engine = c.info("storage").get("storage_engine", "-") if name != REDIS else "-"
            log("started %-*s pid %d on %s:%d (redis_version %s, storage_engine %s)" % (
                width, name, srv.proc.pid, HOST, srv.port, ver, engine))
            results.setdefault("servers", {})[name] = {"redis_version": ver, "port": srv.port,
                                                      "storage_engine": engine}

        log("")
        log("throughput: %d rounds x pipelines %s x tests %s, servers rotating" % (
            args.rounds, ",".join(map(str, args.pipeline)), ",".join(args.tests)))
        samples, storage = throughput(args, servers)
        results["throughput"] = print_throughput(args, samples, storage, servers)

        if args.memory_keys > 0:
            log("")
            log("memory: loading %d keys into each server" % args.memory_keys)
            results["memory"] = memory(args, servers)
        for name, srv in servers.items():
            if srv.proc.poll() is not None:
                raise BenchError("%s exited during the benchmark (status %s)\n%s" % (
                    name, srv.proc.returncode, srv.log_tail()))
    except BenchError as e:
        log("bench: FAILED: %s" % e)
        results["error"] = str(e)
        status = 1
    except KeyboardInterrupt:
        log("bench: interrupted")
        results["error"] = "interrupted"
        status = 130
    finally:
        for name, srv in servers.items():
            rc = srv.stop()
            if rc not in (0, None):
                log("warning: %s exited with status %s\n%s" % (name, rc, srv.log_tail(10)))
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

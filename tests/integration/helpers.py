"""Support code for the AiKv integration suite (used by conftest.py and the
test modules): server processes, a raw RESP2/RESP3 socket connection, and
small helpers.

Nothing in here talks to anything but 127.0.0.1.
"""

import atexit
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis
import redis.connection
import redis.exceptions

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]

# Which server the suite runs against: "aikv" (default) or "redis" (the real
# redis-server, used to validate that the tests encode Redis's behaviour).
TARGET = os.environ.get("AIKV_TEST_TARGET", "aikv").strip().lower() or "aikv"
if TARGET not in ("aikv", "redis"):
    raise RuntimeError("AIKV_TEST_TARGET must be 'aikv' or 'redis', not %r" % TARGET)

# Storage engines the aikv server is tested with: every module runs once per
# engine. AIKV_ENGINES=memory (or sqlite) narrows a run to one.
ENGINES = [e for e in os.environ.get("AIKV_ENGINES", "memory,sqlite").split(",") if e]

START_TIMEOUT = 10.0  # seconds to wait for a new server to answer PING
STOP_TIMEOUT = 5.0  # seconds between SIGTERM and SIGKILL


def engine_params():
    """The values of the module-scoped `engine` fixture: every aikv engine, or
    a single run for the real redis-server (it has no engines)."""
    return ["redis"] if TARGET == "redis" else list(ENGINES)


def engine_args(engine, datadir):
    """Extra aikv-server arguments selecting a storage engine."""
    if engine in ("memory", "redis"):
        return []
    if engine == "sqlite":
        return ["--storage", "sqlite", "--dir", str(datadir)]
    raise ValueError("unknown storage engine %r" % engine)


def aikv_binary():
    build = Path(os.environ.get("AIKV_BUILD", "build"))
    if not build.is_absolute():
        build = REPO_ROOT / build
    return build / "aikv-server"


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=5.0, interval=0.02, what="condition"):
    """Poll predicate() until it returns a truthy value (returned) or the
    timeout expires (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s (last value %r)"
                                 % (timeout, what, value))
        time.sleep(interval)


# --------------------------------------------------------------------------
# Server processes
# --------------------------------------------------------------------------

LIVE_SERVERS = []  # servers currently running, for log tails on failure


@atexit.register
def _kill_leftover_servers():
    """Last resort (e.g. after an interrupted run): kill what is still running."""
    for srv in list(LIVE_SERVERS):
        if srv.proc is not None and srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait(5)


class ServerStartError(Exception):
    pass


class Server:
    """One aikv-server (or redis-server) process on a free 127.0.0.1 port.

    Its stdout and stderr go to <workdir>/server.log."""

    def __init__(self, engine, workdir, extra_args=(), name="server"):
        self.engine = engine
        self.workdir = Path(workdir)
        self.extra_args = [str(a) for a in extra_args]
        self.name = name
        self.host = HOST
        self.port = None
        self.proc = None
        self.log_path = self.workdir / "server.log"
        self._log = None

    # -- command line ------------------------------------------------------
    def argv(self, port):
        if TARGET == "redis":
            return (["redis-server", "--port", str(port), "--bind", HOST,
                     "--save", "", "--appendonly", "no", "--daemonize", "no"]
                    + self.extra_args)
        binary = aikv_binary()
        if not binary.exists():
            raise ServerStartError(
                "%s not found: build it first (make), set AIKV_BUILD, or run the "
                "suite against the real server with AIKV_TEST_TARGET=redis" % binary)
        datadir = self.workdir / "data"
        datadir.mkdir(exist_ok=True)
        return ([str(binary), "--port", str(port), "--bind", HOST]
                + engine_args(self.engine, datadir) + self.extra_args)

    # -- lifecycle ---------------------------------------------------------
    def start(self, timeout=START_TIMEOUT):
        last_error = None
        for _attempt in range(3):  # retry if another process grabbed the port
            port = free_port()
            argv = self.argv(port)
            self._log = open(self.log_path, "ab")
            self._log.write(("\n=== %s\n" % " ".join(repr(a) if a == "" else a for a in argv))
                            .encode())
            self._log.flush()
            self.proc = subprocess.Popen(argv, cwd=str(self.workdir), stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT)
            self.port = port
            LIVE_SERVERS.append(self)
            try:
                self._wait_ready(timeout)
                return self
            except ServerStartError as e:
                last_error = e
                self.stop()
                if "in use" not in self.log_tail():
                    break
        raise ServerStartError("%s\n--- %s ---\n%s" % (last_error, self.log_path, self.log_tail()))

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError("server exited with status %s during startup"
                                       % self.proc.returncode)
            try:
                with socket.create_connection((self.host, self.port), timeout=1.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = s.recv(64)
                    # +PONG, or -NOAUTH when a password is required
                    if data[:1] in (b"+", b"-"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise ServerStartError("server did not answer PING within %.0fs" % timeout)

    def stop(self, timeout=STOP_TIMEOUT):
        """Stop the process by pid: SIGTERM, then SIGKILL after `timeout`.
        Returns a list of problems (empty when it exited cleanly)."""
        problems = []
        if self.proc is None:
            return problems
        proc, self.proc = self.proc, None
        if self in LIVE_SERVERS:
            LIVE_SERVERS.remove(self)
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                problems.append("%s (pid %d) ignored SIGTERM for %.0fs; sent SIGKILL"
                                % (self.name, proc.pid, timeout))
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        elif proc.returncode != 0:
            problems.append("%s (pid %d) died on its own with status %s"
                            % (self.name, proc.pid, proc.returncode))
        if proc.poll() is None:
            problems.append("%s (pid %d) did not exit" % (self.name, proc.pid))
        elif not problems and proc.returncode not in (0, -signal.SIGTERM):
            problems.append("%s (pid %d) exited with status %s after SIGTERM"
                            % (self.name, proc.pid, proc.returncode))
        if self._log:
            self._log.close()
            self._log = None
        return problems

    def log_tail(self, lines=40):
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return ""
        return b"\n".join(data.splitlines()[-lines:]).decode("utf-8", "replace")

    # -- clients -----------------------------------------------------------
    def client(self, **kwargs):
        return make_client(self.host, self.port, **kwargs)

    def raw(self, **kwargs):
        return RespConn(self.host, self.port, **kwargs)

    def __repr__(self):
        return "<Server %s %s:%s engine=%s>" % (self.name, self.host, self.port, self.engine)


# --------------------------------------------------------------------------
# redis-py clients
# --------------------------------------------------------------------------

class FullErrorParser(redis.connection.PythonParser):
    """redis-py strips "ERR " (and maps NOAUTH, ... to other classes); keep the
    server's whole error line instead, as a ResponseError."""

    def parse_error(self, response):
        return redis.exceptions.ResponseError(response)


def make_client(host, port, **kwargs):
    """A redis.Redis(decode_responses=False) that returns the server's replies
    unconverted (no redis-py response callbacks: SET gives b"OK", SCAN gives
    [b"0", [...]], INFO gives bytes...) and raises ResponseError carrying the
    full error text ("ERR syntax error")."""
    kwargs.setdefault("socket_timeout", 10)
    kwargs.setdefault("socket_connect_timeout", 5)
    pool = redis.ConnectionPool(host=host, port=port, decode_responses=False,
                                parser_class=FullErrorParser, **kwargs)
    client = redis.Redis(connection_pool=pool)
    client.response_callbacks.clear()
    return client


def close_client(client):
    client.connection_pool.disconnect()


def err(conn, *args):
    """Run a command that must fail; return the full error text."""
    if isinstance(conn, RespConn):
        reply = conn.cmd(*args)
        assert isinstance(reply, RespError), "expected an error from %r, got %r" % (args, reply)
        return str(reply)
    try:
        reply = conn.execute_command(*args)
    except redis.exceptions.ResponseError as e:
        return str(e)
    raise AssertionError("expected an error from %r, got %r" % (args, reply))


def make_list(client, key, *items):
    """A list key (used to provoke WRONGTYPE)."""
    client.execute_command("RPUSH", key, *(items or (b"x",)))


def make_set(client, key, *members):
    client.execute_command("SADD", key, *(members or (b"x",)))


def make_hash(client, key):
    client.execute_command("HSET", key, b"f", b"v")


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INT = "ERR value is not an integer or out of range"


def wrong_args(cmd):
    return "ERR wrong number of arguments for '%s' command" % cmd


def parse_info(text):
    """INFO text -> {section: {field: value}} (values as str)."""
    if isinstance(text, bytes):
        text = text.decode()
    sections, current = {}, None
    for line in text.split("\r\n"):
        if not line:
            continue
        if line.startswith("# "):
            current = sections.setdefault(line[2:].strip(), {})
        else:
            key, _, value = line.partition(":")
            (current if current is not None else sections.setdefault("", {}))[key] = value
    return sections


def parse_client_line(line):
    """One CLIENT LIST / CLIENT INFO line -> {field: value}."""
    if isinstance(line, bytes):
        line = line.decode()
    fields = {}
    for token in line.strip().split(" "):
        key, _, value = token.partition("=")
        fields[key] = value
    return fields


def parse_client_list(text):
    if isinstance(text, bytes):
        text = text.decode()
    return [parse_client_line(line) for line in text.split("\n") if line.strip()]


# --------------------------------------------------------------------------
# Raw RESP connection
# --------------------------------------------------------------------------

class Simple(bytes):
    """A RESP simple string (+OK)."""


class RespError(str):
    """A RESP error (-ERR ...), with its full text."""


class Double(float):
    """A RESP3 double (,1.5)."""


class BigNumber(int):
    """A RESP3 big number ((123...)."""


class Verbatim(bytes):
    """A RESP3 verbatim string (=txt:...); .format is the 3-letter type."""
    format = b""


class RespSet(list):
    """A RESP3 set (~), order as sent."""


class Push(list):
    """A RESP3 push (>)."""


class Map(dict):
    """A RESP3 map (%)."""


class _Incomplete(Exception):
    pass


class ConnectionClosed(Exception):
    pass


def encode_command(*args):
    """Encode arguments as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, float):
            a = repr(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple((k, _hashable(x)) for k, x in v.items())
    return v


def parse_reply(buf, pos=0):
    """Parse one RESP2/RESP3 reply from buf at pos -> (value, end position).
    Raises _Incomplete when buf ends before the reply does."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        raise _Incomplete()
    kind, line, pos = buf[pos:pos + 1], bytes(buf[pos + 1:nl]), nl + 2
    if kind == b"+":
        return Simple(line), pos
    if kind == b"-":
        return RespError(line.decode("utf-8", "surrogateescape")), pos
    if kind == b":":
        return int(line), pos
    if kind == b"(":
        return BigNumber(int(line)), pos
    if kind == b",":
        return Double(float(line)), pos
    if kind == b"#":
        if line not in (b"t", b"f"):
            raise ValueError("bad RESP3 boolean %r" % line)
        return line == b"t", pos
    if kind == b"_":
        if line:
            raise ValueError("bad RESP3 null %r" % line)
        return None, pos
    if kind in (b"$", b"=", b"!"):
        n = int(line)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            raise _Incomplete()
        if buf[pos + n:pos + n + 2] != b"\r\n":
            raise ValueError("bulk string not terminated by CRLF")
        data = bytes(buf[pos:pos + n])
        pos += n + 2
        if kind == b"=":
            v = Verbatim(data[4:])
            v.format = data[:3]
            return v, pos
        if kind == b"!":
            return RespError(data.decode("utf-8", "surrogateescape")), pos
        return data, pos
    if kind in (b"*", b"~", b">"):
        n = int(line)
        if n < 0:
            return None, pos
        items = []
        for _ in range(n):
            v, pos = parse_reply(buf, pos)
            items.append(v)
        if kind == b"~":
            return RespSet(items), pos
        if kind == b">":
            return Push(items), pos
        return items, pos
    if kind in (b"%", b"|"):
        n = int(line)
        m = Map()
        for _ in range(n):
            k, pos = parse_reply(buf, pos)
            v, pos = parse_reply(buf, pos)
            m[_hashable(k)] = v
        if kind == b"|":  # attribute: applies to the reply that follows
            return parse_reply(buf, pos)
        return m, pos
    raise ValueError("unknown RESP type byte %r (line %r)" % (kind, line))


class RespConn:
    """A raw TCP connection speaking RESP: send bytes, read raw or parsed
    replies, detect when the server closes the connection."""

    def __init__(self, host=HOST, port=6379, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = bytearray()
        self.pos = 0
        self.eof = False

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- sending -----------------------------------------------------------
    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode_command(*args))

    def cmd(self, *args):
        """Send one command, return its parsed reply."""
        self.send_command(*args)
        return self.read_reply()

    # -- receiving ---------------------------------------------------------
    def _fill(self, timeout=None):
        if self.eof:
            raise ConnectionClosed("connection closed by the server")
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            raise ConnectionClosed("connection closed by the server")
        if self.pos > 1 << 16 and self.pos > len(self.buf) // 2:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data

    def _next(self):
        while True:
            try:
                value, end = parse_reply(self.buf, self.pos)
            except _Incomplete:
                self._fill()
                continue
            start, self.pos = self.pos, end
            return value, bytes(self.buf[start:end])

    def read_reply(self):
        """The next reply, parsed."""
        return self._next()[0]

    def read_raw(self):
        """The exact bytes of the next reply."""
        return self._next()[1]

    def read_replies(self, n):
        return [self.read_reply() for _ in range(n)]

    def pending(self):
        """Bytes received but not consumed yet."""
        return bytes(self.buf[self.pos:])

    def read_available(self, wait=0.1):
        """Whatever arrives within `wait` seconds (b"" if nothing)."""
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                self._fill(timeout=left)
            except (socket.timeout, ConnectionClosed):
                break
        data = bytes(self.buf[self.pos:])
        self.pos = len(self.buf)
        return data

    def read_until_closed(self, timeout=5.0):
        """Everything the server sends until it closes the connection.
        AssertionError if it is still open after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("server did not close the connection within %.1fs" % timeout)
            try:
                self._fill(timeout=left)
            except socket.timeout:
                continue
            except ConnectionClosed:
                break
        data = bytes(self.buf[self.pos:])
        self.pos = len(self.buf)
        return data

    def is_closed(self, timeout=2.0):
        """True if the server closes the connection within `timeout` seconds
        (data received meanwhile is kept unconsumed)."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                self._fill(timeout=left)
            except socket.timeout:
                return False
            except ConnectionClosed:
                break
        return True

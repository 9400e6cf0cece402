"""The SQLite engine as a durable store: restarts, crashes (SIGKILL under
write load), data larger than the page cache, bad files, readers in
another process, storage errors. The rest of the suite runs on this engine
too (helpers.ENGINES); these tests are the ones only a disk engine has."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

import helpers
from helpers import Server, ServerStartError

pytestmark = pytest.mark.skipif(helpers.TARGET == "redis", reason="AiKv's SQLite engine")

sys.path.insert(0, str(helpers.REPO_ROOT / "tests" / "bench"))
import crash  # noqa: E402


@pytest.fixture
def sqlite_server(tmp_path):
    started = []

    def start(*extra, workdir=None):
        srv = Server("sqlite", workdir or tmp_path, extra)
        started.append(srv)
        return srv.start()

    yield start
    for srv in started:
        srv.stop()


def client(srv):
    """A plain redis-py client (the suite's clients return raw replies)."""
    return redis.Redis(host=srv.host, port=srv.port, socket_timeout=30)


def store_file(srv):
    return srv.workdir / "data" / "dump.aikv"


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def fill_all_types(c, prefix="", n=50):
    c.set(prefix + "str", "hello")
    c.set(prefix + "int", 12345)
    c.set(prefix + "ttl", "x", ex=1000)
    c.rpush(prefix + "list", *range(n))
    c.hset(prefix + "hash", mapping={"f%d" % i: i for i in range(n)})
    c.sadd(prefix + "set", *range(n))
    c.sadd(prefix + "strset", *("m%d" % i for i in range(n)))
    c.zadd(prefix + "zset", {"m%d" % i: i / 2 for i in range(n)})


def check_all_types(c, prefix="", n=50):
    assert c.get(prefix + "str") == b"hello"
    assert c.get(prefix + "int") == b"12345"
    assert c.object("encoding", prefix + "int") == b"int"
    assert 990 < c.ttl(prefix + "ttl") <= 1000
    assert c.lrange(prefix + "list", 0, -1) == [str(i).encode() for i in range(n)]
    assert c.hgetall(prefix + "hash") == {b"f%d" % i: str(i).encode() for i in range(n)}
    assert c.smembers(prefix + "set") == {str(i).encode() for i in range(n)}
    assert c.object("encoding", prefix + "set") == b"intset"
    assert c.scard(prefix + "strset") == n
    assert c.zrange(prefix + "zset", 0, -1, withscores=True) == [
        (b"m%d" % i, i / 2) for i in range(n)]


def test_data_survives_restart(sqlite_server, tmp_path):
    srv = sqlite_server()
    c = client(srv)
    fill_all_types(c)
    c.select(3)
    c.set("in-db-3", "three")
    c.close()
    srv.stop()
    srv = sqlite_server(workdir=tmp_path)
    c = client(srv)
    check_all_types(c)
    assert c.dbsize() == 8
    c.select(3)
    assert c.get("in-db-3") == b"three"
    assert c.dbsize() == 1


def test_file_is_readable_with_sqlite3_while_server_runs(sqlite_server):
    srv = sqlite_server()
    c = client(srv)
    fill_all_types(c, n=10)
    c.set("bin\x00key", b"a\x00b")
    db = sqlite3.connect(str(store_file(srv)), timeout=10)
    try:
        rows = dict(db.execute("SELECT key, value FROM keys WHERE db = 0 AND type = 1").fetchall())
        assert rows[b"str"] == b"hello"
        assert rows[b"bin\x00key"] == b"a\x00b"
        items = db.execute(
            "SELECT l.value FROM list_items l JOIN keys k ON k.id = l.kid "
            "WHERE k.db = 0 AND k.key = CAST('list' AS BLOB) ORDER BY l.pos").fetchall()
        assert [int(v) for (v,) in items] == list(range(10))
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
    # the server keeps writing while a reader has the file open
    c.set("after", "1")
    assert c.get("after") == b"1"


def test_expired_keys_stay_invisible_after_restart(sqlite_server, tmp_path):
    srv = sqlite_server()
    c = client(srv)
    c.set("short", "x", px=300)
    c.set("long", "y", ex=100)
    c.close()
    srv.stop()
    time.sleep(0.4)
    srv = sqlite_server(workdir=tmp_path)
    c = client(srv)
    assert c.get("short") is None
    assert c.exists("short") == 0
    assert c.get("long") == b"y"
    assert 95 < c.ttl("long") <= 100


def test_big_delete_is_background(sqlite_server):
    srv = sqlite_server()
    c = client(srv)
    pipe = c.pipeline(transaction=False)
    for i in range(0, 50000, 1000):
        pipe.rpush("big", *range(i, i + 1000))
    pipe.execute()
    assert c.llen("big") == 50000
    t = time.monotonic()
    assert c.delete("big") == 1
    took = time.monotonic() - t
    assert c.exists("big") == 0
    c.rpush("big", "fresh")  # a new key never sees the old elements
    assert c.lrange("big", 0, -1) == [b"fresh"]
    assert took < 5
    # the background cycle removes the leftovers
    db = sqlite3.connect(str(store_file(srv)), timeout=10)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if (db.execute("SELECT count(*) FROM list_items").fetchone()[0] == 1
                    and db.execute("SELECT count(*) FROM trash").fetchone()[0] == 0):
                break
            time.sleep(0.2)
        assert db.execute("SELECT count(*) FROM list_items").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM trash").fetchone()[0] == 0
    finally:
        db.close()


@pytest.mark.parametrize("durability", ["full", "normal"])
def test_crash_loses_no_acknowledged_write(durability):
    problems, acked = crash.run(helpers.aikv_binary(), rounds=3, seconds=30,
                                durability=durability, workers=3, seed=7, log=lambda m: None)
    assert problems == []
    assert acked > 0


SANITIZED = "san" in os.environ.get("AIKV_BUILD", "")


@pytest.mark.skipif(SANITIZED, reason="ASan's shadow memory and quarantine dominate RSS")
def test_larger_than_page_cache_keeps_rss_bounded(sqlite_server):
    srv = sqlite_server("--sqlite-cache-size", "2mb")
    c = client(srv)
    c.set("warm", "up")
    base = rss_kib(srv.proc.pid)
    value = b"x" * 1000
    total = 0
    pipe = c.pipeline(transaction=False)
    for i in range(60000):  # ~60 MB of values, 30x the page cache
        pipe.set("k:%d" % i, value + str(i).encode())
        total += len(value)
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()
    grown = rss_kib(srv.proc.pid) - base
    assert grown * 1024 < total / 3, "RSS grew %d KiB for %d bytes of data" % (grown, total)
    for i in (0, 1, 777, 31337, 59999):
        assert c.get("k:%d" % i) == value + str(i).encode()
    assert c.dbsize() == 60001
    grown = rss_kib(srv.proc.pid) - base
    assert grown * 1024 < total / 3


def start_fails(tmp_path, content):
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "dump.aikv").write_bytes(content)
    srv = Server("sqlite", tmp_path)
    with pytest.raises(ServerStartError):
        srv.start(timeout=5)
    srv.stop()
    return (tmp_path / "server.log").read_text(errors="replace")


def test_garbage_file_is_a_clear_error(tmp_path):
    log = start_fails(tmp_path, os.urandom(8192))
    assert "Failed to open the store" in log
    assert "dump.aikv" in log


def test_foreign_sqlite_database_is_refused(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = sqlite3.connect(str(data / "dump.aikv"))
    db.execute("CREATE TABLE t(x)")
    db.commit()
    db.close()
    log = start_fails(tmp_path, (data / "dump.aikv").read_bytes())
    assert "not an AiKv store" in log


def test_truncated_file_is_a_clear_error(sqlite_server, tmp_path):
    srv = sqlite_server()
    c = client(srv)
    pipe = c.pipeline(transaction=False)
    for i in range(3000):
        pipe.set("k%d" % i, "v" * 100)
    pipe.execute()
    c.close()
    srv.stop()
    whole = store_file(srv).read_bytes()
    assert len(whole) > 100000
    log = start_fails(tmp_path / "cut", whole[: len(whole) // 2])
    assert "truncated" in log


def test_newer_format_is_refused(sqlite_server, tmp_path):
    srv = sqlite_server()
    client(srv).set("k", "v")
    srv.stop()
    db = sqlite3.connect(str(store_file(srv)))
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    log = start_fails(tmp_path / "new", store_file(srv).read_bytes())
    assert "format 99" in log


def test_cli_reads_the_file_while_the_server_writes(sqlite_server):
    srv = sqlite_server()
    c = client(srv)
    c.set("shared", "from-server")
    c.rpush("l", "a", "b")
    cli = helpers.aikv_binary().parent / "aikv-cli"
    out = subprocess.run([str(cli), "--file", str(store_file(srv)), "GET", "shared"],
                         capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == b"from-server"
    out = subprocess.run([str(cli), "--file", str(store_file(srv)), "LRANGE", "l", "0", "-1"],
                         capture_output=True, timeout=30)
    assert out.stdout.split() == [b"a", b"b"]  # not a terminal: raw lines
    c.set("shared", "changed")
    out = subprocess.run([str(cli), "--file", str(store_file(srv)), "GET", "shared"],
                         capture_output=True, timeout=30)
    assert out.stdout.strip() == b"changed"


def test_read_only_file_gives_errors_not_a_crash(sqlite_server, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    srv = sqlite_server()
    c = client(srv)
    c.set("k", "v")
    c.close()
    srv.stop()
    f = store_file(srv)
    os.chmod(f, 0o444)
    os.chmod(f.parent, 0o555)
    try:
        try:
            srv = sqlite_server(workdir=tmp_path)
        except Exception:
            return  # refusing to start on a read-only file is also clear
        c = client(srv)
        assert c.get("k") == b"v"
        with pytest.raises(Exception):
            c.set("k2", "v2")
        assert c.ping()
    finally:
        os.chmod(f.parent, 0o755)
        os.chmod(f, 0o644)


def test_info_reports_the_engine(sqlite_server):
    srv = sqlite_server("--durability", "full")
    c = client(srv)
    c.set("k", "v")
    info = c.info("storage")
    assert info["storage_engine"] == "sqlite"
    assert info["storage_durability"] == "full"
    assert info["storage_commits"] >= 1
    assert info["storage_fsyncs"] >= 1
    assert c.config_get("storage") == {"storage": "sqlite"}


def test_full_store_gives_errors_and_keeps_acknowledged_writes(sqlite_server):
    # sqlite-max-size makes the file "full" at 1 MB, as a full disk would.
    srv = sqlite_server("--sqlite-max-size", "1mb")
    c = client(srv)
    value = b"v" * 2000
    ok = []
    error = None
    for i in range(2000):  # 4 MB of values: the limit comes first
        try:
            c.set("k%d" % i, value)
            ok.append(i)
        except redis.exceptions.ResponseError as e:
            error = str(e)
            break
    assert error is not None and "storage error" in error and "full" in error, error
    assert c.ping()
    failed = len(ok)
    assert c.exists("k%d" % failed) == 0  # the failed write is not there
    assert c.dbsize() == len(ok)
    assert c.get("k0") == value and c.get("k%d" % ok[-1]) == value
    # A pipeline whose turn fails applies nothing and fails every command.
    pipe = c.pipeline(transaction=False)
    for i in range(20):
        pipe.set("p%d" % i, value)
    replies = pipe.execute(raise_on_error=False)
    assert all(isinstance(x, redis.exceptions.ResponseError) for x in replies), replies
    assert c.exists(*["p%d" % i for i in range(20)]) == 0
    # Freeing space makes writes work again; reads never stopped working.
    c.delete(*["k%d" % i for i in ok[: len(ok) // 2]])
    assert c.set("after", "1")
    assert c.get("after") == b"1"
    c.close()
    srv.stop()
    db = sqlite3.connect(str(store_file(srv)))
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def test_a_foreign_writer_holding_the_lock_gives_an_error_not_a_hang(sqlite_server):
    srv = sqlite_server()
    c = client(srv)
    c.set("k", "before")
    other = sqlite3.connect(str(store_file(srv)), timeout=1, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction
        t = time.monotonic()
        with pytest.raises(redis.exceptions.ResponseError, match="storage error: database is locked"):
            c.set("k", "during")
        assert time.monotonic() - t < 15  # SQLite's busy timeout (5 s), then the error
        assert c.get("k") == b"before"  # reads go on (WAL)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert c.set("k", "after")
    assert c.get("k") == b"after"

"""Persistence of the memory engine: SAVE, BGSAVE [SCHEDULE], LASTSAVE, `save`
rules, SHUTDOWN [SAVE|NOSAVE] [FORCE], SIGTERM, loading at start, the INFO
persistence fields -- and the shared file format: a memory-engine snapshot
opens with `--storage sqlite`, and an SQLite store loads into the memory
engine.

Every test starts its own servers (each in its own directory, which is the
server's working directory and `dir`) and restarts them to see what came
back. Most tests are about the memory engine and skip on the others; with
AIKV_TEST_TARGET=redis they run against redis-server (its snapshot is an RDB
file under the same name), except what only AiKv has (the SQLite engine,
its log lines).
"""

import os
import re
import signal
import socket
import time
from pathlib import Path

import pytest

import helpers
from helpers import SYNTAX, TARGET, err, parse_info, wait_for, wrong_args

DUMP = "dump.aikv"
IN_PROGRESS = "ERR Background save already in progress"
SHUTDOWN_FAILED = "ERR Errors trying to SHUTDOWN. Check logs."
aikv_only = pytest.mark.aikv_only


@pytest.fixture
def memory_engine(engine):
    if engine not in ("memory", "redis"):
        pytest.skip("snapshots are the memory engine's persistence")
    return engine


@pytest.fixture
def started():
    """start(workdir, *args) -> a running Server in workdir (dir = workdir);
    every server is stopped (by pid) at the end of the test."""
    servers = []

    def start(workdir, *args, name="persist", expect_failure=False):
        srv = helpers.Server("memory" if TARGET == "aikv" else "redis", workdir,
                             ("--dbfilename", DUMP) + tuple(args), name=name)
        servers.append(srv)
        if expect_failure:
            with pytest.raises(helpers.ServerStartError):
                srv.start(timeout=15)
            return srv
        try:
            return srv.start(timeout=30)
        except helpers.ServerStartError as e:
            pytest.fail(str(e), pytrace=False)

    yield start
    problems = []
    for srv in reversed(servers):
        problems += srv.stop()
    assert not problems, problems


def info(client):
    return parse_info(client.execute_command("INFO", "persistence"))["Persistence"]


def restart(srv):
    """Stop the server (SIGTERM, cleanly) and start it again in its directory."""
    problems = srv.stop()
    assert not problems, problems
    srv.start(timeout=30)
    return srv.client()


def shutdown(client, *args):
    """SHUTDOWN that succeeds: the server closes the connection."""
    with pytest.raises(Exception) as e:
        client.execute_command("SHUTDOWN", *args)
    assert "ERR" not in str(e.value), str(e.value)


def wait_exit(srv, timeout=15):
    """Wait for the server process to exit on its own; its status."""
    proc = srv.proc
    proc.wait(timeout)
    code = proc.returncode
    srv.stop()
    return code


def wait_bgsave_done(client, timeout=60):
    wait_for(lambda: info(client)["rdb_bgsave_in_progress"] == "0", timeout=timeout,
             interval=0.05, what="the background save to end")


# --------------------------------------------------------------------------
# data of every type, and a comparison
# --------------------------------------------------------------------------

def fill(r, big=2000):
    r.execute_command("SET", "str", "hello")
    r.execute_command("SET", "int", "12345")
    r.execute_command("SET", b"bin\x00key", b"\x00\xff\r\nvalue")
    r.execute_command("SET", "empty", "")
    r.execute_command("SET", "raw", "x" * 500)
    r.execute_command("RPUSH", "list", "a", "", "c", *["item%d" % i for i in range(big)])
    r.execute_command("HSET", "hash", "f1", "v1", "f2", "")
    r.execute_command("HSET", "bighash", *[x for i in range(big) for x in ("f%d" % i, "v%d" % i)])
    r.execute_command("SADD", "intset", 1, 2, -3, 400000)
    r.execute_command("SADD", "set", "a", "b", *["m%d" % i for i in range(big)])
    r.execute_command("ZADD", "zset", 1.5, "a", -2, "b", "+inf", "c")
    r.execute_command("ZADD", "bigzset", *[x for i in range(big) for x in (i % 97 / 3, "m%d" % i)])
    r.execute_command("SELECT", 2)
    r.execute_command("SET", "db2key", "in db 2")
    r.execute_command("RPUSH", "db2list", "x", "y")
    r.execute_command("SELECT", 0)


def snapshot(r):
    """Every key of databases 0 and 2: type, contents, encoding."""
    out = {}
    for db in (0, 2):
        r.execute_command("SELECT", db)
        for key in r.execute_command("KEYS", "*"):
            t = r.execute_command("TYPE", key)
            if t == b"string":
                v = r.execute_command("GET", key)
            elif t == b"list":
                v = r.execute_command("LRANGE", key, 0, -1)
            elif t == b"hash":
                v = sorted(zip(*[iter(r.execute_command("HGETALL", key))] * 2))
            elif t == b"set":
                v = sorted(r.execute_command("SMEMBERS", key))
            else:
                v = r.execute_command("ZRANGE", key, 0, -1, "WITHSCORES")
            enc = r.execute_command("OBJECT", "ENCODING", key)
            out[(db, key)] = (t, v, enc)
    r.execute_command("SELECT", 0)
    return out


def populate_slowly_saved(r, target):
    """Enough data that a BGSAVE takes a while (Redis: a save delay)."""
    if target == "redis":
        r.execute_command("CONFIG", "SET", "rdb-key-save-delay", 100000)  # 0.1 s per key
        for i in range(30):
            r.execute_command("SET", "slow%d" % i, i)
        return
    for j in range(8):
        r.execute_command("HSET", "slowhash%d" % j,
                          *[x for i in range(10000) for x in ("f%d" % i, "v%d" % i)])


def no_temp_files(workdir):
    return [p.name for p in Path(workdir).iterdir() if p.name.startswith("temp-")]


# --------------------------------------------------------------------------
# SAVE and loading at start
# --------------------------------------------------------------------------

def test_save_then_restart_brings_every_type_back(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    fill(r)
    before = snapshot(r)
    assert r.execute_command("SAVE") == b"OK"
    assert (tmp_path / DUMP).is_file()
    assert no_temp_files(tmp_path) == []
    r.execute_command("SET", "after-save", "lost")  # not saved: SIGTERM without rules
    r = restart(srv)
    assert snapshot(r) == before
    assert r.execute_command("EXISTS", "after-save") == 0
    fields = info(r)
    assert fields["rdb_last_load_keys_loaded"] == str(len(before))
    assert fields["rdb_last_load_keys_expired"] == "0"
    assert fields["rdb_changes_since_last_save"] == "0"
    assert fields["loading"] == "0"


@aikv_only
def test_load_is_logged(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    r.execute_command("SET", "k", "v")
    r.execute_command("SAVE")
    restart(srv)
    assert "DB loaded from disk: 1 keys" in srv.log_tail(200)


def test_ttls_survive_a_restart_and_expired_keys_are_not_loaded(memory_engine, started,
                                                                 tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    r.execute_command("SET", "long", "v", "PX", 200000)
    r.execute_command("RPUSH", "longlist", "a", "b")
    r.execute_command("PEXPIRE", "longlist", 300000)
    r.execute_command("SET", "short", "v", "PX", 400)
    r.execute_command("HSET", "shorthash", "f", "v")
    r.execute_command("PEXPIRE", "shorthash", 400)
    r.execute_command("SET", "forever", "v")
    when = r.execute_command("PEXPIRETIME", "long")
    assert r.execute_command("SAVE") == b"OK"
    time.sleep(0.6)  # the short ones expire while the server is down
    r = restart(srv)
    assert r.execute_command("PEXPIRETIME", "long") == when
    assert 0 < r.execute_command("PTTL", "longlist") <= 300000
    assert r.execute_command("LRANGE", "longlist", 0, -1) == [b"a", b"b"]
    assert r.execute_command("EXISTS", "short", "shorthash") == 0
    assert r.execute_command("TTL", "forever") == -1
    fields = info(r)
    assert fields["rdb_last_load_keys_loaded"] == "3"
    assert fields["rdb_last_load_keys_expired"] == "2"
    assert r.execute_command("DBSIZE") == 3


def test_a_server_without_a_snapshot_starts_empty(memory_engine, started, tmp_path):
    r = started(tmp_path).client()
    assert r.execute_command("DBSIZE") == 0
    assert info(r)["rdb_last_load_keys_loaded"] == "0"


def test_garbage_snapshot_refuses_to_start(memory_engine, started, tmp_path):
    (tmp_path / DUMP).write_bytes(b"this is not a snapshot, only some text\n" * 20)
    srv = started(tmp_path, expect_failure=True)
    if TARGET == "aikv":
        log = srv.log_tail(50)
        assert "Fatal error loading the DB" in log, log
        assert DUMP in log


def test_truncated_snapshot_refuses_to_start(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    fill(r, big=20000)
    r.execute_command("SAVE")
    problems = srv.stop()
    assert not problems
    data = (tmp_path / DUMP).read_bytes()
    (tmp_path / DUMP).write_bytes(data[:len(data) // 2])
    bad = started(tmp_path, name="truncated", expect_failure=True)
    if TARGET == "aikv":
        assert "Fatal error loading the DB" in bad.log_tail(50)


def test_empty_snapshot_file_refuses_to_start(memory_engine, started, tmp_path):
    (tmp_path / DUMP).write_bytes(b"")
    started(tmp_path, expect_failure=True)


# --------------------------------------------------------------------------
# SAVE / BGSAVE / LASTSAVE: replies, errors, INFO
# --------------------------------------------------------------------------

def test_save_bgsave_lastsave_arguments(memory_engine, started, tmp_path):
    r = started(tmp_path).client()
    assert err(r, "SAVE", "x") == wrong_args("save")
    assert err(r, "LASTSAVE", "x") == wrong_args("lastsave")
    assert err(r, "BGSAVE", "x") == SYNTAX
    assert err(r, "BGSAVE", "SCHEDULE", "x") == SYNTAX
    assert isinstance(r.execute_command("LASTSAVE"), int)


def test_command_info(memory_engine, started, tmp_path):
    r = started(tmp_path).client()
    rows = {row[0]: row[:8] for row in r.execute_command("COMMAND", "INFO", "save", "bgsave",
                                                          "lastsave")}
    assert rows[b"save"] == [b"save", 1, [b"admin", b"noscript", b"no_async_loading",
                                          b"no_multi"], 0, 0, 0,
                             [b"@admin", b"@slow", b"@dangerous"], []]
    assert rows[b"bgsave"] == [b"bgsave", -1, [b"admin", b"noscript", b"no_async_loading"], 0, 0,
                               0, [b"@admin", b"@slow", b"@dangerous"], []]
    assert rows[b"lastsave"] == [b"lastsave", 1, [b"loading", b"stale", b"fast"], 0, 0, 0,
                                 [b"@admin", b"@fast", b"@dangerous"],
                                 [b"nondeterministic_output"]]


def test_save_is_refused_inside_multi(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    with srv.raw() as c:
        assert c.cmd("MULTI") == b"OK"
        assert c.cmd("SAVE") == "ERR Command not allowed inside a transaction"
        assert c.cmd("DISCARD") == b"OK"


def test_bgsave_inside_exec_is_scheduled(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    r.execute_command("SET", "k", "v")
    with srv.raw() as c:
        assert c.cmd("MULTI") == b"OK"
        assert c.cmd("BGSAVE") == b"QUEUED"
        assert c.cmd("EXEC") == [b"Background saving scheduled"]
    wait_for(lambda: (tmp_path / DUMP).exists() and info(r)["rdb_bgsave_in_progress"] == "0",
             timeout=30, what="the scheduled BGSAVE")
    wait_for(lambda: info(r)["rdb_changes_since_last_save"] == "0", timeout=30,
             what="the scheduled BGSAVE to be reaped")


def test_bgsave_lastsave_and_info(memory_engine, started, tmp_path, target):
    srv = started(tmp_path)
    r = srv.client(socket_timeout=120)  # SAVE of the big dataset, under sanitizers
    fields = info(r)
    assert fields["rdb_bgsave_in_progress"] == "0"
    assert fields["rdb_last_bgsave_status"] == "ok"
    assert fields["rdb_last_bgsave_time_sec"] == "-1"
    assert fields["rdb_current_bgsave_time_sec"] == "-1"
    assert fields["rdb_saves"] == "0"
    first = r.execute_command("LASTSAVE")
    assert int(fields["rdb_last_save_time"]) == first
    populate_slowly_saved(r, target)
    r.execute_command("SET", "k", "v")
    dirty = int(info(r)["rdb_changes_since_last_save"])
    assert dirty > 0
    time.sleep(1.1)  # so that LASTSAVE can move
    assert r.execute_command("BGSAVE") == b"Background saving started"
    # one save at a time
    assert err(r, "BGSAVE") == IN_PROGRESS
    assert err(r, "BGSAVE", "SCHEDULE") == IN_PROGRESS
    assert err(r, "SAVE") == IN_PROGRESS
    fields = info(r)
    assert fields["rdb_bgsave_in_progress"] == "1"
    assert int(fields["rdb_current_bgsave_time_sec"]) >= 0
    assert fields["rdb_saves"] == "1"
    # writes during the save stay counted after it
    r.execute_command("SET", "during", "1")
    r.execute_command("SET", "during2", "2")
    wait_bgsave_done(r)
    fields = info(r)
    assert fields["rdb_last_bgsave_status"] == "ok"
    assert int(fields["rdb_last_bgsave_time_sec"]) >= 0
    assert fields["rdb_current_bgsave_time_sec"] == "-1"
    assert fields["rdb_changes_since_last_save"] == "2"
    assert r.execute_command("LASTSAVE") > first
    assert int(fields["rdb_last_save_time"]) == r.execute_command("LASTSAVE")
    assert (tmp_path / DUMP).is_file()
    assert no_temp_files(tmp_path) == []
    if target == "redis":
        r.execute_command("CONFIG", "SET", "rdb-key-save-delay", 0)
    assert r.execute_command("SAVE") == b"OK"
    fields = info(r)
    assert fields["rdb_saves"] == "2"
    assert fields["rdb_changes_since_last_save"] == "0"
    assert r.execute_command("BGSAVE", "SCHEDULE") == b"Background saving started"
    wait_bgsave_done(r)
    assert info(r)["rdb_saves"] == "3"
    if TARGET == "aikv":
        log = srv.log_tail(100)
        assert "Background saving started by pid" in log
        assert "Background saving terminated with success" in log


def test_failed_bgsave_sets_the_status_and_keeps_the_old_file(memory_engine, started,
                                                              tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    r.execute_command("SET", "k", "v")
    # A directory where the snapshot goes: the final rename fails.
    (tmp_path / DUMP).mkdir()
    assert r.execute_command("BGSAVE") == b"Background saving started"
    wait_bgsave_done(r)
    fields = info(r)
    assert fields["rdb_last_bgsave_status"] == "err"
    assert fields["rdb_changes_since_last_save"] != "0"
    wait_for(lambda: no_temp_files(tmp_path) == [], timeout=10, what="the temp file to go")
    assert err(r, "SAVE").startswith("ERR")
    (tmp_path / DUMP).rmdir()
    assert r.execute_command("BGSAVE") == b"Background saving started"
    wait_bgsave_done(r)
    assert info(r)["rdb_last_bgsave_status"] == "ok"
    if TARGET == "aikv":
        assert "Background saving error" in srv.log_tail(100)


def test_shutdown_kills_a_running_bgsave(memory_engine, started, tmp_path, target):
    srv = started(tmp_path)
    r = srv.client()
    populate_slowly_saved(r, target)
    assert r.execute_command("BGSAVE") == b"Background saving started"
    assert info(r)["rdb_bgsave_in_progress"] == "1"
    shutdown(r, "NOSAVE")
    assert wait_exit(srv) == 0
    assert no_temp_files(tmp_path) == []


def test_the_bgsave_child_does_not_keep_the_port(memory_engine, started, tmp_path, target):
    srv = started(tmp_path)
    r = srv.client()
    populate_slowly_saved(r, target)
    assert r.execute_command("BGSAVE") == b"Background saving started"
    match = wait_for(lambda: re.search(r"Background saving started by pid (\d+)",
                                       srv.log_tail(100)), timeout=10, what="the child's pid")
    child = int(match.group(1))
    try:
        port = srv.port
        srv.proc.kill()  # the parent dies; the child goes on writing
        srv.proc.wait(10)
        srv.stop()

        def port_free():
            # (a moment after the fork the child may not have closed it yet)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind((helpers.HOST, port))
                    s.listen(1)
                except OSError:
                    return False
                return True

        wait_for(port_free, timeout=10, what="the port to be free")
        # ... while the child was still at work: it had let the port go
        stat = Path("/proc/%d/stat" % child).read_text()
        assert stat.split(") ")[1][0] not in "ZX", "the save ended first: inconclusive"
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --------------------------------------------------------------------------
# the save setting and its rules
# --------------------------------------------------------------------------

def test_config_set_save_validates_like_redis(memory_engine, started, tmp_path):
    r = started(tmp_path).client()
    assert r.execute_command("CONFIG", "GET", "save") == [b"save", b""]
    assert r.execute_command("CONFIG", "SET", "save", "3600 1 300 100") == b"OK"
    assert r.execute_command("CONFIG", "GET", "save") == [b"save", b"3600 1 300 100"]
    assert r.execute_command("CONFIG", "SET", "save", "05 +1") == b"OK"
    assert r.execute_command("CONFIG", "GET", "save") == [b"save", b"5 1"]
    for bad in ("3600", "0 1", "1 -1", "1 x", "x 1", " ", "1 1 ", "1  1"):
        assert err(r, "CONFIG", "SET", "save", bad) == (
            "ERR CONFIG SET failed (possibly related to argument 'save') - "
            "Invalid save parameters"), bad
    assert r.execute_command("CONFIG", "GET", "save") == [b"save", b"5 1"]
    assert r.execute_command("CONFIG", "SET", "save", "") == b"OK"
    assert r.execute_command("CONFIG", "GET", "save") == [b"save", b""]


def test_save_lines_on_the_command_line_add_up(memory_engine, started, tmp_path):
    r = started(tmp_path, "--save", "900", "1", "--save", "300", "10").client()
    assert r.execute_command("CONFIG", "GET", "save") == [b"save", b"900 1 300 10"]


def test_a_save_rule_starts_a_bgsave(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    r.execute_command("SET", "a", "1")
    r.execute_command("SET", "b", "2")
    assert not (tmp_path / DUMP).exists()
    r.execute_command("CONFIG", "SET", "save", "1 2")
    # more than a second after the last save, at least 2 changes: a BGSAVE
    wait_for(lambda: (tmp_path / DUMP).exists() and info(r)["rdb_changes_since_last_save"] == "0",
             timeout=20, interval=0.1, what="the rule's BGSAVE")
    assert info(r)["rdb_saves"] == "1"
    r.execute_command("CONFIG", "SET", "save", "")
    if TARGET == "aikv":
        assert "2 changes in 1 seconds. Saving..." in srv.log_tail(100)
    r = restart(srv)
    assert r.execute_command("MGET", "a", "b") == [b"1", b"2"]


def test_a_rule_needs_enough_changes(memory_engine, started, tmp_path):
    srv = started(tmp_path, "--save", "1", "100")
    r = srv.client()
    r.execute_command("SET", "a", "1")
    time.sleep(2.5)
    assert info(r)["rdb_saves"] == "0"
    assert not (tmp_path / DUMP).exists()


def test_flushall_with_save_rules_saves_at_once(memory_engine, started, tmp_path):
    srv = started(tmp_path, "--save", "3600", "1")
    r = srv.client()
    r.execute_command("SET", "a", "1")
    assert r.execute_command("SAVE") == b"OK"
    r.execute_command("SET", "b", "2")
    r.execute_command("FLUSHALL")
    assert info(r)["rdb_changes_since_last_save"] == "0"
    srv.proc.kill()  # no snapshot at exit: what is on disk is FLUSHALL's
    srv.proc.wait(10)
    srv.stop()  # (reports the SIGKILL, which is ours)
    srv.start(timeout=30)
    r = srv.client()
    assert r.execute_command("DBSIZE") == 0


# --------------------------------------------------------------------------
# SHUTDOWN and SIGTERM
# --------------------------------------------------------------------------

def test_shutdown_save_without_rules_saves(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    r.execute_command("SET", "k", "v")
    shutdown(r, "SAVE")
    assert wait_exit(srv) == 0
    r = restart(srv)
    assert r.execute_command("GET", "k") == b"v"


def test_shutdown_default_saves_only_with_rules(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    r.execute_command("SET", "k", "v")
    shutdown(r)
    assert wait_exit(srv) == 0
    assert not (tmp_path / DUMP).exists()
    r = restart(srv)
    r.execute_command("CONFIG", "SET", "save", "3600 1")
    r.execute_command("SET", "k", "v2")
    shutdown(r)
    assert wait_exit(srv) == 0
    assert (tmp_path / DUMP).exists()
    r = restart(srv)
    assert r.execute_command("GET", "k") == b"v2"


def test_shutdown_nosave_skips_the_rules(memory_engine, started, tmp_path):
    srv = started(tmp_path, "--save", "3600", "1")
    r = srv.client()
    r.execute_command("SET", "k", "old")
    assert r.execute_command("SAVE") == b"OK"
    r.execute_command("SET", "k", "new")
    shutdown(r, "NOSAVE")
    assert wait_exit(srv) == 0
    r = restart(srv)
    assert r.execute_command("GET", "k") == b"old"


def test_shutdown_fails_when_the_save_fails_unless_force(memory_engine, started, tmp_path):
    srv = started(tmp_path)
    r = srv.client()
    r.execute_command("SET", "k", "v")
    (tmp_path / DUMP).mkdir()  # the snapshot cannot be renamed into place
    assert err(r, "SHUTDOWN", "SAVE") == SHUTDOWN_FAILED
    assert r.execute_command("PING") == b"PONG"
    r.execute_command("CONFIG", "SET", "save", "3600 1")
    assert err(r, "SHUTDOWN") == SHUTDOWN_FAILED
    assert r.execute_command("PING") == b"PONG"
    if TARGET == "aikv":
        assert "Error trying to save the DB, can't exit." in srv.log_tail(100)
    shutdown(r, "SAVE", "FORCE")
    assert wait_exit(srv) == 0
    assert no_temp_files(tmp_path) == []
    (tmp_path / DUMP).rmdir()


def test_sigterm_saves_when_rules_exist(memory_engine, started, tmp_path):
    srv = started(tmp_path, "--save", "3600", "1")
    r = srv.client()
    fill(r, big=50)
    before = snapshot(r)
    r = restart(srv)  # SIGTERM
    assert snapshot(r) == before
    r.execute_command("CONFIG", "SET", "save", "")
    r.execute_command("SET", "unsaved", "1")
    r = restart(srv)
    assert r.execute_command("EXISTS", "unsaved") == 0


def test_sigint_saves_when_rules_exist(memory_engine, started, tmp_path):
    srv = started(tmp_path, "--save", "3600", "1")
    r = srv.client()
    r.execute_command("SET", "k", "v")
    os.kill(srv.proc.pid, signal.SIGINT)
    assert wait_exit(srv) == 0
    r = restart(srv)
    assert r.execute_command("GET", "k") == b"v"


def test_sigterm_with_a_failing_save_keeps_running(memory_engine, started, tmp_path):
    srv = started(tmp_path, "--save", "3600", "1")
    r = srv.client()
    r.execute_command("SET", "k", "v")
    (tmp_path / DUMP).mkdir()
    os.kill(srv.proc.pid, signal.SIGTERM)
    time.sleep(0.5)
    assert srv.proc.poll() is None
    assert r.execute_command("PING") == b"PONG"
    (tmp_path / DUMP).rmdir()
    r = restart(srv)
    assert r.execute_command("GET", "k") == b"v"


# --------------------------------------------------------------------------
# one file format for both engines
# --------------------------------------------------------------------------

@aikv_only
def test_a_snapshot_opens_with_the_sqlite_engine(memory_engine, started, tmp_path):
    mem_dir, sq_dir = tmp_path / "mem", tmp_path / "sq"
    mem_dir.mkdir()
    sq_dir.mkdir()
    srv = started(mem_dir)
    r = srv.client()
    fill(r)
    r.execute_command("EXPIRE", "str", 100000)
    before = snapshot(r)
    assert r.execute_command("SAVE") == b"OK"
    problems = srv.stop()
    assert not problems
    path = str(mem_dir / DUMP)
    sq = started(sq_dir, "--storage", "sqlite", "--dbfilename", path, name="sqlite")
    s = sq.client()
    assert parse_info(s.execute_command("INFO", "server"))["Server"]["storage_engine"] == "sqlite"
    assert snapshot(s) == before
    assert 0 < s.execute_command("TTL", "str") <= 100000
    # the other way: what the SQLite engine writes, the memory engine loads
    s.execute_command("SET", "written-by-sqlite", "yes")
    s.execute_command("DEL", "hash")
    shutdown(s)
    assert wait_exit(sq) == 0
    r = restart(srv)
    assert r.execute_command("GET", "written-by-sqlite") == b"yes"
    assert r.execute_command("EXISTS", "hash") == 0
    assert r.execute_command("LRANGE", "list", 0, -1) == before[(0, b"list")][1]


@aikv_only
def test_an_sqlite_store_loads_into_the_memory_engine(memory_engine, started, tmp_path):
    sq = started(tmp_path, "--storage", "sqlite", "--dbfilename", "store.aikv", name="sqlite")
    s = sq.client()
    fill(s, big=500)
    s.execute_command("SET", "ttl", "v", "EX", 1000)
    s.execute_command("SET", "short", "v", "PX", 1500)
    before = snapshot(s)
    problems = sq.stop()
    assert not problems
    time.sleep(1.6)
    del before[(0, b"short")]
    srv = started(tmp_path, "--dbfilename", "store.aikv")
    r = srv.client()
    assert snapshot(r) == before
    assert 0 < r.execute_command("TTL", "ttl") <= 1000
    fields = info(r)
    assert fields["rdb_last_load_keys_loaded"] == str(len(before))
    assert fields["rdb_last_load_keys_expired"] == "1"


@aikv_only
def test_save_and_bgsave_with_the_sqlite_engine(started, tmp_path):
    srv = started(tmp_path, "--storage", "sqlite", "--dbfilename", "store.aikv", name="sqlite")
    r = srv.client()
    r.execute_command("SET", "k", "v")
    first = r.execute_command("LASTSAVE")
    time.sleep(1.1)
    assert r.execute_command("SAVE") == b"OK"
    assert r.execute_command("LASTSAVE") > first
    assert info(r)["rdb_changes_since_last_save"] == "0"
    assert r.execute_command("BGSAVE") == b"Background saving started"
    assert info(r)["rdb_bgsave_in_progress"] == "0"
    # the WAL was folded into the file: the file alone has the data
    wal = tmp_path / "store.aikv-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert not (tmp_path / DUMP).exists()

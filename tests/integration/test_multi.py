"""Transactions: MULTI EXEC DISCARD WATCH UNWATCH, with Redis 7.0's rules.

Queueing (+QUEUED), commands refused while queueing (EXECABORT), run-time
errors answered in place without rollback, WATCH invalidation by every kind
of write (other clients, the watcher itself, expiry, FLUSHDB/FLUSHALL/SWAPDB
of keys that exist), RESP2/RESP3 shapes, RESET/QUIT, CLIENT REPLY inside
EXEC, statistics and CLIENT LIST.

Most tests use raw connections (helpers.RespConn): a transaction is state of
one connection, and the exact reply bytes matter."""

import time

import pytest

from helpers import RespError, parse_client_line, parse_info, wrong_args

EXECABORT = "EXECABORT Transaction discarded because of previous errors."
NOT_INT = "ERR value is not an integer or out of range"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


@pytest.fixture
def a(raw):
    """The client that runs transactions."""
    return raw


@pytest.fixture
def b(a, new_raw):
    """Another client, for writes that should (or should not) invalidate a's
    WATCH."""
    return new_raw()


def exec_ping(c):
    """MULTI / PING / EXEC on c: [b"PONG"] if the transaction ran, None if a
    WATCHed key was touched."""
    assert c.cmd("MULTI") == b"OK"
    assert c.cmd("PING") == b"QUEUED"
    return c.cmd("EXEC")


def run(c, *cmds):
    """Pipelines cmds on c and returns their parsed replies."""
    for cmd in cmds:
        c.send_command(*cmd)
    return c.read_replies(len(cmds))


# --------------------------------------------------------------------------
# MULTI / EXEC / DISCARD
# --------------------------------------------------------------------------

def test_commands_are_queued_then_run_by_exec(a, b):
    assert a.cmd("MULTI") == b"OK"
    assert a.cmd("SET", "k", "1") == b"QUEUED"
    assert a.cmd("INCR", "k") == b"QUEUED"
    assert a.cmd("GET", "k") == b"QUEUED"
    assert b.cmd("EXISTS", "k") == 0  # nothing ran yet
    assert a.cmd("EXEC") == [b"OK", 2, b"2"]
    assert b.cmd("GET", "k") == b"2"


def test_exec_reply_bytes(a):
    assert run(a, ["MULTI"], ["SET", "k", "v"], ["GET", "k"]) == [b"OK", b"QUEUED", b"QUEUED"]
    a.send_command("EXEC")
    assert a.read_raw() == b"*2\r\n+OK\r\n$1\r\nv\r\n"


def test_empty_transaction(a):
    assert a.cmd("MULTI") == b"OK"
    a.send_command("EXEC")
    assert a.read_raw() == b"*0\r\n"


def test_exec_without_multi(a):
    assert a.cmd("EXEC") == "ERR EXEC without MULTI"


def test_discard_without_multi(a):
    assert a.cmd("DISCARD") == "ERR DISCARD without MULTI"


def test_discard_drops_the_queue(a):
    assert run(a, ["MULTI"], ["SET", "k", "v"], ["DISCARD"]) == [b"OK", b"QUEUED", b"OK"]
    assert a.cmd("EXISTS", "k") == 0
    assert a.cmd("EXEC") == "ERR EXEC without MULTI"


def test_transaction_sent_in_one_pipeline(a):
    replies = run(a, ["MULTI"], ["RPUSH", "l", "a", "b"], ["LPUSH", "l", "z"],
                  ["LRANGE", "l", "0", "-1"], ["EXEC"])
    assert replies == [b"OK", b"QUEUED", b"QUEUED", b"QUEUED", [2, 3, [b"z", b"a", b"b"]]]


def test_many_queued_commands(a):
    assert a.cmd("MULTI") == b"OK"
    replies = run(a, *[["INCR", "n"] for _ in range(1000)])
    assert replies == [b"QUEUED"] * 1000
    assert a.cmd("EXEC") == list(range(1, 1001))


def test_queued_arguments_are_copied_binary_safe(a):
    value = b"a\x00b\r\nc" + bytes(range(256))
    assert run(a, ["MULTI"], [b"SET", b"k\x00\xff", value], [b"GET", b"k\x00\xff"]) == \
        [b"OK", b"QUEUED", b"QUEUED"]
    assert a.cmd("EXEC") == [b"OK", value]


def test_nested_multi_is_refused_without_aborting(a):
    assert a.cmd("MULTI") == b"OK"
    assert a.cmd("MULTI") == "ERR MULTI calls can not be nested"
    assert a.cmd("SET", "k", "v") == b"QUEUED"
    assert a.cmd("EXEC") == [b"OK"]


def test_watch_inside_multi_is_refused_without_aborting(a):
    assert a.cmd("MULTI") == b"OK"
    assert a.cmd("WATCH", "k") == "ERR WATCH inside MULTI is not allowed"
    assert a.cmd("SET", "k", "v") == b"QUEUED"
    assert a.cmd("EXEC") == [b"OK"]


def test_unwatch_inside_multi_is_queued(a):
    assert run(a, ["MULTI"], ["UNWATCH"], ["EXEC"]) == [b"OK", b"QUEUED", [b"OK"]]


def test_select_inside_multi(a):
    replies = run(a, ["MULTI"], ["SELECT", "1"], ["SET", "k", "db1"], ["SELECT", "99"],
                  ["GET", "k"], ["EXEC"])
    assert replies[:5] == [b"OK"] + [b"QUEUED"] * 4
    assert replies[5] == [b"OK", b"OK", "ERR DB index is out of range", b"db1"]
    assert a.cmd("GET", "k") == b"db1"  # still in db 1 after EXEC
    assert a.cmd("SELECT", "0") == b"OK"
    assert a.cmd("EXISTS", "k") == 0


# --------------------------------------------------------------------------
# Errors: refused while queueing (EXECABORT) or at run time (in place)
# --------------------------------------------------------------------------

def test_unknown_command_aborts_the_transaction(a):
    assert a.cmd("MULTI") == b"OK"
    assert a.cmd("SET", "k", "v") == b"QUEUED"
    assert a.cmd("NOSUCH", "x") == "ERR unknown command 'NOSUCH', with args beginning with: 'x' "
    assert a.cmd("SET", "k2", "v") == b"QUEUED"  # still answered QUEUED
    assert a.cmd("EXEC") == EXECABORT
    assert a.cmd("EXISTS", "k", "k2") == 0
    assert a.cmd("EXEC") == "ERR EXEC without MULTI"  # the transaction is gone


def test_wrong_arity_aborts_the_transaction(a):
    assert a.cmd("MULTI") == b"OK"
    assert a.cmd("SET", "k") == wrong_args("set")
    assert a.cmd("SET", "k", "v") == b"QUEUED"
    assert a.cmd("EXEC") == EXECABORT
    assert a.cmd("EXISTS", "k") == 0


def test_unknown_subcommand_aborts_the_transaction(a):
    assert a.cmd("MULTI") == b"OK"
    assert a.cmd("CONFIG", "NOSUCH") == "ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP."
    assert a.cmd("EXEC") == EXECABORT


def test_no_multi_command_is_refused_and_aborts(a):
    assert a.cmd("MULTI") == b"OK"
    # SHUTDOWN is flagged no_multi (BOGUS makes it harmless if it ever ran).
    assert a.cmd("SHUTDOWN", "BOGUS") == "ERR Command not allowed inside a transaction"
    assert a.cmd("SET", "k", "v") == b"QUEUED"
    assert a.cmd("EXEC") == EXECABORT
    assert a.cmd("PING") == b"PONG"


def test_discard_with_wrong_arity_aborts_but_keeps_multi(a):
    assert run(a, ["MULTI"], ["SET", "k", "v"]) == [b"OK", b"QUEUED"]
    assert a.cmd("DISCARD", "x") == wrong_args("discard")
    assert a.cmd("EXEC") == EXECABORT


def test_exec_with_wrong_arity_discards_the_transaction(a):
    assert run(a, ["MULTI"], ["SET", "k", "v"]) == [b"OK", b"QUEUED"]
    assert a.cmd("EXEC", "x") == \
        "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"
    assert a.cmd("EXEC") == "ERR EXEC without MULTI"
    assert a.cmd("EXISTS", "k") == 0


def test_exec_with_wrong_arity_outside_multi(a):
    assert a.cmd("EXEC", "x") == \
        "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"


@pytest.mark.parametrize("cmd", [["MULTI", "x"], ["DISCARD", "x"], ["WATCH"], ["UNWATCH", "x"]])
def test_transaction_commands_arity(a, cmd):
    assert a.cmd(*cmd) == wrong_args(cmd[0].lower())


def test_runtime_errors_are_answered_in_place_without_rollback(a):
    a.cmd("SET", "s", "text")
    replies = run(a, ["MULTI"], ["INCR", "s"], ["SET", "b", "2"], ["LPUSH", "s", "x"],
                  ["GET", "b"], ["PING", "a", "b"], ["EXEC"])
    assert replies[:6] == [b"OK"] + [b"QUEUED"] * 5
    assert replies[6] == [NOT_INT, b"OK", WRONGTYPE, b"2",
                          wrong_args("ping")]
    assert a.cmd("GET", "b") == b"2"
    assert a.cmd("GET", "s") == b"text"


def test_auth_inside_multi_is_queued(a):
    assert run(a, ["MULTI"], ["AUTH", "x"], ["PING"], ["EXEC"])[3] == [
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?", b"PONG"]


# --------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------

def test_resp3_null_reply_when_watched_key_changed(a, b):
    a.cmd("HELLO", "3")
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "v")
    assert run(a, ["MULTI"], ["PING"]) == [b"OK", b"QUEUED"]
    a.send_command("EXEC")
    assert a.read_raw() == b"_\r\n"


def test_resp2_null_reply_when_watched_key_changed(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "v")
    assert run(a, ["MULTI"], ["PING"]) == [b"OK", b"QUEUED"]
    a.send_command("EXEC")
    assert a.read_raw() == b"*-1\r\n"


def test_resp3_exec_reply_and_execabort(a):
    a.cmd("HELLO", "3")
    assert run(a, ["MULTI"], ["SET", "k", "1.5"], ["INCRBYFLOAT", "k", "1"],
               ["HGETALL", "nosuch"]) == [b"OK", b"QUEUED", b"QUEUED", b"QUEUED"]
    a.send_command("EXEC")
    assert a.read_raw() == b"*3\r\n+OK\r\n$3\r\n2.5\r\n%0\r\n"
    assert run(a, ["MULTI"], ["NOSUCH"]) == \
        [b"OK", "ERR unknown command 'NOSUCH', with args beginning with: "]
    assert a.cmd("EXEC") == EXECABORT


def test_hello_inside_multi_switches_protocol_midway(a):
    assert run(a, ["MULTI"], ["HELLO", "3"], ["HGETALL", "nosuch"]) == \
        [b"OK", b"QUEUED", b"QUEUED"]
    a.send_command("EXEC")
    data = a.read_raw()
    assert data.startswith(b"*2\r\n%7\r\n")  # the array header was RESP2
    assert data.endswith(b"%0\r\n")          # the command after HELLO is RESP3


# --------------------------------------------------------------------------
# WATCH invalidation
# --------------------------------------------------------------------------

# (setup run by b before WATCH, the write by b after it)
INVALIDATING = {
    "set": ([], [["SET", "k", "v"]]),
    "set-same-value": ([["SET", "k", "v"]], [["SET", "k", "v"]]),
    "del": ([["SET", "k", "v"]], [["DEL", "k"]]),
    "unlink": ([["SET", "k", "v"]], [["UNLINK", "k"]]),
    "expire": ([["SET", "k", "v"]], [["EXPIRE", "k", "100"]]),
    "expire-in-the-past": ([["SET", "k", "v"]], [["EXPIRE", "k", "-1"]]),
    "persist": ([["SET", "k", "v", "EX", "100"]], [["PERSIST", "k"]]),
    "incr": ([["SET", "k", "1"]], [["INCR", "k"]]),
    "append": ([], [["APPEND", "k", "x"]]),
    "rename-source": ([["SET", "k", "v"]], [["RENAME", "k", "other"]]),
    "rename-destination": ([["SET", "other", "v"]], [["RENAME", "other", "k"]]),
    "move-out": ([["SET", "k", "v"]], [["MOVE", "k", "1"]]),
    "move-in": ([["SELECT", "1"], ["SET", "k", "v"], ["SELECT", "0"]],
                [["SELECT", "1"], ["MOVE", "k", "0"]]),
    "copy-destination": ([["SET", "other", "v"]], [["COPY", "other", "k"]]),
    "lpush": ([["RPUSH", "k", "a"]], [["LPUSH", "k", "b"]]),
    "lpush-creates": ([], [["LPUSH", "k", "b"]]),
    "lpop": ([["RPUSH", "k", "a", "b"]], [["LPOP", "k"]]),
    "hset": ([["HSET", "k", "f", "v"]], [["HSET", "k", "g", "v"]]),
    "hdel-last-field": ([["HSET", "k", "f", "v"]], [["HDEL", "k", "f"]]),
    "sadd": ([], [["SADD", "k", "m"]]),
    "zadd": ([], [["ZADD", "k", "1", "m"]]),
    "flushdb": ([["SET", "k", "v"]], [["FLUSHDB"]]),
    "flushdb-async": ([["SET", "k", "v"]], [["FLUSHDB", "ASYNC"]]),
    "flushall": ([["SET", "k", "v"]], [["FLUSHALL"]]),
    "swapdb-key-here": ([["SET", "k", "v"]], [["SWAPDB", "0", "1"]]),
    "swapdb-key-there": ([["SELECT", "1"], ["SET", "k", "v"], ["SELECT", "0"]],
                         [["SWAPDB", "1", "0"]]),
    "sort-store": ([["RPUSH", "src", "2", "1"]], [["SORT", "src", "STORE", "k"]]),
}


@pytest.mark.parametrize("setup,write", list(INVALIDATING.values()), ids=list(INVALIDATING))
def test_write_by_another_client_fails_exec(a, b, setup, write):
    for cmd in setup:
        b.cmd(*cmd)
    assert a.cmd("WATCH", "k") == b"OK"
    for cmd in write:
        reply = b.cmd(*cmd)
        assert not isinstance(reply, RespError), (cmd, reply)
    assert exec_ping(a) is None


NOT_INVALIDATING = {
    "get": ([["SET", "k", "v"]], [["GET", "k"]]),
    "exists-ttl-type": ([["SET", "k", "v"]], [["EXISTS", "k"], ["TTL", "k"], ["TYPE", "k"]]),
    "other-key": ([["SET", "k", "v"]], [["SET", "k2", "v"]]),
    "same-key-other-db": ([["SET", "k", "v"]], [["SELECT", "1"], ["SET", "k", "v2"]]),
    "del-missing": ([], [["DEL", "k"]]),
    "wrongtype-write": ([["SET", "k", "v"]], [["LPUSH", "k", "x"]]),
    "set-nx-fails": ([["SET", "k", "v"]], [["SET", "k", "w", "NX"]]),
    "set-xx-missing": ([], [["SET", "k", "w", "XX"]]),
    "persist-without-ttl": ([["SET", "k", "v"]], [["PERSIST", "k"]]),
    "expire-missing": ([], [["EXPIRE", "k", "10"]]),
    "flushall-key-missing": ([["SET", "other", "v"]], [["FLUSHALL"]]),
    "flushall-key-only-in-other-db": ([["SELECT", "1"], ["SET", "k", "v"], ["SELECT", "0"]],
                                      [["FLUSHALL"]]),
    "flushdb-other-db": ([["SET", "k", "v"]], [["SELECT", "1"], ["FLUSHDB"]]),
    "swapdb-key-in-neither": ([["SELECT", "1"], ["SET", "x", "v"], ["SELECT", "0"]],
                              [["SWAPDB", "0", "1"]]),
    "swapdb-other-dbs": ([["SET", "k", "v"]], [["SWAPDB", "1", "2"]]),
    "swapdb-same-db": ([["SET", "k", "v"]], [["SWAPDB", "0", "0"]]),
    "rename-missing": ([], [["RENAME", "k", "x"]]),
}


@pytest.mark.parametrize("setup,write", list(NOT_INVALIDATING.values()), ids=list(NOT_INVALIDATING))
def test_other_activity_leaves_exec_alone(a, b, setup, write):
    for cmd in setup:
        b.cmd(*cmd)
    assert a.cmd("WATCH", "k") == b"OK"
    for cmd in write:
        b.cmd(*cmd)
    assert exec_ping(a) == [b"PONG"]


def test_watch_missing_key_then_created(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "v")
    assert exec_ping(a) is None


def test_watch_missing_key_then_flushall_still_runs(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    assert b.cmd("FLUSHALL") == b"OK"
    assert exec_ping(a) == [b"PONG"]


@pytest.mark.parametrize("store", [
    ["SDIFFSTORE", "k", "none", "none"],
    ["SUNIONSTORE", "k", "none"],
    ["SINTERSTORE", "k", "none"],
])
def test_watch_missing_key_then_an_empty_store_into_it_still_runs(a, b, store):
    """An empty result over a missing destination changes nothing: no signal."""
    assert a.cmd("WATCH", "k") == b"OK"
    assert b.cmd(*store) == 0
    assert exec_ping(a) == [b"PONG"]


def test_failed_exec_applies_nothing(a, b):
    a.cmd("SET", "k", "1")
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "2")
    assert run(a, ["MULTI"], ["SET", "k", "mine"], ["SET", "other", "x"], ["EXEC"]) == \
        [b"OK", b"QUEUED", b"QUEUED", None]
    assert a.cmd("GET", "k") == b"2"
    assert a.cmd("EXISTS", "other") == 0


def test_one_of_several_watched_keys(a, b):
    assert a.cmd("WATCH", "k1", "k2", "k3") == b"OK"
    b.cmd("SET", "k3", "v")
    assert exec_ping(a) is None


def test_watch_in_several_calls_and_twice(a, b):
    assert a.cmd("WATCH", "k1") == b"OK"
    assert a.cmd("WATCH", "k2", "k2") == b"OK"
    assert a.cmd("WATCH", "k1") == b"OK"
    b.cmd("SET", "k2", "v")
    assert exec_ping(a) is None


def test_watch_is_per_database(a, b):
    assert a.cmd("SELECT", "3") == b"OK"
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "db0")          # db 0: not watched
    assert exec_ping(a) == [b"PONG"]
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SELECT", "3")
    b.cmd("SET", "k", "db3")
    assert exec_ping(a) is None


def test_flushall_reaches_watchers_of_every_database(a, b):
    assert a.cmd("SELECT", "5") == b"OK"
    b.cmd("SELECT", "5")
    b.cmd("SET", "k", "v")
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SELECT", "0")
    assert b.cmd("FLUSHALL") == b"OK"
    assert exec_ping(a) is None


def test_watch_keeps_the_database_it_was_called_in(a, b):
    assert a.cmd("WATCH", "k") == b"OK"  # db 0
    assert a.cmd("SELECT", "1") == b"OK"
    b.cmd("SET", "k", "v")
    assert exec_ping(a) is None


def test_watcher_modifying_its_own_key_fails_exec(a):
    assert a.cmd("WATCH", "k") == b"OK"
    a.cmd("SET", "k", "mine")
    assert exec_ping(a) is None


def test_writes_inside_exec_do_not_fail_it(a):
    assert a.cmd("WATCH", "k") == b"OK"
    assert run(a, ["MULTI"], ["SET", "k", "1"], ["INCR", "k"], ["EXEC"])[3] == [b"OK", 2]


def test_several_watchers_of_one_key(a, b, new_raw):
    c = new_raw()
    assert a.cmd("WATCH", "k") == b"OK"
    assert c.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "v")
    assert exec_ping(a) is None
    assert exec_ping(c) is None


def test_one_watcher_leaving_keeps_the_others(a, b, new_raw):
    c = new_raw()
    assert a.cmd("WATCH", "k") == b"OK"
    assert c.cmd("WATCH", "k") == b"OK"
    assert c.cmd("UNWATCH") == b"OK"
    c.close()
    b.cmd("SET", "k", "v")
    assert exec_ping(a) is None


def test_unwatch_forgets_the_keys(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    assert a.cmd("UNWATCH") == b"OK"
    b.cmd("SET", "k", "v")
    assert exec_ping(a) == [b"PONG"]


def test_unwatch_clears_an_already_touched_watch(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "v")
    assert a.cmd("UNWATCH") == b"OK"
    assert exec_ping(a) == [b"PONG"]


def test_unwatch_without_watch(a):
    assert a.cmd("UNWATCH") == b"OK"


def test_exec_unwatches(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    assert exec_ping(a) == [b"PONG"]
    b.cmd("SET", "k", "v")
    assert exec_ping(a) == [b"PONG"]


def test_failed_exec_unwatches(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "v")
    assert exec_ping(a) is None
    b.cmd("SET", "k", "w")
    assert exec_ping(a) == [b"PONG"]


def test_execabort_unwatches(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    assert run(a, ["MULTI"], ["NOSUCH"], ["EXEC"])[2] == EXECABORT
    b.cmd("SET", "k", "v")
    assert exec_ping(a) == [b"PONG"]


def test_discard_unwatches(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    assert run(a, ["MULTI"], ["DISCARD"]) == [b"OK", b"OK"]
    b.cmd("SET", "k", "v")
    assert exec_ping(a) == [b"PONG"]


def test_touched_watch_with_execabort_reports_execabort(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "v")
    assert run(a, ["MULTI"], ["NOSUCH"], ["EXEC"])[2] == EXECABORT


def test_watched_key_touched_after_multi(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    assert run(a, ["MULTI"], ["SET", "x", "1"]) == [b"OK", b"QUEUED"]
    b.cmd("SET", "k", "v")
    assert a.cmd("EXEC") is None
    assert a.cmd("EXISTS", "x") == 0


def test_client_disconnecting_while_watching(a, b, new_raw):
    c = new_raw()
    assert c.cmd("WATCH", "k", "k2") == b"OK"
    c.close()
    b.cmd("SET", "k", "v")
    assert b.cmd("FLUSHALL") == b"OK"
    assert exec_ping(a) == [b"PONG"]


def test_client_disconnecting_mid_multi(a, b, new_raw):
    c = new_raw()
    assert run(c, ["WATCH", "k"], ["MULTI"], ["SET", "k", "v"], ["INCR", "n"]) == \
        [b"OK", b"OK", b"QUEUED", b"QUEUED"]
    c.close()
    b.cmd("SET", "k", "other")
    assert b.cmd("GET", "k") == b"other"
    assert b.cmd("EXISTS", "n") == 0


# --------------------------------------------------------------------------
# WATCH and expiry
# --------------------------------------------------------------------------

def test_watched_key_expiring_fails_exec(a, b):
    b.cmd("SET", "k", "v", "PX", "100")
    assert a.cmd("WATCH", "k") == b"OK"
    time.sleep(0.3)
    assert exec_ping(a) is None


def test_watched_key_given_ttl_by_watcher_then_expiring(a):
    a.cmd("SET", "k", "v")
    assert a.cmd("WATCH", "k") == b"OK"
    assert a.cmd("PEXPIRE", "k", "50") == 1  # a write: already enough
    time.sleep(0.2)
    assert exec_ping(a) is None


@pytest.fixture(scope="module")
def debug_server(server_factory):
    """DEBUG enabled, for DEBUG SET-ACTIVE-EXPIRE 0: expired keys stay stored
    until something touches them."""
    return server_factory("--enable-debug-command", "yes", name="debug")


@pytest.fixture
def lazy(debug_server, new_raw):
    """Two raw clients of debug_server with active expiry off."""
    x, y = new_raw(debug_server), new_raw(debug_server)
    assert x.cmd("FLUSHALL") == b"OK"
    assert x.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    yield x, y
    x.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_exec_fails_when_a_watched_key_expired_unnoticed(lazy):
    x, y = lazy
    y.cmd("SET", "k", "v", "PX", "50")
    assert x.cmd("WATCH", "k") == b"OK"
    time.sleep(0.15)
    assert y.cmd("DBSIZE") == 1  # still stored: nothing deleted it
    assert exec_ping(x) is None


def test_key_already_expired_when_watched_counts_as_missing(lazy):
    x, y = lazy
    y.cmd("SET", "k", "v", "PX", "10")
    time.sleep(0.05)
    assert x.cmd("WATCH", "k") == b"OK"
    assert y.cmd("DBSIZE") == 1  # WATCH does not delete it
    assert exec_ping(x) == [b"PONG"]


def test_key_already_expired_when_watched_then_deleted_lazily(lazy):
    x, y = lazy
    y.cmd("SET", "k", "v", "PX", "10")
    time.sleep(0.05)
    assert x.cmd("WATCH", "k") == b"OK"
    assert y.cmd("GET", "k") is None  # deletes the expired key: no logical change
    assert exec_ping(x) == [b"PONG"]


def test_key_already_expired_when_watched_then_created(lazy):
    x, y = lazy
    y.cmd("SET", "k", "v", "PX", "10")
    time.sleep(0.05)
    assert x.cmd("WATCH", "k") == b"OK"
    y.cmd("SET", "k", "new")
    assert exec_ping(x) is None


# Redis 7.0's view: a key that was expired when watched is a missing key; it
# stays missing when a flush or swap removes it or puts another expired key
# in its place; a missing key replaced by an expired one is still missing.
EXPIRED_K = [["SET", "k", "v", "PX", "10"]]
EXPIRED_K_DB1 = [["SELECT", "1"], ["SET", "k", "v", "PX", "10"], ["SELECT", "0"]]
LIVE_K_DB1 = [["SELECT", "1"], ["SET", "k", "x"], ["SELECT", "0"]]
EXPIRED_CASES = {
    # name: (setup before WATCH (then 50 ms), writes after WATCH, EXEC runs)
    "flushdb": (EXPIRED_K, [["FLUSHDB"]], True),
    "flushall": (EXPIRED_K, [["FLUSHALL"]], True),
    "flushdb-then-set": (EXPIRED_K, [["FLUSHDB"], ["SET", "k", "1"]], False),
    "swapdb-with-empty-db": (EXPIRED_K, [["SWAPDB", "0", "1"]], True),
    "swapdb-with-live-key": (EXPIRED_K + LIVE_K_DB1, [["SWAPDB", "0", "1"]], False),
    "swapdb-with-expired-key": (EXPIRED_K + EXPIRED_K_DB1, [["SWAPDB", "0", "1"]], True),
    "swapdb-twice": (EXPIRED_K, [["SWAPDB", "0", "1"], ["SWAPDB", "0", "1"]], True),
    "missing-swapped-with-expired": (EXPIRED_K_DB1, [["SWAPDB", "0", "1"]], True),
    "missing-swapped-with-expired-and-back": (EXPIRED_K_DB1,
                                              [["SWAPDB", "0", "1"], ["SWAPDB", "0", "1"]], True),
    "missing-swapped-with-expired-then-read": (EXPIRED_K_DB1,
                                               [["SWAPDB", "0", "1"], ["GET", "k"]], True),
    "missing-swapped-with-expired-then-set": (EXPIRED_K_DB1,
                                              [["SWAPDB", "0", "1"], ["SET", "k", "1"]], False),
}


@pytest.mark.parametrize("setup,writes,runs", list(EXPIRED_CASES.values()), ids=list(EXPIRED_CASES))
def test_expired_keys_with_flush_and_swapdb(lazy, setup, writes, runs):
    x, y = lazy
    for cmd in setup:
        y.cmd(*cmd)
    time.sleep(0.05)
    assert x.cmd("WATCH", "k") == b"OK"
    for cmd in writes:
        y.cmd(*cmd)
    assert exec_ping(x) == ([b"PONG"] if runs else None)


def test_watched_key_expiring_after_watch_then_flushdb(lazy):
    x, y = lazy
    y.cmd("SET", "k", "v", "PX", "50")
    assert x.cmd("WATCH", "k") == b"OK"
    time.sleep(0.1)
    assert y.cmd("FLUSHDB") == b"OK"
    assert exec_ping(x) is None


def test_debug_set_active_expire_keeps_expired_keys_stored(lazy):
    x, y = lazy
    y.cmd("SET", "k", "v", "PX", "10")
    time.sleep(0.3)
    assert y.cmd("DBSIZE") == 1
    assert y.cmd("EXISTS", "k") == 0
    assert y.cmd("DBSIZE") == 0
    assert y.cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
    y.cmd("SET", "k", "v", "PX", "10")
    time.sleep(0.5)
    assert y.cmd("DBSIZE") == 0  # the cron deleted it


# --------------------------------------------------------------------------
# RESET, QUIT, AUTH
# --------------------------------------------------------------------------

def test_reset_discards_multi_and_unwatches(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    assert run(a, ["MULTI"], ["SET", "x", "1"], ["RESET"]) == [b"OK", b"QUEUED", b"RESET"]
    assert a.cmd("EXEC") == "ERR EXEC without MULTI"
    assert a.cmd("EXISTS", "x") == 0
    b.cmd("SET", "k", "v")
    assert exec_ping(a) == [b"PONG"]


def test_reset_unwatches_outside_multi(a, b):
    assert a.cmd("WATCH", "k") == b"OK"
    b.cmd("SET", "k", "v")
    assert a.cmd("RESET") == b"RESET"
    assert exec_ping(a) == [b"PONG"]


def test_quit_inside_multi_closes_without_running(a, b):
    assert run(a, ["MULTI"], ["SET", "k", "v"], ["QUIT"]) == [b"OK", b"QUEUED", b"OK"]
    assert a.is_closed()
    assert b.cmd("EXISTS", "k") == 0


@pytest.fixture(scope="module")
def auth_server(server_factory):
    return server_factory("--requirepass", "pw", name="auth")


def test_transactions_need_authentication(auth_server, new_raw):
    c = new_raw(auth_server)
    assert c.cmd("MULTI") == "NOAUTH Authentication required."
    assert c.cmd("WATCH", "k") == "NOAUTH Authentication required."
    assert c.cmd("DISCARD") == "NOAUTH Authentication required."
    assert c.cmd("EXEC") == \
        "EXECABORT Transaction discarded because of: NOAUTH Authentication required."
    assert c.cmd("AUTH", "pw") == b"OK"
    assert run(c, ["MULTI"], ["AUTH", "wrong"], ["PING"], ["EXEC"])[3] == \
        ["WRONGPASS invalid username-password pair or user is disabled.", b"PONG"]


def test_reset_inside_multi_deauthenticates_exec(auth_server, new_raw):
    c = new_raw(auth_server)
    assert c.cmd("AUTH", "pw") == b"OK"
    assert run(c, ["MULTI"], ["RESET"]) == [b"OK", b"RESET"]
    assert c.cmd("EXEC") == \
        "EXECABORT Transaction discarded because of: NOAUTH Authentication required."


# --------------------------------------------------------------------------
# CLIENT REPLY inside a transaction
# --------------------------------------------------------------------------

def raw_run(c, *cmds):
    for cmd in cmds:
        c.send_command(*cmd)
    return c.read_available(0.3)


def test_client_reply_off_inside_exec_drops_the_rest(a):
    # The array header is already written: Redis sends it, then nothing.
    data = raw_run(a, ["MULTI"], ["CLIENT", "REPLY", "OFF"], ["SET", "k", "1"], ["EXEC"],
                   ["PING"], ["CLIENT", "REPLY", "ON"], ["GET", "k"])
    assert data == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\n1\r\n"


def test_client_reply_skip_inside_exec_skips_the_command_after_exec(a):
    a.cmd("SET", "k", "2")
    data = raw_run(a, ["MULTI"], ["CLIENT", "REPLY", "SKIP"], ["SET", "k", "3"], ["GET", "k"],
                   ["EXEC"], ["PING", "skipped"], ["PING", "sent"])
    assert data == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n$1\r\n3\r\n$4\r\nsent\r\n"


def test_client_reply_skip_before_multi(a):
    data = raw_run(a, ["CLIENT", "REPLY", "SKIP"], ["MULTI"], ["PING"], ["EXEC"])
    assert data == b"+QUEUED\r\n*1\r\n+PONG\r\n"


def test_client_reply_on_inside_exec_after_off(a):
    data = raw_run(a, ["CLIENT", "REPLY", "OFF"], ["MULTI"], ["CLIENT", "REPLY", "ON"],
                   ["PING"], ["EXEC"], ["PING"])
    assert data == b"+OK\r\n+PONG\r\n+PONG\r\n"


# --------------------------------------------------------------------------
# Introspection: CLIENT LIST, INFO, COMMAND INFO
# --------------------------------------------------------------------------

def client_fields(b, name):
    for line in b.cmd("CLIENT", "LIST").decode().split("\n"):
        fields = parse_client_line(line) if line.strip() else {}
        if fields.get("name") == name:
            return fields
    raise AssertionError("no client named %s" % name)


def test_client_list_shows_the_transaction(a, b):
    a.cmd("CLIENT", "SETNAME", "tx")
    f = client_fields(b, "tx")
    assert (f["flags"], f["multi"], f["multi-mem"]) == ("N", "-1", "0")
    assert run(a, ["MULTI"], ["SET", "k", "hello"], ["GET", "k"], ["CLIENT", "INFO"]) == \
        [b"OK", b"QUEUED", b"QUEUED", b"QUEUED"]
    f = client_fields(b, "tx")
    # multi-mem: the argument bytes plus a pointer per argument, as Redis
    assert (f["flags"], f["multi"], f["multi-mem"]) == ("x", "3", "79")
    replies = a.cmd("EXEC")
    inside = parse_client_line(replies[2])
    assert (inside["flags"], inside["multi"], inside["cmd"]) == ("x", "3", "exec")
    f = client_fields(b, "tx")
    assert (f["flags"], f["multi"], f["multi-mem"]) == ("N", "-1", "0")


def test_client_list_shows_a_touched_watch(a, b):
    a.cmd("CLIENT", "SETNAME", "tx")
    assert a.cmd("WATCH", "k") == b"OK"
    assert client_fields(b, "tx")["flags"] == "N"
    b.cmd("SET", "k", "v")
    assert client_fields(b, "tx")["flags"] == "d"
    assert run(a, ["MULTI"], ["SET", "x", "1"]) == [b"OK", b"QUEUED"]
    f = client_fields(b, "tx")
    # A transaction that cannot run queues nothing.
    assert (f["flags"], f["multi"]) == ("xd", "0")
    assert a.cmd("EXEC") is None


def test_commandstats_of_transactions(a):
    a.cmd("SET", "s", "x")
    assert a.cmd("CONFIG", "RESETSTAT") == b"OK"
    run(a, ["MULTI"], ["INCR", "s"], ["SET", "a"], ["GET", "a"], ["EXEC"],
        ["MULTI"], ["INCR", "s"], ["GET", "s"], ["EXEC"],
        ["EXEC"], ["DISCARD"], ["MULTI"], ["MULTI"], ["WATCH", "x"], ["DISCARD"], ["EXEC", "x"])
    stats = parse_info(a.cmd("INFO", "commandstats"))["Commandstats"]

    def counts(name):
        f = dict(kv.split("=") for kv in stats["cmdstat_" + name].split(","))
        return int(f["calls"]), int(f["rejected_calls"]), int(f["failed_calls"])

    # Queued commands count when EXEC runs them, not when queued.
    assert counts("exec") == (3, 1, 2)
    assert counts("multi") == (4, 0, 1)
    assert counts("discard") == (2, 0, 1)
    assert counts("watch") == (1, 0, 1)
    assert counts("incr") == (1, 0, 1)
    assert counts("get") == (1, 0, 0)
    assert counts("set") == (0, 1, 0)
    errors = parse_info(a.cmd("INFO", "errorstats"))["Errorstats"]
    assert errors["errorstat_ERR"] == "count=6"
    assert errors["errorstat_EXECABORT"] == "count=2"


@pytest.mark.parametrize("name,arity,flags,first,last,step", [
    ("multi", 1, ["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0),
    ("exec", 1, ["noscript", "loading", "stale", "skip_slowlog"], 0, 0, 0),
    ("discard", 1, ["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0),
    ("watch", -2, ["noscript", "loading", "stale", "fast", "allow_busy"], 1, -1, 1),
    ("unwatch", 1, ["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0),
])
def test_command_info(a, name, arity, flags, first, last, step):
    info = a.cmd("COMMAND", "INFO", name)[0]
    assert info[:6] == [name.encode(), arity, [f.encode() for f in flags], first, last, step]
    assert b"@transaction" in info[6]
    assert a.cmd("COMMAND", "DOCS", name)[1][5] == b"transactions"  # group


def test_command_getkeys_watch(a):
    assert a.cmd("COMMAND", "GETKEYS", "WATCH", "a", "b") == [b"a", b"b"]


# --------------------------------------------------------------------------
# Another process writing the store's file (SQLite engine)
# --------------------------------------------------------------------------

def _cli_on_file(srv, *args):
    import subprocess

    import helpers
    cli = helpers.aikv_binary().parent / "aikv-cli"
    out = subprocess.run([str(cli), "--file", str(srv.workdir / "data" / "dump.aikv")]
                         + [str(x) for x in args], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out
    return out.stdout.strip()


@pytest.mark.aikv_only
def test_a_write_by_another_process_fails_the_exec(engine, server_factory):
    """The SQLite engine's file is shared (aikv-cli --file writes it while the server runs).
    Which keys another process wrote cannot be told, so any such write since WATCH fails the
    EXEC, as a watched key's change would: a modification is never missed."""
    if engine != "sqlite":
        pytest.skip("the store file of the SQLite engine")
    srv = server_factory(name="watch_shared")
    a = srv.raw()
    try:
        assert a.cmd("SET", "k", "1") == b"OK"
        assert a.cmd("WATCH", "k") == b"OK"
        assert _cli_on_file(srv, "SET", "k", "from-cli") == "OK"
        assert a.cmd("MULTI") == b"OK"
        assert a.cmd("SET", "k", "2") == b"QUEUED"
        assert a.cmd("EXEC") is None
        assert a.cmd("GET", "k") == b"from-cli"
        # Without a foreign write in between, the same transaction runs.
        assert a.cmd("WATCH", "k") == b"OK"
        assert exec_ping(a) == [b"PONG"]
        # A foreign write before the WATCH does not count.
        assert _cli_on_file(srv, "SET", "other", "x") == "OK"
        assert a.cmd("WATCH", "k") == b"OK"
        assert exec_ping(a) == [b"PONG"]
    finally:
        a.close()


def test_watch_survives_the_servers_own_checkpoints(a, b):
    """Many writes by other clients (the SQLite engine checkpoints its WAL meanwhile) to other
    keys leave a WATCH intact."""
    assert a.cmd("WATCH", "k") == b"OK"
    for chunk in range(20):
        for i in range(500):
            b.send_command("SET", "fill:%d:%d" % (chunk, i), "x" * 100)
        replies = b.read_replies(500)
        assert replies == [b"OK"] * 500
    assert exec_ping(a) == [b"PONG"]

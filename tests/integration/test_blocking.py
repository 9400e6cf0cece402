"""Blocking commands: BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP, with
Redis 7.0.15's rules and texts.

Serving at once when a key holds data (reply shapes in RESP2 and RESP3, the first non-empty
key in argument order, WRONGTYPE checked key by key in that order), blocking and being served
by another client's write (LPUSH/RPUSH/ZADD/LMOVE/RENAME/ZUNIONSTORE..., MULTI/EXEC, Lua
scripts, SWAPDB, MOVE), FIFO order between blocked clients, timeouts (their parsing, the null
replies, the "0 = forever" rule), the commands inside MULTI and scripts (never blocking, and
BLPOP & co. refused in scripts), CLIENT UNBLOCK, CLIENT LIST / INFO clients, disconnections
and pipelined commands behind a blocked one.

A client blocks when the server counts it in INFO clients blocked_clients (see block()); "it
is still blocked" means no reply arrived within a short wait. Every wait is bounded. The
`clients` fixture unblocks (CLIENT UNBLOCK) and closes every connection it opened, so that no
test leaves a blocked client behind.
"""

import hashlib
import time

import pytest

from helpers import (RespError, encode_command, err, parse_client_list, parse_info, wait_for,
                     wrong_args)

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_FLOAT = "ERR timeout is not a float or out of range"
NEGATIVE = "ERR timeout is negative"
NUMKEYS = "ERR numkeys should be greater than 0"
COUNT = "ERR count should be greater than 0"
NOT_INT = "ERR value is not an integer or out of range"
UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
BAD_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
NOT_FROM_SCRIPT = "ERR This Redis command is not allowed from script"

NULL2 = b"*-1\r\n"  # RESP2 null array: the timeout reply of every blocking command
NULL3 = b"_\r\n"  # RESP3 null

WAIT = 5.0  # upper bound of every wait for something that must happen


# --------------------------------------------------------------------------
# Helpers and fixtures
# --------------------------------------------------------------------------

def info_clients(r):
    return parse_info(r.execute_command("INFO", "clients"))["Clients"]


def blocked_clients(r):
    return int(info_clients(r)["blocked_clients"])


def block(r, conn, *args):
    """Send a blocking command on conn and wait until the server counts one more
    blocked client. Fails if conn gets a reply instead."""
    before = blocked_clients(r)
    conn.send_command(*args)
    deadline = time.monotonic() + WAIT
    while blocked_clients(r) <= before:
        got = conn.read_available(0.01)
        assert got == b"", "%r answered %r instead of blocking" % (args, got)
        assert not conn.eof, "%r: the server closed the connection" % (args,)
        assert time.monotonic() < deadline, "%r did not block within %.0fs" % (args, WAIT)


def assert_blocked(conn, wait=0.1):
    """Nothing arrives on conn within `wait` seconds, and it is still open."""
    got = conn.read_available(wait)
    assert got == b"", "expected no reply yet, got %r" % got
    assert not conn.eof, "the server closed the connection"


def wait_unblocked(r, n=0):
    wait_for(lambda: blocked_clients(r) == n, timeout=WAIT, what="blocked_clients == %d" % n)


def timed_raw(conn, *args):
    """(exact reply bytes, seconds it took) of one command."""
    start = time.monotonic()
    conn.send_command(*args)
    reply = conn.read_raw()
    return reply, time.monotonic() - start


def sha1(body):
    return hashlib.sha1(body.encode()).hexdigest()


@pytest.fixture
def clients(r, new_raw):
    """clients(resp3=False, db=0) -> a new raw connection with .id (its CLIENT ID).

    At teardown every connection opened this way is unblocked with CLIENT UNBLOCK (harmless
    when it is not blocked) and closed, and blocked_clients must be back to 0."""
    opened = []

    def connect(resp3=False, db=0):
        conn = new_raw()
        opened.append(conn)
        conn.id = conn.cmd("CLIENT", "ID")
        assert isinstance(conn.id, int)
        if resp3:
            assert isinstance(conn.cmd("HELLO", "3"), dict)
        if db:
            assert conn.cmd("SELECT", db) == b"OK"
        return conn

    yield connect
    for conn in opened:
        try:
            r.execute_command("CLIENT", "UNBLOCK", conn.id)
        except Exception:  # noqa: BLE001 - best effort, the close below is what matters
            pass
        conn.close()
    wait_unblocked(r)


@pytest.fixture
def a(clients):
    """The client that blocks."""
    return clients()


@pytest.fixture
def b(clients):
    """The client that writes."""
    return clients()


def lrange(r, key):
    return r.execute_command("LRANGE", key, 0, -1)


def zrange(r, key):
    return r.execute_command("ZRANGE", key, 0, -1, "WITHSCORES")


# --------------------------------------------------------------------------
# Served at once: the key already holds data
# --------------------------------------------------------------------------

def test_blpop_brpop_take_head_and_tail(r, raw):
    r.execute_command("RPUSH", "l", "a", "b", "c")
    raw.send_command("BLPOP", "l", 0)
    assert raw.read_raw() == b"*2\r\n$1\r\nl\r\n$1\r\na\r\n"
    raw.send_command("BRPOP", "l", 0)
    assert raw.read_raw() == b"*2\r\n$1\r\nl\r\n$1\r\nc\r\n"
    assert lrange(r, "l") == [b"b"]


def test_blpop_of_the_last_element_deletes_the_key(r):
    r.execute_command("RPUSH", "l", "only")
    assert r.execute_command("BLPOP", "l", 0) == [b"l", b"only"]
    assert r.execute_command("EXISTS", "l") == 0


@pytest.mark.parametrize("cmd", ["BLPOP", "BRPOP"])
def test_first_non_empty_key_in_argument_order(r, cmd):
    r.execute_command("RPUSH", "l1", "x1")
    r.execute_command("RPUSH", "l2", "x2")
    assert r.execute_command(cmd, "missing", "l2", "l1", 0) == [b"l2", b"x2"]
    assert r.execute_command(cmd, "missing", "l2", "l1", 0) == [b"l1", b"x1"]


def test_bzpopmin_bzpopmax_first_non_empty_key(r):
    r.execute_command("ZADD", "z1", 1, "a", 2, "b")
    r.execute_command("ZADD", "z2", 5, "c", 7, "d")
    assert r.execute_command("BZPOPMIN", "nosuch", "z2", "z1", 0) == [b"z2", b"c", b"5"]
    assert r.execute_command("BZPOPMAX", "nosuch", "z1", "z2", 0) == [b"z1", b"b", b"2"]


@pytest.mark.parametrize("args", [
    ("BLPOP", "s", "l", 0),
    ("BLPOP", "missing", "s", "l", 0),
    ("BRPOP", "s", "l", 0),
    ("BLMPOP", 0, 2, "s", "l", "LEFT"),
    ("BLMPOP", 0, 3, "missing", "s", "l", "RIGHT", "COUNT", 2),
    ("BZPOPMIN", "s", "z", 0),
    ("BZPOPMAX", "missing", "l", "z", 0),  # a list is the wrong type too
    ("BZMPOP", 0, 2, "s", "z", "MIN"),
    ("BZMPOP", 0, 2, "l", "z", "MAX", "COUNT", 3),
    ("BLMOVE", "s", "l", "LEFT", "RIGHT", 0),
    ("BRPOPLPUSH", "s", "l", 0),
])
def test_wrong_type_key_before_a_non_empty_key_is_wrongtype(r, args):
    r.execute_command("SET", "s", "string")
    r.execute_command("RPUSH", "l", "a")
    r.execute_command("ZADD", "z", 1, "m")
    assert err(r, *args) == WRONGTYPE
    assert lrange(r, "l") == [b"a"]
    assert zrange(r, "z") == [b"m", b"1"]


@pytest.mark.parametrize("args, reply", [
    (("BLPOP", "l", "s", 0), [b"l", b"a"]),
    (("BRPOP", "missing", "l", "s", 0), [b"l", b"a"]),
    (("BLMPOP", 0, 2, "l", "s", "LEFT"), [b"l", [b"a"]]),
    (("BZPOPMIN", "z", "s", "l", 0), [b"z", b"m", b"1"]),
    (("BZMPOP", 0, 3, "z", "l", "s", "MAX"), [b"z", [[b"m", b"1"]]]),
])
def test_non_empty_key_before_a_wrong_type_key_is_served(r, args, reply):
    r.execute_command("SET", "s", "string")
    r.execute_command("RPUSH", "l", "a")
    r.execute_command("ZADD", "z", 1, "m")
    assert r.execute_command(*args) == reply


def test_bzpopmin_bzpopmax_resp2_bytes(r, raw):
    r.execute_command("ZADD", "z", 1, "a", 2.5, "b", 0.1, "c", 3, "d")
    raw.send_command("BZPOPMIN", "z", 0)
    assert raw.read_raw() == b"*3\r\n$1\r\nz\r\n$1\r\nc\r\n$19\r\n0.10000000000000001\r\n"
    raw.send_command("BZPOPMAX", "z", 0)
    assert raw.read_raw() == b"*3\r\n$1\r\nz\r\n$1\r\nd\r\n$1\r\n3\r\n"
    raw.send_command("BZPOPMAX", "z", 0)
    assert raw.read_raw() == b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n$3\r\n2.5\r\n"
    assert zrange(r, "z") == [b"a", b"1"]


def test_bzpopmin_bzpopmax_resp3_scores_are_doubles(r, raw):
    r.execute_command("ZADD", "z", 1, "a", 2.5, "b", 3, "c")
    raw.cmd("HELLO", "3")
    raw.send_command("BZPOPMIN", "z", 0)
    assert raw.read_raw() == b"*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n"
    raw.send_command("BZPOPMAX", "z", 0)
    assert raw.read_raw() == b"*3\r\n$1\r\nz\r\n$1\r\nc\r\n,3\r\n"
    raw.send_command("BZPOPMAX", "z", 0)
    assert raw.read_raw() == b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n,2.5\r\n"
    assert raw.cmd("EXISTS", "z") == 0


def test_blmpop_served_at_once(r, raw):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d")
    raw.send_command("BLMPOP", 0, 2, "missing", "l", "LEFT")
    assert raw.read_raw() == b"*2\r\n$1\r\nl\r\n*1\r\n$1\r\na\r\n"
    raw.send_command("BLMPOP", 0, 1, "l", "right", "count", 2)
    assert raw.read_raw() == b"*2\r\n$1\r\nl\r\n*2\r\n$1\r\nd\r\n$1\r\nc\r\n"
    # a COUNT larger than the list takes what there is, and the key goes away
    assert r.execute_command("BLMPOP", 0, 1, "l", "LEFT", "COUNT", 100) == [b"l", [b"b"]]
    assert r.execute_command("EXISTS", "l") == 0


def test_blmpop_resp3_shape(r, raw):
    r.execute_command("RPUSH", "l", "a", "b")
    raw.cmd("HELLO", "3")
    raw.send_command("BLMPOP", 0, 1, "l", "LEFT", "COUNT", 2)
    assert raw.read_raw() == b"*2\r\n$1\r\nl\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"


def test_bzmpop_served_at_once(r, raw):
    r.execute_command("ZADD", "z", 1, "a", 2, "b", 3, "c", 4.5, "d")
    raw.send_command("BZMPOP", 0, 2, "missing", "z", "MIN")
    assert raw.read_raw() == b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    raw.send_command("BZMPOP", 0, 1, "z", "max", "count", 2)
    assert raw.read_raw() == (b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nd\r\n$3\r\n4.5\r\n"
                              b"*2\r\n$1\r\nc\r\n$1\r\n3\r\n")
    assert r.execute_command("BZMPOP", 0, 1, "z", "MIN", "COUNT", 10) == [b"z", [[b"b", b"2"]]]
    assert r.execute_command("EXISTS", "z") == 0


def test_bzmpop_resp3_scores_are_doubles(r, raw):
    r.execute_command("ZADD", "z", 1, "a", 2.5, "b", 3, "c")
    raw.cmd("HELLO", "3")
    raw.send_command("BZMPOP", 0, 1, "z", "MIN", "COUNT", 2)
    assert raw.read_raw() == (b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\na\r\n,1\r\n"
                              b"*2\r\n$1\r\nb\r\n,2.5\r\n")


@pytest.mark.parametrize("wherefrom, whereto, value, src, dst", [
    ("LEFT", "LEFT", b"a", [b"b", b"c"], [b"a", b"x"]),
    ("LEFT", "RIGHT", b"a", [b"b", b"c"], [b"x", b"a"]),
    ("RIGHT", "LEFT", b"c", [b"a", b"b"], [b"c", b"x"]),
    ("RIGHT", "RIGHT", b"c", [b"a", b"b"], [b"x", b"c"]),
])
def test_blmove_served_at_once(r, raw, wherefrom, whereto, value, src, dst):
    r.execute_command("RPUSH", "src", "a", "b", "c")
    r.execute_command("RPUSH", "dst", "x")
    raw.send_command("BLMOVE", "src", "dst", wherefrom.lower(), whereto, 0)
    assert raw.read_raw() == b"$1\r\n" + value + b"\r\n"
    assert lrange(r, "src") == src
    assert lrange(r, "dst") == dst


def test_brpoplpush_served_at_once(r, raw):
    r.execute_command("RPUSH", "src", "a", "b")
    raw.send_command("BRPOPLPUSH", "src", "dst", 0)
    assert raw.read_raw() == b"$1\r\nb\r\n"
    assert r.execute_command("BRPOPLPUSH", "src", "dst", 0) == b"a"
    assert r.execute_command("EXISTS", "src") == 0
    assert lrange(r, "dst") == [b"a", b"b"]


@pytest.mark.parametrize("args, value, after", [
    (("BLMOVE", "l", "l", "LEFT", "RIGHT", 0), b"a", [b"b", b"c", b"a"]),
    (("BLMOVE", "l", "l", "RIGHT", "LEFT", 0), b"c", [b"c", b"a", b"b"]),
    (("BLMOVE", "l", "l", "LEFT", "LEFT", 0), b"a", [b"a", b"b", b"c"]),
    (("BRPOPLPUSH", "l", "l", 0), b"c", [b"c", b"a", b"b"]),
])
def test_same_source_and_destination_rotates(r, args, value, after):
    r.execute_command("RPUSH", "l", "a", "b", "c")
    assert r.execute_command(*args) == value
    assert lrange(r, "l") == after


@pytest.mark.parametrize("cmd", [("BLMOVE", "src", "dst", "LEFT", "RIGHT", 0),
                                 ("BRPOPLPUSH", "src", "dst", 0)])
def test_blmove_into_wrong_type_destination(r, cmd):
    r.execute_command("RPUSH", "src", "a")
    r.execute_command("SET", "dst", "string")
    assert err(r, *cmd) == WRONGTYPE
    assert lrange(r, "src") == [b"a"]
    assert r.execute_command("GET", "dst") == b"string"


@pytest.mark.parametrize("args, error", [
    (("BLMOVE", "l", "d", "UP", "RIGHT", 0), SYNTAX),
    (("BLMOVE", "l", "d", "LEFT", "DOWN", 0), SYNTAX),
    # directions are checked before the timeout
    (("BLMOVE", "l", "d", "UP", "RIGHT", "abc"), SYNTAX),
    (("BLMOVE", "l", "d", "LEFT", "RIGHT", "abc"), NOT_FLOAT),
    (("BLMOVE", "l", "d", "LEFT", "RIGHT", -1), NEGATIVE),
    (("BRPOPLPUSH", "l", "d", "abc"), NOT_FLOAT),
    (("BRPOPLPUSH", "l", "d", -1), NEGATIVE),
])
def test_blmove_brpoplpush_argument_errors(r, args, error):
    r.execute_command("RPUSH", "l", "a")
    assert err(r, *args) == error
    assert lrange(r, "l") == [b"a"]


@pytest.mark.parametrize("args", [
    ("BLPOP",), ("BLPOP", "k"), ("BRPOP", "k"), ("BZPOPMIN", "k"), ("BZPOPMAX",),
    ("BRPOPLPUSH", "a", "b"), ("BRPOPLPUSH", "a", "b", 0, "x"),
    ("BLMOVE", "a", "b", "LEFT", "RIGHT"), ("BLMOVE", "a", "b", "LEFT", "RIGHT", 0, "x"),
    ("BLMPOP", 0, 1, "k"), ("BLMPOP", 0), ("BZMPOP", 0, 1, "k"),
])
def test_wrong_number_of_arguments(r, args):
    assert err(r, *args) == wrong_args(args[0].lower())


# --------------------------------------------------------------------------
# Argument errors: timeouts, numkeys, COUNT, directions
# --------------------------------------------------------------------------

@pytest.mark.parametrize("timeout", [
    "abc", "", "nan", "-nan", " 1", "1 ", "0.1e", "0,1", "1s",
    "1e5000", "-1e5000", "1e-5000",  # overflow / underflow of a long double
])
def test_timeout_not_a_float(r, timeout):
    assert err(r, "BLPOP", "k", timeout) == NOT_FLOAT


@pytest.mark.parametrize("timeout", [
    "-1", "-0.01", "-1e100", "-inf",
    # Redis 7.0.15 computes (long long) ceill(timeout * 1000): values beyond the range of a
    # long long (infinity included) become LLONG_MIN on x86-64, hence "negative".
    # (There is no "timeout is out of range" error in 7.0.)
    "inf", "+inf", "1e16", "1e308", "9223372036854776", "9223372036854775807",
])
def test_timeout_negative(r, timeout):
    assert err(r, "BLPOP", "k", timeout) == NEGATIVE


@pytest.mark.parametrize("args", [
    ("BLPOP", "k", "{}"), ("BRPOP", "k1", "k2", "{}"), ("BZPOPMIN", "k", "{}"),
    ("BZPOPMAX", "k", "{}"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "{}"),
    ("BRPOPLPUSH", "k", "d", "{}"), ("BLMPOP", "{}", 1, "k", "LEFT"),
    ("BZMPOP", "{}", 1, "k", "MIN", "COUNT", 2),
])
def test_every_command_parses_its_timeout(r, args):
    for timeout, error in (("abc", NOT_FLOAT), ("-1", NEGATIVE), ("inf", NEGATIVE)):
        assert err(r, *[timeout if x == "{}" else x for x in args]) == error


def test_timeout_is_parsed_before_the_keys_are_looked_at(r):
    r.execute_command("RPUSH", "l", "a")
    r.execute_command("SET", "s", "v")
    r.execute_command("ZADD", "z", 1, "m")
    for args in (("BLPOP", "l", "abc"), ("BLPOP", "s", "abc"), ("BRPOP", "l", -1),
                 ("BZPOPMIN", "z", "abc"), ("BZPOPMAX", "s", -1),
                 ("BLMOVE", "s", "l", "LEFT", "LEFT", "abc"), ("BRPOPLPUSH", "l", "s", -1),
                 ("BLMPOP", "abc", 1, "s", "LEFT"), ("BZMPOP", -1, 1, "z", "MIN")):
        assert err(r, *args) in (NOT_FLOAT, NEGATIVE), args
    assert lrange(r, "l") == [b"a"]
    assert zrange(r, "z") == [b"m", b"1"]


@pytest.mark.parametrize("cmd, where", [("BLMPOP", "LEFT"), ("BZMPOP", "MIN")])
@pytest.mark.parametrize("tail, error", [
    (("0", "k", "{}"), NUMKEYS),
    (("-1", "k", "{}"), NUMKEYS),
    (("abc", "k", "{}"), NUMKEYS),
    (("99999999999999999999", "k", "{}"), NUMKEYS),
    (("9223372036854775807", "k", "{}"), SYNTAX),  # more keys than arguments
    (("2", "k", "{}"), SYNTAX),  # the direction is taken as the second key
    (("1", "k", "UP"), SYNTAX),
    (("1", "k", "{}", "COUNT"), SYNTAX),
    (("1", "k", "{}", "COUNT", "0"), COUNT),
    (("1", "k", "{}", "COUNT", "-1"), COUNT),
    (("1", "k", "{}", "COUNT", "abc"), COUNT),
    (("1", "k", "{}", "COUNT", "1", "COUNT", "2"), SYNTAX),
    (("1", "k", "{}", "extra"), SYNTAX),
])
def test_mpop_argument_errors(r, cmd, where, tail, error):
    args = [cmd, 0] + [where if x == "{}" else x for x in tail]
    assert err(r, *args) == error


@pytest.mark.parametrize("cmd, where", [("BLMPOP", "LEFT"), ("BZMPOP", "MAX")])
def test_mpop_checks_numkeys_direction_and_count_before_the_timeout(r, cmd, where):
    assert err(r, cmd, "abc", 0, "k", where) == NUMKEYS
    assert err(r, cmd, "abc", 1, "k", "NOWHERE") == SYNTAX
    assert err(r, cmd, "abc", 1, "k", where, "COUNT", 0) == COUNT
    assert err(r, cmd, "abc", 1, "k", where, "COUNT", 2) == NOT_FLOAT


def test_mpop_checks_count_before_the_key_type(r):
    r.execute_command("SET", "s", "v")
    assert err(r, "BLMPOP", 0, 1, "s", "LEFT", "COUNT", 0) == COUNT
    assert err(r, "BZMPOP", 0, 1, "s", "MIN", "COUNT", 0) == COUNT


def test_mpop_keywords_are_case_insensitive(r):
    r.execute_command("RPUSH", "l", "a", "b", "c")
    r.execute_command("ZADD", "z", 1, "a", 2, "b")
    assert r.execute_command("BLMPOP", 0, 1, "l", "rIgHt", "cOuNt", 2) == [b"l", [b"c", b"b"]]
    assert r.execute_command("BZMPOP", 0, 1, "z", "mAx", "count", 1) == [b"z", [[b"b", b"2"]]]


# --------------------------------------------------------------------------
# Timeouts
# --------------------------------------------------------------------------

TIMEOUT_CASES = [
    ("BLPOP", "k1", "k2", 0.1),
    ("BRPOP", "k", 0.1),
    ("BLMOVE", "k", "d", "LEFT", "RIGHT", 0.1),  # *-1 too, not $-1
    ("BRPOPLPUSH", "k", "d", 0.1),
    ("BLMPOP", 0.1, 2, "k1", "k2", "LEFT", "COUNT", 3),
    ("BZPOPMIN", "k", 0.1),
    ("BZPOPMAX", "k1", "k2", 0.1),
    ("BZMPOP", 0.1, 1, "k", "MAX"),
]


@pytest.mark.parametrize("args", TIMEOUT_CASES, ids=[c[0] for c in TIMEOUT_CASES])
def test_timeout_returns_resp2_null_array(a, args):
    reply, took = timed_raw(a, *args)
    assert reply == NULL2
    assert 0.09 <= took < WAIT
    assert a.cmd("PING") == b"PONG"  # the connection goes on normally


@pytest.mark.parametrize("args", TIMEOUT_CASES, ids=[c[0] for c in TIMEOUT_CASES])
def test_timeout_returns_resp3_null(clients, args):
    a = clients(resp3=True)
    reply, took = timed_raw(a, *args)
    assert reply == NULL3
    assert 0.09 <= took < WAIT


@pytest.mark.parametrize("timeout", [".1", "+0.1", "1e-1", "0.10", "0x0.2"])
def test_timeout_spellings(a, timeout):
    reply, took = timed_raw(a, "BLPOP", "k", timeout)
    assert reply == NULL2
    assert 0.09 <= took < WAIT


def test_sub_millisecond_timeout_rounds_up_to_one_millisecond(a):
    # ceil(0.0001 * 1000) = 1 ms: a (short) timeout, not "block forever"
    reply, took = timed_raw(a, "BLPOP", "k", "0.0001")
    assert reply == NULL2
    assert took < WAIT


@pytest.mark.parametrize("timeout", ["0", "0.0", "-0", "-0.0", "-0.0005"])
def test_zero_timeout_blocks_until_served(r, a, b, timeout):
    # -0.0005 s rounds (up) to 0 ms, which means "no timeout"
    block(r, a, "BLPOP", "k", timeout)
    assert info_clients(r)["clients_in_timeout_table"] == "0"
    assert_blocked(a, 0.25)
    assert b.cmd("RPUSH", "k", "v") == 1
    assert a.read_reply() == [b"k", b"v"]


@pytest.mark.parametrize("timeout", ["1e9", "0x10", "86400", "1."])
def test_long_timeouts_block(r, a, timeout):
    block(r, a, "BLPOP", "k", timeout)
    assert info_clients(r)["clients_in_timeout_table"] == "1"
    assert_blocked(a)
    assert r.execute_command("CLIENT", "UNBLOCK", a.id) == 1
    assert a.read_raw() == NULL2
    assert info_clients(r)["clients_in_timeout_table"] == "0"


def test_served_before_the_timeout_gets_exactly_one_reply(r, a, b):
    block(r, a, "BLPOP", "k", 0.2)
    assert b.cmd("LPUSH", "k", "v") == 1
    assert a.read_reply() == [b"k", b"v"]
    assert a.read_available(0.35) == b""  # no late timeout reply
    assert a.cmd("PING") == b"PONG"


# --------------------------------------------------------------------------
# Blocking, then served by another client's write
# --------------------------------------------------------------------------

@pytest.mark.parametrize("push", ["LPUSH", "RPUSH"])
@pytest.mark.parametrize("cmd", ["BLPOP", "BRPOP"])
def test_blocked_pop_served_by_a_push(r, a, b, push, cmd):
    block(r, a, cmd, "k", 0)
    assert_blocked(a)
    # the pusher sees the length including the element the blocked client then takes
    assert b.cmd(push, "k", "v") == 1
    assert a.read_raw() == b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n"
    assert b.cmd("EXISTS", "k") == 0
    assert blocked_clients(r) == 0


@pytest.mark.parametrize("cmd, push, value, left", [
    ("BLPOP", "LPUSH", b"c", [b"b", b"a"]),
    ("BLPOP", "RPUSH", b"a", [b"b", b"c"]),
    ("BRPOP", "LPUSH", b"a", [b"c", b"b"]),
    ("BRPOP", "RPUSH", b"c", [b"a", b"b"]),
])
def test_push_of_several_elements_serves_after_the_whole_push(r, a, b, cmd, push, value, left):
    block(r, a, cmd, "k", 0)
    assert b.cmd(push, "k", "a", "b", "c") == 3
    assert a.read_reply() == [b"k", value]
    assert lrange(r, "k") == left


def test_pushx_and_linsert_cannot_create_the_key(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("LPUSHX", "k", "v") == 0
    assert b.cmd("RPUSHX", "k", "v") == 0
    assert b.cmd("LINSERT", "k", "BEFORE", "p", "v") == 0
    assert_blocked(a)
    assert b.cmd("RPUSH", "k", "v") == 1
    assert a.read_reply() == [b"k", b"v"]


def test_resp3_client_served(r, clients, b):
    a = clients(resp3=True)
    block(r, a, "BLPOP", "k", 0)
    b.cmd("RPUSH", "k", "v")
    assert a.read_raw() == b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n"
    block(r, a, "BZPOPMAX", "z", 0)
    b.cmd("ZADD", "z", 1.5, "m")
    assert a.read_raw() == b"*3\r\n$1\r\nz\r\n$1\r\nm\r\n,1.5\r\n"
    block(r, a, "BZMPOP", 0, 1, "z", "MIN", "COUNT", 5)
    b.cmd("ZADD", "z", 1, "x", 2, "y")
    assert a.read_raw() == (b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nx\r\n,1\r\n"
                            b"*2\r\n$1\r\ny\r\n,2\r\n")


@pytest.mark.parametrize("cmd, member, score", [("BZPOPMIN", b"a", b"1"),
                                                ("BZPOPMAX", b"c", b"3")])
def test_bzpop_served_by_zadd(r, a, b, cmd, member, score):
    block(r, a, cmd, "z", 0)
    assert_blocked(a)
    assert b.cmd("ZADD", "z", 2, "b", 1, "a", 3, "c") == 3
    assert a.read_raw() == b"*3\r\n$1\r\nz\r\n$1\r\n%s\r\n$1\r\n%s\r\n" % (member, score)
    assert b.cmd("ZCARD", "z") == 2


def test_bzpop_served_by_zincrby_and_zunionstore(r, a, b):
    block(r, a, "BZPOPMAX", "z", 0)
    assert b.cmd("ZINCRBY", "z", 2.5, "m") == b"2.5"
    assert a.read_reply() == [b"z", b"m", b"2.5"]
    b.cmd("ZADD", "src", 1, "x", 2, "y")
    block(r, a, "BZPOPMIN", "z", 0)
    assert b.cmd("ZUNIONSTORE", "z", 1, "src") == 2
    assert a.read_reply() == [b"z", b"x", b"1"]
    assert zrange(r, "z") == [b"y", b"2"]


def test_blmpop_served_with_count(r, a, b):
    block(r, a, "BLMPOP", 0, 2, "k1", "k2", "RIGHT", "COUNT", 2)
    assert_blocked(a)
    assert b.cmd("RPUSH", "k2", "a", "b", "c") == 3
    assert a.read_raw() == b"*2\r\n$2\r\nk2\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"
    assert lrange(r, "k2") == [b"a"]


def test_blmpop_count_larger_than_the_push(r, a, b):
    block(r, a, "BLMPOP", 0, 1, "k", "LEFT", "COUNT", 10)
    assert b.cmd("LPUSH", "k", "a", "b") == 2
    assert a.read_reply() == [b"k", [b"b", b"a"]]
    assert b.cmd("EXISTS", "k") == 0


def test_bzmpop_served_with_count(r, a, b):
    block(r, a, "BZMPOP", 0, 2, "z1", "z2", "MAX", "COUNT", 10)
    assert b.cmd("ZADD", "z2", 1, "a", 2, "b", 3, "c") == 3
    assert a.read_raw() == (b"*2\r\n$2\r\nz2\r\n*3\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"
                            b"*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n")
    assert b.cmd("EXISTS", "z2") == 0


@pytest.mark.parametrize("wherefrom, whereto, value, src, dst", [
    ("LEFT", "LEFT", b"a", [b"b", b"c"], [b"a", b"x"]),
    ("LEFT", "RIGHT", b"a", [b"b", b"c"], [b"x", b"a"]),
    ("RIGHT", "LEFT", b"c", [b"a", b"b"], [b"c", b"x"]),
    ("RIGHT", "RIGHT", b"c", [b"a", b"b"], [b"x", b"c"]),
])
def test_blmove_served_from_blocked_state(r, a, b, wherefrom, whereto, value, src, dst):
    b.cmd("RPUSH", "dst", "x")
    block(r, a, "BLMOVE", "src", "dst", wherefrom, whereto, 0)
    assert b.cmd("RPUSH", "src", "a", "b", "c") == 3
    assert a.read_raw() == b"$1\r\n" + value + b"\r\n"
    assert lrange(r, "src") == src
    assert lrange(r, "dst") == dst


def test_brpoplpush_served_from_blocked_state(r, a, b):
    block(r, a, "BRPOPLPUSH", "src", "dst", 0)
    assert b.cmd("LPUSH", "src", "v") == 1
    assert a.read_raw() == b"$1\r\nv\r\n"
    assert b.cmd("EXISTS", "src") == 0
    assert lrange(r, "dst") == [b"v"]
    block(r, a, "BRPOPLPUSH", "src", "dst", 0)
    assert b.cmd("RPUSH", "src", "w", "z") == 2
    assert a.read_reply() == b"z"
    assert lrange(r, "src") == [b"w"]
    assert lrange(r, "dst") == [b"z", b"v"]


@pytest.mark.parametrize("args", [("BLMOVE", "l", "l", "LEFT", "RIGHT", 0),
                                  ("BRPOPLPUSH", "l", "l", 0)])
def test_same_source_and_destination_from_blocked_state(r, a, b, args):
    block(r, a, *args)
    assert b.cmd("RPUSH", "l", "x") == 1
    assert a.read_reply() == b"x"
    assert lrange(r, "l") == [b"x"]


def test_blmove_served_into_wrong_type_destination_gets_wrongtype(r, a, b):
    block(r, a, "BLMOVE", "src", "dst", "LEFT", "RIGHT", 0)
    b.cmd("SET", "dst", "string")
    assert_blocked(a)
    assert b.cmd("RPUSH", "src", "x") == 1
    # the blocked client is unblocked with the error; the element stays in the source
    assert a.read_reply() == WRONGTYPE
    assert lrange(r, "src") == [b"x"]
    assert r.execute_command("GET", "dst") == b"string"
    assert blocked_clients(r) == 0


def test_blmove_chain_serves_a_client_blocked_on_the_destination(r, clients, b):
    mover, popper = clients(), clients()
    block(r, mover, "BLMOVE", "src", "dst", "LEFT", "RIGHT", 0)
    block(r, popper, "BLPOP", "dst", 0)
    assert b.cmd("RPUSH", "src", "x") == 1
    assert mover.read_reply() == b"x"
    assert popper.read_reply() == [b"dst", b"x"]
    assert b.cmd("EXISTS", "src", "dst") == 0


def test_lmove_into_a_blocked_key_serves_it(r, a, b):
    b.cmd("RPUSH", "src", "1", "2")
    block(r, a, "BRPOPLPUSH", "k", "dst", 0)
    assert b.cmd("LMOVE", "src", "k", "LEFT", "LEFT") == b"1"
    assert a.read_reply() == b"1"
    assert lrange(r, "dst") == [b"1"]
    assert b.cmd("EXISTS", "k") == 0
    assert lrange(r, "src") == [b"2"]


def test_rename_onto_a_blocked_key_serves_it(r, a, b):
    b.cmd("RPUSH", "src", "1", "2")
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("RENAME", "src", "k") == b"OK"
    assert a.read_reply() == [b"k", b"1"]
    assert lrange(r, "k") == [b"2"]


# --------------------------------------------------------------------------
# Several blocked clients, several keys
# --------------------------------------------------------------------------

def test_clients_are_served_in_the_order_they_blocked(r, clients, b):
    first, second = clients(), clients()
    block(r, first, "BLPOP", "k", 0)
    block(r, second, "BLPOP", "k", 0)
    assert b.cmd("RPUSH", "k", "x") == 1  # one element serves only the first client
    assert first.read_reply() == [b"k", b"x"]
    assert_blocked(second)
    assert blocked_clients(r) == 1
    assert b.cmd("RPUSH", "k", "y") == 1
    assert second.read_reply() == [b"k", b"y"]
    assert b.cmd("EXISTS", "k") == 0


def test_fifo_order_does_not_depend_on_connection_order(r, clients, b):
    late, early = clients(), clients()
    block(r, early, "BZPOPMIN", "z", 0)
    block(r, late, "BZPOPMIN", "z", 0)
    assert b.cmd("ZADD", "z", 1, "a") == 1
    assert early.read_reply() == [b"z", b"a", b"1"]
    assert_blocked(late)
    assert b.cmd("ZADD", "z", 2, "b") == 1
    assert late.read_reply() == [b"z", b"b", b"2"]


def test_one_push_serves_several_clients_in_order(r, clients, b):
    c1, c2, c3 = clients(), clients(), clients()
    block(r, c1, "BLPOP", "k", 0)
    block(r, c2, "BRPOP", "k", 0)
    block(r, c3, "BLPOP", "k", 0)
    assert b.cmd("RPUSH", "k", "1", "2", "3", "4") == 4
    assert c1.read_reply() == [b"k", b"1"]
    assert c2.read_reply() == [b"k", b"4"]
    assert c3.read_reply() == [b"k", b"2"]
    assert lrange(r, "k") == [b"3"]


def test_one_push_serves_blmpop_clients_in_order(r, clients, b):
    c1, c2 = clients(), clients()
    block(r, c1, "BLMPOP", 0, 1, "k", "LEFT", "COUNT", 2)
    block(r, c2, "BLMPOP", 0, 1, "k", "RIGHT", "COUNT", 2)
    assert b.cmd("LPUSH", "k", "1", "2", "3") == 3
    assert c1.read_reply() == [b"k", [b"3", b"2"]]
    assert c2.read_reply() == [b"k", [b"1"]]
    assert b.cmd("EXISTS", "k") == 0


def test_push_serves_only_as_many_clients_as_elements(r, clients, b):
    c1, c2, c3 = clients(), clients(), clients()
    for c in (c1, c2, c3):
        block(r, c, "BRPOP", "k", 0)
    assert b.cmd("LPUSH", "k", "a", "b") == 2
    assert c1.read_reply() == [b"k", b"a"]
    assert c2.read_reply() == [b"k", b"b"]
    assert_blocked(c3)
    assert blocked_clients(r) == 1


def test_client_blocked_on_several_keys(r, a, b):
    block(r, a, "BLPOP", "k1", "k2", "k3", 0)
    assert blocked_clients(r) == 1  # one client, however many keys
    assert b.cmd("RPUSH", "k2", "x") == 1
    assert a.read_reply() == [b"k2", b"x"]
    # no longer blocked on the other keys
    assert b.cmd("RPUSH", "k1", "y") == 1
    assert b.cmd("RPUSH", "k3", "z") == 1
    assert a.read_available(0.1) == b""
    assert lrange(r, "k1") == [b"y"]
    assert lrange(r, "k3") == [b"z"]


def test_client_blocked_on_the_same_key_twice(r, a, b):
    block(r, a, "BLPOP", "k", "k", 0)
    assert b.cmd("RPUSH", "k", "x", "y") == 2
    assert a.read_reply() == [b"k", b"x"]
    assert lrange(r, "k") == [b"y"]


def test_clients_blocked_on_different_keys(r, clients, b):
    c1, c2 = clients(), clients()
    block(r, c1, "BLPOP", "k1", 0)
    block(r, c2, "BLPOP", "k2", "k1", 0)
    assert b.cmd("RPUSH", "k2", "x") == 1
    assert c2.read_reply() == [b"k2", b"x"]
    assert_blocked(c1)
    assert b.cmd("RPUSH", "k1", "y") == 1
    assert c1.read_reply() == [b"k1", b"y"]


def test_blocked_in_another_db(r, clients, b):
    a = clients(db=1)
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("RPUSH", "k", "db0") == 1  # same name, db 0
    assert_blocked(a)
    assert lrange(r, "k") == [b"db0"]
    assert b.cmd("SELECT", 1) == b"OK"
    assert b.cmd("RPUSH", "k", "db1") == 1
    assert a.read_reply() == [b"k", b"db1"]
    assert b.cmd("EXISTS", "k") == 0


# --------------------------------------------------------------------------
# Writes in MULTI/EXEC and in scripts
# --------------------------------------------------------------------------

def test_push_in_multi_serves_after_exec(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("MULTI") == b"OK"
    assert b.cmd("RPUSH", "k", "x") == b"QUEUED"
    assert b.cmd("LLEN", "k") == b"QUEUED"
    assert_blocked(a, 0.05)
    assert b.cmd("EXEC") == [1, 1]  # inside the transaction the element is still there
    assert a.read_reply() == [b"k", b"x"]
    assert b.cmd("EXISTS", "k") == 0


def test_push_then_del_in_one_multi_leaves_the_client_blocked(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("MULTI") == b"OK"
    b.cmd("LPUSH", "k", "x")
    b.cmd("DEL", "k")
    assert b.cmd("EXEC") == [1, 1]
    assert_blocked(a)
    assert blocked_clients(r) == 1
    assert b.cmd("RPUSH", "k", "y") == 1
    assert a.read_reply() == [b"k", b"y"]


@pytest.mark.parametrize("remove", [("EXPIRE", "k", 0), ("SET", "k", "string"),
                                    ("RPOP", "k"), ("LTRIM", "k", 1, 0)])
def test_data_gone_by_the_end_of_the_transaction_serves_nobody(r, a, b, remove):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("MULTI") == b"OK"
    b.cmd("RPUSH", "k", "x")
    b.cmd(*remove)
    assert not isinstance(b.cmd("EXEC"), RespError)
    assert_blocked(a)
    b.cmd("DEL", "k")
    assert b.cmd("RPUSH", "k", "y") == 1
    assert a.read_reply() == [b"k", b"y"]


def test_push_then_pop_in_one_multi_serves_what_is_left(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("MULTI") == b"OK"
    b.cmd("LPUSH", "k", "x", "y")
    b.cmd("LPOP", "k")
    assert b.cmd("EXEC") == [2, b"y"]
    assert a.read_reply() == [b"k", b"x"]
    assert b.cmd("EXISTS", "k") == 0


def test_keys_readied_in_one_multi_serve_in_the_order_they_were_written(r, a, b):
    block(r, a, "BLPOP", "k1", "k2", 0)
    assert b.cmd("MULTI") == b"OK"
    b.cmd("RPUSH", "k2", "x")
    b.cmd("RPUSH", "k1", "y")
    assert b.cmd("EXEC") == [1, 1]
    assert a.read_reply() == [b"k2", b"x"]  # k2 got data first, though k1 comes first
    assert lrange(r, "k1") == [b"y"]
    assert b.cmd("EXISTS", "k2") == 0


def test_blocking_command_in_the_pushing_transaction_is_served_first(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("MULTI") == b"OK"
    b.cmd("RPUSH", "k", "x")
    b.cmd("BLPOP", "k", 0)
    assert b.cmd("EXEC") == [1, [b"k", b"x"]]
    assert_blocked(a)
    assert b.cmd("RPUSH", "k", "y") == 1
    assert a.read_reply() == [b"k", b"y"]


def test_push_in_a_script_serves_after_the_script(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    body = "redis.call('lpush', KEYS[1], 'x'); return redis.call('llen', KEYS[1])"
    assert b.cmd("EVAL", body, 1, "k") == 1  # still there while the script runs
    assert a.read_reply() == [b"k", b"x"]
    assert b.cmd("EXISTS", "k") == 0


def test_keys_readied_in_one_script_serve_in_the_order_they_were_written(r, a, b):
    block(r, a, "BLPOP", "k1", "k2", 0)
    body = "redis.call('rpush', KEYS[2], 'x'); redis.call('rpush', KEYS[1], 'y')"
    assert b.cmd("EVAL", body, 2, "k1", "k2") is None
    assert a.read_reply() == [b"k2", b"x"]
    assert lrange(r, "k1") == [b"y"]


def test_push_then_del_in_a_script_leaves_the_client_blocked(r, a, b):
    block(r, a, "BZPOPMIN", "z", 0)
    body = "redis.call('zadd', KEYS[1], 1, 'm'); redis.call('del', KEYS[1])"
    assert b.cmd("EVAL", body, 1, "z") is None
    assert_blocked(a)
    assert b.cmd("ZADD", "z", 2, "n") == 1
    assert a.read_reply() == [b"z", b"n", b"2"]


def test_script_popping_what_it_pushed_leaves_the_client_blocked(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    body = "redis.call('rpush', KEYS[1], 'y'); return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')"
    assert b.cmd("EVAL", body, 1, "k") == [b"k", [b"y"]]
    assert_blocked(a)


# --------------------------------------------------------------------------
# The key changing type, DB operations
# --------------------------------------------------------------------------

def test_key_becoming_a_string_then_a_list(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("SET", "k", "string") == b"OK"
    assert_blocked(a)
    assert b.cmd("DEL", "k") == 1
    assert_blocked(a, 0.05)
    assert b.cmd("RPUSH", "k", "x", "y") == 2
    assert a.read_reply() == [b"k", b"x"]
    assert lrange(r, "k") == [b"y"]


def test_bzpopmin_is_not_served_by_a_list(r, a, b):
    block(r, a, "BZPOPMIN", "k", 0)
    assert b.cmd("LPUSH", "k", "x") == 1
    assert_blocked(a)
    assert lrange(r, "k") == [b"x"]
    assert b.cmd("DEL", "k") == 1
    assert b.cmd("ZADD", "k", 3, "m") == 1
    assert a.read_reply() == [b"k", b"m", b"3"]
    assert b.cmd("EXISTS", "k") == 0


def test_blpop_is_not_served_by_a_zset(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("ZADD", "k", 1, "m") == 1
    assert b.cmd("SADD", "s", "m") == 1
    assert_blocked(a)
    assert zrange(r, "k") == [b"m", b"1"]


def test_types_flipping_in_one_multi_serve_nobody(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("MULTI") == b"OK"
    for cmd in (("RPUSH", "k", "1"), ("SET", "k", "v"), ("DEL", "k"), ("ZADD", "k", 1, "x")):
        assert b.cmd(*cmd) == b"QUEUED"
    assert b.cmd("EXEC") == [1, b"OK", 1, 1]
    assert_blocked(a)


@pytest.mark.parametrize("flush", [("FLUSHALL",), ("FLUSHDB",), ("DEL", "k")])
def test_flush_and_del_leave_clients_blocked(r, a, b, flush):
    block(r, a, "BLPOP", "k", 0)
    b.cmd(*flush)
    assert_blocked(a)
    assert blocked_clients(r) == 1
    assert b.cmd("RPUSH", "k", "x") == 1
    assert a.read_reply() == [b"k", b"x"]


def test_swapdb_serves_a_client_blocked_on_a_key_that_now_has_data(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("SELECT", 1) == b"OK"
    assert b.cmd("RPUSH", "k", "x", "y") == 2
    assert_blocked(a)
    assert b.cmd("SWAPDB", 0, 1) == b"OK"
    assert a.read_reply() == [b"k", b"x"]
    assert b.cmd("LRANGE", "k", 0, -1) == []  # b's db 1 now holds old db 0 (empty)
    assert lrange(r, "k") == [b"y"]


def test_swapdb_serves_a_zset_client(r, a, b):
    block(r, a, "BZPOPMAX", "z", 0)
    assert b.cmd("SELECT", 1) == b"OK"
    assert b.cmd("ZADD", "z", 1, "x", 2, "y") == 2
    assert b.cmd("SWAPDB", 1, 0) == b"OK"
    assert a.read_reply() == [b"z", b"y", b"2"]
    assert zrange(r, "z") == [b"x", b"1"]


def test_swapdb_bringing_the_wrong_type_serves_nobody(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("SELECT", 1) == b"OK"
    assert b.cmd("ZADD", "k", 1, "x") == 1
    assert b.cmd("SWAPDB", 0, 1) == b"OK"
    assert_blocked(a)
    assert r.execute_command("TYPE", "k") == b"zset"


def test_swapdb_of_a_blocked_clients_db_with_an_empty_one(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("RPUSH", "other", "x") == 1
    assert b.cmd("SWAPDB", 0, 5) == b"OK"
    assert_blocked(a)
    assert blocked_clients(r) == 1


def test_move_serves_a_client_blocked_in_the_target_db(r, a, b):
    block(r, a, "BLPOP", "k", 0)
    assert b.cmd("SELECT", 1) == b"OK"
    assert b.cmd("RPUSH", "k", "x") == 1
    assert_blocked(a)
    assert b.cmd("MOVE", "k", 0) == 1
    assert a.read_reply() == [b"k", b"x"]
    assert r.execute_command("EXISTS", "k") == 0


# --------------------------------------------------------------------------
# Inside MULTI/EXEC and scripts: never blocking
# --------------------------------------------------------------------------

MULTI_NULLS = [
    (("BLPOP", "e", 0), NULL2),
    (("BRPOP", "e1", "e2", 0), NULL2),
    (("BLMOVE", "e", "d", "LEFT", "RIGHT", 0), b"$-1\r\n"),  # a null bulk, unlike its timeout
    (("BRPOPLPUSH", "e", "d", 0), b"$-1\r\n"),
    (("BLMPOP", 0, 1, "e", "LEFT"), NULL2),
    (("BZPOPMIN", "e", 0), NULL2),
    (("BZPOPMAX", "e", 10), NULL2),
    (("BZMPOP", 0, 1, "e", "MIN", "COUNT", 2), NULL2),
]


@pytest.mark.parametrize("args, null", MULTI_NULLS, ids=[c[0][0] for c in MULTI_NULLS])
def test_in_multi_an_empty_key_gives_null_at_once(r, raw, args, null):
    assert raw.cmd("MULTI") == b"OK"
    assert raw.cmd(*args) == b"QUEUED"
    raw.send_command("EXEC")
    assert raw.read_raw() == b"*1\r\n" + null
    assert blocked_clients(r) == 0
    assert r.execute_command("EXISTS", "d") == 0


@pytest.mark.parametrize("args, null", MULTI_NULLS, ids=[c[0][0] for c in MULTI_NULLS])
def test_in_multi_resp3_null(raw, args, null):
    raw.cmd("HELLO", "3")
    assert raw.cmd("MULTI") == b"OK"
    assert raw.cmd(*args) == b"QUEUED"
    raw.send_command("EXEC")
    assert raw.read_raw() == b"*1\r\n" + NULL3


def test_in_multi_with_data_served(r, raw):
    r.execute_command("RPUSH", "l", "a", "b", "c", "d")
    r.execute_command("ZADD", "z", 1, "x", 2, "y", 3, "w")
    assert raw.cmd("MULTI") == b"OK"
    for args in (("BLPOP", "e", "l", 0), ("BRPOP", "l", 0), ("BLMOVE", "l", "d", "LEFT", "LEFT", 0),
                 ("BLMPOP", 0, 1, "l", "RIGHT", "COUNT", 5), ("BZPOPMIN", "z", 0),
                 ("BZPOPMAX", "z", 0), ("BZMPOP", 0, 1, "z", "MIN"), ("BRPOPLPUSH", "l", "d", 0)):
        assert raw.cmd(*args) == b"QUEUED"
    assert raw.cmd("EXEC") == [[b"l", b"a"], [b"l", b"d"], b"b", [b"l", [b"c"]],
                               [b"z", b"x", b"1"], [b"z", b"w", b"3"], [b"z", [[b"y", b"2"]]],
                               None]
    assert lrange(r, "d") == [b"b"]


def test_in_multi_errors_are_answered_in_place(r, raw):
    r.execute_command("SET", "s", "v")
    assert raw.cmd("MULTI") == b"OK"
    assert raw.cmd("BLPOP", "e", "abc") == b"QUEUED"
    assert raw.cmd("BLPOP", "s", 0) == b"QUEUED"
    assert raw.cmd("BLMPOP", 0, 0, "e", "LEFT") == b"QUEUED"
    assert raw.cmd("PING") == b"QUEUED"
    assert raw.cmd("EXEC") == [NOT_FLOAT, WRONGTYPE, NUMKEYS, b"PONG"]


def test_in_multi_a_push_earlier_in_the_transaction_is_seen(raw):
    assert raw.cmd("MULTI") == b"OK"
    raw.cmd("RPUSH", "k", "x")
    raw.cmd("BLPOP", "k", 0)
    raw.cmd("BLPOP", "k", 0)
    assert raw.cmd("EXEC") == [1, [b"k", b"x"], None]


@pytest.mark.parametrize("args", [
    ("blpop", "k", 0), ("brpop", "k", 0), ("brpoplpush", "k", "d", 0),
    ("blmove", "k", "d", "LEFT", "RIGHT", 0), ("bzpopmin", "k", 0), ("bzpopmax", "k", 0),
])
def test_single_key_blocking_commands_are_not_allowed_in_scripts(r, args):
    # BLPOP & co. have the noscript flag in Redis 7.0, even when the key holds data
    r.execute_command("RPUSH", "k", "a")
    lua_args = ", ".join("'%s'" % x for x in args)
    assert err(r, "EVAL", "return redis.pcall(%s)" % lua_args, 0) == NOT_FROM_SCRIPT
    body = "return redis.call(%s)" % lua_args
    where = " script: %s, on @user_script:1." % sha1(body)
    assert err(r, "EVAL", body, 0) == NOT_FROM_SCRIPT + where
    assert lrange(r, "k") == [b"a"]


@pytest.mark.parametrize("call", ["redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')",
                                  "redis.call('bzmpop', 0, 1, KEYS[1], 'MIN', 'COUNT', 3)",
                                  "redis.pcall('blmpop', 10, 1, KEYS[1], 'RIGHT')"])
def test_blmpop_bzmpop_in_a_script_on_empty_keys_return_false(r, raw, call):
    raw.send_command("EVAL", "return " + call, 1, "e")
    assert raw.read_raw() == b"$-1\r\n"  # null array -> Lua false -> null bulk
    assert raw.cmd("EVAL", "return type(%s)" % call, 1, "e") == b"boolean"
    assert raw.cmd("EVAL", "return %s == false" % call, 1, "e") == 1
    assert blocked_clients(r) == 0
    raw.cmd("HELLO", "3")
    raw.send_command("EVAL", "return " + call, 1, "e")
    assert raw.read_raw() == NULL3


def test_blmpop_bzmpop_in_a_script_with_data(r):
    r.execute_command("RPUSH", "l", "a", "b", "c")
    r.execute_command("ZADD", "z", 1.5, "x", 2, "y")
    assert r.execute_command("EVAL", "return redis.call('blmpop', 0, 1, KEYS[1], 'RIGHT', "
                             "'COUNT', 2)", 1, "l") == [b"l", [b"c", b"b"]]
    assert r.execute_command("EVAL", "return redis.call('bzmpop', 0, 1, KEYS[1], 'MIN')",
                             1, "z") == [b"z", [[b"x", b"1.5"]]]


def test_bzmpop_in_a_resp3_script_scores_are_doubles(r, raw):
    r.execute_command("ZADD", "z", 1.5, "x")
    raw.cmd("HELLO", "3")
    raw.send_command("EVAL", "redis.setresp(3); return redis.call('bzmpop', 0, 1, KEYS[1], 'MIN')",
                     1, "z")
    assert raw.read_raw() == b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nx\r\n,1.5\r\n"


# --------------------------------------------------------------------------
# CLIENT UNBLOCK
# --------------------------------------------------------------------------

UNBLOCK_CASES = [
    ("BLPOP", "k", 0), ("BRPOP", "k1", "k2", 0), ("BLMOVE", "k", "d", "LEFT", "RIGHT", 0),
    ("BRPOPLPUSH", "k", "d", 0), ("BLMPOP", 0, 1, "k", "LEFT"), ("BZPOPMIN", "k", 0),
    ("BZPOPMAX", "k", 100), ("BZMPOP", 0, 2, "k1", "k2", "MAX", "COUNT", 2),
]


@pytest.mark.parametrize("args", UNBLOCK_CASES, ids=[c[0] for c in UNBLOCK_CASES])
def test_client_unblock_answers_as_a_timeout(r, a, args):
    block(r, a, *args)
    assert r.execute_command("CLIENT", "UNBLOCK", a.id) == 1
    assert a.read_raw() == NULL2
    assert blocked_clients(r) == 0
    assert r.execute_command("CLIENT", "UNBLOCK", a.id) == 0
    assert a.cmd("PING") == b"PONG"


@pytest.mark.parametrize("args", UNBLOCK_CASES, ids=[c[0] for c in UNBLOCK_CASES])
def test_client_unblock_timeout_resp3(r, clients, args):
    a = clients(resp3=True)
    block(r, a, *args)
    assert r.execute_command("CLIENT", "UNBLOCK", a.id, "TIMEOUT") == 1
    assert a.read_raw() == NULL3


@pytest.mark.parametrize("args", UNBLOCK_CASES, ids=[c[0] for c in UNBLOCK_CASES])
def test_client_unblock_error(r, a, args):
    block(r, a, *args)
    assert r.execute_command("CLIENT", "UNBLOCK", a.id, "error") == 1
    assert a.read_raw() == b"-" + UNBLOCKED.encode() + b"\r\n"
    assert blocked_clients(r) == 0
    assert a.cmd("PING") == b"PONG"


def test_client_unblock_reason_is_case_insensitive(r, a):
    block(r, a, "BLPOP", "k", 0)
    assert r.execute_command("CLIENT", "UNBLOCK", a.id, "tImEoUt") == 1
    assert a.read_raw() == NULL2
    block(r, a, "BLPOP", "k", 0)
    assert r.execute_command("CLIENT", "UNBLOCK", a.id, "ErRoR") == 1
    assert a.read_reply() == UNBLOCKED


def test_client_unblock_of_a_client_that_is_not_blocked(r, a):
    assert r.execute_command("CLIENT", "UNBLOCK", a.id) == 0
    assert r.execute_command("CLIENT", "UNBLOCK", a.id, "ERROR") == 0
    my_id = r.execute_command("CLIENT", "ID")
    assert r.execute_command("CLIENT", "UNBLOCK", my_id) == 0
    for unknown in (999999999, 0, -1):
        assert r.execute_command("CLIENT", "UNBLOCK", unknown) == 0
    assert a.cmd("PING") == b"PONG"  # nothing was sent to it


def test_client_unblock_only_the_given_client(r, clients):
    c1, c2 = clients(), clients()
    block(r, c1, "BLPOP", "k", 0)
    block(r, c2, "BLPOP", "k", 0)
    assert r.execute_command("CLIENT", "UNBLOCK", c2.id) == 1
    assert c2.read_raw() == NULL2
    assert_blocked(c1)
    assert blocked_clients(r) == 1
    r.execute_command("RPUSH", "k", "x")
    assert c1.read_reply() == [b"k", b"x"]


@pytest.mark.parametrize("args, error", [
    (("CLIENT", "UNBLOCK", "abc"), NOT_INT),
    (("CLIENT", "UNBLOCK", "1.5"), NOT_INT),
    (("CLIENT", "UNBLOCK", "1", "foo"), BAD_REASON),
    (("CLIENT", "UNBLOCK", "abc", "foo"), BAD_REASON),  # the reason is checked first
    (("CLIENT", "UNBLOCK"), "ERR wrong number of arguments for 'client|unblock' command"),
    (("CLIENT", "UNBLOCK", "1", "TIMEOUT", "x"),
     "ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP."),
])
def test_client_unblock_errors(r, args, error):
    assert err(r, *args) == error


# --------------------------------------------------------------------------
# CLIENT LIST, INFO, disconnections, pipelining
# --------------------------------------------------------------------------

def client_entry(r, client_id):
    for entry in parse_client_list(r.execute_command("CLIENT", "LIST")):
        if entry["id"] == str(client_id):
            return entry
    raise AssertionError("client %s not in CLIENT LIST" % client_id)


@pytest.mark.parametrize("args", [("BLPOP", "k", 0), ("BRPOPLPUSH", "k", "d", 0),
                                  ("BLMOVE", "k", "d", "LEFT", "LEFT", 0),
                                  ("BLMPOP", 0, 1, "k", "LEFT"), ("BZPOPMIN", "k", 5),
                                  ("BZMPOP", 0, 1, "k", "MIN")])
def test_client_list_shows_the_blocked_flag_and_command(r, a, args):
    block(r, a, *args)
    entry = client_entry(r, a.id)
    assert entry["flags"] == "b"
    assert entry["cmd"] == args[0].lower()
    r.execute_command("CLIENT", "UNBLOCK", a.id)
    assert a.read_raw() == NULL2
    entry = client_entry(r, a.id)
    assert entry["flags"] == "N"
    assert entry["cmd"] == args[0].lower()


def test_info_clients_counts_blocked_clients(r, clients, b):
    c1, c2, c3 = clients(), clients(), clients()
    assert blocked_clients(r) == 0
    block(r, c1, "BLPOP", "k1", "k2", 0)
    block(r, c2, "BZPOPMIN", "z", 0)
    block(r, c3, "BLMOVE", "k2", "d", "LEFT", "LEFT", 10)
    info = info_clients(r)
    assert info["blocked_clients"] == "3"
    assert info["clients_in_timeout_table"] == "1"  # only c3 has a timeout
    assert b.cmd("RPUSH", "k2", "x") == 1
    assert c1.read_reply() == [b"k2", b"x"]
    assert blocked_clients(r) == 2
    assert b.cmd("ZADD", "z", 1, "m") == 1
    assert c2.read_reply() == [b"z", b"m", b"1"]
    assert b.cmd("RPUSH", "k2", "y") == 1
    assert c3.read_reply() == b"y"
    info = info_clients(r)
    assert info["blocked_clients"] == "0"
    assert info["clients_in_timeout_table"] == "0"


def test_timed_out_client_is_no_longer_counted(r, a):
    assert timed_raw(a, "BZPOPMIN", "z", 0.1)[0] == NULL2
    info = info_clients(r)
    assert info["blocked_clients"] == "0"
    assert info["clients_in_timeout_table"] == "0"


def test_disconnected_blocked_client_is_forgotten(r, clients, b):
    a = clients()
    block(r, a, "BLPOP", "k", 0)
    a.close()
    wait_unblocked(r)
    assert b.cmd("RPUSH", "k", "x") == 1
    assert lrange(r, "k") == [b"x"]  # nobody took it


def test_disconnected_client_is_skipped_in_the_fifo(r, clients, b):
    gone, stays = clients(), clients()
    block(r, gone, "BLMOVE", "k", "d", "LEFT", "LEFT", 0)
    block(r, stays, "BLPOP", "k", 0)
    gone.close()
    wait_unblocked(r, 1)
    assert b.cmd("RPUSH", "k", "x") == 1
    assert stays.read_reply() == [b"k", b"x"]
    assert r.execute_command("EXISTS", "k", "d") == 0


def test_client_kill_of_a_blocked_client(r, a, b):
    block(r, a, "BZPOPMAX", "z", 0)
    assert b.cmd("CLIENT", "KILL", "ID", a.id) == 1
    assert a.is_closed()
    wait_unblocked(r)
    assert b.cmd("ZADD", "z", 1, "m") == 1
    assert zrange(r, "z") == [b"m", b"1"]


def test_pipelined_commands_wait_for_the_blocking_one(r, a, b):
    a.send(encode_command("BLPOP", "k", 0) + encode_command("PING") +
           encode_command("LLEN", "k"))
    wait_for(lambda: blocked_clients(r) == 1, timeout=WAIT, what="a blocked")
    assert_blocked(a)  # not even the PONG yet
    assert b.cmd("RPUSH", "k", "x", "y") == 2
    assert a.read_reply() == [b"k", b"x"]
    assert a.read_reply() == b"PONG"
    assert a.read_reply() == 1  # runs after the pop
    assert blocked_clients(r) == 0


def test_pipelined_blocking_commands_block_one_after_the_other(r, a, b):
    a.send(encode_command("BLPOP", "k", 0) + encode_command("BRPOP", "k", 0) +
           encode_command("PING"))
    wait_for(lambda: blocked_clients(r) == 1, timeout=WAIT, what="a blocked")
    assert b.cmd("RPUSH", "k", "x") == 1
    assert a.read_reply() == [b"k", b"x"]
    wait_for(lambda: blocked_clients(r) == 1 and a.pending() == b"", timeout=WAIT,
             what="the second command blocked")
    assert_blocked(a)
    assert b.cmd("RPUSH", "k", "y", "z") == 2
    assert a.read_reply() == [b"k", b"z"]
    assert a.read_reply() == b"PONG"
    assert lrange(r, "k") == [b"y"]


def test_pipelined_after_a_timeout(r, a):
    a.send(encode_command("BLPOP", "k", 0.1) + encode_command("PING"))
    assert a.read_raw() == NULL2
    assert a.read_raw() == b"+PONG\r\n"

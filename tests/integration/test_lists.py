"""List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP: replies, errors and the order
in which Redis 7.0 checks them, RESP2/RESP3 null shapes, WRONGTYPE, deletion
of emptied lists, the quicklist encoding under every list-max-listpack-size,
and large lists checked against a Python model."""

import random

import pytest

from helpers import NOT_INT, SYNTAX, WRONGTYPE, err, wrong_args

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808

RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
             "... or use negative to start from the end of the list")
NOT_POSITIVE = "ERR value is out of range, must be positive"


def lrange(r, key):
    return r.execute_command("LRANGE", key, 0, -1)


def rpush(r, key, *items):
    return r.execute_command("RPUSH", key, *items)


def exists(r, key):
    return r.execute_command("EXISTS", key)


def hits_misses(r):
    info = r.execute_command("INFO", "stats").decode()
    stats = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
    return int(stats["keyspace_hits"]), int(stats["keyspace_misses"])


@pytest.fixture
def listpack_size(r):
    """Restores list-max-listpack-size after a test changes it."""
    saved = r.execute_command("CONFIG", "GET", "list-max-listpack-size")[1]
    yield
    r.execute_command("CONFIG", "SET", "list-max-listpack-size", saved)


# --------------------------------------------------------------------------
# LPUSH RPUSH LPUSHX RPUSHX
# --------------------------------------------------------------------------

def test_rpush_appends_in_order_and_returns_length(r):
    assert rpush(r, "l", "a", "b") == 2
    assert rpush(r, "l", "c") == 3
    assert lrange(r, "l") == [b"a", b"b", b"c"]
    assert r.execute_command("TYPE", "l") == b"list"


def test_lpush_prepends_each_value_in_turn(r):
    assert r.execute_command("LPUSH", "l", "a", "b", "c") == 3
    assert lrange(r, "l") == [b"c", b"b", b"a"]
    assert r.execute_command("LPUSH", "l", "d") == 4
    assert lrange(r, "l") == [b"d", b"c", b"b", b"a"]


def test_push_keeps_duplicates_empty_and_binary_values(r):
    vals = [b"", b"x", b"x", b"\x00\xff\r\n", b"12", b"-0", b"1e3"]
    assert rpush(r, "l", *vals) == len(vals)
    assert lrange(r, "l") == vals


@pytest.mark.parametrize("cmd", ["LPUSHX", "RPUSHX"])
def test_pushx_on_missing_key_does_nothing(r, cmd):
    assert r.execute_command(cmd, "l", "a", "b") == 0
    assert exists(r, "l") == 0


def test_pushx_on_existing_list_pushes_every_value(r):
    rpush(r, "l", "m")
    assert r.execute_command("LPUSHX", "l", "a", "b") == 3
    assert r.execute_command("RPUSHX", "l", "y", "z") == 5
    assert lrange(r, "l") == [b"b", b"a", b"m", b"y", b"z"]


@pytest.mark.parametrize("cmd", ["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])
def test_push_on_wrong_type_is_wrongtype(r, cmd):
    r.execute_command("SET", "s", "v")
    assert err(r, cmd, "s", "a") == WRONGTYPE
    assert r.execute_command("GET", "s") == b"v"


@pytest.mark.parametrize("cmd", ["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"])
def test_push_needs_a_value(r, cmd):
    assert err(r, cmd, "l") == wrong_args(cmd.lower())


# --------------------------------------------------------------------------
# LPOP RPOP
# --------------------------------------------------------------------------

def test_lpop_rpop_take_single_elements(r):
    rpush(r, "l", "a", "b", "c")
    assert r.execute_command("LPOP", "l") == b"a"
    assert r.execute_command("RPOP", "l") == b"c"
    assert lrange(r, "l") == [b"b"]


def test_pop_of_last_element_deletes_the_key(r):
    rpush(r, "l", "a")
    assert r.execute_command("RPOP", "l") == b"a"
    assert exists(r, "l") == 0


def test_pop_missing_key_is_nil(r):
    assert r.execute_command("LPOP", "nosuch") is None
    assert r.execute_command("RPOP", "nosuch") is None
    assert r.execute_command("LPOP", "nosuch", 3) is None


def test_pop_with_count_returns_array_in_pop_order(r):
    rpush(r, "l", "a", "b", "c", "d", "e")
    assert r.execute_command("LPOP", "l", 2) == [b"a", b"b"]
    assert r.execute_command("RPOP", "l", 2) == [b"e", b"d"]
    assert r.execute_command("RPOP", "l", 1) == [b"c"]
    assert exists(r, "l") == 0


def test_pop_count_larger_than_list_returns_everything(r):
    rpush(r, "l", "a", "b")
    assert r.execute_command("LPOP", "l", LLONG_MAX) == [b"a", b"b"]
    assert exists(r, "l") == 0


def test_pop_count_zero_is_empty_array_and_pops_nothing(r):
    rpush(r, "l", "a")
    assert r.execute_command("LPOP", "l", 0) == []
    assert r.execute_command("RPOP", "l", 0) == []
    assert lrange(r, "l") == [b"a"]
    assert r.execute_command("LPOP", "nosuch", 0) is None


@pytest.mark.parametrize("count", ["-1", "abc", "1.5", "", str(LLONG_MIN), "99999999999999999999"])
def test_pop_bad_count_is_error_even_on_missing_key(r, count):
    assert err(r, "LPOP", "nosuch", count) == NOT_POSITIVE
    assert err(r, "RPOP", "nosuch", count) == NOT_POSITIVE


def test_pop_count_is_parsed_before_the_type_is_checked(r):
    r.execute_command("SET", "s", "v")
    assert err(r, "LPOP", "s", "-1") == NOT_POSITIVE
    assert err(r, "LPOP", "s") == WRONGTYPE
    assert err(r, "RPOP", "s", 0) == WRONGTYPE
    assert err(r, "RPOP", "s", 2) == WRONGTYPE


def test_pop_with_too_many_arguments(r):
    assert err(r, "LPOP", "l", 1, 2) == wrong_args("lpop")
    assert err(r, "RPOP", "l", 1, 2) == wrong_args("rpop")
    assert err(r, "LPOP") == wrong_args("lpop")


def test_resp2_pop_nulls_are_null_bulk_or_null_array(raw):
    for cmd in ("LPOP", "RPOP"):
        raw.send_command(cmd, "nosuch")
        assert raw.read_raw() == b"$-1\r\n"
        raw.send_command(cmd, "nosuch", 2)
        assert raw.read_raw() == b"*-1\r\n"
        raw.send_command(cmd, "nosuch", 0)
        assert raw.read_raw() == b"*-1\r\n"


def test_resp3_pop_nulls_are_null(raw):
    raw.cmd("HELLO", 3)
    raw.cmd("RPUSH", "l", "a")
    for args in (("LPOP", "nosuch"), ("LPOP", "nosuch", 2), ("RPOP", "nosuch", 0)):
        raw.send_command(*args)
        assert raw.read_raw() == b"_\r\n"
    raw.send_command("LPOP", "l", 0)
    assert raw.read_raw() == b"*0\r\n"
    raw.send_command("LPOP", "l", 5)
    assert raw.read_raw() == b"*1\r\n$1\r\na\r\n"


# --------------------------------------------------------------------------
# LLEN LRANGE LINDEX
# --------------------------------------------------------------------------

def test_llen(r):
    assert r.execute_command("LLEN", "nosuch") == 0
    rpush(r, "l", "a", "b", "c")
    assert r.execute_command("LLEN", "l") == 3
    r.execute_command("SET", "s", "v")
    assert err(r, "LLEN", "s") == WRONGTYPE


@pytest.mark.parametrize("start,stop,want", [
    (0, -1, "abcde"), (0, 0, "a"), (1, 3, "bcd"), (-2, -1, "de"), (-100, 1, "ab"),
    (3, 100, "de"), (4, 4, "e"), (5, 10, ""), (3, 1, ""), (-1, -2, ""), (0, -6, ""),
    (-6, -5, "a"), (LLONG_MIN, LLONG_MAX, "abcde"), (LLONG_MAX, LLONG_MAX, ""),
    (LLONG_MIN, LLONG_MIN, ""), (2, -3, "c"),
])
def test_lrange_clamps_like_redis(r, start, stop, want):
    rpush(r, "l", *"abcde")
    assert r.execute_command("LRANGE", "l", start, stop) == [c.encode() for c in want]


def test_lrange_missing_key_is_empty_array(r):
    assert r.execute_command("LRANGE", "nosuch", 0, -1) == []


def test_lrange_parses_indexes_before_looking_at_the_key(r):
    r.execute_command("SET", "s", "v")
    assert err(r, "LRANGE", "nosuch", "a", 0) == NOT_INT
    assert err(r, "LRANGE", "s", 0, "1.0") == NOT_INT
    assert err(r, "LRANGE", "s", 0, -1) == WRONGTYPE


def test_lindex_positive_negative_and_outside(r):
    rpush(r, "l", "a", "b", "c")
    assert r.execute_command("LINDEX", "l", 0) == b"a"
    assert r.execute_command("LINDEX", "l", 2) == b"c"
    assert r.execute_command("LINDEX", "l", -1) == b"c"
    assert r.execute_command("LINDEX", "l", -3) == b"a"
    assert r.execute_command("LINDEX", "l", 3) is None
    assert r.execute_command("LINDEX", "l", -4) is None
    assert r.execute_command("LINDEX", "l", LLONG_MIN) is None
    assert r.execute_command("LINDEX", "nosuch", 0) is None


def test_lindex_looks_the_key_up_before_parsing_the_index(r):
    r.execute_command("SET", "s", "v")
    rpush(r, "l", "a")
    assert r.execute_command("LINDEX", "nosuch", "abc") is None
    assert err(r, "LINDEX", "s", "abc") == WRONGTYPE
    assert err(r, "LINDEX", "l", "abc") == NOT_INT
    assert err(r, "LINDEX", "s", 0) == WRONGTYPE


def test_resp3_lindex_and_lrange_shapes(raw):
    raw.cmd("HELLO", 3)
    raw.send_command("LINDEX", "nosuch", 0)
    assert raw.read_raw() == b"_\r\n"
    raw.send_command("LRANGE", "nosuch", 0, -1)
    assert raw.read_raw() == b"*0\r\n"
    raw.cmd("RPUSH", "l", "a", "bc")
    raw.send_command("LRANGE", "l", 0, -1)
    assert raw.read_raw() == b"*2\r\n$1\r\na\r\n$2\r\nbc\r\n"


def test_reads_count_keyspace_hits_and_misses(r):
    rpush(r, "l", "a")
    r.execute_command("SET", "s", "v")
    h0, m0 = hits_misses(r)
    r.execute_command("LLEN", "l")
    r.execute_command("LRANGE", "l", 0, -1)
    r.execute_command("LINDEX", "l", 5)
    r.execute_command("LPOS", "l", "a")
    err(r, "LLEN", "s")  # a key of another type is found: a hit
    r.execute_command("LLEN", "nosuch")
    r.execute_command("LRANGE", "nosuch", 0, 1)
    r.execute_command("LINDEX", "nosuch", 0)
    r.execute_command("LPOS", "nosuch", "a")
    h1, m1 = hits_misses(r)
    assert (h1 - h0, m1 - m0) == (5, 4)
    # writes do not count
    r.execute_command("LPOP", "nosuch")
    rpush(r, "l", "b")
    assert hits_misses(r) == (h1, m1)


# --------------------------------------------------------------------------
# LSET
# --------------------------------------------------------------------------

def test_lset_replaces_by_index(r):
    rpush(r, "l", "a", "b", "c")
    assert r.execute_command("LSET", "l", 0, "A") == b"OK"
    assert r.execute_command("LSET", "l", -1, "C") == b"OK"
    assert lrange(r, "l") == [b"A", b"b", b"C"]


def test_lset_errors(r):
    rpush(r, "l", "a")
    r.execute_command("SET", "s", "v")
    assert err(r, "LSET", "nosuch", 0, "x") == "ERR no such key"
    assert err(r, "LSET", "l", 1, "x") == "ERR index out of range"
    assert err(r, "LSET", "l", -2, "x") == "ERR index out of range"
    assert err(r, "LSET", "s", 0, "x") == WRONGTYPE
    assert exists(r, "nosuch") == 0


def test_lset_looks_the_key_up_before_parsing_the_index(r):
    rpush(r, "l", "a")
    r.execute_command("SET", "s", "v")
    assert err(r, "LSET", "nosuch", "abc", "x") == "ERR no such key"
    assert err(r, "LSET", "s", "abc", "x") == WRONGTYPE
    assert err(r, "LSET", "l", "abc", "x") == NOT_INT


def test_lset_with_large_values_across_nodes(r):
    rpush(r, "l", *[b"e%d" % i for i in range(500)])
    big = b"B" * 20000
    assert r.execute_command("LSET", "l", 250, big) == b"OK"
    assert r.execute_command("LINDEX", "l", 250) == big
    assert r.execute_command("LINDEX", "l", 249) == b"e249"
    assert r.execute_command("LINDEX", "l", 251) == b"e251"
    assert r.execute_command("LSET", "l", 250, "small") == b"OK"
    assert r.execute_command("LLEN", "l") == 500
    assert r.execute_command("LRANGE", "l", 248, 252) == [b"e248", b"e249", b"small", b"e251",
                                                          b"e252"]


# --------------------------------------------------------------------------
# LINSERT
# --------------------------------------------------------------------------

def test_linsert_before_and_after_first_pivot(r):
    rpush(r, "l", "a", "p", "b", "p")
    assert r.execute_command("LINSERT", "l", "BEFORE", "p", "X") == 5
    assert r.execute_command("LINSERT", "l", "after", "p", "Y") == 6
    assert lrange(r, "l") == [b"a", b"X", b"p", b"Y", b"b", b"p"]
    assert r.execute_command("LINSERT", "l", "AfTeR", "p", "Z") == 7


def test_linsert_missing_pivot_or_key(r):
    rpush(r, "l", "a")
    assert r.execute_command("LINSERT", "l", "BEFORE", "zz", "x") == -1
    assert lrange(r, "l") == [b"a"]
    assert r.execute_command("LINSERT", "nosuch", "BEFORE", "a", "x") == 0
    assert exists(r, "nosuch") == 0


def test_linsert_checks_the_position_word_first(r):
    r.execute_command("SET", "s", "v")
    assert err(r, "LINSERT", "nosuch", "middle", "a", "b") == SYNTAX
    assert err(r, "LINSERT", "s", "middle", "a", "b") == SYNTAX
    assert err(r, "LINSERT", "s", "before", "a", "b") == WRONGTYPE
    assert err(r, "LINSERT", "s", "before", "a") == wrong_args("linsert")


def test_linsert_into_a_long_list_keeps_order(r):
    items = [b"%d" % i for i in range(1000)]
    rpush(r, "l", *items)
    for pivot in (b"0", b"500", b"999", b"128", b"129"):
        r.execute_command("LINSERT", "l", "AFTER", pivot, b"after-" + pivot)
        i = items.index(pivot)
        items.insert(i + 1, b"after-" + pivot)
        r.execute_command("LINSERT", "l", "BEFORE", pivot, b"before-" + pivot)
        items.insert(i, b"before-" + pivot)
    assert lrange(r, "l") == items


# --------------------------------------------------------------------------
# LREM LTRIM
# --------------------------------------------------------------------------

@pytest.mark.parametrize("count,want,removed", [
    (0, "abcd", 5), (2, "abxcxdx", 2), (-2, "xaxbxcd", 2), (1, "axbxcxdx", 1),
    (-1, "xaxbxcxd", 1), (100, "abcd", 5), (-100, "abcd", 5), (LLONG_MIN, "abcd", 5),
])
def test_lrem_count_semantics(r, count, want, removed):
    rpush(r, "l", *"xaxbxcxdx")
    assert r.execute_command("LREM", "l", count, "x") == removed
    assert lrange(r, "l") == [c.encode() for c in want]


def test_lrem_deletes_emptied_list_and_ignores_missing(r):
    rpush(r, "l", "x", "x")
    assert r.execute_command("LREM", "l", 0, "x") == 0 + 2
    assert exists(r, "l") == 0
    assert r.execute_command("LREM", "nosuch", 0, "x") == 0
    rpush(r, "l", "a")
    assert r.execute_command("LREM", "l", 0, "zz") == 0


def test_lrem_errors(r):
    r.execute_command("SET", "s", "v")
    assert err(r, "LREM", "nosuch", "x", "a") == NOT_INT
    assert err(r, "LREM", "s", "x", "a") == NOT_INT
    assert err(r, "LREM", "s", 0, "a") == WRONGTYPE


@pytest.mark.parametrize("start,stop,want", [
    (0, -1, "abcde"), (1, -1, "bcde"), (0, 0, "a"), (-2, -1, "de"), (1, 3, "bcd"),
    (-100, 100, "abcde"), (2, 100, "cde"), (LLONG_MIN, LLONG_MAX, "abcde"), (-3, -3, "c"),
])
def test_ltrim_keeps_the_range(r, start, stop, want):
    rpush(r, "l", *"abcde")
    assert r.execute_command("LTRIM", "l", start, stop) == b"OK"
    assert lrange(r, "l") == [c.encode() for c in want]


@pytest.mark.parametrize("start,stop", [(3, 1), (5, 10), (-1, -2), (0, -6), (LLONG_MAX, 0)])
def test_ltrim_empty_range_deletes_the_key(r, start, stop):
    rpush(r, "l", *"abcde")
    assert r.execute_command("LTRIM", "l", start, stop) == b"OK"
    assert exists(r, "l") == 0


def test_ltrim_missing_key_and_errors(r):
    r.execute_command("SET", "s", "v")
    assert r.execute_command("LTRIM", "nosuch", 0, 1) == b"OK"
    assert exists(r, "nosuch") == 0
    assert err(r, "LTRIM", "nosuch", "a", 1) == NOT_INT
    assert err(r, "LTRIM", "s", 0, "b") == NOT_INT
    assert err(r, "LTRIM", "s", 0, 1) == WRONGTYPE


# --------------------------------------------------------------------------
# LPOS
# --------------------------------------------------------------------------

def test_lpos_first_match_and_none(r):
    rpush(r, "l", *"abcabca")
    assert r.execute_command("LPOS", "l", "a") == 0
    assert r.execute_command("LPOS", "l", "c") == 2
    assert r.execute_command("LPOS", "l", "z") is None
    assert r.execute_command("LPOS", "nosuch", "a") is None


def test_lpos_rank(r):
    rpush(r, "l", *"abcabca")
    assert r.execute_command("LPOS", "l", "a", "RANK", 2) == 3
    assert r.execute_command("LPOS", "l", "a", "RANK", 3) == 6
    assert r.execute_command("LPOS", "l", "a", "RANK", 4) is None
    assert r.execute_command("LPOS", "l", "a", "RANK", -1) == 6
    assert r.execute_command("LPOS", "l", "a", "RANK", -3) == 0
    assert r.execute_command("LPOS", "l", "a", "RANK", LLONG_MAX) is None
    assert r.execute_command("LPOS", "l", "a", "RANK", -LLONG_MAX) is None


def test_lpos_count(r):
    rpush(r, "l", *"abcabca")
    assert r.execute_command("LPOS", "l", "a", "COUNT", 0) == [0, 3, 6]
    assert r.execute_command("LPOS", "l", "a", "COUNT", 2) == [0, 3]
    assert r.execute_command("LPOS", "l", "a", "COUNT", 2, "RANK", -1) == [6, 3]
    assert r.execute_command("LPOS", "l", "a", "RANK", 2, "COUNT", 5) == [3, 6]
    assert r.execute_command("LPOS", "l", "z", "COUNT", 0) == []
    assert r.execute_command("LPOS", "nosuch", "a", "COUNT", 1) == []
    assert r.execute_command("LPOS", "l", "a", "COUNT", LLONG_MAX) == [0, 3, 6]


def test_lpos_maxlen_limits_the_comparisons(r):
    rpush(r, "l", *"abcabca")
    assert r.execute_command("LPOS", "l", "a", "RANK", 2, "MAXLEN", 3) is None
    assert r.execute_command("LPOS", "l", "a", "RANK", 2, "MAXLEN", 4) == 3
    assert r.execute_command("LPOS", "l", "a", "COUNT", 0, "MAXLEN", 4) == [0, 3]
    assert r.execute_command("LPOS", "l", "a", "RANK", -1, "COUNT", 0, "MAXLEN", 4) == [6, 3]
    assert r.execute_command("LPOS", "l", "a", "MAXLEN", 0, "COUNT", 0) == [0, 3, 6]


def test_lpos_options_repeat_and_the_last_wins(r):
    rpush(r, "l", *"abcabca")
    assert r.execute_command("LPOS", "l", "a", "RANK", 1, "RANK", -1) == 6
    assert r.execute_command("LPOS", "l", "a", "count", 2, "rank", 2, "count", 1) == [3]


def test_lpos_errors(r):
    rpush(r, "l", "a")
    r.execute_command("SET", "s", "v")
    assert err(r, "LPOS", "l", "a", "RANK", 0) == RANK_ZERO
    assert err(r, "LPOS", "s", "a", "RANK", 0) == RANK_ZERO
    assert err(r, "LPOS", "l", "a", "RANK", "x") == NOT_INT
    assert err(r, "LPOS", "l", "a", "COUNT", -1) == "ERR COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "COUNT", "x") == "ERR COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "MAXLEN", -1) == "ERR MAXLEN can't be negative"
    assert err(r, "LPOS", "l", "a", "MAXLEN", "x") == "ERR MAXLEN can't be negative"
    assert err(r, "LPOS", "l", "a", "RANK") == SYNTAX
    assert err(r, "LPOS", "l", "a", "BOGUS", 1) == SYNTAX
    assert err(r, "LPOS", "s", "a") == WRONGTYPE
    assert err(r, "LPOS", "s", "a", "COUNT", 0) == WRONGTYPE
    assert err(r, "LPOS", "l") == wrong_args("lpos")


def test_lpos_rank_long_min_as_redis_7_0(r):
    """Redis 7.0 negates RANK in a long: LONG_MIN stays negative, so the
    search runs from the tail, takes the first match, and COUNT never stops
    it (7.2 rejects this rank with an error)."""
    rpush(r, "l", *"abcabca")
    assert r.execute_command("LPOS", "l", "a", "RANK", LLONG_MIN) == 6
    assert r.execute_command("LPOS", "l", "a", "RANK", LLONG_MIN, "COUNT", 1) == [6, 3, 0]
    assert r.execute_command("LPOS", "l", "a", "RANK", LLONG_MIN, "COUNT", 1, "MAXLEN", 5) == [6, 3]


def test_resp3_lpos_shapes(raw):
    raw.cmd("HELLO", 3)
    raw.cmd("RPUSH", "l", "a", "b", "a")
    raw.send_command("LPOS", "l", "z")
    assert raw.read_raw() == b"_\r\n"
    raw.send_command("LPOS", "nosuch", "z", "COUNT", 0)
    assert raw.read_raw() == b"*0\r\n"
    raw.send_command("LPOS", "l", "a", "COUNT", 0)
    assert raw.read_raw() == b"*2\r\n:0\r\n:2\r\n"


def test_lpos_over_many_nodes(r):
    items = [b"x%d" % (i % 50) for i in range(3000)]
    rpush(r, "l", *items)
    want = [i for i, v in enumerate(items) if v == b"x7"]
    assert r.execute_command("LPOS", "l", "x7", "COUNT", 0) == want
    assert r.execute_command("LPOS", "l", "x7", "RANK", -2, "COUNT", 3) == want[::-1][1:4]
    assert r.execute_command("LPOS", "l", "x7", "RANK", -1, "MAXLEN", 100) == want[-1]


# --------------------------------------------------------------------------
# LMOVE RPOPLPUSH
# --------------------------------------------------------------------------

@pytest.mark.parametrize("wfrom,wto,elem,src,dst", [
    ("LEFT", "LEFT", b"a", [b"b", b"c"], [b"a", b"x", b"y"]),
    ("LEFT", "RIGHT", b"a", [b"b", b"c"], [b"x", b"y", b"a"]),
    ("RIGHT", "LEFT", b"c", [b"a", b"b"], [b"c", b"x", b"y"]),
    ("RIGHT", "RIGHT", b"c", [b"a", b"b"], [b"x", b"y", b"c"]),
])
def test_lmove_every_direction(r, wfrom, wto, elem, src, dst):
    rpush(r, "s", "a", "b", "c")
    rpush(r, "d", "x", "y")
    assert r.execute_command("LMOVE", "s", "d", wfrom, wto) == elem
    assert lrange(r, "s") == src
    assert lrange(r, "d") == dst


def test_lmove_creates_destination_and_deletes_emptied_source(r):
    rpush(r, "s", "a")
    assert r.execute_command("LMOVE", "s", "d", "left", "right") == b"a"
    assert exists(r, "s") == 0
    assert lrange(r, "d") == [b"a"]


def test_lmove_same_key_rotates(r):
    rpush(r, "l", "a", "b", "c")
    assert r.execute_command("LMOVE", "l", "l", "LEFT", "RIGHT") == b"a"
    assert lrange(r, "l") == [b"b", b"c", b"a"]
    assert r.execute_command("LMOVE", "l", "l", "RIGHT", "LEFT") == b"a"
    assert lrange(r, "l") == [b"a", b"b", b"c"]
    assert r.execute_command("LMOVE", "l", "l", "LEFT", "LEFT") == b"a"
    assert r.execute_command("LMOVE", "l", "l", "RIGHT", "RIGHT") == b"c"
    assert lrange(r, "l") == [b"a", b"b", b"c"]


def test_lmove_same_key_single_element_keeps_key_and_ttl(r):
    rpush(r, "l", "x")
    r.execute_command("EXPIRE", "l", 1000)
    assert r.execute_command("LMOVE", "l", "l", "LEFT", "RIGHT") == b"x"
    assert r.execute_command("RPOPLPUSH", "l", "l") == b"x"
    assert lrange(r, "l") == [b"x"]
    assert r.execute_command("TTL", "l") > 900


def test_lmove_missing_source_is_nil_whatever_the_destination(r):
    r.execute_command("SET", "str", "v")
    assert r.execute_command("LMOVE", "nosuch", "d", "LEFT", "LEFT") is None
    assert r.execute_command("LMOVE", "nosuch", "str", "LEFT", "LEFT") is None
    assert exists(r, "d") == 0


def test_lmove_wrong_types(r):
    r.execute_command("SET", "str", "v")
    rpush(r, "l", "a")
    assert err(r, "LMOVE", "str", "l", "LEFT", "LEFT") == WRONGTYPE
    assert err(r, "LMOVE", "l", "str", "LEFT", "LEFT") == WRONGTYPE
    assert lrange(r, "l") == [b"a"]  # nothing popped
    assert err(r, "RPOPLPUSH", "l", "str") == WRONGTYPE
    assert err(r, "RPOPLPUSH", "str", "l") == WRONGTYPE
    assert lrange(r, "l") == [b"a"]


def test_lmove_direction_syntax_is_checked_first(r):
    r.execute_command("SET", "str", "v")
    assert err(r, "LMOVE", "nosuch", "d", "UP", "LEFT") == SYNTAX
    assert err(r, "LMOVE", "str", "d", "LEFT", "DOWN") == SYNTAX
    assert err(r, "LMOVE", "a", "b", "LEFT") == wrong_args("lmove")


def test_rpoplpush(r):
    rpush(r, "s", "a", "b")
    assert r.execute_command("RPOPLPUSH", "s", "d") == b"b"
    assert r.execute_command("RPOPLPUSH", "s", "d") == b"a"
    assert exists(r, "s") == 0
    assert lrange(r, "d") == [b"a", b"b"]
    assert r.execute_command("RPOPLPUSH", "s", "d") is None
    assert r.execute_command("RPOPLPUSH", "d", "d") == b"b"
    assert lrange(r, "d") == [b"b", b"a"]


def test_resp3_lmove_nil(raw):
    raw.cmd("HELLO", 3)
    raw.send_command("LMOVE", "nosuch", "d", "LEFT", "RIGHT")
    assert raw.read_raw() == b"_\r\n"
    raw.send_command("RPOPLPUSH", "nosuch", "d")
    assert raw.read_raw() == b"_\r\n"


# --------------------------------------------------------------------------
# LMPOP
# --------------------------------------------------------------------------

def test_lmpop_pops_from_the_first_non_empty_key(r):
    rpush(r, "b", "1", "2", "3")
    rpush(r, "c", "x")
    assert r.execute_command("LMPOP", 3, "a", "b", "c", "LEFT") == [b"b", [b"1"]]
    assert r.execute_command("LMPOP", 3, "a", "b", "c", "RIGHT", "COUNT", 5) == [b"b", [b"3", b"2"]]
    assert exists(r, "b") == 0
    assert r.execute_command("LMPOP", 2, "b", "c", "left", "count", 1) == [b"c", [b"x"]]
    assert r.execute_command("LMPOP", 2, "b", "c", "LEFT") is None


def test_lmpop_wrong_type_stops_the_scan(r):
    r.execute_command("SET", "s", "v")
    rpush(r, "l", "a")
    assert err(r, "LMPOP", 3, "nosuch", "s", "l", "LEFT") == WRONGTYPE
    assert lrange(r, "l") == [b"a"]
    assert r.execute_command("LMPOP", 2, "l", "s", "LEFT") == [b"l", [b"a"]]


@pytest.mark.parametrize("args,msg", [
    (["0", "l", "LEFT"], "ERR numkeys should be greater than 0"),
    (["-1", "l", "LEFT"], "ERR numkeys should be greater than 0"),
    (["x", "l", "LEFT"], "ERR numkeys should be greater than 0"),
    (["2", "l", "LEFT"], SYNTAX),
    ([str(LLONG_MAX), "l", "LEFT"], SYNTAX),
    (["1", "l", "MIDDLE"], SYNTAX),
    (["1", "l", "LEFT", "COUNT", "0"], "ERR count should be greater than 0"),
    (["1", "l", "LEFT", "COUNT", "-1"], "ERR count should be greater than 0"),
    (["1", "l", "LEFT", "COUNT", "x"], "ERR count should be greater than 0"),
    (["1", "l", "LEFT", "COUNT"], SYNTAX),
    (["1", "l", "LEFT", "COUNT", "1", "COUNT", "1"], SYNTAX),
    (["1", "l", "LEFT", "BOGUS"], SYNTAX),
])
def test_lmpop_argument_errors(r, args, msg):
    r.execute_command("SET", "s", "v")
    assert err(r, "LMPOP", *args) == msg
    args = [a if a != "l" else "s" for a in args]
    assert err(r, "LMPOP", *args) == msg  # parsed before any key is looked at


def test_lmpop_arity(r):
    assert err(r, "LMPOP", 1, "l") == wrong_args("lmpop")


def test_lmpop_resp_shapes(raw):
    raw.cmd("RPUSH", "l", "a", "b")
    raw.send_command("LMPOP", 1, "nosuch", "LEFT")
    assert raw.read_raw() == b"*-1\r\n"
    raw.cmd("HELLO", 3)
    raw.send_command("LMPOP", 1, "nosuch", "LEFT")
    assert raw.read_raw() == b"_\r\n"
    raw.send_command("LMPOP", 1, "l", "RIGHT", "COUNT", 2)
    assert raw.read_raw() == b"*2\r\n$1\r\nl\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n"


# --------------------------------------------------------------------------
# encoding, configuration, keyspace
# --------------------------------------------------------------------------

def test_object_encoding_is_quicklist_for_every_list(r, listpack_size):
    rpush(r, "small", "a")
    assert r.execute_command("OBJECT", "ENCODING", "small") == b"quicklist"
    rpush(r, "big", *[b"v%d" % i for i in range(5000)])
    assert r.execute_command("OBJECT", "ENCODING", "big") == b"quicklist"
    r.execute_command("CONFIG", "SET", "list-max-listpack-size", 1)
    rpush(r, "one", "a", "b", "c")
    assert r.execute_command("OBJECT", "ENCODING", "one") == b"quicklist"
    rpush(r, "huge", b"z" * 100000)
    assert r.execute_command("OBJECT", "ENCODING", "huge") == b"quicklist"


def test_list_max_listpack_size_config_and_alias(r, listpack_size):
    assert r.execute_command("CONFIG", "GET", "list-max-listpack-size") == \
        [b"list-max-listpack-size", b"-2"]
    assert r.execute_command("CONFIG", "SET", "list-max-ziplist-size", 5) == b"OK"
    assert r.execute_command("CONFIG", "GET", "list-max-listpack-size") == \
        [b"list-max-listpack-size", b"5"]
    assert r.execute_command("CONFIG", "SET", "list-max-listpack-size", -5) == b"OK"
    assert r.execute_command("CONFIG", "GET", "list-max-ziplist-size") == \
        [b"list-max-ziplist-size", b"-5"]


def model_check(r, key, model):
    assert r.execute_command("LLEN", key) == len(model)
    assert lrange(r, key) == model


@pytest.mark.parametrize("size", [1, 2, 3, 128, -1, -2, -5, 0, -100, 100000])
def test_random_operations_match_a_model_for_each_node_size(r, listpack_size, size):
    r.execute_command("CONFIG", "SET", "list-max-listpack-size", size)
    rnd = random.Random(size)
    model = []

    def value():
        k = rnd.random()
        if k < 0.7:
            return b"v%d" % rnd.randrange(10)
        if k < 0.95:
            return bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 200)))
        return b"L" * rnd.randrange(5000, 70000)

    for step in range(400):
        op = rnd.randrange(9)
        if op == 0:
            vals = [value() for _ in range(rnd.randrange(1, 20))]
            assert r.execute_command("RPUSH", "l", *vals) == len(model) + len(vals)
            model += vals
        elif op == 1:
            vals = [value() for _ in range(rnd.randrange(1, 20))]
            r.execute_command("LPUSH", "l", *vals)
            model[:0] = vals[::-1]
        elif op == 2 and model:
            n = rnd.randrange(1, 5)
            got = r.execute_command("LPOP", "l", n)
            assert got == model[:n]
            del model[:n]
        elif op == 3 and model:
            i = rnd.randrange(-len(model), len(model))
            v = value()
            r.execute_command("LSET", "l", i, v)
            model[i] = v
        elif op == 4 and model:
            pivot = rnd.choice(model)
            v = value()
            where = rnd.choice(["BEFORE", "AFTER"])
            assert r.execute_command("LINSERT", "l", where, pivot, v) == len(model) + 1
            i = model.index(pivot)
            model.insert(i + (where == "AFTER"), v)
        elif op == 5:
            v = value()
            count = rnd.randrange(-3, 4)
            removed = r.execute_command("LREM", "l", count, v)
            idx = [i for i, x in enumerate(model) if x == v]
            if count > 0:
                idx = idx[:count]
            elif count < 0:
                idx = idx[count:]
            assert removed == len(idx)
            for i in reversed(idx):
                del model[i]
        elif op == 6 and model:
            a, b = rnd.randrange(-len(model) - 2, len(model) + 2), rnd.randrange(-len(model) - 2, len(model) + 2)
            r.execute_command("LTRIM", "l", a, b)
            n = len(model)
            s, e = (a + n if a < 0 else a), (b + n if b < 0 else b)
            s = max(s, 0)
            model = model[s:e + 1] if s <= e and s < n else []
        elif op == 7 and model:
            i = rnd.randrange(-len(model) - 1, len(model) + 1)
            want = model[i] if -len(model) <= i < len(model) else None
            assert r.execute_command("LINDEX", "l", i) == want
        elif op == 8 and model:
            v = rnd.choice(model)
            want = [i for i, x in enumerate(model) if x == v]
            assert r.execute_command("LPOS", "l", v, "COUNT", 0) == want
        if step % 20 == 0:
            model_check(r, "l", model)
        if not model:
            assert exists(r, "l") == 0
    model_check(r, "l", model)


def test_large_list_range_index_and_trim(r):
    n = 100000
    for start in range(0, n, 5000):
        rpush(r, "l", *[b"%d" % i for i in range(start, start + 5000)])
    assert r.execute_command("LLEN", "l") == n
    assert r.execute_command("LINDEX", "l", 50000) == b"50000"
    assert r.execute_command("LINDEX", "l", -1) == b"99999"
    assert r.execute_command("LRANGE", "l", 49998, 50001) == [b"49998", b"49999", b"50000", b"50001"]
    assert r.execute_command("LTRIM", "l", 1000, -1001) == b"OK"
    assert r.execute_command("LLEN", "l") == n - 2000
    assert r.execute_command("LINDEX", "l", 0) == b"1000"
    assert r.execute_command("LREM", "l", 0, "50000") == 1
    assert r.execute_command("LPOS", "l", "50001") == 49000


def test_copy_rename_and_del_of_lists(r):
    rpush(r, "l", "a", "b")
    assert r.execute_command("COPY", "l", "c") == 1
    r.execute_command("RPUSH", "c", "z")
    assert lrange(r, "l") == [b"a", b"b"]
    assert lrange(r, "c") == [b"a", b"b", b"z"]
    assert r.execute_command("RENAME", "c", "d") == b"OK"
    assert lrange(r, "d") == [b"a", b"b", b"z"]
    assert r.execute_command("DEL", "d", "l") == 2


def test_expired_list_is_gone(r):
    rpush(r, "l", "a")
    r.execute_command("PEXPIRE", "l", 1)
    import time
    time.sleep(0.05)
    assert r.execute_command("LLEN", "l") == 0
    assert r.execute_command("RPUSHX", "l", "b") == 0
    assert r.execute_command("LPUSH", "l", "c") == 1
    assert r.execute_command("TTL", "l") == -1


def test_push_replaces_nothing_and_set_overwrites_a_list(r):
    rpush(r, "l", "a")
    assert r.execute_command("SET", "l", "v") == b"OK"
    assert r.execute_command("TYPE", "l") == b"string"


@pytest.mark.parametrize("name,arity,flags,first,last,step", [
    ("lpush", -3, [b"write", b"denyoom", b"fast"], 1, 1, 1),
    ("rpushx", -3, [b"write", b"denyoom", b"fast"], 1, 1, 1),
    ("lpop", -2, [b"write", b"fast"], 1, 1, 1),
    ("llen", 2, [b"readonly", b"fast"], 1, 1, 1),
    ("lrange", 4, [b"readonly"], 1, 1, 1),
    ("lindex", 3, [b"readonly"], 1, 1, 1),
    ("lset", 4, [b"write", b"denyoom"], 1, 1, 1),
    ("linsert", 5, [b"write", b"denyoom"], 1, 1, 1),
    ("lrem", 4, [b"write"], 1, 1, 1),
    ("ltrim", 4, [b"write"], 1, 1, 1),
    ("lpos", -3, [b"readonly"], 1, 1, 1),
    ("lmove", 5, [b"write", b"denyoom"], 1, 2, 1),
    ("rpoplpush", 3, [b"write", b"denyoom"], 1, 2, 1),
])
def test_command_info_of_list_commands(r, name, arity, flags, first, last, step):
    info = r.execute_command("COMMAND", "INFO", name)[0]
    assert info[0] == name.encode()
    assert info[1:6] == [arity, flags, first, last, step]
    assert b"@list" in info[6]



def changes(r):
    info = r.execute_command("INFO", "persistence").decode()
    stats = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
    return int(stats["rdb_changes_since_last_save"])


@pytest.mark.parametrize("cmd,delta", [
    (("RPUSH", "l", "a", "b", "c"), 3),
    (("LPUSHX", "l", "x", "y"), 2),
    (("LPUSHX", "nosuch", "x", "y"), 0),
    (("LPOP", "l", 2), 2),
    (("RPOP", "l", 100), 6),
    (("RPOP", "l"), 1),
    (("LPOP", "l", 0), 0),
    (("LPOP", "nosuch"), 0),
    (("LREM", "l", 0, "a"), 3),
    (("LREM", "l", 0, "zz"), 0),
    (("LTRIM", "l", 1, 1), 5),
    (("LTRIM", "l", 0, -1), 0),
    (("LTRIM", "l", 5, 1), 6),
    (("LSET", "l", 0, "x"), 1),
    (("LINSERT", "l", "BEFORE", "a", "y"), 1),
    (("LINSERT", "l", "BEFORE", "zz", "y"), 0),
    (("LMOVE", "l", "d", "LEFT", "RIGHT"), 1),
    (("LMOVE", "l", "l", "LEFT", "LEFT"), 1),
    (("RPOPLPUSH", "l", "l"), 1),
    (("LMPOP", 2, "nosuch", "l", "LEFT", "COUNT", 4), 4),
])
def test_dirty_counter_counts_elements_as_redis(r, cmd, delta):
    rpush(r, "l", "a", "b", "c", "a", "a", "d")
    before = changes(r)
    r.execute_command(*cmd)
    assert changes(r) - before == delta

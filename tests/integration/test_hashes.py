"""Hash commands: HSET HSETNX HMSET HGET HMGET HDEL HEXISTS HLEN HSTRLEN HKEYS
HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN: replies, errors, RESP3
shapes, WRONGTYPE, deletion of emptied hashes, encodings and their
thresholds (OBJECT ENCODING, CONFIG SET)."""

import collections

import pytest

from helpers import NOT_INT, SYNTAX, WRONGTYPE, err, wrong_args

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808


def pairs(flat):
    """[f1, v1, f2, v2...] -> {f1: v1, ...}, checking there is no repeat."""
    assert len(flat) % 2 == 0
    d = dict(zip(flat[0::2], flat[1::2]))
    assert len(d) == len(flat) // 2, "a field is repeated in %r" % flat
    return d


def encoding(r, key):
    return r.execute_command("OBJECT", "ENCODING", key)


def big_hash(r, key, n):
    """A hash of n fields f0..f(n-1) -> v0..v(n-1), written in batches."""
    for start in range(0, n, 500):
        args = []
        for i in range(start, min(n, start + 500)):
            args += [b"f%d" % i, b"v%d" % i]
        r.execute_command("HSET", key, *args)
    return {b"f%d" % i: b"v%d" % i for i in range(n)}


@pytest.fixture
def thresholds(r):
    """Restores the hash encoding thresholds after a test changes them."""
    saved = {k: r.execute_command("CONFIG", "GET", k)[1]
             for k in ("hash-max-listpack-entries", "hash-max-listpack-value")}
    yield
    for k, v in saved.items():
        r.execute_command("CONFIG", "SET", k, v)


def hits_misses(r):
    info = r.execute_command("INFO", "stats").decode()
    stats = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
    return int(stats["keyspace_hits"]), int(stats["keyspace_misses"])


# --------------------------------------------------------------------------
# HSET HSETNX HMSET HGET
# --------------------------------------------------------------------------

def test_hset_creates_hash_and_counts_new_fields(r):
    assert r.execute_command("HSET", "h", "a", "1", "b", "2") == 2
    assert r.execute_command("TYPE", "h") == b"hash"
    assert r.execute_command("HSET", "h", "a", "10", "c", "3") == 1
    assert r.execute_command("HGET", "h", "a") == b"10"
    assert r.execute_command("HLEN", "h") == 3


def test_hset_repeated_field_counts_once_and_last_value_wins(r):
    assert r.execute_command("HSET", "h", "f", "1", "f", "2", "f", "3") == 1
    assert r.execute_command("HGET", "h", "f") == b"3"
    assert r.execute_command("HLEN", "h") == 1


def test_hset_existing_value_update_returns_zero(r):
    r.execute_command("HSET", "h", "f", "v")
    assert r.execute_command("HSET", "h", "f", "v") == 0
    assert r.execute_command("HSET", "h", "f", "w") == 0
    assert r.execute_command("HGET", "h", "f") == b"w"


@pytest.mark.parametrize("cmd", ["HSET", "HMSET"])
def test_hset_odd_arguments_is_arity_error(r, cmd):
    assert err(r, cmd, "h", "f") == wrong_args(cmd.lower())
    assert err(r, cmd, "h", "f", "v", "g") == wrong_args(cmd.lower())
    assert r.execute_command("EXISTS", "h") == 0


def test_hset_arity_error_comes_before_wrongtype(r):
    r.execute_command("SET", "s", "x")
    assert err(r, "HSET", "s", "f", "v", "g") == wrong_args("hset")
    assert err(r, "HSET", "s", "f", "v") == WRONGTYPE


def test_hmset_replies_ok(r):
    assert r.execute_command("HMSET", "h", "a", "1", "b", "2") == b"OK"
    assert r.execute_command("HMSET", "h", "a", "3") == b"OK"
    assert pairs(r.execute_command("HGETALL", "h")) == {b"a": b"3", b"b": b"2"}


def test_hsetnx_sets_only_missing_fields(r):
    assert r.execute_command("HSETNX", "h", "f", "1") == 1
    assert r.execute_command("HSETNX", "h", "f", "2") == 0
    assert r.execute_command("HGET", "h", "f") == b"1"
    assert r.execute_command("HSETNX", "h", "g", "2") == 1
    assert r.execute_command("HLEN", "h") == 2


def test_hsetnx_arity(r):
    assert err(r, "HSETNX", "h", "f") == wrong_args("hsetnx")
    assert err(r, "HSETNX", "h", "f", "v", "x") == wrong_args("hsetnx")


def test_hget_missing_key_and_missing_field_are_nil(r):
    assert r.execute_command("HGET", "nosuch", "f") is None
    r.execute_command("HSET", "h", "f", "v")
    assert r.execute_command("HGET", "h", "nosuch") is None


def test_binary_and_empty_fields_and_values(r):
    f, v = b"\x00f\xff\r\n", b"\x00\x01v\r\n\xff"
    assert r.execute_command("HSET", "h", f, v, "", "", "e", "") == 3
    assert r.execute_command("HGET", "h", f) == v
    assert r.execute_command("HGET", "h", "") == b""
    assert r.execute_command("HGET", "h", "e") == b""
    assert r.execute_command("HSTRLEN", "h", f) == len(v)
    assert r.execute_command("HEXISTS", "h", "") == 1
    assert pairs(r.execute_command("HGETALL", "h")) == {f: v, b"": b"", b"e": b""}


def test_large_values_roundtrip(r):
    v = b"x" * 100000
    r.execute_command("HSET", "h", "big", v)
    assert r.execute_command("HGET", "h", "big") == v
    assert r.execute_command("HSTRLEN", "h", "big") == 100000


# --------------------------------------------------------------------------
# HMGET HDEL HEXISTS HLEN HSTRLEN
# --------------------------------------------------------------------------

def test_hmget_in_argument_order_with_nils(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("HMGET", "h", "b", "x", "a", "b") == [b"2", None, b"1", b"2"]


def test_hmget_missing_key_is_all_nils(r):
    assert r.execute_command("HMGET", "nosuch", "a", "b") == [None, None]


def test_hmget_arity(r):
    assert err(r, "HMGET", "h") == wrong_args("hmget")


def test_hdel_counts_deleted_fields(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert r.execute_command("HDEL", "h", "a", "x", "a") == 1
    assert r.execute_command("HDEL", "h", "nosuch") == 0
    assert r.execute_command("HKEYS", "h") == [b"b", b"c"]


def test_hdel_missing_key_is_zero(r):
    assert r.execute_command("HDEL", "nosuch", "f") == 0
    assert r.execute_command("EXISTS", "nosuch") == 0


def test_hdel_of_last_field_deletes_key(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("HDEL", "h", "a", "b") == 2
    assert r.execute_command("EXISTS", "h") == 0
    assert r.execute_command("TYPE", "h") == b"none"


def test_hdel_of_last_field_deletes_hashtable_key(r, thresholds):
    r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 0)
    r.execute_command("HSET", "h", "a", "1")
    assert encoding(r, "h") == b"hashtable"
    assert r.execute_command("HDEL", "h", "a") == 1
    assert r.execute_command("EXISTS", "h") == 0


def test_hdel_arity(r):
    assert err(r, "HDEL", "h") == wrong_args("hdel")


def test_hexists(r):
    r.execute_command("HSET", "h", "f", "v")
    assert r.execute_command("HEXISTS", "h", "f") == 1
    assert r.execute_command("HEXISTS", "h", "g") == 0
    assert r.execute_command("HEXISTS", "nosuch", "f") == 0


def test_hlen(r):
    assert r.execute_command("HLEN", "nosuch") == 0
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert r.execute_command("HLEN", "h") == 2


def test_hstrlen(r):
    r.execute_command("HSET", "h", "f", "hello", "n", "-123", "e", "")
    assert r.execute_command("HSTRLEN", "h", "f") == 5
    assert r.execute_command("HSTRLEN", "h", "n") == 4
    assert r.execute_command("HSTRLEN", "h", "e") == 0
    assert r.execute_command("HSTRLEN", "h", "nosuch") == 0
    assert r.execute_command("HSTRLEN", "nosuch", "f") == 0


@pytest.mark.parametrize("cmd,arity", [("HEXISTS", 3), ("HLEN", 2), ("HSTRLEN", 3), ("HGET", 3),
                                       ("HKEYS", 2), ("HVALS", 2), ("HGETALL", 2),
                                       ("HINCRBY", 4), ("HINCRBYFLOAT", 4)])
def test_fixed_arity_commands(r, cmd, arity):
    args = ["a"] * arity
    assert err(r, cmd, *args[:arity - 2]) == wrong_args(cmd.lower())
    assert err(r, cmd, *(args + ["extra"])) == wrong_args(cmd.lower())


# --------------------------------------------------------------------------
# HKEYS HVALS HGETALL
# --------------------------------------------------------------------------

def test_hkeys_hvals_hgetall_listpack_keep_insertion_order(r):
    r.execute_command("HSET", "h", "z", "1", "a", "2", "m", "3")
    r.execute_command("HSET", "h", "a", "20")
    assert encoding(r, "h") == b"listpack"
    assert r.execute_command("HKEYS", "h") == [b"z", b"a", b"m"]
    assert r.execute_command("HVALS", "h") == [b"1", b"20", b"3"]
    assert r.execute_command("HGETALL", "h") == [b"z", b"1", b"a", b"20", b"m", b"3"]


def test_hkeys_hvals_hgetall_missing_key_are_empty(r):
    assert r.execute_command("HKEYS", "nosuch") == []
    assert r.execute_command("HVALS", "nosuch") == []
    assert r.execute_command("HGETALL", "nosuch") == []


def test_hgetall_hashtable_has_every_pair_once(r):
    want = big_hash(r, "h", 1000)
    assert encoding(r, "h") == b"hashtable"
    assert pairs(r.execute_command("HGETALL", "h")) == want
    keys = r.execute_command("HKEYS", "h")
    vals = r.execute_command("HVALS", "h")
    assert sorted(keys) == sorted(want)
    assert sorted(vals) == sorted(want.values())
    # HKEYS and HVALS walk the table in the same order.
    assert [want[k] for k in keys] == vals


def test_resp3_hgetall_is_map_and_hkeys_hvals_arrays(raw, r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    raw.cmd("HELLO", 3)
    raw.send_command("HGETALL", "h")
    assert raw.read_raw() == b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    raw.send_command("HGETALL", "nosuch")
    assert raw.read_raw() == b"%0\r\n"
    raw.send_command("HKEYS", "h")
    assert raw.read_raw() == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    raw.send_command("HVALS", "nosuch")
    assert raw.read_raw() == b"*0\r\n"
    raw.send_command("HGET", "h", "nosuch")
    assert raw.read_raw() == b"_\r\n"
    raw.send_command("HMGET", "h", "a", "x")
    assert raw.read_raw() == b"*2\r\n$1\r\n1\r\n_\r\n"


def test_resp2_hgetall_missing_key_is_empty_array(raw):
    raw.send_command("HGETALL", "nosuch")
    assert raw.read_raw() == b"*0\r\n"
    raw.send_command("HGET", "nosuch", "f")
    assert raw.read_raw() == b"$-1\r\n"


# --------------------------------------------------------------------------
# HINCRBY HINCRBYFLOAT
# --------------------------------------------------------------------------

def test_hincrby_creates_key_and_field(r):
    assert r.execute_command("HINCRBY", "h", "n", 5) == 5
    assert r.execute_command("HINCRBY", "h", "n", -7) == -2
    assert r.execute_command("HGET", "h", "n") == b"-2"
    assert r.execute_command("HINCRBY", "h", "m", 0) == 0
    assert r.execute_command("HLEN", "h") == 2


@pytest.mark.parametrize("value", [b"abc", b"", b"1.5", b"007", b" 1", b"1 ", b"+1",
                                   b"9223372036854775808"])
def test_hincrby_non_integer_value(r, value):
    r.execute_command("HSET", "h", "f", value)
    assert err(r, "HINCRBY", "h", "f", 1) == "ERR hash value is not an integer"
    assert r.execute_command("HGET", "h", "f") == value


@pytest.mark.parametrize("incr", ["abc", "1.5", "", "9223372036854775808", " 1"])
def test_hincrby_bad_increment(r, incr):
    assert err(r, "HINCRBY", "h", "f", incr) == NOT_INT
    assert r.execute_command("EXISTS", "h") == 0


def test_hincrby_overflow(r):
    r.execute_command("HSET", "h", "max", LLONG_MAX, "min", LLONG_MIN)
    assert err(r, "HINCRBY", "h", "max", 1) == "ERR increment or decrement would overflow"
    assert err(r, "HINCRBY", "h", "min", -1) == "ERR increment or decrement would overflow"
    assert r.execute_command("HGET", "h", "max") == str(LLONG_MAX).encode()
    assert r.execute_command("HINCRBY", "h", "max", -1) == LLONG_MAX - 1
    assert r.execute_command("HINCRBY", "h", "min", LLONG_MAX) == -1


def test_hincrby_bad_increment_checked_before_type(r):
    r.execute_command("SET", "s", "x")
    assert err(r, "HINCRBY", "s", "f", "x") == NOT_INT
    assert err(r, "HINCRBY", "s", "f", 1) == WRONGTYPE


def test_hincrbyfloat_basic_and_formatting(r):
    assert r.execute_command("HINCRBYFLOAT", "h", "f", "10.5") == b"10.5"
    assert r.execute_command("HINCRBYFLOAT", "h", "f", "0.1") == b"10.6"
    assert r.execute_command("HINCRBYFLOAT", "h", "f", "-10.6") == b"0"
    assert r.execute_command("HINCRBYFLOAT", "h", "g", "5.0e3") == b"5000"
    assert r.execute_command("HINCRBYFLOAT", "h", "g", "1e-5") == b"5000.00001000000000007"
    r.execute_command("HSET", "h", "i", "3")
    assert r.execute_command("HINCRBYFLOAT", "h", "i", "1.5") == b"4.5"
    assert r.execute_command("HGET", "h", "i") == b"4.5"


def test_hincrbyfloat_huge_values_use_long_double(r):
    r.execute_command("HSET", "h", "f", "1e308")
    out = r.execute_command("HINCRBYFLOAT", "h", "f", "1e308")
    assert out.startswith(b"19999999999999999999") and len(out) == 309


@pytest.mark.parametrize("value", [b"abc", b"", b"1.5x", b"nan", b" 1"])
def test_hincrbyfloat_non_float_value(r, value):
    r.execute_command("HSET", "h", "f", value)
    assert err(r, "HINCRBYFLOAT", "h", "f", "1") == "ERR hash value is not a float"


@pytest.mark.parametrize("incr", ["abc", "nan", "", "1.5x", " 1"])
def test_hincrbyfloat_bad_increment(r, incr):
    assert err(r, "HINCRBYFLOAT", "h", "f", incr) == "ERR value is not a valid float"
    assert r.execute_command("EXISTS", "h") == 0


@pytest.mark.parametrize("incr", ["inf", "-inf", "+inf", "Infinity"])
def test_hincrbyfloat_infinite_increment(r, incr):
    assert err(r, "HINCRBYFLOAT", "h", "f", incr) == "ERR value is NaN or Infinity"
    assert r.execute_command("EXISTS", "h") == 0


def test_hincrbyfloat_to_infinity(r):
    r.execute_command("HSET", "h", "f", "1e4932")
    assert err(r, "HINCRBYFLOAT", "h", "f", "1e4932") == \
        "ERR increment would produce NaN or Infinity"
    assert r.execute_command("HGET", "h", "f") == b"1e4932"


def test_hincrbyfloat_value_inf_is_a_float_but_result_is_infinite(r):
    r.execute_command("HSET", "h", "f", "inf")
    assert err(r, "HINCRBYFLOAT", "h", "f", "1") == "ERR increment would produce NaN or Infinity"


# --------------------------------------------------------------------------
# WRONGTYPE
# --------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["HSET", "s", "f", "v"], ["HSETNX", "s", "f", "v"], ["HMSET", "s", "f", "v"],
    ["HGET", "s", "f"], ["HMGET", "s", "f"], ["HDEL", "s", "f"], ["HEXISTS", "s", "f"],
    ["HLEN", "s"], ["HSTRLEN", "s", "f"], ["HKEYS", "s"], ["HVALS", "s"], ["HGETALL", "s"],
    ["HINCRBY", "s", "f", "1"], ["HINCRBYFLOAT", "s", "f", "1"], ["HRANDFIELD", "s"],
    ["HRANDFIELD", "s", "2"], ["HRANDFIELD", "s", "-2", "WITHVALUES"], ["HSCAN", "s", "0"],
])
def test_wrongtype(r, args):
    r.execute_command("SET", "s", "x")
    assert err(r, *args) == WRONGTYPE
    assert r.execute_command("GET", "s") == b"x"


def test_string_commands_on_hash_are_wrongtype(r):
    r.execute_command("HSET", "h", "f", "v")
    assert err(r, "GET", "h") == WRONGTYPE
    assert err(r, "INCR", "h") == WRONGTYPE


# --------------------------------------------------------------------------
# HRANDFIELD
# --------------------------------------------------------------------------

def test_hrandfield_without_count(r):
    assert r.execute_command("HRANDFIELD", "nosuch") is None
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    seen = {r.execute_command("HRANDFIELD", "h") for _ in range(100)}
    assert seen == {b"a", b"b", b"c"}


def test_hrandfield_positive_count_is_distinct(r):
    r.execute_command("HSET", "h", *sum(([b"f%d" % i, b"v%d" % i] for i in range(10)), []))
    for count in (1, 3, 9):
        out = r.execute_command("HRANDFIELD", "h", count)
        assert len(out) == count and len(set(out)) == count
        assert set(out) <= {b"f%d" % i for i in range(10)}


def test_hrandfield_count_at_least_size_returns_whole_hash(r):
    want = {b"a": b"1", b"b": b"2", b"c": b"3"}
    r.execute_command("HSET", "h", *sum(([k, v] for k, v in want.items()), []))
    for count in (3, 4, 1000):
        assert sorted(r.execute_command("HRANDFIELD", "h", count)) == sorted(want)
        assert pairs(r.execute_command("HRANDFIELD", "h", count, "WITHVALUES")) == want


def test_hrandfield_negative_count_allows_repetitions(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    out = r.execute_command("HRANDFIELD", "h", -50)
    assert len(out) == 50
    assert set(out) == {b"a", b"b"}
    out = r.execute_command("HRANDFIELD", "h", -7, "WITHVALUES")
    assert len(out) == 14
    for f, v in zip(out[0::2], out[1::2]):
        assert {b"a": b"1", b"b": b"2"}[f] == v


def test_hrandfield_zero_and_missing_key_are_empty(r):
    assert r.execute_command("HRANDFIELD", "nosuch", 5) == []
    assert r.execute_command("HRANDFIELD", "nosuch", -5, "WITHVALUES") == []
    r.execute_command("HSET", "h", "a", "1")
    assert r.execute_command("HRANDFIELD", "h", 0) == []
    assert r.execute_command("HRANDFIELD", "h", 0, "WITHVALUES") == []


def test_hrandfield_withvalues_pairs_match(r):
    want = big_hash(r, "h", 600)
    assert encoding(r, "h") == b"hashtable"
    for count in (5, 150, 599, -700):
        out = r.execute_command("HRANDFIELD", "h", count, "withvalues")
        assert len(out) == 2 * abs(count)
        for f, v in zip(out[0::2], out[1::2]):
            assert want[f] == v
        if count > 0:
            assert len(set(out[0::2])) == count


def test_hrandfield_distribution_covers_every_field_on_hashtable(r, thresholds):
    r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 0)
    r.execute_command("HSET", "h", *sum(([b"f%d" % i, b"v"] for i in range(10)), []))
    assert encoding(r, "h") == b"hashtable"
    counts = collections.Counter(r.execute_command("HRANDFIELD", "h", -5000))
    assert len(counts) == 10 and min(counts.values()) > 300


def test_hrandfield_errors(r):
    r.execute_command("HSET", "h", "a", "1")
    assert err(r, "HRANDFIELD", "h", "x") == NOT_INT
    assert err(r, "HRANDFIELD", "h", "1.5") == NOT_INT
    assert err(r, "HRANDFIELD", "h", "1", "WITHVALUE") == SYNTAX
    assert err(r, "HRANDFIELD", "h", "1", "WITHVALUES", "x") == SYNTAX
    assert err(r, "HRANDFIELD", "h", LLONG_MIN) == \
        "ERR value is out of range, value must between -9223372036854775807 and " \
        "9223372036854775807"
    assert err(r, "HRANDFIELD", "h", LLONG_MAX, "WITHVALUES") == "ERR value is out of range"
    assert err(r, "HRANDFIELD", "h", -LLONG_MAX, "WITHVALUES") == "ERR value is out of range"
    assert err(r, "HRANDFIELD", "h", 4611686018427387904, "WITHVALUES") == \
        "ERR value is out of range"


def test_hrandfield_option_errors_come_before_key_lookup(r):
    assert err(r, "HRANDFIELD", "nosuch", "1", "foo") == SYNTAX
    assert err(r, "HRANDFIELD", "nosuch", "x") == NOT_INT
    r.execute_command("SET", "s", "x")
    assert err(r, "HRANDFIELD", "s", "1", "foo") == SYNTAX


def test_hrandfield_huge_positive_count_returns_whole_hash(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert sorted(r.execute_command("HRANDFIELD", "h", LLONG_MAX)) == [b"a", b"b"]
    assert sorted(r.execute_command("HRANDFIELD", "h", LLONG_MAX // 2, "WITHVALUES")) == \
        [b"1", b"2", b"a", b"b"]


def test_resp3_hrandfield_withvalues_is_array_of_pairs(raw, r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    raw.cmd("HELLO", 3)
    out = raw.cmd("HRANDFIELD", "h", 2, "WITHVALUES")
    assert type(out) is list and len(out) == 2
    for pair in out:
        assert type(pair) is list and len(pair) == 2
        assert {b"a": b"1", b"b": b"2", b"c": b"3"}[pair[0]] == pair[1]
    out = raw.cmd("HRANDFIELD", "h", -5, "WITHVALUES")
    assert len(out) == 5 and all(len(p) == 2 for p in out)
    raw.send_command("HRANDFIELD", "h", 5, "WITHVALUES")
    assert raw.read_raw().startswith(b"*3\r\n*2\r\n$1\r\n")
    raw.send_command("HRANDFIELD", "h", 5)
    assert raw.read_raw().startswith(b"*3\r\n$1\r\n")
    raw.send_command("HRANDFIELD", "nosuch")
    assert raw.read_raw() == b"_\r\n"
    raw.send_command("HRANDFIELD", "nosuch", 3, "WITHVALUES")
    assert raw.read_raw() == b"*0\r\n"


def test_resp2_hrandfield_withvalues_is_flat(raw, r):
    r.execute_command("HSET", "h", "a", "1")
    raw.send_command("HRANDFIELD", "h", 1, "WITHVALUES")
    assert raw.read_raw() == b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    raw.send_command("HRANDFIELD", "nosuch")
    assert raw.read_raw() == b"$-1\r\n"


# --------------------------------------------------------------------------
# HSCAN
# --------------------------------------------------------------------------

def test_hscan_listpack_returns_everything_in_one_call(r):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    assert r.execute_command("HSCAN", "h", 0) == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
    # COUNT is ignored and any cursor restarts a compact hash: cursor 0 back.
    assert r.execute_command("HSCAN", "h", 0, "COUNT", 1) == \
        [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
    assert r.execute_command("HSCAN", "h", 123)[0] == b"0"


def test_hscan_match_filters_on_fields(r):
    r.execute_command("HSET", "h", "foo", "bar", "bar", "foo", "fob", "x")
    assert r.execute_command("HSCAN", "h", 0, "MATCH", "fo*") == \
        [b"0", [b"foo", b"bar", b"fob", b"x"]]
    assert r.execute_command("HSCAN", "h", 0, "MATCH", "*") == \
        [b"0", [b"foo", b"bar", b"bar", b"foo", b"fob", b"x"]]
    assert r.execute_command("HSCAN", "h", 0, "MATCH", "zz*") == [b"0", []]
    assert r.execute_command("HSCAN", "h", 0, "match", "b?r", "count", 5) == \
        [b"0", [b"bar", b"foo"]]


def test_hscan_missing_key_is_empty_even_with_bad_options(r):
    assert r.execute_command("HSCAN", "nosuch", 0) == [b"0", []]
    assert r.execute_command("HSCAN", "nosuch", 0, "COUNT", 0) == [b"0", []]
    assert r.execute_command("HSCAN", "nosuch", 0, "BOGUS") == [b"0", []]


def test_hscan_errors(r):
    r.execute_command("HSET", "h", "a", "1")
    assert err(r, "HSCAN", "h", "x") == "ERR invalid cursor"
    assert err(r, "HSCAN", "nosuch", "-x") == "ERR invalid cursor"
    assert err(r, "HSCAN", "h", 0, "COUNT", 0) == SYNTAX
    assert err(r, "HSCAN", "h", 0, "COUNT", -1) == SYNTAX
    assert err(r, "HSCAN", "h", 0, "COUNT", "x") == NOT_INT
    assert err(r, "HSCAN", "h", 0, "MATCH") == SYNTAX
    assert err(r, "HSCAN", "h", 0, "NOVALUES") == SYNTAX
    assert err(r, "HSCAN", "h", 0, "TYPE", "string") == SYNTAX
    assert err(r, "HSCAN", "h") == wrong_args("hscan")


def test_hscan_hashtable_iterates_with_cursor(r):
    want = big_hash(r, "h", 2000)
    assert encoding(r, "h") == b"hashtable"
    got, cursor, calls = {}, b"0", 0
    while True:
        cursor, items = r.execute_command("HSCAN", "h", cursor, "COUNT", 20)
        calls += 1
        got.update(pairs(items))
        if cursor == b"0" or calls > 10000:
            break
    assert cursor == b"0"
    assert got == want
    assert calls > 10, "a hashtable is scanned in several steps"


def test_hscan_hashtable_match(r):
    big_hash(r, "h", 1000)
    assert encoding(r, "h") == b"hashtable"
    got, cursor = set(), b"0"
    for _ in range(10000):
        cursor, items = r.execute_command("HSCAN", "h", cursor, "MATCH", "f1*", "COUNT", 100)
        got.update(items[0::2])
        if cursor == b"0":
            break
    assert got == {b"f%d" % i for i in range(1000) if str(i).startswith("1")}


def test_resp3_hscan_is_flat_array(raw, r):
    r.execute_command("HSET", "h", "a", "1")
    raw.cmd("HELLO", 3)
    raw.send_command("HSCAN", "h", 0)
    assert raw.read_raw() == b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"


# --------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------

def test_small_hash_is_listpack(r):
    r.execute_command("HSET", "h", "f", "v")
    assert encoding(r, "h") == b"listpack"


def test_default_thresholds(r):
    assert r.execute_command("CONFIG", "GET", "hash-max-listpack-entries") == \
        [b"hash-max-listpack-entries", b"512"]
    assert r.execute_command("CONFIG", "GET", "hash-max-listpack-value") == \
        [b"hash-max-listpack-value", b"64"]


def test_converts_past_512_entries_and_keeps_content(r):
    # 512 is Redis 7.0's built-in default (its sample redis.conf says 128).
    want = big_hash(r, "h", 512)
    assert encoding(r, "h") == b"listpack"
    r.execute_command("HSET", "h", "extra", "x")
    want[b"extra"] = b"x"
    assert encoding(r, "h") == b"hashtable"
    assert pairs(r.execute_command("HGETALL", "h")) == want


def test_converts_on_long_value_or_field(r):
    r.execute_command("HSET", "h1", "f", "x" * 64)
    assert encoding(r, "h1") == b"listpack"
    r.execute_command("HSET", "h1", "f", "x" * 65)
    assert encoding(r, "h1") == b"hashtable"
    assert r.execute_command("HGET", "h1", "f") == b"x" * 65
    r.execute_command("HSET", "h2", "y" * 65, "v")
    assert encoding(r, "h2") == b"hashtable"
    r.execute_command("HSETNX", "h3", "f", "z" * 65)
    assert encoding(r, "h3") == b"hashtable"


def test_hsetnx_on_existing_field_does_not_convert(r):
    r.execute_command("HSET", "h", "f", "v")
    assert r.execute_command("HSETNX", "h", "f", "x" * 100) == 0
    assert encoding(r, "h") == b"listpack"


def test_hashtable_never_converts_back(r):
    big_hash(r, "h", 600)
    assert encoding(r, "h") == b"hashtable"
    r.execute_command("HDEL", "h", *[b"f%d" % i for i in range(599)])
    assert r.execute_command("HLEN", "h") == 1
    assert encoding(r, "h") == b"hashtable"


def test_config_set_entries_threshold(r, thresholds):
    assert r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 2) == b"OK"
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    assert encoding(r, "h") == b"listpack"
    r.execute_command("HSET", "h", "c", "3")
    assert encoding(r, "h") == b"hashtable"
    assert r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 0) == b"OK"
    r.execute_command("HSET", "h0", "a", "1")
    assert encoding(r, "h0") == b"hashtable"


def test_config_set_value_threshold(r, thresholds):
    assert r.execute_command("CONFIG", "SET", "hash-max-listpack-value", 3) == b"OK"
    r.execute_command("HSET", "h", "abc", "xyz")
    assert encoding(r, "h") == b"listpack"
    r.execute_command("HSET", "h", "abc", "wxyz")
    assert encoding(r, "h") == b"hashtable"


def test_config_set_applies_only_at_next_write(r, thresholds):
    r.execute_command("HSET", "h", "a", "1", "b", "2", "c", "3")
    r.execute_command("CONFIG", "SET", "hash-max-listpack-entries", 1)
    assert encoding(r, "h") == b"listpack"
    r.execute_command("HGET", "h", "a")
    assert encoding(r, "h") == b"listpack"
    r.execute_command("HDEL", "h", "a")
    assert encoding(r, "h") == b"listpack", "deletions never convert"
    r.execute_command("HSET", "h", "b", "x")
    assert encoding(r, "h") == b"hashtable"


def test_hincrby_converts_with_tiny_value_threshold(r, thresholds):
    r.execute_command("CONFIG", "SET", "hash-max-listpack-value", 0)
    assert r.execute_command("HINCRBY", "a", "f", 1) == 1
    assert encoding(r, "a") == b"hashtable"
    assert r.execute_command("HINCRBYFLOAT", "b", "f", "1.5") == b"1.5"
    assert encoding(r, "b") == b"hashtable"
    r.execute_command("HSET", "c", "", "")
    assert encoding(r, "c") == b"listpack", "empty strings are not longer than 0"


def test_ziplist_alias_config_names(r, thresholds):
    assert r.execute_command("CONFIG", "SET", "hash-max-ziplist-entries", 7) == b"OK"
    assert r.execute_command("CONFIG", "GET", "hash-max-listpack-entries")[1] == b"7"
    assert r.execute_command("CONFIG", "SET", "hash-max-ziplist-value", 9) == b"OK"
    assert r.execute_command("CONFIG", "GET", "hash-max-listpack-value")[1] == b"9"


@pytest.mark.parametrize("n", [10, 600])
def test_copy_and_rename_keep_hash(r, n):
    want = big_hash(r, "h", n)
    enc = encoding(r, "h")
    assert r.execute_command("COPY", "h", "h2") == 1
    assert r.execute_command("RENAME", "h", "h3") == b"OK"
    for k in ("h2", "h3"):
        assert pairs(r.execute_command("HGETALL", k)) == want
        assert encoding(r, k) == enc
    r.execute_command("HSET", "h2", "f0", "changed")
    assert r.execute_command("HGET", "h3", "f0") == b"v0", "the copy is independent"


def test_expired_hash_is_gone(r):
    r.execute_command("HSET", "h", "f", "v")
    r.execute_command("PEXPIRE", "h", 1)
    import time
    time.sleep(0.05)
    assert r.execute_command("HGET", "h", "f") is None
    assert r.execute_command("HLEN", "h") == 0
    assert r.execute_command("HSET", "h", "g", "w") == 1
    assert r.execute_command("TTL", "h") == -1


def test_hash_writes_keep_ttl(r):
    r.execute_command("HSET", "h", "f", "v")
    r.execute_command("EXPIRE", "h", 100)
    r.execute_command("HSET", "h", "g", "w")
    r.execute_command("HINCRBY", "h", "n", 1)
    r.execute_command("HDEL", "h", "f")
    assert 0 < r.execute_command("TTL", "h") <= 100


# --------------------------------------------------------------------------
# Statistics and the modification signal
# --------------------------------------------------------------------------

def test_reads_count_keyspace_hits_and_misses(r):
    r.execute_command("HSET", "h", "f", "v")
    r.execute_command("SET", "s", "x")
    h0, m0 = hits_misses(r)
    r.execute_command("HGET", "h", "f")
    r.execute_command("HGET", "h", "nosuch")   # key exists: a hit
    r.execute_command("HGET", "nosuch", "f")   # a miss
    r.execute_command("HLEN", "nosuch")        # a miss
    err(r, "HGET", "s", "f")                   # exists, wrong type: a hit
    h1, m1 = hits_misses(r)
    assert (h1 - h0, m1 - m0) == (3, 2)


def test_writes_do_not_count_hits(r):
    h0, m0 = hits_misses(r)
    r.execute_command("HSET", "h", "f", "v")
    r.execute_command("HDEL", "h", "nosuch")
    r.execute_command("HINCRBY", "h", "n", 1)
    assert hits_misses(r) == (h0, m0)


def test_writes_are_counted_as_changes(r):
    def dirty():
        info = r.execute_command("INFO", "persistence").decode()
        return int(info.split("rdb_changes_since_last_save:")[1].split("\r\n")[0])

    d0 = dirty()
    r.execute_command("HSET", "h", "a", "1")
    r.execute_command("HSETNX", "h", "a", "2")   # nothing written
    r.execute_command("HDEL", "h", "nosuch")     # nothing written
    assert dirty() > d0
    d1 = dirty()
    r.execute_command("HSETNX", "h", "a", "2")
    r.execute_command("HDEL", "h", "nosuch")
    r.execute_command("HGET", "h", "a")
    assert dirty() == d1


"""Sorted-set commands: ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT
ZRANK ZREVRANK, the ZRANGE family (ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE
ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX), ZREMRANGEBYRANK/SCORE/LEX,
ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER, ZUNION ZINTER ZDIFF and their STORE forms,
ZINTERCARD, ZSCAN; score parsing and printing, the listpack/skiplist
encodings and their conversions, RESP3 reply shapes, WRONGTYPE errors,
keyspace statistics and memory use."""

import pytest

from helpers import (NOT_INT, SYNTAX, WRONGTYPE, Double, err, make_list, make_set, parse_info,
                     wrong_args)

NOT_FLOAT = "ERR value is not a valid float"
RANGE_FLOAT = "ERR min or max is not a float"
RANGE_LEX = "ERR min or max not valid string range item"
POSITIVE = "ERR value is out of range, must be positive"
NAN_RESULT = "ERR resulting score is not a number (NaN)"
LIMIT_RANK = ("ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
              "or BYLEX")
WITHSCORES_LEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
RAND_RANGE = ("ERR value is out of range, value must between -9223372036854775807 "
              "and 9223372036854775807")


def z(r, *args):
    return r.execute_command(*args)


def enc(r, key):
    return r.execute_command("OBJECT", "ENCODING", key)


def zall(r, key):
    """The whole set as [(member, score-text)]."""
    flat = r.execute_command("ZRANGE", key, 0, -1, "WITHSCORES")
    return list(zip(flat[0::2], flat[1::2]))


def fill(r, key="z", n=5):
    """z = {a:1 b:2 c:3 d:4 e:5} (n members)."""
    args = []
    for i in range(n):
        args += [i + 1, chr(ord("a") + i)]
    r.execute_command("ZADD", key, *args)


def stats(r):
    s = parse_info(r.execute_command("INFO", "stats"))["Stats"]
    return int(s["keyspace_hits"]), int(s["keyspace_misses"])


def zscan_all(r, key, *opts):
    cursor, out, calls = b"0", [], 0
    while True:
        cursor, batch = r.execute_command("ZSCAN", key, cursor, *opts)
        calls += 1
        out.extend(batch)
        if cursor == b"0":
            return out, calls
        assert calls < 100000, "ZSCAN does not terminate"


@pytest.fixture
def thresholds(r):
    """Restore the listpack thresholds after a test changes them."""
    yield
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "128")
    r.execute_command("CONFIG", "SET", "zset-max-listpack-value", "64")


@pytest.fixture(params=["listpack", "skiplist"])
def encoding(request, r):
    """Run a test on both encodings: 'skiplist' sets the threshold to 0."""
    if request.param == "skiplist":
        r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "0")
    yield request.param
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "128")


# --------------------------------------------------------------------------
# ZADD
# --------------------------------------------------------------------------

def test_zadd_creates_and_counts_new_members(r, encoding):
    assert z(r, "ZADD", "z", 1, "a", 2, "b", 3, "a") == 2
    assert zall(r, "z") == [(b"b", b"2"), (b"a", b"3")]
    assert enc(r, "z") == encoding.encode()


def test_zadd_update_is_not_counted_without_ch(r, encoding):
    fill(r)
    assert z(r, "ZADD", "z", 10, "a", 6, "f") == 1
    assert z(r, "ZADD", "z", "CH", 11, "a", 6, "f", 7, "g") == 2
    assert z(r, "ZSCORE", "z", "a") == b"11"


def test_zadd_nx_only_adds(r, encoding):
    fill(r)
    assert z(r, "ZADD", "z", "NX", 100, "a", 6, "f") == 1
    assert z(r, "ZSCORE", "z", "a") == b"1"


def test_zadd_xx_only_updates(r, encoding):
    fill(r)
    assert z(r, "ZADD", "z", "XX", "CH", 100, "a", 6, "f") == 1
    assert z(r, "ZSCORE", "z", "a") == b"100"
    assert z(r, "ZSCORE", "z", "f") is None


def test_zadd_xx_on_missing_key_creates_nothing(r):
    assert z(r, "ZADD", "z", "XX", 1, "a") == 0
    assert z(r, "EXISTS", "z") == 0
    assert z(r, "ZADD", "z", "XX", "INCR", 1, "a") is None
    assert z(r, "EXISTS", "z") == 0


def test_zadd_gt_lt(r, encoding):
    fill(r)
    assert z(r, "ZADD", "z", "GT", "CH", 0, "a", 10, "b", 6, "f") == 2
    assert z(r, "ZSCORE", "z", "a") == b"1"
    assert z(r, "ZSCORE", "z", "b") == b"10"
    assert z(r, "ZADD", "z", "LT", "CH", 0, "a", 10, "c") == 1
    assert z(r, "ZSCORE", "z", "a") == b"0"
    assert z(r, "ZSCORE", "z", "c") == b"3"
    assert z(r, "ZADD", "z", "GT", "XX", "CH", 100, "d", 100, "new") == 1
    assert z(r, "ZSCORE", "z", "new") is None


def test_zadd_same_score_is_not_a_change(r):
    fill(r)
    assert z(r, "ZADD", "z", "CH", 1, "a") == 0


def test_zadd_incr(r, encoding):
    assert z(r, "ZADD", "z", "INCR", 1.5, "a") == b"1.5"
    assert z(r, "ZADD", "z", "INCR", 2, "a") == b"3.5"
    assert z(r, "ZADD", "z", "NX", "INCR", 1, "a") is None
    assert z(r, "ZADD", "z", "XX", "INCR", 1, "b") is None
    assert z(r, "ZADD", "z", "GT", "INCR", -1, "a") is None
    assert z(r, "ZADD", "z", "LT", "INCR", -1, "a") == b"2.5"
    assert z(r, "ZADD", "z", "GT", "INCR", 5, "newone") == b"5"


def test_zadd_incr_to_nan_is_an_error_and_changes_nothing(r, encoding):
    z(r, "ZADD", "z", "inf", "a")
    assert err(r, "ZADD", "z", "INCR", "-inf", "a") == NAN_RESULT
    assert z(r, "ZSCORE", "z", "a") == b"inf"
    assert err(r, "ZINCRBY", "z", "-inf", "a") == NAN_RESULT


def test_zadd_option_errors(r):
    assert err(r, "ZADD", "z", "NX", "XX", 1, "a") == \
        "ERR XX and NX options at the same time are not compatible"
    for opts in (("GT", "LT"), ("GT", "NX"), ("LT", "NX"), ("NX", "GT", "LT")):
        assert err(r, "ZADD", "z", *opts, 1, "a") == \
            "ERR GT, LT, and/or NX options at the same time are not compatible"
    assert err(r, "ZADD", "z", "INCR", 1, "a", 2, "b") == \
        "ERR INCR option supports a single increment-element pair"
    assert err(r, "ZADD", "z", 1, "a", 2) == SYNTAX
    assert err(r, "ZADD", "z", "NX", "XX") == SYNTAX
    assert err(r, "ZADD", "z", "CH", 1) == SYNTAX
    assert err(r, "ZADD", "z", 1) == wrong_args("zadd")
    # Precedence: the pair count first, then NX/XX, then GT/LT/NX, then INCR.
    assert err(r, "ZADD", "z", "NX", "XX", "GT", 1, "a", 2) == SYNTAX
    assert err(r, "ZADD", "z", "NX", "XX", "GT", 1, "a") == \
        "ERR XX and NX options at the same time are not compatible"
    assert z(r, "EXISTS", "z") == 0


def test_zadd_score_parsing(r):
    for bad in ("abc", "nan", " 1", "1 ", "", "1e999", "-1e999", "1e-999", "0x", "++1"):
        assert err(r, "ZADD", "z", bad, "a") == NOT_FLOAT, bad
    # Nothing is added when one score of many is bad.
    assert err(r, "ZADD", "z", 1, "a", "x", "b") == NOT_FLOAT
    assert z(r, "EXISTS", "z") == 0
    assert z(r, "ZADD", "z", "inf", "a", "-inf", "b", "+inf", "c", "1e3", "d", "0x10", "e",
             "-0.5", "f", "5e-324", "g", "INF", "h", "-Infinity", "i") == 9
    assert zall(r, "z") == [(b"b", b"-inf"), (b"i", b"-inf"), (b"f", b"-0.5"),
                            (b"g", b"4.9406564584124654e-324"), (b"e", b"16"),
                            (b"d", b"1000"), (b"a", b"inf"), (b"c", b"inf"), (b"h", b"inf")]


def test_zadd_options_after_scores_are_members_or_errors(r):
    assert err(r, "ZADD", "z", 1, "a", "NX", 2) == NOT_FLOAT
    assert z(r, "ZADD", "z", 1, "NX") == 1
    assert z(r, "ZRANGE", "z", 0, -1) == [b"NX"]


def test_zadd_options_are_case_insensitive_and_repeatable(r):
    assert z(r, "zadd", "z", "nx", "Nx", "ch", "CH", 1, "a") == 1


def test_score_printing(r, encoding):
    pairs = [("0.1", b"0.10000000000000001"), ("1.5", b"1.5"), ("1e20", b"1e+20"),
             ("123456789012", b"123456789012"), ("-3", b"-3"), ("1e-5", b"1.0000000000000001e-05"),
             ("3.0", b"3"), ("9007199254740993", b"9007199254740992"),
             ("0.30000000000000004", b"0.30000000000000004"), ("-inf", b"-inf")]
    for i, (score, text) in enumerate(pairs):
        z(r, "ZADD", "z", score, "m%d" % i)
        assert z(r, "ZSCORE", "z", "m%d" % i) == text, score


def test_minus_zero(r):
    # A listpack stores -0 as 0; a skiplist keeps it. The INCR reply is the
    # computed score either way.
    assert z(r, "ZADD", "lp", "INCR", "-0", "a") == b"-0"
    assert z(r, "ZSCORE", "lp", "a") == b"0"
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "0")
    try:
        z(r, "ZADD", "sl", "-0", "a")
        assert z(r, "ZSCORE", "sl", "a") == b"-0"
        assert z(r, "ZRANGE", "sl", 0, -1, "WITHSCORES") == [b"a", b"-0"]
        assert z(r, "ZSCAN", "sl", 0) == [b"0", [b"a", b"-0"]]
    finally:
        r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "128")


def test_minus_zero_through_store_commands(r, thresholds):
    """A listpack turns -0 into 0, so -0 survives only where Redis builds
    the result as a skiplist: algebra results too big for a listpack, and
    ZRANGESTORE of a rank range longer than the listpack limit. ZADD and
    ZRANGESTORE BYSCORE start from a listpack and convert as they grow."""
    rest = [x for i in range(1, 200) for x in (i, "m%03d" % i)]
    z(r, "ZADD", "new", "-0", "a", *rest)
    assert z(r, "ZSCORE", "new", "a") == b"0"
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "0")
    z(r, "ZADD", "src", "-0", "a", *rest)
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "128")
    assert z(r, "ZUNIONSTORE", "u", 1, "src") == 200
    assert z(r, "ZSCORE", "u", "a") == b"-0"
    assert z(r, "ZRANGESTORE", "rs", "src", "-inf", "+inf", "BYSCORE") == 200
    assert z(r, "ZSCORE", "rs", "a") == b"0"
    assert z(r, "ZRANGESTORE", "rr", "src", 0, -1) == 200
    assert z(r, "ZSCORE", "rr", "a") == b"-0"
    assert z(r, "ZRANGESTORE", "small", "src", 0, 100) == 101
    assert z(r, "ZSCORE", "small", "a") == b"0"
    assert enc(r, "small") == b"listpack"
    assert z(r, "ZINTERSTORE", "small", 1, "src") == 200  # the same result, big
    assert enc(r, "small") == b"skiplist"


def test_zadd_binary_and_empty_members(r, encoding):
    assert z(r, "ZADD", "z", 1, b"", 1, b"\x00\xff", 1, b"a\x00b") == 3
    assert z(r, "ZRANGE", "z", 0, -1) == [b"", b"\x00\xff", b"a\x00b"]
    assert z(r, "ZSCORE", "z", b"") == b"1"


def test_zadd_wrongtype(r):
    make_list(r, "l")
    assert err(r, "ZADD", "l", 1, "a") == WRONGTYPE
    # Syntax errors come before the type check.
    assert err(r, "ZADD", "l", "x", "a") == NOT_FLOAT


# --------------------------------------------------------------------------
# ZINCRBY
# --------------------------------------------------------------------------

def test_zincrby(r, encoding):
    assert z(r, "ZINCRBY", "z", 2, "a") == b"2"
    assert z(r, "ZINCRBY", "z", -0.5, "a") == b"1.5"
    assert z(r, "ZINCRBY", "z", "inf", "a") == b"inf"
    assert err(r, "ZINCRBY", "z", "x", "a") == NOT_FLOAT
    assert err(r, "ZINCRBY", "z", "nan", "a") == NOT_FLOAT


def test_zincrby_increment_that_is_a_zadd_option_is_a_syntax_error(r):
    for opt in ("nx", "xx", "ch", "incr", "gt", "lt"):
        assert err(r, "ZINCRBY", "z", opt, "a") == SYNTAX
    assert z(r, "ZINCRBY", "z", 1, "nx") == b"1"


def test_zincrby_wrongtype_and_arity(r):
    make_list(r, "l")
    assert err(r, "ZINCRBY", "l", 1, "a") == WRONGTYPE
    assert err(r, "ZINCRBY", "z", 1) == wrong_args("zincrby")


# --------------------------------------------------------------------------
# ZREM ZCARD ZSCORE ZMSCORE
# --------------------------------------------------------------------------

def test_zrem(r, encoding):
    fill(r)
    assert z(r, "ZREM", "z", "a", "x", "a", "b") == 2
    assert z(r, "ZCARD", "z") == 3
    assert z(r, "ZREM", "z", "c", "d", "e") == 3
    assert z(r, "EXISTS", "z") == 0
    assert z(r, "ZREM", "z", "a") == 0


def test_zcard_zscore_missing(r):
    assert z(r, "ZCARD", "nosuch") == 0
    assert z(r, "ZSCORE", "nosuch", "a") is None
    fill(r)
    assert z(r, "ZSCORE", "z", "nosuch") is None


def test_zmscore(r, encoding):
    fill(r)
    assert z(r, "ZMSCORE", "z", "a", "x", "e") == [b"1", None, b"5"]
    assert z(r, "ZMSCORE", "nosuch", "a", "b") == [None, None]
    assert err(r, "ZMSCORE", "z") == wrong_args("zmscore")


def test_read_commands_wrongtype(r):
    make_list(r, "l")
    for cmd in (("ZCARD", "l"), ("ZSCORE", "l", "a"), ("ZMSCORE", "l", "a"), ("ZREM", "l", "a"),
                ("ZCOUNT", "l", 0, 1), ("ZLEXCOUNT", "l", "-", "+"), ("ZRANK", "l", "a"),
                ("ZREVRANK", "l", "a"), ("ZRANGE", "l", 0, 1), ("ZREVRANGE", "l", 0, 1),
                ("ZRANGEBYSCORE", "l", 0, 1), ("ZREVRANGEBYSCORE", "l", 1, 0),
                ("ZRANGEBYLEX", "l", "-", "+"), ("ZREVRANGEBYLEX", "l", "+", "-"),
                ("ZRANGESTORE", "d", "l", 0, 1), ("ZREMRANGEBYRANK", "l", 0, 1),
                ("ZREMRANGEBYSCORE", "l", 0, 1), ("ZREMRANGEBYLEX", "l", "-", "+"),
                ("ZPOPMIN", "l"), ("ZPOPMAX", "l", 0), ("ZRANDMEMBER", "l"),
                ("ZRANDMEMBER", "l", 0), ("ZSCAN", "l", 0), ("ZSCAN", "l", 0, "BADOPT"),
                ("ZMPOP", 1, "l", "MIN"), ("ZUNION", 1, "l"), ("ZINTER", 1, "l"),
                ("ZDIFF", 1, "l"), ("ZINTERCARD", 1, "l"), ("ZUNIONSTORE", "d", 1, "l"),
                ("ZINCRBY", "l", 1, "a")):
        assert err(r, *cmd) == WRONGTYPE, cmd
    assert z(r, "EXISTS", "d") == 0


# --------------------------------------------------------------------------
# ZCOUNT ZLEXCOUNT
# --------------------------------------------------------------------------

def test_zcount(r, encoding):
    fill(r)
    assert z(r, "ZCOUNT", "z", "-inf", "+inf") == 5
    assert z(r, "ZCOUNT", "z", 2, 4) == 3
    assert z(r, "ZCOUNT", "z", "(2", "(4") == 1
    assert z(r, "ZCOUNT", "z", 4, 2) == 0
    assert z(r, "ZCOUNT", "z", "(3", 3) == 0
    assert z(r, "ZCOUNT", "z", 10, 20) == 0
    assert z(r, "ZCOUNT", "nosuch", 0, 1) == 0


def test_score_range_parsing(r):
    fill(r)
    # strtod rules: leading spaces, hex, "" (= 0) and "(" alone are accepted.
    assert z(r, "ZCOUNT", "z", " 1", " 3") == 3
    assert z(r, "ZCOUNT", "z", "0x1", "0x3") == 3
    assert z(r, "ZCOUNT", "z", "", "3") == 3
    assert z(r, "ZCOUNT", "z", "(", "(") == 0
    assert z(r, "ZCOUNT", "z", "-inf", "inf") == 5
    assert z(r, "ZCOUNT", "z", "1e0", "1e999") == 5
    for bad in (("a", "1"), ("1", "b"), ("1 ", "3"), ("nan", "1"), ("(nan", "1"), ("[1", "2"),
                ("((1", "2")):
        assert err(r, "ZCOUNT", "z", *bad) == RANGE_FLOAT, bad
    assert err(r, "ZCOUNT", "nosuch", "x", 1) == RANGE_FLOAT


def test_zlexcount(r, encoding):
    z(r, "ZADD", "z", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e")
    assert z(r, "ZLEXCOUNT", "z", "-", "+") == 5
    assert z(r, "ZLEXCOUNT", "z", "[b", "(d") == 2
    assert z(r, "ZLEXCOUNT", "z", "(b", "[d") == 2
    assert z(r, "ZLEXCOUNT", "z", "+", "-") == 0
    assert z(r, "ZLEXCOUNT", "z", "-", "-") == 0
    assert z(r, "ZLEXCOUNT", "z", "[c", "[c") == 1
    assert z(r, "ZLEXCOUNT", "z", "(c", "[c") == 0
    assert z(r, "ZLEXCOUNT", "z", "[", "+") == 5
    assert z(r, "ZLEXCOUNT", "nosuch", "-", "+") == 0


def test_lex_range_parsing(r):
    z(r, "ZADD", "z", 0, "a")
    for bad in (("a", "+"), ("-", "b"), ("", "+"), ("+x", "+"), ("-", "--"), ("{a", "+")):
        assert err(r, "ZLEXCOUNT", "z", *bad) == RANGE_LEX, bad
    assert err(r, "ZLEXCOUNT", "nosuch", "a", "+") == RANGE_LEX


# --------------------------------------------------------------------------
# ZRANK ZREVRANK
# --------------------------------------------------------------------------

def test_zrank_zrevrank(r, encoding):
    fill(r)
    assert z(r, "ZRANK", "z", "a") == 0
    assert z(r, "ZRANK", "z", "e") == 4
    assert z(r, "ZREVRANK", "z", "a") == 4
    assert z(r, "ZREVRANK", "z", "e") == 0
    assert z(r, "ZRANK", "z", "x") is None
    assert z(r, "ZRANK", "nosuch", "a") is None


@pytest.mark.aikv_only
def test_zrank_withscore(r, encoding):
    """Redis 7.2: ZRANK key member WITHSCORE -> [rank, score]."""
    fill(r)
    assert z(r, "ZRANK", "z", "c", "WITHSCORE") == [2, b"3"]
    assert z(r, "ZREVRANK", "z", "c", "withscore") == [2, b"3"]
    assert z(r, "ZRANK", "z", "x", "WITHSCORE") is None
    assert z(r, "ZRANK", "nosuch", "x", "WITHSCORE") is None
    assert err(r, "ZRANK", "z", "c", "WITHSCORES") == SYNTAX
    assert err(r, "ZRANK", "z", "c", "WITHSCORE", "x") == wrong_args("zrank")


@pytest.mark.aikv_only
def test_zrank_withscore_resp3(raw):
    raw.cmd("HELLO", "3")
    raw.cmd("ZADD", "z", 1.5, "a")
    raw.send_command("ZRANK", "z", "a", "WITHSCORE")
    assert raw.read_raw() == b"*2\r\n:0\r\n,1.5\r\n"
    raw.send_command("ZRANK", "z", "x", "WITHSCORE")
    assert raw.read_raw() == b"_\r\n"
    raw.cmd("HELLO", "2")
    raw.send_command("ZRANK", "z", "x", "WITHSCORE")
    assert raw.read_raw() == b"*-1\r\n"


def test_zrank_arity(r):
    assert err(r, "ZRANK", "z") == wrong_args("zrank")
    assert err(r, "ZREVRANK", "z") == wrong_args("zrevrank")


# --------------------------------------------------------------------------
# ZRANGE by rank
# --------------------------------------------------------------------------

def test_zrange_by_rank(r, encoding):
    fill(r)
    assert z(r, "ZRANGE", "z", 0, -1) == [b"a", b"b", b"c", b"d", b"e"]
    assert z(r, "ZRANGE", "z", 1, 2, "WITHSCORES") == [b"b", b"2", b"c", b"3"]
    assert z(r, "ZRANGE", "z", -2, -1) == [b"d", b"e"]
    assert z(r, "ZRANGE", "z", -100, 0) == [b"a"]
    assert z(r, "ZRANGE", "z", 3, 100) == [b"d", b"e"]
    assert z(r, "ZRANGE", "z", 3, 1) == []
    assert z(r, "ZRANGE", "z", 5, 10) == []
    assert z(r, "ZRANGE", "z", 0, -6) == []
    assert z(r, "ZRANGE", "z", 0, 1, "REV") == [b"e", b"d"]
    assert z(r, "ZRANGE", "z", -1, -1, "REV", "WITHSCORES") == [b"a", b"1"]
    assert z(r, "ZREVRANGE", "z", 0, 1, "WITHSCORES") == [b"e", b"5", b"d", b"4"]
    assert z(r, "ZREVRANGE", "z", 2, 100) == [b"c", b"b", b"a"]
    assert z(r, "ZRANGE", "nosuch", 0, -1) == []


def test_zrange_large_indexes(r):
    fill(r)
    assert z(r, "ZRANGE", "z", -9223372036854775808, 9223372036854775807) == \
        [b"a", b"b", b"c", b"d", b"e"]
    assert err(r, "ZRANGE", "z", 0, "9223372036854775808") == NOT_INT


def test_zrange_option_errors(r):
    fill(r)
    assert err(r, "ZRANGE", "z", 0, -1, "LIMIT", 0, 1) == LIMIT_RANK
    assert z(r, "ZRANGE", "z", 0, 0, "LIMIT", 3, -1) == [b"a"]  # Redis checks the value
    assert err(r, "ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == WITHSCORES_LEX
    assert err(r, "ZRANGE", "z", 0, 1, "REV", "REV") == SYNTAX
    assert err(r, "ZRANGE", "z", 0, 1, "BYSCORE", "BYLEX") == SYNTAX
    assert err(r, "ZRANGE", "z", 0, 1, "BYSCORE", "BYSCORE") == SYNTAX
    assert err(r, "ZRANGE", "z", 0, 1, "LIMIT", 0) == SYNTAX
    assert err(r, "ZRANGE", "z", 0, 1, "BOGUS") == SYNTAX
    assert err(r, "ZRANGE", "z", 0, 1, "BYSCORE", "LIMIT", "x", 1) == NOT_INT
    assert err(r, "ZRANGE", "z", "x", 1) == NOT_INT
    assert err(r, "ZRANGE", "z", 0, "1.5") == NOT_INT
    assert err(r, "ZRANGE", "z", "a", "b", "BYSCORE") == RANGE_FLOAT
    assert err(r, "ZRANGE", "z", "a", "b", "BYLEX") == RANGE_LEX
    assert err(r, "ZRANGE", "z", 0) == wrong_args("zrange")
    # Option errors come before the key is looked at.
    make_list(r, "l")
    assert err(r, "ZRANGE", "l", 0, 1, "BOGUS") == SYNTAX
    assert err(r, "ZRANGE", "l", "x", 1) == NOT_INT


def test_legacy_range_commands_refuse_other_forms(r):
    fill(r)
    assert err(r, "ZREVRANGE", "z", 0, 1, "REV") == SYNTAX
    assert err(r, "ZREVRANGE", "z", 0, 1, "LIMIT", 0, 1) == LIMIT_RANK
    assert err(r, "ZREVRANGE", "z", 0, 1, "BYSCORE") == SYNTAX
    assert err(r, "ZRANGEBYSCORE", "z", 1, 2, "BYLEX") == SYNTAX
    assert err(r, "ZRANGEBYSCORE", "z", 1, 2, "REV") == SYNTAX
    assert err(r, "ZRANGEBYLEX", "z", "-", "+", "WITHSCORES") == WITHSCORES_LEX
    assert err(r, "ZRANGEBYLEX", "z", "-", "+", "LIMIT", 1) == SYNTAX
    assert err(r, "ZREVRANGEBYLEX", "z", "+", "-", "BYSCORE") == SYNTAX


# --------------------------------------------------------------------------
# ZRANGE by score
# --------------------------------------------------------------------------

def test_zrange_by_score(r, encoding):
    fill(r)
    assert z(r, "ZRANGEBYSCORE", "z", 2, 4) == [b"b", b"c", b"d"]
    assert z(r, "ZRANGEBYSCORE", "z", "(2", "4", "WITHSCORES") == [b"c", b"3", b"d", b"4"]
    assert z(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 1, 2) == [b"b", b"c"]
    assert z(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 3, -1) == [b"d", b"e"]
    assert z(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 3, -5) == [b"d", b"e"]
    assert z(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 0, 0) == []
    assert z(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", -1, 2) == []
    assert z(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 5, 2) == []
    assert z(r, "ZRANGEBYSCORE", "z", 2, 4, "LIMIT", 2, 5) == [b"d"]
    assert z(r, "ZRANGEBYSCORE", "z", 2, 4, "LIMIT", 3, 5) == []
    assert z(r, "ZRANGEBYSCORE", "z", 4, 2) == []
    assert z(r, "ZRANGEBYSCORE", "z", 3, "(3") == []
    assert z(r, "ZRANGEBYSCORE", "z", 6, 10) == []
    assert z(r, "ZREVRANGEBYSCORE", "z", 4, 2) == [b"d", b"c", b"b"]
    assert z(r, "ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES", "LIMIT", 1, 2) == \
        [b"d", b"4", b"c", b"3"]
    assert z(r, "ZREVRANGEBYSCORE", "z", 2, 4) == []
    assert z(r, "ZRANGE", "z", "(1", 5, "BYSCORE") == [b"b", b"c", b"d", b"e"]
    assert z(r, "ZRANGE", "z", 5, "(1", "BYSCORE", "REV", "LIMIT", 1, 2) == [b"d", b"c"]
    assert z(r, "ZRANGEBYSCORE", "nosuch", 0, 1) == []


def test_zrange_by_score_options_in_any_order(r):
    fill(r)
    assert z(r, "ZRANGEBYSCORE", "z", 0, 10, "LIMIT", 0, 1, "WITHSCORES") == [b"a", b"1"]
    assert z(r, "ZRANGE", "z", 10, 0, "LIMIT", 0, 1, "REV", "WITHSCORES", "BYSCORE") == \
        [b"e", b"5"]
    assert z(r, "ZRANGEBYSCORE", "z", 0, 10, "WITHSCORES", "WITHSCORES", "LIMIT", 0, 1,
             "LIMIT", 1, 1) == [b"b", b"2"]


def test_zrange_by_score_ties_order_by_member(r, encoding):
    z(r, "ZADD", "z", 1, "c", 1, "a", 1, "b", 0, "z", 2, "y")
    assert z(r, "ZRANGEBYSCORE", "z", 1, 1) == [b"a", b"b", b"c"]
    assert z(r, "ZREVRANGEBYSCORE", "z", 1, 1) == [b"c", b"b", b"a"]


# --------------------------------------------------------------------------
# ZRANGE by lex
# --------------------------------------------------------------------------

def test_zrange_by_lex(r, encoding):
    z(r, "ZADD", "z", 0, "a", 0, "b", 0, "c", 0, "d", 0, "e", 0, "ee", 0, "f")
    assert z(r, "ZRANGEBYLEX", "z", "-", "+") == [b"a", b"b", b"c", b"d", b"e", b"ee", b"f"]
    assert z(r, "ZRANGEBYLEX", "z", "[b", "(e") == [b"b", b"c", b"d"]
    assert z(r, "ZRANGEBYLEX", "z", "(b", "[e") == [b"c", b"d", b"e"]
    assert z(r, "ZRANGEBYLEX", "z", "[e", "(f") == [b"e", b"ee"]
    assert z(r, "ZRANGEBYLEX", "z", "-", "+", "LIMIT", 2, 2) == [b"c", b"d"]
    assert z(r, "ZRANGEBYLEX", "z", "-", "+", "LIMIT", -1, 2) == []
    assert z(r, "ZRANGEBYLEX", "z", "-", "+", "LIMIT", 6, -1) == [b"f"]
    assert z(r, "ZRANGEBYLEX", "z", "+", "-") == []
    assert z(r, "ZRANGEBYLEX", "z", "-", "-") == []
    assert z(r, "ZRANGEBYLEX", "z", "+", "+") == []
    assert z(r, "ZRANGEBYLEX", "z", "[c", "[c") == [b"c"]
    assert z(r, "ZRANGEBYLEX", "z", "(c", "[c") == []
    assert z(r, "ZRANGEBYLEX", "z", "[", "[b") == [b"a", b"b"]
    assert z(r, "ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", 1, 2) == [b"ee", b"e"]
    assert z(r, "ZREVRANGEBYLEX", "z", "(e", "[b") == [b"d", b"c", b"b"]
    assert z(r, "ZRANGE", "z", "(e", "[b", "BYLEX", "REV") == [b"d", b"c", b"b"]
    assert z(r, "ZRANGE", "z", "[b", "[d", "BYLEX", "LIMIT", 1, 1) == [b"c"]
    assert z(r, "ZRANGEBYLEX", "nosuch", "-", "+") == []


def test_zrange_by_lex_on_mixed_scores_in_a_listpack(r):
    """Redis walks a listpack linearly: the first element >= min, then on
    while <= max, whatever the scores."""
    z(r, "ZADD", "z", 1, "c", 2, "a", 3, "b", 4, "d")
    assert z(r, "ZRANGEBYLEX", "z", "[b", "+") == [b"c", b"a", b"b", b"d"]
    assert z(r, "ZRANGEBYLEX", "z", "-", "[b") == []
    assert z(r, "ZREVRANGEBYLEX", "z", "[c", "-") == [b"b", b"a", b"c"]
    assert z(r, "ZLEXCOUNT", "z", "[b", "+") == 4
    assert z(r, "ZREMRANGEBYLEX", "z", "[c", "[c") == 3  # c, then a and b (<= "c")
    assert z(r, "ZRANGE", "z", 0, -1) == [b"d"]


def test_zrange_by_lex_binary(r):
    z(r, "ZADD", "z", 0, b"a\x00", 0, b"a", 0, b"a\xff", 0, b"b")
    assert z(r, "ZRANGEBYLEX", "z", b"(a", b"(b") == [b"a\x00", b"a\xff"]
    assert z(r, "ZRANGEBYLEX", "z", b"[a\x00", b"+") == [b"a\x00", b"a\xff", b"b"]


# --------------------------------------------------------------------------
# ZRANGESTORE
# --------------------------------------------------------------------------

def test_zrangestore(r, encoding):
    fill(r)
    assert z(r, "ZRANGESTORE", "d", "z", 1, 3) == 3
    assert zall(r, "d") == [(b"b", b"2"), (b"c", b"3"), (b"d", b"4")]
    assert z(r, "ZRANGESTORE", "d", "z", 4, 2, "BYSCORE", "REV", "LIMIT", 0, 2) == 2
    assert zall(r, "d") == [(b"c", b"3"), (b"d", b"4")]
    assert z(r, "ZRANGESTORE", "d", "z", "[a", "(c", "BYLEX") == 2
    assert zall(r, "d") == [(b"a", b"1"), (b"b", b"2")]


def test_zrangestore_empty_result_deletes_destination(r):
    fill(r)
    z(r, "SET", "d", "x")
    assert z(r, "ZRANGESTORE", "d", "z", 10, 20) == 0
    assert z(r, "EXISTS", "d") == 0
    z(r, "SET", "d", "x")
    assert z(r, "ZRANGESTORE", "d", "nosuch", 0, -1) == 0
    assert z(r, "EXISTS", "d") == 0


def test_zrangestore_replaces_any_type_and_clears_ttl(r):
    fill(r)
    make_list(r, "d")
    z(r, "EXPIRE", "d", 100)
    assert z(r, "ZRANGESTORE", "d", "z", 0, 0) == 1
    assert z(r, "TYPE", "d") == b"zset"
    assert z(r, "TTL", "d") == -1


def test_zrangestore_onto_its_source(r):
    fill(r)
    assert z(r, "ZRANGESTORE", "z", "z", 1, 2) == 2
    assert zall(r, "z") == [(b"b", b"2"), (b"c", b"3")]


def test_zrangestore_errors(r):
    fill(r)
    assert err(r, "ZRANGESTORE", "d", "z", 0, -1, "WITHSCORES") == SYNTAX
    assert err(r, "ZRANGESTORE", "d", "z", 0, -1, "LIMIT", 0, 1) == LIMIT_RANK
    assert err(r, "ZRANGESTORE", "d", "z", 0) == wrong_args("zrangestore")


# --------------------------------------------------------------------------
# ZREMRANGEBY*
# --------------------------------------------------------------------------

def test_zremrangebyrank(r, encoding):
    fill(r)
    assert z(r, "ZREMRANGEBYRANK", "z", 0, 0) == 1
    assert z(r, "ZREMRANGEBYRANK", "z", -1, -1) == 1
    assert z(r, "ZREMRANGEBYRANK", "z", 5, 10) == 0
    assert z(r, "ZREMRANGEBYRANK", "z", 2, 1) == 0
    assert z(r, "ZRANGE", "z", 0, -1) == [b"b", b"c", b"d"]
    assert z(r, "ZREMRANGEBYRANK", "z", -100, 100) == 3
    assert z(r, "EXISTS", "z") == 0
    assert z(r, "ZREMRANGEBYRANK", "z", 0, -1) == 0


def test_zremrangebyscore(r, encoding):
    fill(r)
    assert z(r, "ZREMRANGEBYSCORE", "z", "(2", 3) == 1
    assert z(r, "ZREMRANGEBYSCORE", "z", 10, 20) == 0
    assert z(r, "ZREMRANGEBYSCORE", "z", 4, 2) == 0
    assert z(r, "ZRANGE", "z", 0, -1) == [b"a", b"b", b"d", b"e"]
    assert z(r, "ZREMRANGEBYSCORE", "z", "-inf", "+inf") == 4
    assert z(r, "EXISTS", "z") == 0


def test_zremrangebylex(r, encoding):
    z(r, "ZADD", "z", 0, "a", 0, "b", 0, "c", 0, "d")
    assert z(r, "ZREMRANGEBYLEX", "z", "(a", "[c") == 2
    assert z(r, "ZREMRANGEBYLEX", "z", "+", "-") == 0
    assert z(r, "ZRANGE", "z", 0, -1) == [b"a", b"d"]
    assert z(r, "ZREMRANGEBYLEX", "z", "-", "+") == 2
    assert z(r, "EXISTS", "z") == 0


def test_zremrange_errors_come_before_the_key(r):
    assert err(r, "ZREMRANGEBYRANK", "nosuch", "a", 1) == NOT_INT
    assert err(r, "ZREMRANGEBYSCORE", "nosuch", "a", 1) == RANGE_FLOAT
    assert err(r, "ZREMRANGEBYLEX", "nosuch", "a", "+") == RANGE_LEX
    assert err(r, "ZREMRANGEBYRANK", "z", 0) == wrong_args("zremrangebyrank")


# --------------------------------------------------------------------------
# ZPOPMIN ZPOPMAX ZMPOP
# --------------------------------------------------------------------------

def test_zpopmin_zpopmax(r, encoding):
    fill(r)
    assert z(r, "ZPOPMIN", "z") == [b"a", b"1"]
    assert z(r, "ZPOPMAX", "z") == [b"e", b"5"]
    assert z(r, "ZPOPMIN", "z", 2) == [b"b", b"2", b"c", b"3"]
    assert z(r, "ZPOPMAX", "z", 0) == []
    assert z(r, "ZPOPMAX", "z", 10) == [b"d", b"4"]
    assert z(r, "EXISTS", "z") == 0
    assert z(r, "ZPOPMIN", "z") == []
    assert z(r, "ZPOPMIN", "z", 3) == []


def test_zpop_errors(r):
    fill(r)
    assert err(r, "ZPOPMIN", "z", -1) == POSITIVE
    assert err(r, "ZPOPMIN", "z", "x") == POSITIVE
    assert err(r, "ZPOPMIN", "z", 1, 2) == SYNTAX
    assert err(r, "ZPOPMAX") == wrong_args("zpopmax")
    make_list(r, "l")
    assert err(r, "ZPOPMIN", "l", 0) == WRONGTYPE


def test_zmpop(r, encoding):
    fill(r)
    assert z(r, "ZMPOP", 1, "z", "MIN") == [b"z", [[b"a", b"1"]]]
    assert z(r, "ZMPOP", 2, "nosuch", "z", "MAX", "COUNT", 2) == [b"z", [[b"e", b"5"], [b"d", b"4"]]]
    assert z(r, "ZMPOP", 1, "z", "min", "count", 10) == [b"z", [[b"b", b"2"], [b"c", b"3"]]]
    assert z(r, "EXISTS", "z") == 0
    assert z(r, "ZMPOP", 2, "z", "nosuch", "MIN") is None


def test_zmpop_errors(r):
    fill(r)
    for bad in (0, -1, "x"):
        assert err(r, "ZMPOP", bad, "z", "MIN") == "ERR numkeys should be greater than 0"
    assert err(r, "ZMPOP", 2, "z", "MIN") == SYNTAX
    assert err(r, "ZMPOP", 1, "z", "FOO") == SYNTAX
    assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT") == SYNTAX
    assert err(r, "ZMPOP", 1, "z", "MIN", "BAR", 1) == SYNTAX
    assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT", 1, "COUNT", 2) == SYNTAX
    for bad in (0, -1, "x"):
        assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT", bad) == "ERR count should be greater than 0"
    make_list(r, "l")
    assert err(r, "ZMPOP", 2, "nosuch", "l", "MIN") == WRONGTYPE
    # The first non-empty key is taken before a later wrong one is seen.
    assert z(r, "ZMPOP", 2, "z", "l", "MIN") == [b"z", [[b"a", b"1"]]]
    assert z(r, "ZCARD", "z") == 4


# --------------------------------------------------------------------------
# ZRANDMEMBER
# --------------------------------------------------------------------------

def test_zrandmember(r, encoding):
    fill(r)
    assert z(r, "ZRANDMEMBER", "z") in (b"a", b"b", b"c", b"d", b"e")
    assert z(r, "ZRANDMEMBER", "nosuch") is None
    three = z(r, "ZRANDMEMBER", "z", 3)
    assert len(three) == 3 and len(set(three)) == 3
    assert sorted(z(r, "ZRANDMEMBER", "z", 10)) == [b"a", b"b", b"c", b"d", b"e"]
    assert len(z(r, "ZRANDMEMBER", "z", -20)) == 20
    assert z(r, "ZRANDMEMBER", "z", 0) == []
    assert z(r, "ZRANDMEMBER", "nosuch", 5) == []
    ws = z(r, "ZRANDMEMBER", "z", -7, "WITHSCORES")
    assert len(ws) == 14
    for m, s in zip(ws[0::2], ws[1::2]):
        assert z(r, "ZSCORE", "z", m) == s
    ws = z(r, "ZRANDMEMBER", "z", 4, "withscores")
    assert len(ws) == 8 and len(set(ws[0::2])) == 4


def test_zrandmember_covers_the_set(r, encoding):
    fill(r, n=10)
    seen = set(z(r, "ZRANDMEMBER", "z", -500))
    assert len(seen) == 10
    seen = set()
    for _ in range(300):
        seen.update(z(r, "ZRANDMEMBER", "z", 2))
    assert len(seen) == 10


def test_zrandmember_errors(r):
    fill(r)
    assert err(r, "ZRANDMEMBER", "z", "x") == NOT_INT
    assert err(r, "ZRANDMEMBER", "z", 1, "foo") == SYNTAX
    assert err(r, "ZRANDMEMBER", "z", 1, "WITHSCORES", "x") == SYNTAX
    assert err(r, "ZRANDMEMBER", "z", -9223372036854775808) == RAND_RANGE
    assert err(r, "ZRANDMEMBER", "z", -4611686018427387904, "WITHSCORES") == \
        "ERR value is out of range"
    assert err(r, "ZRANDMEMBER", "z", 4611686018427387904, "WITHSCORES") == \
        "ERR value is out of range"
    assert len(z(r, "ZRANDMEMBER", "z", 9223372036854775807)) == 5


# --------------------------------------------------------------------------
# ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD
# --------------------------------------------------------------------------

@pytest.fixture
def algebra(r):
    z(r, "ZADD", "z1", 1, "a", 2, "b", 3, "c")
    z(r, "ZADD", "z2", 10, "b", 20, "c", 30, "d")
    z(r, "SADD", "s", "a", "b", "x")


def test_zunion(r, algebra):
    assert z(r, "ZUNION", 2, "z1", "z2", "WITHSCORES") == \
        [b"a", b"1", b"b", b"12", b"c", b"23", b"d", b"30"]
    assert z(r, "ZUNION", 3, "z1", "z2", "s", "WITHSCORES") == \
        [b"x", b"1", b"a", b"2", b"b", b"13", b"c", b"23", b"d", b"30"]
    assert z(r, "ZUNION", 2, "z1", "nosuch") == [b"a", b"b", b"c"]
    assert z(r, "ZUNION", 1, "nosuch") == []


def test_zunion_weights_and_aggregate(r, algebra):
    assert z(r, "ZUNION", 2, "z1", "z2", "WEIGHTS", 2, 0.5, "WITHSCORES") == \
        [b"a", b"2", b"b", b"9", b"d", b"15", b"c", b"16"]
    assert z(r, "ZUNION", 2, "z1", "z2", "WEIGHTS", 1, -1, "AGGREGATE", "MIN", "WITHSCORES") == \
        [b"d", b"-30", b"c", b"-20", b"b", b"-10", b"a", b"1"]
    assert z(r, "ZUNION", 2, "z1", "z2", "AGGREGATE", "max", "WITHSCORES") == \
        [b"a", b"1", b"b", b"10", b"c", b"20", b"d", b"30"]
    # The last WEIGHTS/AGGREGATE wins; options in any order.
    assert z(r, "ZUNION", 2, "z1", "z2", "WITHSCORES", "WEIGHTS", 1, 1, "WEIGHTS", 2, 2,
             "AGGREGATE", "MIN", "AGGREGATE", "SUM") == \
        [b"a", b"2", b"b", b"24", b"c", b"46", b"d", b"60"]


def test_zinter(r, algebra):
    assert z(r, "ZINTER", 2, "z1", "z2", "WITHSCORES") == [b"b", b"12", b"c", b"23"]
    assert z(r, "ZINTER", 3, "z1", "z2", "s", "WITHSCORES") == [b"b", b"13"]
    assert z(r, "ZINTER", 2, "z1", "s", "WITHSCORES") == [b"a", b"2", b"b", b"3"]
    assert z(r, "ZINTER", 2, "z1", "nosuch") == []
    assert z(r, "ZINTER", 2, "z1", "z1", "WEIGHTS", 1, 2, "WITHSCORES") == \
        [b"a", b"3", b"b", b"6", b"c", b"9"]
    assert z(r, "ZINTER", 2, "z1", "z2", "AGGREGATE", "MIN") == [b"b", b"c"]


def test_zdiff(r, algebra):
    assert z(r, "ZDIFF", 2, "z1", "z2", "WITHSCORES") == [b"a", b"1"]
    assert z(r, "ZDIFF", 2, "z1", "s") == [b"c"]
    assert z(r, "ZDIFF", 2, "s", "z1", "WITHSCORES") == [b"x", b"1"]
    assert z(r, "ZDIFF", 1, "z1") == [b"a", b"b", b"c"]
    assert z(r, "ZDIFF", 2, "nosuch", "z1") == []
    assert z(r, "ZDIFF", 2, "z1", "nosuch") == [b"a", b"b", b"c"]


def test_algebra_infinities_and_nan(r):
    z(r, "ZADD", "pinf", "inf", "a")
    z(r, "ZADD", "ninf", "-inf", "a")
    assert z(r, "ZUNION", 2, "pinf", "ninf", "WITHSCORES") == [b"a", b"0"]
    assert z(r, "ZINTER", 2, "pinf", "ninf", "WITHSCORES") == [b"a", b"0"]
    assert z(r, "ZINTER", 2, "pinf", "ninf", "WEIGHTS", 0, 1, "AGGREGATE", "MIN",
             "WITHSCORES") == [b"a", b"-inf"]
    assert z(r, "ZINTER", 2, "pinf", "ninf", "WEIGHTS", 0, 1, "AGGREGATE", "MAX",
             "WITHSCORES") == [b"a", b"0"]
    # inf * 0 is NaN, counted as 0 in a union
    assert z(r, "ZUNION", 2, "ninf", "pinf", "WEIGHTS", 1, 0, "AGGREGATE", "MAX",
             "WITHSCORES") == [b"a", b"0"]
    assert z(r, "ZUNION", 2, "ninf", "pinf", "WEIGHTS", 1, 0, "AGGREGATE", "MIN",
             "WITHSCORES") == [b"a", b"-inf"]
    assert z(r, "ZUNION", 1, "pinf", "WEIGHTS", 0, "WITHSCORES") == [b"a", b"0"]


def test_algebra_ties_sort_by_member(r):
    z(r, "ZADD", "p", 1, "c", 1, "a")
    z(r, "ZADD", "q", 1, "b", 0, "z")
    assert z(r, "ZUNION", 2, "p", "q") == [b"z", b"a", b"b", b"c"]


def test_algebra_store(r, algebra, encoding):
    assert z(r, "ZUNIONSTORE", "d", 2, "z1", "z2") == 4
    assert zall(r, "d") == [(b"a", b"1"), (b"b", b"12"), (b"c", b"23"), (b"d", b"30")]
    assert z(r, "ZINTERSTORE", "d", 2, "z1", "z2", "WEIGHTS", 1, 0) == 2
    assert zall(r, "d") == [(b"b", b"2"), (b"c", b"3")]
    assert z(r, "ZDIFFSTORE", "d", 2, "z2", "z1") == 1
    assert zall(r, "d") == [(b"d", b"30")]
    assert enc(r, "d") == encoding.encode()
    assert z(r, "ZINTERSTORE", "d", 2, "z1", "nosuch") == 0
    assert z(r, "EXISTS", "d") == 0
    z(r, "SET", "d", "x")
    assert z(r, "ZDIFFSTORE", "d", 1, "nosuch") == 0
    assert z(r, "EXISTS", "d") == 0


def test_algebra_store_onto_an_input(r, algebra):
    assert z(r, "ZUNIONSTORE", "z1", 2, "z1", "z2") == 4
    assert zall(r, "z1") == [(b"a", b"1"), (b"b", b"12"), (b"c", b"23"), (b"d", b"30")]
    assert z(r, "ZINTERSTORE", "s", 2, "s", "z2") == 1
    assert z(r, "TYPE", "s") == b"zset"
    assert zall(r, "s") == [(b"b", b"11")]


def test_algebra_errors(r, algebra):
    for cmd in ("ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD"):
        assert err(r, cmd, 0, "z1") == \
            "ERR at least 1 input key is needed for '%s' command" % cmd.lower()
        assert err(r, cmd, -1, "z1") == \
            "ERR at least 1 input key is needed for '%s' command" % cmd.lower()
        assert err(r, cmd, "x", "z1") == NOT_INT
        assert err(r, cmd, 3, "z1") == SYNTAX
        assert err(r, cmd, 99999999999999, "z1") == SYNTAX
        assert err(r, cmd, 1, "z1", "BOGUS") == SYNTAX
    for cmd in ("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"):
        assert err(r, cmd, "d", 0, "z1") == \
            "ERR at least 1 input key is needed for '%s' command" % cmd.lower()
        assert err(r, cmd, "d", 1, "z1", "WITHSCORES") == SYNTAX
    assert err(r, "ZUNION", 2, "z1", "z2", "WEIGHTS", 1) == SYNTAX  # too few: not WEIGHTS
    assert err(r, "ZUNION", 2, "z1", "z2", "WEIGHTS", 1, "x") == "ERR weight value is not a float"
    assert err(r, "ZUNION", 2, "z1", "z2", "WEIGHTS", 1, "nan") == "ERR weight value is not a float"
    assert err(r, "ZUNION", 2, "z1", "z2", "WEIGHTS", 1, 2, 3) == SYNTAX
    assert err(r, "ZUNION", 1, "z1", "WEIGHTS") == SYNTAX
    assert err(r, "ZUNION", 1, "z1", "AGGREGATE") == SYNTAX
    assert err(r, "ZUNION", 1, "z1", "AGGREGATE", "avg") == SYNTAX
    assert err(r, "ZDIFF", 1, "z1", "WEIGHTS", 1) == SYNTAX
    assert err(r, "ZDIFF", 1, "z1", "AGGREGATE", "SUM") == SYNTAX
    assert err(r, "ZUNIONSTORE", "d", 1) == wrong_args("zunionstore")
    assert err(r, "ZUNION", 1) == wrong_args("zunion")
    # Inputs are type-checked before the options are parsed.
    z(r, "SET", "str", "x")
    assert err(r, "ZUNION", 2, "z1", "str", "BOGUS") == WRONGTYPE
    # A destination of another type is simply replaced.
    assert z(r, "ZUNIONSTORE", "str", 1, "z1") == 3
    assert z(r, "TYPE", "str") == b"zset"


def test_zintercard(r, algebra):
    assert z(r, "ZINTERCARD", 2, "z1", "z2") == 2
    assert z(r, "ZINTERCARD", 2, "z1", "z2", "LIMIT", 1) == 1
    assert z(r, "ZINTERCARD", 2, "z1", "z2", "LIMIT", 0) == 2
    assert z(r, "ZINTERCARD", 2, "z1", "z2", "LIMIT", 5, "LIMIT", 1) == 1
    assert z(r, "ZINTERCARD", 3, "z1", "z2", "s") == 1
    assert z(r, "ZINTERCARD", 2, "z1", "nosuch") == 0
    for bad in (-1, "x", 1.5):
        assert err(r, "ZINTERCARD", 1, "z1", "LIMIT", bad) == "ERR LIMIT can't be negative"
    assert err(r, "ZINTERCARD", 1, "z1", "LIMIT") == SYNTAX
    assert err(r, "ZINTERCARD", 1, "z1", "WEIGHTS", 1) == SYNTAX
    assert err(r, "ZINTERCARD", 1, "z1", "AGGREGATE", "SUM") == SYNTAX
    assert err(r, "ZINTERCARD", 1, "z1", "WITHSCORES") == SYNTAX


def test_zintercard_with_limit_on_large_sets(r):
    z(r, "ZADD", "p", *[x for i in range(3000) for x in (i, "m%d" % i)])
    z(r, "ZADD", "q", *[x for i in range(0, 3000, 2) for x in (i, "m%d" % i)])
    assert z(r, "ZINTERCARD", 2, "p", "q") == 1500
    assert z(r, "ZINTERCARD", 2, "p", "q", "LIMIT", 700) == 700


def test_algebra_sums_in_redis_order(r):
    """Sources are summed smallest first (ties in argument order), which
    decides the rounding of a floating-point sum."""
    z(r, "ZADD", "x1", 0.1, "m", 5, "other")
    z(r, "ZADD", "x2", 0.2, "m")
    z(r, "ZADD", "x3", 0.3, "m")
    # (0.2 + 0.3) + 0.1, not (0.1 + 0.2) + 0.3 = 0.60000000000000009
    assert z(r, "ZUNION", 3, "x1", "x2", "x3", "WITHSCORES")[:2] == [b"m", b"0.59999999999999998"]
    assert z(r, "ZINTER", 3, "x1", "x2", "x3", "WITHSCORES") == [b"m", b"0.59999999999999998"]
    assert z(r, "ZINTER", 3, "x2", "x3", "x1", "WITHSCORES") == [b"m", b"0.59999999999999998"]


# --------------------------------------------------------------------------
# ZSCAN
# --------------------------------------------------------------------------

def test_zscan_listpack_returns_everything_at_once(r):
    fill(r)
    assert z(r, "ZSCAN", "z", 0) == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3", b"d", b"4",
                                            b"e", b"5"]]
    assert z(r, "ZSCAN", "z", 0, "COUNT", 1, "MATCH", "*[bd]*") == [b"0", [b"b", b"2", b"d", b"4"]]
    assert z(r, "ZSCAN", "nosuch", 0) == [b"0", []]


def test_zscan_skiplist_iterates(r, thresholds):
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "16")
    z(r, "ZADD", "z", *[x for i in range(500) for x in (i * 0.5, "m%d" % i)])
    assert enc(r, "z") == b"skiplist"
    out, calls = zscan_all(r, "z", "COUNT", 20)
    assert calls > 1
    got = dict(zip(out[0::2], out[1::2]))
    assert len(got) == 500
    assert got[b"m3"] == b"1.5" and got[b"m499"] == b"249.5"
    out, _ = zscan_all(r, "z", "MATCH", "m1?")
    assert sorted(out[0::2]) == sorted(b"m1%d" % i for i in range(10))


def test_zscan_errors(r):
    fill(r)
    assert err(r, "ZSCAN", "z", "x") == "ERR invalid cursor"
    assert err(r, "ZSCAN", "z", "-1x") == "ERR invalid cursor"
    assert err(r, "ZSCAN", "z", 0, "COUNT", 0) == SYNTAX
    assert err(r, "ZSCAN", "z", 0, "COUNT", "x") == NOT_INT
    assert err(r, "ZSCAN", "z", 0, "MATCH") == SYNTAX
    assert err(r, "ZSCAN", "z", 0, "TYPE", "zset") == SYNTAX
    assert err(r, "ZSCAN", "z", 0, "NOVALUES") == SYNTAX
    # Options are parsed only once the key is known to exist.
    assert z(r, "ZSCAN", "nosuch", 0, "COUNT", 0) == [b"0", []]
    assert err(r, "ZSCAN", "nosuch", "x") == "ERR invalid cursor"


# --------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------

def test_small_set_is_listpack_and_converts_past_max_entries(r, thresholds):
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "3")
    fill(r, n=3)
    assert enc(r, "z") == b"listpack"
    z(r, "ZADD", "z", 10, "a")  # an update never converts
    assert enc(r, "z") == b"listpack"
    z(r, "ZADD", "z", 4, "d")
    assert enc(r, "z") == b"skiplist"
    z(r, "ZREM", "z", "a", "b", "c")
    assert enc(r, "z") == b"skiplist"  # never converts back
    assert zall(r, "z") == [(b"d", b"4")]


def test_long_member_converts(r, thresholds):
    r.execute_command("CONFIG", "SET", "zset-max-listpack-value", "4")
    z(r, "ZADD", "z", 1, "abcd")
    assert enc(r, "z") == b"listpack"
    z(r, "ZADD", "z", 2, "abcde")
    assert enc(r, "z") == b"skiplist"
    z(r, "ZADD", "y", 1, "abcde")
    assert enc(r, "y") == b"skiplist"


def test_zero_max_entries_makes_skiplists(r, thresholds):
    z(r, "ZADD", "old", 1, "a")
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "0")
    z(r, "ZADD", "old", 1, "a")
    assert enc(r, "old") == b"listpack"  # unchanged until a member is added
    z(r, "ZADD", "old", 2, "b")
    assert enc(r, "old") == b"skiplist"
    z(r, "ZINCRBY", "new", 1, "a")
    assert enc(r, "new") == b"skiplist"


def test_store_results_take_the_small_encoding(r, thresholds):
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "2")
    fill(r, n=3)
    assert enc(r, "z") == b"skiplist"
    z(r, "ZRANGESTORE", "d", "z", 0, 1)
    assert enc(r, "d") == b"listpack"
    z(r, "ZRANGESTORE", "d", "z", 0, -1)
    assert enc(r, "d") == b"skiplist"
    z(r, "ZREMRANGEBYRANK", "z", 0, 0)
    z(r, "ZUNIONSTORE", "d", 1, "z")
    assert enc(r, "d") == b"listpack"
    assert zall(r, "d") == [(b"b", b"2"), (b"c", b"3")]


def test_conversion_keeps_contents(r, thresholds):
    r.execute_command("CONFIG", "SET", "zset-max-listpack-entries", "200")
    args = []
    for i in range(200):
        args += [(i * 37) % 101 - 50.25, "member:%d" % i]
    z(r, "ZADD", "z", *args)
    assert enc(r, "z") == b"listpack"
    before = zall(r, "z")
    z(r, "CONFIG", "SET", "zset-max-listpack-entries", "10")
    z(r, "ZADD", "z", 0, "new")
    assert enc(r, "z") == b"skiplist"
    z(r, "ZREM", "z", "new")
    assert zall(r, "z") == before


def test_copy_and_rename_keep_the_set(r, encoding):
    fill(r)
    assert z(r, "COPY", "z", "c") == 1
    assert z(r, "RENAME", "z", "r") == b"OK"
    assert zall(r, "c") == zall(r, "r")
    assert enc(r, "c") == encoding.encode()
    z(r, "ZADD", "c", 9, "x")
    assert z(r, "ZCARD", "r") == 5


def test_type_and_expire(r):
    fill(r)
    assert z(r, "TYPE", "z") == b"zset"
    z(r, "PEXPIRE", "z", 1)
    import time
    time.sleep(0.05)
    assert z(r, "ZCARD", "z") == 0
    assert z(r, "ZADD", "z", "XX", 1, "a") == 0


# --------------------------------------------------------------------------
# Large sets
# --------------------------------------------------------------------------

def test_large_set_ranks_and_ranges(r):
    n = 20000
    for i in range(0, n, 1000):
        z(r, "ZADD", "big", *[x for j in range(i, i + 1000) for x in (j // 4, "m%05d" % j)])
    assert enc(r, "big") == b"skiplist"
    assert z(r, "ZCARD", "big") == n
    assert z(r, "ZRANK", "big", "m12345") == 12345
    assert z(r, "ZREVRANK", "big", "m12345") == n - 1 - 12345
    assert z(r, "ZRANGE", "big", 9998, 10001) == [b"m09998", b"m09999", b"m10000", b"m10001"]
    assert z(r, "ZCOUNT", "big", 100, "(200") == 400
    assert z(r, "ZRANGEBYSCORE", "big", "-inf", "+inf", "LIMIT", 15000, 2) == [b"m15000", b"m15001"]
    assert z(r, "ZREVRANGEBYSCORE", "big", "+inf", "-inf", "LIMIT", 15000, 2) == [b"m04999",
                                                                                  b"m04998"]
    assert z(r, "ZREMRANGEBYRANK", "big", 0, 9999) == 10000
    assert z(r, "ZRANK", "big", "m12345") == 2345
    assert z(r, "ZPOPMIN", "big", 2) == [b"m10000", b"2500", b"m10001", b"2500"]


def test_memory_of_a_large_set_is_redis_like(r):
    """100k members of ~12 bytes: Redis 7.0 uses ~110 bytes a member; allow
    1.2x that."""
    r.execute_command("FLUSHALL")
    before = int(parse_info(r.execute_command("INFO", "memory"))["Memory"]["used_memory"])
    n = 100000
    for i in range(0, n, 1000):
        z(r, "ZADD", "z", *[x for j in range(i, i + 1000) for x in (j * 1.5, b"member:%d" % j)])
    after = int(parse_info(r.execute_command("INFO", "memory"))["Memory"]["used_memory"])
    per_member = (after - before) / n
    assert per_member <= 110 * 1.2, per_member
    r.execute_command("DEL", "z")


# --------------------------------------------------------------------------
# Keyspace statistics
# --------------------------------------------------------------------------

def test_reads_count_hits_and_misses(r):
    fill(r)
    make_list(r, "l")
    r.execute_command("CONFIG", "RESETSTAT")
    z(r, "ZSCORE", "z", "a")
    z(r, "ZCARD", "nosuch")
    err(r, "ZCARD", "l")  # a key of another type is a hit
    assert stats(r) == (2, 1)
    z(r, "ZADD", "z", 1, "x")
    z(r, "ZREM", "nosuch", "a")
    z(r, "ZPOPMIN", "nosuch")
    assert stats(r) == (2, 1)  # writes do not count
    z(r, "ZUNION", 2, "z", "nosuch")
    z(r, "ZUNIONSTORE", "d", 2, "z", "nosuch")
    z(r, "ZRANGESTORE", "d2", "nosuch", 0, -1)
    assert stats(r) == (4, 4)


# --------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------

def test_resp3_reply_shapes(raw):
    raw.cmd("HELLO", "3")
    raw.cmd("ZADD", "z", 1, "a", 2.5, "b")
    cases = [
        (("ZSCORE", "z", "b"), b",2.5\r\n"),
        (("ZSCORE", "z", "x"), b"_\r\n"),
        (("ZMSCORE", "z", "a", "x"), b"*2\r\n,1\r\n_\r\n"),
        (("ZINCRBY", "z", 0, "a"), b",1\r\n"),
        (("ZADD", "z", "INCR", 0, "a"), b",1\r\n"),
        (("ZADD", "z", "NX", "INCR", 0, "a"), b"_\r\n"),
        (("ZRANGE", "z", 0, -1), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
        (("ZRANGE", "z", 0, -1, "WITHSCORES"), b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"),
        (("ZREVRANGEBYSCORE", "z", "inf", "-inf", "WITHSCORES", "LIMIT", 0, 1),
         b"*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"),
        (("ZUNION", 1, "z", "WITHSCORES"), b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"),
        (("ZINTER", 1, "z", "WITHSCORES"), b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"),
        (("ZDIFF", 1, "z", "WITHSCORES"), b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"),
        (("ZRANDMEMBER", "z", -1, "WITHSCORES"), None),
        (("ZSCAN", "z", 0), b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n"),
        (("ZRANK", "z", "x"), b"_\r\n"),
        (("ZRANDMEMBER", "nosuch"), b"_\r\n"),
        (("ZMPOP", 1, "nosuch", "MIN"), b"_\r\n"),
        (("ZPOPMIN", "z", 1), b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"),
        (("ZPOPMAX", "z"), b"*2\r\n$1\r\nb\r\n,2.5\r\n"),
        (("ZPOPMAX", "z"), b"*0\r\n"),
    ]
    for args, want in cases:
        raw.send_command(*args)
        got = raw.read_raw()
        if want is None:
            assert got.startswith(b"*1\r\n*2\r\n$1\r\n") and b"\r\n," in got, (args, got)
        else:
            assert got == want, (args, got)
    raw.cmd("ZADD", "z", "inf", "i", "-inf", "n")
    raw.send_command("ZRANGE", "z", 0, -1, "WITHSCORES")
    assert raw.read_raw() == b"*2\r\n*2\r\n$1\r\nn\r\n,-inf\r\n*2\r\n$1\r\ni\r\n,inf\r\n"
    raw.send_command("ZMPOP", 1, "z", "MAX", "COUNT", 5)
    assert raw.read_raw() == b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\ni\r\n,inf\r\n*2\r\n$1\r\nn\r\n,-inf\r\n"


def test_resp2_reply_shapes(raw):
    raw.cmd("ZADD", "z", 1, "a", 2.5, "b")
    cases = [
        (("ZSCORE", "z", "b"), b"$3\r\n2.5\r\n"),
        (("ZSCORE", "z", "x"), b"$-1\r\n"),
        (("ZRANK", "z", "x"), b"$-1\r\n"),
        (("ZMPOP", 1, "nosuch", "MIN"), b"*-1\r\n"),
        (("ZRANGE", "z", 0, 0, "WITHSCORES"), b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (("ZPOPMIN", "z", 1), b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        (("ZMPOP", 1, "z", "MIN"), b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$3\r\n2.5\r\n"),
    ]
    for args, want in cases:
        raw.send_command(*args)
        assert raw.read_raw() == want, args


def test_resp3_doubles_parse(raw):
    raw.cmd("HELLO", "3")
    raw.cmd("ZADD", "z", "0.1", "a")
    assert raw.cmd("ZSCORE", "z", "a") == Double(0.1)

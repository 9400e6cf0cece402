"""String commands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL
GETEX APPEND STRLEN INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE
SUBSTR LCS, binary safety and WRONGTYPE errors."""

import time

import pytest

from helpers import NOT_INT, SYNTAX, WRONGTYPE, err, make_list, wrong_args

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808


def now_ms():
    return int(time.time() * 1000)


# --------------------------------------------------------------------------
# GET / SET
# --------------------------------------------------------------------------

def test_get_missing_key_is_nil(r):
    assert r.execute_command("GET", "nosuch") is None


def test_set_then_get(r):
    assert r.execute_command("SET", "k", "v") == b"OK"
    assert r.execute_command("GET", "k") == b"v"


def test_set_overwrites_and_clears_ttl(r):
    r.execute_command("SET", "k", "v1", "EX", 100)
    assert r.execute_command("SET", "k", "v2") == b"OK"
    assert r.execute_command("GET", "k") == b"v2"
    assert r.execute_command("TTL", "k") == -1


def test_set_nx_sets_missing_key(r):
    assert r.execute_command("SET", "k", "v", "NX") == b"OK"
    assert r.execute_command("GET", "k") == b"v"


def test_set_nx_does_not_overwrite(r):
    r.execute_command("SET", "k", "old")
    assert r.execute_command("SET", "k", "new", "NX") is None
    assert r.execute_command("GET", "k") == b"old"


def test_set_xx_does_not_create(r):
    assert r.execute_command("SET", "k", "v", "XX") is None
    assert r.execute_command("EXISTS", "k") == 0


def test_set_xx_overwrites_existing(r):
    r.execute_command("SET", "k", "old")
    assert r.execute_command("SET", "k", "new", "XX") == b"OK"
    assert r.execute_command("GET", "k") == b"new"


def test_set_get_returns_old_value(r):
    r.execute_command("SET", "k", "old")
    assert r.execute_command("SET", "k", "new", "GET") == b"old"
    assert r.execute_command("GET", "k") == b"new"


def test_set_get_on_missing_key_returns_nil_and_sets(r):
    assert r.execute_command("SET", "k", "v", "GET") is None
    assert r.execute_command("GET", "k") == b"v"


def test_set_nx_get_on_existing_key_returns_old_and_keeps_it(r):
    r.execute_command("SET", "k", "old")
    assert r.execute_command("SET", "k", "new", "NX", "GET") == b"old"
    assert r.execute_command("GET", "k") == b"old"


def test_set_nx_get_on_missing_key_sets(r):
    assert r.execute_command("SET", "k", "v", "NX", "GET") is None
    assert r.execute_command("GET", "k") == b"v"


def test_set_xx_get_on_missing_key_does_not_set(r):
    assert r.execute_command("SET", "k", "v", "XX", "GET") is None
    assert r.execute_command("EXISTS", "k") == 0


def test_set_options_are_case_insensitive(r):
    assert r.execute_command("set", "k", "v", "ex", 100, "nx") == b"OK"
    assert 0 < r.execute_command("TTL", "k") <= 100


def test_set_repeated_same_option_is_accepted(r):
    assert r.execute_command("SET", "k", "v", "NX", "NX") == b"OK"
    assert r.execute_command("SET", "k", "v", "EX", 10, "EX", 10) == b"OK"
    assert r.execute_command("SET", "k", "v", "KEEPTTL", "KEEPTTL") == b"OK"


def test_set_ex_sets_ttl_in_seconds(r):
    assert r.execute_command("SET", "k", "v", "EX", 100) == b"OK"
    assert 99 <= r.execute_command("TTL", "k") <= 100
    assert 98000 < r.execute_command("PTTL", "k") <= 100000


def test_set_px_sets_ttl_in_milliseconds(r):
    assert r.execute_command("SET", "k", "v", "PX", 100000) == b"OK"
    assert 98000 < r.execute_command("PTTL", "k") <= 100000


def test_set_exat_sets_absolute_expiry(r):
    at = int(time.time()) + 1000
    assert r.execute_command("SET", "k", "v", "EXAT", at) == b"OK"
    assert r.execute_command("EXPIRETIME", "k") == at


def test_set_pxat_sets_absolute_expiry(r):
    at = now_ms() + 1000000
    assert r.execute_command("SET", "k", "v", "PXAT", at) == b"OK"
    assert r.execute_command("PEXPIRETIME", "k") == at


def test_set_exat_in_the_past_leaves_no_key(r):
    assert r.execute_command("SET", "k", "v", "EXAT", 1) == b"OK"
    assert r.execute_command("GET", "k") is None
    assert r.execute_command("EXISTS", "k") == 0


def test_set_keepttl_keeps_existing_ttl(r):
    r.execute_command("SET", "k", "v1", "EX", 100)
    assert r.execute_command("SET", "k", "v2", "KEEPTTL") == b"OK"
    assert r.execute_command("GET", "k") == b"v2"
    assert 98 <= r.execute_command("TTL", "k") <= 100


def test_set_px_expires_key(r):
    assert r.execute_command("SET", "k", "v", "PX", 50) == b"OK"
    time.sleep(0.2)
    assert r.execute_command("GET", "k") is None
    assert r.execute_command("EXISTS", "k") == 0


@pytest.mark.parametrize("opts", [
    ["NX", "XX"],
    ["XX", "NX"],
    ["EX", 10, "PX", 10000],
    ["PX", 10, "EX", 10],
    ["EX", 10, "EXAT", 2000000000],
    ["PXAT", 2000000000000, "EXAT", 2000000000],
    ["KEEPTTL", "EX", 10],
    ["PX", 10, "KEEPTTL"],
    ["EX"],
    ["PX"],
    ["EXAT"],
    ["FOO"],
    ["NX", "BAR"],
], ids=lambda o: "-".join(str(x) for x in o))
def test_set_invalid_option_combinations_are_syntax_errors(r, opts):
    assert err(r, "SET", "k", "v", *opts) == SYNTAX
    assert r.execute_command("EXISTS", "k") == 0


@pytest.mark.parametrize("opt,value", [
    ("EX", 0), ("EX", -1), ("PX", 0), ("PX", -100), ("EXAT", 0), ("EXAT", -1),
    ("PXAT", 0), ("PXAT", -5),
    ("EX", LLONG_MAX), ("EX", 9223372036854775), ("PX", LLONG_MAX), ("EXAT", LLONG_MAX),
])
def test_set_invalid_expire_time(r, opt, value):
    assert err(r, "SET", "k", "v", opt, value) == "ERR invalid expire time in 'set' command"
    assert r.execute_command("EXISTS", "k") == 0


@pytest.mark.parametrize("value", ["abc", "1.5", "", "10s", "99999999999999999999"])
def test_set_non_integer_expire_is_rejected(r, value):
    assert err(r, "SET", "k", "v", "EX", value) == NOT_INT
    assert err(r, "SET", "k", "v", "PX", value) == NOT_INT


def test_set_wrong_number_of_arguments(r):
    assert err(r, "SET", "k") == wrong_args("set")
    assert err(r, "SET") == wrong_args("set")


def test_get_wrong_number_of_arguments(r):
    assert err(r, "GET") == wrong_args("get")
    assert err(r, "GET", "a", "b") == wrong_args("get")


def test_set_get_on_wrong_type_is_wrongtype_and_does_not_set(r):
    make_list(r, "l")
    assert err(r, "SET", "l", "v", "GET") == WRONGTYPE
    assert r.execute_command("TYPE", "l") == b"list"


def test_plain_set_overwrites_other_types(r):
    make_list(r, "l")
    assert r.execute_command("SET", "l", "v") == b"OK"
    assert r.execute_command("TYPE", "l") == b"string"


# --------------------------------------------------------------------------
# SETNX SETEX PSETEX
# --------------------------------------------------------------------------

def test_setnx_sets_only_missing_keys(r):
    assert r.execute_command("SETNX", "k", "v1") == 1
    assert r.execute_command("SETNX", "k", "v2") == 0
    assert r.execute_command("GET", "k") == b"v1"


def test_setex_sets_value_and_ttl(r):
    assert r.execute_command("SETEX", "k", 100, "v") == b"OK"
    assert r.execute_command("GET", "k") == b"v"
    assert 99 <= r.execute_command("TTL", "k") <= 100


def test_psetex_sets_value_and_ttl_in_ms(r):
    assert r.execute_command("PSETEX", "k", 100000, "v") == b"OK"
    assert r.execute_command("GET", "k") == b"v"
    assert 98000 < r.execute_command("PTTL", "k") <= 100000


@pytest.mark.parametrize("cmd", ["SETEX", "PSETEX"])
@pytest.mark.parametrize("ttl", [0, -1])
def test_setex_non_positive_ttl_is_invalid_expire_time(r, cmd, ttl):
    assert err(r, cmd, "k", ttl, "v") == "ERR invalid expire time in '%s' command" % cmd.lower()
    assert r.execute_command("EXISTS", "k") == 0


@pytest.mark.parametrize("cmd", ["SETEX", "PSETEX"])
def test_setex_non_integer_ttl(r, cmd):
    assert err(r, cmd, "k", "abc", "v") == NOT_INT


def test_setex_wrong_number_of_arguments(r):
    assert err(r, "SETEX", "k", 10) == wrong_args("setex")


# --------------------------------------------------------------------------
# MGET MSET MSETNX
# --------------------------------------------------------------------------

def test_mset_and_mget(r):
    assert r.execute_command("MSET", "a", "1", "b", "2") == b"OK"
    assert r.execute_command("MGET", "a", "nosuch", "b") == [b"1", None, b"2"]


def test_mset_last_duplicate_wins(r):
    r.execute_command("MSET", "a", "1", "a", "2")
    assert r.execute_command("GET", "a") == b"2"


@pytest.mark.parametrize("args", [["a"], ["a", "1", "b"]])
def test_mset_odd_arguments_is_arity_error(r, args):
    assert err(r, "MSET", *args) == wrong_args("mset")


def test_msetnx_all_or_nothing(r):
    assert r.execute_command("MSETNX", "a", "1", "b", "2") == 1
    assert r.execute_command("MSETNX", "b", "x", "c", "3") == 0
    assert r.execute_command("MGET", "a", "b", "c") == [b"1", b"2", None]


def test_msetnx_odd_arguments_is_arity_error(r):
    assert err(r, "MSETNX", "a", "1", "b") == wrong_args("msetnx")


def test_mget_repeated_key(r):
    r.execute_command("SET", "a", "1")
    assert r.execute_command("MGET", "a", "a") == [b"1", b"1"]


def test_mget_returns_nil_for_wrong_type(r):
    r.execute_command("SET", "s", "v")
    make_list(r, "l")
    assert r.execute_command("MGET", "s", "l") == [b"v", None]


# --------------------------------------------------------------------------
# GETSET GETDEL GETEX
# --------------------------------------------------------------------------

def test_getset_returns_old_value_and_clears_ttl(r):
    r.execute_command("SET", "k", "old", "EX", 100)
    assert r.execute_command("GETSET", "k", "new") == b"old"
    assert r.execute_command("GET", "k") == b"new"
    assert r.execute_command("TTL", "k") == -1


def test_getset_on_missing_key_returns_nil(r):
    assert r.execute_command("GETSET", "k", "v") is None
    assert r.execute_command("GET", "k") == b"v"


def test_getdel_returns_and_deletes(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("GETDEL", "k") == b"v"
    assert r.execute_command("EXISTS", "k") == 0
    assert r.execute_command("GETDEL", "k") is None


def test_getex_without_options_keeps_ttl(r):
    r.execute_command("SET", "k", "v", "EX", 100)
    assert r.execute_command("GETEX", "k") == b"v"
    assert 98 <= r.execute_command("TTL", "k") <= 100


def test_getex_ex_sets_ttl(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("GETEX", "k", "EX", 100) == b"v"
    assert 98 <= r.execute_command("TTL", "k") <= 100


def test_getex_px_sets_ttl(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("GETEX", "k", "PX", 100000) == b"v"
    assert 98000 < r.execute_command("PTTL", "k") <= 100000


def test_getex_exat_and_pxat(r):
    r.execute_command("SET", "k", "v")
    at = int(time.time()) + 1000
    assert r.execute_command("GETEX", "k", "EXAT", at) == b"v"
    assert r.execute_command("EXPIRETIME", "k") == at
    atms = now_ms() + 2000000
    assert r.execute_command("GETEX", "k", "PXAT", atms) == b"v"
    assert r.execute_command("PEXPIRETIME", "k") == atms


def test_getex_persist_removes_ttl(r):
    r.execute_command("SET", "k", "v", "EX", 100)
    assert r.execute_command("GETEX", "k", "PERSIST") == b"v"
    assert r.execute_command("TTL", "k") == -1


def test_getex_on_missing_key_is_nil(r):
    assert r.execute_command("GETEX", "nosuch", "EX", 10) is None
    assert r.execute_command("EXISTS", "nosuch") == 0


def test_getex_exat_in_the_past_deletes_key(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("GETEX", "k", "PXAT", 1) == b"v"
    assert r.execute_command("EXISTS", "k") == 0


@pytest.mark.parametrize("opts", [
    ["EX", 10, "PX", 10000],
    ["PERSIST", "EX", 10],
    ["EX", 10, "PERSIST"],
    ["FOO"],
    ["EX"],
    ["KEEPTTL"],
], ids=lambda o: "-".join(str(x) for x in o))
def test_getex_invalid_options_are_syntax_errors(r, opts):
    r.execute_command("SET", "k", "v")
    assert err(r, "GETEX", "k", *opts) == SYNTAX


@pytest.mark.parametrize("opt,value", [
    ("EX", 0), ("PX", 0), ("EX", -1), ("EXAT", 0), ("PXAT", 0), ("EX", LLONG_MAX)])
def test_getex_invalid_expire_time(r, opt, value):
    r.execute_command("SET", "k", "v")
    assert err(r, "GETEX", "k", opt, value) == "ERR invalid expire time in 'getex' command"
    assert r.execute_command("TTL", "k") == -1


def test_getex_non_integer_expire(r):
    r.execute_command("SET", "k", "v")
    assert err(r, "GETEX", "k", "EX", "abc") == NOT_INT


# --------------------------------------------------------------------------
# APPEND STRLEN
# --------------------------------------------------------------------------

def test_append_creates_and_extends(r):
    assert r.execute_command("APPEND", "k", "Hello") == 5
    assert r.execute_command("APPEND", "k", " World") == 11
    assert r.execute_command("GET", "k") == b"Hello World"


def test_append_to_integer_value(r):
    r.execute_command("SET", "k", "12")
    assert r.execute_command("APPEND", "k", "34") == 4
    assert r.execute_command("GET", "k") == b"1234"
    assert r.execute_command("INCR", "k") == 1235


def test_append_empty_string_creates_empty_key(r):
    assert r.execute_command("APPEND", "k", "") == 0
    assert r.execute_command("EXISTS", "k") == 1
    assert r.execute_command("GET", "k") == b""


def test_append_keeps_ttl(r):
    r.execute_command("SET", "k", "a", "EX", 100)
    r.execute_command("APPEND", "k", "b")
    assert 98 <= r.execute_command("TTL", "k") <= 100


def test_strlen(r):
    r.execute_command("SET", "k", "hello")
    assert r.execute_command("STRLEN", "k") == 5
    assert r.execute_command("STRLEN", "nosuch") == 0
    r.execute_command("SET", "n", 12345)
    assert r.execute_command("STRLEN", "n") == 5
    r.execute_command("SET", "neg", -1)
    assert r.execute_command("STRLEN", "neg") == 2


# --------------------------------------------------------------------------
# INCR DECR INCRBY DECRBY
# --------------------------------------------------------------------------

def test_incr_creates_key(r):
    assert r.execute_command("INCR", "n") == 1
    assert r.execute_command("INCR", "n") == 2
    assert r.execute_command("GET", "n") == b"2"


def test_decr_creates_key(r):
    assert r.execute_command("DECR", "n") == -1
    assert r.execute_command("GET", "n") == b"-1"


def test_incrby_and_decrby(r):
    r.execute_command("SET", "n", 10)
    assert r.execute_command("INCRBY", "n", 5) == 15
    assert r.execute_command("INCRBY", "n", -20) == -5
    assert r.execute_command("DECRBY", "n", 10) == -15
    assert r.execute_command("DECRBY", "n", -15) == 0


def test_incr_keeps_ttl(r):
    r.execute_command("SET", "n", 1, "EX", 100)
    assert r.execute_command("INCR", "n") == 2
    assert 98 <= r.execute_command("TTL", "n") <= 100


def test_incr_at_limits(r):
    r.execute_command("SET", "n", LLONG_MAX - 1)
    assert r.execute_command("INCR", "n") == LLONG_MAX
    r.execute_command("SET", "m", LLONG_MIN + 1)
    assert r.execute_command("DECR", "m") == LLONG_MIN


@pytest.mark.parametrize("start,cmd,args", [
    (LLONG_MAX, "INCR", []),
    (LLONG_MIN, "DECR", []),
    (LLONG_MAX, "INCRBY", [1]),
    (1, "INCRBY", [LLONG_MAX]),
    (LLONG_MIN, "INCRBY", [-1]),
    (LLONG_MIN, "DECRBY", [1]),
    (-2, "DECRBY", [LLONG_MAX]),
])
def test_incr_overflow(r, start, cmd, args):
    r.execute_command("SET", "n", start)
    assert err(r, cmd, "n", *args) == "ERR increment or decrement would overflow"
    assert r.execute_command("GET", "n") == str(start).encode()


def test_decrby_llong_min_would_overflow(r):
    assert err(r, "DECRBY", "n", LLONG_MIN) == "ERR decrement would overflow"
    r.execute_command("SET", "n", 0)
    assert err(r, "DECRBY", "n", LLONG_MIN) == "ERR decrement would overflow"


@pytest.mark.parametrize("value", [
    "abc", "1.5", " 1", "1 ", "012", "+1", "1a", "", "12345678901234567890",
    "9223372036854775808", "-9223372036854775809", "0x10", "1e3"])
def test_incr_on_non_integer_value(r, value):
    r.execute_command("SET", "n", value)
    for cmd, args in (("INCR", []), ("DECR", []), ("INCRBY", [1]), ("DECRBY", [1])):
        assert err(r, cmd, "n", *args) == NOT_INT
    assert r.execute_command("GET", "n") == value.encode()


@pytest.mark.parametrize("incr", ["abc", "1.5", "", "9223372036854775808", " 1"])
def test_incrby_non_integer_increment(r, incr):
    assert err(r, "INCRBY", "n", incr) == NOT_INT
    assert err(r, "DECRBY", "n", incr) == NOT_INT
    assert r.execute_command("EXISTS", "n") == 0


def test_incr_rejects_negative_zero_but_accepts_negatives(r):
    r.execute_command("SET", "n", "-0")
    # "-0" is not a canonical integer string
    assert err(r, "INCR", "n") == NOT_INT
    r.execute_command("SET", "n", "-5")
    assert r.execute_command("INCR", "n") == -4


# --------------------------------------------------------------------------
# INCRBYFLOAT
# --------------------------------------------------------------------------

@pytest.mark.parametrize("start,incr,expected", [
    ("10.5", "0.1", b"10.6"),
    ("3.0e3", "2.0e2", b"3200"),
    (None, "1.1", b"1.1"),
    (None, "5.0e3", b"5000"),
    ("5.0e3", "0", b"5000"),
    ("5000", "-5000", b"0"),
    ("0.1", "0.2", b"0.3"),
    ("10", "-0.5", b"9.5"),
    ("-1.5", "-1", b"-2.5"),
    ("1", "1.0000000000000001", b"2.0000000000000001"),  # computed in long double
    ("7", "3", b"10"),
    (None, "-0.0001", b"-0.0001"),
])
def test_incrbyfloat_result_formatting(r, start, incr, expected):
    if start is not None:
        r.execute_command("SET", "f", start)
    assert r.execute_command("INCRBYFLOAT", "f", incr) == expected
    assert r.execute_command("GET", "f") == expected


def test_incrbyfloat_keeps_ttl(r):
    r.execute_command("SET", "f", "1", "EX", 100)
    r.execute_command("INCRBYFLOAT", "f", "0.5")
    assert 98 <= r.execute_command("TTL", "f") <= 100


@pytest.mark.parametrize("incr", ["abc", "nan", "", "1.5x", "0x"])
def test_incrbyfloat_invalid_increment(r, incr):
    r.execute_command("SET", "f", "1")
    assert err(r, "INCRBYFLOAT", "f", incr) == "ERR value is not a valid float"


@pytest.mark.parametrize("value", ["abc", "1.5.5", " 1", "1 ", ""])
def test_incrbyfloat_on_non_float_value(r, value):
    r.execute_command("SET", "f", value)
    assert err(r, "INCRBYFLOAT", "f", "1") == "ERR value is not a valid float"
    assert r.execute_command("GET", "f") == value.encode()


@pytest.mark.parametrize("incr", ["inf", "-inf", "+inf"])
def test_incrbyfloat_infinity_is_rejected(r, incr):
    r.execute_command("SET", "f", "1")
    assert err(r, "INCRBYFLOAT", "f", incr) == "ERR increment would produce NaN or Infinity"
    assert r.execute_command("GET", "f") == b"1"


# --------------------------------------------------------------------------
# GETRANGE SUBSTR SETRANGE
# --------------------------------------------------------------------------

@pytest.mark.parametrize("start,end,expected", [
    (0, 4, b"Hello"),
    (-5, -1, b"World"),
    (0, -1, b"Hello World"),
    (5, 2, b""),
    (-100, 100, b"Hello World"),
    (100, 200, b""),
    (0, -100, b"H"),
    (-1, -5, b""),
    (6, 6, b"W"),
    (10, 10, b"d"),
    (11, 20, b""),
])
def test_getrange(r, start, end, expected):
    r.execute_command("SET", "s", "Hello World")
    assert r.execute_command("GETRANGE", "s", start, end) == expected
    assert r.execute_command("SUBSTR", "s", start, end) == expected


def test_getrange_missing_key_and_empty_string(r):
    assert r.execute_command("GETRANGE", "nosuch", 0, -1) == b""
    r.execute_command("SET", "e", "")
    assert r.execute_command("GETRANGE", "e", 0, -1) == b""
    assert r.execute_command("GETRANGE", "e", 0, 0) == b""


def test_getrange_on_integer_encoded_value(r):
    r.execute_command("SET", "n", 1234567)
    assert r.execute_command("GETRANGE", "n", 2, 4) == b"345"


def test_getrange_non_integer_indexes(r):
    r.execute_command("SET", "s", "abc")
    assert err(r, "GETRANGE", "s", "a", "b") == NOT_INT
    assert err(r, "GETRANGE", "s", 0) == wrong_args("getrange")


def test_setrange_overwrites_part(r):
    r.execute_command("SET", "s", "Hello World")
    assert r.execute_command("SETRANGE", "s", 6, "Redis") == 11
    assert r.execute_command("GET", "s") == b"Hello Redis"


def test_setrange_extends_string(r):
    r.execute_command("SET", "s", "Hello")
    assert r.execute_command("SETRANGE", "s", 3, "p me!") == 8
    assert r.execute_command("GET", "s") == b"Help me!"


def test_setrange_pads_missing_key_with_zero_bytes(r):
    assert r.execute_command("SETRANGE", "n", 5, "x") == 6
    assert r.execute_command("GET", "n") == b"\x00\x00\x00\x00\x00x"


def test_setrange_pads_existing_string_with_zero_bytes(r):
    r.execute_command("SET", "s", "ab")
    assert r.execute_command("SETRANGE", "s", 4, "z") == 5
    assert r.execute_command("GET", "s") == b"ab\x00\x00z"


def test_setrange_empty_value_on_missing_key_creates_nothing(r):
    assert r.execute_command("SETRANGE", "e", 0, "") == 0
    assert r.execute_command("SETRANGE", "e", 10, "") == 0
    assert r.execute_command("EXISTS", "e") == 0


def test_setrange_empty_value_on_existing_key_returns_length(r):
    r.execute_command("SET", "s", "hello")
    assert r.execute_command("SETRANGE", "s", 0, "") == 5
    assert r.execute_command("SETRANGE", "s", 100, "") == 5
    assert r.execute_command("GET", "s") == b"hello"


def test_setrange_on_integer_value(r):
    r.execute_command("SET", "n", 1234)
    assert r.execute_command("SETRANGE", "n", 1, "9") == 4
    assert r.execute_command("GET", "n") == b"1934"


def test_setrange_negative_offset(r):
    r.execute_command("SET", "s", "abc")
    assert err(r, "SETRANGE", "s", -1, "x") == "ERR offset is out of range"
    assert err(r, "SETRANGE", "nosuch", -1, "x") == "ERR offset is out of range"


TOO_BIG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"


@pytest.mark.parametrize("offset", [536870912, LLONG_MAX])
def test_setrange_beyond_proto_max_bulk_len(r, offset):
    # checked before anything is allocated
    assert err(r, "SETRANGE", "nosuch", offset, "x") == TOO_BIG
    assert r.execute_command("EXISTS", "nosuch") == 0
    r.execute_command("SET", "s", "abc")
    assert err(r, "SETRANGE", "s", offset, "x") == TOO_BIG
    assert r.execute_command("GET", "s") == b"abc"


def test_setrange_huge_offset_with_empty_value_is_not_an_error(r):
    assert r.execute_command("SETRANGE", "nosuch", 536870912, "") == 0
    r.execute_command("SET", "s", "abc")
    assert r.execute_command("SETRANGE", "s", 536870912, "") == 3


def test_setrange_non_integer_offset(r):
    assert err(r, "SETRANGE", "s", "abc", "x") == NOT_INT


# --------------------------------------------------------------------------
# LCS
# --------------------------------------------------------------------------

@pytest.fixture
def lcs_keys(r):
    r.execute_command("MSET", "key1", "ohmytext", "key2", "mynewtext")
    return r


def test_lcs_plain(lcs_keys):
    assert lcs_keys.execute_command("LCS", "key1", "key2") == b"mytext"


def test_lcs_len(lcs_keys):
    assert lcs_keys.execute_command("LCS", "key1", "key2", "LEN") == 6


def test_lcs_idx(lcs_keys):
    assert lcs_keys.execute_command("LCS", "key1", "key2", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]


def test_lcs_idx_minmatchlen(lcs_keys):
    assert lcs_keys.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4) == [
        b"matches", [[[4, 7], [5, 8]]], b"len", 6]


def test_lcs_idx_withmatchlen(lcs_keys):
    assert lcs_keys.execute_command("LCS", "key1", "key2", "IDX", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]


def test_lcs_idx_minmatchlen_withmatchlen(lcs_keys):
    assert lcs_keys.execute_command(
        "LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4, "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]


def test_lcs_negative_minmatchlen_is_ignored(lcs_keys):
    assert lcs_keys.execute_command("LCS", "key1", "key2", "IDX", "MINMATCHLEN", -1) == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]


def test_lcs_same_key(lcs_keys):
    assert lcs_keys.execute_command("LCS", "key1", "key1", "IDX") == [
        b"matches", [[[0, 7], [0, 7]]], b"len", 8]


def test_lcs_len_ignores_withmatchlen(lcs_keys):
    assert lcs_keys.execute_command("LCS", "key1", "key2", "LEN", "WITHMATCHLEN") == 6


def test_lcs_missing_keys_are_empty_strings(r):
    r.execute_command("SET", "key1", "abc")
    assert r.execute_command("LCS", "key1", "nosuch") == b""
    assert r.execute_command("LCS", "nosuch1", "nosuch2", "LEN") == 0
    assert r.execute_command("LCS", "nosuch1", "nosuch2", "IDX") == [b"matches", [], b"len", 0]


def test_lcs_len_and_idx_together(lcs_keys):
    assert err(lcs_keys, "LCS", "key1", "key2", "LEN", "IDX") == \
        "ERR If you want both the length and indexes, please just use IDX."


def test_lcs_errors(lcs_keys):
    assert err(lcs_keys, "LCS", "key1", "key2", "FOO") == SYNTAX
    assert err(lcs_keys, "LCS", "key1", "key2", "MINMATCHLEN", "abc") == NOT_INT
    assert err(lcs_keys, "LCS", "key1") == wrong_args("lcs")


def test_lcs_on_wrong_type(r):
    r.execute_command("SET", "s", "abc")
    make_list(r, "l")
    msg = "ERR The specified keys must contain string values"
    assert err(r, "LCS", "s", "l") == msg
    assert err(r, "LCS", "l", "s") == msg


# --------------------------------------------------------------------------
# Binary safety
# --------------------------------------------------------------------------

BINARY = [
    b"\x00",
    b"a\x00b",
    b"\r\n",
    b"\xff\xfe\x00\x01",
    b"*1\r\n$4\r\nPING\r\n",
    bytes(range(256)),
    b"",
]


@pytest.mark.parametrize("value", BINARY, ids=range(len(BINARY)))
def test_binary_safe_values(r, value):
    assert r.execute_command("SET", "k", value) == b"OK"
    assert r.execute_command("GET", "k") == value
    assert r.execute_command("STRLEN", "k") == len(value)


@pytest.mark.parametrize("key", BINARY, ids=range(len(BINARY)))
def test_binary_safe_keys(r, key):
    assert r.execute_command("SET", key, "v") == b"OK"
    assert r.execute_command("GET", key) == b"v"
    assert r.execute_command("EXISTS", key) == 1
    assert r.execute_command("KEYS", "*") == [key]
    assert r.execute_command("DEL", key) == 1


def test_empty_value_is_distinct_from_missing(r):
    r.execute_command("SET", "e", "")
    assert r.execute_command("GET", "e") == b""
    assert r.execute_command("EXISTS", "e") == 1
    assert r.execute_command("STRLEN", "e") == 0


def test_binary_append_and_getrange(r):
    r.execute_command("SET", "k", b"\x00\x01")
    r.execute_command("APPEND", "k", b"\x00\xff")
    assert r.execute_command("GET", "k") == b"\x00\x01\x00\xff"
    assert r.execute_command("GETRANGE", "k", 1, 2) == b"\x01\x00"


def test_large_value_round_trip(r):
    value = bytes(range(256)) * 4096  # 1 MiB
    assert r.execute_command("SET", "big", value) == b"OK"
    assert r.execute_command("GET", "big") == value
    assert r.execute_command("STRLEN", "big") == len(value)


# --------------------------------------------------------------------------
# WRONGTYPE
# --------------------------------------------------------------------------

WRONGTYPE_COMMANDS = [
    ("GET", []),
    ("GETSET", ["v"]),
    ("GETDEL", []),
    ("GETEX", []),
    ("GETEX", ["EX", 10]),
    ("APPEND", ["x"]),
    ("STRLEN", []),
    ("INCR", []),
    ("DECR", []),
    ("INCRBY", [2]),
    ("DECRBY", [2]),
    ("INCRBYFLOAT", ["1.5"]),
    ("GETRANGE", [0, 1]),
    ("SUBSTR", [0, 1]),
    ("SETRANGE", [0, "x"]),
    ("SET", ["v", "GET"]),
]


@pytest.mark.parametrize("cmd,args", WRONGTYPE_COMMANDS,
                         ids=["%s-%d" % (c, i) for i, (c, _) in enumerate(WRONGTYPE_COMMANDS)])
def test_string_commands_on_list_are_wrongtype(r, cmd, args):
    make_list(r, "l", "a", "b")
    assert err(r, cmd, "l", *args) == WRONGTYPE
    assert r.execute_command("LRANGE", "l", 0, -1) == [b"a", b"b"]

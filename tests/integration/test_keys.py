"""Keyspace commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME
RENAMENX COPY MOVE TOUCH EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL
EXPIRETIME PEXPIRETIME PERSIST OBJECT, and real key expiry."""

import time

import pytest

from helpers import NOT_INT, SYNTAX, err, make_hash, make_list, make_set, wait_for, wrong_args

LLONG_MAX = 9223372036854775807


def scan_all(r, *opts):
    """Full SCAN iteration -> (list of keys, number of calls)."""
    cursor, keys, calls = b"0", [], 0
    while True:
        cursor, batch = r.execute_command("SCAN", cursor, *opts)
        calls += 1
        keys.extend(batch)
        if cursor == b"0":
            return keys, calls
        assert calls < 10000, "SCAN does not terminate"


# --------------------------------------------------------------------------
# DEL UNLINK EXISTS TOUCH TYPE
# --------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_counts_removed_keys_once(r, cmd):
    r.execute_command("MSET", "a", 1, "b", 2, "c", 3)
    assert r.execute_command(cmd, "a", "a", "b", "nosuch") == 2
    assert r.execute_command("EXISTS", "a", "b", "c") == 1


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_missing_key_is_zero(r, cmd):
    assert r.execute_command(cmd, "nosuch") == 0


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK", "EXISTS", "TOUCH"])
def test_key_commands_need_a_key(r, cmd):
    assert err(r, cmd) == wrong_args(cmd.lower())


def test_exists_counts_duplicates(r):
    r.execute_command("SET", "a", 1)
    assert r.execute_command("EXISTS", "a") == 1
    assert r.execute_command("EXISTS", "a", "a", "a") == 3
    assert r.execute_command("EXISTS", "a", "nosuch", "a") == 2
    assert r.execute_command("EXISTS", "nosuch") == 0


def test_touch_counts_existing_keys(r):
    r.execute_command("MSET", "a", 1, "b", 2)
    assert r.execute_command("TOUCH", "a", "nosuch", "b") == 2
    assert r.execute_command("TOUCH", "a", "a") == 2
    assert r.execute_command("TOUCH", "nosuch") == 0


def test_type_of_string_and_missing(r):
    r.execute_command("SET", "s", "v")
    assert r.execute_command("TYPE", "s") == b"string"
    r.execute_command("SET", "n", 42)
    assert r.execute_command("TYPE", "n") == b"string"
    assert r.execute_command("TYPE", "nosuch") == b"none"


def test_type_of_collections(r):
    make_list(r, "l")
    make_set(r, "st")
    make_hash(r, "h")
    r.execute_command("ZADD", "z", 1, "a")
    assert [r.execute_command("TYPE", k) for k in ("l", "st", "h", "z")] == \
        [b"list", b"set", b"hash", b"zset"]


# --------------------------------------------------------------------------
# KEYS
# --------------------------------------------------------------------------

KEY_NAMES = ["hello", "hallo", "hxllo", "hllo", "heeeello", "hbllo", "foo", "foo:bar",
             "h*llo", "h?llo", "a[b", "x\\y", ""]


@pytest.mark.parametrize("pattern,expected", [
    ("*", KEY_NAMES),
    ("h?llo", ["hello", "hallo", "hxllo", "hbllo", "h*llo", "h?llo"]),
    ("h*llo", ["hello", "hallo", "hxllo", "hllo", "heeeello", "hbllo", "h*llo", "h?llo"]),
    ("h[ae]llo", ["hello", "hallo"]),
    ("h[^e]llo", ["hallo", "hxllo", "hbllo", "h*llo", "h?llo"]),
    ("h[a-b]llo", ["hallo", "hbllo"]),
    ("foo*", ["foo", "foo:bar"]),
    ("foo", ["foo"]),
    ("h\\*llo", ["h*llo"]),
    ("h\\?llo", ["h?llo"]),
    ("a\\[b", ["a[b"]),
    ("x\\\\y", ["x\\y"]),
    ("nomatch*", []),
    ("?", []),
    ("", [""]),
])
def test_keys_patterns(r, pattern, expected):
    for k in KEY_NAMES:
        r.execute_command("SET", k, 1)
    assert sorted(r.execute_command("KEYS", pattern)) == sorted(k.encode() for k in expected)


def test_keys_on_empty_db(r):
    assert r.execute_command("KEYS", "*") == []


def test_keys_skips_expired_keys(r):
    r.execute_command("SET", "live", 1)
    r.execute_command("SET", "dead", 1, "PX", 1)
    time.sleep(0.05)
    assert r.execute_command("KEYS", "*") == [b"live"]


# --------------------------------------------------------------------------
# SCAN
# --------------------------------------------------------------------------

def test_scan_full_iteration_returns_every_key(r):
    names = [b"key:%d" % i for i in range(1000)]
    r.execute_command("MSET", *[x for k in names for x in (k, b"v")])
    keys, calls = scan_all(r)
    assert sorted(set(keys)) == sorted(names)
    assert calls > 1


def test_scan_reply_shape(r):
    r.execute_command("SET", "a", 1)
    cursor, keys = r.execute_command("SCAN", 0)
    assert cursor == b"0"
    assert keys == [b"a"]


def test_scan_empty_db(r):
    assert r.execute_command("SCAN", 0) == [b"0", []]


def test_scan_match(r):
    r.execute_command("MSET", *[x for i in range(200) for x in (b"user:%d" % i, 1)])
    r.execute_command("MSET", *[x for i in range(200) for x in (b"item:%d" % i, 1)])
    keys, _ = scan_all(r, "MATCH", "user:1*")
    expected = {b"user:%d" % i for i in range(200) if str(i).startswith("1")}
    assert set(keys) == expected


def test_scan_count_hint_gives_bigger_batches(r):
    r.execute_command("MSET", *[x for i in range(500) for x in (b"k%d" % i, 1)])
    _, calls_small = scan_all(r, "COUNT", 10)
    keys, calls_big = scan_all(r, "COUNT", 1000)
    assert calls_big < calls_small
    assert len(set(keys)) == 500


def test_scan_type_filter(r):
    r.execute_command("MSET", "s1", 1, "s2", 2)
    make_list(r, "l1")
    make_set(r, "set1")
    assert sorted(scan_all(r, "TYPE", "string")[0]) == [b"s1", b"s2"]
    assert scan_all(r, "TYPE", "list")[0] == [b"l1"]
    assert scan_all(r, "TYPE", "set")[0] == [b"set1"]


def test_scan_type_string(r):
    r.execute_command("MSET", "s1", 1, "s2", 2)
    assert sorted(scan_all(r, "TYPE", "string")[0]) == [b"s1", b"s2"]
    assert scan_all(r, "TYPE", "hash")[0] == []


def test_scan_unknown_type_matches_nothing(r):
    r.execute_command("SET", "s", 1)
    assert scan_all(r, "TYPE", "nosuchtype")[0] == []


def test_scan_match_count_type_combined(r):
    r.execute_command("MSET", *[x for i in range(100) for x in (b"a%d" % i, 1)])
    keys, _ = scan_all(r, "MATCH", "a1?", "COUNT", 5, "TYPE", "string")
    assert sorted(keys) == sorted(b"a1%d" % i for i in range(10))


@pytest.mark.parametrize("cursor", ["abc", "1.5", "18446744073709551616", " 1", "1 "])
def test_scan_invalid_cursor(r, cursor):
    assert err(r, "SCAN", cursor) == "ERR invalid cursor"


def test_scan_empty_cursor_counts_as_zero(r):
    r.execute_command("SET", "a", 1)
    assert r.execute_command("SCAN", "") == [b"0", [b"a"]]


@pytest.mark.parametrize("opts,expected", [
    (["COUNT", 0], SYNTAX),
    (["COUNT", -1], SYNTAX),
    (["COUNT", "abc"], NOT_INT),
    (["MATCH"], SYNTAX),
    (["COUNT"], SYNTAX),
    (["TYPE"], SYNTAX),
    (["FOO", "bar"], SYNTAX),
])
def test_scan_option_errors(r, opts, expected):
    assert err(r, "SCAN", 0, *opts) == expected


# --------------------------------------------------------------------------
# RANDOMKEY
# --------------------------------------------------------------------------

def test_randomkey_empty_db_is_nil(r):
    assert r.execute_command("RANDOMKEY") is None


def test_randomkey_returns_existing_keys(r):
    r.execute_command("MSET", "a", 1, "b", 2, "c", 3)
    seen = {r.execute_command("RANDOMKEY") for _ in range(50)}
    assert seen <= {b"a", b"b", b"c"}
    assert len(seen) >= 2


def test_randomkey_single_key(r):
    r.execute_command("SET", "only", 1)
    assert r.execute_command("RANDOMKEY") == b"only"


# --------------------------------------------------------------------------
# RENAME RENAMENX
# --------------------------------------------------------------------------

def test_rename_moves_value_and_ttl(r):
    r.execute_command("SET", "a", "v", "EX", 100)
    assert r.execute_command("RENAME", "a", "b") == b"OK"
    assert r.execute_command("EXISTS", "a") == 0
    assert r.execute_command("GET", "b") == b"v"
    assert 98 <= r.execute_command("TTL", "b") <= 100


def test_rename_overwrites_destination_and_its_ttl(r):
    r.execute_command("SET", "a", "1")
    r.execute_command("SET", "b", "2", "EX", 100)
    assert r.execute_command("RENAME", "a", "b") == b"OK"
    assert r.execute_command("GET", "b") == b"1"
    assert r.execute_command("TTL", "b") == -1


def test_rename_missing_key(r):
    assert err(r, "RENAME", "nosuch", "x") == "ERR no such key"
    assert err(r, "RENAME", "nosuch", "nosuch") == "ERR no such key"


def test_rename_to_itself(r):
    r.execute_command("SET", "a", "v")
    assert r.execute_command("RENAME", "a", "a") == b"OK"
    assert r.execute_command("GET", "a") == b"v"


def test_renamenx(r):
    r.execute_command("MSET", "a", 1, "b", 2)
    assert r.execute_command("RENAMENX", "a", "b") == 0
    assert r.execute_command("MGET", "a", "b") == [b"1", b"2"]
    assert r.execute_command("RENAMENX", "a", "c") == 1
    assert r.execute_command("MGET", "a", "c") == [None, b"1"]


def test_renamenx_to_itself_is_zero(r):
    r.execute_command("SET", "a", 1)
    assert r.execute_command("RENAMENX", "a", "a") == 0


def test_renamenx_missing_key(r):
    assert err(r, "RENAMENX", "nosuch", "x") == "ERR no such key"


# --------------------------------------------------------------------------
# COPY
# --------------------------------------------------------------------------

def test_copy_to_new_key(r):
    r.execute_command("SET", "src", "v", "EX", 100)
    assert r.execute_command("COPY", "src", "dst") == 1
    assert r.execute_command("MGET", "src", "dst") == [b"v", b"v"]
    assert 98 <= r.execute_command("TTL", "dst") <= 100


def test_copy_does_not_overwrite_without_replace(r):
    r.execute_command("MSET", "src", 1, "dst", 2)
    assert r.execute_command("COPY", "src", "dst") == 0
    assert r.execute_command("GET", "dst") == b"2"


def test_copy_replace_overwrites(r):
    r.execute_command("MSET", "src", 1, "dst", 2)
    assert r.execute_command("COPY", "src", "dst", "REPLACE") == 1
    assert r.execute_command("GET", "dst") == b"1"


def test_copy_missing_source_is_zero(r):
    assert r.execute_command("COPY", "nosuch", "dst") == 0
    assert r.execute_command("EXISTS", "dst") == 0


def test_copy_is_independent(r):
    r.execute_command("SET", "src", "a")
    r.execute_command("COPY", "src", "dst")
    r.execute_command("APPEND", "dst", "b")
    assert r.execute_command("MGET", "src", "dst") == [b"a", b"ab"]


def test_copy_to_other_db(r, new_client):
    r.execute_command("SET", "src", "v")
    assert r.execute_command("COPY", "src", "src", "DB", 1) == 1
    assert r.execute_command("COPY", "src", "src", "DB", 1) == 0
    assert r.execute_command("COPY", "src", "dst", "DB", 1, "REPLACE") == 1
    db1 = new_client(db=1)
    assert db1.execute_command("MGET", "src", "dst") == [b"v", b"v"]


def test_copy_same_key_same_db(r):
    r.execute_command("SET", "a", 1)
    msg = "ERR source and destination objects are the same"
    assert err(r, "COPY", "a", "a") == msg
    assert err(r, "COPY", "a", "a", "DB", 0) == msg


def test_copy_errors(r):
    r.execute_command("SET", "a", 1)
    assert err(r, "COPY", "a", "b", "DB", 16) == "ERR DB index is out of range"
    assert err(r, "COPY", "a", "b", "DB", "abc") == NOT_INT
    assert err(r, "COPY", "a", "b", "FOO") == SYNTAX
    assert err(r, "COPY", "a") == wrong_args("copy")


# --------------------------------------------------------------------------
# MOVE
# --------------------------------------------------------------------------

def test_move_to_other_db(r, new_client):
    r.execute_command("SET", "k", "v", "EX", 100)
    assert r.execute_command("MOVE", "k", 1) == 1
    assert r.execute_command("EXISTS", "k") == 0
    db1 = new_client(db=1)
    assert db1.execute_command("GET", "k") == b"v"
    assert 98 <= db1.execute_command("TTL", "k") <= 100


def test_move_does_not_overwrite(r, new_client):
    db1 = new_client(db=1)
    db1.execute_command("SET", "k", "other")
    r.execute_command("SET", "k", "v")
    assert r.execute_command("MOVE", "k", 1) == 0
    assert r.execute_command("GET", "k") == b"v"
    assert db1.execute_command("GET", "k") == b"other"


def test_move_missing_key_is_zero(r):
    assert r.execute_command("MOVE", "nosuch", 1) == 0


def test_move_errors(r):
    r.execute_command("SET", "k", "v")
    assert err(r, "MOVE", "k", 0) == "ERR source and destination objects are the same"
    assert err(r, "MOVE", "k", 16) == "ERR DB index is out of range"
    assert err(r, "MOVE", "k", -1) == "ERR DB index is out of range"
    assert err(r, "MOVE", "k", "abc") == NOT_INT


# --------------------------------------------------------------------------
# EXPIRE family
# --------------------------------------------------------------------------

def test_expire_sets_ttl(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("EXPIRE", "k", 100) == 1
    assert 99 <= r.execute_command("TTL", "k") <= 100
    assert 98000 < r.execute_command("PTTL", "k") <= 100000


def test_pexpire_sets_ttl(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("PEXPIRE", "k", 100000) == 1
    assert 98000 < r.execute_command("PTTL", "k") <= 100000
    assert 99 <= r.execute_command("TTL", "k") <= 100


def test_expireat_and_expiretime(r):
    r.execute_command("SET", "k", "v")
    at = int(time.time()) + 1000
    assert r.execute_command("EXPIREAT", "k", at) == 1
    assert r.execute_command("EXPIRETIME", "k") == at
    assert r.execute_command("PEXPIRETIME", "k") == at * 1000


@pytest.mark.parametrize("ms,rounded_up", [(123, False), (499, False), (500, True), (600, True)])
def test_pexpireat_and_pexpiretime(r, ms, rounded_up):
    r.execute_command("SET", "k", "v")
    sec = int(time.time()) + 1000
    at = sec * 1000 + ms
    assert r.execute_command("PEXPIREAT", "k", at) == 1
    assert r.execute_command("PEXPIRETIME", "k") == at
    # EXPIRETIME rounds to the nearest second
    assert r.execute_command("EXPIRETIME", "k") == sec + rounded_up


def test_expiretime_of_key_without_ttl_and_missing_key(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("EXPIRETIME", "k") == -1
    assert r.execute_command("PEXPIRETIME", "k") == -1
    assert r.execute_command("EXPIRETIME", "nosuch") == -2
    assert r.execute_command("PEXPIRETIME", "nosuch") == -2


def test_ttl_of_key_without_ttl_and_missing_key(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("TTL", "k") == -1
    assert r.execute_command("PTTL", "k") == -1
    assert r.execute_command("TTL", "nosuch") == -2
    assert r.execute_command("PTTL", "nosuch") == -2


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_on_missing_key_is_zero(r, cmd):
    assert r.execute_command(cmd, "nosuch", 100) == 0
    assert r.execute_command("EXISTS", "nosuch") == 0


@pytest.mark.parametrize("cmd,value", [
    ("EXPIRE", 0), ("EXPIRE", -5), ("PEXPIRE", 0), ("PEXPIRE", -1),
    ("EXPIREAT", 1), ("EXPIREAT", 0), ("PEXPIREAT", 1), ("EXPIREAT", -10),
])
def test_expire_in_the_past_deletes_key(r, cmd, value):
    r.execute_command("SET", "k", "v")
    assert r.execute_command(cmd, "k", value) == 1
    assert r.execute_command("EXISTS", "k") == 0
    assert r.execute_command("TTL", "k") == -2


def test_persist(r):
    r.execute_command("SET", "k", "v", "EX", 100)
    assert r.execute_command("PERSIST", "k") == 1
    assert r.execute_command("TTL", "k") == -1
    assert r.execute_command("PERSIST", "k") == 0
    assert r.execute_command("PERSIST", "nosuch") == 0


def test_expire_nx(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("EXPIRE", "k", 100, "NX") == 1
    assert r.execute_command("EXPIRE", "k", 200, "NX") == 0
    assert 98 <= r.execute_command("TTL", "k") <= 100


def test_expire_xx(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("EXPIRE", "k", 100, "XX") == 0
    assert r.execute_command("TTL", "k") == -1
    r.execute_command("EXPIRE", "k", 100)
    assert r.execute_command("EXPIRE", "k", 200, "XX") == 1
    assert 198 <= r.execute_command("TTL", "k") <= 200


def test_expire_gt(r):
    r.execute_command("SET", "k", "v")
    # no TTL counts as infinite: GT never applies
    assert r.execute_command("EXPIRE", "k", 100, "GT") == 0
    assert r.execute_command("TTL", "k") == -1
    r.execute_command("EXPIRE", "k", 100)
    assert r.execute_command("EXPIRE", "k", 50, "GT") == 0
    assert r.execute_command("EXPIRE", "k", 200, "GT") == 1
    assert 198 <= r.execute_command("TTL", "k") <= 200


def test_expire_lt(r):
    r.execute_command("SET", "k", "v")
    # no TTL counts as infinite: LT always applies
    assert r.execute_command("EXPIRE", "k", 100, "LT") == 1
    assert r.execute_command("EXPIRE", "k", 200, "LT") == 0
    assert r.execute_command("EXPIRE", "k", 50, "LT") == 1
    assert 48 <= r.execute_command("TTL", "k") <= 50


def test_expire_xx_gt_combined(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("EXPIRE", "k", 100, "XX", "GT") == 0
    r.execute_command("EXPIRE", "k", 100)
    assert r.execute_command("EXPIRE", "k", 200, "XX", "GT") == 1


@pytest.mark.parametrize("cmd,at", [("PEXPIRE", False), ("EXPIREAT", True), ("PEXPIREAT", True)])
def test_expire_options_apply_to_all_variants(r, cmd, at):
    r.execute_command("SET", "k", "v")
    base = (int(time.time() * 1000) if cmd == "PEXPIREAT" else int(time.time())) if at else 0
    unit = 1000 if cmd.startswith("P") else 1
    assert r.execute_command(cmd, "k", base + 100 * unit, "XX") == 0
    assert r.execute_command(cmd, "k", base + 100 * unit, "NX") == 1
    assert r.execute_command(cmd, "k", base + 50 * unit, "GT") == 0
    assert r.execute_command(cmd, "k", base + 50 * unit, "LT") == 1


@pytest.mark.parametrize("opts", [["NX", "XX"], ["NX", "GT"], ["NX", "LT"], ["XX", "NX"]],
                         ids="-".join)
def test_expire_nx_with_other_options_is_rejected(r, opts):
    r.execute_command("SET", "k", "v")
    assert err(r, "EXPIRE", "k", 100, *opts) == \
        "ERR NX and XX, GT or LT options at the same time are not compatible"


def test_expire_gt_and_lt_is_rejected(r):
    r.execute_command("SET", "k", "v")
    assert err(r, "EXPIRE", "k", 100, "GT", "LT") == \
        "ERR GT and LT options at the same time are not compatible"
    assert err(r, "PEXPIRE", "k", 100, "LT", "GT") == \
        "ERR GT and LT options at the same time are not compatible"


def test_expire_unknown_option(r):
    r.execute_command("SET", "k", "v")
    assert err(r, "EXPIRE", "k", 100, "foo") == "ERR Unsupported option foo"


def test_expire_repeated_option_is_accepted(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("EXPIRE", "k", 100, "NX", "NX") == 1


@pytest.mark.parametrize("cmd,value", [
    ("EXPIRE", LLONG_MAX),
    ("EXPIRE", 9223372036854775),
    ("EXPIRE", -9223372036854775808),
    ("PEXPIRE", LLONG_MAX),
    ("EXPIREAT", LLONG_MAX),
])
def test_expire_overflow_is_invalid_expire_time(r, cmd, value):
    r.execute_command("SET", "k", "v")
    assert err(r, cmd, "k", value) == "ERR invalid expire time in '%s' command" % cmd.lower()
    assert r.execute_command("TTL", "k") == -1


def test_expire_non_integer(r):
    r.execute_command("SET", "k", "v")
    assert err(r, "EXPIRE", "k", "abc") == NOT_INT
    assert err(r, "PEXPIRE", "k", "1.5") == NOT_INT
    assert err(r, "EXPIRE", "k") == wrong_args("expire")


def test_set_removes_ttl_but_append_and_incr_keep_it(r):
    r.execute_command("SET", "k", "1", "EX", 100)
    r.execute_command("INCR", "k")
    r.execute_command("APPEND", "k", "0")
    assert 98 <= r.execute_command("TTL", "k") <= 100
    r.execute_command("SET", "k", "x")
    assert r.execute_command("TTL", "k") == -1


# --------------------------------------------------------------------------
# Real expiry
# --------------------------------------------------------------------------

def test_key_expires_passively(r):
    r.execute_command("SET", "k", "v", "PX", 50)
    assert r.execute_command("GET", "k") == b"v"
    time.sleep(0.2)
    assert r.execute_command("GET", "k") is None
    assert r.execute_command("TTL", "k") == -2
    assert r.execute_command("EXISTS", "k") == 0


def test_pexpire_expires_key(r):
    r.execute_command("SET", "k", "v")
    r.execute_command("PEXPIRE", "k", 50)
    time.sleep(0.2)
    assert r.execute_command("EXISTS", "k") == 0


def test_expired_key_is_not_counted_by_exists_or_mget(r):
    r.execute_command("SET", "a", "1", "PX", 30)
    r.execute_command("SET", "b", "2")
    time.sleep(0.15)
    assert r.execute_command("EXISTS", "a", "b") == 1
    assert r.execute_command("MGET", "a", "b") == [None, b"2"]


def test_active_expiry_removes_untouched_keys(r):
    r.execute_command("MSET", *[x for i in range(20) for x in (b"k%d" % i, 1)])
    for i in range(20):
        r.execute_command("PEXPIRE", b"k%d" % i, 100)
    r.execute_command("SET", "keep", 1)
    assert r.execute_command("DBSIZE") == 21
    # no command touches the volatile keys: only active expiry can remove them
    wait_for(lambda: r.execute_command("DBSIZE") == 1, timeout=5, interval=0.1,
             what="active expiry to remove the volatile keys")


def test_keyspace_info_counts_expires(r):
    r.execute_command("SET", "a", 1)
    r.execute_command("SET", "b", 1, "EX", 100)
    info = r.execute_command("INFO", "keyspace").decode()
    assert "db0:keys=2,expires=1,avg_ttl=" in info


# --------------------------------------------------------------------------
# OBJECT
# --------------------------------------------------------------------------

@pytest.mark.parametrize("value,encoding", [
    ("12345", b"int"),
    ("-12345", b"int"),
    ("0", b"int"),
    ("9223372036854775807", b"int"),
    ("9223372036854775808", b"embstr"),
    ("0123", b"embstr"),
    ("+1", b"embstr"),
    ("1.5", b"embstr"),
    ("abc", b"embstr"),
    ("", b"embstr"),
    ("a" * 44, b"embstr"),
    ("a" * 45, b"raw"),
    ("a" * 1000, b"raw"),
])
def test_object_encoding_of_set_values(r, value, encoding):
    r.execute_command("SET", "k", value)
    assert r.execute_command("OBJECT", "ENCODING", "k") == encoding


def test_object_encoding_after_modification(r):
    r.execute_command("SET", "k", "abc")
    r.execute_command("APPEND", "k", "d")
    assert r.execute_command("OBJECT", "ENCODING", "k") == b"raw"
    r.execute_command("SET", "n", 12345)
    r.execute_command("APPEND", "n", "6")
    assert r.execute_command("OBJECT", "ENCODING", "n") == b"raw"
    r.execute_command("SET", "s", "abc")
    r.execute_command("SETRANGE", "s", 0, "x")
    assert r.execute_command("OBJECT", "ENCODING", "s") == b"raw"
    r.execute_command("INCR", "c")
    assert r.execute_command("OBJECT", "ENCODING", "c") == b"int"
    r.execute_command("SET", "i", 12)
    r.execute_command("INCRBY", "i", 100000)
    assert r.execute_command("OBJECT", "ENCODING", "i") == b"int"
    r.execute_command("SET", "f", 12)
    r.execute_command("INCRBYFLOAT", "f", 1)
    assert r.execute_command("OBJECT", "ENCODING", "f") == b"embstr"


def test_object_refcount(r):
    r.execute_command("SET", "k", "abc")
    assert r.execute_command("OBJECT", "REFCOUNT", "k") == 1
    r.execute_command("SET", "big", 10000)
    assert r.execute_command("OBJECT", "REFCOUNT", "big") == 1
    # small integers are shared objects
    r.execute_command("SET", "shared", 100)
    assert r.execute_command("OBJECT", "REFCOUNT", "shared") == 2147483647


def test_object_idletime(r):
    r.execute_command("SET", "k", "v")
    idle = r.execute_command("OBJECT", "IDLETIME", "k")
    assert isinstance(idle, int) and 0 <= idle <= 2


def test_object_freq_needs_lfu_policy(r):
    r.execute_command("SET", "k", "v")
    assert err(r, "OBJECT", "FREQ", "k") == (
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
        "Please note that when switching between policies at runtime LRU and LFU data "
        "will take some time to adjust.")


@pytest.mark.parametrize("sub", ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ"])
def test_object_on_missing_key_is_nil(r, sub):
    assert r.execute_command("OBJECT", sub, "nosuch") is None


def test_object_help(r):
    lines = r.execute_command("OBJECT", "HELP")
    assert lines[0] == b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    for word in (b"ENCODING <key>", b"FREQ <key>", b"IDLETIME <key>", b"REFCOUNT <key>", b"HELP"):
        assert word in lines


def test_object_errors(r):
    assert err(r, "OBJECT", "foo") == "ERR unknown subcommand 'foo'. Try OBJECT HELP."
    assert err(r, "OBJECT") == wrong_args("object")
    assert err(r, "OBJECT", "ENCODING") == wrong_args("object|encoding")

"""Set commands: SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP
SRANDMEMBER SMOVE SINTER SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE
SINTERCARD SSCAN; the intset/hashtable encodings and their conversions,
RESP3 reply shapes, WRONGTYPE errors, keyspace statistics and memory use."""

import pytest

from helpers import (NOT_INT, SYNTAX, WRONGTYPE, RespSet, err, make_hash, make_list,
                     parse_info, wrong_args)

LLONG_MAX = 9223372036854775807
LLONG_MIN = -9223372036854775808
POSITIVE = "ERR value is out of range, must be positive"
SRAND_RANGE = ("ERR value is out of range, value must between -9223372036854775807 "
               "and 9223372036854775807")


def members(r, key):
    return sorted(r.execute_command("SMEMBERS", key))


def enc(r, key):
    return r.execute_command("OBJECT", "ENCODING", key)


def b(*values):
    """Sorted list of the values as bytes."""
    return sorted(v if isinstance(v, bytes) else str(v).encode() for v in values)


def sscan_all(r, key, *opts):
    """Full SSCAN iteration -> (list of members, number of calls)."""
    cursor, out, calls = b"0", [], 0
    while True:
        cursor, batch = r.execute_command("SSCAN", key, cursor, *opts)
        calls += 1
        out.extend(batch)
        if cursor == b"0":
            return out, calls
        assert calls < 100000, "SSCAN does not terminate"


def stats(r):
    s = parse_info(r.execute_command("INFO", "stats"))["Stats"]
    return int(s["keyspace_hits"]), int(s["keyspace_misses"])


@pytest.fixture
def small_intset(r):
    """Restore set-max-intset-entries after a test changes it."""
    yield
    r.execute_command("CONFIG", "SET", "set-max-intset-entries", "512")


# --------------------------------------------------------------------------
# SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS
# --------------------------------------------------------------------------

def test_sadd_creates_set_and_counts_new_members(r):
    assert r.execute_command("SADD", "s", "a", "b", "a") == 2
    assert r.execute_command("SADD", "s", "b", "c") == 1
    assert r.execute_command("TYPE", "s") == b"set"
    assert members(r, "s") == b("a", "b", "c")
    assert r.execute_command("SCARD", "s") == 3


def test_sadd_existing_members_only_adds_nothing(r):
    r.execute_command("SADD", "s", 1, 2)
    assert r.execute_command("SADD", "s", 2, 1, 2) == 0
    assert r.execute_command("SCARD", "s") == 2


def test_sadd_members_are_binary_safe(r):
    assert r.execute_command("SADD", "s", b"", b"\x00", b"\x00\xff", b"a b") == 4
    assert members(r, "s") == sorted([b"", b"\x00", b"\x00\xff", b"a b"])
    assert r.execute_command("SISMEMBER", "s", b"") == 1
    assert r.execute_command("SISMEMBER", "s", b"\x00\xff") == 1
    assert r.execute_command("SISMEMBER", "s", b"\xff") == 0


def test_sadd_long_member(r):
    big = b"m" * 100000
    assert r.execute_command("SADD", "s", big, b"x" * 300) == 2
    assert r.execute_command("SISMEMBER", "s", big) == 1
    assert members(r, "s") == sorted([big, b"x" * 300])


def test_integer_members_compare_as_text(r):
    r.execute_command("SADD", "s", "1", "01", "-0", "+1", " 1")
    assert r.execute_command("SCARD", "s") == 5
    r.execute_command("SADD", "i", "1", "2")
    assert r.execute_command("SMISMEMBER", "i", "1", "01", "+1", "1.0", "2") == [1, 0, 0, 0, 1]


def test_srem_counts_removed_members(r):
    r.execute_command("SADD", "s", "a", "b", "c")
    assert r.execute_command("SREM", "s", "a", "a", "zz") == 1
    assert members(r, "s") == b("b", "c")


def test_srem_last_member_deletes_key(r):
    r.execute_command("SADD", "s", "a", 1)
    assert r.execute_command("SREM", "s", "a", 1) == 2
    assert r.execute_command("EXISTS", "s") == 0
    r.execute_command("SADD", "i", 5)
    assert r.execute_command("SREM", "i", 5) == 1
    assert r.execute_command("EXISTS", "i") == 0


def test_srem_missing_key_is_zero(r):
    assert r.execute_command("SREM", "nosuch", "a") == 0


def test_sismember(r):
    r.execute_command("SADD", "s", "a", 7)
    assert r.execute_command("SISMEMBER", "s", "a") == 1
    assert r.execute_command("SISMEMBER", "s", 7) == 1
    assert r.execute_command("SISMEMBER", "s", "b") == 0
    assert r.execute_command("SISMEMBER", "nosuch", "a") == 0


def test_smismember(r):
    r.execute_command("SADD", "s", "a", "c")
    assert r.execute_command("SMISMEMBER", "s", "a", "b", "c", "a") == [1, 0, 1, 1]
    assert r.execute_command("SMISMEMBER", "nosuch", "a", "b") == [0, 0]


def test_scard_missing_key_is_zero(r):
    assert r.execute_command("SCARD", "nosuch") == 0


def test_smembers_missing_key_is_empty(r):
    assert r.execute_command("SMEMBERS", "nosuch") == []


def test_smembers_intset_is_ascending(r):
    r.execute_command("SADD", "s", 30, -5, 10, 0)
    assert r.execute_command("SMEMBERS", "s") == [b"-5", b"0", b"10", b"30"]


@pytest.mark.parametrize("cmd,args", [
    ("SADD", ["a"]), ("SREM", ["a"]), ("SISMEMBER", ["a"]), ("SMISMEMBER", ["a"]),
    ("SMEMBERS", []), ("SCARD", []), ("SPOP", []), ("SPOP", ["0"]), ("SPOP", ["2"]),
    ("SRANDMEMBER", []), ("SRANDMEMBER", ["0"]), ("SRANDMEMBER", ["-2"]),
    ("SSCAN", ["0"]), ("SINTER", []), ("SUNION", []), ("SDIFF", []),
])
def test_wrongtype(r, cmd, args):
    r.execute_command("SET", "str", "x")
    make_list(r, "list")
    make_hash(r, "hash")
    for key in ("str", "list", "hash"):
        assert err(r, cmd, key, *args) == WRONGTYPE
    assert r.execute_command("GET", "str") == b"x"


@pytest.mark.parametrize("cmd,argc", [
    ("SADD", 1), ("SREM", 1), ("SISMEMBER", 1), ("SISMEMBER", 3), ("SMISMEMBER", 1),
    ("SMEMBERS", 0), ("SMEMBERS", 2), ("SCARD", 0), ("SCARD", 2), ("SPOP", 0),
    ("SRANDMEMBER", 0), ("SMOVE", 2), ("SMOVE", 4), ("SINTER", 0), ("SUNION", 0), ("SDIFF", 0),
    ("SINTERSTORE", 1), ("SUNIONSTORE", 1), ("SDIFFSTORE", 1), ("SINTERCARD", 1),
    ("SSCAN", 1),
])
def test_wrong_number_of_arguments(r, cmd, argc):
    assert err(r, cmd, *["k%d" % i for i in range(argc)]) == wrong_args(cmd.lower())


# --------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------

def test_integer_set_is_intset(r):
    r.execute_command("SADD", "s", 1, -2, 3)
    assert enc(r, "s") == b"intset"


def test_intset_holds_64_bit_range(r):
    r.execute_command("SADD", "s", 1, 40000, 3000000000, LLONG_MAX, LLONG_MIN, -40000)
    assert enc(r, "s") == b"intset"
    assert r.execute_command("SMEMBERS", "s") == [
        str(v).encode() for v in (LLONG_MIN, -40000, 1, 40000, 3000000000, LLONG_MAX)]
    assert r.execute_command("SISMEMBER", "s", 3000000000) == 1
    assert r.execute_command("SISMEMBER", "s", 2999999999) == 0


def test_intset_width_upgrade_keeps_order(r):
    r.execute_command("SADD", "s", 5, -7, 100)
    r.execute_command("SADD", "s", 70000)        # 16 -> 32 bits
    r.execute_command("SADD", "s", -70000)
    r.execute_command("SADD", "s", -(2 ** 40))  # 32 -> 64 bits, prepended
    r.execute_command("SADD", "s", 12)
    assert enc(r, "s") == b"intset"
    assert r.execute_command("SMEMBERS", "s") == [
        str(v).encode() for v in (-(2 ** 40), -70000, -7, 5, 12, 100, 70000)]
    assert r.execute_command("SREM", "s", -(2 ** 40), 70000) == 2
    assert r.execute_command("SMEMBERS", "s") == [b"-70000", b"-7", b"5", b"12", b"100"]


@pytest.mark.parametrize("member", ["01", "-0", "+1", " 1", "1 ", "1.5", "a",
                                    "9223372036854775808", "-9223372036854775809", ""])
def test_non_canonical_integer_makes_hashtable(r, member):
    r.execute_command("SADD", "s", 1, 2)
    assert enc(r, "s") == b"intset"
    r.execute_command("SADD", "s", member)
    assert enc(r, "s") == b"hashtable"
    assert members(r, "s") == b(1, 2, member)


def test_first_non_integer_member_makes_hashtable(r):
    r.execute_command("SADD", "s", "a")
    assert enc(r, "s") == b"hashtable"
    r.execute_command("SADD", "t", 1, "a")
    assert enc(r, "t") == b"hashtable"


def test_small_string_set_is_hashtable_not_listpack(r):
    r.execute_command("SADD", "s", "x")
    assert enc(r, "s") == b"hashtable"


def test_intset_converts_past_max_entries(r):
    r.execute_command("SADD", "s", *range(512))
    assert enc(r, "s") == b"intset"
    r.execute_command("SADD", "s", 511)  # existing member: no change
    assert enc(r, "s") == b"intset"
    r.execute_command("SADD", "s", 512)
    assert enc(r, "s") == b"hashtable"
    assert r.execute_command("SCARD", "s") == 513
    assert r.execute_command("SISMEMBER", "s", 300) == 1


def test_hashtable_never_converts_back(r):
    r.execute_command("SADD", "s", 1, 2, "a")
    r.execute_command("SREM", "s", "a")
    assert enc(r, "s") == b"hashtable"
    assert members(r, "s") == b(1, 2)


def test_config_set_max_intset_entries_applies_at_next_write(r, small_intset):
    r.execute_command("SADD", "s", 1, 2, 3, 4, 5)
    assert r.execute_command("CONFIG", "SET", "set-max-intset-entries", "3") == b"OK"
    assert enc(r, "s") == b"intset"
    r.execute_command("SADD", "s", 5)
    assert enc(r, "s") == b"intset"
    r.execute_command("SADD", "s", 6)
    assert enc(r, "s") == b"hashtable"
    r.execute_command("SADD", "t", 1, 2, 3)
    assert enc(r, "t") == b"intset"
    r.execute_command("SADD", "u", 1, 2, 3, 4)
    assert enc(r, "u") == b"hashtable"


def test_max_intset_entries_zero_means_hashtable(r, small_intset):
    r.execute_command("CONFIG", "SET", "set-max-intset-entries", "0")
    r.execute_command("SADD", "s", 1)
    assert enc(r, "s") == b"hashtable"
    assert r.execute_command("SMEMBERS", "s") == [b"1"]


def test_copy_keeps_encoding_and_members(r):
    r.execute_command("SADD", "i", 3, 1, 2)
    r.execute_command("SADD", "h", "a", "b", 1)
    assert r.execute_command("COPY", "i", "i2") == 1
    assert r.execute_command("COPY", "h", "h2") == 1
    assert enc(r, "i2") == b"intset" and members(r, "i2") == b(1, 2, 3)
    assert enc(r, "h2") == b"hashtable" and members(r, "h2") == b("a", "b", 1)
    r.execute_command("SADD", "h2", "c")
    assert members(r, "h") == b("a", "b", 1)


def test_rename_moves_set(r):
    r.execute_command("SADD", "s", "a", "b")
    r.execute_command("RENAME", "s", "t")
    assert members(r, "t") == b("a", "b")
    assert r.execute_command("EXISTS", "s") == 0


def test_expired_set_is_missing(r):
    r.execute_command("SADD", "s", "a")
    r.execute_command("PEXPIRE", "s", 1)
    import time
    time.sleep(0.02)
    assert r.execute_command("SCARD", "s") == 0
    assert r.execute_command("SADD", "s", "b") == 1
    assert members(r, "s") == [b"b"]
    assert r.execute_command("TTL", "s") == -1


def test_large_hashtable_set(r):
    n = 20000
    for i in range(0, n, 1000):
        r.execute_command("SADD", "s", *[b"m%d" % j for j in range(i, i + 1000)])
    assert r.execute_command("SCARD", "s") == n
    assert enc(r, "s") == b"hashtable"
    assert len(set(r.execute_command("SMEMBERS", "s"))) == n
    assert r.execute_command("SREM", "s", *[b"m%d" % j for j in range(0, n, 2)]) == n // 2
    assert r.execute_command("SCARD", "s") == n // 2
    assert r.execute_command("SISMEMBER", "s", "m1") == 1
    assert r.execute_command("SISMEMBER", "s", "m2") == 0


def test_memory_of_one_hashtable_set_is_redis_like(r):
    """100k members of ~12 bytes: Redis 7.0 uses ~56 bytes a member; allow
    1.2x that."""
    r.execute_command("FLUSHALL")
    before = int(parse_info(r.execute_command("INFO", "memory"))["Memory"]["used_memory"])
    n = 100000
    for i in range(0, n, 1000):
        r.execute_command("SADD", "s", *[b"member:%d" % j for j in range(i, i + 1000)])
    after = int(parse_info(r.execute_command("INFO", "memory"))["Memory"]["used_memory"])
    per_member = (after - before) / n
    assert per_member <= 56 * 1.2, per_member
    r.execute_command("DEL", "s")


# --------------------------------------------------------------------------
# SPOP
# --------------------------------------------------------------------------

def test_spop_single_removes_a_member(r):
    r.execute_command("SADD", "s", "a", "b", "c")
    v = r.execute_command("SPOP", "s")
    assert v in (b"a", b"b", b"c")
    assert r.execute_command("SISMEMBER", "s", v) == 0
    assert r.execute_command("SCARD", "s") == 2


def test_spop_last_member_deletes_key(r):
    r.execute_command("SADD", "s", 5)
    assert r.execute_command("SPOP", "s") == b"5"
    assert r.execute_command("EXISTS", "s") == 0


def test_spop_missing_key_is_nil(r):
    assert r.execute_command("SPOP", "nosuch") is None


def test_spop_missing_key_with_count_is_empty(r):
    assert r.execute_command("SPOP", "nosuch", 3) == []


@pytest.mark.parametrize("first", [1, "a"])
def test_spop_count_returns_distinct_members(r, first):
    values = [first] + list(range(2, 101))
    r.execute_command("SADD", "s", *values)
    for count in (1, 5, 30):
        got = r.execute_command("SPOP", "s", count)
        assert len(got) == count and len(set(got)) == count
        assert not any(r.execute_command("SMISMEMBER", "s", *got))
    assert r.execute_command("SCARD", "s") == 100 - 36


@pytest.mark.parametrize("first", [1, "a"])
def test_spop_count_at_least_size_returns_all_and_deletes(r, first):
    r.execute_command("SADD", "s", first, 2, 3)
    assert sorted(r.execute_command("SPOP", "s", 3)) == b(first, 2, 3)
    assert r.execute_command("EXISTS", "s") == 0
    r.execute_command("SADD", "s", first, 2, 3)
    assert sorted(r.execute_command("SPOP", "s", 1000)) == b(first, 2, 3)
    assert r.execute_command("EXISTS", "s") == 0


def test_spop_large_count_leaves_the_rest(r):
    r.execute_command("SADD", "s", *["m%d" % i for i in range(100)])
    got = r.execute_command("SPOP", "s", 95)
    assert len(set(got)) == 95
    rest = r.execute_command("SMEMBERS", "s")
    assert len(rest) == 5
    assert set(got) | set(rest) == set(b"m%d" % i for i in range(100))


def test_spop_large_count_rebuilds_remaining_as_intset(r):
    """Redis rebuilds what a large SPOP leaves (remaining*5 <= count) as a
    new set: integers become an intset again."""
    r.execute_command("SADD", "s", *range(1, 100))
    r.execute_command("SADD", "s", "a")
    assert enc(r, "s") == b"hashtable"
    r.execute_command("SREM", "s", "a")
    r.execute_command("SPOP", "s", 90)
    assert enc(r, "s") == b"intset"
    assert r.execute_command("SCARD", "s") == 9


def test_spop_small_count_keeps_hashtable(r):
    r.execute_command("SADD", "s", *range(1, 100))
    r.execute_command("SADD", "s", "a")
    r.execute_command("SREM", "s", "a")
    r.execute_command("SPOP", "s", 10)
    assert enc(r, "s") == b"hashtable"


def test_spop_count_zero_is_empty_and_changes_nothing(r):
    r.execute_command("SADD", "s", "a")
    assert r.execute_command("SPOP", "s", 0) == []
    assert r.execute_command("SPOP", "nosuch", 0) == []
    assert members(r, "s") == [b"a"]


def test_spop_count_zero_checks_type(r):
    r.execute_command("SET", "str", "x")
    assert err(r, "SPOP", "str", 0) == WRONGTYPE


@pytest.mark.parametrize("count", ["-1", "abc", "1.5", "", str(LLONG_MIN), "9223372036854775808"])
def test_spop_bad_count(r, count):
    r.execute_command("SADD", "s", "a")
    assert err(r, "SPOP", "s", count) == POSITIVE
    assert err(r, "SPOP", "nosuch", count) == POSITIVE


def test_spop_extra_argument_is_syntax_error(r):
    r.execute_command("SADD", "s", "a")
    assert err(r, "SPOP", "s", 1, 2) == SYNTAX
    assert r.execute_command("SCARD", "s") == 1


# --------------------------------------------------------------------------
# SRANDMEMBER
# --------------------------------------------------------------------------

def test_srandmember_single(r):
    r.execute_command("SADD", "s", "a", "b")
    assert r.execute_command("SRANDMEMBER", "s") in (b"a", b"b")
    assert r.execute_command("SCARD", "s") == 2
    assert r.execute_command("SRANDMEMBER", "nosuch") is None


@pytest.mark.parametrize("first", [1, "a"])
def test_srandmember_positive_count_is_distinct(r, first):
    values = [first] + list(range(2, 101))
    r.execute_command("SADD", "s", *values)
    expect = set(b(*values))
    for count in (1, 10, 33, 34, 60, 99):
        got = r.execute_command("SRANDMEMBER", "s", count)
        assert len(got) == count and len(set(got)) == count
        assert set(got) <= expect
    assert r.execute_command("SCARD", "s") == 100


@pytest.mark.parametrize("first", [1, "a"])
def test_srandmember_count_at_least_size_is_whole_set(r, first):
    r.execute_command("SADD", "s", first, 2, 3)
    assert sorted(r.execute_command("SRANDMEMBER", "s", 3)) == b(first, 2, 3)
    assert sorted(r.execute_command("SRANDMEMBER", "s", LLONG_MAX)) == b(first, 2, 3)


@pytest.mark.parametrize("first", [1, "a"])
def test_srandmember_negative_count_repeats(r, first):
    r.execute_command("SADD", "s", first, 2)
    got = r.execute_command("SRANDMEMBER", "s", -50)
    assert len(got) == 50
    assert set(got) <= set(b(first, 2))
    assert len(set(got)) == 2  # 2^-49 chance of a false failure


def test_srandmember_eventually_returns_every_member(r):
    r.execute_command("SADD", "s", *["m%d" % i for i in range(20)])
    seen = set()
    for _ in range(500):
        seen.add(r.execute_command("SRANDMEMBER", "s"))
        if len(seen) == 20:
            break
    assert len(seen) == 20


def test_srandmember_zero_and_missing(r):
    r.execute_command("SADD", "s", "a")
    assert r.execute_command("SRANDMEMBER", "s", 0) == []
    assert r.execute_command("SRANDMEMBER", "nosuch", 5) == []
    assert r.execute_command("SRANDMEMBER", "nosuch", -5) == []


def test_srandmember_bad_count(r):
    r.execute_command("SADD", "s", "a")
    assert err(r, "SRANDMEMBER", "s", "abc") == NOT_INT
    assert err(r, "SRANDMEMBER", "s", "") == NOT_INT
    assert err(r, "SRANDMEMBER", "s", "9223372036854775808") == NOT_INT
    assert err(r, "SRANDMEMBER", "s", LLONG_MIN) == SRAND_RANGE
    assert err(r, "SRANDMEMBER", "nosuch", LLONG_MIN) == SRAND_RANGE
    assert err(r, "SRANDMEMBER", "s", 1, 2) == SYNTAX


# --------------------------------------------------------------------------
# SMOVE
# --------------------------------------------------------------------------

def test_smove_moves_member(r):
    r.execute_command("SADD", "src", "a", "b")
    r.execute_command("SADD", "dst", "c")
    assert r.execute_command("SMOVE", "src", "dst", "a") == 1
    assert members(r, "src") == [b"b"]
    assert members(r, "dst") == b("a", "c")


def test_smove_member_already_in_destination(r):
    r.execute_command("SADD", "src", "a", "b")
    r.execute_command("SADD", "dst", "a")
    assert r.execute_command("SMOVE", "src", "dst", "a") == 1
    assert members(r, "src") == [b"b"]
    assert members(r, "dst") == [b"a"]


def test_smove_creates_destination_and_deletes_empty_source(r):
    r.execute_command("SADD", "src", 1)
    assert r.execute_command("SMOVE", "src", "dst", 1) == 1
    assert r.execute_command("EXISTS", "src") == 0
    assert members(r, "dst") == [b"1"]
    assert enc(r, "dst") == b"intset"


def test_smove_non_integer_into_intset_converts(r):
    r.execute_command("SADD", "src", "a")
    r.execute_command("SADD", "dst", 1, 2)
    assert r.execute_command("SMOVE", "src", "dst", "a") == 1
    assert enc(r, "dst") == b"hashtable"


def test_smove_absent_member_is_zero(r):
    r.execute_command("SADD", "src", "a")
    assert r.execute_command("SMOVE", "src", "dst", "zz") == 0
    assert r.execute_command("EXISTS", "dst") == 0


def test_smove_missing_source_is_zero_even_with_wrong_destination(r):
    r.execute_command("SET", "str", "x")
    assert r.execute_command("SMOVE", "nosuch", "str", "a") == 0
    assert r.execute_command("SMOVE", "nosuch", "nosuch", "a") == 0


def test_smove_wrongtype(r):
    r.execute_command("SADD", "s", "a")
    r.execute_command("SET", "str", "x")
    assert err(r, "SMOVE", "s", "str", "a") == WRONGTYPE
    assert err(r, "SMOVE", "s", "str", "zz") == WRONGTYPE
    assert err(r, "SMOVE", "str", "s", "a") == WRONGTYPE
    assert members(r, "s") == [b"a"]


def test_smove_same_key_reports_membership(r):
    r.execute_command("SADD", "s", "a")
    assert r.execute_command("SMOVE", "s", "s", "a") == 1
    assert r.execute_command("SMOVE", "s", "s", "b") == 0
    assert members(r, "s") == [b"a"]


# --------------------------------------------------------------------------
# SINTER SUNION SDIFF
# --------------------------------------------------------------------------

@pytest.fixture
def abc(r):
    r.execute_command("SADD", "a", 1, 2, 3, 4)             # intset
    r.execute_command("SADD", "b", 2, 3, 5, "x")           # hashtable
    r.execute_command("SADD", "c", 3, 4, 5, "x", "y")      # hashtable
    return r


def test_sinter(abc):
    r = abc
    assert sorted(r.execute_command("SINTER", "a", "b")) == b(2, 3)
    assert sorted(r.execute_command("SINTER", "b", "c")) == b(3, 5, "x")
    assert sorted(r.execute_command("SINTER", "a", "b", "c")) == b(3)
    assert sorted(r.execute_command("SINTER", "a")) == b(1, 2, 3, 4)
    assert sorted(r.execute_command("SINTER", "a", "a")) == b(1, 2, 3, 4)


def test_sinter_with_missing_key_is_empty(abc):
    assert abc.execute_command("SINTER", "a", "nosuch") == []
    assert abc.execute_command("SINTER", "nosuch") == []


def test_sunion(abc):
    r = abc
    assert sorted(r.execute_command("SUNION", "a", "b")) == b(1, 2, 3, 4, 5, "x")
    assert sorted(r.execute_command("SUNION", "a", "nosuch", "c")) == b(1, 2, 3, 4, 5, "x", "y")
    assert sorted(r.execute_command("SUNION", "b", "b")) == b(2, 3, 5, "x")
    assert r.execute_command("SUNION", "nosuch", "nosuch2") == []


def test_sdiff(abc):
    r = abc
    assert sorted(r.execute_command("SDIFF", "a", "b")) == b(1, 4)
    assert sorted(r.execute_command("SDIFF", "a", "b", "c")) == b(1)
    assert sorted(r.execute_command("SDIFF", "c", "a")) == b(5, "x", "y")
    assert sorted(r.execute_command("SDIFF", "a", "nosuch")) == b(1, 2, 3, 4)
    assert r.execute_command("SDIFF", "nosuch", "a") == []
    assert r.execute_command("SDIFF", "a", "a") == []
    assert r.execute_command("SDIFF", "a", "b", "a") == []


def test_sdiff_big_first_set_against_many_small_ones(r):
    r.execute_command("SADD", "big", *["m%d" % i for i in range(2000)])
    for i in range(10):
        r.execute_command("SADD", "small%d" % i, "m%d" % i, "other")
    got = r.execute_command("SDIFF", "big", *["small%d" % i for i in range(10)])
    assert sorted(got) == sorted(b"m%d" % i for i in range(10, 2000))
    got = r.execute_command("SDIFF", "small0", "big")
    assert got == [b"other"]


def test_sinter_large(r):
    r.execute_command("SADD", "x", *range(0, 3000, 2))
    r.execute_command("SADD", "y", *range(0, 3000, 3))
    got = r.execute_command("SINTER", "x", "y")
    assert sorted(int(v) for v in got) == list(range(0, 3000, 6))


@pytest.mark.parametrize("cmd", ["SINTER", "SUNION", "SDIFF"])
def test_algebra_wrongtype_anywhere(abc, cmd):
    r = abc
    r.execute_command("SET", "str", "x")
    assert err(r, cmd, "a", "str") == WRONGTYPE
    assert err(r, cmd, "str", "a") == WRONGTYPE
    assert err(r, cmd, "nosuch", "str") == WRONGTYPE
    assert err(r, cmd, "a", "nosuch", "str") == WRONGTYPE


# --------------------------------------------------------------------------
# SINTERSTORE SUNIONSTORE SDIFFSTORE
# --------------------------------------------------------------------------

@pytest.mark.parametrize("cmd,keys,expect", [
    ("SINTERSTORE", ["a", "b"], [2, 3]),
    ("SUNIONSTORE", ["a", "b"], [1, 2, 3, 4, 5, "x"]),
    ("SDIFFSTORE", ["c", "a"], [5, "x", "y"]),
])
def test_store_writes_result(abc, cmd, keys, expect):
    r = abc
    assert r.execute_command(cmd, "dst", *keys) == len(expect)
    assert members(r, "dst") == b(*expect)


@pytest.mark.parametrize("cmd", ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
def test_store_replaces_destination_of_any_type_and_clears_ttl(abc, cmd):
    r = abc
    r.execute_command("SET", "dst", "old", "EX", 1000)
    assert r.execute_command(cmd, "dst", "a", "nosuch" if cmd == "SDIFFSTORE" else "a") == 4
    assert r.execute_command("TYPE", "dst") == b"set"
    assert r.execute_command("TTL", "dst") == -1
    assert members(r, "dst") == b(1, 2, 3, 4)
    r.execute_command("SADD", "dst2", "z")
    r.execute_command("EXPIRE", "dst2", 1000)
    r.execute_command(cmd, "dst2", "a", "nosuch" if cmd == "SDIFFSTORE" else "a")
    assert r.execute_command("TTL", "dst2") == -1
    assert members(r, "dst2") == b(1, 2, 3, 4)


@pytest.mark.parametrize("cmd", ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
def test_store_empty_result_deletes_destination(abc, cmd):
    r = abc
    r.execute_command("SET", "dst", "old")
    assert r.execute_command(cmd, "dst", "nosuch") == 0
    assert r.execute_command("EXISTS", "dst") == 0
    assert r.execute_command(cmd, "dst", "nosuch") == 0


def test_store_destination_may_be_a_source(abc):
    r = abc
    assert r.execute_command("SUNIONSTORE", "a", "a", "b") == 6
    assert members(r, "a") == b(1, 2, 3, 4, 5, "x")
    assert r.execute_command("SINTERSTORE", "b", "b", "c") == 3
    assert members(r, "b") == b(3, 5, "x")
    assert r.execute_command("SDIFFSTORE", "c", "c", "b") == 2
    assert members(r, "c") == b(4, "y")


def test_store_result_encoding(abc, small_intset):
    r = abc
    r.execute_command("SINTERSTORE", "d1", "b", "c")        # 3 5 x
    assert enc(r, "d1") == b"hashtable"
    r.execute_command("SDIFFSTORE", "d2", "b", "c")         # 2
    assert enc(r, "d2") == b"intset"
    r.execute_command("SINTERSTORE", "d3", "a", "b")        # 2 3 from intset x hashtable
    assert enc(r, "d3") == b"intset"
    r.execute_command("SUNIONSTORE", "d4", "a", "a")
    assert enc(r, "d4") == b"intset"
    r.execute_command("CONFIG", "SET", "set-max-intset-entries", "3")
    r.execute_command("SUNIONSTORE", "d5", "a")
    assert enc(r, "d5") == b"hashtable"


@pytest.mark.parametrize("cmd", ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
def test_store_wrongtype_source(abc, cmd):
    r = abc
    r.execute_command("SET", "str", "x")
    r.execute_command("SADD", "dst", "keep")
    assert err(r, cmd, "dst", "a", "str") == WRONGTYPE
    assert err(r, cmd, "dst", "nosuch", "str") == WRONGTYPE
    assert members(r, "dst") == [b"keep"]


# --------------------------------------------------------------------------
# SINTERCARD
# --------------------------------------------------------------------------

def test_sintercard(abc):
    r = abc
    assert r.execute_command("SINTERCARD", 2, "a", "b") == 2
    assert r.execute_command("SINTERCARD", 3, "a", "b", "c") == 1
    assert r.execute_command("SINTERCARD", 1, "c") == 5
    assert r.execute_command("SINTERCARD", 2, "a", "nosuch") == 0
    assert r.execute_command("SINTERCARD", 1, "c", "LIMIT", 2) == 2
    assert r.execute_command("SINTERCARD", 1, "c", "limit", 0) == 5
    assert r.execute_command("SINTERCARD", 1, "c", "LIMIT", 100) == 5
    assert r.execute_command("SINTERCARD", 1, "c", "LIMIT", 1, "LIMIT", 3) == 3


def test_sintercard_errors(abc):
    r = abc
    r.execute_command("SET", "str", "x")
    assert err(r, "SINTERCARD", 0, "a") == "ERR numkeys should be greater than 0"
    assert err(r, "SINTERCARD", -1, "a") == "ERR numkeys should be greater than 0"
    assert err(r, "SINTERCARD", "x", "a") == "ERR numkeys should be greater than 0"
    assert err(r, "SINTERCARD", "9223372036854775808", "a") == \
        "ERR numkeys should be greater than 0"
    assert err(r, "SINTERCARD", 3, "a", "b") == \
        "ERR Number of keys can't be greater than number of args"
    assert err(r, "SINTERCARD", 1, "a", "LIMIT", -1) == "ERR LIMIT can't be negative"
    assert err(r, "SINTERCARD", 1, "a", "LIMIT", "x") == "ERR LIMIT can't be negative"
    assert err(r, "SINTERCARD", 1, "a", "LIMIT") == SYNTAX
    assert err(r, "SINTERCARD", 1, "a", "BOGUS") == SYNTAX
    assert err(r, "SINTERCARD", 1, "a", "b") == SYNTAX
    assert err(r, "SINTERCARD", 2, "a", "str") == WRONGTYPE
    assert err(r, "SINTERCARD", 2, "nosuch", "str") == WRONGTYPE
    # the options are checked before the keys' types
    assert err(r, "SINTERCARD", 1, "str", "BOGUS") == SYNTAX


# --------------------------------------------------------------------------
# SSCAN
# --------------------------------------------------------------------------

def test_sscan_intset_returns_everything_at_once(r):
    r.execute_command("SADD", "s", *range(100))
    cursor, got = r.execute_command("SSCAN", "s", 0, "COUNT", 1)
    assert cursor == b"0"
    assert sorted(int(v) for v in got) == list(range(100))
    cursor, got = r.execute_command("SSCAN", "s", 12345)
    assert cursor == b"0" and len(got) == 100


def test_sscan_hashtable_full_iteration(r):
    values = [b"m%d" % i for i in range(1000)]
    r.execute_command("SADD", "s", *values)
    got, calls = sscan_all(r, "s")
    assert set(got) == set(values)
    assert calls > 1
    got, _ = sscan_all(r, "s", "COUNT", 100)
    assert set(got) == set(values)


def test_sscan_match(r):
    r.execute_command("SADD", "s", *[b"m%d" % i for i in range(200)] + [b"x1", b"x2"])
    got, _ = sscan_all(r, "s", "MATCH", "x*")
    assert sorted(got) == [b"x1", b"x2"]
    r.execute_command("SADD", "i", 1, 10, 11, 20)
    cursor, got = r.execute_command("SSCAN", "i", 0, "MATCH", "1*")
    assert cursor == b"0" and sorted(got) == [b"1", b"10", b"11"]
    cursor, got = r.execute_command("SSCAN", "i", 0, "MATCH", "*", "COUNT", 5)
    assert sorted(got) == [b"1", b"10", b"11", b"20"]


def test_sscan_members_present_throughout_are_returned_despite_changes(r):
    r.execute_command("SADD", "s", *[b"keep%d" % i for i in range(300)])
    cursor, seen, calls = b"0", set(), 0
    while True:
        cursor, batch = r.execute_command("SSCAN", "s", cursor, "COUNT", 20)
        seen.update(batch)
        calls += 1
        # grow the table while scanning
        r.execute_command("SADD", "s", *[b"new%d_%d" % (calls, i) for i in range(40)])
        if cursor == b"0" or calls > 10000:
            break
    assert set(b"keep%d" % i for i in range(300)) <= seen


def test_sscan_missing_key(r):
    assert r.execute_command("SSCAN", "nosuch", 0) == [b"0", []]
    # options of a missing key are not even parsed
    assert r.execute_command("SSCAN", "nosuch", 0, "COUNT", 0) == [b"0", []]
    assert r.execute_command("SSCAN", "nosuch", 0, "BOGUS") == [b"0", []]


def test_sscan_errors(r):
    r.execute_command("SADD", "s", "a", "b")
    r.execute_command("SET", "str", "x")
    assert err(r, "SSCAN", "s", "abc") == "ERR invalid cursor"
    assert err(r, "SSCAN", "nosuch", "abc") == "ERR invalid cursor"
    assert err(r, "SSCAN", "s", " 1") == "ERR invalid cursor"
    assert err(r, "SSCAN", "s", "18446744073709551616") == "ERR invalid cursor"
    assert err(r, "SSCAN", "str", "abc") == "ERR invalid cursor"
    assert err(r, "SSCAN", "str", 0, "BOGUS") == WRONGTYPE
    assert err(r, "SSCAN", "s", 0, "COUNT", 0) == SYNTAX
    assert err(r, "SSCAN", "s", 0, "COUNT", -1) == SYNTAX
    assert err(r, "SSCAN", "s", 0, "COUNT", "x") == NOT_INT
    assert err(r, "SSCAN", "s", 0, "COUNT") == SYNTAX
    assert err(r, "SSCAN", "s", 0, "MATCH") == SYNTAX
    assert err(r, "SSCAN", "s", 0, "TYPE", "string") == SYNTAX
    assert err(r, "SSCAN", "s", 0, "NOVALUES") == SYNTAX
    assert err(r, "SSCAN", "s", 0, "COUNT", "x", "BOGUS") == NOT_INT


@pytest.mark.parametrize("cursor", ["", "-1", "18446744073709551615", "+0"])
def test_sscan_cursor_forms_accepted(r, cursor):
    r.execute_command("SADD", "s", 1, 2)
    assert r.execute_command("SSCAN", "s", cursor) == [b"0", [b"1", b"2"]]


# --------------------------------------------------------------------------
# Keyspace statistics
# --------------------------------------------------------------------------

def test_reads_count_hits_and_misses_writes_do_not(r):
    r.execute_command("SADD", "s", "a")
    r.execute_command("SET", "str", "x")
    r.execute_command("CONFIG", "RESETSTAT")
    r.execute_command("SISMEMBER", "s", "a")
    r.execute_command("SCARD", "nosuch")
    assert stats(r) == (1, 1)
    r.execute_command("SINTER", "s", "nosuch", "nosuch")
    assert stats(r) == (2, 3)
    err(r, "SMEMBERS", "str")   # a key of another type is a hit
    assert stats(r) == (3, 3)
    r.execute_command("SUNIONSTORE", "d", "s", "nosuch")
    assert stats(r) == (4, 4)
    r.execute_command("SADD", "s", "b")
    r.execute_command("SREM", "nosuch", "b")
    r.execute_command("SPOP", "nosuch")
    r.execute_command("SMOVE", "nosuch", "s", "a")
    assert stats(r) == (4, 4)


# --------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------

def test_resp3_reply_types(raw):
    raw.cmd("HELLO", "3")
    raw.cmd("SADD", "s", 1, 2, 3)
    raw.cmd("SADD", "h", "a", "b")
    for args in (["SMEMBERS", "s"], ["SINTER", "s", "s"], ["SUNION", "s", "h"],
                 ["SDIFF", "s", "h"], ["SPOP", "s", 1], ["SPOP", "h", 0], ["SPOP", "nosuch", 2]):
        assert isinstance(raw.cmd(*args), RespSet), args
    raw.send_command("SMEMBERS", "nosuch")
    assert raw.read_raw() == b"~0\r\n"
    raw.send_command("SINTER", "s", "nosuch")
    assert raw.read_raw() == b"~0\r\n"
    for args in (["SRANDMEMBER", "h", 1], ["SRANDMEMBER", "h", 10], ["SRANDMEMBER", "h", -3],
                 ["SMISMEMBER", "h", "a", "z"], ["SSCAN", "h", 0]):
        reply = raw.cmd(*args)
        assert type(reply) is list, args
    raw.send_command("SRANDMEMBER", "nosuch", 3)
    assert raw.read_raw() == b"*0\r\n"
    raw.send_command("SRANDMEMBER", "nosuch")
    assert raw.read_raw() == b"_\r\n"
    raw.send_command("SPOP", "nosuch")
    assert raw.read_raw() == b"_\r\n"
    raw.send_command("SISMEMBER", "h", "a")
    assert raw.read_raw() == b":1\r\n"
    raw.send_command("SPOP", "h", 5)
    assert sorted(raw.read_reply()) == [b"a", b"b"]


def test_resp2_reply_types(raw):
    raw.send_command("SADD", "s", 2)
    raw.read_reply()
    raw.send_command("SMEMBERS", "s")
    assert raw.read_raw() == b"*1\r\n$1\r\n2\r\n"
    raw.send_command("SPOP", "nosuch", 1)
    assert raw.read_raw() == b"*0\r\n"
    raw.send_command("SPOP", "nosuch")
    assert raw.read_raw() == b"$-1\r\n"
    raw.send_command("SRANDMEMBER", "nosuch")
    assert raw.read_raw() == b"$-1\r\n"
    raw.send_command("SSCAN", "s", 0)
    assert raw.read_raw() == b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\n2\r\n"

"""SORT and SORT_RO over lists, sets and sorted sets (Redis 7.0 behaviour)."""
import pytest

from helpers import err

SYNTAX = "ERR syntax error"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


@pytest.fixture
def nums(r):
    r.rpush("nums", 3, 1, 10, 2)
    return "nums"


def test_sort_list_numeric(r, nums):
    assert r.execute_command("SORT", nums) == [b"1", b"2", b"3", b"10"]


def test_sort_desc(r, nums):
    assert r.execute_command("SORT", nums, "DESC") == [b"10", b"3", b"2", b"1"]


def test_sort_alpha_is_bytewise(r, nums):
    assert r.execute_command("SORT", nums, "ALPHA") == [b"1", b"10", b"2", b"3"]


def test_sort_non_numeric_fails_without_alpha(r):
    r.rpush("l", "a", "1")
    assert err(r, "SORT", "l") == "ERR One or more scores can't be converted into double"


def test_sort_empty_string_counts_as_zero(r):
    r.rpush("l", "5", "", "-1")
    assert r.execute_command("SORT", "l") == [b"-1", b"", b"5"]


def test_sort_missing_key_is_empty(r):
    assert r.execute_command("SORT", "nosuch") == []
    assert r.execute_command("SORT", "nosuch", "STORE", "dst") == 0
    assert r.exists("dst") == 0


def test_sort_wrong_type(r):
    r.set("s", "x")
    assert err(r, "SORT", "s") == WRONGTYPE
    r.hset("h", "f", "v")
    assert err(r, "SORT", "h") == WRONGTYPE


@pytest.mark.parametrize("limit,expected", [
    ((0, 2), [b"1", b"2"]),
    ((1, 2), [b"2", b"3"]),
    ((2, 10), [b"3", b"10"]),
    ((-5, 1), [b"1"]),
    ((3, -1), [b"10"]),
    ((4, 1), []),
    ((10, 1), []),
    ((0, 0), []),
])
def test_sort_limit(r, nums, limit, expected):
    assert r.execute_command("SORT", nums, "LIMIT", *limit) == expected


def test_sort_limit_needs_integers(r, nums):
    assert err(r, "SORT", nums, "LIMIT", "a", "1") == "ERR value is not an integer or out of range"
    assert err(r, "SORT", nums, "LIMIT", "1") == SYNTAX


def test_sort_unknown_option(r, nums):
    assert err(r, "SORT", nums, "SIDEWAYS") == SYNTAX


def test_sort_by_weights(r, nums):
    r.mset({"w_1": 40, "w_2": 30, "w_3": 20, "w_10": 10})
    assert r.execute_command("SORT", nums, "BY", "w_*") == [b"10", b"3", b"2", b"1"]


def test_sort_by_missing_weights_are_zero(r, nums):
    r.mset({"w_1": 5, "w_10": -5})
    assert r.execute_command("SORT", nums, "BY", "w_*") == [b"10", b"2", b"3", b"1"]


def test_sort_by_hash_field(r, nums):
    for v, w in ((1, 4), (2, 3), (3, 2), (10, 1)):
        r.hset("h_%d" % v, "weight", w)
    assert r.execute_command("SORT", nums, "BY", "h_*->weight") == [b"10", b"3", b"2", b"1"]


def test_sort_by_constant_keeps_list_order(r, nums):
    assert r.execute_command("SORT", nums, "BY", "nosort") == [b"3", b"1", b"10", b"2"]
    assert r.execute_command("SORT", nums, "BY", "nosort", "DESC") == [b"2", b"10", b"1", b"3"]
    assert r.execute_command("SORT", nums, "BY", "nosort", "LIMIT", 1, 2) == [b"1", b"10"]
    assert r.execute_command("SORT", nums, "BY", "nosort", "DESC", "LIMIT", 1, 2) == [b"10", b"1"]


def test_sort_by_constant_keeps_zset_order(r):
    r.zadd("z", {"a": 3, "b": 1, "c": 2})
    assert r.execute_command("SORT", "z", "BY", "nosort") == [b"b", b"c", b"a"]
    assert r.execute_command("SORT", "z", "BY", "nosort", "DESC", "LIMIT", 0, 2) == [b"a", b"c"]


def test_sort_zset_sorts_members_not_scores(r):
    r.zadd("z", {"30": 1, "10": 2, "20": 3})
    assert r.execute_command("SORT", "z") == [b"10", b"20", b"30"]


def test_sort_set(r):
    r.sadd("s", 5, 3, 9)
    assert r.execute_command("SORT", "s") == [b"3", b"5", b"9"]
    assert sorted(r.execute_command("SORT", "s", "BY", "nosort")) == [b"3", b"5", b"9"]


def test_sort_set_by_constant_with_store_sorts_alpha(r):
    r.sadd("s", "b", "c", "a")
    assert r.execute_command("SORT", "s", "BY", "nosort", "STORE", "dst") == 3
    assert r.lrange("dst", 0, -1) == [b"a", b"b", b"c"]


def test_sort_get_patterns(r, nums):
    r.mset({"name_1": "one", "name_2": "two", "name_10": "ten"})
    r.hset("h_3", "n", "three")
    reply = r.execute_command("SORT", nums, "GET", "#", "GET", "name_*", "GET", "h_*->n")
    assert reply == [b"1", b"one", None, b"2", b"two", None, b"3", None, b"three",
                     b"10", b"ten", None]


def test_sort_get_without_star_is_nil(r, nums):
    r.set("fixed", "x")
    assert r.execute_command("SORT", nums, "GET", "fixed", "LIMIT", 0, 2) == [None, None]


def test_sort_get_wrong_type_is_nil(r, nums):
    r.rpush("name_1", "x")
    r.set("h_2", "y")
    assert r.execute_command("SORT", nums, "GET", "name_*", "GET", "h_*->f", "LIMIT", 0, 2) == \
        [None, None, None, None]


def test_sort_alpha_by_with_missing_weights(r):
    r.rpush("l", "a", "b", "c")
    r.mset({"w_a": "z", "w_b": "y"})
    assert r.execute_command("SORT", "l", "BY", "w_*", "ALPHA") == [b"c", b"b", b"a"]


def test_sort_store_replaces_destination(r, nums):
    r.set("dst", "old")
    assert r.execute_command("SORT", nums, "DESC", "STORE", "dst") == 4
    assert r.type("dst") == b"list"
    assert r.lrange("dst", 0, -1) == [b"10", b"3", b"2", b"1"]


def test_sort_store_with_get_stores_empty_strings_for_missing(r, nums):
    r.set("name_2", "two")
    assert r.execute_command("SORT", nums, "GET", "name_*", "LIMIT", 0, 2, "STORE", "dst") == 2
    assert r.lrange("dst", 0, -1) == [b"", b"two"]


def test_sort_store_empty_result_deletes_destination(r):
    r.set("dst", "x")
    r.rpush("l", 1)
    assert r.execute_command("SORT", "l", "LIMIT", 5, 1, "STORE", "dst") == 0
    assert r.exists("dst") == 0


def test_sort_store_onto_itself(r, nums):
    assert r.execute_command("SORT", nums, "STORE", nums) == 4
    assert r.lrange(nums, 0, -1) == [b"1", b"2", b"3", b"10"]


def test_sort_ro_reads(r, nums):
    assert r.execute_command("SORT_RO", nums, "DESC", "LIMIT", 0, 1) == [b"10"]


def test_sort_ro_refuses_store(r, nums):
    assert err(r, "SORT_RO", nums, "STORE", "dst") == SYNTAX


def test_sort_getkeys(r):
    assert r.execute_command("COMMAND", "GETKEYS", "SORT", "src", "LIMIT", 0, 1, "STORE", "dst") == \
        [b"src", b"dst"]
    assert r.execute_command("COMMAND", "GETKEYS", "SORT", "src", "BY", "store") == [b"src"]


def test_sort_numeric_ties_order_by_element(r):
    r.rpush("l", "b", "a", "c")
    r.mset({"w_a": 1, "w_b": 1, "w_c": 0})
    with pytest.raises(Exception):
        r.execute_command("SORT", "l")
    assert r.execute_command("SORT", "l", "BY", "w_*") == [b"c", b"a", b"b"]

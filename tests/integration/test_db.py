"""Logical databases: SELECT DBSIZE FLUSHDB FLUSHALL SWAPDB MOVE, and the
`databases` setting."""

import pytest

from helpers import NOT_INT, SYNTAX, err, parse_info, wrong_args


@pytest.fixture(scope="module")
def small_server(server_factory):
    """A server with only 4 databases."""
    return server_factory("--databases", "4", name="databases4")


# --------------------------------------------------------------------------
# SELECT
# --------------------------------------------------------------------------

def test_select_switches_database(r):
    r.execute_command("SET", "k", "db0")
    assert r.execute_command("SELECT", 1) == b"OK"
    assert r.execute_command("GET", "k") is None
    r.execute_command("SET", "k", "db1")
    assert r.execute_command("SELECT", 0) == b"OK"
    assert r.execute_command("GET", "k") == b"db0"


def test_select_last_default_database(r):
    assert r.execute_command("SELECT", 15) == b"OK"
    r.execute_command("SET", "k", "v")
    assert r.execute_command("DBSIZE") == 1


@pytest.mark.parametrize("index", [16, -1, 1000, 2147483647, -2147483648])
def test_select_out_of_range(r, index):
    assert err(r, "SELECT", index) == "ERR DB index is out of range"


INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647"


@pytest.mark.parametrize("index", [2147483648, -2147483649])
def test_db_index_beyond_int_range(r, index):
    r.execute_command("SET", "k", "v")
    assert err(r, "SELECT", index) == INT_RANGE
    assert err(r, "MOVE", "k", index) == INT_RANGE
    assert err(r, "COPY", "k", "k2", "DB", index) == INT_RANGE
    assert err(r, "SWAPDB", 0, index) == "ERR invalid second DB index"


@pytest.mark.parametrize("index", ["abc", "1.5", "", " 1", "99999999999999999999"])
def test_select_non_integer(r, index):
    assert err(r, "SELECT", index) == NOT_INT


def test_select_arity(r):
    assert err(r, "SELECT") == wrong_args("select")
    assert err(r, "SELECT", 1, 2) == wrong_args("select")


def test_select_is_per_connection(r, new_client):
    other = new_client()
    r.execute_command("SELECT", 2)
    r.execute_command("SET", "k", "db2")
    assert other.execute_command("GET", "k") is None
    other.execute_command("SELECT", 2)
    assert other.execute_command("GET", "k") == b"db2"


def test_client_list_shows_selected_db(r):
    r.execute_command("SELECT", 5)
    info = r.execute_command("CLIENT", "INFO").decode()
    assert " db=5 " in info


def test_small_server_database_count(small_server):
    c = small_server.client()
    try:
        assert c.execute_command("CONFIG", "GET", "databases") == [b"databases", b"4"]
        assert c.execute_command("SELECT", 3) == b"OK"
        assert err(c, "SELECT", 4) == "ERR DB index is out of range"
        c.execute_command("SET", "k", "v")
        assert err(c, "MOVE", "k", 4) == "ERR DB index is out of range"
        assert err(c, "SWAPDB", 0, 4) == "ERR DB index is out of range"
        assert err(c, "COPY", "k", "k2", "DB", 4) == "ERR DB index is out of range"
        assert c.execute_command("MOVE", "k", 0) == 1
    finally:
        c.execute_command("FLUSHALL")
        c.connection_pool.disconnect()


# --------------------------------------------------------------------------
# DBSIZE FLUSHDB FLUSHALL
# --------------------------------------------------------------------------

def test_dbsize_counts_current_db_only(r):
    r.execute_command("MSET", "a", 1, "b", 2)
    r.execute_command("SELECT", 1)
    r.execute_command("SET", "c", 3)
    assert r.execute_command("DBSIZE") == 1
    r.execute_command("SELECT", 0)
    assert r.execute_command("DBSIZE") == 2


def test_dbsize_arity(r):
    assert err(r, "DBSIZE", "x") == wrong_args("dbsize")


@pytest.mark.parametrize("mode", [[], ["ASYNC"], ["SYNC"], ["async"]], ids=lambda m: m[0] if m else "plain")
def test_flushdb_flushes_only_current_db(r, mode):
    r.execute_command("MSET", "a", 1, "b", 2)
    r.execute_command("SELECT", 1)
    r.execute_command("SET", "c", 3)
    assert r.execute_command("FLUSHDB", *mode) == b"OK"
    assert r.execute_command("DBSIZE") == 0
    r.execute_command("SELECT", 0)
    assert r.execute_command("DBSIZE") == 2


@pytest.mark.parametrize("mode", [[], ["ASYNC"], ["SYNC"]], ids=lambda m: m[0] if m else "plain")
def test_flushall_flushes_every_db(r, mode):
    r.execute_command("SET", "a", 1)
    r.execute_command("SELECT", 7)
    r.execute_command("SET", "b", 2, "EX", 100)
    assert r.execute_command("FLUSHALL", *mode) == b"OK"
    assert r.execute_command("DBSIZE") == 0
    r.execute_command("SELECT", 0)
    assert r.execute_command("DBSIZE") == 0
    assert r.execute_command("KEYS", "*") == []


@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
@pytest.mark.parametrize("args", [["FOO"], ["ASYNC", "SYNC"], ["SYNC", "SYNC"]], ids="-".join)
def test_flush_bad_arguments(r, cmd, args):
    r.execute_command("SET", "a", 1)
    assert err(r, cmd, *args) == SYNTAX
    assert r.execute_command("DBSIZE") == 1


def test_flushall_empties_keyspace_info(r):
    r.execute_command("SET", "a", 1)
    r.execute_command("FLUSHALL")
    assert parse_info(r.execute_command("INFO", "keyspace")) == {"Keyspace": {}}


# --------------------------------------------------------------------------
# SWAPDB
# --------------------------------------------------------------------------

def test_swapdb_swaps_contents(r):
    r.execute_command("SET", "a", "in0")
    r.execute_command("SELECT", 1)
    r.execute_command("MSET", "b", "in1", "c", "in1", "d", "x")
    r.execute_command("EXPIRE", "d", 100)
    assert r.execute_command("SWAPDB", 0, 1) == b"OK"
    # this connection is still on db 1, which now holds db 0's data
    assert r.execute_command("KEYS", "*") == [b"a"]
    r.execute_command("SELECT", 0)
    assert sorted(r.execute_command("KEYS", "*")) == [b"b", b"c", b"d"]
    assert 98 <= r.execute_command("TTL", "d") <= 100


def test_swapdb_is_seen_by_other_connections(r, new_client):
    other = new_client(db=3)
    r.execute_command("SET", "k", "from0")
    assert r.execute_command("SWAPDB", 3, 0) == b"OK"
    assert other.execute_command("GET", "k") == b"from0"
    assert r.execute_command("GET", "k") is None


def test_swapdb_same_db_is_ok(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("SWAPDB", 0, 0) == b"OK"
    assert r.execute_command("GET", "k") == b"v"


def test_swapdb_errors(r):
    assert err(r, "SWAPDB", 0, 16) == "ERR DB index is out of range"
    assert err(r, "SWAPDB", -1, 0) == "ERR DB index is out of range"
    assert err(r, "SWAPDB", "abc", 0) == "ERR invalid first DB index"
    assert err(r, "SWAPDB", 0, "abc") == "ERR invalid second DB index"
    assert err(r, "SWAPDB", 0) == wrong_args("swapdb")


def test_keyspace_info_lists_each_nonempty_db(r):
    r.execute_command("SET", "a", 1)
    r.execute_command("SELECT", 2)
    r.execute_command("MSET", "b", 1, "c", 1)
    r.execute_command("EXPIRE", "c", 100)
    ks = parse_info(r.execute_command("INFO", "keyspace"))["Keyspace"]
    assert list(ks) == ["db0", "db2"]
    assert ks["db0"] == "keys=1,expires=0,avg_ttl=0"
    assert ks["db2"].startswith("keys=2,expires=1,avg_ttl=")


# --------------------------------------------------------------------------
# MOVE between databases
# --------------------------------------------------------------------------

def test_move_between_dbs_round_trip(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("MOVE", "k", 9) == 1
    assert r.execute_command("EXISTS", "k") == 0
    r.execute_command("SELECT", 9)
    assert r.execute_command("GET", "k") == b"v"
    assert r.execute_command("MOVE", "k", 0) == 1
    assert r.execute_command("DBSIZE") == 0
    r.execute_command("SELECT", 0)
    assert r.execute_command("GET", "k") == b"v"


def test_move_keeps_ttl(r):
    r.execute_command("SET", "k", "v", "EX", 100)
    r.execute_command("MOVE", "k", 1)
    r.execute_command("SELECT", 1)
    assert 98 <= r.execute_command("TTL", "k") <= 100


def test_move_existing_destination_is_zero(r):
    r.execute_command("SELECT", 1)
    r.execute_command("SET", "k", "db1")
    r.execute_command("SELECT", 0)
    r.execute_command("SET", "k", "db0")
    assert r.execute_command("MOVE", "k", 1) == 0
    assert r.execute_command("GET", "k") == b"db0"

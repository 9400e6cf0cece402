"""Server commands: COMMAND (COUNT INFO DOCS LIST GETKEYS), INFO, TIME, CONFIG
GET/SET, DEBUG, unknown-command and arity errors."""

import re
import resource
import time

import pytest

from helpers import SYNTAX, TARGET, err, parse_info, wrong_args

DEBUG_REFUSED = (
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
    "you can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.")


# Redis lowers maxclients from its default of 10000 when it cannot raise the
# open-files limit to maxclients + 32.
_hard_nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
needs_fd_limit = pytest.mark.skipif(
    _hard_nofile != resource.RLIM_INFINITY and _hard_nofile < 10032,
    reason="open-files hard limit too low for the default maxclients")


def config_value(r, name):
    return r.execute_command("CONFIG", "GET", name)[1]


@pytest.fixture(scope="module")
def debug_server(server_factory):
    return server_factory("--enable-debug-command", "yes", name="debug")


# --------------------------------------------------------------------------
# COMMAND
# --------------------------------------------------------------------------

# name, arity, flags, first key, last key, step, ACL categories (Redis 7.0)
COMMAND_TABLE = [
    ('get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast']),
    ('set', -3, ['write', 'denyoom'], 1, 1, 1, ['@write', '@string', '@slow']),
    ('setnx', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('setex', 4, ['write', 'denyoom'], 1, 1, 1, ['@write', '@string', '@slow']),
    ('psetex', 4, ['write', 'denyoom'], 1, 1, 1, ['@write', '@string', '@slow']),
    ('mget', -2, ['readonly', 'fast'], 1, -1, 1, ['@read', '@string', '@fast']),
    ('mset', -3, ['write', 'denyoom'], 1, -1, 2, ['@write', '@string', '@slow']),
    ('msetnx', -3, ['write', 'denyoom'], 1, -1, 2, ['@write', '@string', '@slow']),
    ('getset', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('getdel', 2, ['write', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('getex', -2, ['write', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('append', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('strlen', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast']),
    ('incr', 2, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('decr', 2, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('incrby', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('decrby', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('incrbyfloat', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, ['@write', '@string', '@fast']),
    ('getrange', 4, ['readonly'], 1, 1, 1, ['@read', '@string', '@slow']),
    ('setrange', 4, ['write', 'denyoom'], 1, 1, 1, ['@write', '@string', '@slow']),
    ('substr', 4, ['readonly'], 1, 1, 1, ['@read', '@string', '@slow']),
    ('lcs', -3, ['readonly'], 1, 2, 1, ['@read', '@string', '@slow']),
    ('del', -2, ['write'], 1, -1, 1, ['@keyspace', '@write', '@slow']),
    ('unlink', -2, ['write', 'fast'], 1, -1, 1, ['@keyspace', '@write', '@fast']),
    ('exists', -2, ['readonly', 'fast'], 1, -1, 1, ['@keyspace', '@read', '@fast']),
    ('type', 2, ['readonly', 'fast'], 1, 1, 1, ['@keyspace', '@read', '@fast']),
    ('keys', 2, ['readonly'], 0, 0, 0, ['@keyspace', '@read', '@slow', '@dangerous']),
    ('scan', -2, ['readonly'], 0, 0, 0, ['@keyspace', '@read', '@slow']),
    ('randomkey', 1, ['readonly'], 0, 0, 0, ['@keyspace', '@read', '@slow']),
    ('rename', 3, ['write'], 1, 2, 1, ['@keyspace', '@write', '@slow']),
    ('renamenx', 3, ['write', 'fast'], 1, 2, 1, ['@keyspace', '@write', '@fast']),
    ('copy', -3, ['write', 'denyoom'], 1, 2, 1, ['@keyspace', '@write', '@slow']),
    ('move', 3, ['write', 'fast'], 1, 1, 1, ['@keyspace', '@write', '@fast']),
    ('touch', -2, ['readonly', 'fast'], 1, -1, 1, ['@keyspace', '@read', '@fast']),
    ('expire', -3, ['write', 'fast'], 1, 1, 1, ['@keyspace', '@write', '@fast']),
    ('pexpire', -3, ['write', 'fast'], 1, 1, 1, ['@keyspace', '@write', '@fast']),
    ('expireat', -3, ['write', 'fast'], 1, 1, 1, ['@keyspace', '@write', '@fast']),
    ('pexpireat', -3, ['write', 'fast'], 1, 1, 1, ['@keyspace', '@write', '@fast']),
    ('ttl', 2, ['readonly', 'fast'], 1, 1, 1, ['@keyspace', '@read', '@fast']),
    ('pttl', 2, ['readonly', 'fast'], 1, 1, 1, ['@keyspace', '@read', '@fast']),
    ('expiretime', 2, ['readonly', 'fast'], 1, 1, 1, ['@keyspace', '@read', '@fast']),
    ('pexpiretime', 2, ['readonly', 'fast'], 1, 1, 1, ['@keyspace', '@read', '@fast']),
    ('persist', 2, ['write', 'fast'], 1, 1, 1, ['@keyspace', '@write', '@fast']),
    ('select', 2, ['loading', 'stale', 'fast'], 0, 0, 0, ['@fast', '@connection']),
    ('dbsize', 1, ['readonly', 'fast'], 0, 0, 0, ['@keyspace', '@read', '@fast']),
    ('flushdb', -1, ['write'], 0, 0, 0, ['@keyspace', '@write', '@slow', '@dangerous']),
    ('flushall', -1, ['write'], 0, 0, 0, ['@keyspace', '@write', '@slow', '@dangerous']),
    ('swapdb', 3, ['write', 'fast'], 0, 0, 0, ['@keyspace', '@write', '@fast', '@dangerous']),
    ('ping', -1, ['fast'], 0, 0, 0, ['@fast', '@connection']),
    ('echo', 2, ['loading', 'stale', 'fast'], 0, 0, 0, ['@fast', '@connection']),
    ('hello', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 0, 0, 0, ['@fast', '@connection']),
    ('quit', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 0, 0, 0, ['@fast', '@connection']),
    ('reset', 1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 0, 0, 0, ['@fast', '@connection']),
    ('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], 0, 0, 0, ['@fast', '@connection']),
    ('info', -1, ['loading', 'stale'], 0, 0, 0, ['@slow', '@dangerous']),
    ('time', 1, ['loading', 'stale', 'fast'], 0, 0, 0, ['@fast']),
    ('object', -2, [], 0, 0, 0, ['@slow']),
    ('client', -2, [], 0, 0, 0, ['@slow']),
    ('command', -1, ['loading', 'stale'], 0, 0, 0, ['@slow', '@connection']),
    ('config', -2, [], 0, 0, 0, ['@slow']),
    ('debug', -2, ['admin', 'noscript', 'loading', 'stale'], 0, 0, 0, ['@admin', '@slow', '@dangerous']),
]


@pytest.mark.parametrize("name,arity,flags,first,last,step,categories", COMMAND_TABLE,
                         ids=[row[0] for row in COMMAND_TABLE])
def test_command_info_entry(r, name, arity, flags, first, last, step, categories):
    [entry] = r.execute_command("COMMAND", "INFO", name)
    assert len(entry) == 10
    assert entry[0] == name.encode()
    assert entry[1] == arity
    assert entry[2] == [f.encode() for f in flags]
    assert entry[3:6] == [first, last, step]
    assert entry[6] == [c.encode() for c in categories]


def test_command_info_get_full_entry(r):
    assert r.execute_command("COMMAND", "INFO", "get") == [[
        b"get", 2, [b"readonly", b"fast"], 1, 1, 1, [b"@read", b"@string", b"@fast"], [],
        [[b"flags", [b"RO", b"access"],
          b"begin_search", [b"type", b"index", b"spec", [b"index", 1]],
          b"find_keys", [b"type", b"range", b"spec", [b"lastkey", 0, b"keystep", 1, b"limit", 0]]]],
        []]]


def test_command_info_mset_key_spec(r):
    [entry] = r.execute_command("COMMAND", "INFO", "mset")
    assert entry[7] == [b"request_policy:multi_shard", b"response_policy:all_succeeded"]
    assert entry[8] == [[b"flags", [b"OW", b"update"],
                         b"begin_search", [b"type", b"index", b"spec", [b"index", 1]],
                         b"find_keys", [b"type", b"range", b"spec",
                                        [b"lastkey", -1, b"keystep", 2, b"limit", 0]]]]


def test_command_info_is_case_insensitive(r):
    assert r.execute_command("COMMAND", "INFO", "GET") == r.execute_command("COMMAND", "INFO", "get")


def test_command_info_unknown_and_multiple(r):
    reply = r.execute_command("COMMAND", "INFO", "get", "nosuchcommand", "set")
    assert [e and e[0] for e in reply] == [b"get", None, b"set"]
    assert r.execute_command("COMMAND", "INFO", "nosuchcommand") == [None]


def test_command_info_container_lists_subcommands(r):
    [entry] = r.execute_command("COMMAND", "INFO", "object")
    subs = {s[0] for s in entry[9]}
    assert {b"object|encoding", b"object|refcount", b"object|idletime", b"object|freq",
            b"object|help"} == subs
    enc = [s for s in entry[9] if s[0] == b"object|encoding"][0]
    assert enc[1:6] == [3, [b"readonly"], 2, 2, 1]


def test_command_info_subcommand_by_name(r):
    [entry] = r.execute_command("COMMAND", "INFO", "config|get")
    assert entry[0] == b"config|get"
    assert entry[1] == -3


def test_command_without_arguments_lists_all_commands(r):
    reply = r.execute_command("COMMAND")
    names = {e[0] for e in reply}
    assert {b"get", b"set", b"command", b"client", b"config"} <= names
    assert r.execute_command("COMMAND", "COUNT") == len(reply)


def test_command_count(r):
    count = r.execute_command("COMMAND", "COUNT")
    assert isinstance(count, int) and count >= len(COMMAND_TABLE)


def test_command_list_includes_subcommands(r):
    names = r.execute_command("COMMAND", "LIST")
    assert {b"get", b"set", b"config", b"config|get", b"client|list"} <= set(names)
    top = {n for n in names if b"|" not in n}
    assert top == {e[0] for e in r.execute_command("COMMAND")}


def test_command_list_filterby_pattern(r):
    names = r.execute_command("COMMAND", "LIST", "FILTERBY", "PATTERN", "get*")
    assert {b"get", b"getdel", b"getex", b"getrange", b"getset"} <= set(names)
    assert all(n.startswith(b"get") for n in names)
    assert r.execute_command("COMMAND", "LIST", "FILTERBY", "PATTERN", "xyz*") == []


def test_command_list_filterby_aclcat(r):
    names = set(r.execute_command("COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"))
    assert {b"get", b"set", b"append", b"incrbyfloat", b"lcs", b"substr"} <= names
    assert b"del" not in names


@pytest.mark.parametrize("args", [["FILTERBY", "FOO", "bar"], ["FILTERBY", "PATTERN"],
                                  ["FILTERBY", "PATTERN", "get*", "extra"], ["FOO"]], ids="-".join)
def test_command_list_syntax_errors(r, args):
    assert err(r, "COMMAND", "LIST", *args) == SYNTAX


def test_command_docs_get(r):
    reply = r.execute_command("COMMAND", "DOCS", "get")
    assert reply[0] == b"get"
    doc = dict(zip(reply[1][0::2], reply[1][1::2]))
    assert doc[b"summary"] == b"Get the value of a key"
    assert doc[b"since"] == b"1.0.0"
    assert doc[b"group"] == b"string"
    assert doc[b"complexity"] == b"O(1)"
    assert doc[b"arguments"] == [[b"name", b"key", b"type", b"key", b"key_spec_index", 0]]


def test_command_docs_multiple_and_unknown(r):
    reply = r.execute_command("COMMAND", "DOCS", "get", "nosuchcommand", "set")
    assert reply[0::2] == [b"get", b"set"]
    assert r.execute_command("COMMAND", "DOCS", "nosuchcommand") == []


def test_command_docs_set_has_history(r):
    reply = r.execute_command("COMMAND", "DOCS", "set")
    doc = dict(zip(reply[1][0::2], reply[1][1::2]))
    assert doc[b"group"] == b"string"
    assert [b"7.0.0", b"Allowed the `NX` and `GET` options to be used together."] in doc[b"history"]


@pytest.mark.parametrize("args,keys", [
    (["SET", "a", "b"], [b"a"]),
    (["GET", "k"], [b"k"]),
    (["MSET", "a", "1", "b", "2"], [b"a", b"b"]),
    (["MGET", "a", "b", "c"], [b"a", b"b", b"c"]),
    (["DEL", "a", "b", "c"], [b"a", b"b", b"c"]),
    (["COPY", "a", "b"], [b"a", b"b"]),
    (["LCS", "a", "b"], [b"a", b"b"]),
    (["RENAME", "a", "b"], [b"a", b"b"]),
    (["EXPIRE", "k", "10"], [b"k"]),
    (["set", "lower", "v"], [b"lower"]),
])
def test_command_getkeys(r, args, keys):
    assert r.execute_command("COMMAND", "GETKEYS", *args) == keys


def test_command_getkeys_errors(r):
    assert err(r, "COMMAND", "GETKEYS", "GET", "a", "b") == \
        "ERR Invalid number of arguments specified for command"
    assert err(r, "COMMAND", "GETKEYS", "SET", "a") == \
        "ERR Invalid number of arguments specified for command"
    assert err(r, "COMMAND", "GETKEYS", "PING", "a") == "ERR The command has no key arguments"
    assert err(r, "COMMAND", "GETKEYS", "nosuch", "a") == "ERR Invalid command specified"
    assert err(r, "COMMAND", "GETKEYS", "GET") == wrong_args("command|getkeys")


def test_command_errors(r):
    assert err(r, "COMMAND", "foo") == "ERR unknown subcommand 'foo'. Try COMMAND HELP."
    assert err(r, "COMMAND", "COUNT", "x") == wrong_args("command|count")


# --------------------------------------------------------------------------
# INFO
# --------------------------------------------------------------------------

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                    "Modules", "Errorstats", "Cluster", "Keyspace"]
ALL_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                "Modules", "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"]
if TARGET != "redis":
    # AiKv's own section: the storage engine (docs/storage.md).
    for _names in (DEFAULT_SECTIONS, ALL_SECTIONS):
        _names.insert(_names.index("Keyspace"), "Storage")


def section_names(text):
    return [line[2:] for line in text.decode().split("\r\n") if line.startswith("# ")]


def test_info_default_sections(r):
    text = r.execute_command("INFO")
    assert section_names(text) == DEFAULT_SECTIONS
    assert r.execute_command("INFO", "default").startswith(b"# Server\r\n")
    assert section_names(r.execute_command("INFO", "default")) == DEFAULT_SECTIONS


@pytest.mark.parametrize("arg", ["all", "everything"])
def test_info_all_sections(r, arg):
    assert section_names(r.execute_command("INFO", arg)) == ALL_SECTIONS


def test_info_format(r):
    text = r.execute_command("INFO").decode()
    assert text.startswith("# Server\r\n")
    assert "\r\n\r\n# Clients\r\n" in text
    for line in text.split("\r\n"):
        assert line == "" or line.startswith("# ") or re.match(r"^[a-zA-Z0-9_]+:", line), line


def test_info_server_fields(r, server):
    s = parse_info(r.execute_command("INFO", "server"))["Server"]
    assert s["redis_version"] == "7.0.15"
    assert s["redis_mode"] == "standalone"
    assert s["tcp_port"] == str(server.port)
    assert s["arch_bits"] in ("32", "64")
    assert int(s["uptime_in_seconds"]) >= 0
    assert int(s["process_id"]) > 0
    assert re.fullmatch(r"[0-9a-f]{40}", s["run_id"])


def test_info_clients_and_memory(r):
    info = parse_info(r.execute_command("INFO"))
    assert int(info["Clients"]["connected_clients"]) >= 1
    assert info["Clients"]["maxclients"].encode() == config_value(r, "maxclients")
    assert int(info["Memory"]["used_memory"]) > 0
    assert "used_memory_human" in info["Memory"]
    assert "loading" in info["Persistence"]
    assert info["Replication"]["role"] == "master"
    assert float(info["CPU"]["used_cpu_sys"]) >= 0
    assert float(info["CPU"]["used_cpu_user"]) >= 0


def test_info_stats_total_commands_processed_grows(r):
    def processed():
        return int(parse_info(r.execute_command("INFO", "stats"))["Stats"]["total_commands_processed"])
    before = processed()
    for _ in range(5):
        r.execute_command("PING")
    assert processed() >= before + 5


def test_info_stats_keyspace_hits_and_misses(r):
    def stats():
        s = parse_info(r.execute_command("INFO", "stats"))["Stats"]
        return int(s["keyspace_hits"]), int(s["keyspace_misses"])
    r.execute_command("SET", "k", "v")
    h0, m0 = stats()
    r.execute_command("GET", "k")
    r.execute_command("GET", "k")
    r.execute_command("GET", "nosuch")
    h1, m1 = stats()
    assert (h1 - h0, m1 - m0) == (2, 1)


def test_info_keyspace(r):
    r.execute_command("MSET", "a", 1, "b", 2, "c", 3)
    r.execute_command("EXPIRE", "c", 1000)
    text = r.execute_command("INFO", "keyspace").decode()
    m = re.search(r"^db0:keys=3,expires=1,avg_ttl=(\d+)\r$", text, re.M)
    assert m, text
    assert 0 <= int(m.group(1)) <= 1000000


def test_info_keyspace_empty(r):
    assert r.execute_command("INFO", "keyspace") == b"# Keyspace\r\n"


def test_info_commandstats(r):
    def get_calls():
        text = r.execute_command("INFO", "commandstats").decode()
        m = re.search(r"^cmdstat_get:calls=(\d+),usec=(\d+),usec_per_call=([\d.]+),"
                      r"rejected_calls=(\d+),failed_calls=(\d+)\r$", text, re.M)
        return int(m.group(1)) if m else 0
    before = get_calls()
    for _ in range(3):
        r.execute_command("GET", "k")
    assert get_calls() == before + 3


def test_info_commandstats_names_subcommands(r):
    r.execute_command("CONFIG", "GET", "port")
    text = r.execute_command("INFO", "commandstats").decode()
    assert text.startswith("# Commandstats\r\n")
    assert "\r\ncmdstat_config|get:calls=" in text


def test_info_errorstats(r):
    def count(code):
        text = r.execute_command("INFO", "errorstats").decode()
        m = re.search(r"^errorstat_%s:count=(\d+)\r$" % code, text, re.M)
        return int(m.group(1)) if m else 0
    before = count("ERR")
    err(r, "SET", "k", "v", "NX", "XX")
    err(r, "NOSUCHCOMMAND")
    assert count("ERR") == before + 2
    noproto = count("NOPROTO")
    err(r, "HELLO", "9")
    assert count("NOPROTO") == noproto + 1


def test_info_multiple_sections(r):
    assert section_names(r.execute_command("INFO", "server", "clients")) == ["Server", "Clients"]
    assert section_names(r.execute_command("INFO", "keyspace", "server")) == ["Server", "Keyspace"]


def test_info_section_is_case_insensitive(r):
    assert section_names(r.execute_command("INFO", "SeRvEr")) == ["Server"]


def test_info_unknown_section_is_empty(r):
    assert r.execute_command("INFO", "nosuchsection") == b""


# --------------------------------------------------------------------------
# TIME
# --------------------------------------------------------------------------

def test_time(r):
    before = time.time()
    sec, usec = r.execute_command("TIME")
    after = time.time()
    assert isinstance(sec, bytes) and isinstance(usec, bytes)
    assert 0 <= int(usec) < 1000000
    t = int(sec) + int(usec) / 1e6
    assert before - 1 <= t <= after + 1


def test_time_arity(r):
    assert err(r, "TIME", "x") == wrong_args("time")


# --------------------------------------------------------------------------
# CONFIG
# --------------------------------------------------------------------------

def test_config_get_port(r, server):
    assert r.execute_command("CONFIG", "GET", "port") == [b"port", str(server.port).encode()]


@pytest.mark.parametrize("name,value", [
    pytest.param("maxclients", b"10000", marks=needs_fd_limit),
    ("databases", b"16"), ("timeout", b"0"),
    ("bind", b"127.0.0.1"), ("proto-max-bulk-len", b"536870912"),
    ("client-query-buffer-limit", b"1073741824"), ("requirepass", b""),
    ("enable-debug-command", b"no"),
])
def test_config_get_defaults(r, name, value):
    assert r.execute_command("CONFIG", "GET", name) == [name.encode(), value]


def test_config_get_is_case_insensitive_and_echoes_the_name(r):
    # an exact (non-glob) name is echoed back as given
    assert r.execute_command("CONFIG", "GET", "TIMEOUT") == [b"TIMEOUT", b"0"]
    assert r.execute_command("CONFIG", "GET", "TimeOu*") == [b"timeout", b"0"]


def test_config_get_glob(r):
    reply = r.execute_command("CONFIG", "GET", "max*")
    names = reply[0::2]
    assert b"maxclients" in names
    assert all(n.startswith(b"max") for n in names)
    assert dict(zip(names, reply[1::2]))[b"maxclients"] == config_value(r, "maxclients")


def test_config_get_glob_question_mark(r):
    reply = r.execute_command("CONFIG", "GET", "tim?out")
    assert reply == [b"timeout", b"0"]


def test_config_get_multiple_parameters(r, server):
    reply = r.execute_command("CONFIG", "GET", "port", "timeout")
    assert dict(zip(reply[0::2], reply[1::2])) == {b"port": str(server.port).encode(),
                                                   b"timeout": b"0"}


def test_config_get_unknown_is_empty(r):
    assert r.execute_command("CONFIG", "GET", "nosuchparameter") == []


def test_config_get_arity(r):
    assert err(r, "CONFIG", "GET") == wrong_args("config|get")


def test_config_set_timeout(r):
    try:
        assert r.execute_command("CONFIG", "SET", "timeout", 30) == b"OK"
        assert r.execute_command("CONFIG", "GET", "timeout") == [b"timeout", b"30"]
    finally:
        r.execute_command("CONFIG", "SET", "timeout", 0)
    assert r.execute_command("CONFIG", "GET", "timeout") == [b"timeout", b"0"]


def test_config_set_maxclients(r):
    old = config_value(r, "maxclients")
    try:
        assert r.execute_command("CONFIG", "SET", "maxclients", 500) == b"OK"
        assert r.execute_command("CONFIG", "GET", "maxclients") == [b"maxclients", b"500"]
        assert parse_info(r.execute_command("INFO", "clients"))["Clients"]["maxclients"] == "500"
    finally:
        r.execute_command("CONFIG", "SET", "maxclients", old)


def test_config_set_multiple_parameters(r):
    old = config_value(r, "maxclients")
    try:
        assert r.execute_command("CONFIG", "SET", "timeout", 40, "maxclients", 600) == b"OK"
        reply = r.execute_command("CONFIG", "GET", "timeout", "maxclients")
        assert dict(zip(reply[0::2], reply[1::2])) == {b"timeout": b"40", b"maxclients": b"600"}
    finally:
        r.execute_command("CONFIG", "SET", "timeout", 0, "maxclients", old)


def test_config_set_unknown_parameter(r):
    assert err(r, "CONFIG", "SET", "nosuch", "1") == \
        "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"


def test_config_set_invalid_value(r):
    assert err(r, "CONFIG", "SET", "timeout", "abc") == (
        "ERR CONFIG SET failed (possibly related to argument 'timeout') - "
        "argument couldn't be parsed into an integer")
    assert r.execute_command("CONFIG", "GET", "timeout") == [b"timeout", b"0"]


def test_config_set_immutable(r):
    assert err(r, "CONFIG", "SET", "databases", "4") == (
        "ERR CONFIG SET failed (possibly related to argument 'databases') - "
        "can't set immutable config")


def test_config_set_duplicate(r):
    assert err(r, "CONFIG", "SET", "timeout", "1", "timeout", "2") == (
        "ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter")
    assert r.execute_command("CONFIG", "GET", "timeout") == [b"timeout", b"0"]


def test_config_set_arity(r):
    assert err(r, "CONFIG", "SET", "timeout") == wrong_args("config|set")


def test_config_unknown_subcommand(r):
    assert err(r, "CONFIG", "foo") == "ERR unknown subcommand 'foo'. Try CONFIG HELP."


# --------------------------------------------------------------------------
# DEBUG
# --------------------------------------------------------------------------

def test_debug_refused_by_default(r):
    assert err(r, "DEBUG", "SLEEP", "0") == DEBUG_REFUSED


def test_debug_sleep_when_enabled(debug_server):
    c = debug_server.client()
    try:
        assert c.execute_command("CONFIG", "GET", "enable-debug-command") == \
            [b"enable-debug-command", b"yes"]
        assert c.execute_command("DEBUG", "SLEEP", "0") == b"OK"
        t0 = time.monotonic()
        assert c.execute_command("DEBUG", "SLEEP", "0.1") == b"OK"
        assert time.monotonic() - t0 >= 0.09
        assert err(c, "DEBUG", "foo") == \
            "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP."
        assert err(c, "DEBUG") == wrong_args("debug")
    finally:
        c.connection_pool.disconnect()


# --------------------------------------------------------------------------
# Unknown commands and arity
# --------------------------------------------------------------------------

@pytest.mark.parametrize("args,expected", [
    (["foo", "a", "b"], "ERR unknown command 'foo', with args beginning with: 'a' 'b' "),
    (["foo"], "ERR unknown command 'foo', with args beginning with: "),
    (["FOO", "a"], "ERR unknown command 'FOO', with args beginning with: 'a' "),
    (["foo", "a", "b", "c", "d", "e", "f", "g"],
     "ERR unknown command 'foo', with args beginning with: 'a' 'b' 'c' 'd' 'e' 'f' 'g' "),
    (["foo", "a" * 101, "b" * 57, "c" * 22],
     "ERR unknown command 'foo', with args beginning with: '" + "a" * 101 + "' '" + "b" * 24 + "' "),
    (["x" * 200, "a"],
     "ERR unknown command '" + "x" * 128 + "', with args beginning with: 'a' "),
], ids=["two-args", "no-args", "case-kept", "many-args", "long-args", "long-name"])
def test_unknown_command(r, args, expected):
    assert err(r, *args) == expected


def test_unknown_command_does_not_break_connection(r):
    err(r, "nosuchcommand")
    assert r.execute_command("PING") == b"PONG"


@pytest.mark.parametrize("args", [
    ["GET"], ["GET", "a", "b"], ["SET", "k"], ["MGET"], ["INCR"], ["INCRBY", "k"], ["EXPIRE", "k"],
    ["TTL"], ["KEYS"], ["SCAN"], ["RENAME", "a"], ["STRLEN"], ["APPEND", "k"],
    ["GETRANGE", "k", "0"], ["SETRANGE", "k", "0"], ["LCS", "k"], ["GETDEL"], ["TYPE"],
    ["SETNX", "k"], ["PSETEX", "k", "10"], ["GETSET", "k"], ["PERSIST"], ["RANDOMKEY", "x"],
    ["SWAPDB", "0"], ["MOVE", "k"], ["ECHO"], ["INCRBYFLOAT", "k"], ["DECRBY", "k"],
], ids=lambda a: "-".join(a))
def test_wrong_number_of_arguments(r, args):
    assert err(r, *args) == wrong_args(args[0].lower())


def test_arity_error_uses_lowercase_command_name(r):
    assert err(r, "gEt") == wrong_args("get")

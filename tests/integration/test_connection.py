"""Connection commands: PING ECHO HELLO QUIT RESET AUTH and CLIENT *."""

import time

import pytest

from helpers import (
    SYNTAX, Map, err, parse_client_line, parse_client_list, parse_info, wait_for,
    wrong_args)

NAME_ERROR = "ERR Client names cannot contain spaces, newlines or special characters."
NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
HELLO_KEYS = [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]


@pytest.fixture(scope="module")
def auth_server(server_factory):
    return server_factory("--requirepass", "secret", name="requirepass")


def client_addr(conn):
    """The ip:port of a RespConn as the server sees it."""
    host, port = conn.sock.getsockname()[:2]
    return "%s:%d" % (host, port)


def redis_version(r):
    return parse_info(r.execute_command("INFO", "server"))["Server"]["redis_version"].encode()


# --------------------------------------------------------------------------
# PING ECHO
# --------------------------------------------------------------------------

def test_ping_replies_pong_status(raw):
    raw.send_command("PING")
    assert raw.read_raw() == b"+PONG\r\n"


def test_ping_with_argument_echoes_bulk(raw):
    raw.send_command("PING", "hello")
    assert raw.read_raw() == b"$5\r\nhello\r\n"


def test_ping_with_empty_argument(raw):
    raw.send_command("PING", "")
    assert raw.read_raw() == b"$0\r\n\r\n"


def test_ping_too_many_arguments(r):
    assert err(r, "PING", "a", "b") == wrong_args("ping")


def test_echo(r):
    assert r.execute_command("ECHO", "hi") == b"hi"
    assert r.execute_command("ECHO", "") == b""
    assert r.execute_command("ECHO", b"\x00\r\n\xff") == b"\x00\r\n\xff"


def test_echo_arity(r):
    assert err(r, "ECHO") == wrong_args("echo")
    assert err(r, "ECHO", "a", "b") == wrong_args("echo")


# --------------------------------------------------------------------------
# HELLO
# --------------------------------------------------------------------------

def test_hello_without_arguments_returns_resp2_info(r):
    reply = r.execute_command("HELLO")
    assert reply[0::2] == HELLO_KEYS
    fields = dict(zip(reply[0::2], reply[1::2]))
    assert fields[b"proto"] == 2
    assert fields[b"id"] == r.execute_command("CLIENT", "ID")
    assert fields[b"version"] == redis_version(r)
    assert fields[b"mode"] == b"standalone"
    assert fields[b"role"] == b"master"
    assert fields[b"modules"] == []
    assert isinstance(fields[b"server"], bytes) and fields[b"server"]


def test_hello_2_returns_array(raw):
    reply = raw.cmd("HELLO", "2")
    assert isinstance(reply, list)
    assert dict(zip(reply[0::2], reply[1::2]))[b"proto"] == 2


def test_hello_3_returns_map_and_switches_protocol(raw):
    raw.send_command("HELLO", "3")
    data = raw.read_raw()
    assert data.startswith(b"%7\r\n")
    reply = raw.cmd("HELLO")  # now a map too
    assert isinstance(reply, Map)
    assert list(reply) == HELLO_KEYS
    assert reply[b"proto"] == 3
    assert reply[b"id"] == raw.cmd("CLIENT", "ID")
    assert reply[b"modules"] == []
    raw.send_command("GET", "nosuch")
    assert raw.read_raw() == b"_\r\n"


def test_hello_2_switches_back_from_resp3(raw):
    raw.cmd("HELLO", "3")
    raw.send_command("GET", "nosuch")
    assert raw.read_raw() == b"_\r\n"
    raw.cmd("HELLO", "2")
    raw.send_command("GET", "nosuch")
    assert raw.read_raw() == b"$-1\r\n"


@pytest.mark.parametrize("version", ["1", "4", "0", "-1", "100"])
def test_hello_unsupported_protocol(r, version):
    assert err(r, "HELLO", version) == "NOPROTO unsupported protocol version"


@pytest.mark.parametrize("version", ["abc", "3.0", "", "99999999999999999999"])
def test_hello_non_integer_protocol(r, version):
    assert err(r, "HELLO", version) == "ERR Protocol version is not an integer or out of range"


def test_hello_setname(r):
    reply = r.execute_command("HELLO", "2", "SETNAME", "myconn")
    assert reply[0::2] == HELLO_KEYS
    assert r.execute_command("CLIENT", "GETNAME") == b"myconn"


def test_hello_setname_last_one_wins(r):
    r.execute_command("HELLO", "2", "SETNAME", "x", "SETNAME", "y")
    assert r.execute_command("CLIENT", "GETNAME") == b"y"


def test_hello_invalid_name_changes_nothing(raw):
    assert raw.cmd("HELLO", "3", "SETNAME", "a b") == NAME_ERROR
    raw.send_command("GET", "nosuch")
    assert raw.read_raw() == b"$-1\r\n"
    assert raw.cmd("CLIENT", "GETNAME") is None


@pytest.mark.parametrize("args,option", [
    (["AUTH", "default"], "AUTH"),
    (["auth"], "auth"),
    (["SETNAME"], "SETNAME"),
    (["FOO"], "FOO"),
    (["foo"], "foo"),
    (["SETNAME", "x", "BAR"], "BAR"),
])
def test_hello_option_syntax_errors_echo_the_option(r, args, option):
    assert err(r, "HELLO", "2", *args) == "ERR Syntax error in HELLO option '%s'" % option


def test_hello_auth_without_configured_password_accepts_default_user(r):
    # the default user has "nopass": any password is accepted
    reply = r.execute_command("HELLO", "2", "AUTH", "default", "whatever")
    assert reply[0::2] == HELLO_KEYS


def test_hello_requires_auth_on_protected_server(auth_server):
    with auth_server.raw() as c:
        assert c.cmd("HELLO", "3") == (
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time")
        assert c.cmd("HELLO", "2", "AUTH", "default", "bad") == WRONGPASS
        assert c.cmd("GET", "k") == NOAUTH


def test_hello_auth_authenticates(auth_server):
    with auth_server.raw() as c:
        reply = c.cmd("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "authed")
        assert isinstance(reply, Map) and reply[b"proto"] == 3
        c.send_command("GET", "nosuch")
        assert c.read_raw() == b"_\r\n"
        assert c.cmd("CLIENT", "GETNAME") == b"authed"


# --------------------------------------------------------------------------
# QUIT RESET
# --------------------------------------------------------------------------

def test_quit_replies_ok_and_closes(raw):
    raw.send_command("QUIT")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.is_closed(2)


def test_quit_ignores_arguments(raw):
    assert raw.cmd("QUIT", "extra") == b"OK"
    assert raw.is_closed(2)


def test_quit_after_pipelined_commands(raw):
    raw.send(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n*1\r\n$4\r\nQUIT\r\n")
    assert raw.read_until_closed() == b"+PONG\r\n$1\r\nx\r\n+OK\r\n"


def test_reset_replies_reset_status(raw):
    raw.send_command("RESET")
    assert raw.read_raw() == b"+RESET\r\n"


def test_reset_restores_connection_defaults(raw):
    raw.cmd("CLIENT", "SETNAME", "x")
    raw.cmd("SELECT", "3")
    raw.cmd("HELLO", "3")
    raw.send_command("RESET")
    assert raw.read_raw() == b"+RESET\r\n"
    raw.send_command("GET", "nosuch")
    assert raw.read_raw() == b"$-1\r\n"
    assert raw.cmd("CLIENT", "GETNAME") is None
    info = parse_client_line(raw.cmd("CLIENT", "INFO"))
    assert info["db"] == "0"
    assert info["resp"] == "2"
    assert info["name"] == ""


def test_reset_turns_replies_back_on(raw):
    raw.send_command("CLIENT", "REPLY", "OFF")
    raw.send_command("RESET")
    raw.send_command("PING")
    assert raw.read_raw() == b"+RESET\r\n"
    assert raw.read_raw() == b"+PONG\r\n"


def test_reset_arity(r):
    assert err(r, "RESET", "x") == wrong_args("reset")


def test_reset_deauthenticates(auth_server):
    with auth_server.raw() as c:
        assert c.cmd("AUTH", "secret") == b"OK"
        assert c.cmd("PING") == b"PONG"
        assert c.cmd("RESET") == b"RESET"
        assert c.cmd("PING") == NOAUTH


# --------------------------------------------------------------------------
# AUTH
# --------------------------------------------------------------------------

def test_auth_without_configured_password(r):
    assert err(r, "AUTH", "x") == (
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")


def test_auth_default_user_without_configured_password_is_ok(r):
    assert r.execute_command("AUTH", "default", "anything") == b"OK"


def test_auth_arity(r):
    assert err(r, "AUTH") == wrong_args("auth")
    assert err(r, "AUTH", "a", "b", "c") == SYNTAX


@pytest.mark.parametrize("cmd", [["GET", "k"], ["PING"], ["CLIENT", "ID"], ["SET", "k", "v"],
                                 ["SELECT", "1"], ["INFO"], ["CONFIG", "GET", "port"]])
def test_noauth_before_authentication(auth_server, cmd):
    with auth_server.raw() as c:
        assert c.cmd(*cmd) == NOAUTH


def test_noauth_for_inline_commands(auth_server):
    with auth_server.raw() as c:
        c.send(b"PING\r\n")
        assert c.read_reply() == NOAUTH


@pytest.mark.parametrize("args", [["bad"], ["default", "bad"], ["nosuchuser", "secret"]],
                         ids="-".join)
def test_auth_wrong_password(auth_server, args):
    with auth_server.raw() as c:
        assert c.cmd("AUTH", *args) == WRONGPASS
        assert c.cmd("GET", "k") == NOAUTH


@pytest.mark.parametrize("args", [["secret"], ["default", "secret"]], ids="-".join)
def test_auth_success(auth_server, args):
    with auth_server.raw() as c:
        assert c.cmd("AUTH", *args) == b"OK"
        assert c.cmd("SET", "k", "v") == b"OK"
        assert c.cmd("GET", "k") == b"v"
        assert c.cmd("DEL", "k") == 1


def test_commands_allowed_before_auth(auth_server):
    with auth_server.raw() as c:
        assert c.cmd("QUIT") == b"OK"
        assert c.is_closed(2)


def test_redis_py_client_with_password(auth_server):
    c = auth_server.client(password="secret")
    try:
        assert c.execute_command("PING") == b"PONG"
    finally:
        c.connection_pool.disconnect()


def test_unauthenticated_big_bulk_is_protocol_error(auth_server):
    with auth_server.raw() as c:
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n")
        assert c.read_until_closed() == b"-ERR Protocol error: unauthenticated bulk length\r\n"


def test_unauthenticated_many_arguments_is_protocol_error(auth_server):
    with auth_server.raw() as c:
        c.send(b"*100\r\n")
        assert c.read_until_closed() == b"-ERR Protocol error: unauthenticated multibulk length\r\n"


# --------------------------------------------------------------------------
# CLIENT ID GETNAME SETNAME
# --------------------------------------------------------------------------

def test_client_id_is_unique_and_increasing(r, new_client):
    a = r.execute_command("CLIENT", "ID")
    b = new_client().execute_command("CLIENT", "ID")
    c = new_client().execute_command("CLIENT", "ID")
    assert isinstance(a, int) and a > 0
    assert a < b < c
    assert r.execute_command("CLIENT", "ID") == a


def test_client_getname_default_is_nil(r):
    assert r.execute_command("CLIENT", "GETNAME") is None


def test_client_setname_and_getname(r):
    assert r.execute_command("CLIENT", "SETNAME", "worker-1") == b"OK"
    assert r.execute_command("CLIENT", "GETNAME") == b"worker-1"


def test_client_setname_empty_clears_name(r):
    r.execute_command("CLIENT", "SETNAME", "x")
    assert r.execute_command("CLIENT", "SETNAME", "") == b"OK"
    assert r.execute_command("CLIENT", "GETNAME") is None


def test_client_setname_accepts_printable_punctuation(r):
    assert r.execute_command("CLIENT", "SETNAME", "a~b!{}[]:@") == b"OK"
    assert r.execute_command("CLIENT", "GETNAME") == b"a~b!{}[]:@"


@pytest.mark.parametrize("name", [b"a b", b"a\nb", b"a\rb", b"a\tb", b"a\x01b", b"a\x7fb",
                                  b"\xc3\xa9", b" "], ids=repr)
def test_client_setname_rejects_special_characters(r, name):
    r.execute_command("CLIENT", "SETNAME", "before")
    assert err(r, "CLIENT", "SETNAME", name) == NAME_ERROR
    assert r.execute_command("CLIENT", "GETNAME") == b"before"


@pytest.mark.parametrize("args,cmd", [
    (["SETNAME"], "client|setname"),
    (["SETNAME", "a", "b"], "client|setname"),
    (["GETNAME", "x"], "client|getname"),
    (["ID", "x"], "client|id"),
    (["REPLY"], "client|reply"),
    (["NO-EVICT"], "client|no-evict"),
    ([], "client"),
])
def test_client_subcommand_arity(r, args, cmd):
    assert err(r, "CLIENT", *args) == wrong_args(cmd)


def test_client_unknown_subcommand(r):
    assert err(r, "CLIENT", "foo") == "ERR unknown subcommand 'foo'. Try CLIENT HELP."
    assert err(r, "CLIENT", "foo", "bar") == "ERR unknown subcommand 'foo'. Try CLIENT HELP."


def test_client_help(r):
    lines = r.execute_command("CLIENT", "HELP")
    assert lines[0] == b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert b"SETNAME <name>" in lines
    assert lines[-2:] == [b"HELP", b"    Prints this help."]


# --------------------------------------------------------------------------
# CLIENT LIST / INFO
# --------------------------------------------------------------------------

LIST_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
               "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "obl", "oll",
               "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"]


def test_client_list_fields(server, raw):
    raw.cmd("CLIENT", "SETNAME", "lister")
    raw.cmd("SELECT", "4")
    text = raw.cmd("CLIENT", "LIST")
    assert isinstance(text, bytes) and text.endswith(b"\n")
    mine = [c for c in parse_client_list(text) if c.get("name") == "lister"]
    assert len(mine) == 1
    fields = mine[0]
    keys = list(fields)
    for f in LIST_FIELDS:
        assert f in fields, "CLIENT LIST lacks %s" % f
    # the listed fields come in Redis's order
    assert [k for k in keys if k in LIST_FIELDS] == LIST_FIELDS
    assert int(fields["id"]) == raw.cmd("CLIENT", "ID")
    assert fields["addr"] == client_addr(raw)
    assert fields["laddr"] == "127.0.0.1:%d" % server.port
    assert fields["db"] == "4"
    assert fields["cmd"] == "client|list"
    assert fields["resp"] == "2"
    assert fields["flags"] == "N"
    assert fields["multi"] == "-1"
    assert fields["user"] == "default"
    assert int(fields["age"]) >= 0 and int(fields["idle"]) >= 0


def test_client_list_shows_every_connection(r, new_raw):
    conns = [new_raw() for _ in range(3)]
    ids = {c.cmd("CLIENT", "ID") for c in conns}
    listed = {int(c["id"]) for c in parse_client_list(r.execute_command("CLIENT", "LIST"))}
    assert ids | {r.execute_command("CLIENT", "ID")} <= listed


def test_client_list_resp3(raw):
    raw.cmd("HELLO", "3")
    mine = parse_client_line(raw.cmd("CLIENT", "INFO"))
    assert mine["resp"] == "3"
    # CLIENT LIST is a verbatim string in RESP3
    text = raw.cmd("CLIENT", "LIST")
    assert any(c["id"] == mine["id"] for c in parse_client_list(text))


def test_client_list_type_and_id_filters(r, new_client):
    other = new_client()
    other_id = other.execute_command("CLIENT", "ID")
    my_id = r.execute_command("CLIENT", "ID")
    normal = {int(c["id"]) for c in parse_client_list(r.execute_command("CLIENT", "LIST", "TYPE", "normal"))}
    assert {my_id, other_id} <= normal
    only = parse_client_list(r.execute_command("CLIENT", "LIST", "ID", other_id))
    assert [int(c["id"]) for c in only] == [other_id]
    both = parse_client_list(r.execute_command("CLIENT", "LIST", "ID", my_id, other_id, 999999))
    assert sorted(int(c["id"]) for c in both) == sorted([my_id, other_id])
    assert r.execute_command("CLIENT", "LIST", "ID", 999999) == b""
    assert r.execute_command("CLIENT", "LIST", "TYPE", "pubsub") == b""


def test_client_list_errors(r):
    assert err(r, "CLIENT", "LIST", "TYPE", "foo") == "ERR Unknown client type 'foo'"
    assert err(r, "CLIENT", "LIST", "ID", "abc") == "ERR Invalid client ID"
    assert err(r, "CLIENT", "LIST", "TYPE") == SYNTAX
    assert err(r, "CLIENT", "LIST", "ID") == SYNTAX
    assert err(r, "CLIENT", "LIST", "FOO") == SYNTAX


def test_client_info_is_own_line(raw):
    raw.cmd("CLIENT", "SETNAME", "me")
    text = raw.cmd("CLIENT", "INFO")
    assert text.endswith(b"\n") and text.count(b"\n") == 1
    info = parse_client_line(text)
    assert int(info["id"]) == raw.cmd("CLIENT", "ID")
    assert info["name"] == "me"
    assert info["cmd"] == "client|info"
    assert info["addr"] == client_addr(raw)


def test_client_list_cmd_shows_last_command(r, new_raw):
    other = new_raw()
    other.cmd("SET", "k", "v")
    oid = other.cmd("CLIENT", "ID")
    other.cmd("GET", "k")
    line = parse_client_list(r.execute_command("CLIENT", "LIST", "ID", oid))[0]
    assert line["cmd"] == "get"


def test_connected_clients_in_info(r, new_raw):
    def count():
        return int(parse_info(r.execute_command("INFO", "clients"))["Clients"]["connected_clients"])
    # earlier tests' connections may still be closing
    wait_for(lambda: count() == 1, timeout=5, what="only this test's client to be connected")
    conns = [new_raw() for _ in range(3)]
    for c in conns:
        c.cmd("PING")
    assert count() == 4
    for c in conns:
        c.close()
    wait_for(lambda: count() == 1, timeout=5, what="connected_clients to drop back to 1")


# --------------------------------------------------------------------------
# CLIENT KILL
# --------------------------------------------------------------------------

def test_client_kill_old_form_by_address(r, new_raw):
    victim = new_raw()
    victim.cmd("PING")
    assert r.execute_command("CLIENT", "KILL", client_addr(victim)) == b"OK"
    assert victim.is_closed(2)


def test_client_kill_old_form_unknown_address(r):
    assert err(r, "CLIENT", "KILL", "1.2.3.4:5") == "ERR No such client"
    assert err(r, "CLIENT", "KILL", "ADDR") == "ERR No such client"


def test_client_kill_old_form_kills_self(raw):
    assert raw.cmd("CLIENT", "KILL", client_addr(raw)) == b"OK"
    assert raw.is_closed(2)


def test_client_kill_by_id(r, new_raw):
    victim = new_raw()
    vid = victim.cmd("CLIENT", "ID")
    assert r.execute_command("CLIENT", "KILL", "ID", vid) == 1
    assert victim.is_closed(2)
    assert r.execute_command("CLIENT", "KILL", "ID", vid) == 0


def test_client_kill_by_addr(r, new_raw):
    victim = new_raw()
    victim.cmd("PING")
    assert r.execute_command("CLIENT", "KILL", "ADDR", client_addr(victim)) == 1
    assert victim.is_closed(2)
    assert r.execute_command("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0


def test_client_kill_skips_self_by_default(raw):
    my_id = raw.cmd("CLIENT", "ID")
    assert raw.cmd("CLIENT", "KILL", "ID", my_id) == 0
    assert raw.cmd("CLIENT", "KILL", "ADDR", client_addr(raw)) == 0
    assert raw.cmd("PING") == b"PONG"


def test_client_kill_skipme_no_kills_self(raw):
    my_id = raw.cmd("CLIENT", "ID")
    assert raw.cmd("CLIENT", "KILL", "ID", my_id, "SKIPME", "no") == 1
    assert raw.is_closed(2)


def test_client_kill_filters_combine(r, new_raw):
    victim = new_raw()
    vid = victim.cmd("CLIENT", "ID")
    assert r.execute_command("CLIENT", "KILL", "ID", vid, "ADDR", "1.2.3.4:5") == 0
    assert not victim.is_closed(0.1)
    assert r.execute_command("CLIENT", "KILL", "ID", vid, "ADDR", client_addr(victim)) == 1
    assert victim.is_closed(2)


def test_client_kill_errors(r):
    assert err(r, "CLIENT", "KILL", "ID", "abc") == "ERR client-id should be greater than 0"
    assert err(r, "CLIENT", "KILL", "ID", "0") == "ERR client-id should be greater than 0"
    assert err(r, "CLIENT", "KILL", "FOO", "bar") == SYNTAX
    assert err(r, "CLIENT", "KILL", "SKIPME", "maybe") == SYNTAX
    # a single argument is the old form: an address
    assert err(r, "CLIENT", "KILL", "ID") == "ERR No such client"
    assert err(r, "CLIENT", "KILL") == wrong_args("client|kill")


# --------------------------------------------------------------------------
# CLIENT REPLY NO-EVICT
# --------------------------------------------------------------------------

def test_client_reply_off_silences_until_on(raw):
    raw.send_command("CLIENT", "REPLY", "OFF")
    raw.send_command("SET", "a", "1")
    raw.send_command("GET", "a")
    raw.send_command("NOSUCHCOMMAND")
    raw.send_command("CLIENT", "REPLY", "ON")
    raw.send_command("GET", "a")
    assert raw.read_raw() == b"+OK\r\n"  # the reply of CLIENT REPLY ON
    assert raw.read_raw() == b"$1\r\n1\r\n"
    assert raw.read_available(0.1) == b""


def test_client_reply_skip_skips_next_command_only(raw):
    raw.cmd("SET", "a", "1")
    raw.send_command("CLIENT", "REPLY", "SKIP")
    raw.send_command("ECHO", "skipped")
    raw.send_command("ECHO", "seen")
    assert raw.read_raw() == b"$4\r\nseen\r\n"
    assert raw.read_available(0.1) == b""


def test_client_reply_skip_then_on(raw):
    raw.send_command("CLIENT", "REPLY", "SKIP")
    raw.send_command("CLIENT", "REPLY", "ON")
    raw.send_command("PING")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.read_raw() == b"+PONG\r\n"


def test_client_reply_on_replies_ok(raw):
    assert raw.cmd("CLIENT", "REPLY", "ON") == b"OK"


def test_client_reply_bad_argument(r):
    assert err(r, "CLIENT", "REPLY", "foo") == SYNTAX


@pytest.mark.parametrize("mode", ["on", "off", "ON", "OFF"])
def test_client_no_evict(r, mode):
    assert r.execute_command("CLIENT", "NO-EVICT", mode) == b"OK"


def test_client_no_evict_bad_argument(r):
    assert err(r, "CLIENT", "NO-EVICT", "maybe") == SYNTAX


# --------------------------------------------------------------------------
# Redis 7.2: CLIENT SETINFO, CLIENT NO-TOUCH (aikv only)
# --------------------------------------------------------------------------

@pytest.mark.aikv_only
def test_client_setinfo_shows_in_client_info(r):
    assert r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == b"OK"
    assert r.execute_command("CLIENT", "SETINFO", "lib-ver", "4.3.4") == b"OK"
    text = r.execute_command("CLIENT", "INFO").decode()
    assert "lib-name=redis-py lib-ver=4.3.4" in text


@pytest.mark.aikv_only
def test_client_setinfo_empty_clears(r):
    r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "x")
    assert r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "") == b"OK"
    assert parse_client_line(r.execute_command("CLIENT", "INFO"))["lib-name"] == ""


@pytest.mark.aikv_only
def test_client_setinfo_errors(r):
    r.execute_command("CLIENT", "SETINFO", "lib-name", "keep")
    assert err(r, "CLIENT", "SETINFO", "lib-name", "redis py") == \
        "ERR lib-name cannot contain spaces, newlines or special characters."
    assert err(r, "CLIENT", "SETINFO", "lib-ver", "1\n2") == \
        "ERR lib-ver cannot contain spaces, newlines or special characters."
    assert err(r, "CLIENT", "SETINFO", "badger", "hamster") == "ERR Unrecognized option 'badger'"
    assert err(r, "CLIENT", "SETINFO", "lib-name") == wrong_args("client|setinfo")
    assert parse_client_line(r.execute_command("CLIENT", "INFO"))["lib-name"] == "keep"


@pytest.mark.aikv_only
def test_reset_keeps_library_name(raw):
    raw.cmd("CLIENT", "SETINFO", "LIB-NAME", "mylib")
    raw.cmd("RESET")
    assert parse_client_line(raw.cmd("CLIENT", "INFO"))["lib-name"] == "mylib"


@pytest.mark.aikv_only
@pytest.mark.parametrize("mode", ["on", "off", "ON"])
def test_client_no_touch(r, mode):
    assert r.execute_command("CLIENT", "NO-TOUCH", mode) == b"OK"


@pytest.mark.aikv_only
def test_client_no_touch_bad_argument(r):
    assert err(r, "CLIENT", "NO-TOUCH", "maybe") == SYNTAX


@pytest.mark.aikv_only
def test_client_no_touch_get_does_not_reset_idle_time(r):
    r.execute_command("SET", "k", "v")
    time.sleep(1.2)
    r.execute_command("CLIENT", "NO-TOUCH", "on")
    r.execute_command("GET", "k")
    assert r.execute_command("OBJECT", "IDLETIME", "k") >= 1
    # TOUCH always touches
    r.execute_command("TOUCH", "k")
    assert r.execute_command("OBJECT", "IDLETIME", "k") == 0
    r.execute_command("CLIENT", "NO-TOUCH", "off")

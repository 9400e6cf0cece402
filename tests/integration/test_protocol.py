"""The wire protocol over raw sockets: inline commands, multibulk requests,
pipelining, partial sends, protocol errors, and RESP3 reply shapes."""

import threading
import time

import pytest

from helpers import Double, Map, RespSet, Verbatim, encode_command

# --------------------------------------------------------------------------
# Inline commands
# --------------------------------------------------------------------------


def test_inline_ping(raw):
    raw.send(b"PING\r\n")
    assert raw.read_raw() == b"+PONG\r\n"


def test_inline_with_lf_only(raw):
    raw.send(b"PING\nPING\n")
    assert raw.read_raw() == b"+PONG\r\n"
    assert raw.read_raw() == b"+PONG\r\n"


def test_inline_with_arguments(raw):
    raw.send(b"SET k v\r\nGET k\r\n")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.read_raw() == b"$1\r\nv\r\n"


def test_inline_extra_spaces_are_ignored(raw):
    raw.send(b"SET   k    v   \r\nGET k\r\n")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.read_raw() == b"$1\r\nv\r\n"


def test_inline_lowercase_command(raw):
    raw.send(b"ping\r\n")
    assert raw.read_raw() == b"+PONG\r\n"


@pytest.mark.parametrize("arg,value", [
    (b'"a b"', b"a b"),
    (b'"a\\x41\\n\\tb"', b"aA\n\tb"),
    (b"'a b'", b"a b"),
    (b"'a\\'b'", b"a'b"),
    (b"'a\\nb'", b"a\\nb"),
    (b'""', b""),
    (b'"\\xzz"', b"xzz"),
    (b'"\\"q\\""', b'"q"'),
], ids=["double", "escapes", "single", "single-escaped-quote", "single-no-escapes", "empty",
        "bad-hex", "escaped-quote"])
def test_inline_quoting(raw, arg, value):
    raw.send(b"SET k " + arg + b"\r\nGET k\r\n")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.read_reply() == value


def test_inline_empty_lines_are_ignored(raw):
    raw.send(b"\r\n\r\n   \r\nPING\r\n")
    assert raw.read_raw() == b"+PONG\r\n"
    assert raw.read_available(0.1) == b""


@pytest.mark.parametrize("line", [b'SET k "abc\r\n', b"ECHO 'it''s'\r\n", b'ECHO "a"b\r\n'],
                         ids=["unterminated", "quote-after-quote", "char-after-quote"])
def test_inline_unbalanced_quotes(raw, line):
    raw.send(line)
    assert raw.read_until_closed() == b"-ERR Protocol error: unbalanced quotes in request\r\n"


def test_inline_unknown_command(raw):
    raw.send(b"NOSUCH a b\r\n")
    assert raw.read_raw() == b"-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n"


@pytest.mark.parametrize("line,name", [(b"$4\r\n", "$4"), (b"+PING\r\n", "+PING"), (b":1\r\n", ":1")])
def test_non_multibulk_type_byte_is_an_inline_command(raw, line, name):
    raw.send(line + b"PING\r\n")
    assert raw.read_reply() == "ERR unknown command '%s', with args beginning with: " % name
    assert raw.read_raw() == b"+PONG\r\n"


def test_error_text_never_contains_newlines(raw):
    raw.send_command("foo", "a\r\nb")
    assert raw.read_raw() == b"-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n"


# --------------------------------------------------------------------------
# Multibulk requests
# --------------------------------------------------------------------------

def test_multibulk_request(raw):
    raw.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nab\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.read_raw() == b"$2\r\nab\r\n"


def test_multibulk_binary_argument(raw):
    value = b"a\r\nb\x00c"
    raw.send(encode_command("SET", "k", value) + encode_command("GET", "k"))
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.read_raw() == b"$%d\r\n" % len(value) + value + b"\r\n"


@pytest.mark.parametrize("header", [b"*0\r\n", b"*-1\r\n", b"*-5\r\n"])
def test_empty_or_negative_multibulk_is_ignored(raw, header):
    raw.send(header + b"*1\r\n$4\r\nPING\r\n")
    assert raw.read_raw() == b"+PONG\r\n"
    assert raw.read_available(0.1) == b""


def test_inline_and_multibulk_mixed(raw):
    raw.send(b"SET k 1\r\n*2\r\n$4\r\nINCR\r\n$1\r\nk\r\nGET k\r\n")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.read_raw() == b":2\r\n"
    assert raw.read_raw() == b"$1\r\n2\r\n"


# --------------------------------------------------------------------------
# Protocol errors
# --------------------------------------------------------------------------

@pytest.mark.parametrize("data,message", [
    (b"*1\r\n$abc\r\n", b"invalid bulk length"),
    (b"*2\r\n$3\r\nGET\r\n$-1\r\n", b"invalid bulk length"),
    (b"*1\r\n$\r\n", b"invalid bulk length"),
    (b"*1\r\n$536870913\r\n", b"invalid bulk length"),
    (b"*abc\r\n", b"invalid multibulk length"),
    (b"*1\r\nfoo\r\n", b"expected '$', got 'f'"),
    (b"*2\r\n$3\r\nGET\r\n:1\r\n", b"expected '$', got ':'"),
], ids=["bulk-not-number", "bulk-negative", "bulk-empty", "bulk-too-big", "multibulk-not-number",
        "not-dollar", "integer-argument"])
def test_malformed_request_gets_protocol_error_and_close(raw, data, message):
    raw.send(data)
    assert raw.read_until_closed() == b"-ERR Protocol error: " + message + b"\r\n"


def test_commands_before_protocol_error_are_answered(raw):
    raw.send(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$x\r\n*1\r\n$4\r\nPING\r\n")
    assert raw.read_until_closed() == b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n"


def test_protocol_error_does_not_affect_other_clients(r, raw):
    raw.send(b"*abc\r\n")
    assert raw.is_closed(2)
    assert r.execute_command("PING") == b"PONG"


def test_too_big_inline_request(raw):
    raw.send(b"x" * (64 * 1024 + 1))
    assert raw.read_until_closed() == b"-ERR Protocol error: too big inline request\r\n"


def test_large_multibulk_count_waits_for_data(raw):
    raw.send(b"*3000000\r\n")
    assert raw.read_available(0.2) == b""
    assert not raw.is_closed(0.1)


# --------------------------------------------------------------------------
# Pipelining and partial sends
# --------------------------------------------------------------------------

def test_pipeline_of_many_commands_in_one_send(raw):
    n = 1000
    raw.send(b"".join(encode_command("INCR", "counter") for _ in range(n)))
    assert raw.read_replies(n) == list(range(1, n + 1))


def test_pipeline_of_inline_commands(raw):
    raw.send(b"INCR c\r\n" * 500)
    assert raw.read_replies(500) == list(range(1, 501))


def test_big_pipelined_batch(raw):
    n = 20000
    value = b"v" * 100
    data = b"".join(encode_command("SET", b"key:%d" % i, value) for i in range(n))
    data += b"".join(encode_command("GET", b"key:%d" % i) for i in range(0, n, 7))
    data += encode_command("DBSIZE")
    # send from a thread: the server may answer while we are still sending
    sender = threading.Thread(target=raw.sock.sendall, args=(data,))
    sender.start()
    try:
        assert raw.read_replies(n) == [b"OK"] * n
        gets = len(range(0, n, 7))
        assert raw.read_replies(gets) == [value] * gets
        assert raw.read_reply() == n
    finally:
        sender.join(10)


def test_partial_command_completes_when_rest_arrives(raw):
    raw.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk")
    assert raw.read_available(0.15) == b""
    raw.send(b"\r\n$5\r\nhel")
    assert raw.read_available(0.1) == b""
    raw.send(b"lo\r\n")
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.cmd("GET", "k") == b"hello"


def test_partial_inline_command(raw):
    raw.send(b"PI")
    assert raw.read_available(0.1) == b""
    raw.send(b"NG\r")
    assert raw.read_available(0.1) == b""
    raw.send(b"\n")
    assert raw.read_raw() == b"+PONG\r\n"


def test_command_sent_byte_by_byte(raw):
    for byte in encode_command("ECHO", "slow"):
        raw.send(bytes([byte]))
        time.sleep(0.001)
    assert raw.read_raw() == b"$4\r\nslow\r\n"


def test_pipeline_split_at_every_boundary(raw):
    data = encode_command("SET", "k", "v") + encode_command("GET", "k")
    for cut in range(1, len(data)):
        raw.send(data[:cut])
        raw.send(data[cut:])
        assert raw.read_raw() == b"+OK\r\n"
        assert raw.read_raw() == b"$1\r\nv\r\n"


def test_large_argument_in_pieces(raw):
    value = bytes(range(256)) * 2048  # 512 KiB
    data = encode_command("SET", "big", value)
    for i in range(0, len(data), 65536):
        raw.send(data[i:i + 65536])
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.cmd("STRLEN", "big") == len(value)
    assert raw.cmd("GET", "big") == value


# --------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------

@pytest.fixture
def resp3(raw):
    reply = raw.cmd("HELLO", "3")
    assert isinstance(reply, Map)
    return raw


def test_resp3_hello_is_a_map(raw):
    raw.send_command("HELLO", "3")
    data = raw.read_raw()
    assert data.startswith(b"%7\r\n$6\r\nserver\r\n")
    assert b"$5\r\nproto\r\n:3\r\n" in data
    assert data.endswith(b"$7\r\nmodules\r\n*0\r\n")


@pytest.mark.parametrize("cmd", [["GET", "nosuch"], ["GETDEL", "nosuch"], ["CLIENT", "GETNAME"],
                                 ["OBJECT", "ENCODING", "nosuch"], ["RANDOMKEY"],
                                 ["SET", "k", "v", "XX"], ["GETSET", "nosuch", "v"]],
                         ids="-".join)
def test_resp3_null(resp3, cmd):
    resp3.send_command(*cmd)
    assert resp3.read_raw() == b"_\r\n"


def test_resp2_null_bulk(raw):
    raw.send_command("GET", "nosuch")
    assert raw.read_raw() == b"$-1\r\n"


def test_resp3_null_inside_array(resp3):
    resp3.cmd("SET", "a", "1")
    resp3.send_command("MGET", "a", "nosuch")
    assert resp3.read_raw() == b"*2\r\n$1\r\n1\r\n_\r\n"


def test_resp3_config_get_is_a_map(resp3, server):
    port = str(server.port).encode()
    resp3.send_command("CONFIG", "GET", "port")
    assert resp3.read_raw() == b"%1\r\n$4\r\nport\r\n$" + b"%d" % len(port) + b"\r\n" + port + b"\r\n"
    reply = resp3.cmd("CONFIG", "GET", "port", "timeout")
    assert reply == {b"port": port, b"timeout": b"0"}


def test_resp3_incrbyfloat_stays_bulk(resp3):
    resp3.send_command("INCRBYFLOAT", "f", "1.5")
    assert resp3.read_raw() == b"$3\r\n1.5\r\n"


def test_resp3_integers_and_status(resp3):
    resp3.send_command("SET", "k", "v")
    assert resp3.read_raw() == b"+OK\r\n"
    resp3.send_command("EXISTS", "k")
    assert resp3.read_raw() == b":1\r\n"
    resp3.send_command("TTL", "k")
    assert resp3.read_raw() == b":-1\r\n"
    resp3.send_command("NOSUCHCOMMAND")
    assert resp3.read_raw().startswith(b"-ERR unknown command")


def test_resp3_lcs_idx_is_a_map(resp3):
    resp3.cmd("MSET", "key1", "ohmytext", "key2", "mynewtext")
    reply = resp3.cmd("LCS", "key1", "key2", "IDX", "MINMATCHLEN", 4, "WITHMATCHLEN")
    assert isinstance(reply, Map)
    assert reply == {b"matches": [[[4, 7], [5, 8], 4]], b"len": 6}


def test_resp3_command_info_flags_are_sets(resp3):
    resp3.send_command("COMMAND", "INFO", "get")
    data = resp3.read_raw()
    assert data.startswith(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
                           b"~3\r\n+@read\r\n+@string\r\n+@fast\r\n")


def test_resp3_command_docs_is_a_map(resp3):
    reply = resp3.cmd("COMMAND", "DOCS", "get")
    assert isinstance(reply, Map)
    doc = reply[b"get"]
    assert isinstance(doc, Map)
    assert doc[b"summary"] == b"Get the value of a key"


def test_resp3_client_info_is_verbatim(resp3):
    reply = resp3.cmd("CLIENT", "INFO")
    assert isinstance(reply, Verbatim)
    assert reply.format == b"txt"
    assert b" resp=3" in reply


def test_resp3_info_is_verbatim(resp3):
    resp3.send_command("INFO", "server")
    data = resp3.read_raw()
    assert data.startswith(b"=")
    assert b"\r\ntxt:# Server\r\n" in data


def test_resp3_scan_and_time_stay_arrays(resp3):
    resp3.cmd("SET", "a", "1")
    resp3.send_command("SCAN", "0")
    assert resp3.read_raw() == b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n"
    reply = resp3.cmd("TIME")
    assert isinstance(reply, list) and len(reply) == 2


def test_resp3_double(resp3):
    resp3.cmd("ZADD", "z", "1.5", "m")
    resp3.send_command("ZSCORE", "z", "m")
    assert resp3.read_raw() == b",1.5\r\n"
    assert isinstance(resp3.cmd("ZINCRBY", "z", "1", "m"), Double)


def test_resp2_double_is_bulk(raw):
    raw.cmd("ZADD", "z", "1.5", "m")
    raw.send_command("ZSCORE", "z", "m")
    assert raw.read_raw() == b"$3\r\n1.5\r\n"


def test_resp3_set(resp3):
    resp3.cmd("SADD", "s", "a")
    resp3.send_command("SMEMBERS", "s")
    assert resp3.read_raw() == b"~1\r\n$1\r\na\r\n"
    resp3.cmd("SADD", "s", "b")
    reply = resp3.cmd("SMEMBERS", "s")
    assert isinstance(reply, RespSet) and sorted(reply) == [b"a", b"b"]


"""Server limits: maxclients, proto-max-bulk-len, client-query-buffer-limit
and the idle client timeout. Each limit gets its own server."""

import threading
import time

import pytest

from helpers import ConnectionClosed, encode_command, parse_info, wait_for

MB = 1024 * 1024


def connected_clients(conn):
    return int(parse_info(conn.cmd("INFO", "clients"))["Clients"]["connected_clients"])


def connect_alone(srv, timeout=5.0):
    """A connection to srv once every earlier connection is gone (closing
    connections may still count against maxclients for a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        c = srv.raw()
        try:
            reply = c.cmd("INFO", "clients")
        except (ConnectionClosed, OSError) as e:
            reply = e
        if isinstance(reply, bytes):
            wait_for(lambda: connected_clients(c) == 1, timeout=max(deadline - time.monotonic(), 0.1),
                     what="only one client to be connected")
            return c
        c.close()  # rejected: an old connection still holds a slot
        if time.monotonic() > deadline:
            raise AssertionError("could not connect alone: %r" % reply)
        time.sleep(0.05)


# --------------------------------------------------------------------------
# maxclients
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def maxclients_server(server_factory):
    return server_factory("--maxclients", "2", name="maxclients2")


def test_maxclients_config(maxclients_server):
    with connect_alone(maxclients_server) as c:
        assert c.cmd("CONFIG", "GET", "maxclients") == [b"maxclients", b"2"]


def test_maxclients_rejects_extra_connection(maxclients_server):
    first = connect_alone(maxclients_server)
    try:
        rejected_before = int(parse_info(first.cmd("INFO", "stats"))["Stats"]["rejected_connections"])
        second = maxclients_server.raw()
        assert second.cmd("PING") == b"PONG"
        third = maxclients_server.raw()
        assert third.read_until_closed() == b"-ERR max number of clients reached\r\n"
        third.close()
        stats = parse_info(first.cmd("INFO", "stats"))["Stats"]
        assert int(stats["rejected_connections"]) == rejected_before + 1
        assert connected_clients(first) == 2
        # a slot frees up when a client leaves
        second.close()
        wait_for(lambda: connected_clients(first) == 1, timeout=5, what="the second client to go")
        fourth = maxclients_server.raw()
        assert fourth.cmd("PING") == b"PONG"
        fourth.close()
    finally:
        first.close()


# --------------------------------------------------------------------------
# proto-max-bulk-len
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bulk_server(server_factory):
    return server_factory("--proto-max-bulk-len", "1mb", name="protomaxbulk")


def test_proto_max_bulk_len_config(bulk_server):
    with bulk_server.raw() as c:
        assert c.cmd("CONFIG", "GET", "proto-max-bulk-len") == [b"proto-max-bulk-len", b"1048576"]


def test_bulk_longer_than_limit_is_protocol_error(bulk_server):
    with bulk_server.raw() as c:
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
        assert c.read_until_closed() == b"-ERR Protocol error: invalid bulk length\r\n"


def test_bulk_at_limit_is_accepted(bulk_server):
    with bulk_server.raw() as c:
        c.send(encode_command("SET", "k", b"x" * MB))
        assert c.read_raw() == b"+OK\r\n"
        assert c.cmd("STRLEN", "k") == MB
        assert c.cmd("DEL", "k") == 1


def test_bulk_longer_than_limit_with_payload(bulk_server):
    with bulk_server.raw() as c:
        # header and a little payload in one send: all of it is read at once
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n" + b"x" * 1000)
        assert c.read_until_closed() == b"-ERR Protocol error: invalid bulk length\r\n"
    with bulk_server.raw() as c:
        assert c.cmd("EXISTS", "k") == 0


def test_string_growth_is_capped_by_proto_max_bulk_len(bulk_server):
    too_big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    with bulk_server.raw() as c:
        assert c.cmd("SETRANGE", "k", MB, "x") == too_big
        assert c.cmd("EXISTS", "k") == 0
        assert c.cmd("SETRANGE", "k", MB - 1, "x") == MB
        assert c.cmd("SETRANGE", "k", MB - 5, "abcdefghij") == too_big
        assert c.cmd("APPEND", "k", "x") == too_big
        assert c.cmd("STRLEN", "k") == MB
        assert c.cmd("DEL", "k") == 1


# --------------------------------------------------------------------------
# client-query-buffer-limit
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def qbuf_server(server_factory):
    return server_factory("--client-query-buffer-limit", "1mb", name="querybuflimit")


def test_query_buffer_limit_config(qbuf_server):
    with qbuf_server.raw() as c:
        assert c.cmd("CONFIG", "GET", "client-query-buffer-limit") == \
            [b"client-query-buffer-limit", b"1048576"]


def send_tolerant(conn, data):
    """sendall that stops quietly when the server has closed the connection."""
    try:
        conn.sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def test_huge_argument_closes_connection(qbuf_server):
    with qbuf_server.raw() as c:
        # 1 MiB + 1 byte of a 2 MB argument: over the limit once all is read
        send_tolerant(c, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n" + b"x" * (MB + 1))
        assert c.read_until_closed() == b""
    with qbuf_server.raw() as c:
        assert c.cmd("EXISTS", "k") == 0
        assert c.cmd("PING") == b"PONG"


def test_many_small_arguments_beyond_limit_are_fine(qbuf_server):
    # the limit applies to unprocessed input: a command of many small
    # arguments is consumed as it arrives
    n = 20000
    args = [b"MSET"]
    for i in range(n):
        args += [b"k%d" % i, b"v" * 100]
    data = encode_command(*args)
    assert len(data) > 2 * MB
    with qbuf_server.raw() as c:
        sender = threading.Thread(target=c.sock.sendall, args=(data,))
        sender.start()
        assert c.read_reply() == b"OK"
        sender.join(10)
        assert c.cmd("DBSIZE") == n
        assert c.cmd("FLUSHALL") == b"OK"


def test_pipeline_beyond_limit_is_fine(qbuf_server):
    n = 3000
    data = b"".join(encode_command("SET", b"p%d" % i, b"v" * 1000) for i in range(n))
    assert len(data) > 2 * MB
    with qbuf_server.raw() as c:
        sender = threading.Thread(target=c.sock.sendall, args=(data,))
        sender.start()
        assert c.read_replies(n) == [b"OK"] * n
        sender.join(10)
        assert c.cmd("FLUSHALL") == b"OK"


# --------------------------------------------------------------------------
# timeout
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def timeout_server(server_factory):
    return server_factory("--timeout", "1", name="timeout1")


def test_timeout_config(timeout_server):
    with timeout_server.raw() as c:
        assert c.cmd("CONFIG", "GET", "timeout") == [b"timeout", b"1"]


def test_idle_client_is_disconnected_active_client_is_not(timeout_server):
    idle = timeout_server.raw()
    active = timeout_server.raw()
    try:
        assert idle.cmd("PING") == b"PONG"
        start = time.monotonic()
        closed_at = None
        while time.monotonic() - start < 5:
            assert active.cmd("PING") == b"PONG"
            if closed_at is None and idle.is_closed(0.25):
                closed_at = time.monotonic() - start
            if closed_at is not None and time.monotonic() - start > closed_at + 0.5:
                break
        assert closed_at is not None, "idle client was not disconnected within 5s"
        assert closed_at >= 0.9, "idle client was disconnected too early (%.2fs)" % closed_at
        assert idle.pending() == b""  # closed silently
        assert active.cmd("PING") == b"PONG"
    finally:
        idle.close()
        active.close()


def test_a_blocked_client_is_not_idle(timeout_server):
    """A client waiting in a blocking command outlives `timeout`: its own timeout governs it."""
    waiting, other = timeout_server.raw(), None
    try:
        waiting.send_command("BLPOP", "timeout:list", 0)
        time.sleep(2.2)  # past the 1 s idle timeout, with the cron's 100 ms slack
        assert not waiting.is_closed(0.05)
        other = timeout_server.raw()
        assert other.cmd("RPUSH", "timeout:list", "x") == 1
        assert waiting.read_reply() == [b"timeout:list", b"x"]
    finally:
        waiting.close()
        if other:
            other.close()

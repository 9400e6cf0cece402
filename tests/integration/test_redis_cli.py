"""The stock Redis tools against the server: redis-cli (one-shot, stdin,
--pipe, -x, -n) and redis-benchmark."""

import shutil
import subprocess

import pytest

REDIS_CLI = shutil.which("redis-cli")
REDIS_BENCHMARK = shutil.which("redis-benchmark")

pytestmark = pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli is not installed")


def cli(server, *args, stdin=None, timeout=20):
    """Run redis-cli against `server`; returns the CompletedProcess (text)."""
    argv = [REDIS_CLI, "-h", server.host, "-p", str(server.port)] + [str(a) for a in args]
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def empty(r):
    """The FLUSHALL of `r`, for tests that only talk through the tools."""
    return r


def test_cli_set_get_incr(server, empty):
    assert cli(server, "SET", "k", "v").stdout == "OK\n"
    assert cli(server, "GET", "k").stdout == "v\n"
    assert cli(server, "INCR", "n").stdout == "1\n"
    assert cli(server, "INCR", "n").stdout == "2\n"
    assert empty.execute_command("GET", "n") == b"2"


def test_cli_ping(server, empty):
    res = cli(server, "PING")
    assert res.returncode == 0
    assert res.stdout == "PONG\n"


def test_cli_nil_and_arrays(server, empty):
    empty.execute_command("SET", "a", "1")
    assert cli(server, "GET", "nosuch").stdout == "\n"
    assert cli(server, "MGET", "a", "nosuch", "a").stdout == "1\n\n1\n"


def test_cli_no_raw_formatting(server, empty):
    empty.execute_command("SET", "a", "3")
    assert cli(server, "--no-raw", "GET", "a").stdout == '"3"\n'
    assert cli(server, "--no-raw", "INCR", "a").stdout == "(integer) 4\n"
    assert cli(server, "--no-raw", "GET", "nosuch").stdout == "(nil)\n"
    assert cli(server, "--no-raw", "MGET", "a", "nosuch").stdout == '1) "4"\n2) (nil)\n'


def test_cli_error_output(server, empty):
    res = cli(server, "NOSUCHCOMMAND", "x")
    assert "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x'" in res.stdout


def test_cli_reads_commands_from_stdin(server, empty):
    script = 'SET a 1\nINCR a\nGET a\nECHO "hello world"\nDEL a\nEXISTS a\n'
    res = cli(server, stdin=script)
    assert res.returncode == 0
    assert res.stdout == "OK\n2\n2\nhello world\n1\n0\n"


def test_cli_last_argument_from_stdin(server, empty):
    res = cli(server, "-x", "SET", "kx", stdin="hello\nworld")
    assert res.stdout == "OK\n"
    assert empty.execute_command("GET", "kx") == b"hello\nworld"


def test_cli_selects_database(server, empty, new_client):
    assert cli(server, "-n", 2, "SET", "k", "in2").stdout == "OK\n"
    assert empty.execute_command("EXISTS", "k") == 0
    assert new_client(db=2).execute_command("GET", "k") == b"in2"


def test_cli_pipe_mode(server, empty):
    proto = "".join("*3\r\n$3\r\nSET\r\n$%d\r\nkey%d\r\n$1\r\n%d\r\n" % (len("key%d" % i), i, i % 10)
                    for i in range(100))
    proto += "*2\r\n$4\r\nINCR\r\n$4\r\nkey1\r\n"
    res = cli(server, "--pipe", stdin=proto)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "errors: 0, replies: 101" in res.stdout
    assert empty.execute_command("DBSIZE") == 100
    assert empty.execute_command("GET", "key1") == b"2"


@pytest.mark.skipif(REDIS_BENCHMARK is None, reason="redis-benchmark is not installed")
def test_redis_benchmark_runs_cleanly(server, empty):
    argv = [REDIS_BENCHMARK, "-h", server.host, "-p", str(server.port),
            "-t", "get,set,incr,mset", "-n", "2000", "-P", "16", "-q"]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    for word in ("ERR", "rror", "WARNING", "WRONGTYPE"):
        assert word not in out, out
    for test in ("SET:", "GET:", "INCR:", "MSET (10 keys):"):
        assert test in out, out
    # what the benchmark left behind
    assert empty.execute_command("GET", "counter:__rand_int__") == b"2000"
    assert empty.execute_command("STRLEN", "key:__rand_int__") == 3  # -d default

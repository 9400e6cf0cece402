"""Fixtures for the AiKv integration suite.

Target (environment):
  AIKV_TEST_TARGET=aikv   (default) $AIKV_BUILD/aikv-server, AIKV_BUILD
                          defaulting to "build" relative to the repo root;
                          every module runs once per storage engine in
                          helpers.ENGINES.
  AIKV_TEST_TARGET=redis  the real redis-server (7.0), to validate the tests.

Fixtures:
  server          one server per test module (and engine)
  server_factory  start more servers with extra arguments, e.g.
                  server_factory("--requirepass", "secret"); stopped at the end
                  of the module
  r               a redis.Redis client of `server`, FLUSHALL'd before each test;
                  replies are unconverted and errors carry their full text
                  (see helpers.make_client)
  new_client      open more clients: new_client(), new_client(srv, db=1, ...)
  raw, new_raw    helpers.RespConn raw sockets speaking RESP2/RESP3
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import helpers  # noqa: E402
from helpers import TARGET, Server, close_client, engine_params  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "aikv_only: behaviour Redis 7.0.15 lacks but aikv must have "
        "(Redis 7.2 features); skipped when AIKV_TEST_TARGET=redis")


def pytest_report_header(config):
    if TARGET == "redis":
        return "aikv integration: target=redis (redis-server from PATH)"
    return "aikv integration: target=aikv binary=%s engines=%s" % (
        helpers.aikv_binary(), ",".join(helpers.ENGINES))


def pytest_collection_modifyitems(config, items):
    skip_aikv_only = pytest.mark.skip(reason="Redis 7.0.15 lacks this (aikv_only)")
    for item in items:
        if TARGET == "redis" and "aikv_only" in item.keywords:
            item.add_marker(skip_aikv_only)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tail of every running server's log."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv in list(helpers.LIVE_SERVERS):
            rep.sections.append(("%s log tail (%s)" % (srv.name, srv.log_path), srv.log_tail()))


@pytest.fixture(scope="session")
def target():
    return TARGET


@pytest.fixture(scope="module", params=engine_params())
def engine(request):
    return request.param


@pytest.fixture(scope="module")
def server_factory(engine, tmp_path_factory):
    """start(*extra_args, name=...) -> a running Server with those extra
    redis-server-style arguments. Every server is stopped (SIGTERM, then
    SIGKILL) at the end of the module; an unclean exit fails the teardown."""
    started = []

    def start(*extra_args, name="server"):
        srv = Server(engine, tmp_path_factory.mktemp(name), extra_args, name=name)
        started.append(srv)
        try:
            return srv.start()
        except helpers.ServerStartError as e:
            pytest.fail(str(e), pytrace=False)

    yield start
    problems = []
    for srv in reversed(started):
        problems += srv.stop()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(name="server")


@pytest.fixture
def r(server):
    client = server.client()
    client.execute_command("FLUSHALL")
    yield client
    close_client(client)


@pytest.fixture
def new_client(server):
    """new_client(srv=None, **redis_kwargs) -> another client (closed after
    the test)."""
    opened = []

    def connect(srv=None, **kwargs):
        client = (srv or server).client(**kwargs)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        close_client(client)


@pytest.fixture
def new_raw(server):
    """new_raw(srv=None, timeout=5.0) -> a RespConn (closed after the test)."""
    opened = []

    def connect(srv=None, **kwargs):
        conn = (srv or server).raw(**kwargs)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


@pytest.fixture
def raw(r, new_raw):
    """A raw RESP connection to `server` (after the FLUSHALL of `r`)."""
    return new_raw()

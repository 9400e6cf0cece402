"""Lua scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT LOAD|EXISTS|FLUSH|KILL|HELP,
with Redis 7.0's rules.

The conversion tables both ways (Lua -> RESP for a script's result, RESP -> Lua for
redis.call), RESP3 (redis.setresp and RESP3 clients), error texts ("... script: <sha>, on
@user_script:1."), redis.* helpers, the sandbox (read-only globals, the missing-global error,
what is removed), the bundled libraries (cjson, cmsgpack, bit, struct), shebang flags, the
script cache, command metadata (COMMAND INFO, GETKEYS), statistics, and busy scripts
(busy-reply-threshold, -BUSY, SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE).

Exact replies are read on raw connections where the bytes matter. The library tests change
cjson's configuration only on cjson.new() instances, since the shared one lasts until SCRIPT
FLUSH, as in Redis. Every busy script loops on a clock and ends by itself within seconds, so
that a failing test cannot leave the server blocked.
"""

import time

import pytest

from helpers import TARGET, RespError, err, parse_info, wrong_args

NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
BUSY = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."


def sha1(body):
    import hashlib
    return hashlib.sha1(body.encode() if isinstance(body, str) else body).hexdigest()


def ev(r, body, *keys_and_args, numkeys=0):
    return r.execute_command("EVAL", body, numkeys, *keys_and_args)


def raw_eval(c, body, *args, numkeys=0):
    """The exact reply bytes of an EVAL on a raw connection."""
    c.send_command("EVAL", body, numkeys, *args)
    return c.read_raw()


def where(body, line=1):
    return " script: %s, on @user_script:%d." % (sha1(body), line)


def script_error(r, body, *args):
    return err(r, "EVAL", body, 0, *args)


# --------------------------------------------------------------------------
# Lua -> RESP: a script's result
# --------------------------------------------------------------------------

@pytest.mark.parametrize("body, reply", [
    ("return 1", b":1\r\n"),
    ("return 'x'", b"$1\r\nx\r\n"),
    ("return 'a\\0b'", b"$3\r\na\x00b\r\n"),
    ("return 3.7", b":3\r\n"),                     # numbers truncate to integers
    ("return -3.7", b":-3\r\n"),
    ("return 1e20", b":-9223372036854775808\r\n"),  # out of range, as Redis on x86-64
    ("return 0/0", b":-9223372036854775808\r\n"),
    ("return true", b":1\r\n"),
    ("return false", b"$-1\r\n"),
    ("return nil", b"$-1\r\n"),
    ("return {1, 'a', {2, 3}, true, false}", b"*5\r\n:1\r\n$1\r\na\r\n*2\r\n:2\r\n:3\r\n:1\r\n$-1\r\n"),
    ("return {1, 2, nil, 4}", b"*2\r\n:1\r\n:2\r\n"),  # an array ends at its first nil
    ("return {[1] = 'a', [3] = 'c'}", b"*1\r\n$1\r\na\r\n"),
    ("return {ok = 'fine'}", b"+fine\r\n"),
    ("return {err = 'bad'}", b"-bad\r\n"),
    ("return {err = 'MY code'}", b"-MY code\r\n"),
    ("return {err = ''}", b"-\r\n"),
    ("return {1, ok = 's'}", b"+s\r\n"),
    ("return {ok = 1}", b"*0\r\n"),                # not a string: an (empty) array
    ("return {err = {}}", b"*0\r\n"),
    ("return {double = 1.5}", b"$3\r\n1.5\r\n"),
    ("return {double = 0.1}", b"$19\r\n0.10000000000000001\r\n"),
    ("return {double = 1/0}", b"$3\r\ninf\r\n"),
    ("return {double = '1.5'}", b"*0\r\n"),
    ("return {big_number = '123'}", b"$3\r\n123\r\n"),
    ("return {verbatim_string = {format = 'txt', string = 'hi'}}", b"$2\r\nhi\r\n"),
    ("return {map = {a = 1}}", b"*2\r\n$1\r\na\r\n:1\r\n"),
    ("return {set = {a = true}}", b"*1\r\n$1\r\na\r\n"),
    ("return {'a', map = {x = 1}}", b"*2\r\n$1\r\nx\r\n:1\r\n"),
    ("return redis.status_reply('x y')", b"+x y\r\n"),
    ("return redis.error_reply('MY err')", b"-MY err\r\n"),
    ("return redis.error_reply('-MY err')", b"-MY err\r\n"),
    ("return redis.error_reply('oops')", b"-ERR oops\r\n"),
    ("return redis.error_reply('-')", b"-ERR \r\n"),
    ("return redis.error_reply('- x')", b"- x\r\n"),
    ("return redis.status_reply(5)", b"-ERR wrong number or type of arguments\r\n"),
    ("return redis.error_reply()", b"-ERR wrong number or type of arguments\r\n"),
    ("return {2^53, -2^63}", b"*2\r\n:9007199254740992\r\n:-9223372036854775808\r\n"),
    # Tables are read raw: metamethods play no part in the conversion.
    ("return setmetatable({}, {__index = {1, 2, 3}})", b"*0\r\n"),
    ("return setmetatable({}, {__index = {err = 'boom'}})", b"*0\r\n"),
])
def test_lua_to_resp(raw, body, reply):
    assert raw_eval(raw, body) == reply


def test_self_referencing_table_stops_at_luas_stack_limit(raw):
    # Too deep for the recursive test parser: read the bytes.
    raw.send_command("EVAL", "local t = {}; t[1] = t; return t", 0)
    data, deadline = b"", time.monotonic() + 5
    while not data.endswith(b"limit\r\n") and time.monotonic() < deadline:
        data += raw.read_available(0.1)
    assert data.count(b"*1\r\n") == 7995
    assert data.endswith(b"-ERR reached lua stack limit\r\n")


def test_status_and_error_texts_lose_cr_lf(raw):
    assert raw_eval(raw, "return {ok = 'a\\r\\nb'}") == b"+a  b\r\n"
    assert raw_eval(raw, "return {err = 'E a\\nb\\r\\n'}") == b"-E a b\r\n"


def test_keys_and_argv(r):
    assert ev(r, "return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", "k1", "k2", "a1",
              numkeys=2) == [b"k1", b"k2", b"a1", 2, 1]
    assert ev(r, "return {#KEYS, #ARGV}") == [0, 0]
    assert ev(r, "KEYS[1] = 'z'; return KEYS[1]", "k", numkeys=1) == b"z"  # writable tables


def test_numkeys_errors(r):
    assert err(r, "EVAL", "return 1", -1) == "ERR Number of keys can't be negative"
    assert err(r, "EVAL", "return 1", 2, "a") == \
        "ERR Number of keys can't be greater than number of args"
    assert err(r, "EVAL", "return 1", "x") == "ERR value is not an integer or out of range"
    assert err(r, "EVAL", "return 1", "99999999999999999999") == \
        "ERR value is not an integer or out of range"
    assert err(r, "EVAL", "return 1") == wrong_args("eval")
    assert err(r, "EVALSHA", "x") == wrong_args("evalsha")
    assert err(r, "EVAL_RO", "x") == wrong_args("eval_ro")
    assert err(r, "EVALSHA_RO", "x") == wrong_args("evalsha_ro")


# --------------------------------------------------------------------------
# RESP -> Lua: redis.call and redis.pcall
# --------------------------------------------------------------------------

def test_redis_call_reply_types(r):
    r.execute_command("SET", "s", "v")
    r.execute_command("RPUSH", "l", "a", "b")
    body = """
        local t = {}
        t[1] = type(redis.call('set', 'x', '1'))            -- status: a table
        t[2] = redis.call('set', 'x', '1').ok
        t[3] = type(redis.call('incr', 'x'))                 -- integer: a number
        t[4] = redis.call('incr', 'x')
        t[5] = redis.call('get', 's')                        -- bulk: a string
        t[6] = tostring(redis.call('get', 'nosuch'))         -- nil bulk: false
        t[7] = redis.call('lrange', 'l', 0, -1)[2]            -- array: a table
        t[8] = tostring(redis.call('lpop', 'nosuch', 2))     -- nil array: false
        t[9] = redis.pcall('incr', 's').err                  -- error: {err=}
        t[10] = #redis.call('hmget', 'nosuch', 'a', 'b')     -- an array of nils
        return t
    """
    assert ev(r, body) == [b"table", b"OK", b"number", 3, b"v", b"false", b"b", b"false",
                           b"ERR value is not an integer or out of range", 2]


def test_numbers_as_command_arguments(r):
    assert ev(r, "redis.call('set', 'n', 3.0); return redis.call('get', 'n')") == b"3"
    assert ev(r, "redis.call('set', 'n', 0.1); return redis.call('get', 'n')") == \
        b"0.10000000000000001"
    assert ev(r, "redis.call('set', 'n', 1e20); return redis.call('get', 'n')") == b"1e+20"
    assert ev(r, "redis.call('set', 'n', -0.0); return redis.call('get', 'n')") == b"-0"
    assert ev(r, "redis.call('set', 'n', 10 / 4); return redis.call('get', 'n')") == b"2.5"
    assert ev(r, "redis.call('set', 'n', tonumber('42')); return redis.call('get', 'n')") == b"42"
    assert ev(r, "redis.call('set', 'n', 1/0); return redis.call('get', 'n')") == b"inf"


def test_redis_call_errors(r):
    r.execute_command("SET", "s", "v")
    body = "return redis.call('incr', 's')"
    assert script_error(r, body) == "ERR value is not an integer or out of range" + where(body)
    body = "return redis.call('nosuch')"
    assert script_error(r, body) == "ERR Unknown Redis command called from script" + where(body)
    body = "return redis.call('get')"
    assert script_error(r, body) == \
        "ERR Wrong number of args calling Redis command from script" + where(body)
    body = "return redis.call('get', 'a', 'b')"
    assert script_error(r, body) == \
        "ERR Wrong number of args calling Redis command from script" + where(body)
    body = "return redis.call('config', 'nosuch')"
    assert script_error(r, body) == "ERR Unknown Redis command called from script" + where(body)
    for cmd in ("'multi'", "'eval', 'return 1', 0", "'script', 'flush'", "'client', 'id'",
                "'config', 'get', 'x'", "'shutdown'"):
        body = "return redis.call(%s)" % cmd
        assert script_error(r, body) == \
            "ERR This Redis command is not allowed from script" + where(body)
    body = "return redis.call()"
    assert script_error(r, body) == \
        "ERR Please specify at least one argument for this redis lib call" + where(body)
    for arg in ("{}", "nil", "true"):
        body = "return redis.call('get', %s)" % arg
        assert script_error(r, body) == \
            "ERR Lua redis lib command arguments must be strings or integers" + where(body)


def test_redis_pcall_returns_errors(r):
    r.execute_command("SET", "s", "v")
    assert script_error(r, "return redis.pcall('incr', 's')") == \
        "ERR value is not an integer or out of range"
    assert script_error(r, "return redis.pcall('nosuch')") == \
        "ERR Unknown Redis command called from script"
    assert script_error(r, "return redis.pcall('get', true)") == \
        "ERR Lua redis lib command arguments must be strings or integers"
    assert ev(r, "local e = redis.pcall('lpush', 's', 'x'); return e.err") == \
        b"WRONGTYPE Operation against a key holding the wrong kind of value"


def test_lua_errors(r):
    assert script_error(r, "return x") == \
        "ERR user_script:1: Script attempted to access nonexistent global variable 'x'" + \
        where("return x")
    assert script_error(r, "error('boom')") == "ERR user_script:1: boom" + where("error('boom')")
    assert script_error(r, "error({err='XX my'})") == "XX my" + where("error({err='XX my'})")
    assert script_error(r, "error()") == "ERR nil" + where("error()")
    assert script_error(r, "error(5)") == "ERR user_script:1: 5" + where("error(5)")
    assert script_error(r, "error('x', 0)") == "ERR x" + where("error('x', 0)")
    body = "local a = 1\nlocal b = 2\nerror('third')"
    assert script_error(r, body) == "ERR user_script:3: third" + where(body, 3)
    body = "local function f() error('in f') end\nf()"
    assert script_error(r, body) == "ERR user_script:1: in f" + where(body, 1)


def test_compile_errors(r):
    assert script_error(r, "return +") == \
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'"
    assert script_error(r, "return 1 +") == \
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"
    assert err(r, "SCRIPT", "LOAD", "return +") == \
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'"
    assert r.execute_command("SCRIPT", "EXISTS", sha1("return +")) == [0]


def test_pcall_gives_the_err_text(r):
    assert ev(r, "return {pcall(error, {err='E'})}") == [None, b"E"]
    assert ev(r, "return {pcall(redis.call, 'nosuch')}") == \
        [None, b"ERR Unknown Redis command called from script"]
    assert ev(r, "return {pcall(function() error('boom') end)}") == \
        [None, b"user_script:1: boom"]
    assert ev(r, "return {xpcall(function() error('b') end, function(e) return 'h: ' .. e end)}") \
        == [None, b"h: user_script:1: b"]
    assert ev(r, "return {pcall(function() return 1, 2 end)}") == [1, 1, 2]


def test_select_in_a_script_stays_in_the_script(r):
    assert ev(r, "redis.call('select', 1); redis.call('set', 'k', 'v'); "
                 "return redis.call('get', 'k')") == b"v"
    assert r.execute_command("EXISTS", "k") == 0
    r.execute_command("SELECT", 1)
    assert r.execute_command("GET", "k") == b"v"
    # The next script starts in the caller's database again.
    assert ev(r, "return redis.call('get', 'k')") == b"v"
    r.execute_command("SELECT", 0)
    assert ev(r, "return redis.call('get', 'k')") is None


def test_a_script_that_raises_leaves_no_partial_writes(r):
    # Redis keeps what the script wrote before the error; AiKv rolls the
    # script back (README, docs/scripting.md).
    body = "redis.call('set', 'a', '1'); redis.call('incr', 'nosuchcmd_', 'x'); return 1"
    assert script_error(r, body).startswith("ERR Wrong number of args")
    assert r.execute_command("GET", "a") == (b"1" if TARGET == "redis" else None)


@pytest.mark.aikv_only
def test_rollback_restores_every_kind_of_write(r):
    r.execute_command("SET", "s", "old")
    r.execute_command("RPUSH", "l", "a", "b")
    r.execute_command("HSET", "h", "f", "v")
    r.execute_command("SADD", "st", "1", "2")
    r.execute_command("ZADD", "z", "1", "m")
    r.execute_command("SET", "ttl", "x", "EX", "100")
    body = """
        redis.call('set', 's', 'new')
        redis.call('rpush', 'l', 'c'); redis.call('lpop', 'l')
        redis.call('hset', 'h', 'f', 'changed', 'g', 'new')
        redis.call('srem', 'st', '1'); redis.call('sadd', 'st', 'x')
        redis.call('zincrby', 'z', 5, 'm'); redis.call('zadd', 'z', 2, 'n')
        redis.call('persist', 'ttl')
        redis.call('del', 's2'); redis.call('set', 'created', '1')
        redis.call('rename', 'h', 'h2')
        error('boom')
    """
    assert "boom" in script_error(r, body)
    assert r.execute_command("GET", "s") == b"old"
    assert r.execute_command("LRANGE", "l", 0, -1) == [b"a", b"b"]
    assert r.execute_command("HGETALL", "h") == [b"f", b"v"]
    assert r.execute_command("EXISTS", "h2", "created") == 0
    assert sorted(r.execute_command("SMEMBERS", "st")) == [b"1", b"2"]
    assert r.execute_command("ZRANGE", "z", 0, -1, "WITHSCORES") == [b"m", b"1"]
    assert 90 < r.execute_command("TTL", "ttl") <= 100


@pytest.mark.aikv_only
def test_rollback_restores_a_flushed_database(r):
    r.execute_command("SET", "keep", "1")
    assert "boom" in script_error(r, "redis.call('flushdb'); redis.call('set', 'x', 1); error('boom')")
    assert r.execute_command("GET", "keep") == b"1"
    assert r.execute_command("EXISTS", "x") == 0


def test_caught_errors_and_error_replies_keep_the_writes(r):
    body = "redis.call('set', 'a', '1'); redis.pcall('incr', 'nosuchcmd_', 'x'); return 'ok'"
    assert r.execute_command("EVAL", body, 0) == b"ok"
    assert r.execute_command("GET", "a") == b"1"
    body = "redis.call('set', 'b', '2'); return redis.error_reply('MY failure')"
    assert err(r, "EVAL", body, 0) == "MY failure"
    assert r.execute_command("GET", "b") == b"2"


def test_eval_inside_multi(r):
    pipe = r.pipeline(transaction=True)
    pipe.execute_command("EVAL", "return redis.call('incr', KEYS[1])", 1, "c")
    pipe.execute_command("EVAL", "return redis.call('incr', KEYS[1])", 1, "c")
    assert pipe.execute() == [1, 2]


# --------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------

def test_setresp3_conversions(r):
    r.execute_command("HSET", "h", "a", "1")
    r.execute_command("SADD", "s", "m")
    r.execute_command("ZADD", "z", "1.5", "m")
    body = """
        redis.setresp(3)
        local h = redis.call('hgetall', 'h')
        local s = redis.call('smembers', 's')
        local d = redis.call('zscore', 'z', 'm')
        local n = redis.call('get', 'nosuch')
        local b = redis.call('exists', 'h')
        return {type(h.map), h.map.a, tostring(s.set.m), type(d), tostring(d.double),
                tostring(n), b}
    """
    assert ev(r, body) == [b"table", b"1", b"true", b"table", b"1.5", b"nil", 1]


def test_resp3_values_to_a_resp2_client(raw):
    assert raw_eval(raw, "return {map = {a = 1}}") == b"*2\r\n$1\r\na\r\n:1\r\n"
    assert raw_eval(raw, "return {double = 3.5}") == b"$3\r\n3.5\r\n"
    assert raw_eval(raw, "redis.setresp(3); return true") == b":1\r\n"
    assert raw_eval(raw, "redis.setresp(3); return false") == b":0\r\n"


def test_resp3_client(raw):
    raw.cmd("HELLO", "3")
    assert raw_eval(raw, "return {map = {a = 1}}") == b"%1\r\n$1\r\na\r\n:1\r\n"
    assert raw_eval(raw, "return {set = {a = true}}") == b"~1\r\n$1\r\na\r\n"
    assert raw_eval(raw, "return {double = 3.5}") == b",3.5\r\n"
    assert raw_eval(raw, "return {double = 1/0}") == b",inf\r\n"
    assert raw_eval(raw, "return {big_number = '123456789012345678901234567890'}") == \
        b"(123456789012345678901234567890\r\n"
    assert raw_eval(raw, "return {verbatim_string = {format = 'txt', string = 'hi'}}") == \
        b"=6\r\ntxt:hi\r\n"
    assert raw_eval(raw, "return {verbatim_string = {format = 'mk', string = 'hi'}}") == \
        b"=6\r\nmk :hi\r\n"
    assert raw_eval(raw, "return nil") == b"_\r\n"
    assert raw_eval(raw, "return false") == b"_\r\n"             # script in RESP2: a null
    assert raw_eval(raw, "return true") == b":1\r\n"
    assert raw_eval(raw, "redis.setresp(3); return true") == b"#t\r\n"
    assert raw_eval(raw, "redis.setresp(3); return false") == b"#f\r\n"
    raw.cmd("HSET", "h", "a", "1")
    # The script reads RESP2 unless it asks: the client's protocol does not leak in.
    assert raw_eval(raw, "return redis.call('hgetall', 'h')") == b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert raw_eval(raw, "redis.setresp(3); return redis.call('hgetall', 'h')") == \
        b"%1\r\n$1\r\na\r\n$1\r\n1\r\n"


def test_setresp_errors(r):
    body = "redis.setresp(4)"
    assert script_error(r, body) == "ERR RESP version must be 2 or 3." + where(body)
    body = "redis.setresp()"
    assert script_error(r, body) == "ERR redis.setresp() requires one argument." + where(body)


# --------------------------------------------------------------------------
# EVALSHA and the script cache
# --------------------------------------------------------------------------

def test_evalsha_and_script_load(r):
    r.execute_command("SCRIPT", "FLUSH")
    body = "return 'cached'"
    sha = sha1(body)
    assert err(r, "EVALSHA", sha, 0) == NOSCRIPT
    assert r.execute_command("SCRIPT", "LOAD", body) == sha.encode()
    assert r.execute_command("EVALSHA", sha, 0) == b"cached"
    assert r.execute_command("EVALSHA", sha.upper(), 0) == b"cached"
    assert r.execute_command("SCRIPT", "EXISTS", sha, sha.upper(), "nope", sha1("x")) == \
        [1, 1, 0, 0]
    # EVAL caches too.
    body2 = "return 'evaled'"
    assert ev(r, body2) == b"evaled"
    assert r.execute_command("EVALSHA", sha1(body2), 0) == b"evaled"
    assert r.execute_command("SCRIPT", "FLUSH") == b"OK"
    assert r.execute_command("SCRIPT", "EXISTS", sha, sha1(body2)) == [0, 0]
    assert err(r, "EVALSHA", sha, 0) == NOSCRIPT


def test_evalsha_errors(r):
    assert err(r, "EVALSHA", "abc", -1) == NOSCRIPT          # length is checked first
    assert err(r, "EVALSHA", "0" * 40, -1) == "ERR Number of keys can't be negative"
    assert err(r, "EVALSHA", "0" * 40, 0) == NOSCRIPT
    assert err(r, "EVALSHA_RO", "0" * 40, 0) == NOSCRIPT


def test_script_flush_modes(r):
    r.execute_command("SCRIPT", "LOAD", "return 1")
    assert r.execute_command("SCRIPT", "FLUSH", "ASYNC") == b"OK"
    assert r.execute_command("SCRIPT", "EXISTS", sha1("return 1")) == [0]
    r.execute_command("SCRIPT", "LOAD", "return 1")
    assert r.execute_command("SCRIPT", "FLUSH", "sync") == b"OK"
    assert r.execute_command("SCRIPT", "EXISTS", sha1("return 1")) == [0]
    assert ev(r, "return 2") == 2                             # a fresh interpreter works
    for args in (["bad"], ["async", "x"]):
        assert err(r, "SCRIPT", "FLUSH", *args) == "ERR SCRIPT FLUSH only support SYNC|ASYNC option"


def test_script_flush_resets_cjson_configuration(r):
    assert ev(r, "cjson.encode_number_precision(3); return cjson.encode(1/3)") == b"0.333"
    assert ev(r, "return cjson.encode(1/3)") == b"0.333"     # kept between scripts
    r.execute_command("SCRIPT", "FLUSH")
    assert ev(r, "return cjson.encode(1/3)") == b"0.33333333333333"


def test_script_subcommand_errors(r):
    assert err(r, "SCRIPT") == wrong_args("script")
    assert err(r, "SCRIPT", "LOAD") == wrong_args("script|load")
    assert err(r, "SCRIPT", "EXISTS") == wrong_args("script|exists")
    assert err(r, "SCRIPT", "KILL", "x") == wrong_args("script|kill")
    assert err(r, "SCRIPT", "foo") == "ERR unknown subcommand 'foo'. Try SCRIPT HELP."
    assert err(r, "SCRIPT", "KILL") == "NOTBUSY No scripts in execution right now."


def test_script_help(r):
    lines = r.execute_command("SCRIPT", "HELP")
    assert lines[0] == b"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    for word in (b"EXISTS <sha1> [<sha1> ...]", b"FLUSH [ASYNC|SYNC]", b"KILL",
                 b"LOAD <script>", b"HELP"):
        assert word in lines


def test_info_memory_counts_cached_scripts(r):
    r.execute_command("SCRIPT", "FLUSH")
    mem = parse_info(r.execute_command("INFO", "memory"))["Memory"]
    assert mem["number_of_cached_scripts"] == "0"
    for i in range(3):
        r.execute_command("SCRIPT", "LOAD", "return %d" % i)
    mem = parse_info(r.execute_command("INFO", "memory"))["Memory"]
    assert mem["number_of_cached_scripts"] == "3"
    assert int(mem["used_memory_scripts_eval"]) > 0
    assert int(mem["used_memory_vm_eval"]) > 0
    assert mem["used_memory_lua"] == mem["used_memory_vm_eval"]
    r.execute_command("SCRIPT", "FLUSH")


@pytest.mark.aikv_only
def test_eval_cache_is_bounded_but_loaded_scripts_stay(r):
    """AiKv keeps at most 500 scripts cached by EVAL (least recently used first out);
    SCRIPT LOAD'ed scripts stay until SCRIPT FLUSH (docs/compatibility.md)."""
    r.execute_command("SCRIPT", "FLUSH")
    r.execute_command("SCRIPT", "LOAD", "return 'kept'")
    pipe = r.pipeline(transaction=False)
    for i in range(520):
        pipe.execute_command("EVAL", "return %d" % i, 0)
    pipe.execute()
    mem = parse_info(r.execute_command("INFO", "memory"))["Memory"]
    assert mem["number_of_cached_scripts"] == "501"
    assert r.execute_command("SCRIPT", "EXISTS", sha1("return 0"), sha1("return 519"),
                             sha1("return 'kept'")) == [0, 1, 1]
    r.execute_command("SCRIPT", "FLUSH")


# --------------------------------------------------------------------------
# EVAL_RO, EVALSHA_RO and shebang flags
# --------------------------------------------------------------------------

def test_eval_ro(r):
    r.execute_command("SET", "k", "v")
    assert r.execute_command("EVAL_RO", "return redis.call('get', KEYS[1])", 1, "k") == b"v"
    body = "return redis.call('set', 'k', 'x')"
    assert err(r, "EVAL_RO", body, 0) == \
        "ERR Write commands are not allowed from read-only scripts." + where(body)
    assert err(r, "EVAL_RO", "return redis.pcall('del', 'k')", 0) == \
        "ERR Write commands are not allowed from read-only scripts."
    sha = r.execute_command("SCRIPT", "LOAD", "return redis.call('get', 'k')").decode()
    assert r.execute_command("EVALSHA_RO", sha, 0) == b"v"
    assert r.execute_command("GET", "k") == b"v"


def test_shebang_flags(r):
    r.execute_command("SET", "k", "v")
    ro = "#!lua flags=no-writes\nreturn redis.call('set','a','b')"
    assert script_error(r, ro) == \
        "ERR Write commands are not allowed from read-only scripts." + where(ro, 2)
    assert ev(r, "#!lua flags=no-writes\nreturn redis.call('get','k')") == b"v"
    assert ev(r, "#!lua\nreturn redis.call('set','a','b')") == b"OK"
    assert err(r, "EVAL_RO", "#!lua\nreturn 1", 0) == \
        "ERR Can not execute a script with write flag using *_ro command."
    assert r.execute_command("EVAL_RO", "#!lua flags=no-writes\nreturn 1", 0) == 1
    assert ev(r, "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\n"
                 "return 2") == 2
    assert ev(r, "#!lua flags=\nreturn 3") == 3
    assert script_error(r, "#!lua flags=bad\nreturn 1") == "ERR Unexpected flag in script shebang: bad"
    assert script_error(r, "#!lua foo=bar\nreturn 1") == "ERR Unknown lua shebang option: foo=bar"
    assert script_error(r, "#!python\nreturn 1") == "ERR Unexpected engine in script shebang: #!python"
    assert script_error(r, "#! lua\nreturn 1") == "ERR Unexpected engine in script shebang: #!"
    assert script_error(r, "#!lua") == "ERR Invalid script shebang"
    assert err(r, "SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1") == \
        "ERR Unexpected flag in script shebang: bad"


# --------------------------------------------------------------------------
# The sandbox
# --------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "x = 1", "_G.x = 1", "redis.call = 1", "string.x = 1", "cjson.encode = nil",
    "ARGV = 1", "getmetatable('').__index = {}", "function f() end",
])
def test_globals_are_read_only(r, body):
    assert script_error(r, body) == "ERR user_script:1: Attempt to modify a readonly table" + \
        where(body)


@pytest.mark.parametrize("body", ["rawset(_G, 'x', 1)", "setmetatable(_G, {})",
                                  "rawset(string, 'x', 1)", "setmetatable(redis, {})"])
def test_raw_writes_to_protected_tables_fail(r, body):
    assert script_error(r, body) == "ERR Attempt to modify a readonly table" + where(body)


@pytest.mark.parametrize("name", ["print", "dofile", "loadfile", "require", "module",
                                  "setfenv", "getfenv", "newproxy", "debug", "io", "package"])
def test_removed_globals(r, name):
    body = "return %s" % name
    assert script_error(r, body) == \
        "ERR user_script:1: Script attempted to access nonexistent global variable '%s'" % name + \
        where(body)


def test_visible_globals(r):
    names = ev(r, "local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) return t")
    expected = {b"ARGV", b"KEYS", b"_G", b"_VERSION", b"__redis__err__handler", b"assert",
                b"bit", b"cjson", b"cmsgpack", b"collectgarbage", b"coroutine", b"error",
                b"gcinfo", b"getmetatable", b"ipairs", b"load", b"loadstring", b"math", b"next",
                b"pairs", b"pcall", b"rawequal", b"rawget", b"rawset", b"redis", b"select",
                b"setmetatable", b"string", b"struct", b"table", b"tonumber", b"tostring",
                b"type", b"unpack", b"xpcall"}
    assert expected <= set(names)
    assert set(names) - expected <= {b"os"}


def test_sandbox_reads_still_work(r):
    assert ev(r, "return rawget(string, 'upper') ~= nil") == 1
    assert ev(r, "return rawget(_G, 'redis') == redis") == 1
    assert ev(r, "return rawget(_G, 'nosuch')") is None
    assert ev(r, "return next(string) ~= nil") == 1
    assert ev(r, "return getmetatable('').__index == string") == 1
    assert ev(r, "return getmetatable('').__index.upper('a')") == b"A"
    assert ev(r, "return ('x'):rep(3)") == b"xxx"
    assert ev(r, "return _G._G == _G") == 1
    assert ev(r, "local t = {} t.x = 1 return t.x") == 1
    assert ev(r, "return rawset({}, 'x', 1).x") == 1
    assert ev(r, "return setmetatable({}, {__index = function(t, k) return k .. '!' end}).abc") \
        == b"abc!"


def test_loadstring_and_load(r):
    assert ev(r, "return loadstring('return 1')()") == 1
    assert ev(r, "local f, e = loadstring('return 1 + ') return e") == \
        b"[string \"return 1 + \"]:1: unexpected symbol near '<eof>'"
    body = "return loadstring('return nosuch')()"
    assert script_error(r, body).startswith(
        "ERR [string \"return nosuch\"]:1: Script attempted to access nonexistent global")
    body = "return loadstring('y = 1')()"
    assert "Attempt to modify a readonly table" in script_error(r, body)
    assert ev(r, "local parts = {'return ', '4', '2'} local i = 0 "
                 "return load(function() i = i + 1 return parts[i] end)()") == 42
    body = "return load('return 5')()"
    assert script_error(r, body) == \
        "ERR user_script:1: bad argument #1 to 'load' (function expected, got string)" + where(body)


def test_lua51_compatibility(r):
    assert ev(r, "return unpack({1, 2, 3})") == 1
    assert ev(r, "return select('#', unpack({1, 2, 3}))") == 3
    assert ev(r, "return table.getn({1, 2, 3})") == 3
    assert ev(r, "return table.maxn({1, 2, [10] = 3})") == 10
    assert ev(r, "return math.mod(7, 3)") == 1
    assert ev(r, "return tostring(math.pow(2, 10))") == b"1024"
    assert ev(r, "return string.gfind ~= nil") == 1
    assert ev(r, "return gcinfo() > 0") == 1
    assert ev(r, "return tostring(10 / 2)") == b"5"           # numbers print as in Lua 5.1
    assert ev(r, "return tostring(1 / 3)") == b"0.33333333333333"
    assert ev(r, "return tostring(2^31)") == b"2147483648"
    assert ev(r, "return tostring(tonumber('1e2'))") == b"100"
    assert ev(r, "return tostring(2^53)") == b"9.007199254741e+15"
    assert ev(r, "return string.format('%s', 10 / 2)") == b"5"
    assert ev(r, "return tostring(-0.0)") == b"-0"
    assert ev(r, "return tostring(1e100)") == b"1e+100"
    assert ev(r, "return tostring(math.floor(3.7))") == b"3"
    assert ev(r, "return tonumber('0x10')") == 16
    assert ev(r, "return {tostring(tonumber('inf')), tostring(tonumber('  12  ')), "
                 "tostring(tonumber('1e2')), tostring(tonumber('x'))}") == \
        [b"inf", b"12", b"100", b"nil"]
    assert ev(r, "return 'n' .. tonumber('1e2')") == b"n100"
    assert ev(r, "return tonumber('ff', 16)") == 255
    assert ev(r, "return coroutine.wrap(function() coroutine.yield(5) end)()") == 5


def test_math_random_is_deterministic_and_needs_a_script(r):
    # Redis's generator: the same sequence for the same seed, on every platform.
    body = "math.randomseed(42); return {tostring(math.random()), math.random(100), " \
           "math.random(5, 10)}"
    assert ev(r, body) == [b"0.74452500033403", 35, 5]
    body = "math.randomseed(7); return {math.random(10), math.random(10), math.random(10)}"
    assert ev(r, body) == ev(r, body)
    assert script_error(r, "return math.random(0)") == \
        "ERR user_script:1: bad argument #1 to 'random' (interval is empty)" + \
        where("return math.random(0)")
    assert script_error(r, "return math.random(3, 1)") == \
        "ERR user_script:1: bad argument #2 to 'random' (interval is empty)" + \
        where("return math.random(3, 1)")
    assert script_error(r, "return math.random(1, 2, 3)") == \
        "ERR user_script:1: wrong number of arguments" + where("return math.random(1, 2, 3)")


@pytest.mark.aikv_only
def test_os_clock_only(r):
    """os.clock exists (Redis 7.2); nothing else of os does."""
    assert ev(r, "return type(os.clock())") == b"number"
    assert ev(r, "local t = {} for k in pairs(os) do t[#t + 1] = k end return t") == [b"clock"]


# --------------------------------------------------------------------------
# redis.* helpers
# --------------------------------------------------------------------------

def test_redis_helpers(r):
    assert ev(r, "return redis.sha1hex('')") == b"da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert ev(r, "return redis.sha1hex('abc')") == sha1("abc").encode()
    assert ev(r, "return redis.sha1hex(5)") == sha1("5").encode()
    assert script_error(r, "return redis.sha1hex()") == \
        "ERR wrong number of arguments" + where("return redis.sha1hex()")
    assert ev(r, "return redis.REDIS_VERSION") == b"7.0.15"
    assert ev(r, "return redis.REDIS_VERSION_NUM") == 0x07000f
    assert ev(r, "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, "
                 "redis.LOG_WARNING}") == [0, 1, 2, 3]
    assert ev(r, "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, "
                 "redis.REPL_REPLICA, redis.REPL_ALL}") == [0, 1, 2, 2, 3]
    assert ev(r, "return redis.replicate_commands()") == 1
    assert ev(r, "return redis.breakpoint()") is None
    assert ev(r, "return redis.debug('x')") is None
    assert ev(r, "redis.set_repl(redis.REPL_ALL); return redis.call('set', 'k', 'v')") == b"OK"
    assert ev(r, "return redis.acl_check_cmd('get', 'x')") == 1
    body = "return redis.acl_check_cmd('nosuch')"
    assert script_error(r, body) == "ERR Invalid command passed to redis.acl_check_cmd()" + \
        where(body)
    body = "return redis.set_repl(8)"
    assert script_error(r, body) == "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, " \
        "REPL_ALL or REPL_NONE." + where(body)
    body = "return redis.set_repl()"
    assert script_error(r, body) == "ERR redis.set_repl() requires two arguments." + where(body)


def test_redis_log(r):
    assert ev(r, "return redis.log(redis.LOG_WARNING, 'hello', 'from', 'a script')") is None
    assert ev(r, "return redis.log(redis.LOG_DEBUG, 'not shown')") is None
    for body, msg in [("redis.log(redis.LOG_WARNING)", "redis.log() requires two arguments or more."),
                      ("redis.log('x', 'y')", "First argument must be a number (log level)."),
                      ("redis.log(10, 'y')", "Invalid debug level."),
                      ("redis.log(-1, 'y')", "Invalid debug level.")]:
        assert script_error(r, body) == "ERR " + msg + where(body)


def test_redis_log_reaches_the_server_log(server, r):
    ev(r, "redis.log(redis.LOG_WARNING, 'scripting-log-marker', 42)")
    deadline = time.monotonic() + 5
    while "scripting-log-marker 42" not in server.log_tail(200):
        assert time.monotonic() < deadline, "redis.log did not reach the log"
        time.sleep(0.05)


# --------------------------------------------------------------------------
# cjson
# --------------------------------------------------------------------------

@pytest.mark.parametrize("expr, out", [
    ("cjson.encode({1, 2, 3})", b"[1,2,3]"),
    ("cjson.encode({a = 1})", b'{"a":1}'),
    ("cjson.encode({})", b"{}"),
    ("cjson.encode({1.5, 0.1, 1e20, 1/3, -0.0})", b"[1.5,0.1,1e+20,0.33333333333333,-0]"),
    ("cjson.encode(123456789012345678)", b"1.2345678901235e+17"),
    ("cjson.encode('a\"b\\\\c/d\\1\\127')", b'"a\\"b\\\\c\\/d\\u0001\\u007f"'),
    ("cjson.encode('\\b\\f\\n\\r\\t')", b'"\\b\\f\\n\\r\\t"'),
    ("cjson.encode('\\226\\130\\172')", b'"\xe2\x82\xac"'),
    ("cjson.encode(nil)", b"null"),
    ("cjson.encode(cjson.null)", b"null"),
    ("cjson.encode(true)", b"true"),
    ("cjson.encode({[1] = 1, [3] = 3})", b"[1,null,3]"),
    ("cjson.encode({[1.5] = 1})", b'{"1.5":1}'),
    ("cjson.encode({[0] = 1})", b'{"0":1}'),
    ("cjson.encode({{{{}}}})", b"[[[{}]]]"),
    ("cjson.encode({'a', {b = 'c'}, cjson.null, false})", b'["a",{"b":"c"},null,false]'),
    ("cjson.encode(cjson.decode('[1,\"x\",null,true,{\"k\":[]}]'))", b'[1,"x",null,true,{"k":{}}]'),
    ("cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')", b"\xc3\xa9\xf0\x9f\x98\x80"),
    ("cjson.decode('{\"a\":[1,{\"b\":2}]}').a[2].b", 2),
    ("tostring(cjson.decode('1.5'))", b"1.5"),
    ("tostring(cjson.decode('10'))", b"10"),
    ("cjson.decode('0x10')", 16),
    ("tostring(cjson.decode('-Infinity'))", b"-inf"),
    ("type(cjson.decode('null'))", b"userdata"),
    ("cjson.decode('null') == cjson.null", 1),
    ("#cjson.decode('[]')", 0),
    ("cjson.decode('  [ 1 , 2 ] ')", [1, 2]),
    ("{cjson._NAME, cjson._VERSION}", [b"cjson", b"2.1.0"]),
])
def test_cjson(r, expr, out):
    assert ev(r, "return " + expr) == out


@pytest.mark.parametrize("expr, msg", [
    ("cjson.encode({[1] = 1, [20] = 3})", "Cannot serialise table: excessively sparse array"),
    ("cjson.encode({[true] = 1})", "Cannot serialise boolean: table key must be a number or string"),
    ("cjson.encode(function() end)", "Cannot serialise function: type not supported"),
    ("cjson.encode(1/0)", "Cannot serialise number: must not be NaN or Inf"),
    ("cjson.encode()", "bad argument #1 to 'encode' (expected 1 argument)"),
    ("cjson.decode('[1,2')", "Expected comma or array end but found T_END at character 5"),
    ("cjson.decode('{\"a\" 1}')", "Expected colon but found T_NUMBER at character 6"),
    ("cjson.decode('{1:2}')", "Expected object key string but found T_NUMBER at character 2"),
    ("cjson.decode('')", "Expected value but found T_END at character 1"),
    ("cjson.decode('[1] x')", "Expected the end but found invalid token at character 5"),
    ("cjson.decode('tru')", "Expected value but found invalid token at character 1"),
    ("cjson.decode('\"abc')", "Expected value but found unexpected end of string at character 5"),
    ("cjson.decode('\"\\\\x\"')", "Expected value but found invalid escape code at character 2"),
    ("cjson.decode('\"\\\\u12\"')",
     "Expected value but found invalid unicode escape code at character 2"),
    ("cjson.decode('1\\0 2')", "JSON parser does not support UTF-16 or UTF-32"),
    ("cjson.decode({})", "bad argument #1 to 'decode' (string expected, got table)"),
    ("cjson.encode_number_precision(15)",
     "bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)"),
    ("cjson.encode_invalid_numbers('x')", "bad argument #1 to 'encode_invalid_numbers' "
                                          "(invalid option 'x')"),
])
def test_cjson_errors(r, expr, msg):
    body = "return " + expr
    assert script_error(r, body) == "ERR user_script:1: " + msg + where(body)


def test_cjson_instances_and_configuration(r):
    assert ev(r, "local j = cjson.new(); j.encode_number_precision(2); "
                 "return {j.encode(1/3), cjson.encode(1/3)}") == [b"0.33", b"0.33333333333333"]
    assert ev(r, "local j = cjson.new(); return {j.encode_sparse_array(true, 3, 1), "
                 "j.encode({[1] = 1, [5] = 5})}") == [1, b"[1,null,null,null,5]"]
    assert ev(r, "local j = cjson.new(); j.encode_sparse_array(true, 2, 1) "
                 "return j.encode({[5] = 5})") == b'{"5":5}'
    assert ev(r, "local j = cjson.new(); j.encode_sparse_array(false, 0) "
                 "return j.encode({[30] = 5}):sub(1, 10)") == b"[null,null"
    assert ev(r, "local j = cjson.new(); return {j.encode_invalid_numbers('null'), "
                 "j.encode({1/0, 0/0})}") == [b"null", b"[null,null]"]
    assert ev(r, "local j = cjson.new(); j.encode_invalid_numbers(true); "
                 "return j.encode({1/0, -1/0})") == b"[inf,-inf]"
    assert ev(r, "local j = cjson.new(); j.decode_invalid_numbers(false); "
                 "return {pcall(j.decode, '0x10')}") == \
        [None, b"Expected value but found invalid number at character 1"]
    assert ev(r, "local j = cjson.new(); j.decode_max_depth(2); "
                 "return {pcall(j.decode, '[[[1]]]')}") == \
        [None, b"Found too many nested data structures (3) at character 3"]
    assert ev(r, "local j = cjson.new(); j.encode_max_depth(2); "
                 "return {pcall(j.encode, {{{1}}})}") == \
        [None, b"Cannot serialise, excessive nesting (3)"]
    assert ev(r, "local j = cjson.new(); return {tostring(j.encode_keep_buffer(false)), "
                 "j.encode({1})}") == [b"false", b"[1]"]
    assert ev(r, "return {cjson.encode_sparse_array()}") == [None, 2, 10]
    assert ev(r, "return {cjson.encode_max_depth(), cjson.decode_max_depth(), "
                 "cjson.encode_number_precision()}") == [1000, 1000, 14]


def test_cjson_depth_limits(r):
    assert ev(r, "local t = {} for i = 1, 1100 do t = {t} end return {pcall(cjson.encode, t)}") \
        == [None, b"Cannot serialise, excessive nesting (1001)"]
    assert ev(r, "local s = string.rep('[', 1100) .. string.rep(']', 1100) "
                 "return {pcall(cjson.decode, s)}") == \
        [None, b"Found too many nested data structures (1001) at character 1001"]


# --------------------------------------------------------------------------
# cmsgpack
# --------------------------------------------------------------------------

@pytest.mark.parametrize("expr, out", [
    ("cmsgpack.pack(1, 'a', {1, 2}, {a = 1}, true, false, nil, 1.5, -1, 255, 256, 65536, 2^32, "
     "-129, -33000, -2^40)",
     b"\x01\xa1a\x92\x01\x02\x81\xa1a\x01\xc3\xc2\xc0\xca?\xc0\x00\x00\xff\xcc\xff\xcd\x01\x00"
     b"\xce\x00\x01\x00\x00\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xd1\xff\x7f\xd2\xff\xff\x7f\x18"
     b"\xd3\xff\xff\xff\x00\x00\x00\x00\x00"),
    ("cmsgpack.pack({})", b"\x90"),
    ("cmsgpack.pack(0.1)", b"\xcb?\xb9\x99\x99\x99\x99\x99\x9a"),
    ("cmsgpack.pack(string.rep('x', 40)):sub(1, 2)", b"\xd9("),
    ("cmsgpack.pack(string.rep('x', 300)):sub(1, 3)", b"\xda\x01,"),
    ("cmsgpack.pack({1, nil, 3})", b"\x82\x01\x01\x03\x03"),
    ("cmsgpack.pack(cjson.null)", b"\xc0"),
    ("cmsgpack.pack(2^64)", b"\xca_\x80\x00\x00"),
    ("cmsgpack.pack(-2^63)", b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00"),
    ("cmsgpack.pack(1.0)", b"\x01"),
    ("{cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, 2}, true, 1.5))}",
     [1, b"a", [1, 2], 1, 1]),
    ("cmsgpack.unpack('\\145\\1')", [1]),
    ("cmsgpack.unpack('')", None),
    ("{cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}", [1, 1]),
    ("{cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1)}", [2, 2]),
    ("{cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}", [2, 1, 2]),
    ("{cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 3)}", [-1]),
    ("cmsgpack.unpack(5)", 53),
    ("cmsgpack.unpack('\\222\\0\\1\\161a\\1').a", 1),
    ("tostring(cmsgpack.unpack(cmsgpack.pack(2^53 + 1.5)))", b"9.007199254741e+15"),
    ("{cmsgpack._NAME, cmsgpack._VERSION}", [b"cmsgpack", b"lua-cmsgpack 0.4.0"]),
])
def test_cmsgpack(r, expr, out):
    assert ev(r, "return " + expr) == out


def test_cmsgpack_limits_and_errors(r):
    body = "local t = {} for i = 1, 20 do t = {t} end return cmsgpack.pack(t)"
    assert ev(r, body) == b"\x91" * 16 + b"\xc0"            # nesting past 16 is nil
    body = "return cmsgpack.unpack('\\193')"
    assert script_error(r, body) == "ERR user_script:1: Bad data format in input." + where(body)
    body = "return cmsgpack.unpack('\\146\\1')"
    assert script_error(r, body) == "ERR user_script:1: Missing bytes in input." + where(body)
    body = "return cmsgpack.pack()"
    assert script_error(r, body) == \
        "ERR user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)" + where(body)


# --------------------------------------------------------------------------
# bit and struct
# --------------------------------------------------------------------------

@pytest.mark.parametrize("expr, out", [
    ("{bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.tobit(1.5), bit.tobit(2.5), "
     "bit.tobit(-1.5)}", [-1, 5, 2, 2, -2]),
    ("{bit.tohex(255), bit.tohex(255, 4), bit.tohex(255, -4), bit.tohex(-1), bit.tohex(-1, 2), "
     "bit.tohex(1, 10), bit.tohex(1, 0)}",
     [b"000000ff", b"00ff", b"00FF", b"ffffffff", b"ff", b"00000001", b""]),
    ("{bit.bnot(0), bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bor(1)}",
     [-1, 3, 7, 6, 1]),
    ("{bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.rshift(-1, 28), "
     "bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), "
     "bit.bswap(0x12345678)}",
     [-2147483648, 1, 2, 15, -16, 878082066, 2014458966, 2018915346]),
    ("{bit.lshift(1, -1), bit.rshift(1, -1)}", [-2147483648, 0]),
    ("bit.band('12', 4)", 4),
    ("tostring(bit.tobit(5))", b"5"),
])
def test_bit(r, expr, out):
    assert ev(r, "return " + expr) == out


def test_bit_errors(r):
    for body, msg in [("return bit.band()", "bad argument #1 to 'band' (number expected, got no value)"),
                      ("return bit.band('x')", "bad argument #1 to 'band' (number expected, got string)"),
                      ("return bit.tobit()", "bad argument #1 to 'tobit' (number expected, got no value)")]:
        assert script_error(r, body) == "ERR user_script:1: " + msg + where(body)


@pytest.mark.parametrize("expr, out", [
    ("struct.pack('>I2', 258)", b"\x01\x02"),
    ("struct.pack('<i', -2)", b"\xfe\xff\xff\xff"),
    ("struct.pack('bBhHlLiI', -1, 255, -2, 65535, -3, 7, -4, 9)",
     b"\xff\xff\xfe\xff\xff\xff\xfd\xff\xff\xff\xff\xff\xff\xff\x07\x00\x00\x00\x00\x00\x00\x00"
     b"\xfc\xff\xff\xff\t\x00\x00\x00"),
    ("struct.pack('>d', 1.5)", b"?\xf8\x00\x00\x00\x00\x00\x00"),
    ("struct.pack('<f', 1.5)", b"\x00\x00\xc0?"),
    ("struct.pack('s', 'ab')", b"ab\x00"),
    ("struct.pack('c3', 'abcdef')", b"abc"),
    ("struct.pack('c0', 'abcdef')", b"abcdef"),
    ("struct.pack('!4 b i', 1, 2)", b"\x01\x00\x00\x00\x02\x00\x00\x00"),
    ("struct.pack('i3', 1)", b"\x01\x00\x00"),
    ("struct.pack('>I8', 2^64)", b"\x00" * 8),
    ("{struct.unpack('>I2', '\\1\\2')}", [258, 3]),
    ("{struct.unpack('<i', '\\254\\255\\255\\255')}", [-2, 5]),
    ("{struct.unpack('b', '\\255', 1)}", [-1, 2]),
    ("{struct.unpack('s', 'ab\\0cd')}", [b"ab", 4]),
    ("{struct.unpack('B c0', '\\3abcd')}", [b"abc", 5]),
    ("{struct.unpack('>d', struct.pack('>d', 2.25))}", [2, 9]),
    ("{struct.unpack('>i3', '\\255\\255\\254')}", [-2, 4]),
    ("tostring(struct.unpack('>I8', string.rep('\\255', 8)))", b"1.844674407371e+19"),
    ("tostring(struct.unpack('f', struct.pack('f', 0.1)))", b"0.10000000149012"),
    ("{struct.size('bhi'), struct.size('!8 b d'), struct.size('i3')}", [7, 16, 3]),
])
def test_struct(r, expr, out):
    assert ev(r, "return " + expr) == out


@pytest.mark.parametrize("expr, msg", [
    ("struct.pack('c5', 'ab')", "bad argument #3 to 'pack' (string too short)"),
    ("struct.pack('!3 b i', 1, 2)", "alignment 3 is not a power of 2"),
    ("struct.pack('i33', 1)", "integral size 33 is larger than limit of 32"),
    ("struct.pack('z', 1)", "bad argument #1 to 'pack' (invalid format option 'z')"),
    ("struct.pack('i')", "bad argument #2 to 'pack' (number expected, got nil)"),
    ("struct.unpack('s', 'ab')", "unfinished string in data"),
    ("struct.unpack('c0', 'abc')", "format 'c0' needs a previous size"),
    ("struct.unpack('i', 'ab')", "bad argument #2 to 'unpack' (data string too short)"),
    ("struct.unpack('c2', 'abc', 0)", "bad argument #3 to 'unpack' (offset must be 1 or greater)"),
    ("struct.size('s')", "bad argument #1 to 'size' (option 's' has no fixed size)"),
    ("struct.size('c0')", "bad argument #1 to 'size' (option 'c0' has no fixed size)"),
])
def test_struct_errors(r, expr, msg):
    body = "return " + expr
    assert script_error(r, body) == "ERR user_script:1: " + msg + where(body)


# --------------------------------------------------------------------------
# Command metadata and statistics
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name, arity, flags", [
    ("eval", -3, [b"noscript", b"stale", b"skip_monitor", b"no_mandatory_keys", b"movablekeys"]),
    ("evalsha", -3, [b"noscript", b"stale", b"skip_monitor", b"no_mandatory_keys", b"movablekeys"]),
    ("eval_ro", -3, [b"readonly", b"noscript", b"stale", b"skip_monitor", b"no_mandatory_keys",
                     b"movablekeys"]),
    ("evalsha_ro", -3, [b"readonly", b"noscript", b"stale", b"skip_monitor",
                        b"no_mandatory_keys", b"movablekeys"]),
    ("script|load", 3, [b"noscript", b"stale"]),
    ("script|exists", -3, [b"noscript"]),
    ("script|flush", -2, [b"noscript"]),
    ("script|kill", 2, [b"noscript", b"allow_busy"]),
    ("script|help", 2, [b"loading", b"stale"]),
])
def test_command_info(r, name, arity, flags):
    info = r.execute_command("COMMAND", "INFO", name)[0]
    assert info[0] == name.encode()
    assert info[1] == arity
    assert info[2] == flags
    assert info[3:6] == [0, 0, 0]
    assert info[6] == [b"@slow", b"@scripting"]


def test_command_info_key_specs_and_docs(r):
    info = r.execute_command("COMMAND", "INFO", "eval")[0]
    spec = dict(zip(info[8][0][::2], info[8][0][1::2]))
    assert spec[b"flags"] == [b"RW", b"access", b"update"]
    assert spec[b"begin_search"] == [b"type", b"index", b"spec", [b"index", 2]]
    assert spec[b"find_keys"] == [b"type", b"keynum", b"spec",
                                  [b"keynumidx", 0, b"firstkey", 1, b"keystep", 1]]
    docs = r.execute_command("COMMAND", "DOCS", "eval")
    assert docs[0] == b"eval"
    assert b"summary" in docs[1]
    script = r.execute_command("COMMAND", "INFO", "script")[0]
    assert script[1] == -2
    assert script[6] == [b"@slow"]


def test_command_getkeys(r):
    assert r.execute_command("COMMAND", "GETKEYS", "EVAL", "return 1", 2, "a", "b", "c") == \
        [b"a", b"b"]
    assert r.execute_command("COMMAND", "GETKEYS", "EVALSHA_RO", "x", 1, "k") == [b"k"]
    assert r.execute_command("COMMAND", "GETKEYS", "EVAL", "return 1", 0) == []
    assert r.execute_command("COMMAND", "GETKEYS", "EVAL", "return 1", 3, "a") == []
    assert r.execute_command("COMMAND", "GETKEYS", "EVAL", "return 1", "x", "a") == []
    assert err(r, "COMMAND", "GETKEYS", "EVAL", "r") == \
        "ERR Invalid number of arguments specified for command"
    assert err(r, "COMMAND", "GETKEYS", "SCRIPT", "LOAD", "x") == \
        "ERR The command has no key arguments"


def test_error_statistics(r):
    r.execute_command("SET", "s", "v")
    r.execute_command("CONFIG", "RESETSTAT")
    for body in ("return redis.call('incr', 's')",    # the INCR's error, once
                 "return redis.pcall('incr', 's')",
                 "return redis.call('nosuch')",       # refused by the script call: ERR
                 "return redis.call('set', 'x')",     # rejected_calls of SET
                 "return redis.error_reply('MY err')",
                 "error('x')"):
        err(r, "EVAL", body, 0)
    info = parse_info(r.execute_command("INFO", "errorstats"))["Errorstats"]
    assert info == {"errorstat_ERR": "count=5", "errorstat_MY": "count=1"}
    stats = parse_info(r.execute_command("INFO", "commandstats"))["Commandstats"]
    assert "calls=2" in stats["cmdstat_incr"] and "failed_calls=2" in stats["cmdstat_incr"]
    assert "rejected_calls=1" in stats["cmdstat_set"]
    assert "calls=6" in stats["cmdstat_eval"] and "failed_calls=6" in stats["cmdstat_eval"]


def test_busy_reply_threshold_config(r):
    assert r.execute_command("CONFIG", "GET", "busy-reply-threshold") == \
        [b"busy-reply-threshold", b"5000"]
    assert r.execute_command("CONFIG", "GET", "lua-time-limit") == [b"lua-time-limit", b"5000"]
    assert err(r, "CONFIG", "SET", "busy-reply-threshold", "-1") == \
        "ERR CONFIG SET failed (possibly related to argument 'busy-reply-threshold') - argument " \
        "must be between 0 and 9223372036854775807 inclusive"
    r.execute_command("CONFIG", "SET", "lua-time-limit", "4000")
    assert r.execute_command("CONFIG", "GET", "busy-reply-threshold") == \
        [b"busy-reply-threshold", b"4000"]
    r.execute_command("CONFIG", "SET", "busy-reply-threshold", "5000")


# --------------------------------------------------------------------------
# Busy scripts
# --------------------------------------------------------------------------

# Loops until ARGV[1] ms have passed (by the server's clock), then returns 'done'.
SPIN = ("local s = redis.call('time') local t0 = s[1] * 1000000 + s[2] "
        "while true do local n = redis.call('time') "
        "if (n[1] * 1000000 + n[2]) - t0 > tonumber(ARGV[1]) * 1000 then break end end "
        "return 'done'")


@pytest.fixture
def busy(r):
    """A 100 ms busy-reply-threshold for the test, restored after."""
    r.execute_command("CONFIG", "SET", "busy-reply-threshold", "100")
    yield
    r.execute_command("CONFIG", "SET", "busy-reply-threshold", "5000")


def wait_busy(c, timeout=5.0):
    """Pings on c until the server answers BUSY."""
    deadline = time.monotonic() + timeout
    while True:
        reply = c.cmd("PING")
        if reply == RespError(BUSY):
            return
        assert time.monotonic() < deadline, "the script never became busy (last %r)" % reply
        time.sleep(0.02)


def test_busy_script_answers_busy_until_killed(r, busy, new_raw):
    # The script spins far longer than the checks take, even on a slow machine, and is
    # then killed: had it ended by itself before the SHUTDOWN below, the server would stop.
    a, b = new_raw(), new_raw()
    a.send_command("EVAL", SPIN, 0, 10000)
    wait_busy(b)
    assert b.cmd("SHUTDOWN") == RespError(BUSY)             # only SHUTDOWN NOSAVE
    assert b.cmd("GET", "x") == RespError(BUSY)
    assert b.cmd("EVAL", "return 1", 0) == RespError(BUSY)
    assert b.cmd("MULTI") == b"OK"                          # allow_busy
    assert b.cmd("EXEC") == RespError("EXECABORT Transaction discarded because of: " + BUSY)
    assert b.cmd("SCRIPT", "KILL") == b"OK"
    assert a.read_reply() == RespError("ERR Script killed by user with SCRIPT KILL..." + where(SPIN))
    assert b.cmd("PING") == b"PONG"


def test_busy_script_ends_by_itself(r, busy, new_raw):
    a, b = new_raw(), new_raw()
    a.send_command("EVAL", SPIN, 0, 300)
    wait_busy(b)
    assert a.read_reply() == b"done"
    assert b.cmd("PING") == b"PONG"


def test_busy_scripts_in_a_row_each_answer_busy(r, busy, new_raw):
    """Each busy script lets the other clients in, also when one of them was served in the
    same event-loop turn just before the script started (its reply must not wait for the
    script to end)."""
    a, b = new_raw(), new_raw()
    for _ in range(4):
        a.send_command("EVAL", SPIN, 0, 1500)
        b.send_command("PING")   # may be read in the same turn as the EVAL
        assert b.read_reply() in (b"PONG", RespError(BUSY))
        wait_busy(b, timeout=1.2)
        assert a.read_reply() == b"done"


def test_keys_do_not_expire_while_a_script_runs(r):
    """A script sees the keyspace as of its start: a TTL that passes meanwhile does not
    take the key away from under it (Redis 7.0: scripts run at their start time)."""
    r.execute_command("SET", "k", "v", "PX", 100)
    body = ("local before = redis.call('EXISTS', KEYS[1]) " + SPIN.replace("return 'done'", "")
            + " return {before, redis.call('EXISTS', KEYS[1]), redis.call('GET', KEYS[1])}")
    assert r.execute_command("EVAL", body, 1, "k", 300) == [1, 1, b"v"]
    assert r.execute_command("EXISTS", "k") == 0


def test_script_kill_of_a_read_only_script(r, busy, new_raw):
    a, b = new_raw(), new_raw()
    a.send_command("EVAL", SPIN, 0, 5000)
    wait_busy(b)
    assert b.cmd("SCRIPT", "KILL") == b"OK"
    assert a.read_reply() == RespError("ERR Script killed by user with SCRIPT KILL..." + where(SPIN))
    assert b.cmd("SCRIPT", "KILL") == RespError("NOTBUSY No scripts in execution right now.")
    assert a.cmd("PING") == b"PONG"
    # pcall cannot hold on to a killed script.
    body = ("local t0 = redis.call('time')[1] "
            "while redis.call('time')[1] - t0 < 5 do "
            "pcall(function() local n = redis.call('time') end) end")
    a.send_command("EVAL", body, 0)
    wait_busy(b)
    assert b.cmd("SCRIPT", "KILL") == b"OK"
    reply = a.read_reply()
    assert isinstance(reply, RespError) and "Script killed by user with SCRIPT KILL..." in reply


def test_script_that_wrote_is_unkillable(r, busy, new_raw):
    a, b = new_raw(), new_raw()
    body = "redis.call('set', 'written', '1') " + SPIN
    a.send_command("EVAL", body, 0, 1500)
    wait_busy(b)
    assert b.cmd("SCRIPT", "KILL") == RespError(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.")
    assert a.read_reply() == b"done"
    assert b.cmd("GET", "written") == b"1"


def test_shutdown_nosave_stops_a_busy_script(server_factory):
    srv = server_factory("--busy-reply-threshold", "100", name="busy")
    a, b = srv.raw(), srv.raw()
    try:
        body = "redis.call('set', 'k', 'v') " + SPIN
        a.send_command("EVAL", body, 0, 10000)
        wait_busy(b)
        b.send_command("SHUTDOWN", "NOSAVE")
        assert b.is_closed(timeout=5)
        assert a.is_closed(timeout=5)
        assert srv.proc.wait(10) == 0
    finally:
        a.close()
        b.close()

"""Redis 7.0 Functions: FUNCTION LOAD|LIST|DELETE|FLUSH|DUMP|RESTORE|STATS|KILL|HELP and
FCALL / FCALL_RO, with Redis 7.0.15's rules and texts.

Libraries ("#!lua name=<lib>" metadata, redis.register_function in its positional and
table forms, flags, descriptions), the load-time environment (only redis.register_function,
redis.log and the redis.* constants; no redis.call, no standard library, no new globals;
a 500 ms load timeout), functions at run time (keys and args as the callback's two tables,
the error suffix " script: <function>, on @user_function:<line>.", no-writes and FCALL_RO,
RESP3), FUNCTION LIST in both protocols, DUMP/RESTORE and their policies, FUNCTION STATS,
busy functions (the FUNCTION KILL flavour of -BUSY, FUNCTION KILL vs SCRIPT KILL,
UNKILLABLE), the INFO memory fields, and libraries surviving restarts on every engine.

Every busy function loops on the server's clock (redis.call('time')) and ends by itself
within seconds; the library that tests the load timeout loops a bounded number of times,
so that a failing test cannot leave the server blocked.
"""

import struct
import time

import pytest

import helpers
from helpers import TARGET, RespError, err, parse_info, wrong_args

NOT_FOUND = "ERR Function not found"
RO_WITH_WRITE = "ERR Can not execute a script with write flag using *_ro command."
WRITE_FROM_RO = "ERR Write commands are not allowed from read-only scripts."
NOT_ALLOWED = "ERR This Redis command is not allowed from script"
BAD_NAME = ("ERR Library names can only contain letters, numbers, or underscores(_) and must be "
            "at least one character long")
BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BUSY = ("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
        "NOSAVE.")
BUSY_EVAL = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
NOTBUSY = "NOTBUSY No scripts in execution right now."
UNKILLABLE = ("UNKILLABLE Sorry the script already executed write commands against the dataset. "
              "You can either wait the script termination or kill the server in a hard way "
              "using the SHUTDOWN NOSAVE command.")
KILLED = "ERR Script killed by user with SCRIPT KILL..."


@pytest.fixture(autouse=True)
def no_libraries(r):
    """Every test starts without libraries (FLUSHALL, done by `r`, keeps them)."""
    r.execute_command("FUNCTION", "FLUSH")


def lib(name, body):
    return "#!lua name=%s\n%s" % (name, body)


def load(r, code, replace=False):
    args = ("FUNCTION", "LOAD") + (("REPLACE",) if replace else ()) + (code,)
    return r.execute_command(*args)


def load_err(r, code):
    return err(r, "FUNCTION", "LOAD", code)


def reg_err(text):
    """The error of a library whose top level fails."""
    return "ERR Error registering functions: ERR " + text


def where(function, line):
    """The suffix of an error raised inside a function."""
    return " script: %s, on @user_function:%d." % (function, line)


def line_of(code, needle):
    """The line number (from 1, the shebang) of the first line of code holding needle."""
    for number, text in enumerate(code.split("\n"), 1):
        if needle in text:
            return number
    raise AssertionError("%r not in the code" % needle)


def simple(name, ret="1"):
    """The body of a library with one function `name` returning `ret`."""
    return "redis.register_function('%s', function(keys, args) return %s end)" % (name, ret)


def pairs_to_dict(flat):
    return dict(zip(flat[::2], flat[1::2]))


def libraries(r, *args):
    """FUNCTION LIST (RESP2) as [{field: value}], libraries sorted by name and functions
    by name (Redis lists both in hash-table order)."""
    out = []
    for entry in r.execute_command("FUNCTION", "LIST", *args):
        d = pairs_to_dict(entry)
        d[b"functions"] = sorted((pairs_to_dict(f) for f in d[b"functions"]),
                                 key=lambda f: f[b"name"])
        out.append(d)
    return sorted(out, key=lambda d: d[b"library_name"])


def fn(name, description=None, flags=()):
    return {b"name": name, b"description": description, b"flags": list(flags)}


def library_names(r, *args):
    return [d[b"library_name"] for d in libraries(r, *args)]


# --------------------------------------------------------------------------
# FUNCTION LOAD: metadata
# --------------------------------------------------------------------------

def test_load_returns_the_library_name(r):
    assert load(r, lib("mylib", simple("myfunc", "'hello'"))) == b"mylib"
    assert r.execute_command("FCALL", "myfunc", 0) == b"hello"
    assert library_names(r) == [b"mylib"]


def test_missing_or_bad_shebang(r):
    body = "\n" + simple("f")
    assert load_err(r, simple("f")) == "ERR Missing library metadata"
    assert load_err(r, " #!lua name=x" + body) == "ERR Missing library metadata"
    assert load_err(r, "#!lua" + body) == "ERR Library name was not given"
    assert load_err(r, "#!" + body) == "ERR Library name was not given"
    assert load_err(r, "#!lua name=x") == "ERR Invalid library metadata"  # no newline
    assert load_err(r, "#!py name=x" + body) == "ERR Engine 'py' not found"
    assert load_err(r, "#! lua name=x" + body) == "ERR Invalid metadata value given: lua"
    assert r.execute_command("FUNCTION", "LIST") == []


def test_library_name_rules(r):
    body = "\n" + simple("f")
    for name in ("", "a-b", "a.b", "caf\u00e9"):
        assert load_err(r, "#!lua name=%s%s" % (name, body)) == BAD_NAME, name
    assert load(r, "#!lua name=A_b9" + body) == b"A_b9"
    assert load(r, "#!lua name=9" + "\n" + simple("g")) == b"9"


def test_metadata_keys(r):
    body = "\n" + simple("f")
    assert load_err(r, "#!lua name=x foo=bar" + body) == "ERR Invalid metadata value given: foo=bar"
    assert load_err(r, "#!lua foo" + body) == "ERR Invalid metadata value given: foo"
    assert load_err(r, "#!lua name=x name" + body) == "ERR Invalid metadata value given: name"
    assert load_err(r, "#!lua name=x name=y" + body) == \
        "ERR Invalid metadata value, name argument was given multiple times"
    assert load_err(r, "#!lua name=x name=x" + body) == \
        "ERR Invalid metadata value, name argument was given multiple times"
    # The engine name is case-insensitive; blanks (a CR too) only separate the fields.
    assert load(r, "#!LUA name=a\n" + simple("fa")) == b"a"
    assert load(r, "#!lua   name=b  \n" + simple("fb")) == b"b"
    assert load(r, "#!lua name=c\r\n" + simple("fc")) == b"c"
    assert library_names(r) == [b"a", b"b", b"c"]


def test_load_arguments(r):
    assert err(r, "FUNCTION", "LOAD") == wrong_args("function|load")
    assert err(r, "FUNCTION", "LOAD", "REPLACE") == "ERR Missing library metadata"
    assert err(r, "FUNCTION", "LOAD", "x", "y") == "ERR Unknown option given: x"
    assert err(r, "FUNCTION", "LOAD", "FOO", lib("l", simple("f"))) == \
        "ERR Unknown option given: FOO"
    assert err(r, "FUNCTION", "LOAD", "REPLACE", "x", "y") == "ERR Unknown option given: x"
    assert r.execute_command("FUNCTION", "LOAD", "replace", lib("l", simple("f"))) == b"l"
    assert r.execute_command("FUNCTION", "LOAD", "REPLACE", "REPLACE", lib("l", simple("g"))) == \
        b"l"
    assert r.execute_command("FCALL", "g", 0) == 1


def test_duplicate_library(r):
    load(r, lib("x", simple("f")))
    # checked before the code runs: the same error whatever the code
    assert load_err(r, lib("x", simple("other"))) == "ERR Library 'x' already exists"
    assert load_err(r, lib("x", "this is not lua")) == "ERR Library 'x' already exists"
    assert r.execute_command("FCALL", "f", 0) == 1


def test_replace_swaps_the_whole_library(r):
    load(r, lib("x", simple("f", "'old'") + "\n" + simple("g")))
    assert load(r, lib("x", simple("f", "'new'") + "\n" + simple("h", "2")), replace=True) == b"x"
    assert r.execute_command("FCALL", "f", 0) == b"new"
    assert r.execute_command("FCALL", "h", 0) == 2
    assert err(r, "FCALL", "g", 0) == NOT_FOUND       # functions not re-registered are gone
    assert libraries(r) == [{b"library_name": b"x", b"engine": b"LUA",
                             b"functions": [fn(b"f"), fn(b"h")]}]
    # REPLACE of a library that does not exist just loads it
    assert load(r, lib("y", simple("k")), replace=True) == b"y"


def test_a_failed_replace_keeps_the_old_library(r):
    load(r, lib("x", simple("f", "'old'")))
    load(r, lib("other", simple("taken")))

    def replace_err(code):
        return err(r, "FUNCTION", "LOAD", "REPLACE", code)

    assert replace_err("#!lua name=x\nlocal x = ") == \
        "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"
    assert replace_err(lib("x", "local x = 1")) == "ERR No functions registered"
    assert replace_err(lib("x", "local x = nil + 1")) == \
        reg_err("user_function:2: attempt to perform arithmetic on a nil value")
    assert replace_err(lib("x", simple("g") + "\n" + simple("taken"))) == \
        "ERR Function taken already exists"
    assert r.execute_command("FCALL", "f", 0) == b"old"
    assert r.execute_command("FCALL", "taken", 0) == 1
    assert err(r, "FCALL", "g", 0) == NOT_FOUND
    assert library_names(r) == [b"other", b"x"]


def test_function_name_taken_by_another_library(r):
    load(r, lib("a", simple("f")))
    assert load_err(r, lib("b", simple("f"))) == "ERR Function f already exists"
    assert load_err(r, lib("b", simple("g") + "\n" + simple("f"))) == \
        "ERR Function f already exists"
    assert err(r, "FCALL", "g", 0) == NOT_FOUND       # nothing of b was kept
    assert library_names(r) == [b"a"]


def test_function_names_are_case_insensitive_library_names_are_not(r):
    load(r, lib("x", simple("MixedCase", "'m'")))
    assert r.execute_command("FCALL", "mixedcase", 0) == b"m"
    assert r.execute_command("FCALL", "MIXEDCASE", 0) == b"m"
    assert load_err(r, lib("y", simple("mixedCASE"))) == "ERR Function mixedCASE already exists"
    assert load(r, lib("X", simple("other"))) == b"X"    # a second library
    assert library_names(r) == [b"X", b"x"]
    assert [f[b"name"] for f in libraries(r)[1][b"functions"]] == [b"MixedCase"]
    assert r.execute_command("FUNCTION", "DELETE", "X") == b"OK"
    assert library_names(r) == [b"x"]


def test_no_functions_registered(r):
    assert load_err(r, lib("x", "local x = 1")) == "ERR No functions registered"
    assert load_err(r, lib("x", "return 5")) == "ERR No functions registered"
    assert load_err(r, "#!lua name=x\n") == "ERR No functions registered"
    assert r.execute_command("FUNCTION", "LIST") == []


def test_compile_errors(r):
    assert load_err(r, "#!lua name=x\nlocal x = ") == \
        "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"
    assert load_err(r, "#!lua name=x\n\n\nreturn +") == \
        "ERR Error compiling function: user_function:4: unexpected symbol near '+'"


def test_runtime_errors_during_load(r):
    assert load_err(r, lib("x", "local x = nil + 1")) == \
        reg_err("user_function:2: attempt to perform arithmetic on a nil value")
    assert load_err(r, lib("x", "local x = {} .. 'a'")) == \
        reg_err("user_function:2: attempt to concatenate a table value")
    # an error after a successful registration still fails the whole load
    assert load_err(r, lib("x", simple("f") + "\nlocal y = nil + 1")) == \
        reg_err("user_function:3: attempt to perform arithmetic on a nil value")
    assert err(r, "FCALL", "f", 0) == NOT_FOUND
    assert r.execute_command("FUNCTION", "LIST") == []


# --------------------------------------------------------------------------
# FUNCTION LOAD: what the top level of a library can use
# --------------------------------------------------------------------------

def missing_global(name, line=2):
    return reg_err("user_function:%d: Script attempted to access nonexistent global variable "
                   "'%s'" % (line, name))


@pytest.mark.parametrize("expr, name", [
    ("redis.call('set', 'x', '1')", "call"),
    ("redis.pcall('set', 'x', '1')", "pcall"),
    ("redis.setresp(3)", "setresp"),
    ("redis.status_reply('x')", "status_reply"),
    ("redis.error_reply('x')", "error_reply"),
    ("redis.sha1hex('x')", "sha1hex"),
    ("redis.set_repl(redis.REPL_ALL)", "set_repl"),
    ("error('boom')", "error"),
    ("math.floor(1.5)", "math"),
    ("string.rep('a', 2)", "string"),
    ("table.concat({})", "table"),
    ("pairs({})", "pairs"),
    ("tostring(1)", "tostring"),
    ("setmetatable({}, {})", "setmetatable"),
    ("loadstring('return 1')", "loadstring"),
    ("cjson.encode({})", "cjson"),
    ("_G.x", "_G"),
    ("KEYS[1]", "KEYS"),
    ("os.clock()", "os"),
    ("x + 1", "x"),
])
def test_load_time_has_no_commands_and_no_standard_library(r, expr, name):
    assert load_err(r, lib("x", "local v = %s\n%s" % (expr, simple("f")))) == missing_global(name)


def test_load_time_globals_are_read_only(r):
    text = reg_err("user_function:2: Attempt to modify a readonly table")
    assert load_err(r, lib("x", "newglobal = 1\n" + simple("f"))) == text
    assert load_err(r, lib("x", "redis.x = 1\n" + simple("f"))) == text
    assert load_err(r, lib("x", "redis.register_function = nil\n" + simple("f"))) == text


def test_load_time_has_log_and_constants(r):
    body = ("redis.log(redis.LOG_WARNING, 'loading test library')\n"
            "local v = {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, redis.LOG_DEBUG,\n"
            "           redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}\n"
            "local register = redis.register_function\n"
            "register('consts', function() return v end)")
    assert load(r, lib("x", body)) == b"x"
    version = parse_info(r.execute_command("INFO", "server"))["Server"]["redis_version"]
    major, minor, patch = (int(p) for p in version.split("."))
    assert r.execute_command("FCALL", "consts", 0) == \
        [version.encode(), (major << 16) | (minor << 8) | patch, 0, 1, 2, 3]
    assert load_err(r, lib("y", "redis.log(redis.LOG_WARNING)")) == \
        "ERR Error registering functions: ERR redis.log() requires two arguments or more."
    assert load_err(r, lib("y", "redis.log(99, 'x')")) == \
        "ERR Error registering functions: ERR Invalid debug level."


def test_load_timeout(r):
    # Redis aborts a load after 500 ms. The loop is bounded (a few seconds at
    # most) so that a server without the timeout still answers.
    body = "local i = 0\nwhile i < 1000000000 do i = i + 1 end\n" + simple("f")
    start = time.monotonic()
    assert load_err(r, lib("x", body)) == reg_err("FUNCTION LOAD timeout")
    assert 0.4 < time.monotonic() - start < 3
    assert r.execute_command("FUNCTION", "LIST") == []
    assert load(r, lib("x", simple("f"))) == b"x"     # the engine still works
    assert r.execute_command("FCALL", "f", 0) == 1


# --------------------------------------------------------------------------
# redis.register_function
# --------------------------------------------------------------------------

@pytest.mark.parametrize("call, text", [
    ("redis.register_function()", "wrong number of arguments to redis.register_function"),
    ("redis.register_function('a', function() end, 'x')",
     "wrong number of arguments to redis.register_function"),
    ("redis.register_function('a', function() end, {'no-writes'})",
     "wrong number of arguments to redis.register_function"),
    ("redis.register_function('a', function() end, {}, 1)",
     "wrong number of arguments to redis.register_function"),
    ("redis.register_function('a')",
     "calling redis.register_function with a single argument is only applicable to Lua table "
     "(representing named arguments)."),
    ("redis.register_function('a', 'b')",
     "second argument to redis.register_function must be a function"),
    ("redis.register_function('a', nil)",
     "second argument to redis.register_function must be a function"),
    ("redis.register_function(nil, function() end)",
     "first argument to redis.register_function must be a string"),
    ("redis.register_function({function_name='a', callback=function() end}, 2)",
     "first argument to redis.register_function must be a string"),
    ("redis.register_function('a-b', function() end)", BAD_NAME[4:]),
    ("redis.register_function('', function() end)", BAD_NAME[4:]),
    ("redis.register_function('a.b', function() end)", BAD_NAME[4:]),
    ("redis.register_function('a', function() end)\nredis.register_function('a', function() end)",
     "Function already exists in the library"),
])
def test_register_function_positional_errors(r, call, text):
    assert load_err(r, lib("x", call)) == reg_err(text)


@pytest.mark.parametrize("call, text", [
    ("redis.register_function{}", "redis.register_function must get a function name argument"),
    ("redis.register_function{callback=function() end}",
     "redis.register_function must get a function name argument"),
    ("redis.register_function{function_name='a'}",
     "redis.register_function must get a callback argument"),
    ("redis.register_function{function_name='a', callback='x'}",
     "callback argument given to redis.register_function must be a function"),
    ("redis.register_function{function_name='a', callback=function() end, flags={'foo'}}",
     "unknown flag given"),
    ("redis.register_function{function_name='a', callback=function() end, flags={1}}",
     "unknown flag given"),
    ("redis.register_function{function_name='a', callback=function() end, flags={'no-script'}}",
     "unknown flag given"),
    ("redis.register_function{function_name='a', callback=function() end, flags={'allow-busy'}}",
     "unknown flag given"),
    ("redis.register_function{function_name='a', callback=function() end, flags='no-writes'}",
     "flags argument to redis.register_function must be a table representing function flags"),
    ("redis.register_function{function_name='a', callback=function() end, description={}}",
     "description argument given to redis.register_function must be a string"),
    ("redis.register_function{function_name='a', callback=function() end, foo=1}",
     "unknown argument given to redis.register_function"),
    ("redis.register_function{[1]='a', callback=function() end}",
     "unknown argument given to redis.register_function"),
    ("redis.register_function{function_name='a-b', callback=function() end}", BAD_NAME[4:]),
])
def test_register_function_table_errors(r, call, text):
    assert load_err(r, lib("x", call)) == reg_err(text)


def test_register_function_table_form(r):
    body = """
redis.register_function{
    function_name = 'full',
    callback = function(keys, args) return 'full' end,
    flags = {'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'},
    description = 'my desc',
}
redis.register_function{function_name = 'plain', callback = function() return 'plain' end}
redis.register_function{function_name = 'noflags', callback = function() end, flags = {}}
redis.register_function{function_name = 'numdesc', callback = function() end, description = 1}
redis.register_function{function_name = 'nildesc', callback = function() end, description = nil}
redis.register_function('positional', function() return 'positional' end)
"""
    assert load(r, lib("t", body)) == b"t"
    assert libraries(r) == [{b"library_name": b"t", b"engine": b"LUA", b"functions": [
        fn(b"full", b"my desc",
           [b"no-writes", b"allow-oom", b"allow-stale", b"no-cluster", b"allow-cross-slot-keys"]),
        fn(b"nildesc"), fn(b"noflags"), fn(b"numdesc", b"1"), fn(b"plain"), fn(b"positional")]}]
    assert r.execute_command("FCALL", "full", 0) == b"full"
    assert r.execute_command("FCALL_RO", "full", 0) == b"full"
    assert r.execute_command("FCALL", "plain", 0) == b"plain"
    assert r.execute_command("FCALL", "positional", 0) == b"positional"


def test_flags_are_read_like_redis(r):
    body = """
redis.register_function{function_name = 'upper', callback = function() end, flags = {'NO-WRITES'}}
redis.register_function{function_name = 'twice', callback = function() end,
                        flags = {'no-writes', 'no-writes'}}
redis.register_function{function_name = 'order', callback = function() end,
                        flags = {'allow-cross-slot-keys', 'allow-stale', 'no-writes'}}
redis.register_function{function_name = 'hole', callback = function() end,
                        flags = {'no-writes', nil, 'bogus'}}
redis.register_function{function_name = 'keyed', callback = function() end, flags = {no = 1}}
"""
    assert load(r, lib("t", body)) == b"t"
    assert libraries(r)[0][b"functions"] == [
        fn(b"hole", flags=[b"no-writes"]),           # the flags array ends at its first nil
        fn(b"keyed"),                                # only the array part is read
        fn(b"order", flags=[b"no-writes", b"allow-stale", b"allow-cross-slot-keys"]),
        fn(b"twice", flags=[b"no-writes"]),
        fn(b"upper", flags=[b"no-writes"])]


def test_function_name_rules(r):
    body = """
redis.register_function('1abc', function() return 'digit first' end)
redis.register_function(12, function() return 'a number' end)
redis.register_function(('x'):rep(65), function() return 'long' end)
redis.register_function('A_z_09', function() return 'mixed' end)
"""
    assert load(r, lib("t", body)) == b"t"
    assert r.execute_command("FCALL", "1abc", 0) == b"digit first"
    assert r.execute_command("FCALL", "12", 0) == b"a number"
    assert r.execute_command("FCALL", "x" * 65, 0) == b"long"
    assert r.execute_command("FCALL", "a_Z_09", 0) == b"mixed"
    assert [f[b"name"] for f in libraries(r)[0][b"functions"]] == \
        [b"12", b"1abc", b"A_z_09", b"x" * 65]


# --------------------------------------------------------------------------
# FCALL / FCALL_RO
# --------------------------------------------------------------------------

MAIN = """#!lua name=main
redis.register_function('echo', function(keys, args) return {keys, args, #keys, #args} end)
redis.register_function('kglobal', function(keys, args) return KEYS end)
redis.register_function('aglobal', function(keys, args) return ARGV end)
redis.register_function('setter', function(keys, args) return redis.call('set', keys[1], args[1]) end)
redis.register_function{function_name='getter', flags={'no-writes'},
    callback=function(keys, args) return redis.call('get', keys[1]) end}
redis.register_function{function_name='ro_call_write', flags={'no-writes'},
    callback=function(keys, args) return redis.call('set', keys[1], 'x') end}
redis.register_function{function_name='ro_pcall_write', flags={'no-writes'},
    callback=function(keys, args) return redis.pcall('set', keys[1], 'x') end}
redis.register_function('raise', function(keys, args) error('boom') end)
redis.register_function('raise_table', function(keys, args) error({err='MY custom'}) end)
redis.register_function('call_error', function(keys, args)
    return redis.call('incr', keys[1])
end)
redis.register_function('arith', function() local x = nil + 1 end)
redis.register_function('error_reply', function() return redis.error_reply('MY err') end)
redis.register_function('error_reply_plain', function() return redis.error_reply('plain') end)
redis.register_function('status_reply', function() return redis.status_reply('FINE') end)
redis.register_function('pcall_error', function(keys, args)
    local e = redis.pcall('incr', keys[1])
    return {type(e), e.err}
end)
redis.register_function('new_global', function() newglobal = 1 return 1 end)
redis.register_function('read_global', function() return nosuch end)
"""


@pytest.fixture
def main(r):
    assert load(r, MAIN) == b"main"
    return r


def test_keys_and_args_are_the_callbacks_arguments(main):
    r = main
    assert r.execute_command("FCALL", "echo", 2, "k1", "k2", "a1") == \
        [[b"k1", b"k2"], [b"a1"], 2, 1]
    assert r.execute_command("FCALL", "echo", 0) == [[], [], 0, 0]
    assert r.execute_command("FCALL", "echo", 0, "a", "b") == [[], [b"a", b"b"], 0, 2]
    assert r.execute_command("FCALL", "echo", "1", b"\x00k") == [[b"\x00k"], [], 1, 0]


def test_keys_and_argv_globals_do_not_exist(main):
    for name in ("KEYS", "ARGV"):
        function = name[0].lower() + "global"
        line = line_of(MAIN, "'%s'" % function)
        assert err(main, "FCALL", function, 1, "k", "a") == \
            "ERR user_function:%d: Script attempted to access nonexistent global variable " \
            "'%s'%s" % (line, name, where(function, line))


def test_numkeys_errors(main):
    r = main
    assert err(r, "FCALL", "echo", -1) == "ERR Number of keys can't be negative"
    assert err(r, "FCALL", "echo", 3, "a") == \
        "ERR Number of keys can't be greater than number of args"
    assert err(r, "FCALL", "echo", "x") == "ERR Bad number of keys provided"
    assert err(r, "FCALL", "echo", "99999999999999999999") == "ERR Bad number of keys provided"
    assert err(r, "FCALL", "echo", "1.5", "k") == "ERR Bad number of keys provided"
    assert err(r, "FCALL_RO", "getter", "x") == "ERR Bad number of keys provided"
    assert err(r, "FCALL", "echo") == wrong_args("fcall")
    assert err(r, "FCALL") == wrong_args("fcall")
    assert err(r, "FCALL_RO", "echo") == wrong_args("fcall_ro")


def test_unknown_function(main):
    r = main
    assert err(r, "FCALL", "nosuch", 0) == NOT_FOUND
    assert err(r, "FCALL_RO", "nosuch", 0) == NOT_FOUND
    # the function is looked up before numkeys is read
    assert err(r, "FCALL", "nosuch", "x") == NOT_FOUND
    assert err(r, "FCALL_RO", "nosuch", -1) == NOT_FOUND
    assert err(r, "FCALL", "nosuch", 5) == NOT_FOUND
    assert err(r, "FCALL", "", 0) == NOT_FOUND


def test_fcall_ro_needs_no_writes(main):
    r = main
    assert err(r, "FCALL_RO", "setter", 1, "k", "v") == RO_WITH_WRITE
    assert err(r, "FCALL_RO", "echo", 0) == RO_WITH_WRITE  # even if it would not write
    # numkeys is checked first
    assert err(r, "FCALL_RO", "setter", -1) == "ERR Number of keys can't be negative"
    assert r.execute_command("FCALL_RO", "getter", 1, "k") is None
    assert r.execute_command("FCALL", "setter", 1, "k", "v") == b"OK"
    assert r.execute_command("FCALL_RO", "getter", 1, "k") == b"v"
    assert r.execute_command("FCALL", "getter", 1, "k") == b"v"


def test_no_writes_function_cannot_write(main):
    r = main
    text = WRITE_FROM_RO + where("ro_call_write", line_of(MAIN, "redis.call('set', keys[1], 'x')"))
    assert err(r, "FCALL", "ro_call_write", 1, "k") == text
    assert err(r, "FCALL_RO", "ro_call_write", 1, "k") == text
    assert err(r, "FCALL", "ro_pcall_write", 1, "k") == WRITE_FROM_RO  # returned, not raised
    assert r.execute_command("EXISTS", "k") == 0


def test_errors_raised_in_functions(main):
    r = main
    r.execute_command("SET", "s", "v")
    n = line_of(MAIN, "error('boom')")
    assert err(r, "FCALL", "raise", 0) == "ERR user_function:%d: boom" % n + where("raise", n)
    n = line_of(MAIN, "MY custom")
    assert err(r, "FCALL", "raise_table", 0) == "MY custom" + where("raise_table", n)
    n = line_of(MAIN, "redis.call('incr'")   # the line of the call, not of the function
    assert err(r, "FCALL", "call_error", 1, "s") == \
        "ERR value is not an integer or out of range" + where("call_error", n)
    n = line_of(MAIN, "nil + 1")
    assert err(r, "FCALL", "arith", 0) == \
        "ERR user_function:%d: attempt to perform arithmetic on a nil value" % n + where("arith", n)
    n = line_of(MAIN, "return nosuch")
    assert err(r, "FCALL", "read_global", 0) == \
        "ERR user_function:%d: Script attempted to access nonexistent global variable " \
        "'nosuch'" % n + where("read_global", n)


def test_error_and_status_replies(main):
    r = main
    r.execute_command("SET", "s", "v")
    assert err(r, "FCALL", "error_reply", 0) == "MY err"    # a reply: no suffix
    assert err(r, "FCALL", "error_reply_plain", 0) == "ERR plain"
    assert r.execute_command("FCALL", "status_reply", 0) == b"FINE"
    assert r.execute_command("FCALL", "pcall_error", 1, "s") == \
        [b"table", b"ERR value is not an integer or out of range"]


def test_functions_cannot_create_globals(main):
    n = line_of(MAIN, "newglobal = 1")
    assert err(main, "FCALL", "new_global", 0) == \
        "ERR user_function:%d: Attempt to modify a readonly table" % n + where("new_global", n)


def test_raw_reply_bytes(main, raw):
    raw.send_command("FCALL", "raise", 0)
    n = line_of(MAIN, "error('boom')")
    assert raw.read_raw() == \
        b"-ERR user_function:%d: boom script: raise, on @user_function:%d.\r\n" % (n, n)
    raw.send_command("FCALL", "status_reply", 0)
    assert raw.read_raw() == b"+FINE\r\n"
    raw.send_command("FCALL", "echo", 1, "k", "a")
    assert raw.read_raw() == b"*4\r\n*1\r\n$1\r\nk\r\n*1\r\n$1\r\na\r\n:1\r\n:1\r\n"


def test_functions_have_the_standard_libraries(r):
    body = """
redis.register_function('libs', function()
    return {math.floor(2.5), string.upper('a'), table.concat({'a', 'b'}), tostring(1),
            cjson.encode({1}), bit.band(6, 3), type(struct.pack), type(cmsgpack.pack),
            redis.sha1hex('')}
end)
redis.register_function('logs', function()
    redis.log(redis.LOG_WARNING, 'logged from a function')
    return 'logged'
end)
"""
    load(r, lib("x", body))
    assert r.execute_command("FCALL", "libs", 0) == \
        [2, b"A", b"ab", b"1", b"[1]", 2, b"function", b"function",
         b"da39a3ee5e6b4b0d3255bfef95601890afd80709"]
    assert r.execute_command("FCALL", "logs", 0) == b"logged"


def test_functions_share_their_librarys_locals(r):
    body = """
local prefix = 'h:'
local function helper(k) return prefix .. k end
local calls = 0
redis.register_function('one', function(keys, args) return helper(keys[1]) end)
redis.register_function('two', function(keys, args) return helper('two') end)
redis.register_function('count', function() calls = calls + 1 return calls end)
"""
    load(r, lib("x", body))
    assert r.execute_command("FCALL", "one", 1, "k") == b"h:k"
    assert r.execute_command("FCALL", "two", 0) == b"h:two"
    # upvalues are ordinary Lua state: they persist between calls
    assert r.execute_command("FCALL", "count", 0) == 1
    assert r.execute_command("FCALL", "count", 0) == 2


def test_register_function_does_not_exist_at_run_time(r):
    load(r, lib("x", "redis.register_function('reg', function()\n"
                     "    redis.register_function('zz', function() end)\nend)"))
    text = err(r, "FCALL", "reg", 0)
    # Lua's own wording of "call a nil field" differs between Lua versions
    assert text.startswith("ERR user_function:3: attempt to call ")
    assert "'register_function'" in text and "nil value" in text
    assert text.endswith(where("reg", 3))


def test_commands_not_allowed_from_functions(r):
    body = """
redis.register_function('ok', function() return 'ok' end)
redis.register_function('fcall', function() return redis.call('fcall', 'ok', 0) end)
redis.register_function('list', function() return redis.call('function', 'list') end)
redis.register_function('eval', function() return redis.call('eval', 'return 1', 0) end)
"""
    load(r, lib("x", body))
    code = lib("x", body)
    for name in ("fcall", "list", "eval"):
        assert err(r, "FCALL", name, 0) == NOT_ALLOWED + where(name, line_of(code, "'%s'" % name))
    body = "return redis.call('fcall', 'ok', 0)"
    assert err(r, "EVAL", body, 0).startswith(NOT_ALLOWED + " script: ")
    body = "return redis.call('function', 'flush')"
    assert err(r, "EVAL", body, 0).startswith(NOT_ALLOWED + " script: ")
    assert r.execute_command("FCALL", "ok", 0) == b"ok"


def test_select_in_a_function_stays_in_the_function(r):
    load(r, lib("x", "redis.register_function('sel', function(keys)\n"
                     "    redis.call('select', 1)\n"
                     "    redis.call('set', keys[1], 'db1')\n"
                     "    return redis.call('get', keys[1])\nend)"))
    r.execute_command("SET", "k", "db0")
    assert r.execute_command("FCALL", "sel", 1, "k") == b"db1"
    assert r.execute_command("GET", "k") == b"db0"
    r.execute_command("SELECT", 1)
    assert r.execute_command("GET", "k") == b"db1"
    r.execute_command("SELECT", 0)


def test_flushall_keeps_the_libraries(r):
    load(r, lib("x", simple("f")))
    r.execute_command("FLUSHALL")
    r.execute_command("FLUSHDB")
    assert r.execute_command("FCALL", "f", 0) == 1


def test_fcall_inside_multi(r):
    load(r, lib("x", simple("incr", "redis.call('incr', keys[1])")))
    pipe = r.pipeline(transaction=True)
    pipe.execute_command("FCALL", "incr", 1, "c")
    pipe.execute_command("FCALL", "incr", 1, "c")
    pipe.execute_command("FCALL", "nosuch", 0)
    pipe.execute_command("FUNCTION", "LOAD", lib("inmulti", simple("im", "'im'")))
    pipe.execute_command("FCALL", "im", 0)
    replies = pipe.execute(raise_on_error=False)
    assert replies[:2] == [1, 2]
    assert str(replies[2]) == NOT_FOUND
    assert replies[3:] == [b"inmulti", b"im"]


# --------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------

RESP3_LIB = """#!lua name=r3
redis.register_function('hgetall3', function() redis.setresp(3) return redis.call('hgetall', 'h') end)
redis.register_function('hgetall2', function() return redis.call('hgetall', 'h') end)
redis.register_function('map', function() return {map={a=1}} end)
redis.register_function('double', function() return {double=1.5} end)
redis.register_function('set', function() return {set={m=true}} end)
redis.register_function('null', function() return nil end)
"""


def test_resp3_client(r, raw):
    load(r, RESP3_LIB)
    r.execute_command("HSET", "h", "a", "1")
    for function, reply in (("hgetall3", b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
                            ("hgetall2", b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
                            ("map", b"*2\r\n$1\r\na\r\n:1\r\n"),
                            ("double", b"$3\r\n1.5\r\n"),
                            ("set", b"*1\r\n$1\r\nm\r\n"),
                            ("null", b"$-1\r\n")):
        raw.send_command("FCALL", function, 0)
        assert raw.read_raw() == reply, function
    raw.cmd("HELLO", "3")
    for function, reply in (("hgetall3", b"%1\r\n$1\r\na\r\n$1\r\n1\r\n"),
                            ("hgetall2", b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"),  # no setresp(3)
                            ("map", b"%1\r\n$1\r\na\r\n:1\r\n"),
                            ("double", b",1.5\r\n"),
                            ("set", b"~1\r\n$1\r\nm\r\n"),
                            ("null", b"_\r\n")):
        raw.send_command("FCALL", function, 0)
        assert raw.read_raw() == reply, function


# --------------------------------------------------------------------------
# Command metadata
# --------------------------------------------------------------------------

def test_command_getkeys(r):
    assert r.execute_command("COMMAND", "GETKEYS", "FCALL", "f", 2, "a", "b", "c") == [b"a", b"b"]
    assert r.execute_command("COMMAND", "GETKEYS", "FCALL_RO", "f", 1, "a") == [b"a"]
    assert r.execute_command("COMMAND", "GETKEYS", "FCALL", "f", 0) == []
    assert r.execute_command("COMMAND", "GETKEYS", "FCALL", "f", 3, "a") == []
    assert r.execute_command("COMMAND", "GETKEYS", "FCALL", "f", "x", "a") == []
    assert err(r, "COMMAND", "GETKEYS", "FCALL", "f") == \
        "ERR Invalid number of arguments specified for command"
    assert err(r, "COMMAND", "GETKEYS", "FUNCTION", "LOAD", "x") == \
        "ERR The command has no key arguments"


SCRIPTING_WRITE = [b"@write", b"@slow", b"@scripting"]
SCRIPTING = [b"@slow", b"@scripting"]


@pytest.mark.parametrize("name, arity, flags, categories", [
    ("fcall", -3, [b"noscript", b"stale", b"skip_monitor", b"no_mandatory_keys", b"movablekeys"],
     SCRIPTING),
    ("fcall_ro", -3, [b"readonly", b"noscript", b"stale", b"skip_monitor", b"no_mandatory_keys",
                      b"movablekeys"], SCRIPTING),
    ("function", -2, [], [b"@slow"]),
    ("function|load", -3, [b"write", b"denyoom", b"noscript"], SCRIPTING_WRITE),
    ("function|list", -2, [b"noscript"], SCRIPTING),
    ("function|delete", 3, [b"write", b"noscript"], SCRIPTING_WRITE),
    ("function|flush", -2, [b"write", b"noscript"], SCRIPTING_WRITE),
    ("function|dump", 2, [b"noscript"], SCRIPTING),
    ("function|restore", -3, [b"write", b"denyoom", b"noscript"], SCRIPTING_WRITE),
    ("function|stats", 2, [b"noscript", b"allow_busy"], SCRIPTING),
    ("function|kill", 2, [b"noscript", b"allow_busy"], SCRIPTING),
    ("function|help", 2, [b"loading", b"stale"], SCRIPTING),
])
def test_command_info(r, name, arity, flags, categories):
    info = r.execute_command("COMMAND", "INFO", name)[0]
    assert info[0] == name.encode()
    assert info[1] == arity
    assert info[2] == flags
    assert info[3:6] == [0, 0, 0]
    assert info[6] == categories


def test_command_info_key_specs_and_subcommands(r):
    for name, flags, notes in (
            ("fcall", [b"RW", b"access", b"update"],
             b"We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),
            ("fcall_ro", [b"RO", b"access"],
             b"We cannot tell how the keys will be used so we assume the worst, RO and ACCESS")):
        info = r.execute_command("COMMAND", "INFO", name)[0]
        assert len(info[8]) == 1
        spec = pairs_to_dict(info[8][0])
        assert spec[b"notes"] == notes
        assert spec[b"flags"] == flags
        assert spec[b"begin_search"] == [b"type", b"index", b"spec", [b"index", 2]]
        assert spec[b"find_keys"] == [b"type", b"keynum", b"spec",
                                      [b"keynumidx", 0, b"firstkey", 1, b"keystep", 1]]
    info = r.execute_command("COMMAND", "INFO", "function")[0]
    assert sorted(sub[0] for sub in info[9]) == [
        b"function|delete", b"function|dump", b"function|flush", b"function|help",
        b"function|kill", b"function|list", b"function|load", b"function|restore",
        b"function|stats"]


# --------------------------------------------------------------------------
# FUNCTION LIST
# --------------------------------------------------------------------------

LISTED = lib("listed", "redis.register_function{function_name='f', callback=function() end, "
                       "flags={'no-writes', 'allow-stale'}, description='desc'}")


def test_function_list_resp2_bytes(r, raw):
    load(r, LISTED)
    raw.send_command("FUNCTION", "LIST")
    assert raw.read_raw() == (
        b"*1\r\n*6\r\n$12\r\nlibrary_name\r\n$6\r\nlisted\r\n$6\r\nengine\r\n$3\r\nLUA\r\n"
        b"$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$1\r\nf\r\n$11\r\ndescription\r\n"
        b"$4\r\ndesc\r\n$5\r\nflags\r\n*2\r\n+no-writes\r\n+allow-stale\r\n")
    load(r, lib("bare", simple("g")))
    raw.send_command("FUNCTION", "LIST", "LIBRARYNAME", "bare")
    assert raw.read_raw() == (
        b"*1\r\n*6\r\n$12\r\nlibrary_name\r\n$4\r\nbare\r\n$6\r\nengine\r\n$3\r\nLUA\r\n"
        b"$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$1\r\ng\r\n$11\r\ndescription\r\n"
        b"$-1\r\n$5\r\nflags\r\n*0\r\n")


def test_function_list_resp3_bytes(r, raw):
    load(r, LISTED)
    load(r, lib("bare", simple("g")))
    raw.cmd("HELLO", "3")
    raw.send_command("FUNCTION", "LIST", "LIBRARYNAME", "listed")
    assert raw.read_raw() == (
        b"*1\r\n%3\r\n$12\r\nlibrary_name\r\n$6\r\nlisted\r\n$6\r\nengine\r\n$3\r\nLUA\r\n"
        b"$9\r\nfunctions\r\n*1\r\n%3\r\n$4\r\nname\r\n$1\r\nf\r\n$11\r\ndescription\r\n"
        b"$4\r\ndesc\r\n$5\r\nflags\r\n~2\r\n+no-writes\r\n+allow-stale\r\n")
    raw.send_command("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "bare")
    code = lib("bare", simple("g")).encode()
    assert raw.read_raw() == (
        b"*1\r\n%4\r\n$12\r\nlibrary_name\r\n$4\r\nbare\r\n$6\r\nengine\r\n$3\r\nLUA\r\n"
        b"$9\r\nfunctions\r\n*1\r\n%3\r\n$4\r\nname\r\n$1\r\ng\r\n$11\r\ndescription\r\n_\r\n"
        b"$5\r\nflags\r\n~0\r\n$12\r\nlibrary_code\r\n" + b"$%d\r\n%s\r\n" % (len(code), code))


def test_function_list_withcode(r):
    code_a = lib("a", simple("fa") + "\n-- a comment kept as is\n")
    code_b = lib("b", simple("fb"))
    load(r, code_a)
    load(r, code_b)
    listed = libraries(r, "WITHCODE")
    assert [d[b"library_code"] for d in listed] == [code_a.encode(), code_b.encode()]
    assert list(listed[0]) == [b"library_name", b"engine", b"functions", b"library_code"]
    assert all(b"library_code" not in d for d in libraries(r))
    assert libraries(r, "withcode", "libraryname", "b")[0][b"library_code"] == code_b.encode()


def test_libraryname_is_a_case_insensitive_glob(r):
    for name in ("n1", "n10", "n100", "n101", "N102", "m10", "x"):
        load(r, lib(name, simple("f_" + name)))
    assert library_names(r, "LIBRARYNAME", "n10*") == [b"N102", b"n10", b"n100", b"n101"]
    assert library_names(r, "LIBRARYNAME", "N10") == [b"n10"]
    assert library_names(r, "LIBRARYNAME", "n1?") == [b"n10"]
    assert library_names(r, "LIBRARYNAME", "?1*") == \
        [b"N102", b"m10", b"n1", b"n10", b"n100", b"n101"]
    assert library_names(r, "LIBRARYNAME", "n10[0-1]") == [b"n100", b"n101"]
    assert library_names(r, "LIBRARYNAME", "1") == []            # not a substring match
    assert library_names(r, "LIBRARYNAME", "*") == \
        [b"N102", b"m10", b"n1", b"n10", b"n100", b"n101", b"x"]
    assert library_names(r, "LIBRARYNAME", "nomatch") == []


def test_function_list_argument_errors(r):
    load(r, lib("a", simple("f")))
    assert err(r, "FUNCTION", "LIST", "LIBRARYNAME") == "ERR library name argument was not given"
    assert err(r, "FUNCTION", "LIST", "libraryname") == "ERR library name argument was not given"
    assert err(r, "FUNCTION", "LIST", "foo") == "ERR Unknown argument foo"
    assert err(r, "FUNCTION", "LIST", "WITHCODE", "WITHCODE") == "ERR Unknown argument WITHCODE"
    assert err(r, "FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b") == \
        "ERR Unknown argument LIBRARYNAME"
    assert err(r, "FUNCTION", "LIST", "WITHCODE", "x") == "ERR Unknown argument x"


def test_function_list_has_every_library(r):
    names = ["lib%d" % i for i in range(20)]
    for i, name in enumerate(names):
        load(r, lib(name, simple("f%d" % i) + "\n" + simple("g%d" % i)))
    listed = libraries(r)
    assert [d[b"library_name"] for d in listed] == sorted(n.encode() for n in names)
    assert all(d[b"engine"] == b"LUA" and len(d[b"functions"]) == 2 for d in listed)


# --------------------------------------------------------------------------
# FUNCTION DELETE / FLUSH
# --------------------------------------------------------------------------

def test_function_delete(r):
    load(r, lib("a", simple("fa")))
    load(r, lib("b", simple("fb")))
    assert err(r, "FUNCTION", "DELETE", "nosuch") == "ERR Library not found"
    assert err(r, "FUNCTION", "DELETE", "A") == "ERR Library not found"
    assert err(r, "FUNCTION", "DELETE", "a*") == "ERR Library not found"
    assert err(r, "FUNCTION", "DELETE") == wrong_args("function|delete")
    assert err(r, "FUNCTION", "DELETE", "a", "b") == wrong_args("function|delete")
    assert r.execute_command("FUNCTION", "DELETE", "a") == b"OK"
    assert err(r, "FCALL", "fa", 0) == NOT_FOUND
    assert err(r, "FUNCTION", "DELETE", "a") == "ERR Library not found"
    assert library_names(r) == [b"b"]
    # its function name is free again
    assert load(r, lib("c", simple("fa", "'c'"))) == b"c"
    assert r.execute_command("FCALL", "fa", 0) == b"c"


def test_function_flush_modes(r):
    for mode in ((), ("ASYNC",), ("sync",), ("SYNC",), ("async",)):
        load(r, lib("a", simple("fa")))
        assert r.execute_command("FUNCTION", "FLUSH", *mode) == b"OK"
        assert r.execute_command("FUNCTION", "LIST") == []
        assert err(r, "FCALL", "fa", 0) == NOT_FOUND
    assert err(r, "FUNCTION", "FLUSH", "foo") == "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
    assert err(r, "FUNCTION", "FLUSH", "SYNC", "ASYNC") == \
        "ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP."
    assert err(r, "function", "flush", "sync", "async") == \
        "ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP."


# --------------------------------------------------------------------------
# FUNCTION DUMP / RESTORE
# --------------------------------------------------------------------------

TWO_LIBS = (lib("a", simple("fa", "'a'")),
            lib("b", "redis.register_function{function_name='fb', callback=function() "
                     "return 'b' end, flags={'no-writes'}, description='desc b'}"))


def test_dump_restore_round_trip(r):
    for code in TWO_LIBS:
        load(r, code)
    before = libraries(r, "WITHCODE")
    payload = r.execute_command("FUNCTION", "DUMP")
    assert isinstance(payload, bytes) and payload
    r.execute_command("FUNCTION", "FLUSH")
    assert r.execute_command("FUNCTION", "RESTORE", payload) == b"OK"
    assert libraries(r, "WITHCODE") == before
    assert r.execute_command("FCALL", "fa", 0) == b"a"
    assert r.execute_command("FCALL_RO", "fb", 0) == b"b"
    # an empty dump restores to nothing
    r.execute_command("FUNCTION", "FLUSH")
    empty = r.execute_command("FUNCTION", "DUMP")
    load(r, lib("c", simple("fc")))
    assert r.execute_command("FUNCTION", "RESTORE", empty) == b"OK"
    assert library_names(r) == [b"c"]
    assert r.execute_command("FUNCTION", "RESTORE", empty, "FLUSH") == b"OK"
    assert r.execute_command("FUNCTION", "LIST") == []


def test_restore_policies(r):
    for code in TWO_LIBS:
        load(r, code)
    payload = r.execute_command("FUNCTION", "DUMP")
    # APPEND (the default): a library that exists aborts the restore (which one is
    # reported depends on the order of the payload)
    text = err(r, "FUNCTION", "RESTORE", payload)
    assert text in ("ERR Library a already exists", "ERR Library b already exists")
    assert err(r, "FUNCTION", "RESTORE", payload, "APPEND") == text
    assert err(r, "FUNCTION", "RESTORE", payload, "append") == text
    # REPLACE: libraries of the same name are replaced
    assert r.execute_command("FUNCTION", "RESTORE", payload, "REPLACE") == b"OK"
    assert r.execute_command("FUNCTION", "RESTORE", payload, "replace") == b"OK"
    r.execute_command("FUNCTION", "DELETE", "a")
    load(r, lib("a", simple("other", "'old a'")))
    assert r.execute_command("FUNCTION", "RESTORE", payload, "REPLACE") == b"OK"
    assert err(r, "FCALL", "other", 0) == NOT_FOUND
    assert r.execute_command("FCALL", "fa", 0) == b"a"
    # FLUSH: everything else goes
    load(r, lib("c", simple("fc")))
    assert r.execute_command("FUNCTION", "RESTORE", payload, "FLUSH") == b"OK"
    assert library_names(r) == [b"a", b"b"]
    assert err(r, "FCALL", "fc", 0) == NOT_FOUND


def test_restore_function_collisions(r):
    for code in TWO_LIBS:
        load(r, code)
    payload = r.execute_command("FUNCTION", "DUMP")
    r.execute_command("FUNCTION", "FLUSH")
    load(r, lib("c", simple("fa", "'c'")))   # another library owns fa
    assert err(r, "FUNCTION", "RESTORE", payload) == "ERR Function fa already exists"
    assert err(r, "FUNCTION", "RESTORE", payload, "REPLACE") == "ERR Function fa already exists"
    # all or nothing: b was not restored either
    assert library_names(r) == [b"c"]
    assert err(r, "FCALL", "fb", 0) == NOT_FOUND
    assert r.execute_command("FCALL", "fa", 0) == b"c"
    assert r.execute_command("FUNCTION", "RESTORE", payload, "FLUSH") == b"OK"
    assert r.execute_command("FCALL", "fa", 0) == b"a"


def test_restore_appends_atomically(r):
    for code in TWO_LIBS:
        load(r, code)
    payload = r.execute_command("FUNCTION", "DUMP")
    r.execute_command("FUNCTION", "DELETE", "a")
    assert err(r, "FUNCTION", "RESTORE", payload) == "ERR Library b already exists"
    assert err(r, "FCALL", "fa", 0) == NOT_FOUND
    r.execute_command("FUNCTION", "DELETE", "b")
    assert r.execute_command("FUNCTION", "RESTORE", payload, "APPEND") == b"OK"
    assert library_names(r) == [b"a", b"b"]


def test_restore_bad_payload(r):
    load(r, TWO_LIBS[0])
    payload = r.execute_command("FUNCTION", "DUMP")
    r.execute_command("FUNCTION", "FLUSH")
    middle = len(payload) // 2
    for bad in (b"", b"x", payload[:-1], payload[:-8], payload + b"x",
                payload[:middle] + bytes([payload[middle] ^ 0x20]) + payload[middle + 1:],
                payload[:-1] + bytes([payload[-1] ^ 1])):
        assert err(r, "FUNCTION", "RESTORE", bad) == BAD_PAYLOAD, bad
        assert err(r, "FUNCTION", "RESTORE", bad, "FLUSH") == BAD_PAYLOAD, bad
    assert r.execute_command("FUNCTION", "LIST") == []


def test_restore_arguments(r):
    payload = r.execute_command("FUNCTION", "DUMP")
    assert err(r, "FUNCTION", "DUMP", "x") == wrong_args("function|dump")
    assert err(r, "FUNCTION", "RESTORE") == wrong_args("function|restore")
    # the policy is checked before the payload
    assert err(r, "FUNCTION", "RESTORE", "x", "FOO") == \
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
    assert err(r, "FUNCTION", "RESTORE", payload, "FOO") == \
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
    assert err(r, "FUNCTION", "RESTORE", payload, "FLUSH", "x") == \
        "ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP."
    assert err(r, "function", "restore", payload, "flush", "x") == \
        "ERR unknown subcommand or wrong number of arguments for 'restore'. Try FUNCTION HELP."


def crc64(data):
    """Redis's CRC-64 (Jones polynomial, reflected, initial value 0)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


def rdb_payload(body):
    """A DUMP payload as Redis 7.0 builds it: RDB body, RDB version 10, CRC-64."""
    data = body + struct.pack("<H", 10)
    return data + struct.pack("<Q", crc64(data))


def rdb_string(s):
    n = len(s)
    if n < 64:
        return bytes([n]) + s
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF]) + s
    return b"\x80" + struct.pack(">I", n) + s


def test_payloads_are_redis_7_payloads(r):
    """FUNCTION DUMP/RESTORE use Redis 7.0's format (opcode 0xf5 then the code as an
    RDB string), so payloads move between Redis and AiKv."""
    assert r.execute_command("FUNCTION", "DUMP") == rdb_payload(b"")
    code = lib("fromredis", simple("fromredis", "args[1]")).encode()
    assert r.execute_command("FUNCTION", "RESTORE", rdb_payload(b"\xf5" + rdb_string(code))) == \
        b"OK"
    assert r.execute_command("FCALL", "fromredis", 0, "hello") == b"hello"
    assert libraries(r, "WITHCODE")[0][b"library_code"] == code
    # a key's payload (a string "v") is not a library
    assert err(r, "FUNCTION", "RESTORE", rdb_payload(b"\x00\x01v")) == \
        "ERR given type is not a function"


# --------------------------------------------------------------------------
# FUNCTION STATS / HELP / errors
# --------------------------------------------------------------------------

def test_function_stats_idle(r, raw):
    raw.send_command("FUNCTION", "STATS")
    assert raw.read_raw() == (
        b"*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n"
        b"*4\r\n$15\r\nlibraries_count\r\n:0\r\n$15\r\nfunctions_count\r\n:0\r\n")
    load(r, lib("a", simple("fa")))
    load(r, lib("b", simple("fb") + "\n" + simple("fb2")))
    assert r.execute_command("FUNCTION", "STATS") == [
        b"running_script", None,
        b"engines", [b"LUA", [b"libraries_count", 2, b"functions_count", 3]]]
    raw.cmd("HELLO", "3")
    raw.send_command("FUNCTION", "STATS")
    assert raw.read_raw() == (
        b"%2\r\n$14\r\nrunning_script\r\n_\r\n$7\r\nengines\r\n%1\r\n$3\r\nLUA\r\n"
        b"%2\r\n$15\r\nlibraries_count\r\n:2\r\n$15\r\nfunctions_count\r\n:3\r\n")
    r.execute_command("FUNCTION", "DELETE", "b")
    assert r.execute_command("FUNCTION", "STATS")[3] == \
        [b"LUA", [b"libraries_count", 1, b"functions_count", 1]]


def test_function_help(r):
    lines = r.execute_command("FUNCTION", "HELP")
    assert lines[0] == b"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    for line in (b"LOAD [REPLACE] <FUNCTION CODE>", b"DELETE <LIBRARY NAME>",
                 b"LIST [LIBRARYNAME PATTERN] [WITHCODE]", b"STATS", b"KILL",
                 b"FLUSH [ASYNC|SYNC]", b"DUMP", b"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
                 b"HELP", b"    Prints this help."):
        assert line in lines
    assert len(lines) == 40
    assert err(r, "FUNCTION", "HELP", "x") == wrong_args("function|help")


def test_function_subcommand_errors(r):
    assert err(r, "FUNCTION") == wrong_args("function")
    assert err(r, "FUNCTION", "FOO") == "ERR unknown subcommand 'FOO'. Try FUNCTION HELP."
    assert err(r, "FUNCTION", "foo", "bar") == "ERR unknown subcommand 'foo'. Try FUNCTION HELP."
    assert err(r, "FUNCTION", "STATS", "x") == wrong_args("function|stats")
    assert err(r, "FUNCTION", "KILL", "x") == wrong_args("function|kill")
    assert err(r, "FUNCTION", "KILL") == NOTBUSY
    assert err(r, "SCRIPT", "KILL") == NOTBUSY


def test_info_memory_fields(r):
    mem = parse_info(r.execute_command("INFO", "memory"))["Memory"]
    assert mem["number_of_functions"] == "0"
    assert mem["number_of_libraries"] == "0"
    empty = int(mem["used_memory_functions"])
    load(r, lib("a", simple("fa")))
    load(r, lib("b", simple("fb") + "\n" + simple("fb2")))
    mem = parse_info(r.execute_command("INFO", "memory"))["Memory"]
    assert mem["number_of_functions"] == "3"
    assert mem["number_of_libraries"] == "2"
    assert int(mem["used_memory_functions"]) > empty
    assert int(mem["used_memory_vm_functions"]) > 0
    assert int(mem["used_memory_vm_total"]) == \
        int(mem["used_memory_vm_eval"]) + int(mem["used_memory_vm_functions"])
    assert int(mem["used_memory_scripts"]) == \
        int(mem["used_memory_scripts_eval"]) + int(mem["used_memory_functions"])
    assert "used_memory_scripts_human" in mem and "used_memory_vm_total_human" in mem
    names = list(mem)
    order = ["used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
             "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
             "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts",
             "used_memory_scripts_human"]
    assert [n for n in names if n in order] == order
    r.execute_command("FUNCTION", "FLUSH")
    mem = parse_info(r.execute_command("INFO", "memory"))["Memory"]
    assert mem["number_of_functions"] == "0"
    assert mem["number_of_libraries"] == "0"
    assert int(mem["used_memory_functions"]) == empty


# --------------------------------------------------------------------------
# Busy functions
# --------------------------------------------------------------------------

# Loops until args[1] ms have passed (by the server's clock), then returns 'done'.
SPIN = ("local s = redis.call('time') local t0 = s[1] * 1000000 + s[2] "
        "while true do local n = redis.call('time') "
        "if (n[1] * 1000000 + n[2]) - t0 > tonumber(args[1]) * 1000 then break end end "
        "return 'done'")
BUSY_LIB = ("#!lua name=busy\n"
            "redis.register_function('spin', function(keys, args) %s end)\n"
            "redis.register_function{function_name='spin_ro', flags={'no-writes'}, "
            "callback=function(keys, args) %s end}\n"
            "redis.register_function('spin_w', function(keys, args) "
            "redis.call('set', 'written', '1') %s end)\n" % (SPIN, SPIN, SPIN))
EVAL_SPIN = SPIN.replace("args[1]", "ARGV[1]")


@pytest.fixture
def busy(r):
    """The busy library and a 100 ms busy-reply-threshold for the test, restored after."""
    load(r, BUSY_LIB)
    r.execute_command("CONFIG", "SET", "busy-reply-threshold", "100")
    yield
    r.execute_command("CONFIG", "SET", "busy-reply-threshold", "5000")


def wait_busy(c, text=BUSY, timeout=5.0):
    """Pings on c until the server answers BUSY (with `text`)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = c.cmd("PING")
        if isinstance(reply, RespError) and reply.startswith("BUSY"):
            assert reply == RespError(text)
            return
        assert time.monotonic() < deadline, "the function never became busy (last %r)" % reply
        time.sleep(0.02)


def test_busy_function_answers_busy_until_killed(busy, new_raw):
    # The function spins far longer than the checks take, even on a slow machine, and is
    # then killed: had it ended by itself before the SHUTDOWN below, the server would stop.
    a, b = new_raw(), new_raw()
    a.send_command("FCALL", "spin", 0, 10000)
    wait_busy(b)
    assert b.cmd("SHUTDOWN") == RespError(BUSY)             # only SHUTDOWN NOSAVE
    assert b.cmd("GET", "x") == RespError(BUSY)
    assert b.cmd("FCALL", "spin", 0, 1) == RespError(BUSY)
    assert b.cmd("EVAL", "return 1", 0) == RespError(BUSY)
    assert b.cmd("FUNCTION", "LIST") == RespError(BUSY)
    assert b.cmd("FUNCTION", "LOAD", lib("x", simple("f"))) == RespError(BUSY)
    assert b.cmd("MULTI") == b"OK"                          # allow_busy
    assert b.cmd("EXEC") == RespError("EXECABORT Transaction discarded because of: " + BUSY)
    assert b.cmd("FUNCTION", "KILL") == b"OK"
    assert a.read_reply() == RespError(KILLED + where("spin", 2))
    assert b.cmd("PING") == b"PONG"


def test_busy_function_ends_by_itself(busy, new_raw):
    a, b = new_raw(), new_raw()
    a.send_command("FCALL", "spin", 0, 300)
    wait_busy(b)
    assert a.read_reply() == b"done"
    assert b.cmd("PING") == b"PONG"


def test_function_stats_shows_the_running_function(busy, new_raw):
    a, b = new_raw(), new_raw()
    a.send_command("FCALL", "spin", 1, "key1", 5000, "arg2")
    try:
        wait_busy(b)
        stats = b.cmd("FUNCTION", "STATS")
        assert stats[0] == b"running_script"
        running = stats[1]
        assert running[:4] == [b"name", b"spin", b"command",
                               [b"FCALL", b"spin", b"1", b"key1", b"5000", b"arg2"]]
        assert running[4] == b"duration_ms"
        assert 100 <= running[5] < 5000
        assert stats[2:] == [b"engines", [b"LUA", [b"libraries_count", 1,
                                                   b"functions_count", 3]]]
        b.cmd("HELLO", "3")
        b.send_command("FUNCTION", "STATS")
        data = b.read_raw()
        assert data.startswith(
            b"%2\r\n$14\r\nrunning_script\r\n%3\r\n$4\r\nname\r\n$4\r\nspin\r\n"
            b"$7\r\ncommand\r\n*6\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n1\r\n$4\r\nkey1\r\n"
            b"$4\r\n5000\r\n$4\r\narg2\r\n$11\r\nduration_ms\r\n:")
        assert data.endswith(
            b"\r\n$7\r\nengines\r\n%1\r\n$3\r\nLUA\r\n%2\r\n$15\r\nlibraries_count\r\n:1\r\n"
            b"$15\r\nfunctions_count\r\n:3\r\n")
    finally:
        assert b.cmd("FUNCTION", "KILL") == b"OK"
    assert a.read_reply() == RespError(KILLED + where("spin", 2))


def test_function_kill_of_a_read_only_function(busy, new_raw):
    a, b = new_raw(), new_raw()
    a.send_command("FCALL_RO", "spin_ro", 0, 5000)
    wait_busy(b)
    assert b.cmd("FUNCTION", "KILL") == b"OK"
    assert a.read_reply() == RespError(KILLED + where("spin_ro", 3))
    assert b.cmd("FUNCTION", "KILL") == RespError(NOTBUSY)
    assert b.cmd("FUNCTION", "STATS")[:2] == [b"running_script", None]
    assert a.cmd("PING") == b"PONG"
    # a function without no-writes that has not written yet can be killed too
    a.send_command("FCALL", "spin", 0, 5000)
    wait_busy(b)
    assert b.cmd("FUNCTION", "KILL") == b"OK"
    assert a.read_reply() == RespError(KILLED + where("spin", 2))


def test_function_that_wrote_is_unkillable(busy, new_raw):
    a, b = new_raw(), new_raw()
    a.send_command("FCALL", "spin_w", 0, 1500)
    wait_busy(b)
    assert b.cmd("FUNCTION", "KILL") == RespError(UNKILLABLE)
    assert b.cmd("SCRIPT", "KILL") == RespError(UNKILLABLE)  # checked before the kind
    assert a.read_reply() == b"done"
    assert b.cmd("GET", "written") == b"1"


def test_script_kill_does_not_kill_a_function(busy, new_raw):
    a, b = new_raw(), new_raw()
    a.send_command("FCALL", "spin", 0, 5000)
    wait_busy(b)
    assert b.cmd("SCRIPT", "KILL") == RespError(BUSY)
    assert b.cmd("FUNCTION", "KILL") == b"OK"
    assert a.read_reply() == RespError(KILLED + where("spin", 2))


def test_function_kill_does_not_kill_a_script(busy, new_raw):
    a, b = new_raw(), new_raw()
    a.send_command("EVAL", EVAL_SPIN, 0, 5000)
    wait_busy(b, BUSY_EVAL)
    assert b.cmd("FUNCTION", "KILL") == RespError(BUSY_EVAL)
    assert b.cmd("FUNCTION", "STATS") == RespError(BUSY_EVAL)
    assert b.cmd("SCRIPT", "KILL") == b"OK"
    reply = a.read_reply()
    assert isinstance(reply, RespError) and reply.startswith(KILLED + " script: ")
    # and a script that wrote: UNKILLABLE, whichever KILL
    a.send_command("EVAL", "redis.call('set', 'written', '1') " + EVAL_SPIN, 0, 1500)
    wait_busy(b, BUSY_EVAL)
    assert b.cmd("FUNCTION", "KILL") == RespError(UNKILLABLE)
    assert a.read_reply() == b"done"


def test_shutdown_nosave_stops_a_busy_function(server_factory):
    srv = server_factory("--busy-reply-threshold", "100", name="busyfn")
    a, b = srv.raw(), srv.raw()
    try:
        assert a.cmd("FUNCTION", "LOAD", BUSY_LIB) == b"busy"
        a.send_command("FCALL", "spin_w", 0, 10000)
        wait_busy(b)
        b.send_command("SHUTDOWN", "NOSAVE")
        assert b.is_closed(timeout=5)
        assert a.is_closed(timeout=5)
        assert srv.proc.wait(10) == 0
    finally:
        a.close()
        b.close()


# --------------------------------------------------------------------------
# Writes of a function that fails
# --------------------------------------------------------------------------

WRITES = """#!lua name=writes
redis.register_function('set_then_raise', function(keys, args)
    redis.call('set', keys[1], '1')
    redis.call('rpush', keys[2], 'a')
    error('boom')
end)
redis.register_function('set_then_pcall', function(keys, args)
    redis.call('set', keys[1], '1')
    redis.pcall('incr', 'nosuchcmd_', 'x')
    return 'ok'
end)
redis.register_function('set_then_error_reply', function(keys, args)
    redis.call('set', keys[1], '2')
    return redis.error_reply('MY failure')
end)
"""


def test_a_function_that_raises(r):
    # Redis keeps what the function wrote before the error; AiKv rolls it back
    # (as for EVAL: README, docs/scripting.md).
    load(r, WRITES)
    n = line_of(WRITES, "error('boom')")
    assert err(r, "FCALL", "set_then_raise", 2, "a", "l") == \
        "ERR user_function:%d: boom" % n + where("set_then_raise", n)
    if TARGET == "redis":
        assert r.execute_command("GET", "a") == b"1"
        assert r.execute_command("LRANGE", "l", 0, -1) == [b"a"]
    else:
        assert r.execute_command("EXISTS", "a", "l") == 0


@pytest.mark.aikv_only
def test_a_function_that_raises_is_rolled_back(r):
    load(r, WRITES)
    r.execute_command("SET", "a", "old")
    r.execute_command("RPUSH", "l", "x")
    assert err(r, "FCALL", "set_then_raise", 2, "a", "l").startswith("ERR user_function:5: boom")
    assert r.execute_command("GET", "a") == b"old"
    assert r.execute_command("LRANGE", "l", 0, -1) == [b"x"]


def test_caught_errors_and_error_replies_keep_the_writes(r):
    load(r, WRITES)
    assert r.execute_command("FCALL", "set_then_pcall", 1, "a") == b"ok"
    assert r.execute_command("GET", "a") == b"1"
    assert err(r, "FCALL", "set_then_error_reply", 1, "b") == "MY failure"
    assert r.execute_command("GET", "b") == b"2"


# --------------------------------------------------------------------------
# Persistence
# --------------------------------------------------------------------------

PERSISTED = (lib("p1", simple("p1f", "'one'")),
             lib("p2", "redis.register_function{function_name='p2f', callback=function(keys) "
                       "return redis.call('get', keys[1]) end, flags={'no-writes'}, "
                       "description='reads'}\n" + simple("p2g", "'g'")))


def persist_and_restart(srv, client):
    """Make what the server holds durable the way its engine does (a snapshot for the
    memory engine and redis-server, nothing for SQLite, which is its file), then stop it
    cleanly and start it again in the same directory."""
    if srv.engine in ("memory", "redis"):
        assert client.execute_command("SAVE") == b"OK"
    helpers.close_client(client)
    problems = srv.stop()
    assert not problems, problems
    srv.start(timeout=30)
    return srv.client()


def test_libraries_survive_a_restart(server_factory):
    srv = server_factory(name="persist")
    c = srv.client()
    for code in PERSISTED:
        load(c, code)
    c.execute_command("SET", "k", "v")
    before = libraries(c, "WITHCODE")
    c = persist_and_restart(srv, c)
    try:
        assert libraries(c, "WITHCODE") == before
        assert c.execute_command("FCALL", "p1f", 0) == b"one"
        assert c.execute_command("FCALL_RO", "p2f", 1, "k") == b"v"
        assert c.execute_command("FUNCTION", "STATS")[3] == \
            [b"LUA", [b"libraries_count", 2, b"functions_count", 3]]
    finally:
        helpers.close_client(c)


def test_delete_and_flush_survive_a_restart(server_factory):
    srv = server_factory(name="persist_del")
    c = srv.client()
    for code in PERSISTED:
        load(c, code)
    c = persist_and_restart(srv, c)
    try:
        assert c.execute_command("FUNCTION", "DELETE", "p1") == b"OK"
        load(c, PERSISTED[1].replace("'g'", "'replaced'"), replace=True)
        c = persist_and_restart(srv, c)
        assert library_names(c) == [b"p2"]
        assert err(c, "FCALL", "p1f", 0) == NOT_FOUND
        assert c.execute_command("FCALL", "p2g", 0) == b"replaced"
        assert c.execute_command("FUNCTION", "FLUSH") == b"OK"
        c = persist_and_restart(srv, c)
        assert c.execute_command("FUNCTION", "LIST") == []
    finally:
        helpers.close_client(c)


@pytest.mark.aikv_only
def test_a_memory_snapshot_opened_by_sqlite_keeps_the_functions(engine, tmp_path):
    if engine != "memory":
        pytest.skip("once, from the memory engine")
    mem_dir, sq_dir = tmp_path / "mem", tmp_path / "sq"
    mem_dir.mkdir()
    sq_dir.mkdir()
    servers = []
    try:
        mem = helpers.Server("memory", mem_dir, ("--dbfilename", "dump.aikv"), name="mem")
        servers.append(mem)
        c = mem.start().client()
        for code in PERSISTED:
            load(c, code)
        before = libraries(c, "WITHCODE")
        assert c.execute_command("SAVE") == b"OK"
        helpers.close_client(c)
        assert mem.stop() == []
        sq = helpers.Server("memory", sq_dir, ("--storage", "sqlite", "--dbfilename",
                                               str(mem_dir / "dump.aikv")), name="sqlite")
        servers.append(sq)
        s = sq.start().client()
        assert parse_info(s.execute_command("INFO", "server"))["Server"]["storage_engine"] == \
            "sqlite"
        assert libraries(s, "WITHCODE") == before
        assert s.execute_command("FCALL", "p1f", 0) == b"one"
        # and back: what the SQLite engine changed, the memory engine loads
        s.execute_command("FUNCTION", "DELETE", "p1")
        helpers.close_client(s)
        assert sq.stop() == []
        c = mem.start().client()
        assert library_names(c) == [b"p2"]
        assert c.execute_command("FCALL", "p2g", 0) == b"g"
        helpers.close_client(c)
    finally:
        for srv in servers:
            srv.stop()


@pytest.mark.aikv_only
def test_a_library_loaded_by_another_process_is_seen_by_the_server(engine, server_factory):
    """The SQLite engine's file is shared: a library another process loads into it (here
    aikv-cli on the file) is callable on the server at once, and one it deletes is gone."""
    if engine != "sqlite":
        pytest.skip("the store file of the SQLite engine")
    import subprocess
    srv = server_factory(name="shared_file")
    c = srv.client()
    try:
        load(c, lib("mine", simple("minef", "'server'")))
        assert c.execute_command("FCALL", "minef", 0) == b"server"
        cli = helpers.aikv_binary().parent / "aikv-cli"
        store = srv.workdir / "data" / "dump.aikv"
        out = subprocess.run([str(cli), "--file", str(store), "FUNCTION", "LOAD",
                              lib("theirs", simple("theirsf", "'cli'"))],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and out.stdout.strip() == "theirs", out
        assert c.execute_command("FCALL", "theirsf", 0) == b"cli"
        assert library_names(c) == [b"mine", b"theirs"]
        out = subprocess.run([str(cli), "--file", str(store), "FUNCTION", "DELETE", "mine"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out
        assert err(c, "FCALL", "minef", 0) == NOT_FOUND
    finally:
        helpers.close_client(c)

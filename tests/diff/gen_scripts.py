"""Differential generator: Lua scripting (see diff.py).

EVAL, EVALSHA, EVAL_RO and SCRIPT LOAD/EXISTS/FLUSH with a fixed set of deterministic scripts
over the shared key and value pools: redis.call and redis.pcall replies of every shape (status,
integer, bulk, nil, arrays, errors raised or returned), numbers passed back as arguments,
conversions of results, tonumber/tostring, cjson, cmsgpack, bit, struct, sha1hex, error_reply,
status_reply, the errors of scripts (runtime and compilation, with their "script: <sha>" tail),
numkeys errors, read-only scripts and NOSCRIPT. Functions: the same bodies as one library
(keys and args as the callback's arguments), FUNCTION LOAD [REPLACE] / DELETE / FLUSH / LIST /
STATS, FCALL and FCALL_RO with their errors.

Scripts avoid what Lua 5.1 and 5.4 do differently by design (docs/scripting.md): table
iteration order (no pairs() results, no multi-key cjson objects), runtime error texts of the
VM, and integers beyond 2^53. math.random is used with a seed, so both servers draw the same
numbers.
"""
import hashlib

# (body, argument kinds): "k" a key (counted in numkeys), "v" a value, "i" an integer within
# 2^53 or not an integer at all (Redis hands integer replies to Lua 5.1 as doubles, so beyond
# 2^53 its results are rounded where AiKv's are exact: docs/scripting.md).
SMALL_INTS = [b"0", b"1", b"-1", b"2", b"-3", b"100", b"4503599627370496", b"abc", b"1.5", b"",
              b"99999999999999999999"]

SCRIPTS = [
    ("return redis.call('set', KEYS[1], ARGV[1])", "kv"),
    ("return redis.call('get', KEYS[1])", "k"),
    ("return redis.pcall('incrby', KEYS[1], ARGV[1])", "ki"),
    ("return redis.call('incrby', KEYS[1], ARGV[1])", "ki"),
    ("local v = redis.call('get', KEYS[1]) if v then return string.len(v) end return v", "k"),
    ("redis.call('rpush', KEYS[1], ARGV[1]) return redis.call('lrange', KEYS[1], 0, -1)", "kv"),
    ("return {redis.call('exists', KEYS[1]), redis.call('type', KEYS[1])}", "k"),
    ("return redis.call('del', unpack(KEYS))", "kk"),
    ("return {redis.pcall('lpush', KEYS[1], ARGV[1]), redis.pcall('llen', KEYS[1])}", "kv"),
    ("return redis.call('hset', KEYS[1], 'f', ARGV[1]) + redis.call('hlen', KEYS[1])", "kv"),
    ("redis.call('set', KEYS[1], (tonumber(ARGV[1]) or 0) + 0.0) return redis.call('get', KEYS[1])",
     "kv"),
    ("return redis.call('incrbyfloat', KEYS[1], ARGV[1])", "kv"),
    ("return {tostring(tonumber(ARGV[1])), type(tonumber(ARGV[1]))}", "v"),
    ("return tonumber(ARGV[1])", "v"),
    ("return {tonumber(ARGV[1]) or false, #ARGV[1], ARGV[1]}", "v"),
    ("return cjson.encode({KEYS[1], ARGV[1], tonumber(ARGV[1]) or false})", "kv"),
    ("return cjson.decode(ARGV[1])", "v"),
    ("return cjson.encode(cjson.decode('[' .. ARGV[1] .. ']'))", "v"),
    ("return {cmsgpack.unpack(cmsgpack.pack(ARGV[1], (tonumber(ARGV[1]) or 0) + 0.0))}", "v"),
    ("return cmsgpack.pack({ARGV[1], (tonumber(ARGV[1]) or 0) + 0.0, {ARGV[1]}})", "v"),
    ("return bit.tohex(bit.bxor(tonumber(ARGV[1]) or 0, 255))", "v"),
    ("return {bit.tobit(tonumber(ARGV[1]) or 0), bit.rol(tonumber(ARGV[1]) or 1, 3)}", "v"),
    ("return {struct.unpack('>i4', struct.pack('>i4', tonumber(ARGV[1]) or 0))}", "v"),
    ("return struct.pack('<I2 s', tonumber(ARGV[1]) or 7, ARGV[1])", "v"),
    ("return redis.sha1hex(ARGV[1])", "v"),
    ("return redis.status_reply(ARGV[1])", "v"),
    ("return redis.error_reply(ARGV[1])", "v"),
    ("error(ARGV[1])", "v"),
    ("return {tonumber(ARGV[1]) and tonumber(ARGV[1]) * 0.5 or 'nan', 7 / 2}", "v"),
    ("math.randomseed(tonumber(ARGV[1]) or 0) return {math.random(100), math.random(5, 9)}", "v"),
    ("return {double = tonumber(ARGV[1]) or 0}", "v"),
    ("return {ok = ARGV[1]}", "v"),
    ("return {err = ARGV[1]}", "v"),
    ("return redis.call('nosuchcommand', KEYS[1])", "k"),
    ("return redis.call('get', KEYS[1], ARGV[1])", "kv"),
    ("return redis.call('multi')", ""),
    ("return nosuchglobal", ""),
    ("nosuchglobal = 1", ""),
    ("return +", ""),
    ("return string.rep(ARGV[1], 2)", "v"),
    ("return {string.byte(ARGV[1], 1, -1)}", "v"),
    ("return string.format('%d|%5.1f|%q', #ARGV[1], #ARGV[1] / 3, 'x')", "v"),
]
WRITE_SCRIPT = "return redis.call('set', KEYS[1], 'ro')"

# The scripts as functions of one library: f<i> is SCRIPTS[i] (all but the one that does not
# compile, which would fail the whole library), plus a no-writes reader.
FUNCS = [(i, body, kinds) for i, (body, kinds) in enumerate(SCRIPTS) if body != "return +"]
LIBRARY = "#!lua name=difflib\n" + "".join(
    "redis.register_function('f%d', function(keys, args) %s end)\n"
    % (i, body.replace("KEYS", "keys").replace("ARGV", "args")) for i, body, _ in FUNCS) + \
    "redis.register_function{function_name='ro_get', flags={'no-writes'}, " \
    "callback=function(keys) return redis.call('get', keys[1]) end}\n"
LOADED = "return {'loaded', KEYS[1]}"


def sha(body):
    return hashlib.sha1(body.encode()).hexdigest().encode()


def _eval(c, r, body, kinds, name=b"EVAL"):
    keys, args = [], []
    for kind in kinds:
        if kind == "k":
            keys.append(c.key())
        elif kind == "i":
            args.append(c.pick(SMALL_INTS))
        else:
            args.append(c.pick(c.VALUES))
    return [name, body.encode(), str(len(keys)).encode()] + keys + args


def choices(r, c):
    def any_script():
        body, kinds = c.pick(SCRIPTS)
        return _eval(c, r, body, kinds)

    def any_function():
        i, body, kinds = c.pick(FUNCS)
        cmd = _eval(c, r, body, kinds, c.pick([b"FCALL", b"FCALL_RO"]))
        cmd[1] = b"f%d" % i
        return cmd

    def library():
        x = r.random()
        if x < 0.6:
            return [b"FUNCTION", b"LOAD", b"REPLACE", LIBRARY.encode()]
        if x < 0.8:
            return [b"FUNCTION", b"LOAD", LIBRARY.encode()]   # exists: an error, or loads
        if x < 0.9:
            return [b"FUNCTION", b"DELETE", c.pick([b"difflib", b"nolib"])]
        return [b"FUNCTION", b"FLUSH"]

    return [any_script] * 12 + [any_function] * 6 + [
        library, library,
        lambda: [b"FCALL_RO", b"ro_get", b"1", c.key()],
        lambda: [b"FCALL", c.pick([b"RO_GET", b"nosuchfn"]), c.pick([b"1", b"-1", b"x", b"9"]),
                 c.key()],
        lambda: [b"FUNCTION", b"LIST"] + c.pick([[], [b"WITHCODE"], [b"LIBRARYNAME", b"diff*"]]),
        lambda: [b"FUNCTION", b"STATS"],
        lambda: _eval(c, r, "return redis.call('get', KEYS[1])", "k", b"EVAL_RO"),
        lambda: _eval(c, r, WRITE_SCRIPT, "k", b"EVAL_RO"),
        lambda: [b"SCRIPT", b"LOAD", LOADED.encode()],
        lambda: [b"EVALSHA", sha(LOADED), b"1", c.key()],
        lambda: [b"EVALSHA_RO", sha(LOADED).upper(), b"1", c.key()],
        lambda: [b"SCRIPT", b"EXISTS", sha(LOADED), sha(c.pick(SCRIPTS)[0]), b"nope"],
        lambda: [b"SCRIPT", b"FLUSH"] if r.random() < 0.2 else [b"SCRIPT", b"EXISTS", b"x"],
        lambda: [b"EVAL", b"return 1", c.pick([b"-1", b"5", b"x", b""])],
        lambda: [b"EVALSHA", c.pick([b"abc", b"0" * 40]), b"0"],
    ]


def _as_lua51(v):
    """An integer reply as Redis hands it to Lua 5.1 and back: through a double, and the
    x86-64 conversion of what does not fit (the smallest long long)."""
    d = float(v)
    return int(d) if -2.0 ** 63 <= d < 2.0 ** 63 else -2 ** 63


def _same_but_for_doubles(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == b":":
        return int(b[1]) == _as_lua51(int(a[1]))
    if a[0] == b"*" and a[1] is not None and b[1] is not None:
        return len(a[1]) == len(b[1]) and all(_same_but_for_doubles(x, y)
                                              for x, y in zip(a[1], b[1]))
    return a == b


def equivalent(cmd, aikv, redis):
    """A documented divergence (docs/scripting.md): an integer reply of a command beyond 2^53
    reaches a script exactly in AiKv, rounded through a double in Redis's Lua 5.1."""
    if cmd[0].upper() not in (b"EVAL", b"EVALSHA", b"EVAL_RO", b"EVALSHA_RO", b"FCALL",
                              b"FCALL_RO"):
        return False
    return _same_but_for_doubles(aikv, redis)


def _sorted_functions(lib):
    """A FUNCTION LIST entry (a flat name/value array) with its functions in name order."""
    kind, body = lib
    if not isinstance(body, list):
        return lib
    out = list(body)
    for i in range(0, len(out) - 1, 2):
        if out[i] == (b"$", b"functions") and isinstance(out[i + 1][1], list):
            out[i + 1] = (out[i + 1][0], sorted(out[i + 1][1], key=repr))
    return (kind, out)


def normalize(cmd, reply):
    """FUNCTION LIST: Redis lists libraries and their functions in hash order (unspecified);
    AiKv in name order. Both are compared sorted."""
    if [a.upper() for a in cmd[:2]] == [b"FUNCTION", b"LIST"] and reply[0] == b"*" \
            and isinstance(reply[1], list):
        return (reply[0], sorted((_sorted_functions(lib) for lib in reply[1]), key=repr))
    return reply

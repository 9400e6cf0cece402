"""Differential generator: hashes (see diff.py).

Two kinds of keys:
  - the shared key pool (c.KEYS), also used by the other families, and
    SMALL_KEYS, used only here: fields and values stay short and few, so
    these hashes stay listpacks and every reply, field order included, must
    be identical;
  - BIG_KEYS, used only here: they get hundreds of fields or values longer
    than hash-max-listpack-value, so they become hashtables, whose order
    Redis leaves unspecified: HGETALL/HKEYS/HVALS/HSCAN replies on them are
    sorted by normalize(), and HSCAN on them always asks for a COUNT large
    enough to finish in one call (cursors depend on the hash function).
HRANDFIELD is random everywhere: normalize() keeps what is deterministic (the
reply type, the number of elements, their distinctness for a positive count,
and the whole content when a positive count covers the whole hash).
"""

BIG_KEYS = [b"hbig:1", b"hbig:2"]
SMALL_KEYS = [b"hs:1", b"hs:2"]  # listpacks that the string commands never touch
FIELDS = [b"f1", b"f2", b"f3", b"a", b"", b"\x00\xff", b"n", b"x" * 44]
LONG_VALUES = [b"L" * 65, b"M" * 200, b"N" * 64]
COUNTS = [b"-5", b"-1", b"0", b"1", b"2", b"3", b"10", b"x", b"1.5", b"",
          b"-9223372036854775808", b"9223372036854775807"]
WV_COUNTS = [b"-3", b"1", b"2", b"5", b"0", b"4611686018427387904",
             b"-4611686018427387904", b"4611686018427387903", b"x"]
CURSORS = [b"0", b"0", b"0", b"7", b"18446744073709551615", b"-1", b"x", b"", b" 1"]
PATTERNS = [b"*", b"f*", b"?", b"[an]*", b"zz*", b"\x00*", b""]


def _pairs(r, c, n):
    out = []
    for _ in range(n):
        out += [c.pick(FIELDS), c.pick(c.VALUES)]
    return out


def _big_fields(r):
    return [b"bf%d" % r.randrange(700) for _ in range(r.randint(1, 4))]


def choices(r, c):
    k = c.key() if r.random() < 0.4 else c.pick(SMALL_KEYS)
    f, v = c.pick(FIELDS), c.pick(c.VALUES)
    bk = c.pick(BIG_KEYS)
    pick = c.pick
    return [
        # ---- shared (listpack) keys
        lambda: [b"HSET", k] + _pairs(r, c, r.randint(1, 3)),
        lambda: [b"HSET", k, f] + r.choice([[], [v, f]]),
        lambda: [b"HMSET", k] + _pairs(r, c, r.randint(1, 2)) + r.choice([[], [], [f]]),
        lambda: [b"HSETNX", k, f, v],
        lambda: [b"HGET", k, f],
        lambda: [b"HMGET", k] + [pick(FIELDS) for _ in range(r.randint(1, 4))],
        lambda: [b"HDEL", k] + [pick(FIELDS) for _ in range(r.randint(1, 3))],
        lambda: [b"HEXISTS", k, f],
        lambda: [b"HLEN", k],
        lambda: [b"HSTRLEN", k, f],
        lambda: [r.choice([b"HKEYS", b"HVALS", b"HGETALL"]), k],
        lambda: [b"HINCRBY", k, r.choice([f, b"n", b"cnt"]), pick(c.INTS)],
        lambda: [b"HINCRBYFLOAT", k, r.choice([f, b"n", b"fl"]), pick(c.FLOATS)],
        lambda: [b"HRANDFIELD", k],
        lambda: [b"HRANDFIELD", k, pick(COUNTS)],
        lambda: [b"HRANDFIELD", k, pick(WV_COUNTS), r.choice([b"WITHVALUES", b"withvalues",
                                                                b"WITHVALUE"])],
        lambda: [b"HRANDFIELD", k, b"1", b"WITHVALUES", b"x"],
        lambda: [b"HSCAN", k, pick(CURSORS)] + r.choice(
            [[], [b"MATCH", pick(PATTERNS)], [b"COUNT", r.choice([b"1", b"0", b"-1", b"x",
                                                                  b"100"])],
             [b"MATCH", pick(PATTERNS), b"COUNT", b"2"], [b"NOVALUES"], [b"MATCH"],
             [b"TYPE", b"hash"]]),
        lambda: [b"OBJECT", b"ENCODING", k],
        lambda: [b"HSET", k, b"n", pick(c.INTS)],
        # ---- big (hashtable) keys
        lambda: [b"HSET", bk] + (sum(([b"bf%d" % i, b"v%d" % i] for i in range(600)), [])
                                 if r.random() < 0.3 else
                                 [pick(_big_fields(r)), pick(LONG_VALUES + c.VALUES)]),
        lambda: [b"HDEL", bk] + _big_fields(r),
        lambda: [b"HGET", bk, pick(_big_fields(r) + FIELDS)],
        lambda: [b"HMGET", bk] + _big_fields(r),
        lambda: [r.choice([b"HLEN", b"HKEYS", b"HVALS", b"HGETALL"]), bk],
        lambda: [r.choice([b"HEXISTS", b"HSTRLEN"]), bk, pick(_big_fields(r))],
        lambda: [b"HINCRBY", bk, pick(_big_fields(r) + [b"n"]), pick(c.INTS)],
        lambda: [b"HINCRBYFLOAT", bk, pick(_big_fields(r) + [b"n"]), pick(c.FLOATS)],
        lambda: [b"HSETNX", bk, pick(_big_fields(r)), pick(LONG_VALUES)],
        lambda: [b"HRANDFIELD", bk] + r.choice([[], [pick(COUNTS)],
                                                 [pick(WV_COUNTS), b"WITHVALUES"]]),
        lambda: [b"HSCAN", bk, b"0", b"COUNT", b"100000"] + r.choice(
            [[], [b"MATCH", r.choice([b"bf1*", b"*", b"bf?", b"zz"])]]),
        lambda: [b"OBJECT", b"ENCODING", bk],
    ]


def _sorted_pairs(items):
    return sorted(zip(items[0::2], items[1::2]))


def _randfield(cmd, reply):
    t, items = reply
    if t == b"$":
        return (t, "a random field" if items is not None else None)
    if t != b"*" or items is None:
        return reply
    withvalues = len(cmd) > 3
    try:
        count = int(cmd[2])
    except ValueError:
        return reply
    fields = items[0::2] if withvalues else items
    n = len(fields)
    if count > 0 and n < count:
        # The whole hash: deterministic content, unspecified order.
        return (t, ("whole", _sorted_pairs(items) if withvalues else sorted(items)))
    if count > 0:
        return (t, ("distinct", n, len(set(fields))))
    return (t, ("repeat", n))


def normalize(cmd, reply):
    name = cmd[0].upper()
    if not name.startswith(b"H"):
        return reply
    if name == b"HRANDFIELD":
        return _randfield(cmd, reply)
    if len(cmd) < 2 or cmd[1] not in BIG_KEYS or reply[0] != b"*" or reply[1] is None:
        return reply
    if name in (b"HKEYS", b"HVALS"):
        return (b"*", sorted(reply[1]))
    if name == b"HGETALL":
        return (b"*", _sorted_pairs(reply[1]))
    if name == b"HSCAN" and len(reply[1]) == 2:
        cursor, items = reply[1]
        return (b"*", [cursor, (items[0], _sorted_pairs(items[1]) if items[1] else items[1])])
    return reply

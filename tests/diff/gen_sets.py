"""Differential generator: sets (see diff.py).

Keys:
  - the shared key pool (c.KEYS), also used by the other families (so
    WRONGTYPE paths come for free), with members from MEMBERS: canonical
    integers (intsets), non-canonical ones and texts (hashtables);
  - SET_KEYS, used only here, for the algebra and as ...STORE destinations;
  - BIG, filled with hundreds of integers so it crosses
    set-max-intset-entries (or a lowered value set by CONFIG SET).

Set order is unspecified (hashtables follow the hash function), so
normalize() sorts SMEMBERS/SINTER/SUNION/SDIFF/SPOP replies and SSCAN
batches; SSCAN is always asked for cursor 0 with a COUNT large enough to
finish in one call (cursors depend on the hash function). Random commands
keep the two servers' states equal: SPOP pops only with a count that takes
the whole set (or 0, or an invalid count), SPOP without a count only meets
missing keys and keys of another type; SRANDMEMBER replies are compared on
their type and length only (and their content when they hold the whole
set).
"""

MEMBERS = [b"1", b"2", b"3", b"10", b"-1", b"0", b"70000", b"-70000", b"5000000000",
           b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808",
           b"01", b"-0", b"+1", b" 1", b"1.5", b"1e3", b"a", b"b", b"c", b"", b"\x00\xff",
           b"x" * 50]
INT_MEMBERS = [b"1", b"2", b"3", b"4", b"5", b"10", b"-1", b"0", b"100", b"70000"]
SET_KEYS = [b"s:1", b"s:2", b"s:3"]
BIG = b"s:big"
# Never a set (nothing here writes a set to them): missing, or a string.
NONE_KEYS = [b"s:none", b"s:str"]
COUNTS_BAD = [b"-1", b"x", b"1.5", b"", b"-9223372036854775808", b"9223372036854775808"]
SRAND_COUNTS = [b"1", b"2", b"3", b"5", b"100", b"0", b"-1", b"-3", b"-10",
                b"9223372036854775807", b"-9223372036854775808",
                b"x", b""]
PATTERNS = [b"*", b"1*", b"?", b"[ab]*", b"*0*", b"zz", b"\x00*", b""]
CURSORS_BAD = [b"x", b" 1", b"18446744073709551616", b"-", b"1x"]


def _members(r, c, lo=1, hi=4, ints=False):
    pool = INT_MEMBERS if ints else MEMBERS
    return [c.pick(pool) for _ in range(r.randint(lo, hi))]


def _keys(r, c, lo=1, hi=4):
    pool = c.KEYS + SET_KEYS + SET_KEYS + [BIG, b"s:none"]
    return [c.pick(pool) for _ in range(r.randint(lo, hi))]


def _dst(r, c):
    return c.pick(SET_KEYS + c.KEYS)


def _big_fill(r):
    n = r.choice([100, 300, 520, 700])
    start = r.randrange(0, 200)
    return [b"%d" % i for i in range(start, start + n)]


def choices(r, c):
    k, m = c.key(), c.pick(MEMBERS)
    sk = c.pick(SET_KEYS)
    pick = c.pick
    any_key = r.choice([k, sk, sk, BIG, pick(NONE_KEYS)])
    return [
        # ---- writes
        lambda: [b"SADD", k] + _members(r, c),
        lambda: [b"SADD", sk] + _members(r, c, ints=r.random() < 0.6),
        lambda: [b"SADD", BIG] + (_big_fill(r) if r.random() < 0.3 else _members(r, c, ints=True)),
        lambda: [b"SREM", any_key] + _members(r, c),
        lambda: [b"SREM", BIG] + [b"%d" % r.randrange(0, 900) for _ in range(r.randint(1, 30))],
        lambda: [b"SMOVE", any_key, r.choice([k, sk, BIG]), pick(MEMBERS + INT_MEMBERS)],
        lambda: [b"SMOVE", sk, sk, pick(INT_MEMBERS)],
        lambda: [b"SET", b"s:str", pick(c.VALUES)],
        # ---- reads
        lambda: [b"SISMEMBER", any_key, pick(MEMBERS + INT_MEMBERS)],
        lambda: [b"SMISMEMBER", any_key] + _members(r, c, 1, 5),
        lambda: [b"SCARD", any_key],
        lambda: [b"SMEMBERS", any_key],
        lambda: [b"OBJECT", b"ENCODING", r.choice([sk, BIG, k])],
        # ---- algebra
        lambda: [r.choice([b"SINTER", b"SUNION", b"SDIFF"])] + _keys(r, c),
        lambda: [r.choice([b"SINTERSTORE", b"SUNIONSTORE", b"SDIFFSTORE"]), _dst(r, c)]
        + _keys(r, c),
        lambda: [b"SINTERCARD"] + r.choice([
            lambda ks: [b"%d" % len(ks)] + ks,
            lambda ks: [b"%d" % len(ks)] + ks + [b"LIMIT", r.choice([b"0", b"1", b"2", b"5"])],
            lambda ks: [b"%d" % len(ks)] + ks + [b"LIMIT", r.choice([b"-1", b"x"])],
            lambda ks: [b"%d" % len(ks)] + ks + [r.choice([b"LIMIT", b"BOGUS"])],
            lambda ks: [r.choice([b"0", b"-1", b"x", b"%d" % (len(ks) + 1)])] + ks,
        ])(_keys(r, c)),
        # ---- random members, deterministic parts only
        lambda: [b"SPOP", any_key, r.choice([b"1000", b"100000", b"0"])],
        lambda: [b"SPOP", any_key, pick(COUNTS_BAD)],
        lambda: [b"SPOP", any_key, b"1", b"2"],
        lambda: [b"SPOP", pick(NONE_KEYS)],
        lambda: [b"SRANDMEMBER", any_key],
        lambda: [b"SRANDMEMBER", any_key, pick(SRAND_COUNTS)],
        lambda: [b"SRANDMEMBER", any_key, b"1", b"2"],
        # ---- SSCAN: cursor 0 and a COUNT that finishes in one call
        lambda: [b"SSCAN", any_key, b"0", b"COUNT", b"5000"]
        + r.choice([[], [b"MATCH", pick(PATTERNS)]]),
        lambda: [b"SSCAN", any_key, b"0", b"MATCH", pick(PATTERNS), b"COUNT", b"1000"],
        lambda: [b"SSCAN", any_key, pick(CURSORS_BAD)],
        lambda: [b"SSCAN", any_key, b"0"] + r.choice([
            [b"COUNT", b"0"], [b"COUNT", b"-1"], [b"COUNT", b"x"], [b"COUNT"], [b"MATCH"],
            [b"TYPE", b"set"], [b"NOVALUES"], [b"COUNT", b"x", b"BOGUS"]]),
        # ---- encoding limit (rarely changed; only sets read it)
        lambda: ([b"CONFIG", b"SET", b"set-max-intset-entries",
                  r.choice([b"512", b"512", b"512", b"5", b"0"])]
                 if r.random() < 0.2 else [b"SCARD", BIG]),
    ]


SORTED = {b"SMEMBERS", b"SINTER", b"SUNION", b"SDIFF", b"SPOP"}


def normalize(cmd, reply):
    name = cmd[0].upper()
    kind, body = reply
    if name in SORTED and kind in (b"*", b"~") and isinstance(body, list):
        return (kind, sorted(body))
    if name == b"SSCAN" and kind == b"*" and isinstance(body, list) and len(body) == 2:
        cursor, batch = body
        if cursor == (b"$", b"0"):
            return (kind, [cursor, (batch[0], sorted(batch[1]))])
        return (kind, "partial scan")
    if name == b"SRANDMEMBER":
        if kind == b"$":
            return (kind, "a member" if body is not None else None)
        if kind == b"*" and isinstance(body, list):
            count = int(cmd[2]) if len(cmd) > 2 else 1
            if 0 < count and len(body) < count:
                return (kind, sorted(body))  # the whole set
            distinct = len(set(body)) == len(body)
            return (kind, len(body), distinct or count < 0)
    return reply

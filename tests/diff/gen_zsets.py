"""Differential generator: sorted sets (see diff.py).

Keys:
  - the shared key pool (c.KEYS), also used by the other families (so
    WRONGTYPE paths come for free), with members from MEMBERS and scores
    from SCORES (valid and invalid texts, infinities, -0, ties);
  - Z_KEYS, used only here, for the algebra and as ...STORE destinations,
    plus the set family's keys as algebra inputs (a set counts as scores 1);
  - BIG, filled with hundreds of members so it is a skiplist;
  - LEX, whose scores are all 0 (the only case where lex ranges are
    defined), and MIXED, a listpack of one-byte members with mixed scores,
    where Redis's lex walk is linear and so deterministic. Lex commands go
    to these two (and to missing/string keys) only: on a skiplist whose
    scores differ, the answer depends on the random tower heights.

Everything is deterministic except ZRANDMEMBER (normalize() compares the
type, the length and distinctness, or the content when the reply is the
whole set) and ZSCAN of a skiplist (cursors follow the hash function:
compared only when complete, sorted). Set-algebra outputs are sorted by
(score, member), so they are compared exactly. Huge negative ZRANDMEMBER
counts are avoided: Redis would try to build that reply.
"""

MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"aa", b"", b"\x00\xff", b"b\x00", b"1", b"10", b"-1",
           b"m" * 70]
SHORT = [b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h"]
LEX_MEMBERS = [b"a", b"b", b"c", b"d", b"aa", b"ab", b"b\x00", b"", b"\xff", b"z"]
SCORES = [b"0", b"1", b"-1", b"2", b"2.5", b"1e3", b"0.1", b"-0.25", b"inf", b"-inf", b"+inf",
          b"1e300", b"-0", b"3", b"3.0", b"007", b"0x10", b"9007199254740993", b"5e-324",
          b"nan", b"abc", b" 1", b"1e999", b"", b"1.5"]
GOOD_SCORES = [b"0", b"1", b"-1", b"2", b"2.5", b"0.1", b"3", b"-7", b"inf", b"-inf"]
Z_KEYS = [b"z:1", b"z:2", b"z:3"]
SET_INPUTS = [b"s:1", b"s:2"]
BIG = b"z:big"
LEX = b"z:lex"
MIXED = b"z:mixed"
NONE_KEYS = [b"z:none", b"z:str"]
LEX_KEYS = [LEX, LEX, MIXED, MIXED, b"z:none", b"z:str"]
RANKS = [b"0", b"1", b"-1", b"2", b"-2", b"3", b"10", b"-100", b"x", b"1.5",
         b"9223372036854775807", b"-9223372036854775808"]
SCORE_BOUNDS = [b"-inf", b"+inf", b"inf", b"0", b"1", b"(1", b"2.5", b"(2.5", b"-1", b"(-inf",
                b"1e3", b"(0", b"x", b"nan", b"", b"(", b" 1", b"0x2", b"[1"]
LEX_BOUNDS = [b"-", b"+", b"[a", b"(a", b"[b", b"(c", b"[", b"(", b"[aa", b"(b\x00", b"[z",
              b"a", b"", b"+x"]
LIMITS = [[b"LIMIT", b"0", b"1"], [b"LIMIT", b"1", b"2"], [b"LIMIT", b"0", b"-1"],
          [b"LIMIT", b"2", b"0"], [b"LIMIT", b"-1", b"2"], [b"LIMIT", b"100", b"1"],
          [b"LIMIT", b"x", b"1"], [b"LIMIT", b"1"], [b"LIMIT", b"0", b"-5"]]
RAND_COUNTS = [b"1", b"2", b"3", b"5", b"100", b"0", b"-1", b"-3", b"-10", b"9223372036854775807",
               b"-9223372036854775808", b"x", b"", b"4611686018427387904"]
PATTERNS = [b"*", b"a*", b"?", b"[ab]*", b"*\x00*", b"zz", b""]
CURSORS_BAD = [b"x", b" 1", b"18446744073709551616", b"-", b"1x"]
ZADD_OPTS = [[], [], [], [b"NX"], [b"XX"], [b"CH"], [b"GT"], [b"LT"], [b"GT", b"CH"],
             [b"XX", b"LT"], [b"INCR"], [b"INCR"], [b"NX", b"INCR"], [b"XX", b"INCR"],
             [b"GT", b"INCR"], [b"NX", b"XX"], [b"GT", b"LT"], [b"LT", b"NX"], [b"ch", b"xx", b"gt"]]


def _pairs(r, c, scores, members, lo=1, hi=4):
    out = []
    for _ in range(r.randint(lo, hi)):
        out += [c.pick(scores), c.pick(members)]
    return out


def _zadd(r, c, key, scores=SCORES, members=MEMBERS):
    opts = c.pick(ZADD_OPTS)
    hi = 1 if b"INCR" in opts and r.random() < 0.9 else 4
    pairs = _pairs(r, c, scores, members, 1, hi)
    if r.random() < 0.04:
        pairs = pairs[:-1]
    return [b"ZADD", key] + opts + pairs


def _big_fill(r):
    n = r.choice([130, 200, 300])
    start = r.randrange(0, 100)
    out = []
    for i in range(start, start + n):
        out += [b"%d" % (i % 37), b"m%d" % i]
    return out


def _inputs(r, c, lo=1, hi=4):
    pool = c.KEYS + Z_KEYS + Z_KEYS + SET_INPUTS + [BIG, LEX, MIXED, b"z:none"]
    return [c.pick(pool) for _ in range(r.randint(lo, hi))]


def _dst(r, c):
    return c.pick(Z_KEYS + c.KEYS)


def _algebra_opts(r, n, op):
    opts = []
    for _ in range(r.choice([0, 0, 1, 2])):
        kind = r.random()
        if kind < 0.35:
            w = [r.choice([b"1", b"2", b"0", b"-1", b"0.5", b"inf", b"-inf", b"x", b"nan"])
                 for _ in range(n if r.random() < 0.9 else n + r.choice([-1, 1]))]
            opts += [b"WEIGHTS"] + w
        elif kind < 0.7:
            opts += [b"AGGREGATE", r.choice([b"SUM", b"MIN", b"MAX", b"max", b"avg"])]
        elif kind < 0.95:
            opts += [b"WITHSCORES"]
        else:
            opts += [r.choice([b"BOGUS", b"LIMIT"])]
    return opts


def _range_cmd(r, c, key):
    """ZRANGE with any mix of options (bounds mostly fitting the BY)."""
    by = r.choice([None, None, b"BYSCORE", b"BYLEX"])
    if by == b"BYLEX":
        key = c.pick(LEX_KEYS)
        a, b = c.pick(LEX_BOUNDS), c.pick(LEX_BOUNDS)
    elif by == b"BYSCORE":
        a, b = c.pick(SCORE_BOUNDS), c.pick(SCORE_BOUNDS)
    else:
        a, b = c.pick(RANKS), c.pick(RANKS)
    opts = []
    if by:
        opts.append(by)
    if r.random() < 0.4:
        opts.append(b"REV")
    if r.random() < 0.5:
        opts.append(b"WITHSCORES")
    if r.random() < 0.4:
        opts += c.pick(LIMITS)
    if r.random() < 0.05:
        opts.append(r.choice([b"REV", b"BYSCORE", b"BYLEX", b"BOGUS"]))
    r.shuffle(opts)
    return [b"ZRANGE", key, a, b] + opts

TIMEOUTS = [b"0.01", b"0.02", b"0.01", b"-1", b"x", b"", b"-0.5", b"1e400"]


def choices(r, c):
    k = c.key()
    zk = c.pick(Z_KEYS)
    pick = c.pick
    any_key = r.choice([k, zk, zk, BIG, pick(NONE_KEYS)])
    lex_key = pick(LEX_KEYS)
    m = pick(MEMBERS)
    def mpop_args():
        return r.choice([
            lambda ks: [b"%d" % len(ks)] + ks + [r.choice([b"MIN", b"MAX", b"min", b"BAD"])],
            lambda ks: [b"%d" % len(ks)] + ks + [r.choice([b"MIN", b"MAX"]), b"COUNT",
                                                  r.choice([b"1", b"2", b"10", b"0", b"-1", b"x"])],
            lambda ks: [b"%d" % len(ks)] + ks + [b"MIN", b"COUNT"],
            lambda ks: [r.choice([b"0", b"-1", b"x", b"%d" % (len(ks) + 1)])] + ks + [b"MIN"],
        ])([pick([k, zk, zk, BIG, b"z:none", b"z:str"]) for _ in range(r.randint(1, 3))])

    return [
        # ---- writes
        lambda: _zadd(r, c, r.choice([k, zk, zk])),
        lambda: _zadd(r, c, BIG) if r.random() < 0.7 else [b"ZADD", BIG] + _big_fill(r),
        lambda: [b"ZADD", LEX] + r.choice([[], [], [b"NX"], [b"XX"], [b"CH"]])
        + sum(([b"0", pick(LEX_MEMBERS)] for _ in range(r.randint(1, 3))), []),
        lambda: [b"ZADD", MIXED] + r.choice([[], [b"CH"], [b"GT"], [b"LT"]])
        + _pairs(r, c, GOOD_SCORES, SHORT, 1, 3),
        lambda: [b"ZINCRBY", r.choice([k, zk, BIG, b"z:str"]), pick(SCORES), m],
        lambda: [b"ZINCRBY", zk, r.choice([b"nx", b"incr", b"ch"]), m],
        lambda: [b"ZREM", any_key] + [pick(MEMBERS) for _ in range(r.randint(1, 3))],
        lambda: [b"ZREM", r.choice([LEX, MIXED])] + [pick(LEX_MEMBERS + SHORT)],
        lambda: [b"ZREMRANGEBYRANK", any_key, pick(RANKS), pick(RANKS)],
        lambda: [b"ZREMRANGEBYSCORE", any_key, pick(SCORE_BOUNDS), pick(SCORE_BOUNDS)],
        lambda: [b"ZREMRANGEBYLEX", lex_key, pick(LEX_BOUNDS), pick(LEX_BOUNDS)],
        lambda: [r.choice([b"ZPOPMIN", b"ZPOPMAX"]), any_key]
        + r.choice([[], [b"1"], [b"2"], [b"0"], [b"100"], [b"-1"], [b"x"], [b"1", b"2"]]),
        lambda: [b"ZMPOP"] + mpop_args(),
        # Blocking twins: short timeouts (an empty key costs that long on each server) and bad
        # ones; never one that rounds to 0 ms, which blocks this single connection for good.
        lambda: [b"BZMPOP", pick(TIMEOUTS)] + mpop_args(),
        lambda: [r.choice([b"BZPOPMIN", b"BZPOPMAX"])]
        + [pick([k, zk, zk, BIG, b"z:none", b"z:str"]) for _ in range(r.randint(1, 3))]
        + [pick(TIMEOUTS)],
        lambda: [b"SET", b"z:str", pick(c.VALUES)],
        # ---- reads
        lambda: [b"ZSCORE", any_key, m],
        lambda: [b"ZMSCORE", any_key] + [pick(MEMBERS) for _ in range(r.randint(1, 4))],
        lambda: [b"ZCARD", any_key],
        lambda: [b"ZCOUNT", any_key, pick(SCORE_BOUNDS), pick(SCORE_BOUNDS)],
        lambda: [b"ZLEXCOUNT", lex_key, pick(LEX_BOUNDS), pick(LEX_BOUNDS)],
        lambda: [r.choice([b"ZRANK", b"ZREVRANK"]), any_key, m],
        lambda: [r.choice([b"ZRANK", b"ZREVRANK"]), r.choice([LEX, MIXED]), pick(LEX_MEMBERS)],
        lambda: _range_cmd(r, c, any_key),
        lambda: _range_cmd(r, c, any_key),
        lambda: [b"ZREVRANGE", any_key, pick(RANKS), pick(RANKS)]
        + r.choice([[], [b"WITHSCORES"], [b"LIMIT", b"0", b"1"], [b"REV"]]),
        lambda: [r.choice([b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"]), any_key, pick(SCORE_BOUNDS),
                 pick(SCORE_BOUNDS)] + r.choice([[], [b"WITHSCORES"], pick(LIMITS),
                                                 [b"WITHSCORES"] + pick(LIMITS), [b"BYLEX"]]),
        lambda: [r.choice([b"ZRANGEBYLEX", b"ZREVRANGEBYLEX"]), lex_key, pick(LEX_BOUNDS),
                 pick(LEX_BOUNDS)] + r.choice([[], [], pick(LIMITS), [b"WITHSCORES"]]),
        lambda: [b"ZRANGESTORE", _dst(r, c)] + _range_cmd(r, c, any_key)[1:],
        lambda: [b"OBJECT", b"ENCODING", r.choice([zk, BIG, k, LEX, MIXED])],
        # ---- algebra
        lambda: (lambda ks, op: [op, b"%d" % len(ks)] + ks
                 + _algebra_opts(r, len(ks), op))(_inputs(r, c), r.choice([b"ZUNION", b"ZINTER",
                                                                           b"ZDIFF"])),
        lambda: (lambda ks, op: [op, _dst(r, c), b"%d" % len(ks)] + ks
                 + [o for o in _algebra_opts(r, len(ks), op) if o != b"WITHSCORES"])(
            _inputs(r, c), r.choice([b"ZUNIONSTORE", b"ZINTERSTORE", b"ZDIFFSTORE"])),
        lambda: [r.choice([b"ZUNION", b"ZINTER", b"ZDIFF", b"ZINTERCARD"]),
                 r.choice([b"0", b"-1", b"x", b"5", b"99999999999999"]), zk],
        lambda: [b"ZINTERCARD"] + r.choice([
            lambda ks: [b"%d" % len(ks)] + ks,
            lambda ks: [b"%d" % len(ks)] + ks + [b"LIMIT", r.choice([b"0", b"1", b"2", b"5"])],
            lambda ks: [b"%d" % len(ks)] + ks + [b"LIMIT", r.choice([b"-1", b"x"])],
            lambda ks: [b"%d" % len(ks)] + ks + [r.choice([b"LIMIT", b"BOGUS", b"WITHSCORES"])],
        ])(_inputs(r, c)),
        # ---- random members: compared on what is deterministic
        lambda: [b"ZRANDMEMBER", any_key],
        lambda: [b"ZRANDMEMBER", any_key, pick(RAND_COUNTS)] + r.choice([[], [b"WITHSCORES"]]),
        lambda: [b"ZRANDMEMBER", any_key, b"1", b"BAD"],
        # ---- ZSCAN: cursor 0, a COUNT that finishes in one call
        lambda: [b"ZSCAN", any_key, b"0", b"COUNT", b"5000"]
        + r.choice([[], [b"MATCH", pick(PATTERNS)]]),
        lambda: [b"ZSCAN", r.choice([LEX, MIXED]), b"0"] + r.choice([[], [b"MATCH", pick(PATTERNS)]]),
        lambda: [b"ZSCAN", any_key, pick(CURSORS_BAD)],
        lambda: [b"ZSCAN", any_key, b"0"] + r.choice([
            [b"COUNT", b"0"], [b"COUNT", b"-1"], [b"COUNT", b"x"], [b"COUNT"], [b"MATCH"],
            [b"TYPE", b"zset"], [b"NOVALUES"], [b"COUNT", b"x", b"BOGUS"]]),
        # ---- encoding limits (rarely changed; only sorted sets read them)
        lambda: ([b"CONFIG", b"SET", r.choice([b"zset-max-listpack-entries", b"zset-max-ziplist-entries"]),
                  r.choice([b"128", b"128", b"16"])] if r.random() < 0.2 else [b"ZCARD", BIG]),
        lambda: ([b"CONFIG", b"SET", b"zset-max-listpack-value", r.choice([b"64", b"64", b"2"])]
                 if r.random() < 0.2 else [b"ZCARD", LEX]),
    ]


def _pairs_of(body):
    return list(zip(body[0::2], body[1::2]))


def normalize(cmd, reply):
    name = cmd[0].upper()
    if name not in (b"ZRANDMEMBER", b"ZSCAN") or not (isinstance(reply, tuple) and len(reply) == 2):
        return reply  # not ours (other families' normalizers may have reshaped it)
    kind, body = reply
    if name == b"ZRANDMEMBER":
        if kind == b"$":
            return (kind, "a member" if body is not None else None)
        if kind == b"*" and isinstance(body, list):
            try:
                count = int(cmd[2])
            except ValueError:
                return reply
            ws = len(cmd) > 3
            items = _pairs_of(body) if ws else body
            if count > 0 and len(items) < count:
                return (kind, sorted(items))  # the whole set
            names = [p[0] for p in items] if ws else items
            return (kind, len(items), len(set(names)) == len(names) or count < 0)
    if name == b"ZSCAN" and kind == b"*" and isinstance(body, list) and len(body) == 2:
        cursor, batch = body
        if cursor == (b"$", b"0") and isinstance(batch[1], list):
            return (kind, [cursor, (batch[0], sorted(_pairs_of(batch[1])))])
        return (kind, "partial scan")
    return reply

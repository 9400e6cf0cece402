"""Differential generator: list commands (see diff.py).

Most commands use a few keys of their own (L0 L1 L2) so that lists grow long
enough to span several quicklist nodes; the rest use the shared key pool,
where lists meet strings and the other types (WRONGTYPE) and missing keys.
Elements come mostly from a small pool so that LREM, LPOS and LINSERT find
matches. Numbers are mostly valid small values, the rest edge cases:
negative, out of range, 0, LLONG_MIN/MAX, not numbers."""

LKEYS = [b"L0", b"L1", b"L2"]
ELEMS = [b"a", b"b", b"c", b"a", b"a", b"", b"1", b"-1", b"x" * 50, b"\x00\xff"]
EDGE_IDX = [b"100", b"-100", b"9223372036854775807", b"-9223372036854775808", b"x", b"1.5",
            b"", b"01", b" 1", b"-0"]
EDGE_COUNTS = [b"-1", b"-2", b"x", b"9223372036854775807", b"-9223372036854775808", b"1.0", b""]
WHERE = [b"LEFT", b"RIGHT", b"left", b"Right"]
# Blocking commands: short timeouts (an empty key costs that long on each server) and bad
# ones; never 0 or what rounds to 0 ms, which would block this single connection for good.
TIMEOUTS = [b"0.01", b"0.02", b"0.01", b"-1", b"x", b"", b"-0.5", b"1e400"]
SIZES = [b"-2", b"1", b"2", b"3", b"-1", b"-5", b"0", b"128", b"-6", b"5"]


def choices(r, c):
    pick = c.pick

    def key():
        return pick(LKEYS) if r.random() < 0.75 else c.key()

    def elem():
        return pick(ELEMS) if r.random() < 0.9 else pick(c.VALUES)

    def elems(lo=1, hi=6):
        return [elem() for _ in range(r.randint(lo, hi))]

    def idx():
        return str(r.randint(-12, 12)).encode() if r.random() < 0.85 else pick(EDGE_IDX)

    def count():
        return str(r.randint(0, 6)).encode() if r.random() < 0.85 else pick(EDGE_COUNTS)

    def where():
        return pick(WHERE) if r.random() < 0.97 else b"UP"

    def pos_opts():
        opts = []
        for _ in range(r.randint(0, 3)):
            opt = r.choice([b"RANK", b"COUNT", b"MAXLEN", b"rank", b"count", b"maxlen"])
            if r.random() < 0.03:
                return opts + [r.choice([opt, b"BOGUS"])]
            if opt.upper() == b"RANK":
                v = str(r.choice([1, 2, 3, -1, -2, -3, 5])).encode() if r.random() < 0.85 else \
                    r.choice([b"0", b"x", b"-9223372036854775808", b"9223372036854775807",
                              b"-9223372036854775807"])
            else:
                v = str(r.randint(0, 8)).encode() if r.random() < 0.9 else \
                    r.choice([b"-1", b"x", b"9223372036854775807"])
            opts += [opt, v]
        return opts

    def mpop():
        keys = [key() for _ in range(r.choice([1, 1, 2, 3]))]
        numkeys = str(len(keys)).encode() if r.random() < 0.9 else \
            r.choice([b"0", b"-1", b"x", b"5", b"9223372036854775807"])
        tail = r.choice([[], [], [b"COUNT", count()], [b"count", b"3"], [b"COUNT"],
                         [b"COUNT", b"1", b"COUNT", b"2"], [b"junk"]])
        return [b"LMPOP", numkeys] + keys + [where()] + tail

    def bmpop():
        cmd = mpop()
        return [b"BLMPOP", pick(TIMEOUTS)] + cmd[1:]

    k = key()
    return [
        lambda: [b"RPUSH", k] + elems(),
        lambda: [b"LPUSH", k] + elems(),
        lambda: [b"RPUSH", k] + elems(10, 60),
        lambda: [b"LPUSH", k] + elems(10, 60),
        lambda: [r.choice([b"LPUSHX", b"RPUSHX"]), k] + elems(),
        lambda: [r.choice([b"LPOP", b"RPOP"]), k],
        lambda: [r.choice([b"LPOP", b"RPOP"]), k, count()],
        lambda: [b"LPOP", k, b"1", b"2"],
        lambda: [b"LLEN", k],
        lambda: [b"LRANGE", k, idx(), idx()],
        lambda: [b"LRANGE", k, b"0", b"-1"],
        lambda: [b"LINDEX", k, idx()],
        lambda: [b"LSET", k, idx(), elem()],
        lambda: [b"LINSERT", k, r.choice([b"BEFORE", b"AFTER", b"after", b"before", b"NEAR"]),
                 elem(), elem()],
        lambda: [b"LREM", k, str(r.randint(-3, 3)).encode() if r.random() < 0.9 else pick(EDGE_COUNTS),
                 elem()],
        lambda: [b"LTRIM", k, idx(), idx()],
        lambda: [b"LTRIM", k, str(r.randint(0, 3)).encode(), str(r.randint(-4, -1)).encode()],
        lambda: [b"LPOS", k, elem()] + pos_opts(),
        lambda: [b"LPOS", k, elem()] + pos_opts(),
        lambda: [b"LMOVE", k, key(), where(), where()],
        lambda: [b"LMOVE", k, k, pick(WHERE), pick(WHERE)],
        lambda: [b"RPOPLPUSH", k, key()],
        lambda: [b"RPOPLPUSH", k, k],
        mpop,
        lambda: [r.choice([b"BLPOP", b"BRPOP"])] + [key() for _ in range(r.randint(1, 3))]
        + [pick(TIMEOUTS)],
        lambda: [b"BLMOVE", k, key(), where(), where(), pick(TIMEOUTS)],
        lambda: [b"BRPOPLPUSH", k, key(), pick(TIMEOUTS)],
        bmpop,
        lambda: [b"OBJECT", b"ENCODING", k],
        lambda: [b"CONFIG", b"SET", b"list-max-listpack-size", pick(SIZES)],
    ]

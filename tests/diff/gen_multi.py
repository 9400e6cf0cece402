"""Differential generator: transactions (see diff.py).

MULTI opens a block; while it is open the other families' commands are queued as they come, with
a bias towards a few string and list commands, occasional commands refused while queueing
(unknown command, wrong arity: EXECABORT), nested MULTI and WATCH inside MULTI; EXEC (mostly) or
DISCARD closes it after a few commands. Outside a block: WATCH of one to three keys, UNWATCH, and
EXEC/DISCARD without MULTI. With a single connection, WATCH is invalidated by the connection's own
writes between WATCH and EXEC, and by FLUSHDB/SWAPDB, which the stream does often enough.

diff.py compares an EXEC reply element by element with each queued command's own rules (sorted
SMEMBERS, TTL tolerance...), and discards any open block before each run. The generator only
tracks whether a block is open to shape the stream; both servers get the same commands, so
nothing here has to predict a reply.
"""

STATE = {"open": False}


def _open():
    STATE["open"] = True
    return [b"MULTI"]


def _close(cmd):
    def f():
        STATE["open"] = False
        return cmd
    return f


def choices(r, c):
    k, v = c.key(), c.pick(c.VALUES)
    KEYS = c.KEYS
    if not STATE["open"]:
        return [_open] * 6 + [
            lambda: [b"WATCH"] + r.sample(KEYS, r.randint(1, 3)),
            lambda: [b"WATCH", k],
            lambda: [b"WATCH", k],
            lambda: [b"UNWATCH"],
            lambda: [b"EXEC"],
            lambda: [b"DISCARD"],
        ]
    return [_close([b"EXEC"])] * 22 + [_close([b"DISCARD"])] * 2 + [
        _close([b"EXEC", b"extra"]),        # EXECABORT ... because of: wrong number of arguments
        lambda: [b"DISCARD", b"extra"],     # refused: dooms the block, which stays open
        lambda: [b"MULTI"],                 # nested: an error that does not doom the block
        lambda: [b"WATCH", k],              # not allowed inside MULTI, same
        lambda: [b"NOSUCHCMD", k],          # refused: EXECABORT
        lambda: r.choice([[b"GET"], [b"LPUSH", k], [b"SET", k]]),  # wrong arity: EXECABORT
        lambda: [b"SET", k, v],
        lambda: [b"GET", k],
        lambda: [b"INCR", k],
        lambda: [b"APPEND", k, v],
        lambda: [b"LPUSH", k, v],
        lambda: [b"RPOP", k],
        lambda: [b"LRANGE", k, b"0", b"-1"],
        lambda: [b"LLEN", k],
    ]

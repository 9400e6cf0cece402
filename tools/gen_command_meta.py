#!/usr/bin/python3
"""Regenerates the Redis-facing metadata of the command table from a reference redis-server.

    tools/gen_command_meta.py PORT

For every command and subcommand in libaikv/core/commands.c this asks the reference server
(redis-server 7.0, BSD-licensed) for COMMAND INFO and COMMAND DOCS and writes:
  - libaikv/core/command_docs.inc: each command's COMMAND DOCS map as RESP3 bytes;
  - the arity, flags, explicit ACL categories and tips columns of commands.c's CMD() lines.
Commands the reference lacks (newer ones) keep their hand-written entries from
tools/command_docs_extra.resp3. Run it when adding commands; review the diff.
"""
import os, re, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "diff"))
from diff import Conn  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "libaikv/core/commands.c")
OUT = os.path.join(ROOT, "libaikv/core/command_docs.inc")
EXTRA = os.path.join(ROOT, "tools/command_docs_extra.resp3")

# Where AiKv follows a newer Redis than the reference (7.2's ZRANK WITHSCORE).
ARITY_OVERRIDES = {"zrank": -3, "zrevrank": -3}

FLAG_MACROS = {"write": "W", "readonly": "R", "denyoom": "M", "fast": "F", "admin": "A",
               "noscript": "NS", "loading": "LD", "stale": "ST", "no_auth": "NA",
               "allow_busy": "AB", "no_multi": "NM", "skip_monitor": "SM", "skip_slowlog": "SS",
               "may_replicate": "MR", "blocking": "BL", "pubsub": "PS", "sentinel": "SE",
               "no_mandatory_keys": "NK", "no_async_loading": "NAL"}


class Recorder:
    """Wraps a socket and keeps every byte received."""
    def __init__(self, sock):
        self.sock, self.data = sock, bytearray()

    def recv(self, n):
        d = self.sock.recv(n)
        self.data.extend(d)
        return d

    def sendall(self, b):
        self.sock.sendall(b)


def raw(conn, *args):
    """The exact RESP3 bytes of one reply."""
    before = conn.buf
    rec = Recorder(conn.sock)
    conn.sock = rec
    try:
        conn.call(*args)
    finally:
        conn.sock = rec.sock
    data = before + bytes(rec.data)
    return data[:len(data) - len(conn.buf)]


def encode(x):
    t, v = x
    if t in (b"$", b"="):
        return t + b"%d\r\n" % len(v) + v + b"\r\n"
    if t in (b"*", b"~", b">"):
        return t + b"%d\r\n" % len(v) + b"".join(encode(e) for e in v)
    if t == b"%":
        return b"%%%d\r\n" % len(v) + b"".join(encode(k) + encode(e) for k, e in v)
    return t + (v if v is not None else b"") + b"\r\n"


def strip_subcommands(resp3):
    class Buf:
        def __init__(self, b):
            self.buf, self.sock = b, None
    c = Conn.__new__(Conn)
    c.buf, c.sock = resp3, None
    t, pairs = c.reply()
    return encode((t, [(k, v) for k, v in pairs if k[1] != b"subcommands"]))


def val(x):
    t, v = x
    if isinstance(v, list):
        return [val(e) if not isinstance(e, tuple) or len(e) != 2 or not isinstance(e[0], tuple)
                else (val(e[0]), val(e[1])) for e in v]
    return v


def implicit(flags):
    cats = set()
    if "write" in flags: cats.add("write")
    if "readonly" in flags: cats.add("read")
    if "admin" in flags: cats |= {"admin", "dangerous"}
    if "pubsub" in flags: cats.add("pubsub")
    if "fast" in flags: cats.add("fast")
    if "blocking" in flags: cats.add("blocking")
    if "fast" not in cats: cats.add("slow")
    return cats


def c_string(b):
    out = []
    for ch in b:
        c = chr(ch)
        if c == "\\": out.append("\\\\")
        elif c == '"': out.append('\\"')
        elif c == "\r": out.append("\\r")
        elif c == "\n": out.append("\\n")
        elif 32 <= ch < 127: out.append(c)
        else: out.append("\\%03o" % ch)
    return "".join(out)


def main():
    conn = Conn(int(sys.argv[1]))
    conn.call("HELLO", "3")
    src = open(SRC).read()
    # Which array each CMD() is in tells its parent.
    parents = {}
    for m in re.finditer(r"static ak_cmd (\w+)_subs\[\] = \{(.*?)END\};", src, re.S):
        for n in re.finditer(r'CMD\("([^"]+)"', m.group(2)):
            parents[(m.start(2), n.group(1))] = m.group(1)
    docs, keyspecs = {}, {}
    extra = open(EXTRA, "rb").read() if os.path.exists(EXTRA) else b""
    for m in re.finditer(rb"^# (\S+)\n(.*?)(?=^# |\Z)", extra, re.S | re.M):
        docs[m.group(1).decode()] = m.group(2).rstrip(b"\n")

    def fix(m):
        args = m.group(1)
        if not re.match(r'\s*"', args):
            return m.group(0)  # the macro's own definition
        name = re.match(r'\s*"([^"]+)"', args).group(1)
        parent = None
        for (pos, n), p in parents.items():
            if n == name and pos < m.start() and m.start() < src.index("END};", pos):
                parent = p
        full = "%s|%s" % (parent, name) if parent else name
        proc, rest = re.match(r'\s*"[^"]+",\s*(\w+),(.*)', args, re.S).groups()
        parts = [p.strip() for p in rest.split(",")]
        info = val(conn.call("COMMAND", "INFO", full))[0]
        if info is None:
            return m.group(0)
        arity = int(info[1])
        flags = [f.decode() for f in info[2]]
        cats = [c.decode().lstrip("@") for c in info[6]]
        explicit = [c for c in cats if c not in implicit(flags)]
        tips = [t.decode() for t in info[7]]
        # movablekeys is derived from the key finders in commands.c
        fl = " | ".join(FLAG_MACROS[f] for f in flags if f != "movablekeys") or "0"
        arity = ARITY_OVERRIDES.get(full, arity)
        docbytes = raw(conn, "COMMAND", "DOCS", full)
        # "%1\r\n$N\r\nname\r\n<map>": keep only the map
        body = docbytes.split(b"\r\n", 1)[1]
        n = int(body[1:body.index(b"\r\n")])
        docs[full] = body[body.index(b"\r\n") + 2 + n + 2:]
        keyspecs[full] = encode(conn.call("COMMAND", "INFO", full)[1][0][1][8])
        return 'CMD("%s", %s, %d, %s, %s, %s, %s, "%s", "%s")' % (
            name, proc, arity, fl, int(info[3]), int(info[4]), int(info[5]),
            " ".join(explicit), " ".join(tips))

    src = re.sub(r'CMD\(((?:[^()"]|"(?:[^"\\]|\\.)*")*)\)', fix, src)
    # Containers: their own docs without "subcommands", which the server
    # builds from the table (AiKv may have subcommands the reference lacks).
    for name in re.findall(r'CONTAINER\("([^"]+)"', src):
        docbytes = raw(conn, "COMMAND", "DOCS", name)
        body = docbytes.split(b"\r\n", 1)[1]
        n = int(body[1:body.index(b"\r\n")])
        docs[name] = strip_subcommands(body[body.index(b"\r\n") + 2 + n + 2:])
    open(SRC, "w").write(src)
    with open(OUT, "w") as f:
        f.write("/* Generated by tools/gen_command_meta.py: each command's COMMAND DOCS reply as\n"
                " * RESP3, then its COMMAND INFO key specifications. Texts from redis-server %s's command documentation (BSD-3-Clause),\n"
                " * so that AiKv answers COMMAND DOCS as Redis does. Do not edit by hand. */\n"
                % "7.0")
        for full in sorted(docs):
            f.write('{"%s",\n "%s",\n "%s"},\n' % (full, c_string(docs[full]),
                                                 c_string(keyspecs.get(full, b"*0\r\n"))))


if __name__ == "__main__":
    main()

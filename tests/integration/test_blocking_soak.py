"""Blocking commands under a random load, for crashes and leaks rather than exact replies
(test_blocking.py has those): clients that block with every blocking command and short
timeouts, pushers (plain, pipelined with deletes, from scripts), clients that leave while
blocked, CLIENT UNBLOCK and CLIENT KILL of blocked clients -- all at once, for a few seconds,
on a server of its own. The server must stay up, answer no unexpected error, count no blocked
client at the end, and exit cleanly (under SANITIZE=1 a sanitizer report makes the exit
status non-zero). The random streams are seeded."""

import random
import socket
import threading
import time

import pytest
import redis

SECONDS = 6
BLOCKERS = 12
PUSHERS = 3
LISTS = ["soak:a", "soak:b", "soak:c"]
ZSETS = ["soak:z1", "soak:z2"]
EXPECTED = ("UNBLOCKED", "WRONGTYPE")  # CLIENT UNBLOCK ERROR; BLMOVE to a key made a zset


def blocked_ids(c):
    lines = c.execute_command("CLIENT", "LIST").decode().splitlines()
    return [line.split()[0][3:] for line in lines if " flags=b " in line]


def blocker(port, seed, stop, errors):
    rnd = random.Random(seed)
    while time.monotonic() < stop:
        c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
        try:
            for _ in range(rnd.randint(1, 20)):
                if time.monotonic() >= stop:
                    break
                t = rnd.choice([0.01, 0.05, 0.2, 1])
                keys = rnd.sample(LISTS, rnd.randint(1, 3))
                op = rnd.randrange(6)
                if op == 0:
                    c.blpop(keys, timeout=t)
                elif op == 1:
                    c.brpop(keys, timeout=t)
                elif op == 2:
                    c.blmove(keys[0], rnd.choice(LISTS), t, "LEFT", "RIGHT")
                elif op == 3:
                    c.bzpopmin(ZSETS, timeout=t)
                elif op == 4:
                    c.execute_command("BLMPOP", t, len(keys), *keys, "LEFT", "COUNT", 3)
                else:
                    c.execute_command("BZMPOP", t, 2, *ZSETS, "MAX", "COUNT", 2)
            if rnd.random() < 0.3:  # leave while blocked
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$10\r\nsoak:never\r\n$1\r\n0\r\n")
                    time.sleep(rnd.random() * 0.05)
        except redis.exceptions.ResponseError as e:
            if not any(word in str(e) for word in EXPECTED):
                errors.append(repr(e))
        except redis.exceptions.ConnectionError:
            pass  # CLIENT KILL
        finally:
            c.close()


def pusher(port, seed, stop, errors):
    rnd = random.Random(seed)
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    try:
        while time.monotonic() < stop:
            key = rnd.choice(LISTS)
            op = rnd.randrange(8)
            try:
                if op <= 2:
                    c.rpush(key, *[str(x) for x in range(rnd.randint(1, 5))])
                elif op == 3:
                    c.zadd(rnd.choice(ZSETS), {str(rnd.random()): rnd.random()})
                elif op == 4:
                    with c.pipeline() as p:  # MULTI: served after EXEC, or not at all
                        p.lpush(key, "m")
                        p.delete(key if rnd.random() < 0.5 else "soak:x")
                        p.rpush(key, "n")
                        p.execute()
                elif op == 5:
                    ids = blocked_ids(c)
                    if ids:
                        c.execute_command("CLIENT", "UNBLOCK", rnd.choice(ids),
                                          rnd.choice(["TIMEOUT", "ERROR"]))
                elif op == 6 and rnd.random() < 0.2:
                    ids = blocked_ids(c)
                    if ids:
                        c.execute_command("CLIENT", "KILL", "ID", rnd.choice(ids))
                elif op == 7:
                    c.eval("redis.call('rpush', KEYS[1], 'e') "
                           "return redis.call('blmpop', 0, 1, KEYS[1], 'LEFT')", 1, key)
                if rnd.random() < 0.01:  # a list turned into a zset, then back
                    c.delete(key)
                    c.zadd(key, {"w": 1})
                    c.delete(key)
            except redis.exceptions.ResponseError as e:
                if not any(word in str(e) for word in EXPECTED):
                    errors.append(repr(e))
            time.sleep(rnd.random() * 0.002)
    finally:
        c.close()


def test_blocking_under_random_load(server_factory, target):
    if target == "redis":
        pytest.skip("a crash and leak check of AiKv's server")
    srv = server_factory(name="blocking_soak")
    stop = time.monotonic() + SECONDS
    errors = []
    threads = [threading.Thread(target=blocker, args=(srv.port, i, stop, errors))
               for i in range(BLOCKERS)]
    threads += [threading.Thread(target=pusher, args=(srv.port, 100 + i, stop, errors))
                for i in range(PUSHERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 60)
    assert not any(t.is_alive() for t in threads), "a client thread did not finish"
    assert errors == []
    c = redis.Redis(host="127.0.0.1", port=srv.port, socket_timeout=10)
    try:
        deadline = time.monotonic() + 5
        while c.info("clients")["blocked_clients"] and time.monotonic() < deadline:
            time.sleep(0.05)  # a closed client's disconnection may still be on its way
        assert c.info("clients")["blocked_clients"] == 0
        assert c.ping()
    finally:
        c.close()
    assert srv.stop() == []

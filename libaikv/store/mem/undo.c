/*
 * undo.c -- the memory engine's undo log: savepoints for embedded
 * transactions (aikv_begin) and for scripts that must leave no partial
 * writes.
 *
 * While a savepoint is open, the first time an operation reaches a key
 * (find_live, the door every operation goes through) the key's state is
 * recorded: a copy of its value and TTL, or "absent". FLUSHDB/FLUSHALL
 * record the whole database (its dictionaries are set aside, O(1)) and
 * SWAPDB records the swap, a change of the function libraries records
 * them all (lib.c). Rolling back to a savepoint applies the records
 * made since, newest first, which leaves every key as it was when the
 * savepoint opened; releasing it keeps the records for an enclosing
 * savepoint, and releasing the outermost frees them.
 *
 * A key is recorded again under a newer savepoint (the `noted` dictionary
 * remembers under which savepoint a key was last recorded), so nested
 * rollbacks restore the state of their own start. The cost is a copy of
 * each key a transaction reaches, reads included.
 */
#include <string.h>

#include "../../util/alloc.h"
#include "mem.h"

typedef enum { UNDO_KEY, UNDO_FLUSH, UNDO_SWAP, UNDO_LIBS } undo_kind;

struct mem_undo_rec {
    undo_kind kind;
    int db, db2;       /* UNDO_SWAP: the two databases */
    mkey *saved;       /* UNDO_KEY: a detached copy, or NULL if the key was absent */
    int64_t expire;    /* its TTL */
    char *key;         /* UNDO_KEY: the key's bytes */
    size_t klen;
    mdb flushed;       /* UNDO_FLUSH: the database's contents before the flush */
    mem_libs libs;     /* UNDO_LIBS: the function libraries before a change */
};

/* An entry of the noted dictionary: (db, key) -> savepoint id. */
typedef struct noted {
    ak_dnode node;
    uint64_t sp;
    size_t len; /* 4 bytes of db + the key */
    char data[];
} noted;

static uint64_t noted_hash(const ak_dnode *n)
{
    const noted *x = (const noted *)n;
    return ak_hash(x->data, x->len);
}

static int noted_eq(const ak_dnode *n, const void *key, size_t len)
{
    const noted *x = (const noted *)n;
    return x->len == len && memcmp(x->data, key, len) == 0;
}

static const ak_dtype noted_type = {noted_hash, noted_eq};

static void free_noted(ak_dnode *n, void *ctx)
{
    (void)ctx;
    ak_free(n);
}

static mem_undo_rec *push(mem_engine *m)
{
    if (m->undo_len == m->undo_cap) {
        m->undo_cap = m->undo_cap ? m->undo_cap * 2 : 64;
        m->undo = ak_realloc(m->undo, m->undo_cap * sizeof *m->undo);
    }
    mem_undo_rec *r = &m->undo[m->undo_len++];
    memset(r, 0, sizeof *r);
    return r;
}

void mem_undo_note_key(mem_engine *m, int db, ak_slice key, uint64_t h, mkey *k, int64_t expire)
{
    (void)h;
    char buf[256];
    size_t len = 4 + key.len;
    char *id = len <= sizeof buf ? buf : ak_malloc(len);
    uint32_t d = (uint32_t)db;
    memcpy(id, &d, 4);
    memcpy(id + 4, key.p, key.len);
    uint64_t nh = ak_hash(id, len);
    noted *x = (noted *)ak_dict_find(&m->noted, id, len, nh);
    if (x && x->sp >= m->sp_cur) {
        if (id != buf)
            ak_free(id);
        return; /* already recorded under this savepoint */
    }
    if (!x) {
        x = ak_malloc(sizeof *x + len);
        x->node.next = NULL;
        x->len = len;
        memcpy(x->data, id, len);
        ak_dict_insert(&m->noted, &x->node, nh);
    }
    x->sp = m->sp_cur;
    if (id != buf)
        ak_free(id);
    mem_undo_rec *r = push(m);
    r->kind = UNDO_KEY;
    r->db = db;
    r->key = ak_malloc(key.len + 1);
    memcpy(r->key, key.p, key.len);
    r->klen = key.len;
    r->expire = expire;
    r->saved = k ? mem_detached_copy(k) : NULL;
}

void mem_undo_note_flush(mem_engine *m, int db, mdb *contents)
{
    mem_undo_rec *r = push(m);
    r->kind = UNDO_FLUSH;
    r->db = db;
    r->flushed = *contents;
    /* Keys of this database must be recorded again: their records from
     * before the flush describe the set-aside contents. */
    m->sp_cur = ++m->sp_seq;
    m->sp_stack[m->sp_depth - 1].id = m->sp_cur;
}

void mem_undo_note_swap(mem_engine *m, int a, int b)
{
    mem_undo_rec *r = push(m);
    r->kind = UNDO_SWAP;
    r->db = a;
    r->db2 = b;
    m->sp_cur = ++m->sp_seq; /* keys now live in the other database */
    m->sp_stack[m->sp_depth - 1].id = m->sp_cur;
}

void mem_undo_note_libs(mem_engine *m, const mem_libs *libs)
{
    mem_undo_rec *r = push(m);
    r->kind = UNDO_LIBS;
    mem_libs_copy(&r->libs, libs);
}

static void free_rec(mem_undo_rec *r)
{
    if (r->kind == UNDO_KEY) {
        if (r->saved)
            mem_free_detached(r->saved);
        ak_free(r->key);
    } else if (r->kind == UNDO_FLUSH) {
        mem_free_db(&r->flushed);
    } else if (r->kind == UNDO_LIBS) {
        mem_libs_free(&r->libs);
    }
}

uint64_t mem_undo_savepoint(mem_engine *m)
{
    if (m->sp_depth == m->sp_cap) {
        m->sp_cap = m->sp_cap ? m->sp_cap * 2 : 8;
        m->sp_stack = ak_realloc(m->sp_stack, m->sp_cap * sizeof *m->sp_stack);
    }
    if (m->sp_depth == 0)
        ak_dict_init(&m->noted, &noted_type);
    m->sp_cur = ++m->sp_seq;
    m->sp_stack[m->sp_depth].id = m->sp_cur;
    m->sp_stack[m->sp_depth].mark = m->undo_len;
    m->sp_depth++;
    return (uint64_t)m->sp_depth;
}

static void end_level(mem_engine *m)
{
    m->sp_depth--;
    if (m->sp_depth == 0) {
        for (size_t i = 0; i < m->undo_len; i++)
            free_rec(&m->undo[i]);
        m->undo_len = 0;
        ak_dict_clear(&m->noted, free_noted, NULL);
        m->sp_cur = 0;
    } else {
        m->sp_cur = m->sp_stack[m->sp_depth - 1].id;
    }
}

void mem_undo_release(mem_engine *m, uint64_t sp)
{
    while (m->sp_depth >= sp && m->sp_depth > 0)
        end_level(m);
}

void mem_undo_rollback(mem_engine *m, uint64_t sp)
{
    if (sp == 0 || sp > m->sp_depth)
        return;
    size_t mark = m->sp_stack[sp - 1].mark;
    m->sp_depth_restoring = 1; /* restoring must not record anything */
    while (m->undo_len > mark) {
        mem_undo_rec *r = &m->undo[--m->undo_len];
        switch (r->kind) {
        case UNDO_KEY:
            mem_restore_key(m, r->db, ak_slice_of(r->key, r->klen), r->saved, r->expire);
            r->saved = NULL; /* now owned by the database */
            ak_free(r->key);
            break;
        case UNDO_FLUSH:
            mem_free_db(&m->dbs[r->db]);
            m->dbs[r->db] = r->flushed;
            break;
        case UNDO_SWAP: {
            mdb t = m->dbs[r->db];
            m->dbs[r->db] = m->dbs[r->db2];
            m->dbs[r->db2] = t;
            break;
        }
        case UNDO_LIBS:
            mem_libs_free(&m->libs);
            m->libs = r->libs; /* now owned by the engine */
            break;
        }
    }
    m->sp_depth_restoring = 0;
    /* Savepoints inside sp are gone; sp stays open, and keys reached from
     * now on must be recorded again for it. */
    m->sp_depth = sp;
    m->sp_cur = ++m->sp_seq;
    m->sp_stack[sp - 1].id = m->sp_cur;
}

/*
 * mem.h -- the memory engine's shared internals: key entries, databases,
 * and the helpers each value type's file (string.c, and later list.c,
 * hash.c, set.c, zset.c) uses to find, create and delete keys.
 *
 * A key entry (mkey) is one allocation holding the chain link, the value,
 * the 24-bit access clock, the type and encoding bits and the key bytes.
 * Values are owned by their mkey; each type frees and copies its own values
 * through its mem_vtype.
 */
#ifndef AK_MEM_H
#define AK_MEM_H

#include "../../util/dict.h"
#include "../store.h"

#define LRU_BITS 24
#define LRU_MAX ((1u << LRU_BITS) - 1)

typedef struct mkey {
    ak_dnode node;
    union {
        void *p;
        long long i;
    } v;
    uint32_t klen;
    uint32_t lru : LRU_BITS; /* seconds clock of the last access */
    uint32_t type : 3;       /* aikv_type_t */
    uint32_t enc : 4;        /* ak_encoding */
    uint32_t has_expire : 1;
    char key[];
} mkey;

typedef struct mexp {
    ak_dnode node;
    mkey *k;
    int64_t when;
} mexp;

typedef struct mdb {
    ak_dict keys;
    ak_dict expires;
    int64_t avg_ttl;
} mdb;

typedef struct mem_undo_rec mem_undo_rec;

/* A function library (lib.c): its name and code. */
typedef struct mem_lib {
    char *name;
    size_t nlen;
    char *code;
    size_t clen;
} mem_lib;

typedef struct mem_libs {
    mem_lib *v; /* sorted by name */
    size_t n, cap;
    uint64_t version; /* + 1 per change (lib_version) */
} mem_libs;

typedef struct mem_engine {
    ak_engine base;
    mdb *dbs;
    int cron_db;   /* next database the active expiry visits */
    char ibuf[24]; /* text of an INT value handed out as a slice */
    /* The undo log of open savepoints (undo.c). */
    mem_undo_rec *undo;
    size_t undo_len, undo_cap;
    struct {
        uint64_t id;   /* keys recorded under an id >= this need no new record */
        size_t mark;   /* undo_len when the savepoint opened */
    } *sp_stack;
    uint64_t sp_depth, sp_cap;
    uint64_t sp_seq, sp_cur;
    int sp_depth_restoring;
    ak_dict noted;
    mem_libs libs; /* FUNCTION libraries (lib.c) */
} mem_engine;

/* How a value type frees and copies the values it stores in mkey.v. */
typedef struct mem_vtype {
    void (*free)(mkey *k);
    void (*dup)(mkey *dst, const mkey *src); /* dst has no value yet; copy enc too */
} mem_vtype;

/* Value types: each type's file defines its vtype and its ops table, which
 * keyspace.c references (that is also what pulls those objects out of
 * libaikv.a into a static link). */
extern const mem_vtype mem_string_vtype;
extern const mem_vtype mem_list_vtype;
extern const mem_vtype mem_hash_vtype;
extern const mem_vtype mem_set_vtype;
extern const mem_vtype mem_zset_vtype;
extern const struct ak_list_ops mem_list_ops;
extern const struct ak_hash_ops mem_hash_ops;
extern const struct ak_set_ops mem_set_ops;
extern const struct ak_zset_ops mem_zset_ops;

/* The live key (an expired one is deleted on the way), or NULL. *h gets the
 * key's hash for the calls below. */
mkey *mem_find(mem_engine *m, int db, ak_slice key, uint64_t *h);
/* The key if it holds `type`: AK_OK with *out (NULL if missing), or
 * AK_WRONGTYPE. */
int mem_find_typed(mem_engine *m, int db, ak_slice key, aikv_type_t type, mkey **out,
                   uint64_t *h);
/* Adds a key that does not exist, holding value v of `type`/`enc`. */
mkey *mem_add(mem_engine *m, int db, ak_slice key, uint64_t h, aikv_type_t type, int enc, void *v);
/* Deletes a key (for a collection that became empty). */
void mem_remove(mem_engine *m, int db, mkey *k, uint64_t h);
/* Records an access (unless the caller is in CLIENT NO-TOUCH mode). */
void mem_touch(mem_engine *m, mkey *k);
/* Frees k's value before another one is stored in it (type may change). */
void mem_replace_value(mem_engine *m, mkey *k);
/* Sets (when >= 0) or clears (AK_NO_EXPIRE) the TTL of a live key. */
void mem_set_expire_of(mem_engine *m, int db, mkey *k, uint64_t h, int64_t when);

/* Function libraries (lib.c): the engine ops, and the array's services. */
int mem_lib_put(ak_engine *e, ak_slice name, ak_slice code);
void mem_lib_each(ak_engine *e, ak_pair_fn fn, void *ctx);
uint64_t mem_lib_version(ak_engine *e);
void mem_libs_free(mem_libs *ls);
void mem_libs_copy(mem_libs *dst, const mem_libs *src);
size_t mem_libs_memory(const mem_libs *ls);

/* Undo log (undo.c). Savepoints are numbered 1, 2... by depth. */
uint64_t mem_undo_savepoint(mem_engine *m);
void mem_undo_rollback(mem_engine *m, uint64_t sp); /* to the state when sp opened; sp stays open */
void mem_undo_release(mem_engine *m, uint64_t sp); /* closes sp and those inside it */
/* Records a key's state (k NULL: absent) the first time a savepoint reaches it. */
void mem_undo_note_key(mem_engine *m, int db, ak_slice key, uint64_t h, mkey *k, int64_t expire);
/* Records a database's contents before a flush (the caller then empties
 * it without freeing them), and a SWAPDB. */
void mem_undo_note_flush(mem_engine *m, int db, mdb *contents);
void mem_undo_note_swap(mem_engine *m, int a, int b);
/* Records the libraries before a change (a copy of them all). */
void mem_undo_note_libs(mem_engine *m, const mem_libs *libs);
/* keyspace.c services for the undo log. */
mkey *mem_detached_copy(const mkey *k);
void mem_free_detached(mkey *k);
void mem_free_db(mdb *d); /* frees a database's contents, leaving it empty */
/* Puts back a key's recorded state: saved (a detached copy, which the
 * database takes) with its TTL, or absent when saved is NULL. */
void mem_restore_key(mem_engine *m, int db, ak_slice key, mkey *saved, int64_t expire);

/* strings (string.c) */
ak_slice mem_string_slice(mem_engine *m, const mkey *k);
void mem_set_string(mkey *k, ak_slice val, int flags);
int mem_str_get(ak_engine *e, int db, ak_slice key, ak_slice *val);
int mem_str_set(ak_engine *e, int db, ak_slice key, ak_slice val, int64_t expire, int flags);
int mem_str_append(ak_engine *e, int db, ak_slice key, ak_slice val, size_t *newlen);
int mem_str_setrange(ak_engine *e, int db, ak_slice key, size_t off, ak_slice val, size_t *newlen);

#endif

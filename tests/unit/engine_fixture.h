/*
 * engine_fixture.h -- a storage engine under test, driven through its
 * operations table (store/store.h): the memory engine, or the SQLite engine
 * on a store file of its own under /tmp (removed at the end). For the unit
 * tests of the storage engines (test_hash.c, test_set.c, test_zset.c,
 * test_sqlite_list.c); each includes it once.
 *
 * A test file declares its suites with ENGINE_SUITES(suite): `suite` runs
 * on the memory engine, `sqlite_suite` on the SQLite engine. Then
 *
 *   ENGINE_TEST(suite, name) { ... }   the engine contract: the body is
 *                                      written once and registered twice,
 *                                      as suite::name and sqlite_suite::name
 *   MEMORY_TEST(suite, name) { ... }   suite::name only
 *   SQLITE_TEST(suite, name) { ... }   sqlite_suite::name only
 *
 * (extra Criterion options, such as .timeout, may follow the name). After
 * the body, each of them checks that no storage failure was recorded, that
 * the transaction commits, and that closing the engine gives back every
 * byte the library allocated (ak_used_memory): a leak fails the test, which
 * a failed assertion in .fini would not.
 *
 * The file that includes this defines engine_opened(), called after every
 * open of the engine (to check that it has the operations the file needs).
 */
#ifndef AK_TESTS_ENGINE_FIXTURE_H
#define AK_TESTS_ENGINE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/config.h"
#include "store/sqlite/sqlite.h"
#include "store/store.h"
#include "util/alloc.h"
#include "unit.h"

enum { EF_NDB = 16 }; /* databases of either engine */

static ak_config cfg;          /* the engine's settings: a test may change thresholds */
static ak_engine *e;           /* the engine under test */
static ak_engine *ef_ref;      /* a memory engine beside it (reference_engine()), or NULL */
static int ef_sqlite;          /* e is the SQLite engine */
static int ef_cfg_live;        /* cfg holds ak_config_defaults()'s allocations */
static char ef_path[128];      /* the SQLite engine's store file */
static size_t ef_mem_before;   /* ak_used_memory() before the test opened anything */

static void engine_opened(void);

/* A fixed xorshift stream for the random tests, so that a failure
 * reproduces (each test runs in a process of its own, from this start). */
static uint64_t xs_state = 88172645463325252ULL;

static inline uint64_t xs(void)
{
    uint64_t x = xs_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return xs_state = x;
}

static inline void xs_seed(uint64_t s)
{
    xs_state = s ? s : 88172645463325252ULL;
}

static inline int is_sqlite(void)
{
    return ef_sqlite;
}

/* Opens the SQLite engine on the test's store file (read-only: as a reader
 * beside another process's writer). */
static inline void open_sqlite(int readonly)
{
    ak_sqlite_opts opts = {AK_DURABILITY_OFF, 0, readonly, 0};
    char err[256] = "";
    int rc = ak_sqlite_engine_open(ef_path, EF_NDB, &opts, &e, err, sizeof err);
    cr_assert_eq(rc, AK_OK, "open %s: %s", ef_path, err);
    e->cfg = &cfg;
    engine_opened();
}

/* Where a command would commit: no storage failure, and the transaction
 * commits (the memory engine has no transactions to commit). */
static inline void commit(void)
{
    if (e->ops->commit)
        cr_assert_eq(e->ops->commit(e), AK_OK, "commit: %s", e->errmsg);
    cr_assert_eq(e->error, 0, "a storage failure was recorded: %s", e->errmsg);
}

/* SQLite: commits, closes the store and opens it again, so that what
 * follows reads the file. Only for SQLITE_TEST bodies. */
static inline void reopen(void)
{
    cr_assert(ef_sqlite, "reopen() on the memory engine");
    commit();
    e->ops->close(e);
    e = NULL;
    open_sqlite(0);
}

/* In a body both engines run: a reopen on SQLite (durability), nothing on
 * the memory engine. */
static inline void persist_point(void)
{
    if (ef_sqlite)
        reopen();
}

/* A memory engine with the same settings, for answers side by side; closed
 * with the engine under test. */
static inline ak_engine *reference_engine(void)
{
    if (!ef_ref) {
        ef_ref = ak_mem_engine_new(EF_NDB);
        ef_ref->cfg = &cfg;
    }
    return ef_ref;
}

static inline void ef_begin(int sqlite)
{
    ef_mem_before = ak_used_memory();
    ak_config_defaults(&cfg);
    ef_cfg_live = 1;
    ef_sqlite = sqlite;
    ef_ref = NULL;
    if (sqlite) {
        ut_temp_store(ef_path, sizeof ef_path, "engine");
        open_sqlite(0);
    } else {
        e = ak_mem_engine_new(EF_NDB);
        e->cfg = &cfg;
        engine_opened();
    }
}

static inline void ef_setup_memory(void)
{
    ef_begin(0);
}

static inline void ef_setup_sqlite(void)
{
    ef_begin(1);
}

/* Closes both engines and frees the settings (what of them is open). */
static inline void ef_release(void)
{
    if (ef_ref) {
        ef_ref->ops->close(ef_ref);
        ef_ref = NULL;
    }
    if (e) {
        if (e->ops->rollback)
            e->ops->rollback(e);
        e->ops->close(e);
        e = NULL;
    }
    if (ef_cfg_live) {
        ak_config_free(&cfg);
        ef_cfg_live = 0;
    }
}

/* The end of a test body: see the top of the file. */
static inline void ef_finish(void)
{
    commit();
    ef_release();
    cr_assert_eq(ak_used_memory(), ef_mem_before, "leaked %zd bytes",
                 (ssize_t)(ak_used_memory() - ef_mem_before));
}

/* .fini: what a failed test left open. */
static inline void ef_teardown(void)
{
    ef_release();
    if (ef_sqlite)
        ut_remove_store(ef_path);
}

#define ENGINE_SUITES(suite, ...)                                                      \
    TestSuite(suite, .init = ef_setup_memory, .fini = ef_teardown, ##__VA_ARGS__);      \
    TestSuite(sqlite_##suite, .init = ef_setup_sqlite, .fini = ef_teardown, ##__VA_ARGS__)

/* A Criterion test of suite `csuite` that runs body(), then ef_finish(). */
#define EF_TEST(csuite, name, body, ...)                                                \
    Test(csuite, name, ##__VA_ARGS__)                                                   \
    {                                                                                   \
        body();                                                                         \
        ef_finish();                                                                    \
    }

#define ENGINE_TEST(suite, name, ...)                                                   \
    static void suite##__##name(void);                                                  \
    EF_TEST(suite, name, suite##__##name, ##__VA_ARGS__)                                \
    EF_TEST(sqlite_##suite, name, suite##__##name, ##__VA_ARGS__)                       \
    static void suite##__##name(void)

#define MEMORY_TEST(suite, name, ...)                                                   \
    static void suite##__##name(void);                                                  \
    EF_TEST(suite, name, suite##__##name, ##__VA_ARGS__)                                \
    static void suite##__##name(void)

#define SQLITE_TEST(suite, name, ...)                                                   \
    static void sqlite_##suite##__##name(void);                                         \
    EF_TEST(sqlite_##suite, name, sqlite_##suite##__##name, ##__VA_ARGS__)              \
    static void sqlite_##suite##__##name(void)

#endif

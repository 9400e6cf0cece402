/*
 * libbench.c -- the typed C API on the SQLite engine against raw SQLite.
 *
 * The raw side is the physical limit of this engine: the same reads and
 * writes as prepared statements on a minimal schema (one table per type,
 * keyed the obvious way), in the same transaction mode as an embedded
 * aikv store -- one transaction per call (prepared BEGIN and COMMIT),
 * WAL, synchronous=NORMAL, SQLite's automatic checkpoints. Each
 * workload runs `rounds` times alternating the two sides on fresh files,
 * and the median ops/s of each side is reported with their ratio.
 *
 *   make bench-lib                      (N=100000 ops per workload, 5 rounds)
 *   build/bench/libbench -n 20000 -r 3  (quicker)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aikv.h"

static int N = 100000;
static int ROUNDS = 5;
static char dir[256];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "libbench: %s: %s\n", what, msg);
    exit(1);
}

static void rm_store(const char *path)
{
    char p[1024];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* ---------------------------------------------------------------- aikv side */

typedef enum { W_SET, W_GET, W_HSET, W_HGET, W_RPUSH, W_LINDEX, W_ZADD, W_ZSCORE, W_COUNT } workload;
static const char *const names[W_COUNT] = {"SET", "GET", "HSET", "HGET", "RPUSH", "LINDEX", "ZADD", "ZSCORE"};
/* A read workload runs on what its write workload left. */
static const int fill_of[W_COUNT] = {-1, W_SET, -1, W_HSET, -1, W_RPUSH, -1, W_ZADD};

static void aikv_ops(aikv_db_t *db, workload w)
{
    char key[32], sub[32], val[32];
    for (int i = 0; i < N; i++) {
        int kl = 0, sl = 0, vl = snprintf(val, sizeof val, "value:%d", i);
        int rc = AIKV_OK;
        char *out = NULL;
        size_t outlen;
        switch (w) {
        case W_SET:
        case W_GET:
            kl = snprintf(key, sizeof key, "key:%d", i);
            rc = w == W_SET ? aikv_set(db, key, (size_t)kl, val, (size_t)vl, NULL)
                            : aikv_get(db, key, (size_t)kl, &out, &outlen);
            break;
        case W_HSET:
        case W_HGET:
            kl = snprintf(key, sizeof key, "hash:%d", i % 100);
            sl = snprintf(sub, sizeof sub, "field:%d", i);
            rc = w == W_HSET ? aikv_hset(db, key, (size_t)kl, sub, (size_t)sl, val, (size_t)vl, NULL)
                             : aikv_hget(db, key, (size_t)kl, sub, (size_t)sl, &out, &outlen);
            break;
        case W_RPUSH:
        case W_LINDEX: {
            kl = snprintf(key, sizeof key, "list:%d", i % 100);
            if (w == W_RPUSH) {
                const void *v[1] = {val};
                size_t vlens[1] = {(size_t)vl};
                rc = aikv_rpush(db, key, (size_t)kl, v, vlens, 1, NULL);
            } else {
                rc = aikv_lindex(db, key, (size_t)kl, i / 100, &out, &outlen);
            }
            break;
        }
        case W_ZADD:
        case W_ZSCORE: {
            kl = snprintf(key, sizeof key, "zset:%d", i % 100);
            sl = snprintf(sub, sizeof sub, "member:%d", i);
            double score;
            int found;
            rc = w == W_ZADD ? aikv_zadd(db, key, (size_t)kl, sub, (size_t)sl, i * 1.5, 0, NULL, NULL)
                             : aikv_zscore(db, key, (size_t)kl, sub, (size_t)sl, &score, &found);
            break;
        }
        default:
            break;
        }
        if (rc != AIKV_OK)
            die(names[w], aikv_errmsg(db));
        aikv_free(out);
    }
}

static double run_aikv(workload w)
{
    char path[512];
    snprintf(path, sizeof path, "%s/aikv.aikv", dir);
    rm_store(path);
    aikv_db_t *db;
    if (aikv_open(path, NULL, &db) != AIKV_OK)
        die("aikv_open", aikv_errmsg(NULL));
    if (fill_of[w] >= 0)
        aikv_ops(db, (workload)fill_of[w]);
    double t = now();
    aikv_ops(db, w);
    t = now() - t;
    aikv_close(db);
    rm_store(path);
    return N / t;
}

/* ---------------------------------------------------------------- raw side */

static const char RAW_SCHEMA[] =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
    "CREATE TABLE kv(key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID;"
    "CREATE TABLE h(key BLOB, field BLOB, value BLOB, PRIMARY KEY(key, field)) WITHOUT ROWID;"
    "CREATE TABLE l(key BLOB, pos INTEGER, value BLOB, PRIMARY KEY(key, pos)) WITHOUT ROWID;"
    "CREATE TABLE z(key BLOB, member BLOB, score REAL, PRIMARY KEY(key, member)) WITHOUT ROWID;"
    "CREATE INDEX z_order ON z(key, score, member);";

typedef struct raw {
    sqlite3 *db;
    sqlite3_stmt *st[W_COUNT], *tail, *begin, *commit;
} raw;

static const char *const raw_sql[W_COUNT] = {
    "INSERT INTO kv VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    "SELECT value FROM kv WHERE key = ?1",
    "INSERT INTO h VALUES(?1, ?3, ?2) ON CONFLICT(key, field) DO UPDATE SET value = excluded.value",
    "SELECT value FROM h WHERE key = ?1 AND field = ?3",
    "INSERT INTO l VALUES(?1, ?3, ?2)",
    "SELECT value FROM l WHERE key = ?1 AND pos = (SELECT min(pos) FROM l WHERE key = ?1) + ?3",
    "INSERT INTO z VALUES(?1, ?3, ?2) ON CONFLICT(key, member) DO UPDATE SET score = excluded.score",
    "SELECT score FROM z WHERE key = ?1 AND member = ?3",
};

static void raw_step(raw *r, sqlite3_stmt *st)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        (void)sqlite3_column_blob(st, 0);
    if (rc != SQLITE_DONE)
        die("sqlite3_step", sqlite3_errmsg(r->db));
    sqlite3_reset(st);
}

static void raw_ops(raw *r, workload w)
{
    char key[32], sub[32], val[32];
    for (int i = 0; i < N; i++) {
        int kl, sl = 0, vl = snprintf(val, sizeof val, "value:%d", i);
        sqlite3_stmt *st = r->st[w];
        switch (w) {
        case W_SET:
        case W_GET:
            kl = snprintf(key, sizeof key, "key:%d", i);
            break;
        case W_HSET:
        case W_HGET:
            kl = snprintf(key, sizeof key, "hash:%d", i % 100);
            sl = snprintf(sub, sizeof sub, "field:%d", i);
            break;
        case W_RPUSH:
        case W_LINDEX:
            kl = snprintf(key, sizeof key, "list:%d", i % 100);
            break;
        default:
            kl = snprintf(key, sizeof key, "zset:%d", i % 100);
            sl = snprintf(sub, sizeof sub, "member:%d", i);
            break;
        }
        /* One transaction per call, as the embedded store. */
        raw_step(r, r->begin);
        sqlite3_bind_blob(st, 1, key, kl, SQLITE_STATIC);
        if (w == W_RPUSH) {
            /* the tail position, then the insert: what a push has to do */
            sqlite3_bind_blob(r->tail, 1, key, kl, SQLITE_STATIC);
            long long pos = 0;
            if (sqlite3_step(r->tail) == SQLITE_ROW)
                pos = sqlite3_column_int64(r->tail, 0);
            sqlite3_reset(r->tail);
            sqlite3_bind_int64(st, 3, pos);
            sqlite3_bind_blob(st, 2, val, vl, SQLITE_STATIC);
        } else if (w == W_LINDEX) {
            sqlite3_bind_int64(st, 3, i / 100);
        } else if (w == W_ZADD) {
            sqlite3_bind_blob(st, 3, sub, sl, SQLITE_STATIC);
            sqlite3_bind_double(st, 2, i * 1.5);
        } else {
            if (sl)
                sqlite3_bind_blob(st, 3, sub, sl, SQLITE_STATIC);
            if (w == W_SET || w == W_HSET)
                sqlite3_bind_blob(st, 2, val, vl, SQLITE_STATIC);
        }
        raw_step(r, st);
        raw_step(r, r->commit);
    }
}

static double run_raw(workload w)
{
    char path[512];
    snprintf(path, sizeof path, "%s/raw.db", dir);
    rm_store(path);
    raw r = {0};
    if (sqlite3_open(path, &r.db) != SQLITE_OK || sqlite3_exec(r.db, RAW_SCHEMA, NULL, NULL, NULL))
        die("raw schema", sqlite3_errmsg(r.db));
    for (int i = 0; i < W_COUNT; i++)
        if (sqlite3_prepare_v2(r.db, raw_sql[i], -1, &r.st[i], NULL) != SQLITE_OK)
            die(raw_sql[i], sqlite3_errmsg(r.db));
    if (sqlite3_prepare_v2(r.db, "SELECT coalesce(max(pos) + 1, 0) FROM l WHERE key = ?1", -1,
                           &r.tail, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r.db, "BEGIN", -1, &r.begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r.db, "COMMIT", -1, &r.commit, NULL) != SQLITE_OK)
        die("prepare", sqlite3_errmsg(r.db));
    if (fill_of[w] >= 0)
        raw_ops(&r, (workload)fill_of[w]);
    double t = now();
    raw_ops(&r, w);
    t = now() - t;
    for (int i = 0; i < W_COUNT; i++)
        sqlite3_finalize(r.st[i]);
    sqlite3_finalize(r.tail);
    sqlite3_finalize(r.begin);
    sqlite3_finalize(r.commit);
    sqlite3_close(r.db);
    rm_store(path);
    return N / t;
}

/* ---------------------------------------------------------------- main */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "n:r:")) != -1) {
        if (opt == 'n')
            N = atoi(optarg);
        else if (opt == 'r')
            ROUNDS = atoi(optarg);
        else
            return fprintf(stderr, "usage: libbench [-n ops] [-r rounds]\n"), 2;
    }
    if (N <= 0 || ROUNDS <= 0 || ROUNDS > 99)
        return fprintf(stderr, "libbench: bad -n or -r\n"), 2;
    snprintf(dir, sizeof dir, "/tmp/aikv-libbench-XXXXXX");
    if (!mkdtemp(dir))
        die("mkdtemp", "failed");
    printf("typed API on the SQLite engine vs raw SQLite statements, %d ops, %d rounds, "
           "one transaction per call, WAL, synchronous=NORMAL\n",
           N, ROUNDS);
    printf("%-8s %12s %12s %7s\n", "op", "aikv ops/s", "raw ops/s", "ratio");
    for (int w = 0; w < W_COUNT; w++) {
        double a[99], r[99];
        for (int i = 0; i < ROUNDS; i++) {
            /* alternate which side goes first */
            if (i % 2) {
                r[i] = run_raw((workload)w);
                a[i] = run_aikv((workload)w);
            } else {
                a[i] = run_aikv((workload)w);
                r[i] = run_raw((workload)w);
            }
        }
        double ma = median(a, ROUNDS), mr = median(r, ROUNDS);
        printf("%-8s %12.0f %12.0f %6.2fx\n", names[w], ma, mr, ma / mr);
        fflush(stdout);
    }
    rmdir(dir);
    return 0;
}

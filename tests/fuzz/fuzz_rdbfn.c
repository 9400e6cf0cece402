/*
 * fuzz_rdbfn.c -- libFuzzer target for the FUNCTION DUMP / RESTORE payload
 * codec (util/rdbfn.h), which reads what any client sends to FUNCTION
 * RESTORE.
 *
 * The input is a payload, and also the body of one (the input followed by a
 * valid footer, so that the body's parser is reached). Each is decoded (every library copied out, so
 * that ASan sees any read past the input); when it decodes, the libraries
 * are encoded again and the new payload must decode to the same libraries
 * (and pass ak_rdbfn_verify). A payload that fails must fail with one of
 * the documented messages. Then the input is used as LZF data: what
 * ak_lzf_decompress() accepts fits the output buffer it was given. A
 * violation traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/rdbfn.h"

#define CHECK(x)              \
    do {                      \
        if (!(x))             \
            __builtin_trap(); \
    } while (0)

typedef struct libs {
    char **code;
    size_t *len;
    size_t n, cap;
} libs;

static int collect(void *ctx, const char *code, size_t len)
{
    libs *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->code = ak_realloc(l->code, l->cap * sizeof *l->code);
        l->len = ak_realloc(l->len, l->cap * sizeof *l->len);
    }
    l->code[l->n] = ak_memdup(code, len);
    l->len[l->n++] = len;
    return 0;
}

static void libs_free(libs *l)
{
    for (size_t i = 0; i < l->n; i++)
        ak_free(l->code[i]);
    ak_free(l->code);
    ak_free(l->len);
    memset(l, 0, sizeof *l);
}

static int known_error(const char *err)
{
    static const char *const known[] = {AK_RDBFN_ERR_FOOTER,
                                        AK_RDBFN_ERR_TYPE,
                                        AK_RDBFN_ERR_PAYLOAD,
                                        "Failed loading library name",
                                        "Failed loading engine name",
                                        "Failed loading library description indicator",
                                        "Failed loading library description",
                                        "Failed loading library blob",
                                        NULL};
    for (const char *const *k = known; *k; k++)
        if (err && !strcmp(err, *k))
            return 1;
    return 0;
}

/* Decodes a payload and checks the round trip of what it held. */
static void one_payload(const uint8_t *data, size_t size)
{
    libs a = {0};
    const char *err = NULL;
    int rc = ak_rdbfn_decode(data, size, collect, &a, &err);
    if (rc != 0) {
        CHECK(rc == -1 && known_error(err));
    } else {
        CHECK(ak_rdbfn_verify(data, size) == 0);
        ak_rdbfn_out o = {0};
        for (size_t i = 0; i < a.n; i++)
            ak_rdbfn_add(&o, a.code[i], a.len[i]);
        ak_rdbfn_finish(&o);
        CHECK(ak_rdbfn_verify(o.buf, o.len) == 0);
        libs b = {0};
        CHECK(ak_rdbfn_decode(o.buf, o.len, collect, &b, &err) == 0);
        CHECK(b.n == a.n);
        for (size_t i = 0; i < a.n; i++)
            CHECK(b.len[i] == a.len[i] && !memcmp(b.code[i], a.code[i], a.len[i]));
        libs_free(&b);
        ak_rdbfn_out_free(&o);
    }
    libs_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one_payload(data, size);
    /* The input as a body with a valid footer, so that the body's parser
     * is reached whatever the input's last bytes are. */
    uint8_t *p = ak_malloc(size + 10);
    if (size)
        memcpy(p, data, size);
    p[size] = AK_RDBFN_VERSION;
    p[size + 1] = 0;
    uint64_t crc = ak_crc64(0, p, size + 2);
    for (int i = 0; i < 8; i++)
        p[size + 2 + i] = (uint8_t)(crc >> (8 * i));
    one_payload(p, size + 10);
    ak_free(p);

    /* The input as LZF data, into a buffer sized by its first byte. */
    if (size > 0) {
        size_t cap = (size_t)data[0] * 16, n = 0;
        char *out = ak_malloc(cap ? cap : 1);
        if (ak_lzf_decompress(data + 1, size - 1, out, cap, &n) == 0)
            CHECK(n <= cap);
        ak_free(out);
    }
    return 0;
}

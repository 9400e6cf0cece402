/*
 * rdbfn.h -- the payload of FUNCTION DUMP / FUNCTION RESTORE, byte for byte
 * as Redis 7.0 writes and reads it, so dumps travel both ways between AiKv
 * and a real redis-server.
 *
 * Payload = body, then a 10-byte footer:
 *   body    for each library: the opcode 245 (RDB_OPCODE_FUNCTION2) and the
 *           library's code as an RDB string (a length-prefixed raw string,
 *           an integer encoding, or LZF);
 *   footer  the RDB version (2 bytes, little endian, 10 in Redis 7.0) and the
 *           CRC64 (Jones, reflected, as Redis's crc64.c) of everything before
 *           it (8 bytes, little endian).
 *
 * The decoder mirrors Redis 7.0.15's functionRestoreCommand(), quirks
 * included, so that a payload gets the same verdict and the same error text
 * from both servers: a version of 0..10 is fine and a zero CRC is no excuse;
 * the pre-GA opcode 246 (7.0-rc format: name, engine, optional description,
 * code) is translated to "#!<engine> name=<name>\n<code>", each part cut at
 * its first NUL as Redis's sdscatfmt("%s") does; a string may run on into
 * the footer bytes (Redis reads from the whole buffer and only stops looking
 * for opcodes once 10 bytes or fewer remain); an LZF string whose original
 * length is 0 is the empty string whatever its compressed bytes hold.
 *
 * All functions are pure over their buffers and thread safe.
 */
#ifndef AK_RDBFN_H
#define AK_RDBFN_H

#include <stddef.h>
#include <stdint.h>

#define AK_RDBFN_VERSION 10 /* RDB_VERSION of Redis 7.0 */

/* The error texts, as Redis replies them after "ERR ". The footer one is
 * the only one for a payload that fails verification (too short, version >
 * 10, CRC mismatch); the others concern a body that passed it. */
#define AK_RDBFN_ERR_FOOTER "DUMP payload version or checksum are wrong"
#define AK_RDBFN_ERR_TYPE "given type is not a function"
#define AK_RDBFN_ERR_PAYLOAD "Failed loading library payload"

/* ---------------------------------------------------------------- encoding */

/* A growable output buffer. Start from {0}; buf is ak_malloc'ed and belongs
 * to the caller, who releases it with ak_rdbfn_out_free() (or ak_free(buf)). */
typedef struct ak_rdbfn_out {
    char *buf;
    size_t len, cap;
} ak_rdbfn_out;

/* Appends one library: opcode 245 and the code as an RDB string, written as
 * Redis's rdbSaveRawString() would but never compressed (an integer-looking
 * code of up to 11 bytes gets the integer encoding, anything else is raw).
 * The code is copied. */
void ak_rdbfn_add(ak_rdbfn_out *o, const void *code, size_t len);
/* Appends the footer: version 10 and the CRC64 of all that precedes it.
 * A payload with no library is just this footer. */
void ak_rdbfn_finish(ak_rdbfn_out *o);
/* Frees buf and leaves o empty ({0}); harmless on an empty o. */
void ak_rdbfn_out_free(ak_rdbfn_out *o);

/* ---------------------------------------------------------------- decoding */

/* Called once per library, in payload order. code is not NUL-terminated
 * and is valid only during the call (it may point into the payload). */
typedef int (*ak_rdbfn_fn)(void *ctx, const char *code, size_t len);

/* Verifies the footer, then walks the body calling fn for each library.
 * Returns 0 when every library was passed to fn; -1 when the payload is
 * malformed, with *err set to a static string (one of the AK_RDBFN_ERR_*
 * texts, or for a pre-GA 246 record "Failed loading library name", "...
 * engine name", "... library description indicator", "... library
 * description", "... library blob"); or, when fn returns nonzero, stops at
 * once and returns that value with *err = NULL (so fn should return > 0).
 * As in Redis, libraries before a malformed record have already been given
 * to fn when -1 comes back: the caller builds its result aside and commits
 * it only on 0. err may be NULL. */
int ak_rdbfn_decode(const void *p, size_t len, ak_rdbfn_fn fn, void *ctx, const char **err);

/* Just the footer check: 0 if p[0..len) would pass it, -1 if not. */
int ak_rdbfn_verify(const void *p, size_t len);

/* ---------------------------------------------------------------- pieces */

/* CRC-64/Jones as Redis computes it: crc64(0, "123456789", 9) is
 * 0xe9c6d914c4b8d9ca. Pass the previous result to continue a sum. */
uint64_t ak_crc64(uint64_t crc, const void *p, size_t n);

/* Decompresses LZF data (the format of liblzf / Redis's lzf_d.c) in[0..inlen)
 * into out[0..cap). Returns 0 with *outlen set, or -1 if the input is
 * malformed (a run past the end of the input, a back reference before the
 * start of the output) or would need more than cap bytes. Never reads or
 * writes outside the two buffers. */
int ak_lzf_decompress(const void *in, size_t inlen, void *out, size_t cap, size_t *outlen);

#endif

/*
 * commands.c -- running any Redis command through a session.
 *
 * Build (installed library):
 *   cc commands.c -o commands $(pkg-config --cflags --libs aikv)
 *
 * The typed functions (aikv_set, aikv_get...) cover the common string and key
 * operations. Everything else goes through a session, which is what a client
 * connection is to a Redis server: it has a selected database, a protocol
 * version (RESP2 or RESP3, switched with HELLO) and a name. aikv_command()
 * formats a command like hiredis's redisCommand() and returns the reply as a
 * tree of aikv_reply_t, freed as a whole with aikv_reply_free().
 *
 * The program exits 0 when every reply is the expected one, 1 otherwise.
 */
#include <aikv.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;

/* Prints a reply the way redis-cli does, indented by nesting depth. */
static void print_reply(const aikv_reply_t *r, int depth) {
    size_t i;

    if (r == NULL) {
        printf("%*s(no reply)\n", depth * 2, "");
        return;
    }
    printf("%*s", depth * 2, "");
    switch (r->type) {
    case AIKV_REPLY_STRING:
        printf("\"%.*s\"\n", (int)r->len, r->str);
        break;
    case AIKV_REPLY_STATUS:
        printf("%.*s\n", (int)r->len, r->str);
        break;
    case AIKV_REPLY_ERROR:
        printf("(error) %.*s\n", (int)r->len, r->str);
        break;
    case AIKV_REPLY_INTEGER:
        printf("(integer) %lld\n", r->integer);
        break;
    case AIKV_REPLY_NIL:
        printf("(nil)\n");
        break;
    case AIKV_REPLY_DOUBLE:
        /* str holds the server's own text of the number; dval the value. */
        printf("(double) %.*s\n", (int)r->len, r->str);
        break;
    case AIKV_REPLY_BOOL:
        printf("(boolean) %s\n", r->integer ? "true" : "false");
        break;
    case AIKV_REPLY_BIGNUM:
        printf("(big number) %.*s\n", (int)r->len, r->str);
        break;
    case AIKV_REPLY_VERB:
        printf("(verbatim %s) %.*s\n", r->vtype, (int)r->len, r->str);
        break;
    case AIKV_REPLY_MAP:
    case AIKV_REPLY_ATTR:
        /* element[] holds key, value, key, value...: each key is printed,
         * then its value one level further in. */
        printf("(%s, %zu pairs)\n", r->type == AIKV_REPLY_MAP ? "map" : "attributes",
               r->elements / 2);
        for (i = 0; i + 1 < r->elements; i += 2) {
            print_reply(r->element[i], depth + 1);
            print_reply(r->element[i + 1], depth + 2);
        }
        break;
    case AIKV_REPLY_ARRAY:
    case AIKV_REPLY_SET:
    case AIKV_REPLY_PUSH:
        printf("(%s, %zu elements)\n",
               r->type == AIKV_REPLY_ARRAY ? "array" : r->type == AIKV_REPLY_SET ? "set" : "push",
               r->elements);
        for (i = 0; i < r->elements; i++)
            print_reply(r->element[i], depth + 1);
        break;
    default:
        printf("(unknown reply type %d)\n", r->type);
        break;
    }
}

/* Reports an unexpected reply; the program will exit 1. */
static void unexpected(const char *what, const aikv_reply_t *r) {
    fprintf(stderr, "commands: unexpected reply to %s:\n", what);
    if (r == NULL)
        fprintf(stderr, "  NULL: %s\n", aikv_errmsg(NULL));
    else
        print_reply(r, 1);
    failures++;
}

/* True if r is a reply of `type` whose text is `text` (for the string types). */
static int is_text(const aikv_reply_t *r, int type, const char *text) {
    return r != NULL && r->type == type && r->len == strlen(text) &&
           memcmp(r->str, text, r->len) == 0;
}

/* In a MAP reply, the value whose key is `name`, or NULL. */
static const aikv_reply_t *map_get(const aikv_reply_t *map, const char *name) {
    size_t i;

    if (map == NULL || map->type != AIKV_REPLY_MAP)
        return NULL;
    for (i = 0; i + 1 < map->elements; i += 2) {
        const aikv_reply_t *k = map->element[i];
        if ((k->type == AIKV_REPLY_STRING || k->type == AIKV_REPLY_STATUS) &&
            k->len == strlen(name) && memcmp(k->str, name, k->len) == 0)
            return map->element[i + 1];
    }
    return NULL;
}

int main(void) {
    aikv_db_t *db = NULL;
    aikv_session_t *s = NULL;
    aikv_reply_t *r;
    int rc;

    rc = aikv_open(":memory:", NULL, &db);
    if (rc != AIKV_OK) {
        fprintf(stderr, "commands: aikv_open: %s (%s)\n", aikv_errstr(rc), aikv_errmsg(NULL));
        return 1;
    }

    /* A session starts like a fresh connection: database 0, RESP2. */
    s = aikv_session_new(db);
    if (s == NULL) {
        fprintf(stderr, "commands: aikv_session_new: out of memory\n");
        aikv_close(db);
        return 1;
    }

    /* %s inserts a C string as ONE argument, even with spaces in it: the
     * spaces in fmt separate arguments, the ones inside %s do not. */
    printf("> SET greeting \"hello world\"\n");
    r = aikv_command(s, "SET greeting %s", "hello world");
    print_reply(r, 0);
    if (!is_text(r, AIKV_REPLY_STATUS, "OK"))
        unexpected("SET", r);
    aikv_reply_free(r);

    /* %b inserts a (pointer, length) pair: binary safe, may hold NUL bytes. */
    static const char blob[] = {'a', '\0', 'b'};
    printf("> SET blob \"a\\x00b\"\n");
    r = aikv_command(s, "SET blob %b", blob, sizeof blob);
    aikv_reply_free(r);
    printf("> STRLEN blob\n");
    r = aikv_command(s, "STRLEN blob");
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_INTEGER || r->integer != 3)
        unexpected("STRLEN", r);
    aikv_reply_free(r);

    /* A bulk string reply: str, len. */
    printf("> GET greeting\n");
    r = aikv_command(s, "GET greeting");
    print_reply(r, 0);
    if (!is_text(r, AIKV_REPLY_STRING, "hello world"))
        unexpected("GET", r);
    aikv_reply_free(r);

    /* A missing key is a NIL reply. */
    printf("> GET nosuchkey\n");
    r = aikv_command(s, "GET nosuchkey");
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_NIL)
        unexpected("GET nosuchkey", r);
    aikv_reply_free(r);

    /* %d takes an int, %lld a long long; integer replies are in r->integer. */
    long long big = 9000000000LL;
    printf("> INCRBY counter 5 ; INCRBY counter %lld\n", big);
    r = aikv_command(s, "INCRBY counter %d", 5);
    aikv_reply_free(r);
    r = aikv_command(s, "INCRBY counter %lld", big);
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_INTEGER || r->integer != big + 5)
        unexpected("INCRBY", r);
    aikv_reply_free(r);

    /* %% is a literal percent sign. */
    printf("> SET ratio 100%%\n");
    r = aikv_command(s, "SET ratio 100%%");
    aikv_reply_free(r);
    r = aikv_command(s, "GET ratio");
    print_reply(r, 0);
    if (!is_text(r, AIKV_REPLY_STRING, "100%"))
        unexpected("GET ratio", r);
    aikv_reply_free(r);

    /* An array reply: element[0..elements). */
    printf("> MSET fruit:1 apple fruit:2 banana fruit:3 cherry ; MGET fruit:1 fruit:2 fruit:3\n");
    r = aikv_command(s, "MSET fruit:1 %s fruit:2 %s fruit:3 %s", "apple", "banana", "cherry");
    aikv_reply_free(r);
    r = aikv_command(s, "MGET fruit:1 fruit:2 fruit:3");
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_ARRAY || r->elements != 3 ||
        !is_text(r->element[1], AIKV_REPLY_STRING, "banana"))
        unexpected("MGET", r);
    aikv_reply_free(r);

    /* aikv_command_argv() takes the arguments as an array instead. */
    const char *argv[] = {"MSETNX", "user:1:name", "Ada", "user:1:born", "1815"};
    printf("> MSETNX user:1:name Ada user:1:born 1815\n");
    r = aikv_command_argv(s, 5, argv, NULL);
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_INTEGER || r->integer != 1)
        unexpected("MSETNX", r);
    aikv_reply_free(r);

    /* Command errors are replies of type AIKV_REPLY_ERROR, with Redis's text.
     * They are not result codes: the call itself worked. */
    printf("> INCR greeting\n");
    r = aikv_command(s, "INCR greeting");
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_ERROR || strncmp(r->str, "ERR", 3) != 0)
        unexpected("INCR greeting", r);
    aikv_reply_free(r);

    printf("> SET greeting x EX -1\n");
    r = aikv_command(s, "SET greeting x EX -1");
    print_reply(r, 0);
    if (!is_text(r, AIKV_REPLY_ERROR, "ERR invalid expire time in 'set' command"))
        unexpected("SET EX -1", r);
    aikv_reply_free(r);

    printf("> NOSUCHCOMMAND\n");
    r = aikv_command(s, "NOSUCHCOMMAND");
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_ERROR)
        unexpected("NOSUCHCOMMAND", r);
    aikv_reply_free(r);

    /* HELLO 3 switches this session to RESP3 and answers with a map. */
    printf("> HELLO 3\n");
    r = aikv_command(s, "HELLO 3");
    print_reply(r, 0);
    {
        const aikv_reply_t *proto = map_get(r, "proto");
        if (proto == NULL || proto->type != AIKV_REPLY_INTEGER || proto->integer != 3)
            unexpected("HELLO 3", r);
    }
    aikv_reply_free(r);

    /* In RESP3, CONFIG GET answers with a map instead of a flat array... */
    printf("> CONFIG GET databases\n");
    r = aikv_command(s, "CONFIG GET databases");
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_MAP || !is_text(map_get(r, "databases"), AIKV_REPLY_STRING, "16"))
        unexpected("CONFIG GET", r);
    aikv_reply_free(r);

    /* ...and INFO with a verbatim string: vtype says "txt". */
    printf("> INFO keyspace\n");
    r = aikv_command(s, "INFO keyspace");
    print_reply(r, 0);
    if (r == NULL || r->type != AIKV_REPLY_VERB || strcmp(r->vtype, "txt") != 0 ||
        strstr(r->str, "db0:keys=") == NULL)
        unexpected("INFO keyspace", r);
    aikv_reply_free(r);

    /* Sessions have to be freed before the store is closed. */
    aikv_session_free(s);
    aikv_close(db);

    if (failures) {
        fprintf(stderr, "commands: %d unexpected replies\n", failures);
        return 1;
    }
    printf("commands: ok\n");
    return 0;
}

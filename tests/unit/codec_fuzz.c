/*
 * codec_fuzz.c — the frame decoder against damaged input: every truncation of
 * a valid blob must fail with DURABLE_ECORRUPT, and every single-byte change
 * must either decode or fail cleanly (never read or write out of bounds —
 * AddressSanitizer checks that in CI).  Uses the runtime's internal codec.
 */
#include "check.h"
#include "internal.h"

#include <stddef.h>

struct sample { int a; const char *s; double d[2]; const char *names[2]; _Bool b; };

static const durable_field fields[] = {
    {"a", "int", DURABLE_KIND_INT, offsetof(struct sample, a), sizeof(int), 1, 0, 0, 0},
    {"s", "const char *", DURABLE_KIND_STRING, offsetof(struct sample, s), sizeof(char *), 1, 0, 0, 0},
    {"d", "double[2]", DURABLE_KIND_FLOAT, offsetof(struct sample, d), sizeof(double[2]), 2, 0, 0, 0},
    {"names", "const char *[2]", DURABLE_KIND_STRING, offsetof(struct sample, names), sizeof(char *[2]), 2, 0, 0, 0},
    {"b", "_Bool", DURABLE_KIND_BOOL, offsetof(struct sample, b), sizeof(_Bool), 1, 0, 0, 0},
};
#define NF (uint32_t)(sizeof fields / sizeof *fields)

int main(void)
{
    CHECK_OK(durable__fields_valid(fields, NF, sizeof(struct sample)));
    struct sample in = {42, "hello", {1.5, -2.5}, {"x", NULL}, 1}, out;
    durable__buf blob = {0};
    CHECK_OK(durable__encode(fields, NF, &in, &blob));

    durable__arena strings = {0};
    CHECK_OK(durable__decode(fields, NF, blob.p, blob.n, &out, &strings));
    CHECK_INT(out.a, 42);
    CHECK_STR(out.s, "hello");
#if defined(__linux__)
    CHECK(out.s == in.s); /* a literal of this program: the same object (G17) */
#endif
    CHECK(out.d[1] == -2.5);
    CHECK_STR(out.names[0], "x");
    CHECK(out.names[1] == NULL);
    CHECK(out.b);
    durable__arena_free(&strings);

    long decoded = 0, refused = 0;
    for (size_t n = 0; n < blob.n; n++) { /* every truncation */
        CHECK_RC(durable__decode(fields, NF, blob.p, n, &out, &strings), DURABLE_ECORRUPT);
        durable__arena_free(&strings);
    }
    unsigned char *copy = malloc(blob.n);
    for (size_t i = 0; i < blob.n; i++) /* every byte, every value */
        for (int v = 0; v < 256; v++) {
            memcpy(copy, blob.p, blob.n);
            copy[i] = (unsigned char)v;
            int rc = durable__decode(fields, NF, copy, blob.n, &out, &strings);
            CHECK(rc == DURABLE_OK || rc == DURABLE_ECORRUPT || rc == DURABLE_ENEWER || rc == DURABLE_EPOINTER);
            if (rc == DURABLE_OK) {
                decoded++;
                CHECK(out.b == 0 || out.b == 1); /* _Bool loads stay defined */
            } else {
                refused++;
            }
            durable__arena_free(&strings);
        }
    /* a longer blob than the fields describe is corrupt too */
    CHECK_OK(durable__buf_put(&blob, "x", 1));
    CHECK_RC(durable__decode(fields, NF, blob.p, blob.n, &out, &strings), DURABLE_ECORRUPT);
    printf("%zu truncations refused; %ld mutations decoded, %ld refused\n", blob.n - 1, decoded, refused);
    free(copy);
    durable__buf_free(&blob);
    return 0;
}

/*
 * fuzz_decode.c — libFuzzer target for the frame decoder (runtime/src/codec.c).
 *
 * Input: one byte choosing a layout from shapes.h, then a value blob.  The
 * decoder must return DURABLE_OK, DURABLE_ECORRUPT, DURABLE_ENEWER or
 * DURABLE_EPOINTER (a symbol this program does not have) and never
 * read or write out of bounds (AddressSanitizer).  A blob it accepts must
 * decode to values that survive a round trip: encoding them and decoding
 * that again gives the same encoding (the canonical form), no longer than
 * the input, with every _Bool 0 or 1.  Not a test of the encoder's output
 * format: tests/unit covers that.
 */
#include "internal.h"
#include "shapes.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                               \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "fuzz_decode: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            __builtin_trap();                                                       \
        }                                                                           \
    } while (0)

/* Every _Bool of the layout holds 0 or 1. */
static void check_bools(const struct shape *sh, const unsigned char *v)
{
    for (uint32_t i = 0; i < sh->nfields; i++)
        if (sh->fields[i].kind == DURABLE_KIND_BOOL)
            for (uint32_t k = 0; k < sh->fields[i].count; k++)
                REQUIRE(v[sh->fields[i].offset + k] <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct shape *sh = &shapes[data[0] % NSHAPES];
    REQUIRE(durable__fields_valid(sh->fields, sh->nfields, sh->size) == DURABLE_OK);
    _Alignas(max_align_t) unsigned char v1[SHAPE_MAX_SIZE], v2[SHAPE_MAX_SIZE];
    memset(v1, 0, sizeof v1);
    memset(v2, 0, sizeof v2);
    durable__arena s1 = {0}, s2 = {0};
    durable__buf e1 = {0}, e2 = {0};

    int rc = durable__decode(sh->fields, sh->nfields, data + 1, size - 1, v1, &s1);
    REQUIRE(rc == DURABLE_OK || rc == DURABLE_ECORRUPT || rc == DURABLE_ENEWER || rc == DURABLE_EPOINTER);
    if (rc == DURABLE_OK) {
        /* pointers into the frame are encoded against it, as the scheduler does */
        durable__ptrs p1 = {v1, sh->size, 0, 0, {0}, "", {0}, NULL}, p2 = {v2, sh->size, 0, 0, {0}, "", {0}, NULL};
        check_bools(sh, v1);
        REQUIRE(durable__encode_in(sh->fields, sh->nfields, v1, &e1, &p1) == DURABLE_OK);
        if (data[3] == DURABLE__CODEC_VERSION) /* (a version-1 string gains a tag byte) */
            REQUIRE(e1.n <= size - 1); /* canonical: strings stop at a NUL, flags are 0 */
        REQUIRE(durable__decode(sh->fields, sh->nfields, e1.p, e1.n, v2, &s2) == DURABLE_OK);
        REQUIRE(durable__encode_in(sh->fields, sh->nfields, v2, &e2, &p2) == DURABLE_OK);
        REQUIRE(e1.n == e2.n && memcmp(e1.p, e2.p, e1.n) == 0);
    }
    durable__buf_free(&e1);
    durable__buf_free(&e2);
    durable__arena_free(&s1);
    durable__arena_free(&s2);
    return 0;
}

/*
 * shapes.h — the frame layouts fuzz_decode decodes (the first input byte
 * picks one) and fuzz_mkcorpus encodes seed blobs with.  Between them they
 * hold every field kind the codec knows, arrays of strings and of scalars,
 * every integer width, a long double, and pointers (into the frame, in
 * structs), in the shape dcc describes frames.  Seeds named *-codec1 are
 * blobs of codec version 1, which must still decode.
 */
#ifndef FUZZ_SHAPES_H
#define FUZZ_SHAPES_H

#include <durable.h>
#include <stddef.h>
#include <stdint.h>

/* 0: a mixed frame: scalars, a string, arrays of doubles and of strings */
struct shape_mixed { int a; const char *s; double d[2]; const char *names[2]; _Bool b; };
/* 1: integers of every width, signed and unsigned, and a small array */
struct shape_ints { int64_t big; uint8_t u8; int16_t i16[3]; uint32_t u32; char c; };
/* 2: a struct stored as bytes, text in a char array, floating point */
struct shape_pt { int x, y; };
struct shape_bytes { struct shape_pt pts[2]; char name[16]; long double ld; float f; _Bool flags[3]; };
/* 3: only strings: where lengths and NULLs are read from the input */
struct shape_strings { const char *v[5]; };
/* 4: pointers: into the frame, by name, by content; in structs (G17) */
struct shape_rec { const char *name; int *at; int v; };
struct shape_ptrs { int n[2]; int *p; const char *s; struct shape_rec recs[2]; };

#define SHAPE_F(T, m, kind, ctype, count) {#m, ctype, kind, offsetof(T, m), sizeof(((T *)0)->m), count, 0, 0, 0}

static const durable_field shape_mixed_fields[] = {
    SHAPE_F(struct shape_mixed, a, DURABLE_KIND_INT, "int", 1),
    SHAPE_F(struct shape_mixed, s, DURABLE_KIND_STRING, "const char *", 1),
    SHAPE_F(struct shape_mixed, d, DURABLE_KIND_FLOAT, "double[2]", 2),
    SHAPE_F(struct shape_mixed, names, DURABLE_KIND_STRING, "const char *[2]", 2),
    SHAPE_F(struct shape_mixed, b, DURABLE_KIND_BOOL, "_Bool", 1),
};
static const durable_field shape_ints_fields[] = {
    SHAPE_F(struct shape_ints, big, DURABLE_KIND_INT, "int64_t", 1),
    SHAPE_F(struct shape_ints, u8, DURABLE_KIND_UINT, "uint8_t", 1),
    SHAPE_F(struct shape_ints, i16, DURABLE_KIND_INT, "int16_t[3]", 3),
    SHAPE_F(struct shape_ints, u32, DURABLE_KIND_UINT, "uint32_t", 1),
    SHAPE_F(struct shape_ints, c, DURABLE_KIND_CHAR, "char", 1),
};
static const durable_field shape_pt_members[] = {
    SHAPE_F(struct shape_pt, x, DURABLE_KIND_INT, "int", 1),
    SHAPE_F(struct shape_pt, y, DURABLE_KIND_INT, "int", 1),
};
static const durable_field shape_bytes_fields[] = {
    {"pts", "struct shape_pt[2]", DURABLE_KIND_STRUCT, offsetof(struct shape_bytes, pts),
     sizeof(struct shape_pt[2]), 2, 0, shape_pt_members, 2},
    SHAPE_F(struct shape_bytes, name, DURABLE_KIND_CHAR, "char[16]", 16),
    SHAPE_F(struct shape_bytes, ld, DURABLE_KIND_FLOAT, "long double", 1),
    SHAPE_F(struct shape_bytes, f, DURABLE_KIND_FLOAT, "float", 1),
    SHAPE_F(struct shape_bytes, flags, DURABLE_KIND_BOOL, "_Bool[3]", 3),
};
static const durable_field shape_strings_fields[] = {
    SHAPE_F(struct shape_strings, v, DURABLE_KIND_STRING, "const char *[5]", 5),
};
static const durable_field shape_rec_members[] = {
    SHAPE_F(struct shape_rec, name, DURABLE_KIND_STRING, "const char *", 1),
    SHAPE_F(struct shape_rec, at, DURABLE_KIND_POINTER, "int *", 1),
    SHAPE_F(struct shape_rec, v, DURABLE_KIND_INT, "int", 1),
};
static const durable_field shape_ptrs_fields[] = {
    SHAPE_F(struct shape_ptrs, n, DURABLE_KIND_INT, "int[2]", 2),
    SHAPE_F(struct shape_ptrs, p, DURABLE_KIND_POINTER, "int *", 1),
    SHAPE_F(struct shape_ptrs, s, DURABLE_KIND_STRING, "const char *", 1),
    {"recs", "struct shape_rec[2]", DURABLE_KIND_STRUCT, offsetof(struct shape_ptrs, recs),
     sizeof(struct shape_rec[2]), 2, 0, shape_rec_members, 3},
};

struct shape {
    const char *name;
    const durable_field *fields;
    uint32_t nfields;
    uint32_t size; /* of the struct */
};

#define SHAPE(name, T, f) {name, f, (uint32_t)(sizeof f / sizeof *f), (uint32_t)sizeof(T)}
static const struct shape shapes[] = {
    SHAPE("mixed", struct shape_mixed, shape_mixed_fields),
    SHAPE("ints", struct shape_ints, shape_ints_fields),
    SHAPE("bytes", struct shape_bytes, shape_bytes_fields),
    SHAPE("strings", struct shape_strings, shape_strings_fields),
    SHAPE("pointers", struct shape_ptrs, shape_ptrs_fields),
};
#define NSHAPES (sizeof shapes / sizeof *shapes)
#define SHAPE_MAX_SIZE 128 /* >= every struct above */

#endif

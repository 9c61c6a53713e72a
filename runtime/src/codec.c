/*
 * codec.c — the frame codec: turns a struct described by durable_field
 * descriptors into a self-describing blob and back, plus the small buffer and
 * arena helpers it needs.
 *
 * Blob layout (docs/storage.md has the byte table):
 *
 *   offset  size  what
 *   0       2     'D' 'F'
 *   2       1     codec version (1)
 *   3       1     flags (0)
 *   4       4     field count, little-endian; must equal the descriptor's
 *   8       ...   each field's elements in descriptor order:
 *                   string:  u32 LE length (0xFFFFFFFF = NULL), then the bytes
 *                   others:  sizeof(element) bytes as they are in memory
 *
 * Numbers are stored in the host's byte order; the database records that order
 * (durable_meta.byte_order) and refuses a file written with the other one.
 * The decoder trusts nothing: every length is checked against the input, and
 * a malformed blob gives DURABLE_ECORRUPT without reading out of bounds.
 */
#include "internal.h"

#include <stdbool.h>
#include <string.h>

#define NULL_STRING 0xFFFFFFFFu
#define MAX_STRING (1u << 30)

int durable__buf_put(durable__buf *b, const void *p, size_t n)
{
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->n < n) {
            if (cap > SIZE_MAX / 2)
                return DURABLE_ENOMEM;
            cap *= 2;
        }
        unsigned char *q = durable__realloc(b->p, cap);
        if (!q)
            return DURABLE_ENOMEM;
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    return DURABLE_OK;
}

void durable__buf_free(durable__buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

struct durable__chunk {
    struct durable__chunk *next;
    char data[];
};

char *durable__arena_strndup(durable__arena *a, const char *s, size_t n)
{
    struct durable__chunk *c = durable__malloc(sizeof *c + n + 1);
    if (!c)
        return NULL;
    memcpy(c->data, s, n);
    c->data[n] = '\0';
    c->next = a->head;
    a->head = c;
    return c->data;
}

void durable__arena_merge(durable__arena *dst, durable__arena *src)
{
    struct durable__chunk **tail = &src->head;
    while (*tail)
        tail = &(*tail)->next;
    *tail = dst->head;
    dst->head = src->head;
    src->head = NULL;
}

void durable__arena_free(durable__arena *a)
{
    struct durable__chunk *c = a->head;
    while (c) {
        struct durable__chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int durable__fields_valid(const durable_field *fields, uint32_t n, uint32_t total)
{
    if (n && !fields)
        return DURABLE_EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        const durable_field *f = &fields[i];
        if (!f->name || f->count == 0 || f->size == 0 || f->size % f->count != 0)
            return DURABLE_EINVAL;
        if (f->offset > total || f->size > total - f->offset)
            return DURABLE_EINVAL;
        uint32_t elem = f->size / f->count;
        switch (f->kind) {
        case DURABLE_KIND_INT:
        case DURABLE_KIND_UINT:
            if (elem != 1 && elem != 2 && elem != 4 && elem != 8)
                return DURABLE_EINVAL;
            break;
        case DURABLE_KIND_FLOAT:
            if (elem != sizeof(float) && elem != sizeof(double) && elem != sizeof(long double))
                return DURABLE_EINVAL;
            break;
        case DURABLE_KIND_BOOL:
            if (elem != sizeof(bool))
                return DURABLE_EINVAL;
            break;
        case DURABLE_KIND_CHAR:
            if (elem != 1)
                return DURABLE_EINVAL;
            break;
        case DURABLE_KIND_STRING:
            if (elem != sizeof(char *))
                return DURABLE_EINVAL;
            break;
        case DURABLE_KIND_STRUCT:
            if (f->nmembers && durable__fields_valid(f->members, f->nmembers, elem) != DURABLE_OK)
                return DURABLE_EINVAL;
            break;
        default:
            return DURABLE_EINVAL;
        }
    }
    return DURABLE_OK;
}

int durable__encode(const durable_field *fields, uint32_t n, const void *base, durable__buf *out)
{
    unsigned char hdr[8] = {'D', 'F', DURABLE__CODEC_VERSION, 0};
    put_u32(hdr + 4, n);
    out->n = 0;
    int rc = durable__buf_put(out, hdr, sizeof hdr);
    const unsigned char *b = base;
    for (uint32_t i = 0; i < n && rc == DURABLE_OK; i++) {
        const durable_field *f = &fields[i];
        uint32_t elem = f->size / f->count;
        if (f->kind != DURABLE_KIND_STRING) {
            rc = durable__buf_put(out, b + f->offset, f->size);
            continue;
        }
        for (uint32_t k = 0; k < f->count && rc == DURABLE_OK; k++) {
            const char *s;
            memcpy(&s, b + f->offset + (size_t)k * elem, sizeof s);
            unsigned char len[4];
            size_t sl = s ? strlen(s) : 0;
            if (sl >= MAX_STRING)
                return DURABLE_ELIMIT;
            put_u32(len, s ? (uint32_t)sl : NULL_STRING);
            rc = durable__buf_put(out, len, 4);
            if (rc == DURABLE_OK && s)
                rc = durable__buf_put(out, s, sl);
        }
    }
    return rc;
}

int durable__decode(const durable_field *fields, uint32_t n, const unsigned char *p, size_t len,
                    void *base, durable__arena *strings)
{
    if (len < 8 || p[0] != 'D' || p[1] != 'F')
        return DURABLE_ECORRUPT;
    if (p[2] > DURABLE__CODEC_VERSION)
        return DURABLE_ENEWER;
    if (p[2] == 0 || p[3] != 0 || get_u32(p + 4) != n) /* flags: none defined */
        return DURABLE_ECORRUPT;
    size_t at = 8;
    unsigned char *b = base;
    for (uint32_t i = 0; i < n; i++) {
        const durable_field *f = &fields[i];
        uint32_t elem = f->size / f->count;
        if (f->kind != DURABLE_KIND_STRING) {
            if (len - at < f->size)
                return DURABLE_ECORRUPT;
            memcpy(b + f->offset, p + at, f->size);
            if (f->kind == DURABLE_KIND_BOOL) /* keep _Bool loads defined */
                for (uint32_t k = 0; k < f->count; k++)
                    b[f->offset + k] = b[f->offset + k] != 0;
            at += f->size;
            continue;
        }
        for (uint32_t k = 0; k < f->count; k++) {
            if (len - at < 4)
                return DURABLE_ECORRUPT;
            uint32_t sl = get_u32(p + at);
            at += 4;
            char *s = NULL;
            if (sl != NULL_STRING) {
                if (sl >= MAX_STRING || len - at < sl || memchr(p + at, 0, sl)) /* C strings hold no NUL */
                    return DURABLE_ECORRUPT;
                s = durable__arena_strndup(strings, (const char *)p + at, sl);
                if (!s)
                    return DURABLE_ENOMEM;
                at += sl;
            }
            memcpy(b + f->offset + (size_t)k * elem, &s, sizeof s);
        }
    }
    return at == len ? DURABLE_OK : DURABLE_ECORRUPT;
}

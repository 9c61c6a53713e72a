/*
 * codec.c — the frame codec: turns a struct described by durable_field
 * descriptors into a self-describing blob and back, plus the small buffer and
 * arena helpers it needs.
 *
 * Blob layout (docs/storage.md has the byte table):
 *
 *   offset  size  what
 *   0       2     'D' 'F'
 *   2       1     codec version: 1, or 2 when the layout holds a pointer
 *   3       1     flags (0)
 *   4       4     field count, little-endian; must equal the descriptor's
 *   8       ...   each field's elements in descriptor order:
 *                   version 1 string: u32 LE length (0xFFFFFFFF = NULL), bytes
 *                   version 2 string or pointer: a tag byte, then
 *                     0 NULL | 1 u32 frame offset | 2 u32 name length, name,
 *                     u32 offset (a symbol) | 3 u32 length, bytes (content) |
 *                     4 u32 name length, module name, u32 offset, u32 length,
 *                     bytes (a string in a loaded image, not in a table) |
 *                     5 u32 index, u32 offset (into the coroutine's nth
 *                     argument string, in decode order)
 *                   a struct with pointer members (version 2): its bytes with
 *                     the pointers zeroed, then each pointer member, tagged
 *                   others:  sizeof(element) bytes as they are in memory
 *
 * Numbers are stored in the host's byte order; the database records that order
 * (durable_meta.byte_order) and refuses a file written with the other one.
 * The decoder trusts nothing: every length is checked against the input, and
 * a malformed blob gives DURABLE_ECORRUPT without reading out of bounds.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* dl_iterate_phdr */
#endif
#include "internal.h"

#include <stdbool.h>
#include <stdio.h>
#if defined(__linux__)
#include <link.h>
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef SANITIZED
#include <sanitizer/asan_interface.h>
#endif
#include <string.h>

#define NULL_STRING 0xFFFFFFFFu
enum { TAG_NULL = 0, TAG_FRAME = 1, TAG_SYMBOL = 2, TAG_CONTENT = 3, TAG_IMAGE = 4, TAG_ARG = 5 };
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

int durable__arena_has(const durable__arena *a, const void *p)
{
    for (const struct durable__chunk *c = a->head; c; c = c->next)
        if ((const void *)c->data == p)
            return 1;
    return 0;
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
        case DURABLE_KIND_POINTER:
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

/* ---- symbols: objects of static storage a pointer may be saved against ---- */

static durable_symtab *symtabs;

DURABLE_API void durable__register_symbols(durable_symtab *t)
{
    for (durable_symtab *x = symtabs; x; x = x->next)
        if (x == t)
            return;
    if (!t)
        return;
    t->next = symtabs;
    symtabs = t;
}

/* The symbol whose object [addr, addr + size] holds p (one past the end
 * counts: a cursor that reached the end of an array). */
static const durable_symbol *symbol_at(const unsigned char *p)
{
    for (const durable_symtab *t = symtabs; t; t = t->next)
        for (uint32_t i = 0; i < t->n; i++) {
            const unsigned char *a = t->syms[i].addr;
            if (a && p >= a && p <= a + t->syms[i].size)
                return &t->syms[i];
        }
    return NULL;
}

static const durable_symbol *symbol_named(const unsigned char *name, uint32_t n)
{
    for (const durable_symtab *t = symtabs; t; t = t->next)
        for (uint32_t i = 0; i < t->n; i++)
            if (strlen(t->syms[i].name) == n && memcmp(t->syms[i].name, name, n) == 0)
                return &t->syms[i];
    return NULL;
}

/* ---- strings in a loaded image (a literal of an ordinary function, a
 * static buffer, another library's data) that no table names: found again
 * by module and offset when the bytes there are still the same ---- */

typedef struct image_q {
    const unsigned char *p;  /* find: the address; check: NULL */
    const char *name;        /* the module ("" the program) */
    uintptr_t base, off;
    size_t room;             /* readable bytes from the address on, in its segment */
    int found;
} image_q;

#if defined(__linux__)
static int image_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    image_q *q = data;
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    if (!q->p && strcmp(name, q->name) != 0)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R))
            continue;
        uintptr_t b = info->dlpi_addr + ph->p_vaddr, e = b + ph->p_memsz;
        uintptr_t a = q->p ? (uintptr_t)q->p : info->dlpi_addr + q->off;
        if (a >= b && a < e) {
            q->name = name;
            q->base = info->dlpi_addr;
            q->off = a - info->dlpi_addr;
            q->room = e - a;
            q->found = 1;
            return 1;
        }
    }
    return !q->p; /* check: the module was found, the offset is not in it */
}
#endif

static int image_find(image_q *q)
{
#if defined(__linux__)
    dl_iterate_phdr(image_cb, q);
#endif
    return q->found;
}

/* Is the C string at a the n bytes s?  (a has n + 1 readable bytes.)  Not
 * checked by AddressSanitizer: a damaged offset may point between the
 * globals it watches, still inside the segment. */
#if defined(__clang__) || defined(__GNUC__)
__attribute__((no_sanitize_address))
#endif
static int same_text(const volatile unsigned char *a, const unsigned char *s, size_t n)
{
#ifdef SANITIZED /* nor point the program between them */
    if (__asan_region_is_poisoned((void *)(uintptr_t)a, n + 1))
        return 0;
#endif
    for (size_t i = 0; i < n; i++)
        if (a[i] != s[i])
            return 0;
    return a[n] == 0;
}

/* Does a field (or a member, at any depth) hold a pointer? */
static int has_pointer(const durable_field *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (f[i].kind == DURABLE_KIND_STRING || f[i].kind == DURABLE_KIND_POINTER)
            return 1;
        if (f[i].kind == DURABLE_KIND_STRUCT && f[i].nmembers && has_pointer(f[i].members, f[i].nmembers))
            return 1;
    }
    return 0;
}

/* The largest end offset of the fields: a frame offset may not pass it. */
static uint32_t extent(const durable_field *f, uint32_t n)
{
    uint32_t e = 0;
    for (uint32_t i = 0; i < n; i++)
        if (f[i].offset + f[i].size > e)
            e = f[i].offset + f[i].size;
    return e;
}

/* "name", "name[2]" or "name.member" of the element being coded, for messages. */
static void elem_name(durable__ptrs *px, const char *outer, const durable_field *f, uint32_t k)
{
    if (!px)
        return;
    char idx[16] = "";
    if (f->count > 1)
        snprintf(idx, sizeof idx, "[%u]", k);
    snprintf(px->what, sizeof px->what, "%s%s%s%s", outer ? outer : "", outer ? "." : "", f->name, idx);
}

/* The argument string holding p: its index in decode order (the arena
 * lists the newest first) and p's offset in it; -1 if none. */
static long arg_string_at(const durable__arena *a, const char *p, uint32_t *off)
{
    long n = 0, at = -1;
    for (const struct durable__chunk *c = a ? a->head : NULL; c; c = c->next, n++)
        if (at < 0 && p >= c->data && p <= c->data + strlen(c->data)) {
            at = n;
            *off = (uint32_t)(p - c->data);
        }
    return at < 0 ? -1 : n - 1 - at;
}

static char *arg_string(const durable__arena *a, uint32_t index, uint32_t off)
{
    long n = 0;
    for (const struct durable__chunk *c = a ? a->head : NULL; c; c = c->next)
        n++;
    long k = n - 1 - (long)index, i = 0;
    for (struct durable__chunk *c = a && index < (uint32_t)n ? a->head : NULL; c; c = c->next, i++)
        if (i == k)
            return off <= strlen(c->data) ? c->data + off : NULL;
    return NULL;
}

typedef struct enc {
    durable__buf *out;
    const unsigned char *frame;
    uint32_t frame_size;
    durable__ptrs *px;
} enc;

static int put_ptr(enc *E, const durable_field *f, const unsigned char *slot)
{
    const unsigned char *v;
    memcpy(&v, slot, sizeof v);
    unsigned char t[9];
    if (!v) {
        t[0] = TAG_NULL;
        return durable__buf_put(E->out, t, 1);
    }
    if (E->frame && v >= E->frame && v <= E->frame + E->frame_size) {
        t[0] = TAG_FRAME;
        put_u32(t + 1, (uint32_t)(v - E->frame));
        return durable__buf_put(E->out, t, 5);
    }
    const durable_symbol *sym = symbol_at(v);
    if (sym) {
        size_t nl = strlen(sym->name);
        t[0] = TAG_SYMBOL;
        put_u32(t + 1, (uint32_t)nl);
        int rc = durable__buf_put(E->out, t, 5);
        if (rc == DURABLE_OK)
            rc = durable__buf_put(E->out, sym->name, nl);
        put_u32(t, (uint32_t)(v - (const unsigned char *)sym->addr));
        return rc == DURABLE_OK ? durable__buf_put(E->out, t, 4) : rc;
    }
    uint32_t aoff = 0;
    long ai = E->px ? arg_string_at(E->px->args, (const char *)v, &aoff) : -1;
    if (ai >= 0) { /* into one of the coroutine's arguments */
        t[0] = TAG_ARG;
        put_u32(t + 1, (uint32_t)ai);
        put_u32(t + 5, aoff);
        return durable__buf_put(E->out, t, 9);
    }
    if (f->kind != DURABLE_KIND_STRING)
        return DURABLE_EPOINTER; /* the caller names the element */
    size_t sl = strlen((const char *)v);
    if (sl >= MAX_STRING)
        return DURABLE_ELIMIT;
    image_q q = {v, "", 0, 0, 0, 0};
    if (image_find(&q) && q.off <= 0xFFFFFFFFu && strlen(q.name) <= 4096) {
        size_t nl = strlen(q.name);
        t[0] = TAG_IMAGE;
        put_u32(t + 1, (uint32_t)nl);
        int rc = durable__buf_put(E->out, t, 5);
        if (rc == DURABLE_OK)
            rc = durable__buf_put(E->out, q.name, nl);
        put_u32(t, (uint32_t)q.off);
        put_u32(t + 4, (uint32_t)sl);
        if (rc == DURABLE_OK)
            rc = durable__buf_put(E->out, t, 8);
        return rc == DURABLE_OK ? durable__buf_put(E->out, v, sl) : rc;
    }
    t[0] = TAG_CONTENT;
    put_u32(t + 1, (uint32_t)sl);
    int rc = durable__buf_put(E->out, t, 5);
    return rc == DURABLE_OK ? durable__buf_put(E->out, v, sl) : rc;
}

/* The pointers of one struct element at e, tagged, in member order. */
static int put_members(enc *E, const durable_field *m, uint32_t nm, const unsigned char *e, const char *outer)
{
    for (uint32_t i = 0; i < nm; i++) {
        const durable_field *f = &m[i];
        uint32_t elem = f->size / f->count;
        for (uint32_t k = 0; k < f->count; k++) {
            const unsigned char *x = e + f->offset + (size_t)k * elem;
            int rc = DURABLE_OK;
            if (f->kind == DURABLE_KIND_STRING || f->kind == DURABLE_KIND_POINTER) {
                rc = put_ptr(E, f, x);
                if (rc == DURABLE_EPOINTER)
                    elem_name(E->px, outer, f, k);
            } else if (f->kind == DURABLE_KIND_STRUCT && has_pointer(f->members, f->nmembers))
                rc = put_members(E, f->members, f->nmembers, x, outer);
            if (rc != DURABLE_OK)
                return rc;
        }
    }
    return DURABLE_OK;
}

/* Zero the pointer members of a struct element copied into bytes at e. */
static void zero_members(const durable_field *m, uint32_t nm, unsigned char *e)
{
    for (uint32_t i = 0; i < nm; i++) {
        const durable_field *f = &m[i];
        uint32_t elem = f->size / f->count;
        for (uint32_t k = 0; k < f->count; k++) {
            unsigned char *x = e + f->offset + (size_t)k * elem;
            if (f->kind == DURABLE_KIND_STRING || f->kind == DURABLE_KIND_POINTER)
                memset(x, 0, sizeof(void *));
            else if (f->kind == DURABLE_KIND_STRUCT && has_pointer(f->members, f->nmembers))
                zero_members(f->members, f->nmembers, x);
        }
    }
}

int durable__encode_in(const durable_field *fields, uint32_t n, const void *base, durable__buf *out,
                       durable__ptrs *px)
{
    int v2 = has_pointer(fields, n);
    unsigned char hdr[8] = {'D', 'F', v2 ? DURABLE__CODEC_VERSION : 1, 0};
    put_u32(hdr + 4, n);
    out->n = 0;
    int rc = durable__buf_put(out, hdr, sizeof hdr);
    const unsigned char *b = base;
    enc E = {out, px ? px->frame : NULL, px ? px->frame_size : 0, px};
    unsigned char small[256];
    for (uint32_t i = 0; i < n && rc == DURABLE_OK; i++) {
        const durable_field *f = &fields[i];
        uint32_t elem = f->size / f->count;
        if (f->kind == DURABLE_KIND_STRUCT && f->nmembers && has_pointer(f->members, f->nmembers)) {
            unsigned char *tmp = elem <= sizeof small ? small : durable__malloc(elem);
            if (!tmp)
                return DURABLE_ENOMEM;
            for (uint32_t k = 0; k < f->count && rc == DURABLE_OK; k++) {
                const unsigned char *e = b + f->offset + (size_t)k * elem;
                memcpy(tmp, e, elem); /* saved frames hold no addresses */
                zero_members(f->members, f->nmembers, tmp);
                rc = durable__buf_put(out, tmp, elem);
                char outer[80];
                snprintf(outer, sizeof outer, f->count > 1 ? "%s[%u]" : "%s", f->name, k);
                if (rc == DURABLE_OK)
                    rc = put_members(&E, f->members, f->nmembers, e, outer);
            }
            if (tmp != small)
                free(tmp);
            continue;
        }
        if (f->kind != DURABLE_KIND_STRING && f->kind != DURABLE_KIND_POINTER) {
            rc = durable__buf_put(out, b + f->offset, f->size);
            continue;
        }
        for (uint32_t k = 0; k < f->count && rc == DURABLE_OK; k++) {
            rc = put_ptr(&E, f, b + f->offset + (size_t)k * elem);
            if (rc == DURABLE_EPOINTER)
                elem_name(px, NULL, f, k);
        }
    }
    return rc;
}

int durable__encode(const durable_field *fields, uint32_t n, const void *base, durable__buf *out)
{
    return durable__encode_in(fields, n, base, out, NULL);
}

typedef struct dec {
    const unsigned char *p;
    size_t len, at;
    unsigned char *frame;
    uint32_t frame_size;
    durable__arena *strings;
    durable__ptrs *px;
    int version;
} dec;

/* A malloc'd copy of s[0..n) for the program, remembered in px->owned. */
static char *owned_copy(durable__ptrs *px, const char *s, size_t n)
{
    char *c = durable__malloc(n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n);
    c[n] = 0;
    if (durable__buf_put(&px->owned, &c, sizeof c) != DURABLE_OK) {
        free(c);
        return NULL;
    }
    return c;
}

void durable__ptrs_done(durable__ptrs *px, int failed)
{
    for (size_t i = 0; failed && i + sizeof(char *) <= px->owned.n; i += sizeof(char *)) {
        char *c;
        memcpy(&c, px->owned.p + i, sizeof c);
        free(c);
    }
    durable__buf_free(&px->owned);
}

static int get_ptr(dec *D, const durable_field *f, unsigned char *slot)
{
    void *v = NULL;
    if (D->version < 2) { /* version 1: strings by content only */
        if (D->len - D->at < 4)
            return DURABLE_ECORRUPT;
        uint32_t sl = get_u32(D->p + D->at);
        D->at += 4;
        if (sl != NULL_STRING) {
            if (sl >= MAX_STRING || D->len - D->at < sl || memchr(D->p + D->at, 0, sl))
                return DURABLE_ECORRUPT;
            if (D->px && D->px->own) {
                if (!(v = owned_copy(D->px, (const char *)D->p + D->at, sl)))
                    return DURABLE_ENOMEM;
            } else if (!(v = durable__arena_strndup(D->strings, (const char *)D->p + D->at, sl)))
                return DURABLE_ENOMEM;
            D->at += sl;
        }
        memcpy(slot, &v, sizeof v);
        return DURABLE_OK;
    }
    if (D->len - D->at < 1)
        return DURABLE_ECORRUPT;
    int tag = D->p[D->at++];
    if (tag != TAG_NULL && D->len - D->at < 4)
        return DURABLE_ECORRUPT;
    uint32_t x = tag != TAG_NULL ? get_u32(D->p + D->at) : 0;
    if (tag != TAG_NULL)
        D->at += 4;
    switch (tag) {
    case TAG_NULL:
        break;
    case TAG_FRAME:
        if (x > D->frame_size)
            return DURABLE_ECORRUPT;
        v = D->frame + x;
        break;
    case TAG_SYMBOL: {
        if (x == 0 || x > 4096 || D->len - D->at < (size_t)x + 4)
            return DURABLE_ECORRUPT;
        const unsigned char *name = D->p + D->at;
        uint32_t off = get_u32(name + x);
        D->at += (size_t)x + 4;
        const durable_symbol *sym = symbol_named(name, x);
        if (sym && off <= sym->size) {
            v = (unsigned char *)sym->addr + off;
        } else if (D->px && D->px->lax) { /* durable show: a label to print */
            char label[4200];
            int ln = off ? snprintf(label, sizeof label, "%.*s+%u", (int)x, (const char *)name, off)
                         : snprintf(label, sizeof label, "%.*s", (int)x, (const char *)name);
            if (!(v = durable__arena_strndup(&D->px->labels, label, (size_t)ln)))
                return DURABLE_ENOMEM;
        } else {
            if (D->px)
                snprintf(D->px->what, sizeof D->px->what, "%.*s%s", (int)x, (const char *)name,
                         sym ? " (smaller than the saved offset)" : "");
            return DURABLE_EPOINTER;
        }
        break;
    }
    case TAG_ARG: { /* u32 index (x), u32 offset */
        if (D->len - D->at < 4)
            return DURABLE_ECORRUPT;
        uint32_t off = get_u32(D->p + D->at);
        D->at += 4;
        v = D->px ? arg_string(D->px->args, x, off) : NULL;
        if (!v && !(D->px && D->px->lax))
            return DURABLE_ECORRUPT;
        if (!v && !(v = durable__arena_strndup(&D->px->labels, "argument", 8)))
            return DURABLE_ENOMEM;
        break;
    }
    case TAG_IMAGE: { /* module name (x bytes), u32 offset, u32 length, bytes */
        if (f->kind != DURABLE_KIND_STRING || x > 4096 || D->len - D->at < (size_t)x + 8)
            return DURABLE_ECORRUPT;
        char name[4097];
        memcpy(name, D->p + D->at, x);
        name[x] = 0;
        uint32_t off = get_u32(D->p + D->at + x), sl = get_u32(D->p + D->at + x + 4);
        D->at += (size_t)x + 8;
        if (memchr(name, 0, x) || sl >= MAX_STRING || D->len - D->at < sl || memchr(D->p + D->at, 0, sl))
            return DURABLE_ECORRUPT;
        image_q q = {NULL, name, 0, off, 0, 0};
        /* the same object if it still holds the same text (the same build);
         * else a copy the runtime keeps, which the program never owned */
        if (!(D->px && D->px->lax) && image_find(&q) && q.room > sl &&
            same_text((const unsigned char *)(q.base + off), D->p + D->at, sl))
            v = (void *)(q.base + off);
        else if (!(v = durable__arena_strndup(D->strings, (const char *)D->p + D->at, sl)))
            return DURABLE_ENOMEM;
        D->at += sl;
        break;
    }
    case TAG_CONTENT: {
        if (f->kind != DURABLE_KIND_STRING || x >= MAX_STRING || D->len - D->at < x ||
            memchr(D->p + D->at, 0, x))
            return DURABLE_ECORRUPT;
        if (D->px && D->px->own) { /* the program's: it may write and must free it */
            if (!(v = owned_copy(D->px, (const char *)D->p + D->at, x)))
                return DURABLE_ENOMEM;
        } else if (!(v = durable__arena_strndup(D->strings, (const char *)D->p + D->at, x)))
            return DURABLE_ENOMEM;
        D->at += x;
        break;
    }
    default:
        return DURABLE_ECORRUPT;
    }
    memcpy(slot, &v, sizeof v);
    return DURABLE_OK;
}

static int get_members(dec *D, const durable_field *m, uint32_t nm, unsigned char *e)
{
    for (uint32_t i = 0; i < nm; i++) {
        const durable_field *f = &m[i];
        uint32_t elem = f->size / f->count;
        for (uint32_t k = 0; k < f->count; k++) {
            unsigned char *x = e + f->offset + (size_t)k * elem;
            int rc = DURABLE_OK;
            if (f->kind == DURABLE_KIND_STRING || f->kind == DURABLE_KIND_POINTER)
                rc = get_ptr(D, f, x);
            else if (f->kind == DURABLE_KIND_STRUCT && has_pointer(f->members, f->nmembers))
                rc = get_members(D, f->members, f->nmembers, x);
            if (rc != DURABLE_OK)
                return rc;
        }
    }
    return DURABLE_OK;
}

int durable__decode_in(const durable_field *fields, uint32_t n, const unsigned char *p, size_t len,
                       void *base, durable__arena *strings, durable__ptrs *px)
{
    if (len < 8 || p[0] != 'D' || p[1] != 'F')
        return DURABLE_ECORRUPT;
    if (p[2] > DURABLE__CODEC_VERSION)
        return DURABLE_ENEWER;
    if (p[2] == 0 || p[3] != 0 || get_u32(p + 4) != n) /* flags: none defined */
        return DURABLE_ECORRUPT;
    unsigned char *b = base;
    dec D = {p, len, 8, b, extent(fields, n), strings, px, p[2]};
    for (uint32_t i = 0; i < n; i++) {
        const durable_field *f = &fields[i];
        uint32_t elem = f->size / f->count;
        int ptrs = f->kind == DURABLE_KIND_STRUCT && f->nmembers && has_pointer(f->members, f->nmembers);
        if (ptrs && D.version < 2)
            return DURABLE_ECORRUPT;
        if (f->kind != DURABLE_KIND_STRING && f->kind != DURABLE_KIND_POINTER) {
            for (uint32_t k = 0; k < f->count; k++) {
                unsigned char *e = b + f->offset + (size_t)k * elem;
                if (D.len - D.at < (ptrs ? elem : f->size))
                    return DURABLE_ECORRUPT;
                memcpy(e, p + D.at, ptrs ? elem : f->size);
                D.at += ptrs ? elem : f->size;
                if (ptrs) {
                    int rc = get_members(&D, f->members, f->nmembers, e);
                    if (rc != DURABLE_OK)
                        return rc;
                } else
                    break; /* all elements at once */
            }
            if (f->kind == DURABLE_KIND_BOOL) /* keep _Bool loads defined */
                for (uint32_t k = 0; k < f->count; k++)
                    b[f->offset + k] = b[f->offset + k] != 0;
            continue;
        }
        if (f->kind == DURABLE_KIND_POINTER && D.version < 2)
            return DURABLE_ECORRUPT;
        for (uint32_t k = 0; k < f->count; k++) {
            int rc = get_ptr(&D, f, b + f->offset + (size_t)k * elem);
            if (rc != DURABLE_OK)
                return rc;
        }
    }
    return D.at == len ? DURABLE_OK : DURABLE_ECORRUPT;
}

int durable__decode(const durable_field *fields, uint32_t n, const unsigned char *p, size_t len,
                    void *base, durable__arena *strings)
{
    return durable__decode_in(fields, n, p, len, base, strings, NULL);
}

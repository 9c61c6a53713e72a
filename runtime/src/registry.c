/*
 * registry.c — the durable functions linked into this program.
 *
 * Generated code registers each function's descriptor from a constructor,
 * before main, so the list is complete by the time durable_open runs.  The
 * list is intrusive (durable_func.next) and needs no allocation.  Also here:
 * the schema fingerprint, computed from the descriptor so that generated code
 * and the runtime can never disagree about it.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static durable_func *registry;

DURABLE_API void durable__register(durable_func *fn)
{
    if (!fn || !fn->name || durable__registry_has(fn))
        return;
    fn->fingerprint = durable__fingerprint(fn);
    fn->next = registry;
    registry = fn;
}

durable_func *durable__registry_first(void)
{
    return registry;
}

durable_func *durable__registry_find(const char *name)
{
    for (durable_func *f = registry; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

int durable__registry_has(const durable_func *fn)
{
    for (durable_func *f = registry; f; f = f->next)
        if (f == fn)
            return 1;
    return 0;
}

int durable__registry_check(void)
{
    for (durable_func *a = registry; a; a = a->next)
        for (durable_func *b = a->next; b; b = b->next)
            if (strcmp(a->name, b->name) == 0)
                return DURABLE_EDUPFUNC;
    return DURABLE_OK;
}

/* FNV-1a, 64 bits: small, stable, and good enough to tell layouts apart. */
typedef struct { uint64_t h; } fnv;

static void fnv_bytes(fnv *s, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        s->h ^= c[i];
        s->h *= 1099511628211ULL;
    }
}

static void fnv_str(fnv *s, const char *str)
{
    fnv_bytes(s, str ? str : "", str ? strlen(str) + 1 : 1);
}

static void fnv_u32(fnv *s, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    fnv_bytes(s, b, 4);
}

static void fnv_fields(fnv *s, const char *role, const durable_field *f, uint32_t n)
{
    fnv_str(s, role);
    fnv_u32(s, n);
    for (uint32_t i = 0; i < n; i++) {
        fnv_str(s, f[i].name);
        fnv_str(s, f[i].type);
        fnv_u32(s, (uint32_t)f[i].kind);
        fnv_u32(s, f[i].offset);
        fnv_u32(s, f[i].size);
        fnv_u32(s, f[i].count);
        if (f[i].kind == DURABLE_KIND_STRUCT)
            fnv_fields(s, "members", f[i].members, f[i].members ? f[i].nmembers : 0);
    }
}

char *durable__saves_text(const durable_await *a)
{
    size_t cap = 12 * (size_t)a->nsaves + 1, at = 0;
    char *t = durable__malloc(cap);
    if (!t)
        return NULL;
    t[0] = '\0';
    for (uint32_t i = 0; a->saves && i < a->nsaves; i++)
        at += (size_t)snprintf(t + at, cap - at, "%s%u", i ? "," : "", a->saves[i]);
    return t;
}

/* Source lines and the file name are left out on purpose: editing a comment
 * above a function must not make its suspended frames incompatible. */
uint64_t durable__fingerprint(const durable_func *fn)
{
    fnv s = {14695981039346656037ULL};
    fnv_str(&s, fn->name);
    fnv_u32(&s, fn->frame_size);
    fnv_u32(&s, fn->args_size);
    fnv_fields(&s, "params", fn->params, fn->nparams);
    fnv_fields(&s, "fields", fn->fields, fn->nfields);
    fnv_fields(&s, "result", fn->result, fn->result ? 1 : 0);
    fnv_u32(&s, fn->nawaits);
    for (uint32_t i = 0; i < fn->nawaits; i++) {
        const durable_await *a = &fn->awaits[i];
        fnv_u32(&s, (uint32_t)a->id);
        fnv_u32(&s, (uint32_t)a->kind);
        fnv_str(&s, a->callee);
        fnv_fields(&s, "value", a->value, a->value ? 1 : 0);
        fnv_u32(&s, a->nsaves);
        for (uint32_t k = 0; a->saves && k < a->nsaves; k++)
            fnv_u32(&s, a->saves[k]);
        if (a->place || a->text) { /* absent from older generated code: its fingerprints stay */
            fnv_str(&s, a->place);
            fnv_str(&s, a->text);
        }
    }
    /* Keep it positive as an SQLite INTEGER. */
    return s.h & 0x7fffffffffffffffULL;
}

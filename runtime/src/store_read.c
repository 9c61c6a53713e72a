/*
 * store_read.c — the store-neutral parts of the read operations of store.h
 * (the `durable` tool's): which store a name opens, a schema's descriptors
 * rebuilt from their stored rows, and the WHERE clause of a listing filter.
 *
 * A schema's rows come depth-first: a field, then (for a struct) its
 * members with parent = the field's idx, and so on.  They are rebuilt into
 * the durable_field arrays the generated code had, then checked with
 * durable__fields_valid — the check libdurable applies to a linked
 * function — before anything decodes with them.  Rows are untrusted: a
 * number out of range makes the role invalid, and a member whose parent
 * does not come before it is dropped (so no cycle can be built).
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

struct durable__view_alloc {
    struct durable__view_alloc *next;
    max_align_t data[];
};

int durable__store_open_read(durable__store **out, const char *where, char *name, size_t namelen, char *why,
                             size_t whylen)
{
    *out = NULL;
    why[0] = '\0';
    if (strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0)
        return durable__store_pg_open_read(out, where, name, namelen, why, whylen);
    snprintf(name, namelen, "%s", where);
    return durable__store_sqlite_open_read(out, where, why, whylen);
}

void *durable__schema_view_alloc(durable__schema_view *v, size_t n)
{
    struct durable__view_alloc *a = durable__calloc(1, sizeof *a + n);
    if (!a)
        return NULL;
    a->next = v->allocs;
    v->allocs = a;
    return a->data;
}

const char *durable__schema_view_strdup(durable__schema_view *v, const char *t)
{
    if (!t)
        t = "";
    size_t n = strlen(t);
    char *p = durable__schema_view_alloc(v, n + 1);
    if (p)
        memcpy(p, t, n + 1);
    return p;
}

void durable__schema_view_free(durable__schema_view *v)
{
    while (v->allocs) {
        struct durable__view_alloc *a = v->allocs;
        v->allocs = a->next;
        free(a);
    }
    memset(v, 0, sizeof *v);
}

const durable__await_view *durable__schema_view_await(const durable__schema_view *v, int id)
{
    for (uint32_t i = 0; i < v->nawaits; i++)
        if (v->awaits[i].id == id)
            return &v->awaits[i];
    return NULL;
}

/* Structs nested deeper than this are refused (C compilers allow far less
 * in practice; the limit keeps recursion on a hostile store bounded). */
#define MAX_NESTING 32
/* More descriptors than this in one role are refused as well. */
#define MAX_ROWS 4096

static uint32_t u32_or_bad(int64_t x, int *bad)
{
    if (x < 0 || x > (int64_t)UINT32_MAX) {
        *bad = 1;
        return 0;
    }
    return (uint32_t)x;
}

/* The array of rows whose parent is `parent`, recursively.  A row belongs
 * under a parent only if it comes after it (idx > parent), so the recursion
 * always moves forward and ends.  The scan per level is quadratic in the
 * rows, which number a few dozen.  NULL with *count > 0: no memory. */
static durable_field *build(durable__schema_view *v, const durable__field_row *rows, size_t n, int64_t parent,
                            uint32_t *count, int *bad, int depth, int *nomem)
{
    *count = 0;
    if (depth > MAX_NESTING) {
        *bad = 1;
        return NULL;
    }
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += rows[i].parent == parent && rows[i].idx > parent;
    if (k == 0)
        return NULL;
    durable_field *out = durable__schema_view_alloc(v, k * sizeof *out);
    if (!out) {
        *nomem = 1;
        return NULL;
    }
    *count = k;
    k = 0;
    for (size_t i = 0; i < n && !*nomem; i++) {
        const durable__field_row *r = &rows[i];
        if (r->parent != parent || r->idx <= parent)
            continue;
        durable_field *f = &out[k++];
        f->name = durable__schema_view_strdup(v, r->name);
        f->type = durable__schema_view_strdup(v, r->type);
        if (!f->name || !f->type)
            *nomem = 1;
        if (r->kind < INT32_MIN || r->kind > INT32_MAX)
            *bad = 1;
        f->kind = (int)r->kind;
        f->offset = u32_or_bad(r->offset, bad);
        f->size = u32_or_bad(r->size, bad);
        f->count = u32_or_bad(r->count, bad);
        f->line = u32_or_bad(r->line, bad);
        if (f->kind == DURABLE_KIND_STRUCT)
            f->members = build(v, rows, n, r->idx, &f->nmembers, bad, depth + 1, nomem);
    }
    return out;
}

int durable__schema_view_role(durable__schema_view *v, const char *role, const durable__field_row *rows, size_t n,
                              int sizes_bad)
{
    int param = strcmp(role, "param") == 0, result = strcmp(role, "result") == 0;
    durable_field **arr = param ? &v->params : result ? &v->result : &v->fields;
    uint32_t *count = param ? &v->nparams : result ? &v->nresult : &v->nfields;
    int *ok = param ? &v->params_ok : result ? &v->result_ok : &v->fields_ok;
    int bad = n > MAX_ROWS, nomem = 0;
    for (size_t i = 0; i < n && !bad; i++)
        bad = rows[i].idx < 0;
    *arr = bad ? NULL : build(v, rows, n, -1, count, &bad, 0, &nomem);
    if (nomem)
        return DURABLE_ENOMEM;
    if (bad)
        *count = 0;
    uint32_t total = param ? v->args_size : v->frame_size;
    if (result) /* no struct of its own: checked against its own size */
        total = *count == 1 ? (*arr)[0].size : 0;
    *ok = !bad && !(sizes_bad && !result) && !(result && *count > 1) &&
          durable__fields_valid(*arr, *count, total) == DURABLE_OK;
    return DURABLE_OK;
}

int durable__schema_view_add_await(durable__schema_view *v, const durable__await_view *a, const char *saves)
{
    if (v->nawaits % 16 == 0) { /* grown in blocks: the old block stays in allocs until freed */
        durable__await_view *grown = durable__schema_view_alloc(v, (v->nawaits + 16) * sizeof *grown);
        if (!grown)
            return DURABLE_ENOMEM;
        if (v->nawaits)
            memcpy(grown, v->awaits, v->nawaits * sizeof *grown);
        v->awaits = grown;
    }
    durable__await_view *w = &v->awaits[v->nawaits];
    *w = *a;
    w->callee = durable__schema_view_strdup(v, a->callee);
    w->value_type = durable__schema_view_strdup(v, a->value_type);
    w->place = a->place && a->text ? durable__schema_view_strdup(v, a->place) : NULL;
    w->text = a->place && a->text ? durable__schema_view_strdup(v, a->text) : NULL;
    if (!w->callee || !w->value_type || (a->place && a->text && (!w->place || !w->text)))
        return DURABLE_ENOMEM;
    /* "0,2,3"; nsaves -1 when malformed */
    size_t cap = 1;
    for (const char *c = saves ? saves : ""; *c; c++)
        cap += *c == ',';
    uint32_t *out = durable__schema_view_alloc(v, cap * sizeof *out);
    if (!out)
        return DURABLE_ENOMEM;
    w->saves = out;
    w->nsaves = 0;
    for (const char *c = saves ? saves : ""; *c;) {
        char *end;
        unsigned long long x = strtoull(c, &end, 10);
        if (end == c || *c == '-' || x > UINT32_MAX || (*end && *end != ',') || (size_t)w->nsaves == cap) {
            w->nsaves = -1;
            break;
        }
        out[w->nsaves++] = (uint32_t)x;
        c = *end ? end + 1 : end;
    }
    v->nawaits++;
    return DURABLE_OK;
}

/* Append text, or placeholder number n when text is NULL, to sql (bounded). */
static void add(char *sql, size_t cap, char style, const char *text, int n)
{
    size_t len = strlen(sql);
    if (len + 1 >= cap)
        return;
    if (text)
        snprintf(sql + len, cap - len, "%s", text);
    else
        snprintf(sql + len, cap - len, "%c%d", style, n);
}

void durable__filter_sql(const durable__filter *f, char style, int first, char *sql, size_t cap,
                         const char **params, int *nparams)
{
    int n = 0;
    sql[0] = '\0';
    if (f->statuses) {
        /* paused is a flag over the stored status, as in durable_status():
         * a paused workflow that has not finished matches only "paused" */
        int done = first + n;
        params[n++] = durable__status_text(DURABLE_DONE);
        add(sql, cap, style, " WHERE (", 0);
        int terms = 0;
        for (int st = DURABLE_READY; st <= DURABLE_PAUSED; st++) {
            if (!(f->statuses & (1u << st)))
                continue;
            if (terms++)
                add(sql, cap, style, " OR ", 0);
            if (st == DURABLE_PAUSED) {
                add(sql, cap, style, "(coalesce(f.paused, 0) <> 0 AND w.status <> ", 0);
                add(sql, cap, style, NULL, done);
                add(sql, cap, style, ")", 0);
                continue;
            }
            add(sql, cap, style, "(w.status = ", 0);
            add(sql, cap, style, NULL, first + n);
            params[n++] = durable__status_text(st);
            add(sql, cap, style, " AND (coalesce(f.paused, 0) = 0 OR w.status = ", 0);
            add(sql, cap, style, NULL, done);
            add(sql, cap, style, "))", 0);
        }
        add(sql, cap, style, terms ? ")" : "0 = 1)", 0);
    }
    if (f->function) {
        add(sql, cap, style, f->statuses ? " AND w.function = " : " WHERE w.function = ", 0);
        add(sql, cap, style, NULL, first + n);
        params[n++] = f->function;
    }
    *nparams = n;
}

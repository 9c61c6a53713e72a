/*
 * schema.c — a durable function's frame schema rebuilt from the file alone,
 * and value blobs decoded with it.
 *
 * durable_schema_fields stores each role's descriptors depth-first: a field,
 * then (for a struct) its members with `parent` = the field's idx, and so on.
 * We rebuild the durable_field arrays the generated code had, members linked
 * under their field, then check them with durable__fields_valid — the same
 * check libdurable applies to a linked function — before durable__decode ever
 * sees them.  Everything read from the file is untrusted: out-of-range
 * numbers make the schema invalid, a member whose parent does not come
 * before it is dropped (so no cycle can be built), and a blob that does not
 * decode is reported, never read past.
 */
#include "cli.h"

#include <string.h>

/* Every allocation of a schema, freed together. */
struct cli_alloc {
    struct cli_alloc *next;
    max_align_t data[];
};

/* n zeroed bytes that live as long as the schema (cli_schema_free). */
static void *schema_alloc(cli_schema *s, size_t n)
{
    struct cli_alloc *a = calloc(1, sizeof *a + n);
    if (!a)
        cli_oom();
    a->next = s->allocs;
    s->allocs = a;
    return a->data;
}

/* A copy of t ("" for NULL) owned by the schema. */
static char *schema_strdup(cli_schema *s, const char *t)
{
    if (!t)
        t = "";
    size_t n = strlen(t);
    char *p = schema_alloc(s, n + 1);
    memcpy(p, t, n + 1);
    return p;
}

/* Structs nested deeper than this are refused (C compilers allow far less
 * in practice; the limit keeps recursion on a hostile file bounded). */
#define MAX_NESTING 32
/* More descriptors than this in one role are refused as well. */
#define MAX_ROWS 4096

/* One row of durable_schema_fields. */
typedef struct field_row {
    int64_t idx, parent; /* parent -1: top level */
    durable_field f;
    int bad; /* a number out of range */
} field_row;

/* A uint32 column, or mark the row bad. */
static uint32_t col_u32(sqlite3_stmt *st, int i, int *bad)
{
    int64_t v = sqlite3_column_int64(st, i);
    if (v < 0 || v > (int64_t)UINT32_MAX) {
        *bad = 1;
        return 0;
    }
    return (uint32_t)v;
}

/* Build the array of rows whose parent is `parent`, recursively.  A row
 * belongs under a parent only if it comes after it (idx > parent), so the
 * recursion always moves forward and ends.  *bad is set when a descriptor
 * cannot be trusted (the caller then refuses to decode with it).  The
 * scan per level is quadratic in the rows, which number a few dozen. */
static durable_field *build(cli_schema *s, const field_row *rows, size_t n, int64_t parent, uint32_t *count,
                            int *bad, int depth)
{
    if (depth > MAX_NESTING) {
        *bad = 1;
        *count = 0;
        return NULL;
    }
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].parent == parent && rows[i].idx > parent)
            k++;
    *count = k;
    if (k == 0)
        return NULL;
    durable_field *out = schema_alloc(s, k * sizeof *out);
    k = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].parent != parent || rows[i].idx <= parent)
            continue;
        out[k] = rows[i].f;
        *bad |= rows[i].bad;
        if (out[k].kind == DURABLE_KIND_STRUCT)
            out[k].members = build(s, rows, n, rows[i].idx, &out[k].nmembers, bad, depth + 1);
        k++;
    }
    return out;
}

/* Load one role's descriptors; sets *ok when they pass validation against a
 * struct of `total` bytes (the result, which has no struct, against its own
 * size when `own_size`). */
static int load_role(cli_db *d, cli_schema *s, const char *role, uint32_t total, int own_size, durable_field **out,
                     uint32_t *n, int *ok)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db,
                                "SELECT idx, parent, name, type, kind, offset, size, count, line"
                                " FROM durable_schema_fields WHERE fingerprint = ?1 AND role = ?2 ORDER BY idx",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return DURABLE_EIO;
    sqlite3_bind_int64(st, 1, s->fingerprint);
    sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
    field_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (nrows == cap) {
            cap = cap ? cap * 2 : 16;
            field_row *r = realloc(rows, cap * sizeof *r);
            if (!r)
                cli_oom();
            rows = r;
        }
        field_row *r = &rows[nrows++];
        memset(r, 0, sizeof *r);
        r->idx = sqlite3_column_int64(st, 0);
        r->parent = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1);
        r->f.name = schema_strdup(s, cli_col_text(st, 2));
        r->f.type = schema_strdup(s, cli_col_text(st, 3));
        r->f.kind = (int)sqlite3_column_int64(st, 4);
        r->f.offset = col_u32(st, 5, &r->bad);
        r->f.size = col_u32(st, 6, &r->bad);
        r->f.count = col_u32(st, 7, &r->bad);
        r->f.line = col_u32(st, 8, &r->bad);
        if (r->idx < 0)
            r->bad = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(rows);
        return rc == SQLITE_NOMEM ? DURABLE_ENOMEM : rc == SQLITE_CORRUPT ? DURABLE_ECORRUPT : DURABLE_EIO;
    }
    int bad = nrows > MAX_ROWS;
    *out = bad ? NULL : build(s, rows, nrows, -1, n, &bad, 0);
    if (bad)
        *n = 0;
    free(rows);
    if (own_size && *n == 1)
        total = (*out)[0].size;
    *ok = !bad && durable__fields_valid(*out, *n, total) == DURABLE_OK;
    return DURABLE_OK;
}

int cli_schema_load(cli_db *d, int64_t fp, cli_schema *s)
{
    memset(s, 0, sizeof *s);
    s->fingerprint = fp;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT function, file, frame_size, args_size FROM durable_schemas WHERE fingerprint = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return DURABLE_EIO;
    sqlite3_bind_int64(st, 1, fp);
    int rc = sqlite3_step(st);
    int bad = 0;
    if (rc == SQLITE_ROW) {
        s->function = schema_strdup(s, cli_col_text(st, 0));
        s->file = schema_strdup(s, cli_col_text(st, 1));
        s->frame_size = col_u32(st, 2, &bad);
        s->args_size = col_u32(st, 3, &bad);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return DURABLE_ENOENT;
    if (rc != SQLITE_ROW)
        return rc == SQLITE_CORRUPT ? DURABLE_ECORRUPT : DURABLE_EIO;
    int r = load_role(d, s, "field", s->frame_size, 0, &s->fields, &s->nfields, &s->fields_ok);
    if (r == DURABLE_OK)
        r = load_role(d, s, "param", s->args_size, 0, &s->params, &s->nparams, &s->params_ok);
    if (r == DURABLE_OK)
        r = load_role(d, s, "result", 0, 1, &s->result, &s->nresult, &s->result_ok);
    if (bad)
        s->fields_ok = s->params_ok = 0;
    if (s->nresult > 1)
        s->result_ok = 0;
    return r;
}

void cli_schema_free(cli_schema *s)
{
    while (s->allocs) {
        struct cli_alloc *a = s->allocs;
        s->allocs = a->next;
        free(a);
    }
    memset(s, 0, sizeof *s);
}

/* "0,2,3" into a->saves; nsaves -1 when malformed. */
static void parse_saves(const char *t, cli_await *a)
{
    a->nsaves = 0;
    if (!t)
        return;
    while (*t) {
        char *end;
        unsigned long v = strtoul(t, &end, 10);
        if (end == t || v > UINT32_MAX || a->nsaves == (int)(sizeof a->saves / sizeof a->saves[0])) {
            a->nsaves = -1;
            return;
        }
        a->saves[a->nsaves++] = (uint32_t)v;
        t = end;
        if (*t == ',')
            t++;
        else if (*t) {
            a->nsaves = -1;
            return;
        }
    }
}

/* Bounded copy of a column's text ("" for NULL). */
static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

int cli_await_load(cli_db *d, int64_t fp, int id, cli_await *a)
{
    memset(a, 0, sizeof *a);
    a->id = id;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT kind, callee, line, value_type, value_kind, value_size, checks_error, saves"
                           " FROM durable_schema_awaits WHERE fingerprint = ?1 AND id = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return DURABLE_EIO;
    sqlite3_bind_int64(st, 1, fp);
    sqlite3_bind_int(st, 2, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        a->found = 1;
        a->kind = sqlite3_column_int(st, 0);
        copy_text(a->callee, sizeof a->callee, cli_col_text(st, 1));
        a->line = sqlite3_column_int64(st, 2);
        copy_text(a->value_type, sizeof a->value_type, cli_col_text(st, 3));
        a->value_kind = sqlite3_column_int(st, 4);
        a->value_size = sqlite3_column_int64(st, 5);
        a->checks_error = sqlite3_column_int(st, 6);
        parse_saves(cli_col_text(st, 7), a);
    }
    sqlite3_finalize(st);
    /* The identity marks, in files whose schema table has their columns. */
    if (rc == SQLITE_ROW && sqlite3_prepare_v2(d->db, "SELECT place, text FROM durable_schema_awaits"
                                                      " WHERE fingerprint = ?1 AND id = ?2",
                                               -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, fp);
        sqlite3_bind_int(st, 2, id);
        if (sqlite3_step(st) == SQLITE_ROW && cli_col_text(st, 0) && cli_col_text(st, 1)) {
            a->has_marks = 1;
            copy_text(a->place, sizeof a->place, cli_col_text(st, 0));
            copy_text(a->text, sizeof a->text, cli_col_text(st, 1));
        }
        sqlite3_finalize(st);
    }
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DURABLE_OK : DURABLE_EIO;
}

/* Frames bigger than this are refused rather than allocated: no schema
 * dcc writes comes near it, and a corrupt size must not exhaust memory. */
#define MAX_STRUCT (64u << 20)

/* A little-endian u32, as the blob header and string lengths are stored. */
static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Labels of the pointers of decoded values ("table+8", "buf[1]"): what a
 * saved pointer points to, by name, since the CLI has no objects of its own. */
static durable__arena labels;

/* After the whole blob was refused: decode it field by field, as far as it
 * goes, so a damaged blob still shows the values before the damage.  Each
 * field's bytes are found with the layout of docs/storage.md, then decoded
 * alone by durable__decode (as a one-field blob), which does all the
 * checking.  Needs an intact header: without one no byte can be attributed
 * to a field. */
static void decode_prefix(const durable_field *f, uint32_t n, const unsigned char *p, size_t len, cli_decoded *out)
{
    if (len < 8 || p[0] != 'D' || p[1] != 'F' || p[2] < 1 || p[2] > DURABLE__CODEC_VERSION || get_u32(p + 4) != n)
        return;
    size_t at = 8;
    uint32_t i;
    for (i = 0; i < n; i++) {
        size_t start = at;
        int whole = 1;
        if (f[i].kind == DURABLE_KIND_STRUCT && p[2] >= 2 && f[i].nmembers) {
            break; /* a struct's pointers follow its bytes: not split here */
        } else if (f[i].kind != DURABLE_KIND_STRING && f[i].kind != DURABLE_KIND_POINTER) {
            whole = len - at >= f[i].size;
            at += whole ? f[i].size : 0;
        } else if (p[2] >= 2) { /* a tag: 0 NULL, 1 offset, 2 name and offset, 3 content,
                                   4 module name, offset and content, 5 argument and offset */
            for (uint32_t k = 0; k < f[i].count && whole; k++) {
                whole = len - at >= 1;
                int tag = whole ? p[at++] : 0;
                if (!whole || tag == 0)
                    continue;
                whole = len - at >= 4 && tag <= 5;
                uint32_t x = whole ? get_u32(p + at) : 0;
                at += whole ? 4 : 0;
                size_t more = tag == 2 ? (size_t)x + 4 : tag == 3 ? x : tag == 4 ? (size_t)x + 8 : tag == 5 ? 4 : 0;
                whole = whole && len - at >= more;
                if (whole && tag == 4) {
                    more += get_u32(p + at + x + 4);
                    whole = len - at >= more;
                }
                at += whole ? more : 0;
            }
        } else {
            for (uint32_t k = 0; k < f[i].count && whole; k++) {
                whole = len - at >= 4;
                if (!whole)
                    break;
                uint32_t sl = get_u32(p + at);
                at += 4;
                if (sl != 0xFFFFFFFFu) {
                    whole = len - at >= sl;
                    at += whole ? sl : 0;
                }
            }
        }
        if (!whole)
            break;
        size_t size = 8 + (at - start);
        unsigned char *one = malloc(size);
        if (!one)
            cli_oom();
        memcpy(one, p, 4);
        one[4] = 1, one[5] = one[6] = one[7] = 0;
        memcpy(one + 8, p + start, at - start);
        durable__ptrs px = {NULL, 0, 0, 1, {0}, "", {0}, NULL};
        int rc = durable__decode_in(&f[i], 1, one, size, out->base, &out->strings, &px);
        durable__arena_merge(&labels, &px.labels);
        free(one);
        if (rc == DURABLE_ENOMEM)
            cli_oom();
        if (rc != DURABLE_OK)
            break;
    }
    out->nvalid = i;
    out->trailing = i == n ? len - at : 0;
}


int cli_is_label(const void *p)
{
    return p && durable__arena_has(&labels, p);
}

static void put_label(unsigned char *slot, const char *text)
{
    char *l = durable__arena_strndup(&labels, text, strlen(text));
    if (!l)
        cli_oom();
    memcpy(slot, &l, sizeof l);
}

/* Replace each pointer into the frame block [frame, frame + total] by a label
 * naming the field it points into (fields of one level: top level). */
static void label_frame_pointers(const durable_field *f, uint32_t n, uint32_t total, unsigned char *b,
                                 int depth, unsigned char *frame)
{
    for (uint32_t i = 0; i < n && depth < 8; i++) {
        uint32_t elem = f[i].size / f[i].count;
        for (uint32_t k = 0; k < f[i].count; k++) {
            unsigned char *slot = b + f[i].offset + (size_t)k * elem;
            if (f[i].kind == DURABLE_KIND_STRUCT && f[i].nmembers)
                label_frame_pointers(f[i].members, f[i].nmembers, total, slot, depth + 1, frame);
            if (f[i].kind != DURABLE_KIND_STRING && f[i].kind != DURABLE_KIND_POINTER)
                continue;
            unsigned char *v;
            memcpy(&v, slot, sizeof v);
            if (!v || v < frame || v > frame + total)
                continue;
            uint32_t off = (uint32_t)(v - frame);
            char text[200] = "";
            for (uint32_t j = 0; j < n && depth == 0; j++) { /* the top-level field holding it */
                const durable_field *g = &f[j];
                uint32_t ge = g->size / g->count, in = off - g->offset;
                if (off < g->offset || off > g->offset + g->size)
                    continue;
                if (g->count > 1 && in % ge == 0)
                    snprintf(text, sizeof text, "%s[%u]", g->name, in / ge);
                else if (in)
                    snprintf(text, sizeof text, "%s+%u", g->name, in);
                else
                    snprintf(text, sizeof text, "%s", g->name);
                break;
            }
            if (!text[0])
                snprintf(text, sizeof text, "frame+%u", off);
            put_label(slot, text);
        }
    }
}

void cli_decode(const durable_field *f, uint32_t n, int valid, uint32_t total, const void *blob, size_t len,
                cli_decoded *out)
{
    memset(out, 0, sizeof *out);
    if (!valid || total > MAX_STRUCT) {
        out->rc = DURABLE_EINVAL;
        return;
    }
    if (!blob) {
        out->rc = DURABLE_ECORRUPT;
        return;
    }
    out->base = calloc(1, total ? total : 1);
    if (!out->base)
        cli_oom();
    durable__ptrs px = {NULL, 0, 0, 1, {0}, "", {0}, NULL}; /* lax: symbols by name, as labels */
    out->rc = durable__decode_in(f, n, blob, len, out->base, &out->strings, &px);
    durable__arena_merge(&labels, &px.labels);
    if (out->rc == DURABLE_ENOMEM)
        cli_oom();
    if (out->rc == DURABLE_OK) {
        label_frame_pointers(f, n, total, out->base, 0, out->base);
        out->nvalid = n;
    } else if (out->rc == DURABLE_ECORRUPT) {
        /* start again from zeroes: the failed decode may have left half a field */
        memset(out->base, 0, total ? total : 1);
        durable__arena_free(&out->strings);
        decode_prefix(f, n, blob, len, out);
    }
}

void cli_decoded_free(cli_decoded *d)
{
    free(d->base);
    durable__arena_free(&d->strings);
    memset(d, 0, sizeof *d);
}

const char *cli_decode_why(int rc)
{
    switch (rc) {
    case DURABLE_EINVAL: return "its schema's descriptors are malformed";
    case DURABLE_ENEWER: return "written by a newer codec version";
    case DURABLE_ECORRUPT: return "the stored blob is corrupt";
    default: return durable_strerror(rc);
    }
}

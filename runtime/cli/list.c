/*
 * list.c — `durable list`: one line per workflow, newest last.
 *
 * Rows come in creation order from the store's listing (read ops of
 * store.h): on SQLite a --status filter is answered by the status index,
 * whose entries are already in rowid order, so the limit stops the scan
 * after N rows: listing 20 of 100,000 workflows reads a few pages.  The
 * total is counted only when the page is full (or for --json).
 */
#include "cli.h"

#include <limits.h>
#include <string.h>

/* One listed row, kept until the column widths are known. */
typedef struct list_row {
    char *id, *function, *parent, *status, *at;
    int paused;
    int state; /* -1: no frame */
    char callee[128];
    long long line, created, updated;
} list_row;

/* strdup that keeps NULL and exits on no memory. */
static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *p = strdup(s);
    if (!p)
        cli_oom();
    return p;
}

/* --status and --function as a filter; 0, or -1 after reporting a bad
 * status name.  Paused is a flag over the stored status, as in
 * durable_status(): the store matches a paused workflow that has not
 * finished as "paused" only. */
static int make_filter(const cli_args *a, durable__filter *f)
{
    memset(f, 0, sizeof *f);
    f->function = a->function;
    for (const char *s = a->status; s && *s;) {
        size_t len = strcspn(s, ",");
        int known = 0;
        for (int st = DURABLE_READY; st <= DURABLE_PAUSED; st++)
            if (strlen(durable_status_name(st)) == len && strncmp(durable_status_name(st), s, len) == 0)
                known = st;
        if (!known) {
            cli_error("list: unknown status '%.*s' (ready, waiting, done, failed, cancelled, held, paused)", (int)len,
                      s);
            return -1;
        }
        f->statuses |= 1u << known;
        s += len;
        if (*s == ',')
            s++;
    }
    return 0;
}

/* "await 3 durable_sleep line 43", "start", or "-" when finished. */
static void describe_at(const list_row *r, strbuf *b)
{
    if (r->state < 0)
        sb_puts(b, "-");
    else if (r->state == 0)
        sb_puts(b, "start");
    else if (r->callee[0])
        sb_printf(b, "await %d %s line %lld", r->state, r->callee, r->line);
    else
        sb_printf(b, "await %d", r->state);
}

/* The page as one JSON object (docs/cli.md, "list"). */
static void print_json(cli_db *d, const cli_args *a, list_row *rows, size_t n, long long limit, long long total,
                       int more)
{
    jw w;
    jw_init(&w, stdout);
    jw_object(&w);
    jw_kstr(&w, "file", d->path);
    jw_ktime(&w, "now", d->now_ms);
    jw_kint(&w, "offset", a->offset);
    jw_kint(&w, "limit", limit);
    jw_kint(&w, "total", total);
    jw_kbool(&w, "more", more);
    jw_key(&w, "workflows");
    jw_array(&w);
    for (size_t i = 0; i < n; i++) {
        list_row *r = &rows[i];
        jw_object(&w);
        jw_kstr(&w, "id", r->id);
        jw_kstr(&w, "function", r->function);
        jw_kstr(&w, "status", r->status);
        jw_kbool(&w, "paused", r->paused);
        jw_kstr(&w, "parent", r->parent);
        jw_key(&w, "await");
        if (r->state < 0) {
            jw_null(&w);
        } else {
            jw_object(&w);
            jw_kint(&w, "id", r->state);
            jw_kstr(&w, "callee", r->state > 0 && r->callee[0] ? r->callee : NULL);
            jw_key(&w, "line");
            if (r->state > 0 && r->callee[0])
                jw_int(&w, r->line);
            else
                jw_null(&w);
            jw_end(&w);
        }
        jw_ktime(&w, "created", r->created);
        jw_ktime(&w, "updated", r->updated);
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    jw_finish(&w);
}

/* The page as a table whose columns fit their widest cell. */
static void print_text(cli_db *d, list_row *rows, size_t n)
{
    static const char *const head[] = {"ID", "FUNCTION", "STATUS", "AT", "CREATED", "UPDATED"};
    size_t width[6];
    for (int c = 0; c < 6; c++)
        width[c] = strlen(head[c]);
    char (*ages)[2][40] = calloc(n ? n : 1, sizeof *ages);
    if (!ages)
        cli_oom();
    for (size_t i = 0; i < n; i++) {
        cli_relative(ages[i][0], rows[i].created, d->now_ms);
        cli_relative(ages[i][1], rows[i].updated, d->now_ms);
        const char *cells[6] = {rows[i].id, rows[i].function, rows[i].status, rows[i].at, ages[i][0], ages[i][1]};
        for (int c = 0; c < 6; c++)
            if (strlen(cells[c]) > width[c])
                width[c] = strlen(cells[c]);
    }
    printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)width[0], head[0], (int)width[1], head[1], (int)width[2],
           head[2], (int)width[3], head[3], (int)width[4], head[4], head[5]);
    for (size_t i = 0; i < n; i++)
        printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)width[0], rows[i].id, (int)width[1], rows[i].function,
               (int)width[2], rows[i].status, (int)width[3], rows[i].at, (int)width[4], ages[i][0], ages[i][1]);
    free(ages);
}

/* The rows collected from the listing, one more than the page holds
 * telling whether more exist. */
typedef struct page {
    list_row *rows;
    size_t n, cap;
} page;

static void add_row(void *ctx, const durable__listed *w)
{
    page *p = ctx;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        list_row *g = realloc(p->rows, p->cap * sizeof *g);
        if (!g)
            cli_oom();
        p->rows = g;
    }
    list_row *r = &p->rows[p->n++];
    memset(r, 0, sizeof *r);
    r->id = dup_or_null(w->id);
    r->function = dup_or_null(w->function);
    r->parent = dup_or_null(w->parent);
    r->paused = w->paused;
    r->state = w->state;
    snprintf(r->callee, sizeof r->callee, "%s", w->callee ? w->callee : "");
    r->line = w->line;
    r->created = w->created_ms;
    r->updated = w->updated_ms;
    int status = w->paused && w->status != DURABLE_DONE ? DURABLE_PAUSED : w->status;
    r->status = dup_or_null(status ? durable_status_name(status) : "?");
    strbuf at = {0};
    describe_at(r, &at);
    r->at = dup_or_null(sb_str(&at));
    sb_free(&at);
}

int cli_list(const cli_args *a)
{
    durable__filter f;
    if (make_filter(a, &f) != 0)
        return CLI_EUSER;
    cli_db d;
    int rc = cli_db_open(&d, a->pos[0]);
    if (rc != CLI_OK)
        return rc;
    long long limit = a->limit < 0 ? 100 : a->limit;
    page p = {0};
    int drc = d.rd->list(d.s, &f, a->offset, limit == 0 || limit == LLONG_MAX ? -1 : limit + 1, add_row, &p);
    int more = limit && (long long)p.n > limit;
    size_t n = more ? (size_t)limit : p.n;
    int64_t total = a->offset + (int64_t)n;
    if (drc == DURABLE_OK && (more || a->json))
        drc = d.rd->count(d.s, &f, &total);
    if (drc != DURABLE_OK) {
        rc = cli_db_fail(&d, drc);
    } else if (a->json) {
        print_json(&d, a, p.rows, n, limit, total, more);
    } else {
        print_text(&d, p.rows, n);
        if (more)
            fprintf(stderr, "durable: showing %lld-%lld of %lld workflows; use --limit and --offset for more\n",
                    a->offset + 1, a->offset + (long long)n, (long long)total);
    }
    for (size_t i = 0; i < p.n; i++) {
        free(p.rows[i].id);
        free(p.rows[i].function);
        free(p.rows[i].parent);
        free(p.rows[i].status);
        free(p.rows[i].at);
    }
    free(p.rows);
    cli_db_close(&d);
    return rc;
}

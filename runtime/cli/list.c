/*
 * list.c — `durable list`: one line per workflow, newest last.
 *
 * Rows come in creation order (durable_workflows' rowid).  A --status filter
 * is answered by the status index, whose entries are already in rowid order,
 * so LIMIT stops the scan after N rows: listing 20 of 100,000 workflows
 * reads a few pages.  The total is counted only when the page is full.
 */
#include "cli.h"

#include <limits.h>
#include <string.h>

static const char *const statuses[] = {"ready", "waiting", "done", "failed", "cancelled", "held", "paused"};

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

/* The WHERE clause for --status and --function; sets *error on a bad
 * status name.  Paused is a flag over the stored status, as in
 * durable_status(): a paused workflow that has not finished is "paused"
 * and matches no other status. */
static void where_clause(strbuf *w, const cli_args *a, int *error)
{
    const char *notpaused = "(f.paused IS NULL OR f.paused = 0 OR w.status = 'done')";
    if (a->status) {
        sb_puts(w, " WHERE (");
        const char *s = a->status;
        int n = 0;
        while (*s) {
            size_t len = strcspn(s, ",");
            int known = 0;
            for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
                if (strlen(statuses[i]) == len && strncmp(statuses[i], s, len) == 0)
                    known = (int)i + 1;
            if (!known) {
                cli_error("list: unknown status '%.*s' (ready, waiting, done, failed, cancelled, held, paused)", (int)len,
                          s);
                *error = 1;
                return;
            }
            if (n++)
                sb_puts(w, " OR ");
            if (strcmp(statuses[known - 1], "paused") == 0)
                sb_puts(w, "(f.paused = 1 AND w.status <> 'done')");
            else
                sb_printf(w, "(w.status = '%s' AND %s)", statuses[known - 1], notpaused);
            s += len;
            if (*s == ',')
                s++;
        }
        sb_puts(w, ")");
    }
    if (a->function)
        sb_printf(w, "%s w.function = ?1", a->status ? " AND" : " WHERE");
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

/* How many rows match.  Without --status the frames need not be joined, and
 * SQLite counts 100,000 rows in a few milliseconds. */
static long long count_rows(cli_db *d, const char *where, const cli_args *a)
{
    strbuf sql = {0};
    sb_printf(&sql, "SELECT count(*) FROM durable_workflows w%s%s",
              a->status ? " LEFT JOIN durable_frames f ON f.workflow = w.id" : "", where);
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_prepare_v2(d->db, sb_str(&sql), -1, &st, NULL) == SQLITE_OK) {
        if (a->function)
            sqlite3_bind_text(st, 1, a->function, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sb_free(&sql);
    return n;
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

int cli_list(const cli_args *a)
{
    cli_db d;
    int rc = cli_db_open(&d, a->pos[0]);
    if (rc != CLI_OK)
        return rc;
    long long limit = a->limit < 0 ? 100 : a->limit;
    strbuf where = {0}, sql = {0};
    int error = 0;
    where_clause(&where, a, &error);
    if (error) {
        sb_free(&where);
        cli_db_close(&d);
        return CLI_EUSER;
    }
    /* One row more than asked tells whether more exist. */
    sb_printf(&sql,
              "SELECT w.id, w.function, w.status, w.parent, f.paused, f.state, a.callee, a.line,"
              " w.created_ms, w.updated_ms"
              " FROM durable_workflows w LEFT JOIN durable_frames f ON f.workflow = w.id"
              " LEFT JOIN durable_schema_awaits a ON a.fingerprint = f.fingerprint AND a.id = f.state"
              "%s ORDER BY w.rowid LIMIT ?2 OFFSET ?3",
              sb_str(&where));
    sqlite3_stmt *st;
    rc = cli_db_prepare(&d, sb_str(&sql), &st);
    sb_free(&sql);
    if (rc != CLI_OK) {
        sb_free(&where);
        cli_db_close(&d);
        return rc;
    }
    if (a->function)
        sqlite3_bind_text(st, 1, a->function, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit == 0 || limit == LLONG_MAX ? -1 : limit + 1);
    sqlite3_bind_int64(st, 3, a->offset);

    list_row *rows = NULL;
    size_t n = 0, cap = 0;
    int more = 0, src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        if (limit && (long long)n == limit) {
            more = 1;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            list_row *p = realloc(rows, cap * sizeof *p);
            if (!p)
                cli_oom();
            rows = p;
        }
        list_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->id = dup_or_null(cli_col_text(st, 0));
        r->function = dup_or_null(cli_col_text(st, 1));
        r->parent = dup_or_null(cli_col_text(st, 3));
        r->paused = sqlite3_column_int(st, 4) == 1;
        r->state = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 5);
        snprintf(r->callee, sizeof r->callee, "%s", cli_col_text(st, 6) ? cli_col_text(st, 6) : "");
        r->line = sqlite3_column_int64(st, 7);
        r->created = sqlite3_column_int64(st, 8);
        r->updated = sqlite3_column_int64(st, 9);
        const char *status = cli_col_text(st, 2);
        if (r->paused && (!status || strcmp(status, "done") != 0))
            status = "paused";
        r->status = dup_or_null(status ? status : "?");
        if (!r->id)
            r->id = dup_or_null("?");
        if (!r->function)
            r->function = dup_or_null("?");
        strbuf at = {0};
        describe_at(r, &at);
        r->at = dup_or_null(sb_str(&at));
        sb_free(&at);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        rc = cli_db_fail(&d, src);
    } else {
        long long total = more || a->json ? count_rows(&d, sb_str(&where), a) : a->offset + (long long)n;
        if (a->json) {
            print_json(&d, a, rows, n, limit, total, more);
        } else {
            print_text(&d, rows, n);
            if (more)
                fprintf(stderr, "durable: showing %lld-%lld of %lld workflows; use --limit and --offset for more\n",
                        a->offset + 1, a->offset + (long long)n, total);
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(rows[i].id);
        free(rows[i].function);
        free(rows[i].parent);
        free(rows[i].status);
        free(rows[i].at);
    }
    free(rows);
    sb_free(&where);
    cli_db_close(&d);
    return rc;
}

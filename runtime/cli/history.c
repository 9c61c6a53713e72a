/*
 * history.c — `durable history`: a workflow's checkpoints over time, from the
 * append-only history (the store's read ops), oldest first.
 *
 * Each row is labelled with the build that wrote it: the schema fingerprint
 * its workflow's frame had then (none in rows of a file from before that
 * column).  Its await's callee and source line come from that schema, else
 * from the schema of the workflow's current frame; a row of a finished
 * workflow (no frame) without a label is looked up in any schema of the
 * same function that has that await id; when none has, the await is shown
 * by number only.
 */
#include "cli.h"

#include <string.h>

/* A history error code: DURABLE_E* codes by name, a step's own codes (from
 * durable_fail) as numbers. */
static void error_text(char out[48], int code)
{
    if (code == 0)
        out[0] = '\0';
    else if (code < 0 && strcmp(durable_errname(code), "UNKNOWN") != 0)
        snprintf(out, 48, "%s", durable_errname(code));
    else
        snprintf(out, 48, "%d", code);
}

/* What the rows of one history are printed with. */
typedef struct hist {
    const cli_args *a;
    cli_db *d;
    int has_fp;       /* the workflow has a frame: its fingerprint */
    uint64_t fp;
    const char *function; /* of the workflow, "" when its row is gone */
    uint64_t *fallback;   /* the schemas of its function, for rows of neither */
    size_t nfallback;
    jw j;
    int n;
} hist;

static void print_event(void *ctx, const durable__history_row *h)
{
    hist *p = ctx;
    const cli_args *a = p->a;
    char build[20] = "-"; /* the schema fingerprint, as `durable show` prints it */
    if (h->has_fingerprint)
        snprintf(build, sizeof build, "%016llx", (unsigned long long)h->fingerprint);
    const char *callee = NULL;
    long long line = 0;
    int known = 0;
    if (h->await_id > 0) {
        if (h->has_fingerprint)
            known = cli_await_of(p->d, h->fingerprint, h->await_id, &callee, &line);
        else if (p->has_fp)
            known = cli_await_of(p->d, p->fp, h->await_id, &callee, &line);
        for (size_t i = 0; !known && i < p->nfallback; i++)
            known = cli_await_of(p->d, p->fallback[i], h->await_id, &callee, &line);
    }
    char iso[40], err[48];
    cli_iso_time(iso, h->at_ms);
    error_text(err, h->error_code);
    if (a->json) {
        jw *j = &p->j;
        jw_object(j);
        jw_kint(j, "checkpoint", h->checkpoint);
        jw_kstr(j, "build", build[0] != '-' ? build : NULL);
        jw_key(j, "await");
        if (h->await_id > 0) {
            jw_object(j);
            jw_kint(j, "id", h->await_id);
            jw_kstr(j, "callee", known ? callee : NULL);
            jw_key(j, "line");
            if (known)
                jw_int(j, line);
            else
                jw_null(j);
            jw_end(j);
        } else {
            jw_null(j);
        }
        jw_kstr(j, "event", h->event);
        jw_kint(j, "attempt", h->attempt);
        jw_key(j, "error");
        if (h->error_code) {
            jw_object(j);
            jw_kint(j, "code", h->error_code);
            jw_kstr(j, "name", h->error_code < 0 ? durable_errname(h->error_code) : NULL);
            jw_end(j);
        } else {
            jw_null(j);
        }
        jw_kstr(j, "detail", h->detail);
        jw_ktime(j, "at", h->at_ms);
        jw_end(j);
    } else {
        if (p->n == 0)
            printf("%-10s  %-24s  %-16s  %-11s  %-32s  %-7s  %-10s  %s\n", "CHECKPOINT", "TIME", "BUILD", "EVENT",
                   "AWAIT", "ATTEMPT", "ERROR", "DETAIL");
        char where[192];
        if (h->await_id <= 0)
            snprintf(where, sizeof where, "-");
        else if (known)
            snprintf(where, sizeof where, "%d %.120s line %lld", h->await_id, callee, line);
        else
            snprintf(where, sizeof where, "%d", h->await_id);
        strbuf line_text = {0};
        sb_printf(&line_text, "%-10lld  %-24s  %-16s  %-11s  %-32s  %-7d  %-10s  ", (long long)h->checkpoint, iso,
                  build, h->event ? h->event : "?", where, h->attempt, err);
        if (h->detail)
            sb_quote(&line_text, h->detail, strlen(h->detail), 0);
        while (line_text.n && line_text.p[line_text.n - 1] == ' ')
            line_text.p[--line_text.n] = '\0';
        puts(sb_str(&line_text));
        sb_free(&line_text);
    }
    p->n++;
}

static void count_event(void *ctx, const durable__history_row *h)
{
    (void)h;
    ++*(int *)ctx;
}

int cli_history(const cli_args *a)
{
    cli_db d;
    int rc = cli_db_open(&d, a->pos[0]);
    if (rc != CLI_OK)
        return rc;
    const char *id = a->pos[1];
    hist p;
    memset(&p, 0, sizeof p);
    p.a = a;
    p.d = &d;
    p.function = "";
    durable__detail det;
    int drc = d.rd->workflow(d.s, id, &det);
    int exists = drc == DURABLE_OK;
    char *function = NULL;
    if (exists) {
        p.has_fp = det.has_frame;
        p.fp = det.row.fingerprint;
        function = det.row.function, det.row.function = NULL;
        p.function = function;
        durable__row_clear(&det.row);
        drc = DURABLE_OK;
    } else if (drc == DURABLE_ENOENT) { /* a purged or unknown workflow: its history may outlive it */
        int some = 0;
        drc = d.rd->history(d.s, id, 0, 1, count_event, &some);
        if (drc == DURABLE_OK && !some) {
            cli_error("%s: no workflow '%s'", d.path, id);
            cli_db_close(&d);
            return CLI_EUSER;
        }
    } else if (drc == DURABLE_ECORRUPT) { /* a row that does not decode: its history still does */
        drc = DURABLE_OK;
    }
    if (drc == DURABLE_OK && p.function[0])
        drc = d.rd->fingerprints(d.s, p.function, &p.fallback, &p.nfallback);
    if (drc != DURABLE_OK) {
        free(function);
        rc = cli_db_fail(&d, drc);
        cli_db_close(&d);
        return rc;
    }
    if (a->json) {
        jw_init(&p.j, stdout);
        jw_object(&p.j);
        jw_kstr(&p.j, "file", d.path);
        jw_ktime(&p.j, "now", d.now_ms);
        jw_kstr(&p.j, "id", id);
        jw_kstr(&p.j, "function", exists ? p.function : NULL);
        jw_key(&p.j, "history");
        jw_array(&p.j);
    }
    drc = d.rd->history(d.s, id, a->offset, a->limit > 0 ? a->limit : -1, print_event, &p);
    if (drc != DURABLE_OK) {
        rc = cli_db_fail(&d, drc);
    } else if (a->json) {
        jw_end(&p.j);
        jw_end(&p.j);
        jw_finish(&p.j);
    }
    free(function);
    free(p.fallback);
    cli_db_close(&d);
    return rc;
}

/*
 * show.c — `durable show`: everything the file knows about one workflow.
 *
 * The workflow's row, frame and timer are read in one query; the frame is
 * decoded with the schema whose fingerprint wrote it, and only the fields the
 * await saves (its live locals) are shown — the others hold stale values from
 * earlier awaits.  A finished workflow has no frame row, so no fingerprint:
 * its arguments and result are decoded with the first schema of its function
 * that decodes them, and the output says the schema was inferred.
 *
 * A value that does not decode (corrupt blob, malformed schema) is reported
 * in place, and the rest is still shown.
 */
#include "cli.h"

#include <string.h>

/* A blob column, copied. */
typedef struct blob {
    unsigned char *p;
    size_t n;
    int present;
} blob;

/* The workflow as stored: durable_workflows joined with frame and timer. */
typedef struct wf {
    char *id, *function, *parent, *status, *owner, *error;
    int error_code, spawn_idx, collected;
    int64_t created, updated;
    blob args, result;
    int has_frame;
    int64_t fingerprint;
    int state, ready, await_error, attempt, wait_kind, cancel, paused;
    int64_t seq, await_seq;
    char *waiting_on, *policy;
    blob frame, value, payload;
    int has_timer;
    int64_t due;
} wf;

/* Everything show prints, gathered once for both renderings. */
typedef struct view {
    cli_db *d;
    wf w;
    cli_schema schema;
    int schema_found, schema_inferred;
    cli_await aw;
    cli_decoded args, frame, result, value;
    durable_field value_field;
    int spawned_total, spawned_open;
    char *child_status; /* of the child waited on */
} view;

static const char *const wait_kinds[] = {"none", "timer", "retry", "child", "signal", "all", "any"};
static const char *const await_kinds[] = {"?", "step", "child", "runtime"};

/* Column i's text, malloc'd, or NULL. */
static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *t = cli_col_text(st, i);
    if (!t)
        return NULL;
    char *p = strdup(t);
    if (!p)
        cli_oom();
    return p;
}

/* Column i's bytes, copied (present = 0 for NULL). */
static void col_blob(sqlite3_stmt *st, int i, blob *b)
{
    b->present = sqlite3_column_type(st, i) != SQLITE_NULL;
    const void *p = sqlite3_column_blob(st, i);
    b->n = (size_t)sqlite3_column_bytes(st, i);
    b->p = malloc(b->n ? b->n : 1);
    if (!b->p)
        cli_oom();
    if (b->n)
        memcpy(b->p, p, b->n);
}

/* Free what load_workflow copied. */
static void wf_free(wf *w)
{
    free(w->id), free(w->function), free(w->parent), free(w->status), free(w->owner), free(w->error);
    free(w->waiting_on), free(w->policy);
    free(w->args.p), free(w->result.p), free(w->frame.p), free(w->value.p), free(w->payload.p);
}

/* Read workflow id.  CLI_OK, or an exit status after reporting. */
static int load_workflow(cli_db *d, const char *id, wf *w)
{
    memset(w, 0, sizeof *w);
    sqlite3_stmt *st;
    int rc = cli_db_prepare(d,
                            "SELECT w.id, w.function, w.parent, w.spawn_idx, w.collected, w.status, w.owner,"
                            " w.error_code, w.error, w.args, w.result, w.created_ms, w.updated_ms,"
                            " f.workflow, f.fingerprint, f.state, f.ready, f.await_error, f.attempt, f.seq,"
                            " f.await_seq, f.wait_kind, f.waiting_on, f.cancel, f.paused, f.policy, f.frame,"
                            " f.value, f.payload, t.due_ms"
                            " FROM durable_workflows w LEFT JOIN durable_frames f ON f.workflow = w.id"
                            " LEFT JOIN durable_timers t ON t.workflow = w.id WHERE w.id = ?1",
                            &st);
    if (rc != CLI_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        w->id = col_dup(st, 0);
        w->function = col_dup(st, 1);
        w->parent = col_dup(st, 2);
        w->spawn_idx = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
        w->collected = sqlite3_column_int(st, 4);
        w->status = col_dup(st, 5);
        w->owner = col_dup(st, 6);
        w->error_code = sqlite3_column_int(st, 7);
        w->error = col_dup(st, 8);
        col_blob(st, 9, &w->args);
        col_blob(st, 10, &w->result);
        w->created = sqlite3_column_int64(st, 11);
        w->updated = sqlite3_column_int64(st, 12);
        w->has_frame = sqlite3_column_type(st, 13) != SQLITE_NULL;
        w->fingerprint = sqlite3_column_int64(st, 14);
        w->state = sqlite3_column_int(st, 15);
        w->ready = sqlite3_column_int(st, 16);
        w->await_error = sqlite3_column_int(st, 17);
        w->attempt = sqlite3_column_int(st, 18);
        w->seq = sqlite3_column_int64(st, 19);
        w->await_seq = sqlite3_column_int64(st, 20);
        w->wait_kind = sqlite3_column_int(st, 21);
        w->waiting_on = col_dup(st, 22);
        w->cancel = sqlite3_column_int(st, 23);
        w->paused = sqlite3_column_int(st, 24);
        w->policy = col_dup(st, 25);
        col_blob(st, 26, &w->frame);
        col_blob(st, 27, &w->value);
        col_blob(st, 28, &w->payload);
        w->has_timer = sqlite3_column_type(st, 29) != SQLITE_NULL;
        w->due = sqlite3_column_int64(st, 29);
        if (!w->id || !w->function || !w->status) {
            sqlite3_finalize(st);
            cli_error("%s: workflow '%s' has a malformed row", d->path, id);
            return CLI_EUSER;
        }
    }
    sqlite3_finalize(st);
    if (src == SQLITE_DONE) {
        cli_error("%s: no workflow '%s'", d->path, id);
        return CLI_EUSER;
    }
    return src == SQLITE_ROW ? CLI_OK : cli_db_fail(d, src);
}

/* The status as durable_status() names it: paused over the stored one. */
static const char *shown_status(const wf *w)
{
    return w->paused && strcmp(w->status, "done") != 0 ? "paused" : w->status;
}

/* A finished workflow has no frame to name its schema: take the first
 * schema of its function that decodes its arguments (and result). */
static void infer_schema(view *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->d->db, "SELECT fingerprint FROM durable_schemas WHERE function = ?1 ORDER BY fingerprint",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, v->w.function, -1, SQLITE_STATIC);
    int64_t first = 0;
    int have_first = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t fp = sqlite3_column_int64(st, 0);
        cli_schema s;
        if (cli_schema_load(v->d, fp, &s) != DURABLE_OK) {
            cli_schema_free(&s);
            continue;
        }
        cli_decoded a, r;
        cli_decode(s.params, s.nparams, s.params_ok, s.args_size, v->w.args.p, v->w.args.n, &a);
        int ok = a.rc == DURABLE_OK;
        cli_decoded_free(&a);
        if (ok && v->w.result.present) {
            cli_decode(s.result, s.nresult, s.result_ok, s.nresult ? s.result[0].size : 0, v->w.result.p,
                       v->w.result.n, &r);
            ok = r.rc == DURABLE_OK;
            cli_decoded_free(&r);
        }
        if (!have_first) {
            first = fp;
            have_first = 1;
        }
        cli_schema_free(&s);
        if (ok) {
            first = fp;
            break;
        }
    }
    sqlite3_finalize(st);
    if (have_first && cli_schema_load(v->d, first, &v->schema) == DURABLE_OK) {
        v->schema_found = 1;
        v->schema_inferred = 1;
    } else {
        cli_schema_free(&v->schema);
    }
}

/* Spawned-children counts, and the status of the child waited on. */
static void load_children_summary(view *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->d->db,
                           "SELECT count(*), coalesce(sum(status NOT IN ('done', 'failed', 'cancelled')), 0)"
                           " FROM durable_workflows WHERE parent = ?1 AND spawn_idx IS NOT NULL",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, v->w.id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            v->spawned_total = sqlite3_column_int(st, 0);
            v->spawned_open = sqlite3_column_int(st, 1);
        }
        sqlite3_finalize(st);
    }
    if (v->w.wait_kind == 3 && v->w.waiting_on &&
        sqlite3_prepare_v2(v->d->db, "SELECT status FROM durable_workflows WHERE id = ?1", -1, &st, NULL) ==
            SQLITE_OK) {
        sqlite3_bind_text(st, 1, v->w.waiting_on, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v->child_status = col_dup(st, 0);
        sqlite3_finalize(st);
    }
}

/* Gather and decode everything.  CLI_OK or an exit status. */
static int build_view(view *v, cli_db *d, const char *id)
{
    memset(v, 0, sizeof *v);
    v->d = d;
    int rc = load_workflow(d, id, &v->w);
    if (rc != CLI_OK)
        return rc;
    wf *w = &v->w;
    if (w->has_frame) {
        int r = cli_schema_load(d, w->fingerprint, &v->schema);
        v->schema_found = r == DURABLE_OK;
        if (r != DURABLE_OK)
            cli_schema_free(&v->schema);
    } else {
        infer_schema(v);
    }
    cli_schema *s = &v->schema;
    if (v->schema_found) {
        cli_decode(s->params, s->nparams, s->params_ok, s->args_size, w->args.p, w->args.n, &v->args);
        if (w->has_frame && w->state > 0)
            cli_decode(s->fields, s->nfields, s->fields_ok, s->frame_size, w->frame.present ? w->frame.p : NULL,
                       w->frame.n, &v->frame);
        if (w->result.present)
            cli_decode(s->result, s->nresult, s->result_ok, s->nresult ? s->result[0].size : 0, w->result.p,
                       w->result.n, &v->result);
    }
    if (w->has_frame && w->state > 0 && cli_await_load(d, w->fingerprint, w->state, &v->aw) != DURABLE_OK)
        v->aw.found = 0;
    /* The completed await's value, described by the await's value type. */
    if (v->aw.found && w->ready && w->value.present && v->aw.value_kind && v->aw.value_size > 0 &&
        v->aw.value_size < (1 << 20)) {
        durable_field *f = &v->value_field;
        f->name = "value";
        f->type = v->aw.value_type;
        f->kind = v->aw.value_kind;
        f->size = (uint32_t)v->aw.value_size;
        f->count = f->kind == DURABLE_KIND_CHAR ? f->size : 1;
        int ok = durable__fields_valid(f, 1, f->size) == DURABLE_OK;
        cli_decode(f, 1, ok, f->size, w->value.p, w->value.n, &v->value);
    }
    load_children_summary(v);
    return CLI_OK;
}

/* Free what build_view gathered, also after it failed. */
static void view_free(view *v)
{
    wf_free(&v->w);
    cli_schema_free(&v->schema);
    cli_decoded_free(&v->args);
    cli_decoded_free(&v->frame);
    cli_decoded_free(&v->result);
    cli_decoded_free(&v->value);
    free(v->child_status);
}

/* The frame fields to show: the await's saves, in *idx; or, when the schema
 * does not say which (no await row, malformed saves), *idx = NULL for all
 * of them. */
static uint32_t shown_locals(const view *v, const uint32_t **idx)
{
    if (v->aw.found && v->aw.nsaves >= 0) {
        *idx = v->aw.saves;
        return (uint32_t)v->aw.nsaves;
    }
    *idx = NULL;
    return v->schema.nfields;
}

/* durable_frames.cancel in words. */
static const char *cancel_text(int cancel)
{
    return cancel == 1 ? "requested" : cancel == 2 ? "delivered" : "none";
}

/* ---- text ---- */

static void print_time_line(const char *label, int64_t ms, int64_t now)
{
    char iso[40], rel[40];
    cli_iso_time(iso, ms);
    cli_relative(rel, ms, now);
    printf("%-12s %s (%s)\n", label, iso, rel);
}

/* "timer due 2026-...Z (in 59m59s)": what a waiting workflow waits for. */
static void describe_wait(const view *v, strbuf *b)
{
    const wf *w = &v->w;
    char iso[40], rel[40];
    if (w->has_timer) {
        cli_iso_time(iso, w->due);
        cli_relative(rel, w->due, v->d->now_ms);
    }
    switch (w->wait_kind) {
    case 1:
        sb_printf(b, "timer due %s (%s)", w->has_timer ? iso : "?", w->has_timer ? rel : "no timer row");
        break;
    case 2:
        sb_printf(b, "retry of step %s, attempt %d, at %s (%s)", v->aw.found ? v->aw.callee : "?", w->attempt + 1,
                  w->has_timer ? iso : "?", w->has_timer ? rel : "no timer row");
        break;
    case 3:
        sb_printf(b, "child %s (%s)", w->waiting_on ? w->waiting_on : "?", v->child_status ? v->child_status : "missing");
        break;
    case 4:
        sb_puts(b, "signal \"");
        if (w->waiting_on)
            sb_quote(b, w->waiting_on, strlen(w->waiting_on), 0);
        sb_puts(b, "\"");
        if (w->has_timer)
            sb_printf(b, ", timeout %s (%s)", iso, rel);
        else
            sb_puts(b, ", no timeout");
        break;
    case 5:
        sb_printf(b, "all spawned children (%d of %d unfinished)", v->spawned_open, v->spawned_total);
        break;
    case 6:
        sb_printf(b, "any spawned child (%d of %d unfinished)", v->spawned_open, v->spawned_total);
        break;
    default: sb_printf(b, "unknown wait kind %d", w->wait_kind); break;
    }
}

/* "  int order = 7"; a result, which has no name, as "  (int) 42". */
static void print_field_text(const durable_field *f, const unsigned char *base)
{
    strbuf b = {0};
    if (f->name[0]) {
        cli_decl(&b, f->type, f->name);
        sb_puts(&b, " = ");
    } else {
        sb_printf(&b, "(%s) ", f->type);
    }
    cli_value_text(&b, f, base + f->offset);
    printf("  %s\n", sb_str(&b));
    sb_free(&b);
}

/* One section of named values: the arguments, the live locals, the result.
 * `only` lists the fields to show (NULL: all n).  A field the blob does not
 * decode is reported in its place; the others are still shown. */
static void print_section_text(const char *title, const durable_field *f, uint32_t n, const cli_decoded *dec,
                               const uint32_t *only, uint32_t nonly)
{
    printf("\n%s\n", title);
    if (dec->rc != DURABLE_OK && dec->nvalid == 0) {
        printf("  (does not decode: %s)\n", cli_decode_why(dec->rc));
        return;
    }
    uint32_t count = only ? nonly : n;
    if (count == 0)
        printf("  (none)\n");
    for (uint32_t i = 0; i < count; i++) {
        uint32_t k = only ? only[i] : i;
        if (k >= n) {
            printf("  (field %u: not in the schema)\n", k);
        } else if (k >= dec->nvalid) {
            strbuf b = {0};
            cli_decl(&b, f[k].type, f[k].name);
            printf("  %s = (does not decode: %s)\n", sb_str(&b), cli_decode_why(dec->rc));
            sb_free(&b);
        } else {
            print_field_text(&f[k], dec->base);
        }
    }
    if (dec->trailing)
        printf("  (the stored blob has %zu unexpected bytes after its last field)\n", dec->trailing);
}

/* Signals sent to id and not yet received, oldest first: as text, or as
 * the "signals_queued" array when w is not NULL. */
static void print_queued_signals(cli_db *d, const char *id, jw *w)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT name, length(data), sent_ms FROM durable_signals WHERE workflow = ?1 ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int n = 0;
    if (w) {
        jw_key(w, "signals_queued");
        jw_array(w);
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = cli_col_text(st, 0);
        long long bytes = sqlite3_column_int64(st, 1);
        int64_t sent = sqlite3_column_int64(st, 2);
        if (w) {
            jw_object(w);
            jw_kstr(w, "name", name);
            jw_kint(w, "bytes", bytes);
            jw_ktime(w, "sent", sent);
            jw_end(w);
            continue;
        }
        if (n++ == 0)
            printf("\nqueued signals\n");
        char rel[40];
        cli_relative(rel, sent, d->now_ms);
        printf("  %s (%lld bytes, sent %s)\n", name ? name : "?", bytes, rel);
    }
    if (w)
        jw_end(w);
    sqlite3_finalize(st);
}

/* Children (rows whose parent is id), in creation order. */
static void print_children(cli_db *d, const char *id, jw *w)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT w.id, w.function, w.status, w.spawn_idx, f.paused FROM durable_workflows w"
                           " LEFT JOIN durable_frames f ON f.workflow = w.id WHERE w.parent = ?1 ORDER BY w.rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (w) {
        jw_key(w, "children");
        jw_array(w);
    }
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *cid = cli_col_text(st, 0), *fn = cli_col_text(st, 1), *status = cli_col_text(st, 2);
        int spawned = sqlite3_column_type(st, 3) != SQLITE_NULL;
        int paused = sqlite3_column_int(st, 4) == 1;
        if (paused && status && strcmp(status, "done") != 0)
            status = "paused";
        if (w) {
            jw_object(w);
            jw_kstr(w, "id", cid);
            jw_kstr(w, "function", fn);
            jw_kstr(w, "status", status);
            jw_key(w, "spawn_index");
            if (spawned)
                jw_int(w, sqlite3_column_int(st, 3));
            else
                jw_null(w);
            jw_end(w);
            continue;
        }
        /* A spawned child by its handle, the number the code knows it by
         * (durable_child_result, durable_any); its id ends in the parent's
         * checkpoint number instead, which the code never sees. */
        if (n++ == 0)
            printf("\nchildren\n");
        char by[32];
        if (spawned)
            snprintf(by, sizeof by, "handle %d", sqlite3_column_int(st, 3));
        else
            snprintf(by, sizeof by, "awaited");
        printf("  %-10s %-24s %-16s %s\n", by, cid ? cid : "?", fn ? fn : "?", status ? status : "?");
    }
    if (w)
        jw_end(w);
    sqlite3_finalize(st);
}

/* The human-readable report (docs/cli.md has an example). */
static void show_text(view *v)
{
    wf *w = &v->w;
    cli_schema *s = &v->schema;
    int64_t now = v->d->now_ms;
    printf("%-12s %s\n", "workflow", w->id);
    printf("%-12s %s", "function", w->function);
    if (v->schema_found)
        printf("  (%s, schema %016llx%s)", s->file, (unsigned long long)s->fingerprint,
               v->schema_inferred ? ", inferred: the frame is gone" : "");
    else
        printf("  (schema not in the file)");
    printf("\n%-12s %s", "status", shown_status(w));
    if (w->paused && strcmp(w->status, "done") != 0)
        printf(" (%s when resumed)", w->status);
    if (w->owner)
        printf(", claimed by worker %s", w->owner);
    printf("\n");
    if (w->parent) {
        printf("%-12s %s", "parent", w->parent);
        if (w->spawn_idx >= 0)
            printf(" (spawned, handle %d%s)", w->spawn_idx, w->collected ? ", collected" : "");
        printf("\n");
    }
    print_time_line("created", w->created, now);
    print_time_line("updated", w->updated, now);
    if (w->has_frame) {
        if (w->state == 0) {
            printf("%-12s start (no await reached yet)\n", "at");
        } else if (v->aw.found) {
            printf("%-12s await %d %s (%s), %s:%lld\n", "at", w->state, v->aw.callee,
                   await_kinds[v->aw.kind >= 1 && v->aw.kind <= 3 ? v->aw.kind : 0], v->schema_found ? s->file : "?",
                   v->aw.line);
            if (v->aw.has_marks)
                printf("%-12s %s in %s\n", "", v->aw.text[0] ? v->aw.text : "(written by a macro)", v->aw.place);
        } else {
            printf("%-12s await %d (not in the schema)\n", "at", w->state);
        }
        if (strcmp(w->status, "waiting") == 0) {
            strbuf b = {0};
            describe_wait(v, &b);
            printf("%-12s %s\n", "waiting on", sb_str(&b));
            sb_free(&b);
        } else if (strcmp(w->status, "ready") == 0) {
            printf("%-12s %s\n", "next",
                   w->state == 0 ? "starts at the next durable_run"
                   : w->ready    ? "the await completed: resumes at the next durable_run"
                                 : "issues the await again at the next durable_run");
        }
        printf("%-12s %lld", "checkpoint", (long long)w->seq);
        if (w->attempt)
            printf(", %d failed attempt%s of this step", w->attempt, w->attempt == 1 ? "" : "s");
        printf("\n");
        if (w->cancel)
            printf("%-12s %s\n", "cancel", cancel_text(w->cancel));
        if (w->policy)
            printf("%-12s %s\n", "retry", w->policy);
        if (w->ready && v->aw.found && w->await_error)
            printf("%-12s %s: %s\n", "await error", durable_errname(w->await_error), durable_strerror(w->await_error));
    }
    if (w->error_code || w->error)
        printf("%-12s %s (%d): %s\n", "error", durable_errname(w->error_code), w->error_code,
               w->error ? w->error : "");

    if (v->schema_found) {
        print_section_text("arguments", s->params, s->nparams, &v->args, NULL, 0);
        if (w->has_frame && w->state > 0) {
            const uint32_t *only;
            uint32_t n = shown_locals(v, &only);
            char title[96];
            snprintf(title, sizeof title, "locals at await %d%s", w->state,
                     only ? "" : " (all frame fields: the schema does not say which it saves)");
            print_section_text(title, s->fields, s->nfields, &v->frame, only, n);
        }
        if (v->value.base || v->value.rc) {
            printf("\nawait value\n");
            if (v->value.rc != DURABLE_OK)
                printf("  (does not decode: %s)\n", cli_decode_why(v->value.rc));
            else
                print_field_text(&v->value_field, v->value.base);
        }
        if (w->result.present)
            print_section_text("result", s->result, s->nresult, &v->result, NULL, 0);
    }
    if (w->ready && w->payload.present) {
        strbuf b = {0};
        sb_quote(&b, (const char *)w->payload.p, w->payload.n, 0);
        printf("\nsignal data (%zu bytes)\n  \"%s\"\n", w->payload.n, sb_str(&b));
        sb_free(&b);
    }
    print_queued_signals(v->d, w->id, NULL);
    print_children(v->d, w->id, NULL);
}

/* ---- JSON ---- */

/* A section as {"error": why or null, "fields": [{name, type, line, value}]};
 * a field that does not decode has "value": null and its own "error". */
static void section_json(jw *j, const char *key, const durable_field *f, uint32_t n, const cli_decoded *dec,
                         const uint32_t *only, uint32_t nonly)
{
    jw_key(j, key);
    jw_object(j);
    jw_key(j, "error");
    if (dec->rc != DURABLE_OK)
        jw_string(j, cli_decode_why(dec->rc));
    else
        jw_null(j);
    jw_key(j, "fields");
    jw_array(j);
    uint32_t count = dec->rc != DURABLE_OK && dec->nvalid == 0 ? 0 : only ? nonly : n;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t k = only ? only[i] : i;
        if (k >= n)
            continue;
        jw_object(j);
        jw_kstr(j, "name", f[k].name);
        jw_kstr(j, "type", f[k].type);
        jw_kint(j, "line", f[k].line);
        jw_key(j, "value");
        if (k < dec->nvalid) {
            cli_value_json(j, &f[k], dec->base + f[k].offset);
        } else {
            jw_null(j);
            jw_kstr(j, "error", cli_decode_why(dec->rc));
        }
        jw_end(j);
    }
    jw_end(j);
    jw_end(j);
}

/* The JSON report: one object, keys in a fixed order (docs/cli.md). */
static void show_json(view *v)
{
    wf *w = &v->w;
    cli_schema *s = &v->schema;
    jw j;
    jw_init(&j, stdout);
    jw_object(&j);
    jw_kstr(&j, "file", v->d->path);
    jw_ktime(&j, "now", v->d->now_ms);
    jw_kstr(&j, "id", w->id);
    jw_kstr(&j, "function", w->function);
    jw_kstr(&j, "status", shown_status(w));
    jw_kstr(&j, "stored_status", w->status);
    jw_kbool(&j, "paused", w->paused);
    jw_kstr(&j, "parent", w->parent);
    jw_key(&j, "spawn_index");
    if (w->spawn_idx >= 0)
        jw_int(&j, w->spawn_idx);
    else
        jw_null(&j);
    jw_kstr(&j, "owner", w->owner);
    jw_ktime(&j, "created", w->created);
    jw_ktime(&j, "updated", w->updated);
    jw_kstr(&j, "source", v->schema_found ? s->file : NULL);
    jw_key(&j, "schema");
    if (v->schema_found) {
        char fp[24];
        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)s->fingerprint);
        jw_string(&j, fp);
    } else {
        jw_null(&j);
    }
    jw_kbool(&j, "schema_inferred", v->schema_inferred);

    jw_key(&j, "frame");
    if (!w->has_frame) {
        jw_null(&j);
    } else {
        jw_object(&j);
        jw_kint(&j, "state", w->state);
        jw_kint(&j, "checkpoint", w->seq);
        jw_kint(&j, "failed_attempts", w->attempt);
        jw_kbool(&j, "await_completed", w->ready);
        jw_key(&j, "await_error");
        if (w->await_error)
            jw_string(&j, durable_errname(w->await_error));
        else
            jw_null(&j);
        jw_kstr(&j, "cancel", cancel_text(w->cancel));
        jw_kstr(&j, "retry_policy", w->policy);
        jw_end(&j);
    }

    jw_key(&j, "await");
    if (v->aw.found) {
        jw_object(&j);
        jw_kint(&j, "id", v->aw.id);
        jw_kstr(&j, "kind", await_kinds[v->aw.kind >= 1 && v->aw.kind <= 3 ? v->aw.kind : 0]);
        jw_kstr(&j, "callee", v->aw.callee);
        jw_kint(&j, "line", v->aw.line);
        jw_kbool(&j, "checks_error", v->aw.checks_error);
        jw_kstr(&j, "place", v->aw.has_marks ? v->aw.place : NULL);
        jw_kstr(&j, "text", v->aw.has_marks ? v->aw.text : NULL);
        jw_end(&j);
    } else {
        jw_null(&j);
    }

    jw_key(&j, "wait");
    if (w->has_frame && strcmp(w->status, "waiting") == 0) {
        jw_object(&j);
        jw_kstr(&j, "kind", w->wait_kind >= 0 && w->wait_kind <= 6 ? wait_kinds[w->wait_kind] : "unknown");
        switch (w->wait_kind) {
        case 2: jw_kint(&j, "attempt", w->attempt + 1); break;
        case 3:
            jw_kstr(&j, "child", w->waiting_on);
            jw_kstr(&j, "child_status", v->child_status);
            break;
        case 4: jw_kstr(&j, "signal", w->waiting_on); break;
        case 5:
        case 6:
            jw_kint(&j, "children", v->spawned_total);
            jw_kint(&j, "unfinished", v->spawned_open);
            break;
        default: break;
        }
        jw_ktime(&j, "due", w->has_timer ? w->due : 0);
        jw_end(&j);
    } else {
        jw_null(&j);
    }

    jw_key(&j, "error");
    if (w->error_code || w->error) {
        jw_object(&j);
        jw_kint(&j, "code", w->error_code);
        jw_kstr(&j, "name", durable_errname(w->error_code));
        jw_kstr(&j, "message", w->error ? w->error : "");
        jw_end(&j);
    } else {
        jw_null(&j);
    }

    if (v->schema_found) {
        section_json(&j, "arguments", s->params, s->nparams, &v->args, NULL, 0);
    } else {
        jw_key(&j, "arguments");
        jw_null(&j);
    }
    if (v->schema_found && w->has_frame && w->state > 0) {
        const uint32_t *only;
        uint32_t n = shown_locals(v, &only);
        section_json(&j, "locals", s->fields, s->nfields, &v->frame, only, n);
    } else {
        jw_key(&j, "locals");
        jw_null(&j);
    }
    jw_key(&j, "await_value");
    if (v->value.base && v->value.rc == DURABLE_OK)
        cli_value_json(&j, &v->value_field, v->value.base);
    else
        jw_null(&j);
    jw_key(&j, "signal_data");
    if (w->ready && w->payload.present)
        jw_stringn(&j, (const char *)w->payload.p, w->payload.n);
    else
        jw_null(&j);
    if (v->schema_found && w->result.present) {
        section_json(&j, "result", s->result, s->nresult, &v->result, NULL, 0);
    } else {
        jw_key(&j, "result");
        jw_null(&j);
    }
    print_queued_signals(v->d, w->id, &j);
    print_children(v->d, w->id, &j);
    jw_end(&j);
    jw_finish(&j);
}

int cli_show(const cli_args *a)
{
    cli_db d;
    int rc = cli_db_open(&d, a->pos[0]);
    if (rc != CLI_OK)
        return rc;
    view v;
    rc = build_view(&v, &d, a->pos[1]);
    if (rc == CLI_OK) {
        if (a->json)
            show_json(&v);
        else
            show_text(&v);
    }
    view_free(&v);
    cli_db_close(&d);
    return rc;
}

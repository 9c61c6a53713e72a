/*
 * show.c — `durable show`: everything the database knows about one workflow.
 *
 * The workflow's row, frame and timer come from one read of the store (read
 * ops of store.h, so a file and a PostgreSQL database alike); the frame is
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

/* The await the frame is at, from its schema. */
typedef struct await_info {
    int found, id, kind, checks_error;
    const char *callee, *value_type, *place, *text;
    long long line, value_size;
    int value_kind;
    const uint32_t *saves;
    int nsaves, has_marks;
} await_info;

/* Everything show prints, gathered once for both renderings. */
typedef struct view {
    cli_db *d;
    wf w;
    durable__schema_view schema;
    int schema_found, schema_inferred;
    await_info aw;
    cli_decoded args, frame, result, value;
    durable_field value_field;
    int spawned_total, spawned_open;
    char *child_status; /* of the child waited on */
} view;

static const char *const wait_kinds[] = {"none", "timer", "retry", "child", "signal", "all", "any"};
static const char *const await_kinds[] = {"?", "step", "child", "runtime"};

/* A stored buffer, taken over as a blob (present: it holds bytes). */
static void take_buf(durable__buf *b, blob *out)
{
    out->p = b->p;
    out->n = b->n;
    out->present = b->p && b->n;
    b->p = NULL;
    b->n = b->cap = 0;
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
    durable__detail det;
    int rc = d->rd->workflow(d->s, id, &det);
    if (rc == DURABLE_ENOENT) {
        cli_error("%s: no workflow '%s'", d->path, id);
        return CLI_EUSER;
    }
    if (rc == DURABLE_ECORRUPT) {
        cli_error("%s: workflow '%s' has a malformed row", d->path, id);
        return CLI_EUSER;
    }
    if (rc != DURABLE_OK)
        return cli_db_fail(d, rc);
    durable__row *r = &det.row;
    w->id = r->id, r->id = NULL;
    w->function = r->function, r->function = NULL;
    w->parent = r->parent, r->parent = NULL;
    w->owner = r->owner, r->owner = NULL;
    w->error = r->error, r->error = NULL;
    w->waiting_on = r->waiting_on, r->waiting_on = NULL;
    w->policy = r->policy, r->policy = NULL;
    w->status = strdup(durable_status_name(r->status));
    if (!w->status)
        cli_oom();
    w->spawn_idx = r->spawn_idx;
    w->collected = r->collected;
    w->error_code = r->error_code;
    w->created = det.created_ms;
    w->updated = det.updated_ms;
    take_buf(&r->args, &w->args);
    take_buf(&r->result, &w->result);
    w->has_frame = det.has_frame;
    w->fingerprint = (int64_t)r->fingerprint;
    w->state = r->state;
    w->ready = r->ready;
    w->await_error = r->await_error;
    w->attempt = r->attempt;
    w->wait_kind = r->wait_kind;
    w->cancel = r->cancel;
    w->paused = r->paused;
    w->seq = (int64_t)r->seq;
    w->await_seq = (int64_t)r->await_seq;
    take_buf(&r->frame, &w->frame);
    take_buf(&r->value, &w->value);
    take_buf(&r->payload, &w->payload);
    w->has_timer = det.has_timer;
    w->due = r->wake_ms;
    durable__row_clear(r);
    return CLI_OK;
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
    uint64_t *fps = NULL;
    size_t n = 0;
    if (v->d->rd->fingerprints(v->d->s, v->w.function, &fps, &n) != DURABLE_OK)
        return;
    uint64_t first = 0;
    int have_first = 0;
    for (size_t i = 0; i < n; i++) {
        durable__schema_view s;
        if (v->d->rd->schema(v->d->s, fps[i], &s) != DURABLE_OK)
            continue;
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
            first = fps[i];
            have_first = 1;
        }
        durable__schema_view_free(&s);
        if (ok) {
            first = fps[i];
            break;
        }
    }
    free(fps);
    if (have_first && v->d->rd->schema(v->d->s, first, &v->schema) == DURABLE_OK) {
        v->schema_found = 1;
        v->schema_inferred = 1;
    }
}

static void count_child(void *ctx, const durable__listed *c)
{
    view *v = ctx;
    if (c->spawn_idx < 0)
        return;
    v->spawned_total++;
    v->spawned_open += c->status != DURABLE_DONE && c->status != DURABLE_FAILED && c->status != DURABLE_CANCELLED;
}

/* Spawned-children counts, and the status of the child waited on. */
static void load_children_summary(view *v)
{
    v->d->rd->children(v->d->s, v->w.id, count_child, v);
    durable__detail c;
    if (v->w.wait_kind == DURABLE__WAIT_CHILD && v->w.waiting_on &&
        v->d->rd->workflow(v->d->s, v->w.waiting_on, &c) == DURABLE_OK) {
        v->child_status = strdup(durable_status_name(c.row.status));
        if (!v->child_status)
            cli_oom();
        durable__row_clear(&c.row);
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
    if (w->has_frame)
        v->schema_found = d->rd->schema(d->s, (uint64_t)w->fingerprint, &v->schema) == DURABLE_OK;
    else
        infer_schema(v);
    durable__schema_view *s = &v->schema;
    if (v->schema_found) {
        cli_decode(s->params, s->nparams, s->params_ok, s->args_size, w->args.p, w->args.n, &v->args);
        if (w->has_frame && w->state > 0)
            cli_decode(s->fields, s->nfields, s->fields_ok, s->frame_size, w->frame.present ? w->frame.p : NULL,
                       w->frame.n, &v->frame);
        if (w->result.present)
            cli_decode(s->result, s->nresult, s->result_ok, s->nresult ? s->result[0].size : 0, w->result.p,
                       w->result.n, &v->result);
    }
    const durable__await_view *aw =
        v->schema_found && w->has_frame && w->state > 0 ? durable__schema_view_await(s, w->state) : NULL;
    if (aw) {
        await_info *i = &v->aw;
        i->found = 1;
        i->id = aw->id, i->kind = aw->kind, i->checks_error = aw->checks_error;
        i->callee = aw->callee, i->value_type = aw->value_type;
        i->line = aw->line, i->value_size = aw->value_size, i->value_kind = aw->value_kind;
        i->saves = aw->saves, i->nsaves = aw->nsaves;
        i->has_marks = aw->place && aw->text;
        i->place = aw->place, i->text = aw->text;
    }
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
    durable__schema_view_free(&v->schema);
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
    case DURABLE__WAIT_TIMER:
        sb_printf(b, "timer due %s (%s)", w->has_timer ? iso : "?", w->has_timer ? rel : "no timer row");
        break;
    case DURABLE__WAIT_RETRY:
        sb_printf(b, "retry of step %s, attempt %d, at %s (%s)", v->aw.found ? v->aw.callee : "?", w->attempt + 1,
                  w->has_timer ? iso : "?", w->has_timer ? rel : "no timer row");
        break;
    case DURABLE__WAIT_CHILD:
        sb_printf(b, "child %s (%s)", w->waiting_on ? w->waiting_on : "?", v->child_status ? v->child_status : "missing");
        break;
    case DURABLE__WAIT_SIGNAL:
        sb_puts(b, "signal \"");
        if (w->waiting_on)
            sb_quote(b, w->waiting_on, strlen(w->waiting_on), 0);
        sb_puts(b, "\"");
        if (w->has_timer)
            sb_printf(b, ", timeout %s (%s)", iso, rel);
        else
            sb_puts(b, ", no timeout");
        break;
    case DURABLE__WAIT_ALL:
        sb_printf(b, "all spawned children (%d of %d unfinished)", v->spawned_open, v->spawned_total);
        break;
    case DURABLE__WAIT_ANY:
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

/* What the signal and child callbacks print into. */
typedef struct printing {
    cli_db *d;
    jw *w; /* NULL: text */
    int n;
} printing;

static void print_signal(void *ctx, const char *name, size_t bytes, int64_t sent)
{
    printing *p = ctx;
    if (p->w) {
        jw_object(p->w);
        jw_kstr(p->w, "name", name);
        jw_kint(p->w, "bytes", (long long)bytes);
        jw_ktime(p->w, "sent", sent);
        jw_end(p->w);
        return;
    }
    if (p->n++ == 0)
        printf("\nqueued signals\n");
    char rel[40];
    cli_relative(rel, sent, p->d->now_ms);
    printf("  %s (%zu bytes, sent %s)\n", name, bytes, rel);
}

/* Signals sent to id and not yet received, oldest first: as text, or as
 * the "signals_queued" array when w is not NULL. */
static void print_queued_signals(cli_db *d, const char *id, jw *w)
{
    printing p = {d, w, 0};
    if (w) {
        jw_key(w, "signals_queued");
        jw_array(w);
    }
    d->rd->signals(d->s, id, print_signal, &p);
    if (w)
        jw_end(w);
}

static void print_child(void *ctx, const durable__listed *c)
{
    printing *p = ctx;
    int shown = c->paused && c->status != DURABLE_DONE ? DURABLE_PAUSED : c->status;
    const char *status = shown ? durable_status_name(shown) : "?";
    jw *w = p->w;
    if (w) {
        jw_object(w);
        jw_kstr(w, "id", c->id);
        jw_kstr(w, "function", c->function);
        jw_kstr(w, "status", status);
        jw_key(w, "spawn_index");
        if (c->spawn_idx >= 0)
            jw_int(w, c->spawn_idx);
        else
            jw_null(w);
        jw_end(w);
        return;
    }
    /* A spawned child by its handle, the number the code knows it by
     * (durable_child_result, durable_any); its id ends in the parent's
     * checkpoint number instead, which the code never sees. */
    if (p->n++ == 0)
        printf("\nchildren\n");
    char by[32];
    if (c->spawn_idx >= 0)
        snprintf(by, sizeof by, "handle %d", c->spawn_idx);
    else
        snprintf(by, sizeof by, "awaited");
    printf("  %-10s %-24s %-16s %s\n", by, c->id, c->function, status);
}

/* Children (rows whose parent is id), in creation order. */
static void print_children(cli_db *d, const char *id, jw *w)
{
    printing p = {d, w, 0};
    if (w) {
        jw_key(w, "children");
        jw_array(w);
    }
    d->rd->children(d->s, id, print_child, &p);
    if (w)
        jw_end(w);
}

/* The human-readable report (docs/cli.md has an example). */
static void show_text(view *v)
{
    wf *w = &v->w;
    durable__schema_view *s = &v->schema;
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
    durable__schema_view *s = &v->schema;
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
        case DURABLE__WAIT_RETRY: jw_kint(&j, "attempt", w->attempt + 1); break;
        case DURABLE__WAIT_CHILD:
            jw_kstr(&j, "child", w->waiting_on);
            jw_kstr(&j, "child_status", v->child_status);
            break;
        case DURABLE__WAIT_SIGNAL: jw_kstr(&j, "signal", w->waiting_on); break;
        case DURABLE__WAIT_ALL:
        case DURABLE__WAIT_ANY:
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

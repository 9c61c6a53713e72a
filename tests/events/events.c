/*
 * events.c — durable_options.on_event: every kind of event, in order, each
 * told after the commit that made it true (the callback reads the file on a
 * connection of its own and finds what the event says), none for work that
 * was rolled back, and calls back into the runtime refused.
 *
 *   events DB      run the scenario, print one line per event, then check
 *                  the held one: built without GHOST, `ghost` is not linked
 *   (built with -DGHOST as events_ghost: `events_ghost DB` starts `ghost`)
 */
#include <durable.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static durable_rt *the_rt;
static sqlite3 *peek;   /* a second connection: what is committed */
static int refused = 1; /* every call back into the runtime was refused */

static int charge(int n)
{
    if (durable_step_attempt() == 1)
        durable_fail(402, "card declined");
    return n * 100;
}

static int explode(int n)
{
    durable_fail_permanent(500, "no such account");
    return n;
}

durable int ship(int n)
{
    await(durable_sleep(60));
    return n + 1;
}

durable int order(int n)
{
    int shipped = await(ship(n));
    int cents = await(charge(n));
    return shipped + cents;
}

durable int broken(int n)
{
    return await(explode(n)); /* unchecked: the workflow fails */
}

durable int idle(int n)
{
    await(durable_sleep(3600)); /* unchecked: a cancel ends it cancelled */
    return n;
}

#ifdef GHOST
durable int ghost(int n)
{
    await(durable_sleep(1));
    return n;
}
#endif

static const char *kind_name(int k)
{
    static const char *const names[] = {"?", "started", "suspended", "resumed", "step-failed",
                                        "finished", "failed", "cancelled", "held"};
    return k >= 1 && k <= 8 ? names[k] : "?";
}

/* The workflow's status as committed, read on the second connection. */
static const char *committed_status(const char *id, char *buf, size_t cap)
{
    sqlite3_stmt *st;
    snprintf(buf, cap, "(none)");
    if (sqlite3_prepare_v2(peek, "SELECT status FROM durable_workflows WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        return buf;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return buf;
}

static void on_event(const durable_event *e, void *ctx)
{
    FILE *out = ctx;
    char st[32];
    committed_status(e->workflow, st, sizeof st);
    /* what a final event says is already in the file */
    const char *want = e->kind == DURABLE_EVENT_FINISHED    ? "done"
                       : e->kind == DURABLE_EVENT_FAILED    ? "failed"
                       : e->kind == DURABLE_EVENT_CANCELLED ? "cancelled"
                       : e->kind == DURABLE_EVENT_HELD      ? "held"
                                                            : NULL;
    if ((want && strcmp(st, want) != 0) || strcmp(st, "(none)") == 0) {
        fprintf(stderr, "event %s of %s before its commit: the file says %s\n", kind_name(e->kind), e->workflow, st);
        exit(1);
    }
    if (durable_run(the_rt) != DURABLE_EINVAL || durable_cancel(the_rt, e->workflow) != DURABLE_EINVAL)
        refused = 0;
    fprintf(out, "%-11s %-20s %-6s", kind_name(e->kind), e->workflow, e->function);
    if (e->parent)
        fprintf(out, " parent=%s", e->parent);
    if (e->await_id)
        fprintf(out, " at=%d:%s:%u", e->await_id, e->await_callee, e->line);
    if (e->kind == DURABLE_EVENT_STEP_FAILED)
        fprintf(out, " attempt=%d retry=%s", e->attempt,
                e->retry_at_ms > e->at_ms ? "later" : e->retry_at_ms ? "now" : "never");
    if (e->error)
        fprintf(out, " error=%d", e->error);
    if (e->message)
        fprintf(out, " \"%s\"", e->message);
    fputc('\n', out);
}

#define MUST(call)                                                                                  \
    do {                                                                                            \
        int rc_ = (call);                                                                           \
        if (rc_ < 0) {                                                                              \
            fprintf(stderr, "%s: %s\n", #call, durable_strerror(rc_));                              \
            exit(1);                                                                                \
        }                                                                                           \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: events DB\n");
        return 2;
    }
    durable_options o;
    durable_options_init(&o);
    o.virtual_time = 1;
    o.retry.initial_s = 5;
    o.on_event = on_event;
    o.event_ctx = stdout;
    MUST(durable_open(&the_rt, argv[1], &o));
    if (sqlite3_open_v2(argv[1], &peek, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return 1;
#ifdef GHOST
    MUST(durable_start(the_rt, "ghost-1", ghost(1)));
#else
    MUST(durable_start(the_rt, "o1", order(7)));
    MUST(durable_start(the_rt, "b1", broken(1)));
    MUST(durable_start(the_rt, "i1", idle(1)));
    MUST(durable_start(the_rt, "o1", order(7))); /* it exists: no event */
    MUST(durable_run(the_rt));
    MUST(durable_cancel(the_rt, "i1"));
    int n;
    while ((n = durable_run(the_rt)) > 0)
        MUST(durable_wait(the_rt, 1000));
    MUST(n);
    if (!refused) {
        fprintf(stderr, "a call back into the runtime from on_event was not refused\n");
        return 1;
    }
#endif
    sqlite3_close(peek);
    MUST(durable_close(the_rt));
    return 0;
}

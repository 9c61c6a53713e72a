/*
 * control.c — signals, cancellation, pause/resume and durable_retry: the
 * operations on a workflow by id, each one transaction (in_tx), that work
 * whether or not the workflow is in this worker's memory.  The row is changed
 * in the file; a coroutine in memory is told (its cancel flag) or parked
 * (pause).
 *
 * Transitions made here: WAITING -> READY when the awaited signal comes
 * (deliver); an unfinished workflow gets the cancel flag, and a waiting one
 * goes READY with DURABLE_ECANCELLED, or CANCELLED at once when its code does
 * not look (cancel_one, finish_row); FAILED -> READY (do_retry).  Children are
 * cancelled before their parents, so their ends wake nobody who stopped
 * waiting (I3).
 */
#include "scheduler.h"

#include <string.h>

/* ---- signals, cancellation, pause, retry: each one transaction ---- */

/* Read workflow id for a control operation: ENOENT, or EFINISHED when it
 * has ended (unless `finished_ok`). */
static int control_get(durable_rt *rt, const char *id, durable__row *r, int finished_ok)
{
    int rc = rt->store->ops->get(rt->store, id, r);
    if (rc == DURABLE_OK && !finished_ok &&
        (r->status == DURABLE_DONE || r->status == DURABLE_FAILED || r->status == DURABLE_CANCELLED))
        rc = DURABLE_EFINISHED;
    if (rc != DURABLE_OK)
        durable__row_clear(r);
    return rc;
}

struct signal_args {
    const char *id, *name;
    const void *data;
    size_t len;
};

static int waits_for(const durable__row *r, const char *name)
{
    return r->status == DURABLE_WAITING && r->wait_kind == DURABLE__WAIT_SIGNAL && r->waiting_on &&
           strcmp(r->waiting_on, name) == 0;
}

static int do_signal(durable_rt *rt, void *p)
{
    struct signal_args *a = p;
    durable__row r;
    int rc = control_get(rt, a->id, &r, 0);
    if (rc != DURABLE_OK)
        return rc;
    rc = rt->store->ops->put_signal(rt->store, a->id, a->name, a->data, a->len);
    if (rc == DURABLE_OK && waits_for(&r, a->name))
        rc = durable__deliver(rt, &r);
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_signal(durable_rt *rt, const char *id, const char *name, const void *data, size_t len)
{
    if (!id || !name || !*name || (len && !data))
        return DURABLE_EINVAL;
    struct signal_args a = {id, name, data, len};
    return durable__in_tx(rt, do_signal, &a);
}

static int do_broadcast(durable_rt *rt, void *p)
{
    struct signal_args *a = p;
    char **ids;
    size_t n;
    int count = 0;
    int rc = rt->store->ops->list(rt->store, 0, a->name, &ids, &n);
    for (size_t i = 0; rc == DURABLE_OK && i < n; i++) {
        durable__row r;
        rc = control_get(rt, ids[i], &r, 0);
        if (rc == DURABLE_OK && waits_for(&r, a->name)) {
            rc = rt->store->ops->put_signal(rt->store, ids[i], a->name, a->data, a->len);
            if (rc == DURABLE_OK)
                rc = durable__deliver(rt, &r);
            count++;
        }
        durable__row_clear(&r);
    }
    durable__ids_free(ids, n); /* NULL and 0 if the listing failed */
    return rc == DURABLE_OK ? count : rc;
}

DURABLE_API int durable_signal_all(durable_rt *rt, const char *name, const void *data, size_t len)
{
    if (!name || !*name || (len && !data))
        return DURABLE_EINVAL;
    struct signal_args a = {NULL, name, data, len};
    return durable__in_tx(rt, do_broadcast, &a);
}

/* Cancel one unfinished workflow (I3 still holds: children are cancelled by
 * do_cancel too, and their ends wake nobody who stopped waiting). */
static int cancel_one(durable_rt *rt, durable__row *r)
{
    durable_co *co = durable__co_find(rt, r->id);
    if (co && co->cancel == 0)
        co->cancel = 1;
    if (r->status != DURABLE_WAITING) { /* delivered at its next await */
        if (r->cancel == 0)
            r->cancel = 1;
        return rt->store->ops->update(rt->store, r, DURABLE__W_FLAGS);
    }
    /* Waiting: its await returns now, cancelled.  Whether its code looks at
     * that comes from the linked function, else from the schema in the file
     * (an operator's tool cancels without the user's program). */
    durable_func *fn = durable__registry_find(r->function);
    const durable_await *aw = fn && fn->fingerprint == r->fingerprint ? durable__await_of(fn, r->state) : NULL;
    int checks = 1; /* unknown: let the program that runs it decide */
    if (aw) {
        checks = aw->checks_error;
    } else {
        durable__schema sc;
        if (rt->store->ops->schema(rt->store, r->fingerprint, &sc) == DURABLE_OK) {
            for (uint32_t i = 0; i < sc.nawaits; i++)
                if (sc.awaits[i].id == r->state)
                    checks = sc.awaits[i].checks_error;
            durable__schema_free(&sc);
        }
    }
    return durable__wake_cancelled(rt, r, checks);
}

static int do_cancel(durable_rt *rt, void *p)
{
    durable__row r;
    int rc = control_get(rt, p, &r, 0);
    durable__row_clear(&r);
    if (rc != DURABLE_OK)
        return rc;
    char **ids;
    size_t n;
    rc = rt->store->ops->family(rt->store, p, &ids, &n);
    for (size_t i = n; rc == DURABLE_OK && i-- > 0;) { /* children first */
        rc = rt->store->ops->get(rt->store, ids[i], &r);
        if (rc == DURABLE_ENOENT) {
            rc = DURABLE_OK;
            continue;
        }
        if (rc != DURABLE_OK)
            break;
        if (r.status != DURABLE_DONE && r.status != DURABLE_FAILED && r.status != DURABLE_CANCELLED)
            rc = cancel_one(rt, &r);
        durable__row_clear(&r);
    }
    durable__ids_free(ids, n); /* NULL and 0 if the listing failed */
    return rc;
}

DURABLE_API int durable_cancel(durable_rt *rt, const char *id)
{
    return id ? durable__in_tx(rt, do_cancel, (void *)id) : DURABLE_EINVAL;
}

struct pause_args {
    const char *id;
    int paused;
};

static int do_pause(durable_rt *rt, void *p)
{
    struct pause_args *a = p;
    durable__row r;
    int rc = control_get(rt, a->id, &r, 0);
    if (rc != DURABLE_OK)
        return rc;
    r.paused = a->paused;
    rc = rt->store->ops->update(rt->store, &r, DURABLE__W_FLAGS);
    if (rc == DURABLE_OK && a->paused && r.owner) { /* nobody runs it now */
        free(r.owner);
        r.owner = NULL;
        rc = rt->store->ops->update(rt->store, &r, DURABLE__W_STATUS);
    }
    durable_co *co = durable__co_find(rt, a->id);
    if (rc == DURABLE_OK && co && a->paused && !co->running) { /* a step in flight: its checkpoint parks it */
        if (rt->qhead == co)
            rt->qhead = co->qnext;
        for (durable_co *q = rt->qhead; q; q = q->qnext)
            if (q->qnext == co)
                q->qnext = co->qnext;
        if (rt->qtail == co) {
            rt->qtail = rt->qhead;
            while (rt->qtail && rt->qtail->qnext)
                rt->qtail = rt->qtail->qnext;
        }
        durable__park(rt, co, co->seq); /* its frame stays this process's (I7) */
        durable__co_drop(rt, co);
    }
    rt->claim_dirty = 1;
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_pause(durable_rt *rt, const char *id)
{
    struct pause_args a = {id, 1};
    return id ? durable__in_tx(rt, do_pause, &a) : DURABLE_EINVAL;
}

DURABLE_API int durable_resume(durable_rt *rt, const char *id)
{
    struct pause_args a = {id, 0};
    return id ? durable__in_tx(rt, do_pause, &a) : DURABLE_EINVAL;
}

static int do_retry(durable_rt *rt, void *p)
{
    durable__row r;
    int rc = control_get(rt, p, &r, 1);
    if (rc != DURABLE_OK)
        return rc;
    if (r.status != DURABLE_FAILED) {
        durable__row_clear(&r);
        return DURABLE_ENOTFAILED;
    }
    rc = durable__rerun_failed(rt, &r);
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_retry(durable_rt *rt, const char *id)
{
    return id ? durable__in_tx(rt, do_retry, (void *)id) : DURABLE_EINVAL;
}

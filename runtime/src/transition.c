/*
 * transition.c — what a checkpoint writes: persist turns the request of one
 * coroutine's run (co->req: a step's value or failure, a call, a spawn,
 * all/any, a timer, a signal wait, a return, a failure) into its row's new
 * frame, value and status inside the round's transaction; apply carries the
 * committed outcome into memory after the commit; child_finished wakes a
 * parent waiting for a child that ended, in the same transaction.
 *
 * The statuses a checkpoint leaves are set here; the diagram below names
 * the function of every transition (claim and adopt/unhold are in
 * claim.c, deliver, cancellation, durable_retry and durable_pause in
 * control.c; fire_timers is the store's).  Keeps I2 (the value a coroutine
 * resumes with is the one written), I3 (a child is inserted with its parent's
 * checkpoint; its end wakes the parent) and I7 (apply keeps the frame block).
 *
 * Lifecycle of a workflow (status column; who makes each transition):
 *
 *     durable_start, a parent's call/spawn
 *             |
 *             v          [round: claim]           [persist: return]
 *   +-----> READY ---------> running in a worker ----------------> DONE
 *   |         ^                 |        |   [persist: unchecked failure] -> FAILED
 *   |         |                 |        +---[persist: cancelled]---------> CANCELLED
 *   |         |  [persist: step done, signal already queued, spawn]
 *   |         +-----------------+
 *   |                           | [persist: timer, retry backoff, child, signal, all/any]
 *   |                           v
 *   +-[claim: fire_timers; child_finished, deliver, cancel]- WAITING
 *
 *   claimed READY --[adopt: unknown function, incompatible or undecodable frame]--> HELD
 *   HELD --[unhold, at a worker's first run: the function is back]--> READY/WAITING
 *   FAILED --[durable_retry]--> READY        any unfinished --[durable_pause]--> paused flag
 */
#include "scheduler.h"

#include <stdio.h>
#include <string.h>

int durable__ensure_schema(durable_rt *rt, const durable_func *fn)
{
    for (size_t i = 0; i < rt->nstored; i++)
        if (rt->stored[i] == fn)
            return DURABLE_OK;
    int rc = rt->store->ops->put_schema(rt->store, fn);
    if (rc != DURABLE_OK)
        return rc;
    const durable_func **n = durable__realloc(rt->stored, (rt->nstored + 1) * sizeof *n);
    if (!n)
        return DURABLE_ENOMEM;
    n[rt->nstored++] = fn;
    rt->stored = n;
    return DURABLE_OK;
}

/* Insert the child a call or spawn asks for; its id is <parent>/<callee>.<n>. */
static int insert_child(durable_rt *rt, durable_co *co, int spawn_idx, char **id_out)
{
    size_t n = strlen(co->id) + strlen(co->call_fn->name) + 32;
    char *id = durable__malloc(n);
    if (!id)
        return DURABLE_ENOMEM;
    snprintf(id, n, "%s/%s.%llu", co->id, co->call_fn->name, (unsigned long long)(co->seq + 1));
    durable__row c = {0};
    c.id = id;
    c.function = (char *)co->call_fn->name;
    c.parent = co->id;
    c.spawn_idx = spawn_idx;
    c.status = DURABLE_READY;
    c.fingerprint = co->call_fn->fingerprint;
    c.args = co->req_value;
    int rc = durable__ensure_schema(rt, co->call_fn);
    if (rc == DURABLE_OK)
        rc = rt->store->ops->insert(rt->store, &c);
    if (rc != DURABLE_OK) {
        free(id);
        return rc;
    }
    rt->claim_dirty = 1;
    durable__note_event(rt, DURABLE_EVENT_STARTED, id, NULL, co->call_fn, co->id, 0);
    *id_out = id;
    return DURABLE_OK;
}

/* A child reached a final status: wake its parent if the parent waits for
 * it (I3).  Runs inside the transaction that records the child's end. */
static int child_finished(durable_rt *rt, const char *child, const char *parent, int spawn_idx, int status,
                          const durable__buf *result)
{
    if (!parent)
        return DURABLE_OK;
    durable__store *s = rt->store;
    durable__row p;
    int rc = s->ops->get(s, parent, &p);
    if (rc != DURABLE_OK)
        return rc == DURABLE_ENOENT ? DURABLE_OK : rc;
    int wake = 0, ok = status == DURABLE_DONE;
    durable__buf v = {0};
    if (p.status == DURABLE_WAITING || p.status == DURABLE_HELD) {
        if (p.wait_kind == DURABLE__WAIT_CHILD && p.waiting_on && strcmp(p.waiting_on, child) == 0) {
            wake = 1;
            p.await_error = ok ? 0 : status == DURABLE_CANCELLED ? DURABLE_ECANCELLED : DURABLE_ECHILD;
            if (ok)
                rc = durable__buf_put(&v, result->p, result->n);
        } else if (p.wait_kind == DURABLE__WAIT_ALL && spawn_idx >= 0) {
            durable__spawns sp;
            rc = s->ops->spawns(s, parent, &sp);
            free(sp.finished_id);
            if (rc == DURABLE_OK && sp.unfinished == 0) {
                wake = 1;
                rc = durable__encode_int(sp.failed, &v);
            }
        } else if (p.wait_kind == DURABLE__WAIT_ANY && spawn_idx >= 0) {
            durable__row c = {0};
            c.id = (char *)child;
            c.spawn_idx = spawn_idx;
            c.collected = 1;
            wake = 1;
            rc = s->ops->update(s, &c, DURABLE__W_COLLECTED);
            if (rc == DURABLE_OK)
                rc = durable__encode_int(spawn_idx, &v);
        }
    }
    if (rc == DURABLE_OK && wake) {
        durable__buf_free(&p.value);
        p.value = v;
        v.p = NULL;
        durable__buf_free(&p.payload);
        p.ready = 1;
        p.wait_kind = DURABLE__WAIT_NONE;
        free(p.waiting_on);
        p.waiting_on = NULL;
        free(p.owner);
        p.owner = NULL;
        if (p.status == DURABLE_WAITING)
            p.status = DURABLE_READY;
        rc = s->ops->update(s, &p, DURABLE__W_FRAME | DURABLE__W_STATUS);
        rt->claim_dirty = 1;
    }
    durable__buf_free(&v);
    durable__row_clear(&p);
    return rc;
}

/* End a stored workflow that is not in memory (cancelled while waiting). */
int durable__finish_row(durable_rt *rt, durable__row *r, int status, int code, const char *msg)
{
    r->status = status;
    r->error_code = code;
    free(r->error);
    r->error = msg ? durable__strdup(msg) : NULL;
    free(r->owner);
    r->owner = NULL;
    r->wake_ms = 0;
    int rc = rt->store->ops->update(rt->store, r, DURABLE__W_STATUS | DURABLE__W_TIMER);
    if (rc == DURABLE_OK)
        rc = child_finished(rt, r->id, r->parent, r->spawn_idx, status, &r->result);
    if (rc == DURABLE_OK) {
        const durable_func *fn = durable__registry_find(r->function);
        durable__note_event(rt, status == DURABLE_CANCELLED ? DURABLE_EVENT_CANCELLED : DURABLE_EVENT_FAILED, r->id,
                            r->function, fn && fn->fingerprint == r->fingerprint ? fn : NULL, r->parent, r->state);
        durable_event *e = durable__last_event(rt);
        if (e) {
            e->error = code;
            e->message = durable__event_str(rt, msg);
        }
    }
    return rc;
}

/* The row as this coroutine's checkpoint of this round leaves it. */
static void row_of(durable_rt *rt, const durable_co *co, durable__row *r)
{
    memset(r, 0, sizeof *r);
    r->id = co->id;
    r->function = (char *)co->fn->name;
    r->parent = co->parent;
    r->owner = rt->owner;
    r->status = DURABLE_READY;
    r->fingerprint = co->fn->fingerprint;
    r->state = co->state;
    r->await_seq = co->await_seq;
    r->seq = co->seq + 1;
    r->cancel = co->cancel;
    r->policy = co->policy;
    r->frame = co->enc_frame;
}

enum { STEP_OK, STEP_RETRY, STEP_GAVE_UP };

static int step_outcome(const durable_co *co)
{
    if (!co->failed)
        return STEP_OK;
    durable_retry_policy p = durable__policy_of(co);
    if (co->fail_permanent || co->attempt + 1 >= p.max_attempts)
        return STEP_GAVE_UP;
    return STEP_RETRY;
}

/* The event a checkpoint of this coroutine makes, now that it leaves the
 * workflow in `status`. */
static void note_outcome(durable_rt *rt, durable_co *co, int status)
{
    int kind = 0;
    if (co->req == REQ_STEP && co->failed)
        kind = DURABLE_EVENT_STEP_FAILED;
    else if (co->req == REQ_DONE)
        kind = DURABLE_EVENT_FINISHED;
    else if (co->req == REQ_FAIL)
        kind = status == DURABLE_CANCELLED ? DURABLE_EVENT_CANCELLED : DURABLE_EVENT_FAILED;
    else if (status == DURABLE_WAITING)
        kind = DURABLE_EVENT_SUSPENDED;
    if (!kind)
        return;
    durable__note_event(rt, kind, co->id, NULL, co->fn, co->parent, co->state);
    durable_event *e = durable__last_event(rt);
    if (!e)
        return;
    if (kind == DURABLE_EVENT_STEP_FAILED) {
        e->attempt = co->attempt + 1;
        e->retry_at_ms = status == DURABLE_WAITING ? co->req_wake : 0;
    }
    if (kind != DURABLE_EVENT_SUSPENDED && kind != DURABLE_EVENT_FINISHED) {
        e->error = co->fail_code;
        e->message = durable__event_str(rt, co->fail_msg);
    }
}

/* Write what this coroutine's request means, inside the round's transaction.
 * Sets co->status-to-be in *status_out. */
int durable__persist(durable_rt *rt, durable_co *co, int *status_out)
{
    durable__store *s = rt->store;
    durable__row r;
    durable__event ev = {co->id, co->seq + 1, co->state, "", co->attempt + 1, 0, NULL, co->fn->fingerprint};
    int what = DURABLE__W_FRAME, rc = DURABLE_OK;
    char *cid = NULL;
    durable__buf scratch = {0};
    durable__spawns sp = {0};
    row_of(rt, co, &r);
    switch (co->req) {
    case REQ_STEP:
        switch (step_outcome(co)) {
        case STEP_OK:
            r.ready = 1;
            r.value = co->req_value;
            ev.what = "step";
            break;
        case STEP_RETRY: {
            durable_retry_policy p = durable__policy_of(co);
            r.attempt = co->attempt + 1;
            r.status = DURABLE_WAITING;
            r.wait_kind = DURABLE__WAIT_RETRY;
            co->req_wake = durable__now_ms(rt) + durable__backoff_ms(rt, &p, r.attempt);
            r.wake_ms = co->req_wake;
            ev.what = "retry";
            ev.error_code = co->fail_code;
            ev.detail = co->fail_msg;
            break;
        }
        default:
            r.ready = 1;
            r.await_error = co->fail_permanent ? DURABLE_EPERMANENT : DURABLE_ESTEP;
            co->req_value.n = 0; /* its value: zeroes */
            ev.what = "step-failed";
            ev.error_code = co->fail_code;
            ev.detail = co->fail_msg;
        }
        break;
    case REQ_CALL:
        rc = insert_child(rt, co, -1, &cid);
        r.status = DURABLE_WAITING;
        r.wait_kind = DURABLE__WAIT_CHILD;
        r.waiting_on = cid;
        ev.what = "call";
        ev.detail = cid;
        break;
    case REQ_SPAWN:
        rc = s->ops->spawns(s, co->id, &sp);
        if (rc == DURABLE_OK)
            rc = insert_child(rt, co, sp.total, &cid);
        if (rc == DURABLE_OK)
            rc = durable__encode_int(sp.total, &scratch);
        r.ready = 1;
        r.value = scratch;
        ev.what = "spawn";
        ev.detail = cid;
        break;
    case REQ_ALL:
    case REQ_ANY:
        rc = s->ops->spawns(s, co->id, &sp);
        ev.what = co->req == REQ_ALL ? "all" : "any";
        if (rc != DURABLE_OK)
            break;
        if (co->req == REQ_ALL ? sp.unfinished == 0 : sp.finished_uncollected >= 0 || sp.unfinished == 0) {
            int v = co->req == REQ_ALL ? sp.failed : sp.finished_uncollected;
            if (co->req == REQ_ANY && sp.finished_uncollected >= 0) {
                durable__row c = {0};
                c.id = sp.finished_id;
                c.spawn_idx = v;
                c.collected = 1;
                rc = s->ops->update(s, &c, DURABLE__W_COLLECTED);
            }
            if (rc == DURABLE_OK)
                rc = durable__encode_int(v, &scratch);
            r.ready = 1;
            r.value = scratch;
        } else {
            r.status = DURABLE_WAITING;
            r.wait_kind = co->req == REQ_ALL ? DURABLE__WAIT_ALL : DURABLE__WAIT_ANY;
        }
        break;
    case REQ_SLEEP:
        r.status = DURABLE_WAITING;
        r.wait_kind = DURABLE__WAIT_TIMER;
        r.wake_ms = co->req_wake;
        ev.what = "sleep";
        break;
    case REQ_SIGNAL:
        ev.what = "signal";
        ev.detail = co->req_name;
        rc = s->ops->take_signal(s, co->id, co->req_name, &r.payload);
        if (rc == DURABLE_OK) { /* sent before we waited: queued for us */
            r.ready = 1;
            rc = durable__encode_int(1, &scratch);
            r.value = scratch;
        } else if (rc == DURABLE_ENOENT) {
            rc = DURABLE_OK;
            r.status = DURABLE_WAITING;
            r.wait_kind = DURABLE__WAIT_SIGNAL;
            r.waiting_on = co->req_name;
            r.wake_ms = co->req_wake; /* 0: no timeout */
        }
        break;
    case REQ_DONE:
        what = DURABLE__W_RESULT;
        /* A function that returns has handled whatever happened, a delivered
         * cancellation included: it is done, with its value. */
        r.status = DURABLE_DONE;
        r.result = co->req_value;
        ev.what = "return";
        break;
    default: /* REQ_FAIL: the frame of the last good checkpoint stays */
        what = 0;
        r.status = co->fail_code == DURABLE_ECANCELLED ? DURABLE_CANCELLED : DURABLE_FAILED;
        r.error_code = co->fail_code;
        r.error = co->fail_msg;
        ev.what = r.status == DURABLE_CANCELLED ? "cancelled" : "fail";
        ev.error_code = co->fail_code;
        ev.detail = co->fail_msg;
        break;
    }
    if (r.wake_ms > 0)
        what |= DURABLE__W_TIMER;
    if (what & DURABLE__W_RESULT)
        r.owner = NULL;
    /* Another process (an operator's CLI) may have cancelled or paused it
     * since we claimed it: only then read the flags back. */
    if (rc == DURABLE_OK && rt->external) {
        int cancel = 0, paused = 0;
        rc = s->ops->flags(s, co->id, &cancel, &paused);
        if (cancel > r.cancel)
            r.cancel = cancel;
        r.paused = paused;
    }
    if (rc == DURABLE_OK)
        rc = s->ops->update(s, &r, what);
    /* Then the status: a coroutine this worker keeps running stays claimed by
     * it, unless an operator paused it meanwhile. */
    if (rc == DURABLE_OK) {
        co->cancel = r.cancel;
        if ((r.status != DURABLE_READY || r.paused) && !(what & DURABLE__W_RESULT)) {
            r.owner = NULL; /* claimed rows stay ready, owned by us */
            rc = s->ops->update(s, &r, DURABLE__W_STATUS);
        }
    }
    if (rc == DURABLE_OK && (r.status == DURABLE_DONE || r.status == DURABLE_FAILED ||
                             r.status == DURABLE_CANCELLED)) {
        durable__buf none = {0};
        rc = child_finished(rt, co->id, co->parent, co->spawn_idx, r.status,
                            r.status == DURABLE_DONE ? &co->req_value : &none);
    }
    /* What the coroutine resumes with is the value just written (I2). */
    if (rc == DURABLE_OK && r.status == DURABLE_READY && r.value.p != co->req_value.p) {
        co->req_value.n = 0;
        if (r.value.p)
            rc = durable__buf_put(&co->req_value, r.value.p, r.value.n);
    }
    if (rc == DURABLE_OK)
        rc = s->ops->append(s, &ev);
    if (rc == DURABLE_OK)
        note_outcome(rt, co, r.status);
    if (rc == DURABLE_OK) {
        rt->stats.awaits++;
        if (r.wake_ms > 0 && (!rt->next_due || r.wake_ms < rt->next_due))
            rt->next_due = r.wake_ms;
        *status_out = r.paused && r.status == DURABLE_READY ? DURABLE_PAUSED : r.status;
        if (r.payload.p && r.status == DURABLE_READY)
            rc = durable__set_payload(co, &r.payload);
        else
            co->payload.n = 0;
    }
    if (co->req == REQ_SIGNAL)
        durable__buf_free(&r.payload);
    durable__buf_free(&scratch);
    free(sp.finished_id);
    free(cid);
    return rc;
}

/* After the commit: a coroutine that stays ready goes on with exactly what
 * was committed (I2); any other leaves memory. */
int durable__apply(durable_rt *rt, durable_co *co, int status)
{
    if (status != DURABLE_READY) { /* unlinked by round_commit already */
        if (status == DURABLE_WAITING || status == DURABLE_PAUSED)
            durable__park(rt, co, co->seq + 1); /* the checkpoint just committed */
        durable__co_free(co);
        return DURABLE_OK;
    }
    /* the outcome depends on the attempts so far: decide before resetting them */
    int gave_up = co->req == REQ_STEP && step_outcome(co) == STEP_GAVE_UP;
    co->seq++;
    co->ready = 1;
    co->attempt = 0;
    co->await_error = gave_up ? (co->fail_permanent ? DURABLE_EPERMANENT : DURABLE_ESTEP) : 0;
    const durable_field *vd = durable__await_value(co->fn, co->state);
    size_t vsize = vd ? vd->size : 0;
    int raw = co->req == REQ_STEP && !gave_up && vsize && co->raw_value.n == vsize;
    int rc = DURABLE_OK;
    if (raw && vsize > co->value_cap) {
        unsigned char *grown = durable__realloc(co->value, vsize);
        if (grown) {
            co->value = grown;
            co->value_cap = vsize;
        } else
            raw = 0;
    }
    if (raw) { /* the value exactly as the step returned it (I7) */
        memcpy(co->value, co->raw_value.p, vsize);
        co->value_size = vsize;
    } else
        rc = durable__co_load_state(co, NULL, &co->req_value);
    if (rc == DURABLE_OK)
        durable__enqueue(rt, co);
    return rc;
}

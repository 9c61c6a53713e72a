/*
 * transition.c — what a checkpoint writes: persist turns the request of one
 * coroutine's run (co->req: a step's value or failure, a call, a spawn,
 * all/any, a timer, a signal wait, a return, a failure) into its row's new
 * frame, value and status inside the round's transaction; apply carries the
 * committed outcome into memory after the commit; child_finished wakes a
 * parent waiting for a child that ended, in the same transaction.
 *
 * Every change of a workflow's status is made here (a new workflow starts
 * READY in host.c and a parent's call/spawn here; fire_timers, the store's,
 * makes due timers READY inside the claim): the checkpoint's, one function
 * per kind of request (on_step ... on_fail), and at the end of this file
 * those made outside a checkpoint, which claim.c (hold, release_held) and
 * control.c (deliver, wake_cancelled, rerun_failed) call.  The diagram
 * below names the function of every transition.  Keeps I2 (the value a coroutine
 * resumes with is the one written), I3 (a child is inserted with its parent's
 * checkpoint; its end wakes the parent) and I7 (apply keeps the frame block).
 *
 * Lifecycle of a workflow (status column; the function of each transition):
 *
 *     durable_start, a parent's call/spawn (on_call, on_spawn)
 *             |
 *             v          [round: claim]            [on_return]
 *   +-----> READY ---------> running in a worker ----------------> DONE
 *   |         ^                 |        |   [on_fail: unchecked failure] -> FAILED
 *   |         |                 |        +---[on_fail: cancelled]---------> CANCELLED
 *   |         |  [on_step: done or gave up; on_signal: already queued; on_spawn;
 *   |         |   on_join: children allow it]
 *   |         +-----------------+
 *   |                           | [on_sleep; on_step: retry backoff; on_call;
 *   |                           |  on_signal; on_join]
 *   |                           v
 *   +-[fire_timers (store); child_finished; deliver; wake_cancelled]- WAITING
 *
 *   claimed READY --[hold: unknown function, incompatible or undecodable frame]--> HELD
 *   HELD --[release_held, at a worker's first run: the function is back]--> READY/WAITING
 *   FAILED --[rerun_failed: durable_retry]--> READY
 *   any unfinished --[durable_pause]--> paused flag (not a status)
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

/* A checkpoint being built: the row as it will be written, what of it to
 * write (DURABLE__W_*), its history entry, and what those point at. */
typedef struct ckpt {
    durable__row r;
    durable__event ev;
    int what;
    char *cid;             /* a child's id */
    durable__buf scratch;  /* an int value a runtime awaitable yields */
    durable__spawns sp;
} ckpt;

/* One function per kind of request: each sets the row's status, wait and
 * value for what co asked for, and the history entry. */

/* A step ended: its value, or a retry after a durable backoff, or the
 * failure the await returns when the retries are exhausted. */
static int on_step(durable_rt *rt, durable_co *co, ckpt *k)
{
    switch (step_outcome(co)) {
    case STEP_OK:
        k->r.ready = 1;
        k->r.value = co->req_value;
        k->ev.what = "step";
        break;
    case STEP_RETRY: {
        durable_retry_policy p = durable__policy_of(co);
        k->r.attempt = co->attempt + 1;
        k->r.status = DURABLE_WAITING;
        k->r.wait_kind = DURABLE__WAIT_RETRY;
        co->req_wake = durable__now_ms(rt) + durable__backoff_ms(rt, &p, k->r.attempt);
        k->r.wake_ms = co->req_wake;
        k->ev.what = "retry";
        k->ev.error_code = co->fail_code;
        k->ev.detail = co->fail_msg;
        break;
    }
    default:
        k->r.ready = 1;
        k->r.await_error = co->fail_permanent ? DURABLE_EPERMANENT : DURABLE_ESTEP;
        co->req_value.n = 0; /* its value: zeroes */
        k->ev.what = "step-failed";
        k->ev.error_code = co->fail_code;
        k->ev.detail = co->fail_msg;
    }
    return DURABLE_OK;
}

/* A child is called: inserted now (I3); the parent waits for its end. */
static int on_call(durable_rt *rt, durable_co *co, ckpt *k)
{
    int rc = insert_child(rt, co, -1, &k->cid);
    k->r.status = DURABLE_WAITING;
    k->r.wait_kind = DURABLE__WAIT_CHILD;
    k->r.waiting_on = k->cid;
    k->ev.what = "call";
    k->ev.detail = k->cid;
    return rc;
}

/* A child is spawned: inserted now; the parent goes on with its handle. */
static int on_spawn(durable_rt *rt, durable_co *co, ckpt *k)
{
    durable__store *s = rt->store;
    int rc = s->ops->spawns(s, co->id, &k->sp);
    if (rc == DURABLE_OK)
        rc = insert_child(rt, co, k->sp.total, &k->cid);
    if (rc == DURABLE_OK)
        rc = durable__encode_int(k->sp.total, &k->scratch);
    k->r.ready = 1;
    k->r.value = k->scratch;
    k->ev.what = "spawn";
    k->ev.detail = k->cid;
    return rc;
}

/* durable_all / durable_any: go on if the spawned children allow it (all
 * ended; one more ended, which is then collected), else wait. */
static int on_join(durable_rt *rt, durable_co *co, ckpt *k)
{
    durable__store *s = rt->store;
    int all = co->req == REQ_ALL;
    int rc = s->ops->spawns(s, co->id, &k->sp);
    k->ev.what = all ? "all" : "any";
    if (rc != DURABLE_OK)
        return rc;
    if (all ? k->sp.unfinished == 0 : k->sp.finished_uncollected >= 0 || k->sp.unfinished == 0) {
        int v = all ? k->sp.failed : k->sp.finished_uncollected;
        if (!all && k->sp.finished_uncollected >= 0) {
            durable__row c = {0};
            c.id = k->sp.finished_id;
            c.spawn_idx = v;
            c.collected = 1;
            rc = s->ops->update(s, &c, DURABLE__W_COLLECTED);
        }
        if (rc == DURABLE_OK)
            rc = durable__encode_int(v, &k->scratch);
        k->r.ready = 1;
        k->r.value = k->scratch;
    } else {
        k->r.status = DURABLE_WAITING;
        k->r.wait_kind = all ? DURABLE__WAIT_ALL : DURABLE__WAIT_ANY;
    }
    return rc;
}

/* A durable timer: wait until it is due. */
static int on_sleep(durable_rt *rt, durable_co *co, ckpt *k)
{
    (void)rt;
    k->r.status = DURABLE_WAITING;
    k->r.wait_kind = DURABLE__WAIT_TIMER;
    k->r.wake_ms = co->req_wake;
    k->ev.what = "sleep";
    return DURABLE_OK;
}

/* A signal wait: one already queued is taken now, else wait (with its
 * timeout, if any). */
static int on_signal(durable_rt *rt, durable_co *co, ckpt *k)
{
    durable__store *s = rt->store;
    k->ev.what = "signal";
    k->ev.detail = co->req_name;
    int rc = s->ops->take_signal(s, co->id, co->req_name, &k->r.payload);
    if (rc == DURABLE_OK) { /* sent before we waited: queued for us */
        k->r.ready = 1;
        rc = durable__encode_int(1, &k->scratch);
        k->r.value = k->scratch;
    } else if (rc == DURABLE_ENOENT) {
        rc = DURABLE_OK;
        k->r.status = DURABLE_WAITING;
        k->r.wait_kind = DURABLE__WAIT_SIGNAL;
        k->r.waiting_on = co->req_name;
        k->r.wake_ms = co->req_wake; /* 0: no timeout */
    }
    return rc;
}

/* The function returned. */
static int on_return(durable_rt *rt, durable_co *co, ckpt *k)
{
    (void)rt;
    k->what = DURABLE__W_RESULT;
    /* A function that returns has handled whatever happened, a delivered
     * cancellation included: it is done, with its value. */
    k->r.status = DURABLE_DONE;
    k->r.result = co->req_value;
    k->ev.what = "return";
    return DURABLE_OK;
}

/* The workflow ends failed or cancelled; the frame of its last good
 * checkpoint stays (durable_retry runs it again from there). */
static int on_fail(durable_rt *rt, durable_co *co, ckpt *k)
{
    (void)rt;
    k->what = 0;
    k->r.status = co->fail_code == DURABLE_ECANCELLED ? DURABLE_CANCELLED : DURABLE_FAILED;
    k->r.error_code = co->fail_code;
    k->r.error = co->fail_msg;
    k->ev.what = k->r.status == DURABLE_CANCELLED ? "cancelled" : "fail";
    k->ev.error_code = co->fail_code;
    k->ev.detail = co->fail_msg;
    return DURABLE_OK;
}

static int (*const on_request[])(durable_rt *, durable_co *, ckpt *) = {
    [REQ_STEP] = on_step,     [REQ_CALL] = on_call,   [REQ_SPAWN] = on_spawn,
    [REQ_ALL] = on_join,      [REQ_ANY] = on_join,    [REQ_SLEEP] = on_sleep,
    [REQ_SIGNAL] = on_signal, [REQ_DONE] = on_return, [REQ_FAIL] = on_fail,
};

/* Write what this coroutine's request means, inside the round's transaction
 * (the function of its kind above), then what every checkpoint writes: the
 * flags an operator may have changed, the status, the parent's wake-up, the
 * history.  Sets co's status-to-be in *status_out. */
int durable__persist(durable_rt *rt, durable_co *co, int *status_out)
{
    durable__store *s = rt->store;
    ckpt k = {.what = DURABLE__W_FRAME};
    k.ev = (durable__event){co->id, co->seq + 1, co->state, "", co->attempt + 1, 0, NULL, co->fn->fingerprint};
    row_of(rt, co, &k.r);
    int req = co->req > REQ_NONE && co->req <= REQ_FAIL ? co->req : REQ_FAIL;
    if (req != co->req) /* REQ_NONE or REQ_RUNNING: never persisted; say so rather than guess */
        durable__set_fail(co, DURABLE_ESTATE, "checkpoint of a coroutine without a request");
    int rc = on_request[req](rt, co, &k);
    durable__row r = k.r;
    durable__event ev = k.ev;
    int what = k.what;
    if (r.wake_ms > 0)
        what |= DURABLE__W_TIMER;
    if (what & DURABLE__W_RESULT)
        r.owner = NULL;
    /* Another process (an operator's CLI) may have cancelled or paused it
     * since we claimed it: only then read the flags back. */
    if (rc == DURABLE_OK && (rt->external || co->recheck)) {
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
    /* What the coroutine resumes with is the value just written (I2), kept
     * beside the request: a round redone after a lost conflict
     * (DURABLE__REDO) persists the same request again, a spawn's child
     * arguments included. */
    if (rc == DURABLE_OK && r.status == DURABLE_READY) {
        co->resume_value.n = 0;
        co->resume_own = r.value.p != co->req_value.p;
        if (co->resume_own && r.value.p)
            rc = durable__buf_put(&co->resume_value, r.value.p, r.value.n);
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
    durable__buf_free(&k.scratch);
    free(k.sp.finished_id);
    free(k.cid);
    return rc;
}

/* After the commit: a coroutine that stays ready goes on with exactly what
 * was committed (I2); any other leaves memory. */
int durable__apply(durable_rt *rt, durable_co *co, int status)
{
    co->recheck = 0; /* persist read the flags back (kept until the commit: a redo reads them again) */
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
        rc = durable__co_load_state(co, NULL, co->resume_own ? &co->resume_value : &co->req_value);
    if (rc == DURABLE_OK)
        durable__enqueue(rt, co);
    return rc;
}

/* ------------------------------------------------------------------------
 * Transitions made outside a checkpoint, by the claim (claim.c) and by
 * operators (control.c): the row r is read in the caller's transaction.
 * ---------------------------------------------------------------------- */

/* claimed READY -> HELD: this program cannot run it (I6). */
int durable__hold(durable_rt *rt, durable__row *r, int code, const char *why)
{
    r->status = DURABLE_HELD;
    free(r->owner);
    r->owner = NULL;
    r->error_code = code;
    free(r->error);
    r->error = durable__strdup(why);
    int rc = r->error ? rt->store->ops->update(rt->store, r, DURABLE__W_STATUS) : DURABLE_ENOMEM;
    if (rc == DURABLE_OK) {
        durable__note_event(rt, DURABLE_EVENT_HELD, r->id, r->function, NULL, r->parent, r->state);
        durable_event *e = durable__last_event(rt);
        if (e) {
            e->error = code;
            e->message = durable__event_str(rt, why);
        }
    }
    return rc;
}

/* HELD -> READY or WAITING: the function is back (unhold, claim.c). */
int durable__release_held(durable_rt *rt, durable__row *r)
{
    r->status = r->ready || r->state == 0 ? DURABLE_READY : DURABLE_WAITING;
    r->error_code = 0;
    free(r->error);
    r->error = NULL;
    free(r->owner);
    r->owner = NULL;
    return rt->store->ops->update(rt->store, r, DURABLE__W_STATUS);
}

/* Hand the oldest queued signal of r's awaited name to r, which waits for it. */
int durable__deliver(durable_rt *rt, durable__row *r)
{
    durable__store *s = rt->store;
    durable__buf_free(&r->payload);
    int rc = s->ops->take_signal(s, r->id, r->waiting_on, &r->payload);
    if (rc == DURABLE_OK)
        rc = durable__encode_int(1, &r->value);
    if (rc != DURABLE_OK)
        return rc;
    r->ready = 1;
    r->await_error = 0;
    r->wait_kind = DURABLE__WAIT_NONE;
    free(r->waiting_on);
    r->waiting_on = NULL;
    r->wake_ms = 0;
    free(r->owner);
    r->owner = NULL;
    r->status = DURABLE_READY;
    rt->claim_dirty = 1;
    return s->ops->update(s, r, DURABLE__W_FRAME | DURABLE__W_STATUS | DURABLE__W_TIMER);
}

/* WAITING -> READY with ECANCELLED as its await's outcome, or -> CANCELLED
 * at once when the code at that await does not look at it (`checks`). */
int durable__wake_cancelled(durable_rt *rt, durable__row *r, int checks)
{
    r->cancel = 2;
    r->ready = 1;
    r->await_error = DURABLE_ECANCELLED;
    durable__buf_free(&r->value);
    durable__buf_free(&r->payload);
    r->wait_kind = DURABLE__WAIT_NONE;
    free(r->waiting_on);
    r->waiting_on = NULL;
    r->wake_ms = 0;
    int rc = rt->store->ops->update(rt->store, r, DURABLE__W_FRAME | DURABLE__W_TIMER);
    if (rc != DURABLE_OK)
        return rc;
    if (!checks) /* nothing would look at it: it ends here */
        return durable__finish_row(rt, r, DURABLE_CANCELLED, DURABLE_ECANCELLED, "cancelled");
    free(r->owner);
    r->owner = NULL;
    r->status = DURABLE_READY;
    rt->claim_dirty = 1;
    return rt->store->ops->update(rt->store, r, DURABLE__W_STATUS);
}

/* FAILED -> READY (durable_retry): the await where it failed is issued
 * again, its attempts counted anew. */
int durable__rerun_failed(durable_rt *rt, durable__row *r)
{
    r->ready = 0;
    r->attempt = 0;
    r->seq++; /* the failure's history line took the next checkpoint number */
    r->await_error = 0;
    r->status = DURABLE_READY;
    r->error_code = 0;
    free(r->error);
    r->error = NULL;
    free(r->owner);
    r->owner = NULL;
    rt->claim_dirty = 1;
    return rt->store->ops->update(rt->store, r, DURABLE__W_FRAME | DURABLE__W_STATUS);
}

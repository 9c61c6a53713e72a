/*
 * sched.c — the scheduler, the host API and the ABI of generated code.
 *
 * A coroutine (struct durable_co) is one workflow or child in memory: its
 * function, its frame, its decoded arguments and the value of its last await.
 * durable_run works in rounds: it calls the step function of every ready
 * coroutine once, each runs to its next await (or returns), and then the
 * round's checkpoints are written in ONE transaction (group commit).  Only
 * after that commit are the round's effects applied in memory: steps'
 * values become visible, children start, timers are armed, parents wake.
 *
 * Lifecycle of a coroutine (status in durable_workflows; the function that
 * makes each transition in brackets):
 *
 *            durable_start / durable__call
 *                        |
 *                        v
 *     +------------> READY --------[persist: return]------> DONE
 *     |                | \
 *     |                |  +-------[persist: bad state, misuse]--> FAILED
 *     |   [persist: step done, or retries exhausted]
 *     |                |
 *     |                v
 *     +-- [fire_timers, wake]-- WAITING  (timer, retry backoff, child)
 *
 *   READY/WAITING --[load: unknown function, incompatible frame]--> HELD
 *   HELD --[load: a compatible program opens the file]--> READY/WAITING
 *
 * Invariants (the code that keeps each one is named):
 *   I1. A step function is never re-entered past an await whose checkpoint
 *       has not committed: run_round calls each coroutine at most once and
 *       apply() runs only after the round's commit succeeded.
 *   I2. What a coroutine resumes with is exactly what was committed: apply()
 *       decodes the frame and value blobs that were just written, whether or
 *       not the process restarted (so behaviour cannot differ after a crash).
 *   I3. A child is created in the same transaction as its parent's checkpoint
 *       at the await that calls it, and a finished child wakes its parent in
 *       the transaction that records its result (persist()).  So a parent
 *       never waits for a child that does not exist, and never misses one.
 *   I4. If a round's transaction fails, memory is ahead of the file: the
 *       runtime drops every coroutine and reloads from the file (rt->stale).
 *   I5. Nothing is deleted that the runtime does not understand: rows of
 *       unknown functions or incompatible frames are held, not removed.
 */
#include "store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What the last call of a step function asked for. */
enum req {
    REQ_NONE = 0,
    REQ_STEP,   /* an ordinary function ran; its value (or failure) is recorded */
    REQ_CALL,   /* start a child */
    REQ_SLEEP,  /* arm a timer */
    REQ_DONE,   /* the function returned */
    REQ_FAIL    /* the coroutine cannot go on (misuse, bad state) */
};

struct durable_co {
    durable_rt *rt;
    durable_func *fn;
    char *id, *parent;
    int status;
    int state, ready, await_error, attempt;
    uint64_t seq, await_seq;
    int64_t wake_ms;
    void *frame;                 /* fn->frame_size bytes */
    void *args;                  /* fn->args_size bytes */
    unsigned char *value;        /* the current await's value (value_size bytes) */
    size_t value_size;
    durable__arena strings;      /* strings of frame and value; renewed each checkpoint */
    durable__arena arg_strings;  /* strings of args; live as long as the coroutine */
    int cur_error;               /* what durable_error() returns */
    int db_status, db_timer;     /* what the file holds: status, and whether a timer row */
    int in_step, bad;

    /* The request of the current round. */
    int req;
    int fail_code, fail_permanent, failed;
    char *fail_msg;
    durable_func *call_fn;
    int64_t req_wake;
    durable__buf req_value;      /* encoded step value, child args or result */
    durable__buf enc_frame;      /* the frame as it will be committed */
    char *step_key;

    durable_co *hnext;           /* hash chain */
    durable_co *qnext;           /* ready queue */
    int queued;
    size_t heap_idx;             /* position in the timer heap, or SIZE_MAX */
};

struct durable_rt {
    durable__store *store;
    durable_options opts;
    durable_co **table;          /* id -> coroutine, chained */
    size_t nbuckets, count;
    durable_co *qhead, *qtail;   /* ready queue, FIFO */
    durable_co **heap;           /* waiting coroutines with a timer, by wake_ms */
    size_t nheap, heapcap;
    int loaded, stale;
    durable_stats stats;
    const durable_func **stored; /* schemas already written by this rt */
    size_t nstored;
    durable__arena result_strings;
    char *message;
    uint64_t rng;
    /* retry policy */
    int max_attempts;
    double backoff_ms, multiplier, max_backoff_ms, jitter;
};

static _Thread_local durable_co *current;

static int64_t now_ms(durable_rt *rt)
{
    return rt->opts.clock ? rt->opts.clock(rt->opts.clock_ctx) : durable__realtime_ms();
}

/* ------------------------------------------------------------------------
 * Coroutine table, ready queue and timer heap
 * ---------------------------------------------------------------------- */

static size_t hash_str(const char *s)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static durable_co *co_find(durable_rt *rt, const char *id)
{
    if (!rt->nbuckets)
        return NULL;
    for (durable_co *c = rt->table[hash_str(id) % rt->nbuckets]; c; c = c->hnext)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

static int co_insert(durable_rt *rt, durable_co *co)
{
    if (rt->count + 1 > rt->nbuckets) {
        size_t nb = rt->nbuckets ? rt->nbuckets * 2 : 64;
        durable_co **t = calloc(nb, sizeof *t);
        if (!t)
            return DURABLE_ENOMEM;
        for (size_t i = 0; i < rt->nbuckets; i++)
            for (durable_co *c = rt->table[i], *n; c; c = n) {
                n = c->hnext;
                size_t b = hash_str(c->id) % nb;
                c->hnext = t[b];
                t[b] = c;
            }
        free(rt->table);
        rt->table = t;
        rt->nbuckets = nb;
    }
    size_t b = hash_str(co->id) % rt->nbuckets;
    co->hnext = rt->table[b];
    rt->table[b] = co;
    rt->count++;
    return DURABLE_OK;
}

static void co_unlink(durable_rt *rt, durable_co *co)
{
    durable_co **p = &rt->table[hash_str(co->id) % rt->nbuckets];
    while (*p && *p != co)
        p = &(*p)->hnext;
    if (*p) {
        *p = co->hnext;
        rt->count--;
    }
}

static void enqueue(durable_rt *rt, durable_co *co)
{
    if (co->queued)
        return;
    co->queued = 1;
    co->qnext = NULL;
    if (rt->qtail)
        rt->qtail->qnext = co;
    else
        rt->qhead = co;
    rt->qtail = co;
}

static void heap_swap(durable_rt *rt, size_t a, size_t b)
{
    durable_co *t = rt->heap[a];
    rt->heap[a] = rt->heap[b];
    rt->heap[b] = t;
    rt->heap[a]->heap_idx = a;
    rt->heap[b]->heap_idx = b;
}

static void heap_up(durable_rt *rt, size_t i)
{
    while (i > 0 && rt->heap[(i - 1) / 2]->wake_ms > rt->heap[i]->wake_ms) {
        heap_swap(rt, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(durable_rt *rt, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < rt->nheap && rt->heap[l]->wake_ms < rt->heap[m]->wake_ms)
            m = l;
        if (r < rt->nheap && rt->heap[r]->wake_ms < rt->heap[m]->wake_ms)
            m = r;
        if (m == i)
            return;
        heap_swap(rt, i, m);
        i = m;
    }
}

static int heap_push(durable_rt *rt, durable_co *co)
{
    if (rt->nheap == rt->heapcap) {
        size_t cap = rt->heapcap ? rt->heapcap * 2 : 64;
        durable_co **h = realloc(rt->heap, cap * sizeof *h);
        if (!h)
            return DURABLE_ENOMEM;
        rt->heap = h;
        rt->heapcap = cap;
    }
    co->heap_idx = rt->nheap;
    rt->heap[rt->nheap++] = co;
    heap_up(rt, co->heap_idx);
    return DURABLE_OK;
}

static void heap_remove(durable_rt *rt, durable_co *co)
{
    size_t i = co->heap_idx;
    if (i == SIZE_MAX)
        return;
    co->heap_idx = SIZE_MAX;
    if (i != --rt->nheap) {
        rt->heap[i] = rt->heap[rt->nheap];
        rt->heap[i]->heap_idx = i;
        heap_down(rt, i);
        heap_up(rt, i);
    }
}

static void co_free(durable_co *co)
{
    if (!co)
        return;
    free(co->id);
    free(co->parent);
    free(co->frame);
    free(co->args);
    free(co->value);
    free(co->fail_msg);
    free(co->step_key);
    durable__arena_free(&co->strings);
    durable__arena_free(&co->arg_strings);
    durable__buf_free(&co->req_value);
    durable__buf_free(&co->enc_frame);
    free(co);
}

/* Forget every coroutine in memory (they stay in the file). */
static void drop_all(durable_rt *rt)
{
    for (size_t i = 0; i < rt->nbuckets; i++)
        for (durable_co *c = rt->table[i], *n; c; c = n) {
            n = c->hnext;
            co_free(c);
        }
    free(rt->table);
    rt->table = NULL;
    rt->nbuckets = rt->count = 0;
    rt->qhead = rt->qtail = NULL;
    rt->nheap = 0;
    rt->loaded = 0;
}

/* ------------------------------------------------------------------------
 * Values: decoding blobs into a coroutine
 * ---------------------------------------------------------------------- */

static const durable_field *await_value(const durable_func *fn, int state)
{
    return state >= 1 && (uint32_t)state <= fn->nawaits ? fn->awaits[state - 1].value : NULL;
}

/* Replace the coroutine's frame and value with what the blobs hold (I2).
 * A NULL or empty blob means zeroes; frame == NULL keeps the frame as it is
 * (a parent woken by its child gets only a value).  On failure the coroutine
 * is unchanged. */
static int co_load_state(durable_co *co, const durable__buf *frame, const durable__buf *value)
{
    durable__arena strings = {0};
    const durable_func *fn = co->fn;
    const durable_field *vd = await_value(fn, co->state);
    size_t vsize = vd ? vd->size : 0;
    unsigned char *nv = vsize ? calloc(1, vsize) : NULL;
    void *nf = frame ? calloc(1, fn->frame_size ? fn->frame_size : 1) : NULL;
    int rc = (vsize && !nv) || (frame && !nf) ? DURABLE_ENOMEM : DURABLE_OK;
    if (rc == DURABLE_OK && frame && frame->p)
        rc = durable__decode(fn->fields, fn->nfields, frame->p, frame->n, nf, &strings);
    if (rc == DURABLE_OK && value && value->p)
        rc = durable__decode(vd, vd ? 1 : 0, value->p, value->n, nv, &strings);
    if (rc != DURABLE_OK) {
        free(nv);
        free(nf);
        durable__arena_free(&strings);
        return rc;
    }
    free(co->value);
    co->value = nv;
    co->value_size = vsize;
    if (frame) {
        free(co->frame);
        co->frame = nf;
        durable__arena_free(&co->strings);
        co->strings = strings;
    } else { /* the frame's strings stay alive beside the value's */
        durable__arena_merge(&co->strings, &strings);
    }
    return DURABLE_OK;
}

/* A new coroutine for a stored row whose function is fn. */
static int co_new(durable_rt *rt, durable_func *fn, durable__row *r, durable_co **out)
{
    durable_co *co = calloc(1, sizeof *co);
    if (!co)
        return DURABLE_ENOMEM;
    co->rt = rt;
    co->fn = fn;
    co->heap_idx = SIZE_MAX;
    co->id = strdup(r->id);
    co->parent = r->parent ? strdup(r->parent) : NULL;
    co->status = r->status == DURABLE_HELD ? (r->ready || r->state == 0 ? DURABLE_READY : DURABLE_WAITING)
                                           : r->status;
    co->state = r->state;
    co->ready = r->ready;
    co->await_error = r->await_error;
    co->attempt = r->attempt;
    co->seq = r->seq;
    co->await_seq = r->await_seq;
    co->wake_ms = r->wake_ms;
    co->db_status = co->status;
    co->db_timer = r->wake_ms > 0;
    co->args = calloc(1, fn->args_size ? fn->args_size : 1);
    int rc = co->args && co->id && (co->parent || !r->parent) ? DURABLE_OK : DURABLE_ENOMEM;
    if (rc == DURABLE_OK && r->args.p)
        rc = durable__decode(fn->params, fn->nparams, r->args.p, r->args.n, co->args, &co->arg_strings);
    if (rc == DURABLE_OK)
        rc = co_load_state(co, &r->frame, &r->value);
    if (rc != DURABLE_OK) {
        co_free(co);
        return rc;
    }
    *out = co;
    return DURABLE_OK;
}

/* Put a coroutine where its state says it belongs: ready queue or timers. */
static int co_place(durable_rt *rt, durable_co *co)
{
    if (co->status == DURABLE_READY) {
        enqueue(rt, co);
        return DURABLE_OK;
    }
    if (co->status == DURABLE_WAITING && co->wake_ms > 0)
        return heap_push(rt, co);
    return DURABLE_OK; /* waiting for a child */
}

/* ------------------------------------------------------------------------
 * Loading: resume everything unfinished in the file
 * ---------------------------------------------------------------------- */

typedef struct hold {
    struct hold *next;
    durable__row row;
} hold;

typedef struct load_ctx {
    durable_rt *rt;
    hold *changes; /* rows whose status must be written after the scan */
    int rc;
} load_ctx;

/* Remember to write workflow id's status (and error) once the scan is over. */
static int note_change(load_ctx *lc, const char *id, int status, int code, const char *why)
{
    hold *h = calloc(1, sizeof *h);
    if (!h)
        return DURABLE_ENOMEM;
    h->row.id = strdup(id);
    h->row.status = status;
    h->row.error_code = code;
    h->row.error = why ? strdup(why) : NULL;
    h->next = lc->changes;
    lc->changes = h;
    return h->row.id && (!why || h->row.error) ? DURABLE_OK : DURABLE_ENOMEM;
}

static int load_one(void *ctx, durable__row *r)
{
    load_ctx *lc = ctx;
    durable_rt *rt = lc->rt;
    char why[256];
    int rc = DURABLE_OK;
    durable_func *fn = durable__registry_find(r->function);
    if (!fn) {
        snprintf(why, sizeof why, "durable function '%s' is not linked into this program", r->function);
        rc = r->status == DURABLE_HELD && r->error_code == DURABLE_ENOFUNC
                 ? DURABLE_OK
                 : note_change(lc, r->id, DURABLE_HELD, DURABLE_ENOFUNC, why);
    } else if (r->fingerprint != fn->fingerprint) {
        snprintf(why, sizeof why,
                 "frame of '%s' was written by an incompatible build (schema %016llx, this program %016llx)",
                 r->function, (unsigned long long)r->fingerprint, (unsigned long long)fn->fingerprint);
        rc = r->status == DURABLE_HELD && r->error_code == DURABLE_EINCOMPAT
                 ? DURABLE_OK
                 : note_change(lc, r->id, DURABLE_HELD, DURABLE_EINCOMPAT, why);
    } else {
        durable_co *co = NULL;
        int was_held = r->status == DURABLE_HELD;
        rc = co_new(rt, fn, r, &co);
        if (rc == DURABLE_ECORRUPT) {
            snprintf(why, sizeof why, "stored frame of '%s' does not decode", r->function);
            rc = note_change(lc, r->id, DURABLE_HELD, DURABLE_ECORRUPT, why);
        } else if (rc == DURABLE_OK) {
            rc = co_insert(rt, co);
            if (rc == DURABLE_OK)
                rc = co_place(rt, co);
            if (rc != DURABLE_OK) {
                co_free(co);
            } else {
                rt->stats.resumed++;
                if (was_held) /* a compatible program is here again */
                    rc = note_change(lc, co->id, co->status, 0, NULL);
            }
        }
    }
    durable__row_clear(r);
    return rc;
}

static int load(durable_rt *rt)
{
    drop_all(rt);
    load_ctx lc = {rt, NULL, DURABLE_OK};
    int rc = rt->store->ops->scan(rt->store, load_one, &lc);
    if (rc == DURABLE_OK && lc.changes) {
        durable__store *s = rt->store;
        rc = s->ops->begin(s);
        for (hold *h = lc.changes; rc == DURABLE_OK && h; h = h->next)
            rc = s->ops->update(s, &h->row, DURABLE__W_STATUS);
        if (rc == DURABLE_OK)
            rc = s->ops->commit(s);
        if (rc == DURABLE_OK)
            rt->stats.commits++;
        else
            s->ops->rollback(s);
    }
    while (lc.changes) {
        hold *h = lc.changes;
        lc.changes = h->next;
        durable__row_clear(&h->row);
        free(h);
    }
    if (rc != DURABLE_OK) {
        drop_all(rt);
        return rc;
    }
    rt->loaded = 1;
    rt->stale = 0;
    return DURABLE_OK;
}

/* ------------------------------------------------------------------------
 * A round: run, persist (one transaction), apply
 * ---------------------------------------------------------------------- */

static void set_fail(durable_co *co, int code, const char *msg)
{
    co->req = REQ_FAIL;
    co->fail_code = code;
    free(co->fail_msg);
    co->fail_msg = msg ? strdup(msg) : NULL;
}

/* Call the step function once and check what it asked for. */
static void run_one(durable_co *co)
{
    co->req = REQ_NONE;
    co->failed = co->fail_permanent = 0;
    co->in_step = co->bad = 0;
    current = co;
    int rc = co->fn->step(co, co->frame);
    current = NULL;
    co->in_step = 0;
    int ok = (rc == DURABLE__SUSPEND && co->req >= REQ_STEP && co->req <= REQ_SLEEP) ||
             (rc == DURABLE__DONE && co->req == REQ_DONE);
    if (co->req == REQ_FAIL)
        return;
    if (!ok) {
        char msg[160];
        snprintf(msg, sizeof msg, "step function of '%s' returned %d (%s) at await %d", co->fn->name, rc,
                 rc < 0 ? durable_strerror(rc) : "without a matching request", co->state);
        set_fail(co, rc < 0 ? rc : DURABLE_ESTATE, msg);
    }
}

static int64_t backoff_ms(durable_rt *rt, int attempt)
{
    double d = rt->backoff_ms * pow(rt->multiplier, attempt - 1);
    if (d > rt->max_backoff_ms)
        d = rt->max_backoff_ms;
    /* xorshift64: the runtime's own generator, so the user's rand() is untouched */
    rt->rng ^= rt->rng << 13;
    rt->rng ^= rt->rng >> 7;
    rt->rng ^= rt->rng << 17;
    double u = (double)(rt->rng >> 11) / 9007199254740992.0; /* [0, 1) */
    d *= 1.0 + rt->jitter * (2.0 * u - 1.0);
    return d < 0 ? 0 : (int64_t)d;
}

/* A zero value for await `state`, encoded (what a failed await yields). */
static int zero_value(const durable_func *fn, int state, durable__buf *out)
{
    const durable_field *vd = await_value(fn, state);
    void *z = calloc(1, vd ? vd->size : 1);
    if (!z)
        return DURABLE_ENOMEM;
    int rc = durable__encode(vd, vd ? 1 : 0, z, out);
    free(z);
    return rc;
}

static int ensure_schema(durable_rt *rt, const durable_func *fn)
{
    for (size_t i = 0; i < rt->nstored; i++)
        if (rt->stored[i] == fn)
            return DURABLE_OK;
    int rc = rt->store->ops->put_schema(rt->store, fn);
    if (rc != DURABLE_OK)
        return rc;
    const durable_func **n = realloc(rt->stored, (rt->nstored + 1) * sizeof *n);
    if (!n)
        return DURABLE_ENOMEM;
    n[rt->nstored++] = fn;
    rt->stored = n;
    return DURABLE_OK;
}

static char *child_id(const durable_co *co)
{
    size_t n = strlen(co->id) + strlen(co->call_fn->name) + 32;
    char *id = malloc(n);
    if (id)
        snprintf(id, n, "%s/%s.%llu", co->id, co->call_fn->name, (unsigned long long)(co->seq + 1));
    return id;
}

/* The row as the checkpoint of this round will leave it. */
static void row_of(const durable_co *co, durable__row *r)
{
    memset(r, 0, sizeof *r);
    r->id = co->id;
    r->function = (char *)co->fn->name;
    r->parent = co->parent;
    r->status = co->status;
    r->fingerprint = co->fn->fingerprint;
    r->state = co->state;
    r->await_seq = co->await_seq;
    r->seq = co->seq + 1;
    r->frame = co->enc_frame;
}

/* Outcome of a step request, decided before the transaction. */
enum { STEP_OK, STEP_RETRY, STEP_GAVE_UP };

static int step_outcome(const durable_co *co)
{
    if (!co->failed)
        return STEP_OK;
    if (co->fail_permanent || co->attempt + 1 >= co->rt->max_attempts)
        return STEP_GAVE_UP;
    return STEP_RETRY;
}

/* Write what this coroutine's request means, inside the round's transaction:
 * one update of its row, plus a child row or a parent's wake-up (I3), plus
 * one history line. */
static int persist(durable_rt *rt, durable_co *co)
{
    durable__store *s = rt->store;
    durable__row r;
    durable__event ev = {co->id, co->seq + 1, co->state, "", co->attempt + 1, 0, NULL};
    int what = DURABLE__W_FRAME, rc = DURABLE_OK;
    char *cid = NULL;
    row_of(co, &r);
    r.status = DURABLE_READY;
    switch (co->req) {
    case REQ_STEP:
        switch (step_outcome(co)) {
        case STEP_OK:
            r.ready = 1;
            r.value = co->req_value;
            ev.what = "step";
            break;
        case STEP_RETRY:
            r.attempt = co->attempt + 1;
            r.status = DURABLE_WAITING;
            co->req_wake = now_ms(rt) + backoff_ms(rt, r.attempt);
            r.wake_ms = co->req_wake;
            ev.what = "retry";
            ev.error_code = co->fail_code;
            ev.detail = co->fail_msg;
            break;
        default:
            r.ready = 1;
            r.await_error = co->fail_permanent ? DURABLE_EPERMANENT : DURABLE_ESTEP;
            rc = zero_value(co->fn, co->state, &co->req_value);
            r.value = co->req_value;
            ev.what = "step-failed";
            ev.error_code = co->fail_code;
            ev.detail = co->fail_msg;
        }
        break;
    case REQ_CALL: {
        durable__row c = {0};
        c.id = cid = child_id(co);
        c.function = (char *)co->call_fn->name;
        c.parent = co->id;
        c.status = DURABLE_READY;
        c.fingerprint = co->call_fn->fingerprint;
        c.args = co->req_value;
        rc = cid ? ensure_schema(rt, co->call_fn) : DURABLE_ENOMEM;
        if (rc == DURABLE_OK)
            rc = s->ops->insert(s, &c);
        r.status = DURABLE_WAITING;
        ev.what = "call";
        ev.detail = cid;
        break;
    }
    case REQ_SLEEP:
        r.status = DURABLE_WAITING;
        r.wake_ms = co->req_wake;
        ev.what = "sleep";
        break;
    case REQ_DONE:
        what = DURABLE__W_RESULT; /* also deletes the frame and any timer */
        r.status = DURABLE_DONE;
        r.result = co->req_value;
        ev.what = "return";
        if (co->parent)
            rc = s->ops->wake_parent(s, co->parent, 0, &co->req_value);
        break;
    default: { /* REQ_FAIL: the frame of the last good checkpoint stays */
        what = 0;
        r.status = DURABLE_FAILED;
        r.error_code = co->fail_code;
        r.error = co->fail_msg;
        ev.what = "fail";
        ev.error_code = co->fail_code;
        ev.detail = co->fail_msg;
        durable_co *p = co->parent ? co_find(rt, co->parent) : NULL;
        durable__buf z = {0};
        if (p)
            rc = zero_value(p->fn, p->state, &z);
        if (rc == DURABLE_OK && co->parent)
            rc = s->ops->wake_parent(s, co->parent, DURABLE_ECHILD, &z);
        durable__buf_free(&z);
        break;
    }
    }
    if (r.status != co->db_status)
        what |= DURABLE__W_STATUS;
    if (r.wake_ms > 0 || co->db_timer) /* arm, or delete a timer that fired */
        what |= DURABLE__W_TIMER;
    if (rc == DURABLE_OK)
        rc = s->ops->update(s, &r, what);
    if (rc == DURABLE_OK)
        rc = s->ops->append(s, &ev);
    if (rc == DURABLE_OK)
        rt->stats.awaits++;
    free(cid);
    return rc;
}

/* A finished coroutine leaves memory; its parent, if here, wakes (I3). */
static void finish(durable_rt *rt, durable_co *co, int await_error)
{
    durable_co *p = co->parent ? co_find(rt, co->parent) : NULL;
    if (p && p->status == DURABLE_WAITING) {
        durable__buf value = {0};
        int rc = await_error ? zero_value(p->fn, p->state, &value) : DURABLE_OK;
        const durable__buf *v = await_error ? &value : &co->req_value;
        if (rc == DURABLE_OK)
            rc = co_load_state(p, NULL, v); /* value only: keep p's frame */
        durable__buf_free(&value);
        if (rc != DURABLE_OK) {
            rt->stale = 1;
        } else {
            p->ready = 1;
            p->await_error = await_error;
            p->status = p->db_status = DURABLE_READY;
            enqueue(rt, p);
        }
    }
    co_unlink(rt, co);
    co_free(co);
}

/* After the commit: make memory match the file. */
static int apply(durable_rt *rt, durable_co *co)
{
    int rc = DURABLE_OK;
    co->wake_ms = 0;
    co->status = DURABLE_READY;
    switch (co->req) {
    case REQ_STEP:
    case REQ_SLEEP: {
        int outcome = co->req == REQ_STEP ? step_outcome(co) : STEP_RETRY;
        co->seq++;
        durable__buf none = {0};
        if (co->req == REQ_STEP && outcome != STEP_RETRY) {
            co->ready = 1;
            co->attempt = 0;
            co->await_error = outcome == STEP_OK ? 0 : co->fail_permanent ? DURABLE_EPERMANENT : DURABLE_ESTEP;
            rc = co_load_state(co, &co->enc_frame, &co->req_value);
            enqueue(rt, co);
        } else {
            if (co->req == REQ_STEP)
                co->attempt++;
            co->status = DURABLE_WAITING;
            co->wake_ms = co->req_wake;
            rc = co_load_state(co, &co->enc_frame, &none);
            if (rc == DURABLE_OK)
                rc = heap_push(rt, co);
        }
        co->db_status = co->status;
        co->db_timer = co->wake_ms > 0;
        break;
    }
    case REQ_CALL: {
        durable__row c = {0};
        durable_co *child = NULL;
        c.id = child_id(co); /* before seq moves on: the id persist() wrote */
        c.parent = co->id;
        co->seq++;
        co->status = co->db_status = DURABLE_WAITING;
        co->db_timer = 0;
        durable__buf none = {0};
        rc = co_load_state(co, &co->enc_frame, &none);
        c.status = DURABLE_READY;
        c.args = co->req_value;
        if (rc == DURABLE_OK && !c.id)
            rc = DURABLE_ENOMEM;
        if (rc == DURABLE_OK)
            rc = co_new(rt, co->call_fn, &c, &child);
        free(c.id);
        if (rc == DURABLE_OK) {
            rc = co_insert(rt, child);
            if (rc == DURABLE_OK)
                enqueue(rt, child);
            else
                co_free(child);
        }
        break;
    }
    case REQ_DONE:
        finish(rt, co, 0);
        break;
    default:
        finish(rt, co, DURABLE_ECHILD);
        break;
    }
    return rc;
}

/* Move coroutines whose timer is due to the ready queue. */
static void fire_timers(durable_rt *rt)
{
    int64_t now = now_ms(rt);
    while (rt->nheap && rt->heap[0]->wake_ms <= now) {
        durable_co *co = rt->heap[0];
        heap_remove(rt, co);
        co->wake_ms = 0;
        co->status = DURABLE_READY;
        if (co->attempt == 0) /* a timer, not a retry: the await completed */
            co->ready = 1, co->await_error = 0;
        enqueue(rt, co);
    }
}

/* One round over the coroutines ready now. */
static int run_round(durable_rt *rt)
{
    durable_co *batch = rt->qhead;
    rt->qhead = rt->qtail = NULL;
    for (durable_co *c = batch; c; c = c->qnext) {
        c->queued = 0;
        run_one(c);
    }
    durable__store *s = rt->store;
    int rc = s->ops->begin(s);
    for (durable_co *c = batch; rc == DURABLE_OK && c; c = c->qnext)
        rc = persist(rt, c);
    if (rc == DURABLE_OK) {
        durable__fault_commit(DURABLE__BEFORE_COMMIT);
        rc = s->ops->commit(s);
    }
    if (rc != DURABLE_OK) {
        s->ops->rollback(s);
        rt->stale = 1; /* I4 */
        return rc;
    }
    durable__fault_commit(DURABLE__AFTER_COMMIT);
    rt->stats.commits++;
    rt->stats.rounds++;
    for (durable_co *c = batch, *n; c; c = n) {
        n = c->qnext;
        int arc = apply(rt, c);
        if (arc != DURABLE_OK)
            rt->stale = 1;
    }
    return DURABLE_OK;
}

static int unfinished(durable_rt *rt)
{
    return rt->count > (size_t)INT32_MAX ? INT32_MAX : (int)rt->count;
}

static int ensure_loaded(durable_rt *rt)
{
    return rt->loaded && !rt->stale ? DURABLE_OK : load(rt);
}

DURABLE_API int durable_run(durable_rt *rt)
{
    if (!rt)
        return DURABLE_EINVAL;
    if (current)
        return DURABLE_EINVAL; /* not from inside a durable function */
    int rc = ensure_loaded(rt);
    if (rc != DURABLE_OK)
        return rc;
    for (;;) {
        fire_timers(rt);
        if (!rt->qhead)
            break;
        rc = run_round(rt);
        if (rc != DURABLE_OK)
            return rc;
        if (rt->stale && (rc = load(rt)) != DURABLE_OK)
            return rc;
    }
    return unfinished(rt);
}

DURABLE_API int durable_wait(durable_rt *rt, int timeout_ms)
{
    if (!rt || timeout_ms < 0)
        return DURABLE_EINVAL;
    int rc = ensure_loaded(rt);
    if (rc != DURABLE_OK)
        return rc;
    if (rt->qhead)
        return DURABLE_OK;
    int64_t wait = timeout_ms;
    if (rt->nheap) {
        int64_t due = rt->heap[0]->wake_ms - now_ms(rt);
        if (due < wait)
            wait = due < 0 ? 0 : due;
    }
    if (wait > 0 && !rt->opts.clock) {
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    return DURABLE_OK;
}

/* ------------------------------------------------------------------------
 * Host API
 * ---------------------------------------------------------------------- */

DURABLE_API int durable_open(durable_rt **out, const char *path, const durable_options *opts)
{
    if (!out)
        return DURABLE_EINVAL;
    *out = NULL;
    if (!path || !*path)
        return DURABLE_EINVAL;
    durable_options o;
    durable_options_init(&o);
    if (opts) {
        if (opts->size < sizeof(size_t) || opts->size > sizeof o)
            return DURABLE_EINVAL;
        memcpy(&o, opts, opts->size);
        o.size = sizeof o;
    }
    if ((o.synchronous != DURABLE_SYNC_FULL && o.synchronous != DURABLE_SYNC_NORMAL) || o.busy_timeout_ms < 0)
        return DURABLE_EINVAL;
    int rc = durable__registry_check();
    for (durable_func *f = durable__registry_first(); rc == DURABLE_OK && f; f = f->next)
        if (durable__fields_valid(f->fields, f->nfields, f->frame_size) != DURABLE_OK ||
            durable__fields_valid(f->params, f->nparams, f->args_size) != DURABLE_OK ||
            (f->result && durable__fields_valid(f->result, 1, f->result->size) != DURABLE_OK) || !f->step)
            rc = DURABLE_EINVAL;
    if (rc != DURABLE_OK)
        return rc;
    durable_rt *rt = calloc(1, sizeof *rt);
    if (!rt)
        return DURABLE_ENOMEM;
    rt->opts = o;
    rt->max_attempts = 3;
    rt->backoff_ms = 1000;
    rt->multiplier = 2;
    rt->max_backoff_ms = 60000;
    rt->jitter = 0.1;
    rt->rng = (uint64_t)durable__realtime_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)rt;
    if (!rt->rng)
        rt->rng = 88172645463325252ULL;
    rc = durable__store_sqlite_open(&rt->store, path, &o);
    if (rc != DURABLE_OK) {
        free(rt);
        return rc;
    }
    *out = rt;
    return DURABLE_OK;
}

DURABLE_API int durable_close(durable_rt *rt)
{
    if (!rt)
        return DURABLE_OK;
    if (current && current->rt == rt)
        return DURABLE_EINVAL;
    drop_all(rt);
    rt->store->ops->close(rt->store);
    free(rt->heap);
    free(rt->stored);
    free(rt->message);
    durable__arena_free(&rt->result_strings);
    free(rt);
    return DURABLE_OK;
}

DURABLE_API int durable_start(durable_rt *rt, const char *id, durable_call call)
{
    if (!rt || !id || !*id || current)
        return DURABLE_EINVAL;
    durable_func *fn = call.fn;
    if (!fn || !durable__registry_has(fn))
        return DURABLE_ENOFUNC;
    if (call.size != fn->args_size || (call.size && !call.args))
        return DURABLE_ESIZE;
    durable__store *s = rt->store;
    durable__row r = {0};
    int rc = s->ops->get(s, id, &r);
    if (rc == DURABLE_OK) { /* idempotent: never restart an existing id */
        rc = strcmp(r.function, fn->name) == 0 ? DURABLE_OK : DURABLE_EEXIST;
        durable__row_clear(&r);
        return rc;
    }
    if (rc != DURABLE_ENOENT)
        return rc;
    rc = durable__encode(fn->params, fn->nparams, call.args, &r.args);
    r.id = (char *)id;
    r.function = (char *)fn->name;
    r.status = DURABLE_READY;
    r.fingerprint = fn->fingerprint;
    if (rc == DURABLE_OK)
        rc = s->ops->begin(s);
    if (rc == DURABLE_OK) {
        rc = ensure_schema(rt, fn);
        if (rc == DURABLE_OK)
            rc = s->ops->insert(s, &r);
        durable__event ev = {id, 0, 0, "start", 0, 0, NULL};
        if (rc == DURABLE_OK)
            rc = s->ops->append(s, &ev);
        if (rc == DURABLE_OK) {
            durable__fault_commit(DURABLE__BEFORE_COMMIT);
            rc = s->ops->commit(s);
        }
        if (rc != DURABLE_OK) {
            s->ops->rollback(s);
        } else {
            durable__fault_commit(DURABLE__AFTER_COMMIT);
            rt->stats.commits++;
        }
    }
    if (rc == DURABLE_OK && rt->loaded) {
        durable_co *co = NULL;
        if (co_new(rt, fn, &r, &co) != DURABLE_OK || co_insert(rt, co) != DURABLE_OK) {
            co_free(co);
            rt->stale = 1; /* committed: the next run loads it from the file */
        } else {
            enqueue(rt, co);
        }
    }
    durable__buf_free(&r.args);
    return rc;
}

DURABLE_API int durable_status(durable_rt *rt, const char *id, int *status)
{
    if (!rt || !id || !status)
        return DURABLE_EINVAL;
    durable_co *co = rt->loaded && !rt->stale ? co_find(rt, id) : NULL;
    if (co) {
        *status = co->status;
        return DURABLE_OK;
    }
    durable__row r;
    int rc = rt->store->ops->get(rt->store, id, &r);
    if (rc == DURABLE_OK)
        *status = r.status;
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_get_result(durable_rt *rt, const char *id, void *out, size_t size)
{
    if (!rt || !id || (size && !out))
        return DURABLE_EINVAL;
    durable__row r;
    int rc = rt->store->ops->get(rt->store, id, &r);
    if (rc != DURABLE_OK)
        return rc;
    if (r.status != DURABLE_DONE) {
        rc = r.status == DURABLE_FAILED      ? DURABLE_EFAILED
             : r.status == DURABLE_CANCELLED ? DURABLE_ECANCELLED
                                             : DURABLE_EPENDING;
    } else {
        durable_func *fn = durable__registry_find(r.function);
        const durable_field *rd = fn ? fn->result : NULL;
        if (!fn)
            rc = DURABLE_ENOFUNC;
        else if (size != (rd ? rd->size : 0))
            rc = DURABLE_ESIZE;
        else if (rd) {
            void *tmp = calloc(1, size);
            durable__arena strings = {0};
            rc = tmp ? DURABLE_OK : DURABLE_ENOMEM;
            if (rc == DURABLE_OK)
                rc = r.result.p ? durable__decode(rd, 1, r.result.p, r.result.n, tmp, &strings)
                                : DURABLE_ECORRUPT;
            if (rc == DURABLE_OK) {
                memcpy(out, tmp, size);
                durable__arena_free(&rt->result_strings);
                rt->result_strings = strings;
            } else {
                durable__arena_free(&strings);
            }
            free(tmp);
        }
    }
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_get_error(durable_rt *rt, const char *id, const char **message)
{
    if (!rt || !id || !message)
        return DURABLE_EINVAL;
    durable__row r;
    int rc = rt->store->ops->get(rt->store, id, &r);
    if (rc == DURABLE_OK) {
        free(rt->message);
        rt->message = r.error;
        r.error = NULL;
        *message = rt->message ? rt->message : "";
    }
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_get_stats(durable_rt *rt, durable_stats *out)
{
    if (!rt || !out)
        return DURABLE_EINVAL;
    *out = rt->stats;
    return DURABLE_OK;
}

/* ------------------------------------------------------------------------
 * Inside durable functions and steps
 * ---------------------------------------------------------------------- */

DURABLE_API int durable_error(void)
{
    return current ? current->cur_error : 0;
}

DURABLE_API const char *durable_self(void)
{
    return current ? current->id : NULL;
}

static int record_fail(int code, const char *message, int permanent)
{
    durable_co *co = current;
    if (!co || !co->in_step)
        return DURABLE_EINVAL;
    co->failed = 1;
    co->fail_permanent = permanent;
    co->fail_code = code;
    free(co->fail_msg);
    co->fail_msg = message ? strdup(message) : NULL;
    return DURABLE_OK;
}

DURABLE_API int durable_fail(int code, const char *message)
{
    return record_fail(code, message, 0);
}

DURABLE_API int durable_fail_permanent(int code, const char *message)
{
    return record_fail(code, message, 1);
}

DURABLE_API const char *durable_step_key(void)
{
    durable_co *co = current;
    if (!co || !co->in_step)
        return NULL;
    size_t n = strlen(co->id) + 48;
    char *k = realloc(co->step_key, n);
    if (!k)
        return NULL;
    snprintf(k, n, "%s/%d.%llu", co->id, co->state, (unsigned long long)co->await_seq);
    co->step_key = k;
    return k;
}

DURABLE_API int durable_step_attempt(void)
{
    durable_co *co = current;
    return co && co->in_step ? co->attempt + 1 : 0;
}

DURABLE_API int durable_sleep(double seconds)
{
    (void)seconds;
    return DURABLE_EAWAIT;
}

DURABLE_API int durable_sleep_until(int64_t unix_ms)
{
    (void)unix_ms;
    return DURABLE_EAWAIT;
}

/* ------------------------------------------------------------------------
 * The ABI of generated code (docs/abi.md)
 * ---------------------------------------------------------------------- */

DURABLE_API int durable__state(durable_co *co)
{
    return co ? co->state : -1;
}

DURABLE_API const void *durable__args(durable_co *co)
{
    return co ? co->args : NULL;
}

DURABLE_API int durable__begin(durable_co *co, int id)
{
    if (!co)
        return 1;
    if (id < 1 || (uint32_t)id > co->fn->nawaits) {
        co->bad = 1;
        return 1;
    }
    if (co->state == id && co->ready) {
        co->ready = 0;
        co->cur_error = co->await_error;
        return 0;
    }
    if (co->state != id || co->attempt == 0) { /* a first arrival, not a retry */
        co->state = id;
        co->attempt = 0;
        co->await_seq = co->seq;
    }
    co->in_step = co->fn->awaits[id - 1].kind == DURABLE_AWAIT_STEP;
    co->failed = 0;
    return 1;
}

DURABLE_API void durable__take(durable_co *co, void *dst, size_t size)
{
    if (!dst || !size)
        return;
    if (co && co->value && co->value_size == size)
        memcpy(dst, co->value, size);
    else
        memset(dst, 0, size);
}

/* Common checks of the durable__X requests. */
static int issue(durable_co *co, int kind)
{
    if (!co || co != current)
        return DURABLE_EINVAL;
    if (co->bad || co->state < 1 || co->req != REQ_NONE) {
        set_fail(co, DURABLE_ESTATE, "await issued outside the state it belongs to");
        return DURABLE_ESTATE;
    }
    if (kind && co->fn->awaits[co->state - 1].kind != kind) {
        set_fail(co, DURABLE_ESTATE, "await issued with a kind its descriptor does not have");
        return DURABLE_ESTATE;
    }
    /* Encode the frame now, while the step function's stack is still alive:
     * a char * local may point into it, and is persisted by content. */
    int rc = durable__encode(co->fn->fields, co->fn->nfields, co->frame, &co->enc_frame);
    if (rc != DURABLE_OK)
        set_fail(co, rc, "frame could not be encoded");
    return rc;
}

DURABLE_API int durable__step(durable_co *co, const void *value, size_t size)
{
    int rc = issue(co, DURABLE_AWAIT_STEP);
    if (rc != DURABLE_OK)
        return rc;
    co->in_step = 0;
    const durable_field *vd = await_value(co->fn, co->state);
    if (size != (vd ? vd->size : 0) || (size && !value)) {
        set_fail(co, DURABLE_ESIZE, "step value size does not match its descriptor");
        return DURABLE_ESIZE;
    }
    co->req = REQ_STEP;
    if (co->failed)
        return DURABLE__SUSPEND; /* the value is discarded */
    rc = durable__encode(vd, vd ? 1 : 0, value, &co->req_value);
    if (rc != DURABLE_OK) {
        set_fail(co, rc, "step value could not be encoded");
        return rc;
    }
    return DURABLE__SUSPEND;
}

DURABLE_API int durable__call(durable_co *co, durable_func *fn, const void *args, size_t size)
{
    int rc = issue(co, DURABLE_AWAIT_CHILD);
    if (rc != DURABLE_OK)
        return rc;
    if (!fn || !durable__registry_has(fn)) {
        set_fail(co, DURABLE_ENOFUNC, "awaited durable function is not registered");
        return DURABLE_ENOFUNC;
    }
    if (size != fn->args_size || (size && !args)) {
        set_fail(co, DURABLE_ESIZE, "child arguments do not match the callee's parameters");
        return DURABLE_ESIZE;
    }
    rc = durable__encode(fn->params, fn->nparams, args, &co->req_value);
    if (rc != DURABLE_OK) {
        set_fail(co, rc, "child arguments could not be encoded");
        return rc;
    }
    co->req = REQ_CALL;
    co->call_fn = fn;
    return DURABLE__SUSPEND;
}

DURABLE_API int durable__sleep_until(durable_co *co, int64_t unix_ms)
{
    int rc = issue(co, DURABLE_AWAIT_RUNTIME);
    if (rc != DURABLE_OK)
        return rc;
    co->req = REQ_SLEEP;
    co->req_wake = unix_ms > 0 ? unix_ms : 1;
    return DURABLE__SUSPEND;
}

DURABLE_API int durable__sleep(durable_co *co, double seconds)
{
    if (!co)
        return DURABLE_EINVAL;
    double ms = seconds * 1000.0;
    if (!(ms > 0)) /* negative and NaN: no wait */
        ms = 0;
    if (ms > 1e15)
        ms = 1e15;
    return durable__sleep_until(co, now_ms(co->rt) + (int64_t)ms);
}

DURABLE_API int durable__return(durable_co *co, const void *value, size_t size)
{
    if (!co || co != current || co->req != REQ_NONE)
        return DURABLE_EINVAL;
    const durable_field *rd = co->fn->result;
    if (size != (rd ? rd->size : 0) || (size && !value)) {
        set_fail(co, DURABLE_ESIZE, "return value size does not match the function's result");
        return DURABLE_ESIZE;
    }
    int rc = durable__encode(rd, rd ? 1 : 0, value, &co->req_value);
    if (rc != DURABLE_OK) {
        set_fail(co, rc, "return value could not be encoded");
        return rc;
    }
    co->req = REQ_DONE;
    return DURABLE__DONE;
}

DURABLE_API int durable__bad_state(durable_co *co)
{
    if (!co)
        return DURABLE_EINVAL;
    char msg[96];
    snprintf(msg, sizeof msg, "no await %d in '%s'", co->state, co->fn->name);
    set_fail(co, DURABLE_ESTATE, msg);
    return DURABLE_ESTATE;
}

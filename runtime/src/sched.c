/*
 * sched.c — the scheduler, the host API and the ABI of generated code.
 *
 * The database is the truth; memory holds only the coroutines this worker
 * has claimed and is running.  durable_run works in rounds.  Each round is ONE
 * transaction that (1) writes the checkpoints of every coroutine run in the
 * previous round (group commit), (2) renews this worker's lease, (3) fires
 * due timers and (4) claims ready work.  After the commit, the checkpoints'
 * effects are applied in memory and every ready coroutine's step function is
 * called once; each runs to its next await (or returns), and the next round
 * commits what they asked for.
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
 *
 * Invariants (the function that keeps each one is named):
 *   I1. A step function is never re-entered past an await whose checkpoint has
 *       not committed: a coroutine is called at most once per round, and its
 *       request is applied (apply) only after the round's commit.
 *   I2. What a coroutine resumes with is what was committed: a coroutine in
 *       memory keeps the frame it committed (I7), and adopt decodes the
 *       blobs that were written into a fresh frame after a restart.
 *   I3. A child is created in the transaction of its parent's checkpoint at
 *       the await that calls it (persist), and a finished child wakes its
 *       parent in the transaction that records its result (child_finished).
 *   I4. Only the owner runs a coroutine: it is claimed under this worker's
 *       lease (round), and a worker whose lease lapsed or whose process died
 *       (reap) loses its claims.  A waiting coroutine is owned by nobody.
 *   I5. If a round's transaction fails, memory is ahead of the file: every
 *       coroutine in memory is dropped and claimed again from the file.
 *   I6. Nothing is deleted that the runtime does not understand: rows of
 *       unknown functions or incompatible frames are held, not removed.

 *   I7. While the process lives, a coroutine's frame block never moves and is
 *       never decoded again: apply keeps it, and one that waits is parked
 *       (park) and taken back by co_new when nothing was committed for it
 *       since.  So pointers into its locals, and the pointers its locals
 *       hold, keep their values across every await (docs/semantics.md G17).
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
    REQ_CALL,   /* start a child and wait for it */
    REQ_SPAWN,  /* start a child, do not wait */
    REQ_ALL,    /* wait for every spawned child */
    REQ_ANY,    /* wait for one more spawned child */
    REQ_SLEEP,  /* arm a timer */
    REQ_SIGNAL, /* wait for a signal (or its timeout) */
    REQ_DONE,   /* the function returned */
    REQ_FAIL    /* the coroutine ends failed or cancelled (fail_code) */
};

struct durable_co {
    durable_rt *rt;
    durable_func *fn;
    char *id, *parent;
    int spawn_idx;              /* handle if its parent spawned it, else -1 */
    int state, ready, await_error, attempt, cancel;
    uint64_t seq, await_seq;
    void *frame;                /* fn->frame_size bytes; never moves while in memory (I7) */
    void *args;                 /* fn->args_size bytes */
    unsigned char *value;       /* the current await's value (value_size bytes) */
    size_t value_size, value_cap;
    durable__buf payload;       /* the completed signal's data, NUL-terminated */
    durable__arena strings;     /* strings of frame and value; renewed each checkpoint */
    durable__arena arg_strings; /* strings of args; live as long as the coroutine */
    int cur_error;              /* what durable_error() returns */
    int in_step, savepoint;
    int transient;              /* this run's request is void: redo the round (transient()) */
    char *policy;               /* the current await's own retry policy, as text */
    durable_retry_policy next_policy;
    int has_next_policy;

    /* The request of the current round. */
    int req;
    int fail_code, fail_permanent, failed;
    char *fail_msg;
    durable_func *call_fn;
    int64_t req_wake;
    char *req_name;             /* signal name */
    durable__buf req_value;     /* encoded step value, child args or result */
    durable__buf raw_value;     /* the step's value as it is in memory (I7) */
    durable__buf enc_frame;     /* the frame as it will be committed */
    char *step_key;

    durable_co *hnext, *qnext;  /* hash chain, ready queue */
    int queued;
};

typedef struct fn_policy {
    struct fn_policy *next;
    char *function;
    durable_retry_policy p;
} fn_policy;

struct durable_rt {
    durable__store *store;
    durable_options opts;
    char owner[160];            /* this worker: host:pid:starttime:n */
    durable_co **table;         /* claimed coroutines by id, chained */
    size_t nbuckets, count;
    durable_co *qhead, *qtail;  /* ready queue, FIFO */
    int started;                /* first run done (held rows revisited) */
    int claim_dirty;            /* something claimable may have appeared */
    int reclaim;                /* memory was dropped: claim our own rows again */
    int external;               /* another connection committed since our last look */
    int64_t next_due;           /* earliest timer known, 0 if none */
    int64_t beat_due, reap_due; /* when to renew the lease, look for dead workers */
    int64_t vnow;               /* the virtual clock (opts.virtual_time) */
    int in_tx;                  /* a transactional step opened the round's transaction */
    durable_stats stats;
    const durable_func **stored; /* schemas already written by this rt */
    struct parked *parked;      /* frames of waiting coroutines, kept in memory (I7) */
    char why[200];              /* why the last frame did not decode */
    size_t nstored;
    durable__arena result_strings;
    char *message;
    uint64_t rng;
    int env_policy;             /* DURABLE_RETRY overrides every policy */
    durable_retry_policy env;
    fn_policy *policies;
    /* Events of the open transaction, told to opts.on_event after its commit. */
    durable_event *events;
    size_t nevents, events_cap;
    durable__arena event_strings;
    int in_event;               /* inside on_event: calls back are refused */
};

static _Thread_local durable_co *current;

static int64_t now_ms(durable_rt *rt)
{
    if (rt->opts.clock)
        return rt->opts.clock(rt->opts.clock_ctx);
    return rt->opts.virtual_time ? rt->vnow : durable__realtime_ms();
}

/* ------------------------------------------------------------------------
 * Events (durable_options.on_event): noted inside a transaction, told after
 * its commit (end_tx), forgotten if it rolls back.
 * ---------------------------------------------------------------------- */

static const durable_await *await_of(const durable_func *fn, int state);

static const char *event_str(durable_rt *rt, const char *s)
{
    return s ? durable__arena_strndup(&rt->event_strings, s, strlen(s)) : NULL;
}

/* Note an event of workflow id (function fn_name, or the linked fn whose
 * await `state` it is at).  Out of memory loses the event, never the work. */
static void note_event(durable_rt *rt, int kind, const char *id, const char *fn_name, const durable_func *fn,
                       const char *parent, int state)
{
    if (!rt->opts.on_event)
        return;
    if (rt->nevents == rt->events_cap) {
        size_t cap = rt->events_cap ? rt->events_cap * 2 : 16;
        durable_event *g = durable__realloc(rt->events, cap * sizeof *g);
        if (!g)
            return;
        rt->events = g;
        rt->events_cap = cap;
    }
    const durable_await *aw = fn ? await_of(fn, state) : NULL;
    durable_event *e = &rt->events[rt->nevents];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->workflow = event_str(rt, id);
    e->function = event_str(rt, fn_name ? fn_name : fn ? fn->name : "");
    e->parent = event_str(rt, parent);
    e->await_id = state;
    e->await_callee = aw ? aw->callee : "";
    e->line = aw ? aw->line : 0;
    e->at_ms = now_ms(rt);
    if (e->workflow && e->function && (e->parent || !parent))
        rt->nevents++;
}

/* The last noted event, to add its details (NULL if none was noted). */
static durable_event *last_event(durable_rt *rt)
{
    return rt->opts.on_event && rt->nevents ? &rt->events[rt->nevents - 1] : NULL;
}

static void forget_events(durable_rt *rt)
{
    rt->nevents = 0;
    durable__arena_free(&rt->event_strings);
}

static void tell_events(durable_rt *rt)
{
    rt->in_event = 1;
    for (size_t i = 0; i < rt->nevents; i++)
        rt->opts.on_event(&rt->events[i], rt->opts.event_ctx);
    rt->in_event = 0;
    forget_events(rt);
}

/* ------------------------------------------------------------------------
 * Claimed coroutines and the ready queue
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
        durable_co **t = durable__calloc(nb, sizeof *t);
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
    if (!rt->nbuckets)
        return;
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
    free(co->req_name);
    free(co->step_key);
    free(co->policy);
    durable__buf_free(&co->payload);
    durable__arena_free(&co->strings);
    durable__arena_free(&co->arg_strings);
    durable__buf_free(&co->req_value);
    durable__buf_free(&co->raw_value);
    durable__buf_free(&co->enc_frame);
    free(co);
}

/* A coroutine that left memory to wait keeps its frame block here, with its
 * arguments, so that when it is claimed again by this process with nothing
 * committed in between it goes on with the very same block: pointers into
 * its locals and every pointer it holds keep their values (I7). */
typedef struct parked {
    struct parked *next;
    char *id;
    const durable_func *fn;
    uint64_t seq;               /* the checkpoint the block is */
    void *frame, *args;
    durable__arena arg_strings;
} parked;

static void parked_free(parked *p)
{
    free(p->id);
    free(p->frame);
    free(p->args);
    durable__arena_free(&p->arg_strings);
    free(p);
}

/* Move co's frame and arguments to rt's parked list (co is freed after);
 * `seq` is the checkpoint the frame is. */
static void park(durable_rt *rt, durable_co *co, uint64_t seq)
{
    parked *p = durable__calloc(1, sizeof *p);
    if (!p || !(p->id = durable__strdup(co->id))) {
        free(p);
        return; /* it will be decoded again: pointers by offset, strings copied */
    }
    p->fn = co->fn;
    p->seq = seq;
    p->frame = co->frame;
    p->args = co->args;
    p->arg_strings = co->arg_strings;
    co->frame = co->args = NULL;
    co->arg_strings.head = NULL;
    p->next = rt->parked;
    rt->parked = p;
}

/* Take id's parked block out of the list, or NULL. */
static parked *unpark(durable_rt *rt, const char *id)
{
    for (parked **pp = &rt->parked; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->id, id) == 0) {
            parked *p = *pp;
            *pp = p->next;
            return p;
        }
    return NULL;
}

/* Forget every claimed coroutine (they stay in the file, still claimed by
 * this worker, so the next round claims them again). */
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
    rt->claim_dirty = 1;
    rt->reclaim = 1;
}

static void co_drop(durable_rt *rt, durable_co *co)
{
    co_unlink(rt, co);
    co_free(co);
}

/* ------------------------------------------------------------------------
 * Values: decoding blobs into a coroutine
 * ---------------------------------------------------------------------- */

static const durable_await *await_of(const durable_func *fn, int state)
{
    return state >= 1 && (uint32_t)state <= fn->nawaits ? &fn->awaits[state - 1] : NULL;
}

static const durable_field *await_value(const durable_func *fn, int state)
{
    const durable_await *a = await_of(fn, state);
    return a ? a->value : NULL;
}

/* The encoding of an int value: what every runtime awaitable yields. */
static int encode_int(int v, durable__buf *out)
{
    static const durable_field f = {"", "int", DURABLE_KIND_INT, 0, sizeof(int), 1, 0, 0, 0};
    return durable__encode(&f, 1, &v, out);
}

/* Replace the coroutine's frame and value with what the blobs hold (I2).
 * A NULL or empty blob means zeroes; frame == NULL keeps the frame, which
 * is what every checkpoint of a coroutine in memory does (I7): only a
 * coroutine coming from the file decodes its frame, with pointers rebased
 * onto the new block and char * contents as malloc'd copies the program
 * owns.  On failure the coroutine is unchanged and rt->why says why. */
static int co_load_state(durable_co *co, const durable__buf *frame, const durable__buf *value)
{
    durable__arena strings = {0};
    const durable_func *fn = co->fn;
    const durable_field *vd = await_value(fn, co->state);
    size_t vsize = vd ? vd->size : 0, fsize = fn->frame_size ? fn->frame_size : 1;
    unsigned char vtmp[64], *nv = vsize <= sizeof vtmp ? vtmp : durable__malloc(vsize);
    if (!nv)
        return DURABLE_ENOMEM;
    void *nf = frame ? durable__calloc(1, fsize) : NULL;
    if (frame && !nf) {
        if (nv != vtmp)
            free(nv);
        return DURABLE_ENOMEM;
    }
    int rc = DURABLE_OK;
    memset(nv, 0, vsize);
    durable__ptrs px = {NULL, 0, 1, 0, {0}, "", {0}, &co->arg_strings}; /* args: decoded before */
    co->rt->why[0] = 0;
    if (frame && frame->p && frame->n) {
        rc = durable__decode_in(fn->fields, fn->nfields, frame->p, frame->n, nf, &strings, &px);
        if (rc == DURABLE_EPOINTER)
            snprintf(co->rt->why, sizeof co->rt->why, "a saved pointer points into '%.120s', which this "
                     "program does not have", px.what);
    }
    /* a step's char * value is the program's, as the step returned it */
    const durable_await *aw = await_of(fn, co->state);
    px.own = aw && aw->kind == DURABLE_AWAIT_STEP;
    if (rc == DURABLE_OK && value && value->p && value->n)
        rc = durable__decode_in(vd, vd ? 1 : 0, value->p, value->n, nv, &strings, &px);
    if (rc == DURABLE_OK && vsize > co->value_cap) {
        unsigned char *grown = durable__realloc(co->value, vsize);
        if (grown) {
            co->value = grown;
            co->value_cap = vsize;
        } else {
            rc = DURABLE_ENOMEM;
        }
    }
    durable__ptrs_done(&px, rc != DURABLE_OK); /* a failed decode frees its copies */
    if (rc != DURABLE_OK) {
        if (nv != vtmp)
            free(nv);
        free(nf);
        durable__arena_free(&strings);
        return rc;
    }
    if (vsize)
        memcpy(co->value, nv, vsize);
    if (nv != vtmp)
        free(nv);
    co->value_size = vsize;
    if (frame) {
        free(co->frame);
        co->frame = nf;
    }
    durable__arena_merge(&co->strings, &strings);
    return DURABLE_OK;
}

static int set_payload(durable_co *co, const durable__buf *p)
{
    co->payload.n = 0;
    if (!p || !p->p)
        return DURABLE_OK;
    int rc = durable__buf_put(&co->payload, p->p, p->n);
    if (rc == DURABLE_OK)
        rc = durable__buf_put(&co->payload, "", 1); /* the NUL that makes text a C string */
    if (rc == DURABLE_OK)
        co->payload.n--;
    return rc;
}

/* A coroutine for a stored row whose function is fn. */
static int co_new(durable_rt *rt, durable_func *fn, const durable__row *r, durable_co **out)
{
    durable_co *co = durable__calloc(1, sizeof *co);
    if (!co)
        return DURABLE_ENOMEM;
    co->rt = rt;
    co->fn = fn;
    co->id = durable__strdup(r->id);
    co->parent = r->parent ? durable__strdup(r->parent) : NULL;
    co->policy = r->policy ? durable__strdup(r->policy) : NULL;
    co->spawn_idx = r->spawn_idx;
    co->state = r->state;
    co->ready = r->ready;
    co->await_error = r->await_error;
    co->attempt = r->attempt;
    co->cancel = r->cancel;
    co->seq = r->seq;
    co->await_seq = r->await_seq;
    parked *pk = unpark(rt, r->id);
    if (pk && (pk->fn != fn || pk->seq != r->seq || r->fingerprint != fn->fingerprint)) {
        parked_free(pk); /* something was committed since: the file is the truth */
        pk = NULL;
    }
    if (pk) {
        co->args = pk->args;
        co->arg_strings = pk->arg_strings;
        co->frame = pk->frame;
        pk->args = pk->frame = NULL;
        pk->arg_strings.head = NULL;
        parked_free(pk);
    } else
        co->args = durable__calloc(1, fn->args_size ? fn->args_size : 1);
    int rc = co->args && co->id && (co->parent || !r->parent) && (co->policy || !r->policy) ? DURABLE_OK
                                                                                            : DURABLE_ENOMEM;
    if (rc == DURABLE_OK && r->args.p && !co->frame)
        rc = durable__decode(fn->params, fn->nparams, r->args.p, r->args.n, co->args, &co->arg_strings);
    if (rc == DURABLE_OK)
        rc = co_load_state(co, co->frame ? NULL : &r->frame, &r->value);
    if (rc == DURABLE_OK)
        rc = set_payload(co, &r->payload);
    if (rc != DURABLE_OK) {
        co_free(co);
        return rc;
    }
    *out = co;
    return DURABLE_OK;
}

/* ------------------------------------------------------------------------
 * Retry policies
 * ---------------------------------------------------------------------- */

static int policy_valid(const durable_retry_policy *p)
{
    return p->max_attempts >= 1 && p->initial_s >= 0 && p->multiplier >= 1 && p->max_s >= 0 && p->jitter >= 0 &&
           p->jitter <= 1;
}

/* "max_attempts=5,initial=0.5,multiplier=2,max=30,jitter=0.2"; unnamed keys
 * keep their value in *p.  Returns 0 if the text is malformed. */
static int policy_parse(const char *text, durable_retry_policy *p)
{
    durable_retry_policy q = *p;
    const char *s = text;
    while (*s) {
        char key[24];
        double v;
        int n = 0;
        if (sscanf(s, "%23[a-z_]=%lf%n", key, &v, &n) != 2)
            return 0;
        if (strcmp(key, "max_attempts") == 0)
            q.max_attempts = (int)v;
        else if (strcmp(key, "initial") == 0)
            q.initial_s = v;
        else if (strcmp(key, "multiplier") == 0)
            q.multiplier = v;
        else if (strcmp(key, "max") == 0)
            q.max_s = v;
        else if (strcmp(key, "jitter") == 0)
            q.jitter = v;
        else
            return 0;
        s += n;
        if (*s == ',')
            s++;
        else if (*s)
            return 0;
    }
    if (!policy_valid(&q))
        return 0;
    *p = q;
    return 1;
}

static char *policy_text(const durable_retry_policy *p)
{
    char buf[160];
    snprintf(buf, sizeof buf, "max_attempts=%d,initial=%.17g,multiplier=%.17g,max=%.17g,jitter=%.17g",
             p->max_attempts, p->initial_s, p->multiplier, p->max_s, p->jitter);
    return durable__strdup(buf);
}

/* The policy for the coroutine's current step: the operator's environment,
 * else the await's own, else its function's, else the runtime default. */
static durable_retry_policy policy_of(const durable_co *co)
{
    durable_rt *rt = co->rt;
    if (rt->env_policy)
        return rt->env;
    durable_retry_policy p = rt->opts.retry;
    for (const fn_policy *fp = rt->policies; fp; fp = fp->next)
        if (strcmp(fp->function, co->fn->name) == 0)
            p = fp->p;
    if (co->policy)
        policy_parse(co->policy, &p);
    return p;
}

static int64_t backoff_ms(durable_rt *rt, const durable_retry_policy *p, int attempt)
{
    double d = p->initial_s * 1000.0 * pow(p->multiplier, attempt - 1);
    if (d > p->max_s * 1000.0)
        d = p->max_s * 1000.0;
    /* xorshift64: the runtime's own generator, so the user's rand() is untouched */
    rt->rng ^= rt->rng << 13;
    rt->rng ^= rt->rng >> 7;
    rt->rng ^= rt->rng << 17;
    double u = (double)(rt->rng >> 11) / 9007199254740992.0; /* [0, 1) */
    d *= 1.0 + p->jitter * (2.0 * u - 1.0);
    return d < 0 ? 0 : (int64_t)d;
}

/* ------------------------------------------------------------------------
 * Workers: identity, leases, dead-process detection
 * ---------------------------------------------------------------------- */

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks since
 * boot.  With the pid it names one process for the life of the machine. */
static unsigned long long proc_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p)
        return 0;
    unsigned long long start = 0;
    /* after ") ": state(3) ... starttime is the 20th field from here */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &start) != 1)
        return 0;
    return start;
}

static void worker_identity(durable_rt *rt)
{
    static unsigned counter;
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    for (char *c = host; *c; c++)
        if (*c == ':')
            *c = '_';
    snprintf(rt->owner, sizeof rt->owner, "%s:%ld:%llu:%u", host, (long)getpid(), proc_start((long)getpid()),
             counter++);
}

/* Is the worker `owner` a process of this host that no longer runs? */
static int worker_dead(const durable_rt *rt, const char *owner)
{
    char host[64], mine[64];
    long pid;
    unsigned long long start;
    if (sscanf(owner, "%63[^:]:%ld:%llu", host, &pid, &start) != 3 ||
        sscanf(rt->owner, "%63[^:]", mine) != 1 || strcmp(host, mine) != 0)
        return 0; /* another host: only its lease can tell */
    return proc_start(pid) != start;
}

/* Inside a transaction: release the claims of this host's dead workers. */
static int reap(durable_rt *rt, int64_t now)
{
    char **ids;
    size_t n;
    durable__store *s = rt->store;
    int rc = s->ops->workers(s, now, &ids, &n);
    for (size_t i = 0; rc == DURABLE_OK && i < n; i++)
        if (strcmp(ids[i], rt->owner) != 0 && worker_dead(rt, ids[i])) {
            rc = s->ops->worker_drop(s, ids[i]);
            rt->claim_dirty = 1;
        }
    durable__ids_free(ids, n); /* NULL and 0 if the listing failed */
    return rc;
}

/* ------------------------------------------------------------------------
 * Claiming: adopt a row as a coroutine, or hold it
 * ---------------------------------------------------------------------- */

static int hold(durable_rt *rt, durable__row *r, int code, const char *why)
{
    r->status = DURABLE_HELD;
    free(r->owner);
    r->owner = NULL;
    r->error_code = code;
    free(r->error);
    r->error = durable__strdup(why);
    int rc = r->error ? rt->store->ops->update(rt->store, r, DURABLE__W_STATUS) : DURABLE_ENOMEM;
    if (rc == DURABLE_OK) {
        note_event(rt, DURABLE_EVENT_HELD, r->id, r->function, NULL, r->parent, r->state);
        durable_event *e = last_event(rt);
        if (e) {
            e->error = code;
            e->message = event_str(rt, why);
        }
    }
    return rc;
}

/* Decide whether this program can run row r: a coroutine in *out, or the
 * row held (I6) and *out NULL. */
static int adopt(durable_rt *rt, durable__row *r, durable_co **out)
{
    char why[256];
    *out = NULL;
    durable_func *fn = durable__registry_find(r->function);
    if (!fn) {
        snprintf(why, sizeof why, "durable function '%s' is not linked into this program", r->function);
        return hold(rt, r, DURABLE_ENOFUNC, why);
    }
    if (r->fingerprint != fn->fingerprint) {
        int rc = durable__upgrade(rt->store, r, fn, why, sizeof why);
        if (rc == DURABLE_EPOINTER) /* a pointer into the old layout is not moved */
            snprintf(why, sizeof why, "a saved pointer into its frame cannot be moved to the new layout");
        if (rc == DURABLE_EINCOMPAT || rc == DURABLE_EPOINTER) {
            char full[400];
            snprintf(full, sizeof full, "frame of '%s' was written by an incompatible build: %s", r->function, why);
            return hold(rt, r, DURABLE_EINCOMPAT, full);
        }
        if (rc != DURABLE_OK)
            return rc;
    }
    int rc = co_new(rt, fn, r, out);
    if (rc == DURABLE_EPOINTER) {
        char full[400];
        snprintf(full, sizeof full, "frame of '%.120s': %.200s", r->function, rt->why);
        return hold(rt, r, rc, full);
    }
    if (rc == DURABLE_ECORRUPT || rc == DURABLE_ENEWER) {
        snprintf(why, sizeof why, "stored frame of '%s' does not decode", r->function);
        return hold(rt, r, rc, why);
    }
    return rc;
}

static int deliver(durable_rt *rt, durable__row *r);

/* At a worker's first run: held rows whose function is back go on. */
static int unhold(durable_rt *rt)
{
    durable__store *s = rt->store;
    char **ids;
    size_t n;
    int rc = s->ops->list(s, DURABLE_HELD, NULL, &ids, &n);
    for (size_t i = 0; rc == DURABLE_OK && i < n; i++) {
        durable__row r;
        durable_co *co = NULL;
        rc = s->ops->get(s, ids[i], &r);
        durable_func *fn = rc == DURABLE_OK ? durable__registry_find(r.function) : NULL;
        char why[256];
        int fits = fn && (r.fingerprint == fn->fingerprint ||
                          durable__upgrade(s, &r, fn, why, sizeof why) == DURABLE_OK);
        if (fits && co_new(rt, fn, &r, &co) == DURABLE_OK) {
            r.status = r.ready || r.state == 0 ? DURABLE_READY : DURABLE_WAITING;
            r.error_code = 0;
            free(r.error);
            r.error = NULL;
            free(r.owner);
            r.owner = NULL;
            rc = s->ops->update(s, &r, DURABLE__W_STATUS);
            /* a signal may have been queued for it while it was held */
            if (rc == DURABLE_OK && r.status == DURABLE_WAITING && r.wait_kind == DURABLE__WAIT_SIGNAL) {
                rc = deliver(rt, &r);
                if (rc == DURABLE_ENOENT)
                    rc = DURABLE_OK;
            }
            rt->claim_dirty = 1;
        }
        co_free(co);
        durable__row_clear(&r);
    }
    durable__ids_free(ids, n); /* NULL and 0 if the listing failed */
    return rc;
}

/* ------------------------------------------------------------------------
 * Running a coroutine and recording what it asked for
 * ---------------------------------------------------------------------- */

static void set_fail(durable_co *co, int code, const char *msg)
{
    co->req = REQ_FAIL;
    co->fail_code = code;
    free(co->fail_msg);
    co->fail_msg = msg ? durable__strdup(msg) : NULL;
}

/* Call the step function once and check what it asked for. */
static void run_one(durable_co *co)
{
    co->req = REQ_NONE;
    co->raw_value.n = 0;
    co->transient = 0;
    co->failed = co->fail_permanent = 0;
    co->in_step = 0;
    current = co;
    int rc = co->fn->step(co, co->frame);
    current = NULL;
    co->in_step = 0;
    if (co->req == REQ_FAIL)
        return;
    int ok = (rc == DURABLE__SUSPEND && co->req >= REQ_STEP && co->req <= REQ_SIGNAL) ||
             (rc == DURABLE__DONE && co->req == REQ_DONE);
    if (!ok) {
        char msg[160];
        snprintf(msg, sizeof msg, "step function of '%s' returned %d (%s) at await %d", co->fn->name, rc,
                 rc < 0 ? durable_strerror(rc) : "without a matching request", co->state);
        set_fail(co, rc < 0 ? rc : DURABLE_ESTATE, msg);
    }
}

static int ensure_schema(durable_rt *rt, const durable_func *fn)
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
    int rc = ensure_schema(rt, co->call_fn);
    if (rc == DURABLE_OK)
        rc = rt->store->ops->insert(rt->store, &c);
    if (rc != DURABLE_OK) {
        free(id);
        return rc;
    }
    rt->claim_dirty = 1;
    note_event(rt, DURABLE_EVENT_STARTED, id, NULL, co->call_fn, co->id, 0);
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
                rc = encode_int(sp.failed, &v);
            }
        } else if (p.wait_kind == DURABLE__WAIT_ANY && spawn_idx >= 0) {
            durable__row c = {0};
            c.id = (char *)child;
            c.spawn_idx = spawn_idx;
            c.collected = 1;
            wake = 1;
            rc = s->ops->update(s, &c, DURABLE__W_COLLECTED);
            if (rc == DURABLE_OK)
                rc = encode_int(spawn_idx, &v);
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
static int finish_row(durable_rt *rt, durable__row *r, int status, int code, const char *msg)
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
        note_event(rt, status == DURABLE_CANCELLED ? DURABLE_EVENT_CANCELLED : DURABLE_EVENT_FAILED, r->id,
                   r->function, fn && fn->fingerprint == r->fingerprint ? fn : NULL, r->parent, r->state);
        durable_event *e = last_event(rt);
        if (e) {
            e->error = code;
            e->message = event_str(rt, msg);
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
    durable_retry_policy p = policy_of(co);
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
    note_event(rt, kind, co->id, NULL, co->fn, co->parent, co->state);
    durable_event *e = last_event(rt);
    if (!e)
        return;
    if (kind == DURABLE_EVENT_STEP_FAILED) {
        e->attempt = co->attempt + 1;
        e->retry_at_ms = status == DURABLE_WAITING ? co->req_wake : 0;
    }
    if (kind != DURABLE_EVENT_SUSPENDED && kind != DURABLE_EVENT_FINISHED) {
        e->error = co->fail_code;
        e->message = event_str(rt, co->fail_msg);
    }
}

/* Write what this coroutine's request means, inside the round's transaction.
 * Sets co->status-to-be in *status_out. */
static int persist(durable_rt *rt, durable_co *co, int *status_out)
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
            durable_retry_policy p = policy_of(co);
            r.attempt = co->attempt + 1;
            r.status = DURABLE_WAITING;
            r.wait_kind = DURABLE__WAIT_RETRY;
            co->req_wake = now_ms(rt) + backoff_ms(rt, &p, r.attempt);
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
            rc = encode_int(sp.total, &scratch);
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
                rc = encode_int(v, &scratch);
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
            rc = encode_int(1, &scratch);
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
            rc = set_payload(co, &r.payload);
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
static int apply(durable_rt *rt, durable_co *co, int status)
{
    if (status != DURABLE_READY) { /* unlinked by round_commit already */
        if (status == DURABLE_WAITING || status == DURABLE_PAUSED)
            park(rt, co, co->seq + 1); /* the checkpoint just committed */
        co_free(co);
        return DURABLE_OK;
    }
    /* the outcome depends on the attempts so far: decide before resetting them */
    int gave_up = co->req == REQ_STEP && step_outcome(co) == STEP_GAVE_UP;
    co->seq++;
    co->ready = 1;
    co->attempt = 0;
    co->await_error = gave_up ? (co->fail_permanent ? DURABLE_EPERMANENT : DURABLE_ESTEP) : 0;
    const durable_field *vd = await_value(co->fn, co->state);
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
        rc = co_load_state(co, NULL, &co->req_value);
    if (rc == DURABLE_OK)
        enqueue(rt, co);
    return rc;
}

/* ------------------------------------------------------------------------
 * A round
 * ---------------------------------------------------------------------- */

/* Could a claim find anything now?  (rt->external must be fresh.) */
static int claim_needed(durable_rt *rt, int64_t now)
{
    return rt->claim_dirty || rt->external || (rt->next_due && rt->next_due <= now);
}

/* Look whether another connection committed since the last look.  What it
 * saw stays noted until a claim has looked at the file (claim clears it):
 * two looks in a row must not lose the first one's news. */
static void look_outside(durable_rt *rt)
{
    int changed = 1;
    if (rt->store->ops->changed(rt->store, &changed) != DURABLE_OK)
        changed = 1;
    if (changed)
        rt->external = 1;
}

static int in_list(const durable_co *list, const char *id)
{
    for (; list; list = list->qnext)
        if (strcmp(list->id, id) == 0)
            return 1;
    return 0;
}

/* Adopt the claimed rows named in ids[0..n) that are not in memory yet and,
 * with `dedupe`, not adopted already in this round: a worker re-claiming its
 * own rows after a failed round finds among them the timers it just fired.
 * (Only then: the check scans the list, quadratic in a batch.) */
static int adopt_ids(durable_rt *rt, char **ids, size_t n, durable_co **adopted, int dedupe)
{
    int rc = DURABLE_OK;
    for (size_t i = 0; rc == DURABLE_OK && i < n; i++) {
        if (co_find(rt, ids[i]) || (dedupe && in_list(*adopted, ids[i])))
            continue;
        durable__row r;
        durable_co *co = NULL;
        rc = rt->store->ops->get(rt->store, ids[i], &r);
        if (rc == DURABLE_OK)
            rc = adopt(rt, &r, &co);
        durable__row_clear(&r);
        if (co) {
            co->qnext = *adopted;
            *adopted = co;
            note_event(rt, DURABLE_EVENT_RESUMED, co->id, NULL, co->fn, co->parent, co->state);
        }
    }
    return rc;
}

/* Inside the round's transaction: fire due timers (claiming what they wake),
 * claim other ready rows, and adopt them all; the new coroutines are
 * returned in a list (not yet queued). */
static int claim(durable_rt *rt, int64_t now, durable_co **adopted)
{
    durable__store *s = rt->store;
    int batch = rt->opts.claim_batch;
    char **ids = NULL;
    size_t n = 0, fired = 0;
    int rc = s->ops->fire_timers(s, rt->owner, now, batch, &ids, &fired);
    if (rc == DURABLE_OK)
        rc = adopt_ids(rt, ids, fired, adopted, 0);
    durable__ids_free(ids, fired);
    ids = NULL;
    if (rc == DURABLE_OK && (int)fired < batch)
        rc = s->ops->claim(s, rt->owner, now, batch - (int)fired, rt->reclaim, &ids, &n);
    if (rc == DURABLE_OK)
        rc = adopt_ids(rt, ids, n, adopted, rt->reclaim);
    durable__ids_free(ids, n);
    if (rc == DURABLE_OK)
        rc = s->ops->next_due(s, &rt->next_due);
    if (rc == DURABLE_OK) {
        rt->external = 0; /* what others wrote before this transaction is seen */
        /* more may be waiting: timers or ready rows beyond this batch */
        rt->claim_dirty = (int)(fired + n) >= batch;
        rt->reclaim = rt->reclaim && rt->claim_dirty;
    }
    return rc;
}

static int begin_tx(durable_rt *rt)
{
    if (rt->in_tx)
        return DURABLE_OK;
    int rc = rt->store->ops->begin(rt->store);
    if (rc == DURABLE_OK)
        rt->in_tx = 1;
    return rc;
}

/* Commit (counting it for the crash knob when `checkpoint`) or roll back. */
static int end_tx(durable_rt *rt, int rc, int checkpoint)
{
    durable__store *s = rt->store;
    if (rc == DURABLE_OK) {
        if (checkpoint)
            durable__fault_commit(DURABLE__BEFORE_COMMIT);
        rc = s->ops->commit(s);
    }
    rt->in_tx = 0;
    if (rc != DURABLE_OK) {
        s->ops->rollback(s);
        forget_events(rt);
        return rc;
    }
    if (checkpoint)
        durable__fault_commit(DURABLE__AFTER_COMMIT);
    rt->stats.commits++;
    tell_events(rt);
    return DURABLE_OK;
}

/* One round: persist `batch` (the coroutines run since the last round),
 * claim more, commit, apply. */
static int round_commit(durable_rt *rt, durable_co *batch)
{
    durable__store *s = rt->store;
    durable_co *adopted = NULL;
    int rc = begin_tx(rt);
    int n = 0;
    for (durable_co *c = batch; c; c = c->qnext)
        n++;
    int *status = durable__calloc((size_t)n + 1, sizeof *status);
    if (!status)
        rc = rc == DURABLE_OK ? DURABLE_ENOMEM : rc;
    if (rc == DURABLE_OK)
        look_outside(rt);
    /* A coroutine whose request could not be built for want of memory, or
     * that was told of a transient failure, did not fail: the round is given
     * up and redone from the file (I5). */
    for (durable_co *c = batch; rc == DURABLE_OK && c; c = c->qnext)
        if (c->req == REQ_FAIL && (c->fail_code == DURABLE_ENOMEM || c->transient))
            rc = c->fail_code;
    int i = 0;
    for (durable_co *c = batch; rc == DURABLE_OK && c; c = c->qnext) {
        rc = persist(rt, c, &status[i]);
        /* One leaving memory must not hide its row from the claim below: a
         * timer already due, or a child that finished, makes it ready again
         * within this very transaction. */
        if (rc == DURABLE_OK && status[i] != DURABLE_READY)
            co_unlink(rt, c);
        i++;
    }
    int64_t now = now_ms(rt);
    if (rc == DURABLE_OK && now >= rt->beat_due) {
        rc = s->ops->worker_beat(s, rt->owner, now + rt->opts.lease_ms);
        rt->beat_due = now + rt->opts.lease_ms / 3;
    }
    if (rc == DURABLE_OK && now >= rt->reap_due) {
        rc = reap(rt, now);
        /* cheap (a few rows, a /proc read each): look every second.  And
         * claim then too: a worker on another host whose lease lapsed, or
         * one of this host that died and whose lease lapsed before reap saw
         * it, commits nothing that would tell us its rows are free. */
        rt->reap_due = now + (rt->opts.lease_ms / 2 < 1000 ? rt->opts.lease_ms / 2 : 1000);
        rt->claim_dirty = 1;
    }
    if (rc == DURABLE_OK && claim_needed(rt, now))
        rc = claim(rt, now, &adopted);
    if (rc == DURABLE_OK && !rt->in_tx)
        rc = DURABLE_EIO;
    rc = end_tx(rt, rc, batch != NULL);
    if (rc != DURABLE_OK) { /* I5 */
        rt->beat_due = rt->reap_due = 0; /* rolled back with the rest: redo them at once */
        while (adopted) {
            durable_co *c = adopted;
            adopted = c->qnext;
            co_free(c);
        }
        i = 0;
        for (durable_co *c = batch, *next; c; c = next) {
            next = c->qnext;
            int st = status ? status[i++] : DURABLE_READY; /* no status array: none was persisted */
            if (st != DURABLE_READY && !co_find(rt, c->id) && c->queued == 0)
                co_free(c); /* unlinked above: drop_all would not see it */
        }
        drop_all(rt);
        free(status);
        return rc;
    }
    if (batch)
        rt->stats.rounds++;
    i = 0;
    for (durable_co *c = batch, *next; c; c = next) {
        next = c->qnext;
        if (apply(rt, c, status[i++]) != DURABLE_OK) {
            co_drop(rt, c); /* still claimed by us: the next round adopts it again from the file */
            rt->claim_dirty = rt->reclaim = 1;
        }
    }
    free(status);
    while (adopted) {
        durable_co *c = adopted;
        adopted = c->qnext;
        if (co_insert(rt, c) != DURABLE_OK) {
            co_free(c);
            rt->claim_dirty = rt->reclaim = 1; /* claimed by us: adopt it again */
            continue;
        }
        rt->stats.resumed++;
        enqueue(rt, c);
    }
    return DURABLE_OK;
}

static int first_run(durable_rt *rt)
{
    if (rt->started)
        return DURABLE_OK;
    char **ids;
    size_t n;
    int rc = rt->store->ops->list(rt->store, DURABLE_HELD, NULL, &ids, &n);
    if (rc != DURABLE_OK)
        return rc;
    durable__ids_free(ids, n);
    if (n) { /* only then a transaction */
        rc = begin_tx(rt);
        if (rc == DURABLE_OK)
            rc = unhold(rt);
        rc = end_tx(rt, rc, 0);
    }
    if (rc == DURABLE_OK)
        rt->started = 1;
    return rc;
}

DURABLE_API int durable_run(durable_rt *rt)
{
    if (!rt || current || rt->in_event)
        return DURABLE_EINVAL; /* not from inside a durable function or on_event */
    int rc = first_run(rt);
    durable_co *batch = NULL;
    while (rc == DURABLE_OK) {
        if (!batch && !rt->qhead) {
            look_outside(rt);
            int64_t now = now_ms(rt);
            if (!claim_needed(rt, now) && now < rt->beat_due && now < rt->reap_due)
                break; /* nothing to write, claim, renew or reap */
        }
        rc = round_commit(rt, batch);
        if (rc != DURABLE_OK || !rt->qhead)
            break;
        batch = rt->qhead;
        rt->qhead = rt->qtail = NULL;
        for (durable_co *c = batch; c; c = c->qnext) {
            c->queued = 0;
            run_one(c);
        }
    }
    if (rc != DURABLE_OK)
        return rc;
    int n = 0;
    rc = rt->store->ops->count_unfinished(rt->store, &n);
    return rc == DURABLE_OK ? n : rc;
}

/* How often a waiting worker looks for what other processes wrote: one
 * PRAGMA data_version (a read of the WAL header, no query) each time. */
#define WAIT_POLL_MS 20

DURABLE_API int durable_wait(durable_rt *rt, int timeout_ms)
{
    if (!rt || timeout_ms < 0 || current || rt->in_event)
        return DURABLE_EINVAL;
    durable__store *s = rt->store;
    if (rt->qhead)
        return DURABLE_OK;
    /* Work this worker already knows of, or news since durable_run looked. */
    look_outside(rt);
    int64_t now = now_ms(rt), due = 0;
    int yes = 0;
    int rc = s->ops->has_work(s, rt->owner, now, &yes);
    if (rc == DURABLE_OK && !yes)
        rc = s->ops->next_due(s, &due);
    if (rc != DURABLE_OK)
        return rc;
    if (yes)
        rt->claim_dirty = 1; /* the next durable_run must claim it, whatever made it claimable */
    if (yes || rt->claim_dirty)
        return DURABLE_OK;
    if (rt->opts.virtual_time && !rt->opts.clock) {
        /* jump to the next timer (or by the timeout) instead of sleeping */
        rt->vnow = due > now ? due : now + timeout_ms;
        rc = begin_tx(rt);
        if (rc == DURABLE_OK)
            rc = s->ops->meta_set(s, "virtual_now", rt->vnow);
        return end_tx(rt, rc, 0);
    }
    /* Sleep in short naps until the timeout, the earliest timer, or a commit
     * by another connection (a signal, a start, a cancel, a resume ...):
     * durable_run then finds what changed.  A nap costs one data_version
     * look, so an idle worker uses no measurable CPU. */
    int64_t start = durable__realtime_ms(), looked = start;
    for (;;) {
        int changed = 0;
        rc = s->ops->changed(s, &changed);
        if (rc != DURABLE_OK)
            return rc;
        if (changed) {
            rt->external = 1;
            return DURABLE_OK;
        }
        now = now_ms(rt);
        /* A claim whose worker's lease lapsed commits nothing: look for
         * claimable rows once a second too. */
        if (durable__realtime_ms() - looked >= 1000) {
            looked = durable__realtime_ms();
            rc = s->ops->has_work(s, rt->owner, now, &yes);
            if (rc != DURABLE_OK)
                return rc;
            if (yes) {
                rt->claim_dirty = 1;
                return DURABLE_OK;
            }
        }
        if (due && due <= now)
            return DURABLE_OK;
        int64_t left = timeout_ms - (durable__realtime_ms() - start);
        if (left <= 0)
            return DURABLE_OK;
        int64_t nap = left < WAIT_POLL_MS ? left : WAIT_POLL_MS;
        if (due && due - now < nap)
            nap = due - now;
        if (rt->opts.clock && nap > 5)
            nap = 5; /* a clock we do not control: check it often */
        struct timespec ts = {(time_t)(nap / 1000), (long)(nap % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

/* ------------------------------------------------------------------------
 * Host API
 * ---------------------------------------------------------------------- */

DURABLE_API int durable_open(durable_rt **out, const char *path, const durable_options *opts)
{
    durable__set_open_error("%s", "");
    if (!out)
        return DURABLE_EINVAL;
    *out = NULL;
    if (!path || !*path) {
        durable__set_open_error("no database path given");
        return DURABLE_EINVAL;
    }
    durable_options o;
    durable_options_init(&o);
    if (opts) {
        if (opts->size < sizeof(size_t) || opts->size > sizeof o)
            return DURABLE_EINVAL;
        memcpy(&o, opts, opts->size);
        o.size = sizeof o;
    }
    if ((o.synchronous != DURABLE_SYNC_FULL && o.synchronous != DURABLE_SYNC_NORMAL) || o.busy_timeout_ms < 0 ||
        o.lease_ms <= 0 || o.claim_batch <= 0 || !policy_valid(&o.retry))
        return DURABLE_EINVAL;
    int rc = durable__registry_check();
    for (durable_func *f = durable__registry_first(); rc == DURABLE_OK && f; f = f->next)
        if (durable__fields_valid(f->fields, f->nfields, f->frame_size) != DURABLE_OK ||
            durable__fields_valid(f->params, f->nparams, f->args_size) != DURABLE_OK ||
            (f->result && durable__fields_valid(f->result, 1, f->result->size) != DURABLE_OK) || !f->step)
            rc = DURABLE_EINVAL;
    for (durable_func *f = durable__registry_first(); rc == DURABLE_OK && f; f = f->next)
        for (uint32_t i = 0; i < f->nawaits; i++) {
            if (f->awaits[i].id != (int)i + 1 || (f->awaits[i].nsaves && !f->awaits[i].saves))
                rc = DURABLE_EINVAL;
            for (uint32_t k = 0; rc == DURABLE_OK && k < f->awaits[i].nsaves; k++)
                if (f->awaits[i].saves[k] >= f->nfields)
                    rc = DURABLE_EINVAL;
        }
    if (rc != DURABLE_OK)
        return rc;
    durable_rt *rt = durable__calloc(1, sizeof *rt);
    if (!rt)
        return DURABLE_ENOMEM;
    rt->opts = o;
    rt->claim_dirty = 1;
    worker_identity(rt);
    const char *env = getenv("DURABLE_RETRY");
    if (env && *env) {
        rt->env = o.retry;
        rt->env_policy = policy_parse(env, &rt->env);
        if (!rt->env_policy)
            fprintf(stderr, "durable: ignoring malformed DURABLE_RETRY=%s\n", env);
    }
    rt->rng = (uint64_t)durable__realtime_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)rt;
    if (!rt->rng)
        rt->rng = 88172645463325252ULL;
    rc = durable__store_sqlite_open(&rt->store, path, &o);
    if (rc == DURABLE_OK && o.virtual_time) {
        rt->vnow = durable__realtime_ms();
        if (rt->store->ops->meta_get(rt->store, "virtual_now", &rt->vnow) == DURABLE_ENOENT)
            rt->vnow = durable__realtime_ms();
    }
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
    if ((current && current->rt == rt) || rt->in_event)
        return DURABLE_EINVAL;
    drop_all(rt);
    /* Leave politely: what we claimed is free for others at once. */
    durable__store *s = rt->store;
    if (s->ops->begin(s) == DURABLE_OK) {
        if (s->ops->worker_drop(s, rt->owner) == DURABLE_OK)
            s->ops->commit(s);
        s->ops->rollback(s);
    }
    s->ops->close(s);
    free(rt->stored);
    while (rt->parked) {
        parked *p = rt->parked;
        rt->parked = p->next;
        parked_free(p);
    }
    free(rt->message);
    while (rt->policies) {
        fn_policy *p = rt->policies;
        rt->policies = p->next;
        free(p->function);
        free(p);
    }
    durable__arena_free(&rt->result_strings);
    forget_events(rt);
    free(rt->events);
    free(rt);
    return DURABLE_OK;
}

/* Run fn(rt, arg) in a transaction of its own, counted by the crash knob. */
static int in_tx(durable_rt *rt, int (*fn)(durable_rt *, void *), void *arg)
{
    if (!rt || current || rt->in_event)
        return DURABLE_EINVAL;
    int rc = begin_tx(rt);
    if (rc == DURABLE_OK)
        rc = fn(rt, arg);
    int err = rc < 0 ? rc : DURABLE_OK;
    err = end_tx(rt, err, 1);
    return err != DURABLE_OK ? err : rc;
}

struct start_args {
    const char *id;
    durable_call call;
};

static int do_start(durable_rt *rt, void *p)
{
    struct start_args *a = p;
    durable_func *fn = a->call.fn;
    durable__store *s = rt->store;
    durable__row r = {0};
    int rc = s->ops->get(s, a->id, &r);
    if (rc == DURABLE_OK) { /* idempotent: never restart an existing id */
        rc = strcmp(r.function, fn->name) == 0 ? 1 : DURABLE_EEXIST;
        durable__row_clear(&r);
        return rc;
    }
    if (rc != DURABLE_ENOENT)
        return rc;
    rc = durable__encode(fn->params, fn->nparams, a->call.args, &r.args);
    r.id = (char *)a->id;
    r.function = (char *)fn->name;
    r.status = DURABLE_READY;
    r.spawn_idx = -1;
    r.fingerprint = fn->fingerprint;
    if (rc == DURABLE_OK)
        rc = ensure_schema(rt, fn);
    if (rc == DURABLE_OK)
        rc = s->ops->insert(s, &r);
    durable__event ev = {a->id, 0, 0, "start", 0, 0, NULL, fn->fingerprint};
    if (rc == DURABLE_OK)
        rc = s->ops->append(s, &ev);
    if (rc == DURABLE_OK)
        note_event(rt, DURABLE_EVENT_STARTED, a->id, NULL, fn, NULL, 0);
    durable__buf_free(&r.args);
    rt->claim_dirty = 1;
    return rc;
}

DURABLE_API int durable_start(durable_rt *rt, const char *id, durable_call call)
{
    if (!rt || !id || !*id)
        return DURABLE_EINVAL;
    if (!call.fn || !durable__registry_has(call.fn))
        return DURABLE_ENOFUNC;
    if (call.size != call.fn->args_size || (call.size && !call.args))
        return DURABLE_ESIZE;
    if (current || rt->in_event)
        return DURABLE_EINVAL;
    /* An existing id is only read: no commit, so a restarted program that
     * starts its workflows again makes no write until it has work to do. */
    durable__row r;
    int rc = rt->store->ops->get(rt->store, id, &r);
    if (rc == DURABLE_OK) {
        rc = strcmp(r.function, call.fn->name) == 0 ? DURABLE_OK : DURABLE_EEXIST;
        durable__row_clear(&r);
        return rc;
    }
    if (rc != DURABLE_ENOENT)
        return rc;
    struct start_args a = {id, call};
    rc = in_tx(rt, do_start, &a);
    return rc > 0 ? DURABLE_OK : rc;
}

DURABLE_API int durable_status(durable_rt *rt, const char *id, int *status)
{
    if (!rt || !id || !status)
        return DURABLE_EINVAL;
    durable__row r;
    int rc = rt->store->ops->get(rt->store, id, &r);
    if (rc == DURABLE_OK)
        *status = r.paused && (r.status == DURABLE_READY || r.status == DURABLE_WAITING) ? DURABLE_PAUSED : r.status;
    durable__row_clear(&r);
    return rc;
}

/* Decode a stored result blob of `fn` into out[0..size). */
static int decode_result(durable_rt *rt, const char *function, const durable__buf *blob, void *out, size_t size)
{
    durable_func *fn = durable__registry_find(function);
    if (!fn)
        return DURABLE_ENOFUNC;
    const durable_field *rd = fn->result;
    if (size != (rd ? rd->size : 0))
        return DURABLE_ESIZE;
    if (!rd)
        return DURABLE_OK;
    void *tmp = durable__calloc(1, size);
    durable__arena strings = {0};
    int rc = tmp ? DURABLE_OK : DURABLE_ENOMEM;
    if (rc == DURABLE_OK)
        rc = blob->p ? durable__decode(rd, 1, blob->p, blob->n, tmp, &strings) : DURABLE_ECORRUPT;
    if (rc == DURABLE_OK) {
        memcpy(out, tmp, size);
        durable__arena_free(&rt->result_strings);
        rt->result_strings = strings;
    } else {
        durable__arena_free(&strings);
    }
    free(tmp);
    return rc;
}

static int result_of_row(durable_rt *rt, const durable__row *r, void *out, size_t size)
{
    switch (r->status) {
    case DURABLE_DONE: return decode_result(rt, r->function, &r->result, out, size);
    case DURABLE_FAILED: return DURABLE_EFAILED;
    case DURABLE_CANCELLED: return DURABLE_ECANCELLED;
    default: return DURABLE_EPENDING;
    }
}

DURABLE_API int durable_get_result(durable_rt *rt, const char *id, void *out, size_t size)
{
    if (!rt || !id || (size && !out))
        return DURABLE_EINVAL;
    durable__row r;
    int rc = rt->store->ops->get(rt->store, id, &r);
    if (rc == DURABLE_OK)
        rc = result_of_row(rt, &r, out, size);
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

static int do_purge(durable_rt *rt, void *p)
{
    int count = 0;
    int rc = rt->store->ops->purge(rt->store, *(int64_t *)p, &count);
    return rc == DURABLE_OK ? count : rc;
}

DURABLE_API int durable_purge(durable_rt *rt, int64_t before_ms)
{
    return in_tx(rt, do_purge, &before_ms);
}

DURABLE_API int durable_set_retry(durable_rt *rt, const char *function, const durable_retry_policy *p)
{
    if (!rt || !function || (p && !policy_valid(p)))
        return DURABLE_EINVAL;
    fn_policy **pp = &rt->policies;
    while (*pp && strcmp((*pp)->function, function) != 0)
        pp = &(*pp)->next;
    if (!p) {
        if (*pp) {
            fn_policy *dead = *pp;
            *pp = dead->next;
            free(dead->function);
            free(dead);
        }
        return DURABLE_OK;
    }
    if (!*pp) {
        fn_policy *n = durable__calloc(1, sizeof *n);
        if (!n || !(n->function = durable__strdup(function))) {
            free(n);
            return DURABLE_ENOMEM;
        }
        *pp = n;
    }
    (*pp)->p = *p;
    return DURABLE_OK;
}

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

/* Hand the oldest queued signal of r's awaited name to r, which waits for it. */
static int deliver(durable_rt *rt, durable__row *r)
{
    durable__store *s = rt->store;
    durable__buf_free(&r->payload);
    int rc = s->ops->take_signal(s, r->id, r->waiting_on, &r->payload);
    if (rc == DURABLE_OK)
        rc = encode_int(1, &r->value);
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
        rc = deliver(rt, &r);
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_signal(durable_rt *rt, const char *id, const char *name, const void *data, size_t len)
{
    if (!id || !name || !*name || (len && !data))
        return DURABLE_EINVAL;
    struct signal_args a = {id, name, data, len};
    return in_tx(rt, do_signal, &a);
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
                rc = deliver(rt, &r);
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
    return in_tx(rt, do_broadcast, &a);
}

/* Cancel one unfinished workflow (I3 still holds: children are cancelled by
 * do_cancel too, and their ends wake nobody who stopped waiting). */
static int cancel_one(durable_rt *rt, durable__row *r)
{
    durable_co *co = co_find(rt, r->id);
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
    const durable_await *aw = fn && fn->fingerprint == r->fingerprint ? await_of(fn, r->state) : NULL;
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
        return finish_row(rt, r, DURABLE_CANCELLED, DURABLE_ECANCELLED, "cancelled");
    free(r->owner);
    r->owner = NULL;
    r->status = DURABLE_READY;
    rt->claim_dirty = 1;
    return rt->store->ops->update(rt->store, r, DURABLE__W_STATUS);
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
    return id ? in_tx(rt, do_cancel, (void *)id) : DURABLE_EINVAL;
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
    durable_co *co = co_find(rt, a->id);
    if (rc == DURABLE_OK && co && a->paused) {
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
        park(rt, co, co->seq); /* its frame stays this process's (I7) */
        co_drop(rt, co);
    }
    rt->claim_dirty = 1;
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_pause(durable_rt *rt, const char *id)
{
    struct pause_args a = {id, 1};
    return id ? in_tx(rt, do_pause, &a) : DURABLE_EINVAL;
}

DURABLE_API int durable_resume(durable_rt *rt, const char *id)
{
    struct pause_args a = {id, 0};
    return id ? in_tx(rt, do_pause, &a) : DURABLE_EINVAL;
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
    r.ready = 0; /* the await where it failed is issued again, attempts anew */
    r.attempt = 0;
    r.seq++; /* the failure's history line took the next checkpoint number */
    r.await_error = 0;
    r.status = DURABLE_READY;
    r.error_code = 0;
    free(r.error);
    r.error = NULL;
    free(r.owner);
    r.owner = NULL;
    rc = rt->store->ops->update(rt->store, &r, DURABLE__W_FRAME | DURABLE__W_STATUS);
    rt->claim_dirty = 1;
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_retry(durable_rt *rt, const char *id)
{
    return id ? in_tx(rt, do_retry, (void *)id) : DURABLE_EINVAL;
}

/* ------------------------------------------------------------------------
 * Inside durable functions and steps
 * ---------------------------------------------------------------------- */

/* A call made by running workflow code could not be answered for a reason
 * that is not the workflow's (memory, the store): what the coroutine does
 * until its next await is void, and the round is redone from the file, as
 * after a crash before the commit (round_commit). */
static void transient(durable_co *co, int code)
{
    set_fail(co, code, "transient failure inside a durable function");
    co->transient = 1;
}

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
    co->fail_msg = message ? durable__strdup(message) : NULL;
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
    char *k = durable__realloc(co->step_key, n);
    if (!k) {
        transient(co, DURABLE_ENOMEM);
        return NULL;
    }
    snprintf(k, n, "%s/%d.%llu", co->id, co->state, (unsigned long long)co->await_seq);
    co->step_key = k;
    return k;
}

DURABLE_API int durable_step_attempt(void)
{
    durable_co *co = current;
    return co && co->in_step ? co->attempt + 1 : 0;
}

DURABLE_API int durable_next_retry(const durable_retry_policy *p)
{
    durable_co *co = current;
    if (!co || !p || !policy_valid(p))
        return DURABLE_EINVAL;
    co->next_policy = *p;
    co->has_next_policy = 1;
    return DURABLE_OK;
}

DURABLE_API const void *durable_signal_data(size_t *len)
{
    durable_co *co = current;
    if (len)
        *len = co && co->payload.p ? co->payload.n : 0;
    return co && co->payload.p && co->payload.n + 1 <= co->payload.cap ? co->payload.p : NULL;
}

DURABLE_API int durable_child_result_sized(int h, void *out, size_t size)
{
    durable_co *co = current;
    if (!co || h < 0 || (size && !out))
        return DURABLE_EINVAL;
    durable__row r;
    int rc = co->rt->store->ops->get_spawned(co->rt->store, co->id, h, &r);
    if (rc == DURABLE_OK)
        rc = result_of_row(co->rt, &r, out, size);
    durable__row_clear(&r);
    if (rc == DURABLE_ENOMEM || rc == DURABLE_EIO || rc == DURABLE_EBUSY)
        transient(co, rc);
    return rc;
}

DURABLE_API struct sqlite3 *durable_sqlite(void)
{
    durable_co *co = current;
    if (!co || !co->in_step)
        return NULL;
    void *db = durable__store_sqlite_handle(co->rt->store);
    if (!db || begin_tx(co->rt) != DURABLE_OK)
        return NULL;
    if (!co->savepoint && co->rt->store->ops->savepoint(co->rt->store, 0) != DURABLE_OK)
        return NULL;
    co->savepoint = 1;
    return db;
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

DURABLE_API int durable_wait_signal(const char *name, double timeout_seconds)
{
    (void)name;
    (void)timeout_seconds;
    return DURABLE_EAWAIT;
}

DURABLE_API int durable_spawn(durable_call call)
{
    (void)call;
    return DURABLE_EAWAIT;
}

DURABLE_API int durable_all(void)
{
    return DURABLE_EAWAIT;
}

DURABLE_API int durable_any(void)
{
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

/* A signal wait completes with 1 when a signal came and 0 when its timeout
 * fired first (the timer leaves the value empty): the 0 is a timeout. */
static int signal_timed_out(const durable_co *co, const durable_await *aw)
{
    if (aw->kind != DURABLE_AWAIT_RUNTIME || strcmp(aw->callee, "durable_wait_signal") != 0)
        return 0;
    int v = 0;
    if (co->value && co->value_size == sizeof v)
        memcpy(&v, co->value, sizeof v);
    return v == 0;
}

DURABLE_API int durable__begin(durable_co *co, int id)
{
    if (!co || co != current || co->req != REQ_NONE)
        return 1; /* the request that follows reports the misuse */
    const durable_await *aw = await_of(co->fn, id);
    if (!aw) {
        set_fail(co, DURABLE_ESTATE, "await id out of range");
        return 1;
    }
    if (co->state == id && co->ready) {
        co->ready = 0;
        co->cur_error = co->await_error;
        if (!co->cur_error && signal_timed_out(co, aw))
            co->cur_error = DURABLE_ETIMEDOUT;
        return 0;
    }
    if (co->state != id || co->attempt == 0) { /* a first arrival, not a retry */
        co->state = id;
        co->attempt = 0;
        co->await_seq = co->seq;
        free(co->policy);
        co->policy = co->has_next_policy ? policy_text(&co->next_policy) : NULL;
        co->has_next_policy = 0;
    }
    if (co->cancel == 1) { /* cancellation is delivered at this await */
        co->cancel = 2;
        co->cur_error = DURABLE_ECANCELLED;
        if (co_load_state(co, NULL, NULL) != DURABLE_OK) /* its value: zeroes */
            set_fail(co, DURABLE_ENOMEM, NULL);
        return 0;
    }
    co->in_step = aw->kind == DURABLE_AWAIT_STEP;
    co->failed = 0;
    return 1;
}

DURABLE_API int durable__take(durable_co *co, void *dst, size_t size)
{
    if (dst && size) {
        if (co && co->value && co->value_size == size)
            memcpy(dst, co->value, size);
        else
            memset(dst, 0, size);
    }
    /* A timeout is an outcome the await's value tells (0), not a failure:
     * code that does not look at durable_error() goes on. */
    if (!co || co != current || !co->cur_error || co->cur_error == DURABLE_ETIMEDOUT)
        return 0;
    const durable_await *aw = await_of(co->fn, co->state);
    if (aw && aw->checks_error)
        return 0;
    /* A failure nobody looks at ends the workflow, like an uncaught exception. */
    char msg[200];
    snprintf(msg, sizeof msg, "await %d (%s, line %u) failed: %s", co->state, aw ? aw->callee : "?",
             aw ? aw->line : 0, durable_strerror(co->cur_error));
    set_fail(co, co->cur_error, msg);
    return DURABLE__STOP;
}

/* Common checks of the durable__X requests, and the frame's encoding. */
static int issue(durable_co *co, int kind)
{
    if (!co || co != current)
        return DURABLE_EINVAL;
    if (co->req == REQ_FAIL)
        return co->fail_code;
    const durable_await *aw = await_of(co->fn, co->state);
    if (co->req != REQ_NONE || !aw) {
        set_fail(co, DURABLE_ESTATE, "await issued outside the state it belongs to");
        return DURABLE_ESTATE;
    }
    if (kind && aw->kind != kind) {
        set_fail(co, DURABLE_ESTATE, "await issued with a kind its descriptor does not have");
        return DURABLE_ESTATE;
    }
    /* Encode the frame now, while what its pointers point at is alive: a
     * pointer into the frame is saved as an offset, one into static storage
     * by symbol, a char * to anything else by content (G17). */
    durable__ptrs px = {co->frame, co->fn->frame_size, 0, 0, {0}, "", {0}, &co->arg_strings};
    int rc = durable__encode_in(co->fn->fields, co->fn->nfields, co->frame, &co->enc_frame, &px);
    if (rc == DURABLE_EPOINTER) {
        char msg[400];
        snprintf(msg, sizeof msg, "local '%.120s' at the await at line %u (%.100s) points outside the "
                 "coroutine's locals and static storage: it cannot be saved", px.what, aw->line, aw->callee);
        set_fail(co, rc, msg);
    } else if (rc != DURABLE_OK)
        set_fail(co, rc, "frame could not be encoded");
    return rc;
}

DURABLE_API int durable__step(durable_co *co, const void *value, size_t size)
{
    int rc = issue(co, DURABLE_AWAIT_STEP);
    if (rc != DURABLE_OK)
        return rc;
    co->in_step = 0;
    if (co->savepoint) { /* a transactional step: keep or undo what it wrote */
        co->savepoint = 0;
        rc = co->rt->store->ops->savepoint(co->rt->store, co->failed ? 2 : 1);
        if (rc != DURABLE_OK) {
            set_fail(co, rc, "the step's transaction could not be closed");
            return rc;
        }
    }
    const durable_field *vd = await_value(co->fn, co->state);
    if (size != (vd ? vd->size : 0) || (size && !value)) {
        set_fail(co, DURABLE_ESIZE, "step value size does not match its descriptor");
        return DURABLE_ESIZE;
    }
    co->req = REQ_STEP;
    if (co->failed) {
        co->req_value.n = 0; /* the value is discarded */
        return DURABLE__SUSPEND;
    }
    rc = durable__encode(vd, vd ? 1 : 0, value, &co->req_value);
    if (rc != DURABLE_OK) {
        set_fail(co, rc, "step value could not be encoded");
        return rc;
    }
    co->raw_value.n = 0;
    if (durable__buf_put(&co->raw_value, value, size) != DURABLE_OK)
        co->raw_value.n = 0; /* then the decoded value: a copy of its strings */
    return DURABLE__SUSPEND;
}

static int request_child(durable_co *co, durable_func *fn, const void *args, size_t size, int kind, int req)
{
    int rc = issue(co, kind);
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
    co->req = req;
    co->call_fn = fn;
    return DURABLE__SUSPEND;
}

DURABLE_API int durable__call(durable_co *co, durable_func *fn, const void *args, size_t size)
{
    return request_child(co, fn, args, size, DURABLE_AWAIT_CHILD, REQ_CALL);
}

DURABLE_API int durable__spawn(durable_co *co, durable_call call)
{
    return request_child(co, call.fn, call.args, call.size, DURABLE_AWAIT_RUNTIME, REQ_SPAWN);
}

static int request_simple(durable_co *co, int req)
{
    int rc = issue(co, DURABLE_AWAIT_RUNTIME);
    if (rc != DURABLE_OK)
        return rc;
    co->req = req;
    return DURABLE__SUSPEND;
}

DURABLE_API int durable__all(durable_co *co)
{
    return request_simple(co, REQ_ALL);
}

DURABLE_API int durable__any(durable_co *co)
{
    return request_simple(co, REQ_ANY);
}

static int64_t after_ms(durable_co *co, double seconds)
{
    double ms = seconds * 1000.0;
    if (!(ms > 0)) /* negative and NaN: no wait */
        ms = 0;
    if (ms > 1e15)
        ms = 1e15;
    return now_ms(co->rt) + (int64_t)ms;
}

DURABLE_API int durable__sleep_until(durable_co *co, int64_t unix_ms)
{
    int rc = request_simple(co, REQ_SLEEP);
    if (rc == DURABLE__SUSPEND)
        co->req_wake = unix_ms > 0 ? unix_ms : 1;
    return rc;
}

DURABLE_API int durable__sleep(durable_co *co, double seconds)
{
    if (!co)
        return DURABLE_EINVAL;
    return durable__sleep_until(co, after_ms(co, seconds));
}

DURABLE_API int durable__wait_signal(durable_co *co, const char *name, double timeout_seconds)
{
    if (!co)
        return DURABLE_EINVAL;
    if (!name || !*name) {
        set_fail(co, DURABLE_EINVAL, "durable_wait_signal needs a name");
        return DURABLE_EINVAL;
    }
    int rc = request_simple(co, REQ_SIGNAL);
    if (rc != DURABLE__SUSPEND)
        return rc;
    free(co->req_name);
    co->req_name = durable__strdup(name);
    if (!co->req_name) {
        set_fail(co, DURABLE_ENOMEM, NULL);
        return DURABLE_ENOMEM;
    }
    co->req_wake = timeout_seconds < 0 ? 0 : after_ms(co, timeout_seconds);
    return rc;
}

DURABLE_API int durable__return(durable_co *co, const void *value, size_t size)
{
    if (!co || co != current)
        return DURABLE_EINVAL;
    if (co->req == REQ_FAIL)
        return co->fail_code;
    if (co->req != REQ_NONE)
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

/*
 * scheduler.h — the scheduler's private header: the runtime and coroutine
 * structures every scheduler module reads, the requests a step function
 * makes, and the functions the modules call across files.  Nothing here is
 * public: what is not static is named durable__.  (Not for the store, whose
 * interface is store.h, nor for what internal.h shares with the codec.)
 *
 * The modules, each one job (its top comment says what it owns):
 *   co.c          claimed coroutines by id, the ready queue, parked frames,
 *                 loading a stored row into a coroutine
 *   policy.c      retry policies: parse, print, choose, back off (pure)
 *   workers.c     this worker's identity; this host's dead workers
 *   claim.c       claiming rows: adopt one as a coroutine, or hold it; unhold
 *   transition.c  every change of a workflow's status: what a checkpoint writes
 *                 for each kind of request, and the claim's and operators'
 *                 transitions, with the state diagram
 *   round.c       durable_run and durable_wait, the round's transaction, events
 *   host.c        durable_open/close/start/status, host batches, results, purge,
 *                 retry policies
 *   control.c     signals, cancellation, pause/resume, durable_retry
 *   step.c        the calls made from inside durable functions and steps
 *   abi.c         the ABI of generated code, and running a step function once
 *   pool.c        the step threads (durable_options.step_threads): jobs, their
 *                 completion, lending the transaction to a durable_sqlite step
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
 * The functions named (without their durable__ prefix) are in transition.c
 * (apply, persist, child_finished), claim.c (adopt, claim), workers.c
 * (reap), co.c (park, co_new) and round.c (the round).
 */
#ifndef DURABLE_SCHEDULER_H
#define DURABLE_SCHEDULER_H

#include "store.h"

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
    REQ_FAIL,   /* the coroutine ends failed or cancelled (fail_code) */
    REQ_RUNNING /* its step runs on a pool thread (pool.c); REQ_STEP when it ends */
};

/* A step being run: what durable_fail, durable_step_key, durable_sqlite ...
 * act on (step.c), on the thread that runs it.  A step run inline uses its
 * coroutine's own (co->ijob); one run on a pool thread a job of its own
 * (pool.c), which the scheduler thread does not touch until it finished. */
typedef struct durable__job {
    durable_rt *rt;
    struct durable_co *co;      /* read by the scheduler thread only */
    const char *id;             /* the coroutine's id: constant while the step runs */
    int state, attempt;
    uint64_t await_seq;
    int pooled;                 /* runs on a pool thread */
    int failed, fail_permanent, fail_code;
    char *fail_msg;
    char *step_key;
    int transient;              /* a failure that is not the workflow's: redo the round */
    int savepoint;              /* durable_sqlite opened the step's savepoint */
    int db;                     /* durable_sqlite on a pool thread: 1 asked, 2 lent, 3 refused */
    /* pool jobs only: the call, a copy of its argument struct, where its value is */
    void (*run)(void *);
    unsigned char *t;
    size_t tsize, voff, vsize;
    int finished;
    uint64_t outside;           /* rt->outside_seen when it was submitted */
    struct durable__job *next, *dbnext;
} durable__job;

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
    int in_step;                /* its step runs inline now, with ijob */
    durable__job ijob;
    durable__job *job;          /* made by durable__run_step, submitted by durable__step */
    const void *job_src;        /* the argument struct the job copied */
    durable__job *running;      /* its step on the pool (req == REQ_RUNNING) */
    int recheck;                /* a claim saw news from outside while its step ran */
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
    durable__buf resume_value;  /* what it resumes with, when persist wrote another value than req_value */
    int resume_own;             /* resume_value is it (else req_value): a redo persists req_value again */
    durable__buf raw_value;     /* the step's value as it is in memory (I7) */
    durable__buf enc_frame;     /* the frame as it will be committed */

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
    uint64_t outside_seen;      /* claims that took in what another connection committed */
    int64_t next_due;           /* earliest timer known, 0 if none */
    int64_t beat_due, reap_due; /* when to renew the lease, look for dead workers */
    int64_t vnow;               /* the virtual clock (opts.virtual_time) */
    int in_tx;                  /* a transactional step opened the round's transaction */
    size_t tx_nstored;          /* nstored when the open transaction began: restored if it rolls back */
    int batch;                  /* a host batch is open (durable_batch_begin): in_tx joins its transaction */
    int batch_err;              /* the batch was lost to this error: its calls return it, its commit too */
    int batch_writes;           /* calls of the open batch that may have written */
    durable_stats stats;
    const durable_func **stored; /* schemas already written by this rt */
    struct parked **parked;     /* frames of waiting coroutines, kept in memory (I7), by id */
    size_t nparked_buckets, nparked;
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
    struct durable__pool *pool; /* step threads, made at the first pooled step */
    struct inline_site { const durable_func *fn; int state; } *inline_sites;
    size_t ninline;             /* awaits whose steps called durable_sqlite: run inline */
};

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

/* ---- co.c ---- */
durable_co *durable__co_find(durable_rt *rt, const char *id);
int durable__co_insert(durable_rt *rt, durable_co *co);
void durable__co_unlink(durable_rt *rt, durable_co *co);
void durable__enqueue(durable_rt *rt, durable_co *co);
void durable__co_free(durable_co *co);
void durable__parked_free(parked *p);
void durable__parked_free_all(durable_rt *rt);
void durable__park(durable_rt *rt, durable_co *co, uint64_t seq);
void durable__drop_all(durable_rt *rt);
void durable__co_drop(durable_rt *rt, durable_co *co);
const durable_await *durable__await_of(const durable_func *fn, int state);
const durable_field *durable__await_value(const durable_func *fn, int state);
int durable__encode_int(int v, durable__buf *out);
int durable__co_load_state(durable_co *co, const durable__buf *frame, const durable__buf *value);
int durable__set_payload(durable_co *co, const durable__buf *p);
int durable__co_new(durable_rt *rt, durable_func *fn, const durable__row *r, durable_co **out);

/* ---- policy.c ---- */
int durable__policy_valid(const durable_retry_policy *p);
int durable__policy_parse(const char *text, durable_retry_policy *p);
char *durable__policy_text(const durable_retry_policy *p);
durable_retry_policy durable__policy_of(const durable_co *co);
int64_t durable__backoff_ms(durable_rt *rt, const durable_retry_policy *p, int attempt);

/* ---- workers.c ---- */
void durable__worker_identity(durable_rt *rt);
int durable__reap(durable_rt *rt, int64_t now);

/* ---- claim.c ---- */
int durable__unhold(durable_rt *rt);
int durable__claim_needed(durable_rt *rt, int64_t now);
int durable__look_outside(durable_rt *rt);
int durable__claim(durable_rt *rt, int64_t now, durable_co **adopted);

/* ---- transition.c ---- */
int durable__ensure_schema(durable_rt *rt, const durable_func *fn);
int durable__finish_row(durable_rt *rt, durable__row *r, int status, int code, const char *msg);
int durable__persist(durable_rt *rt, durable_co *co, int *status_out);
int durable__apply(durable_rt *rt, durable_co *co, int status);
int durable__hold(durable_rt *rt, durable__row *r, int code, const char *why);
int durable__release_held(durable_rt *rt, durable__row *r);
int durable__deliver(durable_rt *rt, durable__row *r);
int durable__wake_cancelled(durable_rt *rt, durable__row *r, int checks);
int durable__rerun_failed(durable_rt *rt, durable__row *r);

/* ---- round.c ---- */
int64_t durable__now_ms(durable_rt *rt);
const char *durable__event_str(durable_rt *rt, const char *s);
void durable__note_event(durable_rt *rt, int kind, const char *id, const char *fn_name, const durable_func *fn,
                         const char *parent, int state);
durable_event *durable__last_event(durable_rt *rt);
void durable__forget_events(durable_rt *rt);
int durable__begin_tx(durable_rt *rt);
int durable__end_tx(durable_rt *rt, int rc, int checkpoint);
int durable__in_tx(durable_rt *rt, int (*fn)(durable_rt *, void *), void *arg);
int durable__conflict_backoff(durable_rt *rt, int *n);
/* round_commit lost a serialization conflict: write the same batch again. */
#define DURABLE__REDO 1000
void durable__batch_abort(durable_rt *rt);

/* ---- abi.c ---- */
extern _Thread_local durable_co *durable__current;
extern _Thread_local durable__job *durable__job_cur;
int durable__step_finish(durable_co *co, durable__job *j, const void *value, size_t size);
void durable__set_fail(durable_co *co, int code, const char *msg);
void durable__run_one(durable_co *co);

/* ---- pool.c ---- */
int durable__pool_submit(durable_rt *rt, durable__job *j);
void durable__job_free(durable__job *j);
int durable__pool_busy(durable_rt *rt);
void durable__pool_wait(durable_rt *rt, int64_t ms);
int durable__pool_collect(durable_rt *rt, durable_co **batch);
int durable__pool_lend(durable_rt *rt);
void durable__pool_quiesce(durable_rt *rt);
void durable__pool_free(durable_rt *rt);
int durable__site_inline(const durable_rt *rt, const durable_func *fn, int state);
int durable__pool_ask_db(durable__job *j);
/* 1 on a step thread of the pool: the runtime's host calls are refused there. */
static inline int durable__off_thread(void)
{
    return durable__job_cur && durable__job_cur->pooled;
}


/* ---- host.c ---- */
int durable__result_of_row(durable_rt *rt, const durable__row *r, void *out, size_t size);

#endif

/*
 * round.c — rounds: durable_run and durable_wait, the round's one
 * transaction (begin_tx, end_tx, in_tx for the host's own writes), the clock,
 * and the events told to durable_options.on_event after a commit.
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
 * Keeps I1 (a coroutine is called at most once per round, and its request is
 * applied only after the commit), I4 (the lease is renewed and dead workers
 * reaped in the round's transaction) and I5 (a round whose transaction fails
 * drops every coroutine in memory; the next claims them again from the file).
 */
#include "scheduler.h"

#include <errno.h>
#include <string.h>
#include <time.h>

int64_t durable__now_ms(durable_rt *rt)
{
    if (rt->opts.clock)
        return rt->opts.clock(rt->opts.clock_ctx);
    return rt->opts.virtual_time ? rt->vnow : durable__realtime_ms();
}

/* ------------------------------------------------------------------------
 * Events (durable_options.on_event): noted inside a transaction, told after
 * its commit (end_tx), forgotten if it rolls back.
 * ---------------------------------------------------------------------- */

const char *durable__event_str(durable_rt *rt, const char *s)
{
    return s ? durable__arena_strndup(&rt->event_strings, s, strlen(s)) : NULL;
}

/* Note an event of workflow id (function fn_name, or the linked fn whose
 * await `state` it is at).  Out of memory loses the event, never the work. */
void durable__note_event(durable_rt *rt, int kind, const char *id, const char *fn_name, const durable_func *fn,
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
    const durable_await *aw = fn ? durable__await_of(fn, state) : NULL;
    durable_event *e = &rt->events[rt->nevents];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->workflow = durable__event_str(rt, id);
    e->function = durable__event_str(rt, fn_name ? fn_name : fn ? fn->name : "");
    e->parent = durable__event_str(rt, parent);
    e->await_id = state;
    e->await_callee = aw ? aw->callee : "";
    e->line = aw ? aw->line : 0;
    e->at_ms = durable__now_ms(rt);
    if (e->workflow && e->function && (e->parent || !parent))
        rt->nevents++;
}

/* The last noted event, to add its details (NULL if none was noted). */
durable_event *durable__last_event(durable_rt *rt)
{
    return rt->opts.on_event && rt->nevents ? &rt->events[rt->nevents - 1] : NULL;
}

void durable__forget_events(durable_rt *rt)
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
    durable__forget_events(rt);
}

int durable__begin_tx(durable_rt *rt)
{
    if (rt->in_tx)
        return DURABLE_OK;
    int rc = rt->store->ops->begin(rt->store);
    if (rc == DURABLE_OK) {
        rt->in_tx = 1;
        rt->tx_nstored = rt->nstored;
    }
    return rc;
}

/* Commit (counting it for the crash knob when `checkpoint`) or roll back. */
int durable__end_tx(durable_rt *rt, int rc, int checkpoint)
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
        durable__forget_events(rt);
        rt->nstored = rt->tx_nstored; /* the schemas it wrote are not in the file */
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
static int round_commit(durable_rt *rt, durable_co *batch, int *conflicts)
{
    durable__store *s = rt->store;
    durable_co *adopted = NULL;
    /* what a redo after a lost serialization conflict must find as it was */
    int step_tx = rt->in_tx, external = rt->external;
    uint64_t awaits = rt->stats.awaits;
    int rc = durable__begin_tx(rt);
    int n = 0;
    for (durable_co *c = batch; c; c = c->qnext)
        n++;
    int *status = durable__calloc((size_t)n + 1, sizeof *status);
    if (!status)
        rc = rc == DURABLE_OK ? DURABLE_ENOMEM : rc;
    if (rc == DURABLE_OK)
        rc = durable__look_outside(rt);
    /* A coroutine whose request could not be built for want of memory, or
     * that was told of a transient failure, did not fail: the round is given
     * up and redone from the file (I5). */
    for (durable_co *c = batch; rc == DURABLE_OK && c; c = c->qnext)
        if (c->req == REQ_FAIL && (c->fail_code == DURABLE_ENOMEM || c->transient))
            rc = c->fail_code;
    int i = 0;
    for (durable_co *c = batch; rc == DURABLE_OK && c; c = c->qnext) {
        rc = durable__persist(rt, c, &status[i]);
        /* One leaving memory must not hide its row from the claim below: a
         * timer already due, or a child that finished, makes it ready again
         * within this very transaction. */
        if (rc == DURABLE_OK && status[i] != DURABLE_READY)
            durable__co_unlink(rt, c);
        i++;
    }
    int64_t now = durable__now_ms(rt);
    if (rc == DURABLE_OK && now >= rt->beat_due) {
        rc = s->ops->worker_beat(s, rt->owner, now + rt->opts.lease_ms);
        rt->beat_due = now + rt->opts.lease_ms / 3;
    }
    if (rc == DURABLE_OK && now >= rt->reap_due) {
        rc = durable__reap(rt, now);
        /* cheap (a few rows, a /proc read each): look every second.  And
         * claim then too: a worker on another host whose lease lapsed, or
         * one of this host that died and whose lease lapsed before reap saw
         * it, commits nothing that would tell us its rows are free. */
        rt->reap_due = now + (rt->opts.lease_ms / 2 < 1000 ? rt->opts.lease_ms / 2 : 1000);
        rt->claim_dirty = 1;
    }
    if (rc == DURABLE_OK && durable__claim_needed(rt, now))
        rc = durable__claim(rt, now, &adopted);
    if (rc == DURABLE_OK && !rt->in_tx)
        rc = DURABLE_EIO;
    rc = durable__end_tx(rt, rc, batch != NULL);
    if (rc != DURABLE_OK) { /* I5 */
        rt->beat_due = rt->reap_due = 0; /* rolled back with the rest: redo them at once */
        while (adopted) {
            durable_co *c = adopted;
            adopted = c->qnext;
            durable__co_free(c);
        }
        /* Lost a serialization conflict to another worker: nothing of the
         * round committed, and what its coroutines asked for is still in
         * memory, so the same checkpoints are written again in a new
         * transaction, without running any step again.  Not when a step
         * wrote in this transaction (durable_sqlite, durable_pg): its writes
         * are gone, so it must run again (I5). */
        int redo = rc == DURABLE_EBUSY && !step_tx && status && durable__conflict_backoff(rt, conflicts);
        i = 0;
        for (durable_co *c = batch; redo && c; c = c->qnext) {
            int st = status[i++];
            if (st != DURABLE_READY && !durable__co_find(rt, c->id) && durable__co_insert(rt, c) != DURABLE_OK)
                redo = 0; /* then as any failed round; it is in the table again, drop_all frees it */
        }
        if (redo) {
            rt->external = external;
            rt->claim_dirty = 1;
            rt->stats.awaits = awaits;
            free(status);
            return DURABLE__REDO;
        }
        i = 0;
        for (durable_co *c = batch, *next; c; c = next) {
            next = c->qnext;
            int st = status ? status[i++] : DURABLE_READY; /* no status array: none was persisted */
            if (st != DURABLE_READY && !durable__co_find(rt, c->id) && c->queued == 0)
                durable__co_free(c); /* unlinked above: drop_all would not see it */
        }
        durable__drop_all(rt);
        free(status);
        return rc;
    }
    if (batch)
        rt->stats.rounds++;
    i = 0;
    for (durable_co *c = batch, *next; c; c = next) {
        next = c->qnext;
        if (durable__apply(rt, c, status[i++]) != DURABLE_OK) {
            durable__co_drop(rt, c); /* still claimed by us: the next round adopts it again from the file */
            rt->claim_dirty = rt->reclaim = 1;
        }
    }
    free(status);
    while (adopted) {
        durable_co *c = adopted;
        adopted = c->qnext;
        if (durable__co_insert(rt, c) != DURABLE_OK) {
            durable__co_free(c);
            rt->claim_dirty = rt->reclaim = 1; /* claimed by us: adopt it again */
            continue;
        }
        rt->stats.resumed++;
        durable__enqueue(rt, c);
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
        rc = durable__begin_tx(rt);
        if (rc == DURABLE_OK)
            rc = durable__unhold(rt);
        rc = durable__end_tx(rt, rc, 0);
    }
    if (rc == DURABLE_OK)
        rt->started = 1;
    return rc;
}

/* How often a worker looks for what other processes wrote while it waits:
 * one PRAGMA data_version (a read of the WAL header, no query) each time. */
#define WAIT_POLL_MS 20

/* Take the coroutines whose step went to the pool out of the batch. */
static void unbatch_running(durable_co **batch)
{
    while (*batch) {
        if ((*batch)->req == REQ_RUNNING)
            *batch = (*batch)->qnext;
        else
            batch = &(*batch)->qnext;
    }
}

DURABLE_API int durable_run(durable_rt *rt)
{
    if (!rt || durable__current || rt->in_event || durable__off_thread() || rt->batch)
        return DURABLE_EINVAL; /* not from inside a durable function, a step, on_event or a host batch */
    int conflicts = 0;
    int rc = first_run(rt);
    while (rc == DURABLE_EBUSY && durable__conflict_backoff(rt, &conflicts))
        rc = first_run(rt);
    durable_co *batch = NULL;
    while (rc == DURABLE_OK) {
        /* steps that ended on the pool join this round's checkpoints; one
         * that asks for the connection gets it inside this round's
         * transaction, which then commits its writes with its checkpoint */
        if (rt->pool) {
            rc = durable__pool_lend(rt);
            if (rc != DURABLE_OK)
                break;
            durable__pool_collect(rt, &batch);
        }
        if (!batch && !rt->qhead) {
            rc = durable__look_outside(rt);
            if (rc != DURABLE_OK) { /* in a transaction a step opened: roll it back (I5) */
                durable__end_tx(rt, rc, 0);
                durable__drop_all(rt);
                break;
            }
            int64_t now = durable__now_ms(rt);
            if (!rt->in_tx && !durable__claim_needed(rt, now) && now < rt->beat_due && now < rt->reap_due) {
                if (!durable__pool_busy(rt))
                    break; /* nothing to write, claim, renew or reap */
                /* steps are running: wait for one, and go on with what
                 * other processes write and with the lease meanwhile */
                int64_t until = rt->beat_due < rt->reap_due ? rt->beat_due : rt->reap_due;
                durable__pool_wait(rt, until - now < WAIT_POLL_MS ? until - now : WAIT_POLL_MS);
                int changed = 0;
                rc = rt->store->ops->changed(rt->store, &changed);
                if (changed)
                    rt->external = 1;
                continue;
            }
        }
        rc = round_commit(rt, batch, &conflicts);
        while (rc == DURABLE__REDO)
            rc = round_commit(rt, batch, &conflicts);
        batch = NULL;
        if (rc == DURABLE_EBUSY && durable__conflict_backoff(rt, &conflicts)) {
            rc = DURABLE_OK; /* I5 dropped what memory held: redo from the store */
            continue;
        }
        if (rc != DURABLE_OK)
            break;
        conflicts = 0;
        if (!rt->qhead) {
            if (!durable__pool_busy(rt))
                break;
            continue; /* steps in flight */
        }
        batch = rt->qhead;
        rt->qhead = rt->qtail = NULL;
        for (durable_co *c = batch; c; c = c->qnext) {
            c->queued = 0;
            durable__run_one(c);
        }
        unbatch_running(&batch);
    }
    if (rc != DURABLE_OK) {
        if (durable__pool_busy(rt) || batch)
            durable__drop_all(rt); /* I5: what memory holds is redone from the file */
        return rc;
    }
    int n = 0;
    rc = rt->store->ops->count_unfinished(rt->store, &n);
    return rc == DURABLE_OK ? n : rc;
}

DURABLE_API int durable_wait(durable_rt *rt, int timeout_ms)
{
    if (!rt || timeout_ms < 0 || durable__current || rt->in_event || durable__off_thread() || rt->batch)
        return DURABLE_EINVAL;
    durable__store *s = rt->store;
    if (rt->qhead)
        return DURABLE_OK;
    /* Work this worker already knows of, or news since durable_run looked. */
    (void)durable__look_outside(rt); /* outside a transaction: a failed look only says "look" */
    int64_t now = durable__now_ms(rt), due = 0;
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
        rc = durable__begin_tx(rt);
        if (rc == DURABLE_OK)
            rc = s->ops->meta_set(s, "virtual_now", rt->vnow);
        return durable__end_tx(rt, rc, 0);
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
        now = durable__now_ms(rt);
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

/* Refusals: a host write returns these before it has written anything, so
 * a batch that sees one goes on (host.c, durable_batch_begin). */
static int refusal(int rc)
{
    return rc == DURABLE_EINVAL || rc == DURABLE_ENOENT || rc == DURABLE_ENOFUNC || rc == DURABLE_EEXIST ||
           rc == DURABLE_ESIZE || rc == DURABLE_EFINISHED || rc == DURABLE_ENOTFAILED;
}

/* Roll back the open host batch: nothing it did stays, in the file or in
 * memory.  Its events are forgotten and the schemas it wrote unlearnt
 * (end_tx); a coroutine in memory that it touched (a cancel flag, a pause)
 * is dropped and claimed again from the file, as after a failed round (I5). */
void durable__batch_abort(durable_rt *rt)
{
    if (rt->in_tx)
        durable__end_tx(rt, DURABLE_ECANCELLED, 0); /* any error: roll back */
    if (rt->count)
        durable__drop_all(rt);
    rt->claim_dirty = 1;
}

/* Run fn(rt, arg) in a transaction of its own, counted by the crash knob;
 * inside a host batch, in the batch's transaction (committed by
 * durable_batch_commit).  A batch call that fails other than by a refusal
 * loses the whole batch at once: it is rolled back, and its later calls and
 * its commit return that error. */
int durable__in_tx(durable_rt *rt, int (*fn)(durable_rt *, void *), void *arg)
{
    if (!rt || durable__current || rt->in_event || durable__off_thread())
        return DURABLE_EINVAL;
    if (rt->batch) {
        if (rt->batch_err)
            return rt->batch_err;
        int rc = fn(rt, arg);
        if (rc >= 0) {
            rt->batch_writes++;
        } else if (!refusal(rc)) {
            durable__batch_abort(rt);
            rt->batch_err = rc;
        }
        return rc;
    }
    int conflicts = 0;
    for (;;) {
        int rc = durable__begin_tx(rt);
        if (rc == DURABLE_OK)
            rc = fn(rt, arg);
        int err = rc < 0 ? rc : DURABLE_OK;
        err = durable__end_tx(rt, err, 1);
        if (err == DURABLE_EBUSY && durable__conflict_backoff(rt, &conflicts))
            continue; /* nothing of it committed: run it again */
        return err != DURABLE_OK ? err : rc;
    }
}

/* After a transaction failed with DURABLE_EBUSY: if it lost a serialization
 * conflict (the PostgreSQL store's SERIALIZABLE rounds against another
 * worker's), wait a moment that grows with *n, randomised so the writers
 * spread out, and say to redo it (1); after 50 conflicts in a row, or for a
 * lock that busy_timeout_ms did not get, 0: the caller reports EBUSY. */
int durable__conflict_backoff(durable_rt *rt, int *n)
{
    durable__store *s = rt->store;
    if (!s->ops->conflicted || !s->ops->conflicted(s) || *n >= 50)
        return 0;
    ++*n;
    rt->rng ^= rt->rng << 13;
    rt->rng ^= rt->rng >> 7;
    rt->rng ^= rt->rng << 17;
    long cap_us = 200L << (*n < 6 ? *n : 6); /* 0.4 ms, doubling to 12.8 ms */
    long us = (long)(rt->rng % (uint64_t)cap_us);
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
    return 1;
}

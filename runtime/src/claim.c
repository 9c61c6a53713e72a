/*
 * claim.c — taking work from the file: inside a round's transaction fire due
 * timers and claim ready rows under this worker's lease (claim), turn each
 * claimed row into a coroutine or hold it when this program cannot run it
 * (adopt, hold: I6), and at a worker's first run put held rows whose function
 * is back in play again (unhold).  claim_needed and look_outside tell when a
 * claim is worth its query.
 *
 * Invariants: a claimed row is in memory as at most one coroutine (adopt_ids
 * skips a row in memory and, when re-claiming after a failed round, one
 * adopted already in this round); a row is held with its reason and never
 * deleted (I6); rt->external stays set until a claim has looked at the file.
 * Not for: running or checkpointing what was claimed (round.c,
 * transition.c).
 */
#include "scheduler.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Claiming: adopt a row as a coroutine, or hold it
 * ---------------------------------------------------------------------- */

/* Decide whether this program can run row r: a coroutine in *out, or the
 * row held (I6) and *out NULL. */
static int adopt(durable_rt *rt, durable__row *r, durable_co **out)
{
    char why[256];
    *out = NULL;
    durable_func *fn = durable__registry_find(r->function);
    if (!fn) {
        snprintf(why, sizeof why, "durable function '%s' is not linked into this program", r->function);
        return durable__hold(rt, r, DURABLE_ENOFUNC, why);
    }
    if (r->fingerprint != fn->fingerprint) {
        int rc = durable__upgrade(rt->store, r, fn, why, sizeof why);
        if (rc == DURABLE_EPOINTER) /* a pointer into the old layout is not moved */
            snprintf(why, sizeof why, "a saved pointer into its frame cannot be moved to the new layout");
        if (rc == DURABLE_EINCOMPAT || rc == DURABLE_EPOINTER) {
            char full[400];
            snprintf(full, sizeof full, "frame of '%s' was written by an incompatible build: %s", r->function, why);
            return durable__hold(rt, r, DURABLE_EINCOMPAT, full);
        }
        if (rc != DURABLE_OK)
            return rc;
    }
    int rc = durable__co_new(rt, fn, r, out);
    if (rc == DURABLE_EPOINTER) {
        char full[400];
        snprintf(full, sizeof full, "frame of '%.120s': %.200s", r->function, rt->why);
        return durable__hold(rt, r, rc, full);
    }
    if (rc == DURABLE_ECORRUPT || rc == DURABLE_ENEWER) {
        snprintf(why, sizeof why, "stored frame of '%s' does not decode", r->function);
        return durable__hold(rt, r, rc, why);
    }
    return rc;
}

/* At a worker's first run: held rows whose function is back go on. */
int durable__unhold(durable_rt *rt)
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
        if (fits && durable__co_new(rt, fn, &r, &co) == DURABLE_OK) {
            rc = durable__release_held(rt, &r);
            /* a signal may have been queued for it while it was held */
            if (rc == DURABLE_OK && r.status == DURABLE_WAITING && r.wait_kind == DURABLE__WAIT_SIGNAL) {
                rc = durable__deliver(rt, &r);
                if (rc == DURABLE_ENOENT)
                    rc = DURABLE_OK;
            }
            rt->claim_dirty = 1;
        }
        durable__co_free(co);
        durable__row_clear(&r);
    }
    durable__ids_free(ids, n); /* NULL and 0 if the listing failed */
    return rc;
}

/* Could a claim find anything now?  (rt->external must be fresh.) */
int durable__claim_needed(durable_rt *rt, int64_t now)
{
    return rt->claim_dirty || rt->external || (rt->next_due && rt->next_due <= now);
}

/* Look whether another connection committed since the last look.  What it
 * saw stays noted until a claim has looked at the file (claim clears it):
 * two looks in a row must not lose the first one's news. */
int durable__look_outside(durable_rt *rt)
{
    int changed = 1;
    int rc = rt->store->ops->changed(rt->store, &changed);
    if (rc != DURABLE_OK)
        changed = 1;
    if (changed)
        rt->external = 1;
    /* Inside a transaction the error fails it: the store may have ended the
     * transaction with it (a lost connection; SQLite rolls back on some I/O
     * errors), and nothing may be written after that as if it were open. */
    return rt->in_tx ? rc : DURABLE_OK;
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
        if (durable__co_find(rt, ids[i]) || (dedupe && in_list(*adopted, ids[i])))
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
            durable__note_event(rt, DURABLE_EVENT_RESUMED, co->id, NULL, co->fn, co->parent, co->state);
        }
    }
    return rc;
}

/* Inside the round's transaction: fire due timers (claiming what they wake),
 * claim other ready rows, and adopt them all; the new coroutines are
 * returned in a list (not yet queued). */
int durable__claim(durable_rt *rt, int64_t now, durable_co **adopted)
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
        if (rt->external) /* steps in flight since then must read their flags back (pool.c) */
            rt->outside_seen++;
        rt->external = 0; /* what others wrote before this transaction is seen */
        /* more may be waiting: timers or ready rows beyond this batch */
        rt->claim_dirty = (int)(fired + n) >= batch;
        rt->reclaim = rt->reclaim && rt->claim_dirty;
    }
    return rc;
}

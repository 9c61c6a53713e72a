/*
 * host.c — the host API: durable_open (options, registry and descriptors
 * checked, store opened), durable_close, durable_start, host batches,
 * durable_status, results and errors, stats, durable_purge and per-function
 * retry policies.
 *
 * Each write is one transaction of its own (in_tx, round.c), refused from
 * inside a durable function or on_event.  durable_start has committed
 * before it returns; for an existing id it only reads.  Host batches
 * (durable_batch_begin/commit/rollback) make the writes between them share
 * one transaction.  Not for: signals,
 * cancellation, pause and durable_retry (control.c).
 */
#include "scheduler.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
        o.lease_ms <= 0 || o.claim_batch <= 0 || !durable__policy_valid(&o.retry) || o.step_threads < 0 ||
        o.step_threads > 1024)
        return DURABLE_EINVAL;
    const char *threads = getenv("DURABLE_STEP_THREADS");
    if (threads && *threads) {
        char *end;
        long n = strtol(threads, &end, 10);
        if (*end || n < 0 || n > 1024)
            fprintf(stderr, "durable: ignoring malformed DURABLE_STEP_THREADS=%s (0 to 1024)\n", threads);
        else
            o.step_threads = (int)n;
    }
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
    durable__worker_identity(rt);
    const char *env = getenv("DURABLE_RETRY");
    if (env && *env) {
        rt->env = o.retry;
        rt->env_policy = durable__policy_parse(env, &rt->env);
        if (!rt->env_policy)
            fprintf(stderr, "durable: ignoring malformed DURABLE_RETRY=%s\n", env);
    }
    rt->rng = (uint64_t)durable__realtime_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)rt;
    if (!rt->rng)
        rt->rng = 88172645463325252ULL;
    /* A libpq connection URI names a PostgreSQL database; anything else is
     * an SQLite file. */
    if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
        rc = durable__store_pg_open(&rt->store, path, &o);
    else
        rc = durable__store_sqlite_open(&rt->store, path, &o);
    if (rc == DURABLE_OK && (rc = durable__store_fault_wrap(&rt->store)) != DURABLE_OK)
        rt->store->ops->close(rt->store); /* DURABLE_STORE_FAULTS (tests): store_fault.c */
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
    if ((durable__current && durable__current->rt == rt) || rt->in_event || durable__off_thread())
        return DURABLE_EINVAL;
    if (rt->batch) { /* an open batch is rolled back, as closing a connection does */
        durable__batch_abort(rt);
        rt->batch = 0;
    }
    durable__drop_all(rt);
    durable__pool_free(rt);
    /* Leave politely: what we claimed is free for others at once. */
    durable__store *s = rt->store;
    if (s->ops->begin(s) == DURABLE_OK) {
        if (s->ops->worker_drop(s, rt->owner) == DURABLE_OK)
            s->ops->commit(s);
        s->ops->rollback(s);
    }
    s->ops->close(s);
    free(rt->stored);
    durable__parked_free_all(rt);
    free(rt->message);
    while (rt->policies) {
        fn_policy *p = rt->policies;
        rt->policies = p->next;
        free(p->function);
        free(p);
    }
    durable__arena_free(&rt->result_strings);
    durable__forget_events(rt);
    free(rt->events);
    free(rt);
    return DURABLE_OK;
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
    int rc = durable__encode(fn->params, fn->nparams, a->call.args, &r.args);
    r.id = (char *)a->id;
    r.function = (char *)fn->name;
    r.status = DURABLE_READY;
    r.spawn_idx = -1;
    r.fingerprint = fn->fingerprint;
    if (rc == DURABLE_OK)
        rc = durable__ensure_schema(rt, fn);
    /* The insert writes nothing if the id was taken since durable_start
     * looked (by another process): then, as for an existing id, only read. */
    if (rc == DURABLE_OK)
        rc = s->ops->insert(s, &r);
    durable__buf_free(&r.args);
    if (rc == DURABLE_EEXIST) { /* idempotent: never restart an existing id */
        durable__row old;
        rc = s->ops->get(s, a->id, &old);
        if (rc == DURABLE_OK)
            rc = strcmp(old.function, fn->name) == 0 ? 1 : DURABLE_EEXIST;
        durable__row_clear(&old);
        return rc;
    }
    durable__event ev = {a->id, 0, 0, "start", 0, 0, NULL, fn->fingerprint};
    if (rc == DURABLE_OK)
        rc = s->ops->append(s, &ev);
    if (rc == DURABLE_OK)
        durable__note_event(rt, DURABLE_EVENT_STARTED, a->id, NULL, fn, NULL, 0);
    rt->claim_dirty = 1;
    return rc;
}

DURABLE_API int durable_start(durable_rt *rt, const char *id, durable_call call)
{
    if (durable__off_thread())
        return DURABLE_EINVAL; /* not from a step on a pool thread */
    if (!rt || !id || !*id)
        return DURABLE_EINVAL;
    if (!call.fn || !durable__registry_has(call.fn))
        return DURABLE_ENOFUNC;
    if (call.size != call.fn->args_size || (call.size && !call.args))
        return DURABLE_ESIZE;
    if (durable__current || rt->in_event)
        return DURABLE_EINVAL;
    if (rt->batch && rt->batch_err)
        return rt->batch_err; /* the batch is lost: nothing more joins it */
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
    rc = durable__in_tx(rt, do_start, &a);
    return rc > 0 ? DURABLE_OK : rc;
}

/* ------------------------------------------------------------------------
 * Host batches: the host writes between durable_batch_begin and
 * durable_batch_commit share the transaction begun here (in_tx, round.c).
 * While one is open, durable_run and durable_wait are refused; durable_close
 * rolls it back.  A failed commit, a rollback, or a call that failed other
 * than by a refusal undo everything the batch did, in the file and in memory
 * (batch_abort).
 * ---------------------------------------------------------------------- */

DURABLE_API int durable_batch_begin(durable_rt *rt)
{
    if (!rt || durable__current || rt->in_event || durable__off_thread() || rt->batch || rt->in_tx)
        return DURABLE_EINVAL; /* not from durable code or on_event; no nesting */
    int rc = durable__begin_tx(rt);
    if (rc != DURABLE_OK)
        return rc;
    rt->batch = 1;
    rt->batch_err = 0;
    rt->batch_writes = 0;
    return DURABLE_OK;
}

DURABLE_API int durable_batch_commit(durable_rt *rt)
{
    if (!rt || durable__current || rt->in_event || durable__off_thread() || !rt->batch)
        return DURABLE_EINVAL;
    rt->batch = 0;
    int rc = rt->batch_err;
    if (rc != DURABLE_OK)
        return rc; /* already rolled back when it was lost */
    if (!rt->batch_writes) { /* nothing written: nothing to commit (and no commit counted) */
        durable__end_tx(rt, DURABLE_ECANCELLED, 0); /* any error: roll back */
        return DURABLE_OK;
    }
    rc = durable__end_tx(rt, DURABLE_OK, 1);
    if (rc != DURABLE_OK)
        durable__batch_abort(rt); /* end_tx rolled the file back; now memory */
    return rc;
}

DURABLE_API int durable_batch_rollback(durable_rt *rt)
{
    if (!rt || durable__current || rt->in_event || durable__off_thread() || !rt->batch)
        return DURABLE_EINVAL;
    rt->batch = 0;
    if (!rt->batch_err)
        durable__batch_abort(rt);
    return DURABLE_OK;
}

DURABLE_API int durable_status(durable_rt *rt, const char *id, int *status)
{
    if (durable__off_thread())
        return DURABLE_EINVAL; /* not from a step on a pool thread */
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

int durable__result_of_row(durable_rt *rt, const durable__row *r, void *out, size_t size)
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
    if (durable__off_thread())
        return DURABLE_EINVAL; /* not from a step on a pool thread */
    if (!rt || !id || (size && !out))
        return DURABLE_EINVAL;
    durable__row r;
    int rc = rt->store->ops->get(rt->store, id, &r);
    if (rc == DURABLE_OK)
        rc = durable__result_of_row(rt, &r, out, size);
    durable__row_clear(&r);
    return rc;
}

DURABLE_API int durable_get_error(durable_rt *rt, const char *id, const char **message)
{
    if (durable__off_thread())
        return DURABLE_EINVAL; /* not from a step on a pool thread */
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
    if (durable__off_thread())
        return DURABLE_EINVAL; /* not from a step on a pool thread */
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
    if (durable__off_thread())
        return DURABLE_EINVAL; /* not from a step on a pool thread */
    return durable__in_tx(rt, do_purge, &before_ms);
}

DURABLE_API int durable_set_retry(durable_rt *rt, const char *function, const durable_retry_policy *p)
{
    if (durable__off_thread())
        return DURABLE_EINVAL; /* not from a step on a pool thread */
    if (!rt || !function || (p && !durable__policy_valid(p)))
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

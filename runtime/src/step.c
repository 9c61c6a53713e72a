/*
 * step.c — what a durable function or a step calls while it runs:
 * durable_error, durable_self, durable_fail, durable_fail_permanent,
 * durable_step_key, durable_step_attempt, durable_next_retry,
 * durable_signal_data, durable_child_result_sized, durable_sqlite, and the
 * plain-C bodies of the awaitables (durable_sleep ... return DURABLE_EAWAIT:
 * dcc translates every awaited call into the ABI of abi.c).
 *
 * A durable function's calls act on the coroutine running on this thread
 * (durable__current, set by run_one in abi.c); a step's calls on the step
 * running on this thread (durable__job_cur: inline, or on a pool thread);
 * outside one they refuse or return nothing.  A failure
 * that is not the workflow's (memory, the store) is transient: the round is
 * redone from the file.
 */
#include "scheduler.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Inside durable functions and steps
 * ---------------------------------------------------------------------- */

/* A call made by running workflow code could not be answered for a reason
 * that is not the workflow's (memory, the store): what the coroutine does
 * until its next await is void, and the round is redone from the file, as
 * after a crash before the commit (round_commit). */
static void transient(durable_co *co, int code)
{
    durable__set_fail(co, code, "transient failure inside a durable function");
    co->transient = 1;
}

DURABLE_API int durable_error(void)
{
    return durable__current ? durable__current->cur_error : 0;
}

DURABLE_API const char *durable_self(void)
{
    if (durable__current)
        return durable__current->id;
    return durable__job_cur ? durable__job_cur->id : NULL;
}

/* The step running on this thread (inline or on a pool thread), or NULL. */
static durable__job *step_here(void)
{
    return durable__job_cur;
}

static int record_fail(int code, const char *message, int permanent)
{
    durable__job *j = step_here();
    if (!j)
        return DURABLE_EINVAL;
    char *m = message ? durable__strdup(message) : NULL;
    j->failed = 1;
    j->fail_permanent = permanent;
    j->fail_code = code;
    free(j->fail_msg);
    j->fail_msg = m;
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
    durable__job *j = step_here();
    if (!j)
        return NULL;
    size_t n = strlen(j->id) + 48;
    char *k = durable__realloc(j->step_key, n);
    if (!k) {
        j->transient = DURABLE_ENOMEM; /* the round is redone (durable__step_finish) */
        return NULL;
    }
    snprintf(k, n, "%s/%d.%llu", j->id, j->state, (unsigned long long)j->await_seq);
    j->step_key = k;
    return k;
}

DURABLE_API int durable_step_attempt(void)
{
    durable__job *j = step_here();
    return j ? j->attempt + 1 : 0;
}

DURABLE_API int durable_next_retry(const durable_retry_policy *p)
{
    durable_co *co = durable__current;
    if (!co || !p || !durable__policy_valid(p))
        return DURABLE_EINVAL;
    co->next_policy = *p;
    co->has_next_policy = 1;
    return DURABLE_OK;
}

DURABLE_API const void *durable_signal_data(size_t *len)
{
    durable_co *co = durable__current;
    if (len)
        *len = co && co->payload.p ? co->payload.n : 0;
    return co && co->payload.p && co->payload.n + 1 <= co->payload.cap ? co->payload.p : NULL;
}

DURABLE_API int durable_child_result_sized(int h, void *out, size_t size)
{
    durable_co *co = durable__current;
    if (!co || h < 0 || (size && !out))
        return DURABLE_EINVAL;
    durable__row r;
    int rc = co->rt->store->ops->get_spawned(co->rt->store, co->id, h, &r);
    if (rc == DURABLE_OK)
        rc = durable__result_of_row(co->rt, &r, out, size);
    durable__row_clear(&r);
    if (rc == DURABLE_ENOMEM || rc == DURABLE_EIO || rc == DURABLE_EBUSY)
        transient(co, rc);
    return rc;
}

/* The store's connection for a step, inside the transaction that records
 * it (durable_sqlite, durable_pg), or NULL if the store is of another kind.
 * Inline, the step's savepoint opens in the round's transaction.  On a pool
 * thread the step asks the scheduler thread, which opens the round's
 * transaction, lends it the connection and waits until the step ends: its
 * writes commit with its checkpoint either way (pool.c). */
static void *step_connection(void *(*handle)(durable__store *))
{
    durable__job *j = step_here();
    void *conn = j ? handle(durable__store_inner(j->rt->store)) : NULL;
    if (!conn)
        return NULL;
    if (j->pooled)
        return durable__pool_ask_db(j) ? conn : NULL;
    int rc = durable__begin_tx(j->rt);
    if (rc == DURABLE_OK && !j->savepoint)
        rc = j->rt->store->ops->savepoint(j->rt->store, 0);
    if (rc != DURABLE_OK) {
        /* the store failed, not the step: whatever the step makes of the
         * NULL is void, and the round is redone (durable__step_finish) */
        j->transient = rc;
        return NULL;
    }
    j->savepoint = 1;
    return conn;
}

DURABLE_API struct sqlite3 *durable_sqlite(void)
{
    return step_connection(durable__store_sqlite_handle);
}

DURABLE_API struct pg_conn *durable_pg(void)
{
    return step_connection(durable__store_pg_handle);
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

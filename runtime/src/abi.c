/*
 * abi.c — the ABI of generated code (docs/abi.md): run_one calls a
 * coroutine's step function once with durable__current set, and the durable__X
 * entry points the generated code calls back (durable__begin, durable__take,
 * durable__step, durable__call, durable__spawn, durable__sleep,
 * durable__wait_signal, durable__return ...) record the request of this run in
 * co->req for the next round to persist (transition.c).
 *
 * Invariants: one request per run (issue and durable__return refuse a second);
 * the frame is encoded when the request is made, while what its pointers point
 * at is alive (G17); a misuse of the ABI ends the workflow with DURABLE_ESTATE
 * and a message, never a crash.
 */
#include "scheduler.h"

#include <stdio.h>
#include <string.h>

/* The coroutine whose step function runs on this thread (run_one), else NULL. */
_Thread_local durable_co *durable__current;
/* The step running on this thread: inline (a coroutine's ijob) or a pool job. */
_Thread_local durable__job *durable__job_cur;

/* ------------------------------------------------------------------------
 * Running a coroutine and recording what it asked for
 * ---------------------------------------------------------------------- */

void durable__set_fail(durable_co *co, int code, const char *msg)
{
    co->req = REQ_FAIL;
    co->fail_code = code;
    free(co->fail_msg);
    co->fail_msg = msg ? durable__strdup(msg) : NULL;
}

/* Call the step function once and check what it asked for. */
void durable__run_one(durable_co *co)
{
    co->req = REQ_NONE;
    co->raw_value.n = 0;
    co->transient = 0;
    co->failed = co->fail_permanent = 0;
    co->in_step = 0;
    durable__current = co;
    int rc = co->fn->step(co, co->frame);
    durable__current = NULL;
    durable__job_cur = NULL;
    co->in_step = 0;
    if (co->job) { /* made by durable__run_step, never submitted */
        durable__job_free(co->job);
        co->job = NULL;
        if (co->req != REQ_FAIL)
            durable__set_fail(co, DURABLE_ESTATE, "step run without its await being issued");
    }
    if (co->req == REQ_FAIL)
        return;
    int ok = (rc == DURABLE__SUSPEND && ((co->req >= REQ_STEP && co->req <= REQ_SIGNAL) || co->req == REQ_RUNNING)) ||
             (rc == DURABLE__DONE && co->req == REQ_DONE);
    if (!ok) {
        char msg[160];
        snprintf(msg, sizeof msg, "step function of '%s' returned %d (%s) at await %d", co->fn->name, rc,
                 rc < 0 ? durable_strerror(rc) : "without a matching request", co->state);
        durable__set_fail(co, rc < 0 ? rc : DURABLE_ESTATE, msg);
    }
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
    if (!co || co != durable__current || co->req != REQ_NONE)
        return 1; /* the request that follows reports the misuse */
    const durable_await *aw = durable__await_of(co->fn, id);
    if (!aw) {
        durable__set_fail(co, DURABLE_ESTATE, "await id out of range");
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
        co->policy = co->has_next_policy ? durable__policy_text(&co->next_policy) : NULL;
        co->has_next_policy = 0;
    }
    if (co->cancel == 1) { /* cancellation is delivered at this await */
        co->cancel = 2;
        co->cur_error = DURABLE_ECANCELLED;
        if (durable__co_load_state(co, NULL, NULL) != DURABLE_OK) /* its value: zeroes */
            durable__set_fail(co, DURABLE_ENOMEM, NULL);
        return 0;
    }
    co->in_step = aw->kind == DURABLE_AWAIT_STEP;
    co->failed = 0;
    if (co->in_step) { /* the step's context (step.c), until durable__step */
        durable__job *j = &co->ijob;
        free(j->fail_msg);
        char *key = j->step_key;
        memset(j, 0, sizeof *j);
        j->step_key = key;
        j->rt = co->rt;
        j->co = co;
        j->id = co->id;
        j->state = co->state;
        j->attempt = co->attempt;
        j->await_seq = co->await_seq;
        durable__job_cur = j;
    }
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
    if (!co || co != durable__current || !co->cur_error || co->cur_error == DURABLE_ETIMEDOUT)
        return 0;
    const durable_await *aw = durable__await_of(co->fn, co->state);
    if (aw && aw->checks_error)
        return 0;
    /* A failure nobody looks at ends the workflow, like an uncaught exception. */
    char msg[200];
    snprintf(msg, sizeof msg, "await %d (%s, line %u) failed: %s", co->state, aw ? aw->callee : "?",
             aw ? aw->line : 0, durable_strerror(co->cur_error));
    durable__set_fail(co, co->cur_error, msg);
    return DURABLE__STOP;
}

/* Common checks of the durable__X requests, and the frame's encoding. */
static int issue(durable_co *co, int kind)
{
    if (!co || co != durable__current)
        return DURABLE_EINVAL;
    if (co->req == REQ_FAIL)
        return co->fail_code;
    const durable_await *aw = durable__await_of(co->fn, co->state);
    if (co->req != REQ_NONE || !aw) {
        durable__set_fail(co, DURABLE_ESTATE, "await issued outside the state it belongs to");
        return DURABLE_ESTATE;
    }
    if (kind && aw->kind != kind) {
        durable__set_fail(co, DURABLE_ESTATE, "await issued with a kind its descriptor does not have");
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
        durable__set_fail(co, rc, msg);
    } else if (rc != DURABLE_OK)
        durable__set_fail(co, rc, "frame could not be encoded");
    return rc;
}

/* The step j of co ended (inline, or on a pool thread and now back on the
 * scheduler thread, durable__current == co): record its outcome as co's
 * request, its value value[0..size). */
int durable__step_finish(durable_co *co, durable__job *j, const void *value, size_t size)
{
    co->in_step = 0;
    durable__job_cur = NULL;
    if (j->transient) {
        durable__set_fail(co, j->transient, "transient failure inside a step");
        co->transient = 1;
    }
    int rc = issue(co, DURABLE_AWAIT_STEP);
    if (j->savepoint) { /* a transactional step: keep or undo what it wrote */
        j->savepoint = 0;
        int src = co->rt->store->ops->savepoint(co->rt->store, j->failed || rc != DURABLE_OK ? 2 : 1);
        if (rc == DURABLE_OK && src != DURABLE_OK) {
            durable__set_fail(co, src, "the step's transaction could not be closed");
            co->transient = 1; /* the store failed, not the workflow: the round is redone */
            rc = src;
        }
    }
    if (rc != DURABLE_OK)
        return rc;
    co->failed = j->failed;
    co->fail_permanent = j->fail_permanent;
    if (j->failed) {
        co->fail_code = j->fail_code;
        free(co->fail_msg);
        co->fail_msg = j->fail_msg;
        j->fail_msg = NULL;
    }
    const durable_field *vd = durable__await_value(co->fn, co->state);
    if (size != (vd ? vd->size : 0) || (size && !value)) {
        durable__set_fail(co, DURABLE_ESIZE, "step value size does not match its descriptor");
        return DURABLE_ESIZE;
    }
    co->req = REQ_STEP;
    if (co->failed) {
        co->req_value.n = 0; /* the value is discarded */
        return DURABLE__SUSPEND;
    }
    rc = durable__encode(vd, vd ? 1 : 0, value, &co->req_value);
    if (rc != DURABLE_OK) {
        durable__set_fail(co, rc, "step value could not be encoded");
        return rc;
    }
    co->raw_value.n = 0;
    if (durable__buf_put(&co->raw_value, value, size) != DURABLE_OK)
        co->raw_value.n = 0; /* then the decoded value: a copy of its strings */
    return DURABLE__SUSPEND;
}

/* durable__run_step made a job: check the await and hand the job to the
 * pool.  The frame is encoded when the step ends, as for an inline step,
 * so what the step writes through a pointer into the frame is saved. */
static int submit(durable_co *co, const void *value, size_t size)
{
    durable__job *j = co->job;
    co->job = NULL;
    co->in_step = 0;
    durable__job_cur = NULL;
    const durable_await *aw = durable__await_of(co->fn, co->state);
    const durable_field *vd = durable__await_value(co->fn, co->state);
    const unsigned char *src = co->job_src, *v = value;
    int rc = DURABLE_OK;
    if (co->req != REQ_NONE || !aw || aw->kind != DURABLE_AWAIT_STEP) {
        durable__set_fail(co, DURABLE_ESTATE, "step issued outside the await it belongs to");
        rc = DURABLE_ESTATE;
    } else if (size != (vd ? vd->size : 0) || (size && (!v || v < src || v + size > src + j->tsize))) {
        durable__set_fail(co, DURABLE_ESIZE, "step value does not match its descriptor or argument struct");
        rc = DURABLE_ESIZE;
    }
    if (rc != DURABLE_OK) {
        durable__job_free(j);
        return rc;
    }
    j->outside = co->rt->outside_seen;
    j->voff = size ? (size_t)(v - src) : 0;
    j->vsize = size;
    co->req = REQ_RUNNING;
    co->running = j;
    if (durable__pool_submit(co->rt, j) == DURABLE_OK)
        return DURABLE__SUSPEND;
    /* no pool thread could be made: run it here, still inside the await */
    co->running = NULL;
    co->req = REQ_NONE;
    j->pooled = 0;
    durable__job_cur = j;
    j->run(j->t);
    rc = durable__step_finish(co, j, j->t + j->voff, size);
    durable__job_free(j);
    return rc;
}

DURABLE_API int durable__step(durable_co *co, const void *value, size_t size)
{
    if (co && co == durable__current && co->job)
        return submit(co, value, size);
    if (!co || co != durable__current)
        return DURABLE_EINVAL;
    return durable__step_finish(co, &co->ijob, value, size);
}

/* A step whose call dcc put in a thunk: run it here, or make the job that
 * durable__step hands to the pool. */
DURABLE_API void durable__run_step(durable_co *co, void (*run)(void *), void *t, size_t size)
{
    if (!co || co != durable__current || co->req != REQ_NONE || !co->in_step || co->job || !run || (size && !t)) {
        if (co && co == durable__current && co->req == REQ_NONE)
            durable__set_fail(co, DURABLE_ESTATE, "step run outside its await");
        return;
    }
    durable_rt *rt = co->rt;
    if (rt->opts.step_threads > 1 && !durable__site_inline(rt, co->fn, co->state)) {
        durable__job *j = durable__calloc(1, sizeof *j);
        unsigned char *copy = j ? durable__malloc(size ? size : 1) : NULL;
        if (copy) {
            memcpy(copy, t, size);
            *j = co->ijob;
            j->fail_msg = j->step_key = NULL;
            j->pooled = 1;
            j->run = run;
            j->t = copy;
            j->tsize = size;
            co->job = j;
            co->job_src = t;
            return;
        }
        free(j); /* no memory for a job: run it inline */
    }
    run(t);
}

static int request_child(durable_co *co, durable_func *fn, const void *args, size_t size, int kind, int req)
{
    int rc = issue(co, kind);
    if (rc != DURABLE_OK)
        return rc;
    if (!fn || !durable__registry_has(fn)) {
        durable__set_fail(co, DURABLE_ENOFUNC, "awaited durable function is not registered");
        return DURABLE_ENOFUNC;
    }
    if (size != fn->args_size || (size && !args)) {
        durable__set_fail(co, DURABLE_ESIZE, "child arguments do not match the callee's parameters");
        return DURABLE_ESIZE;
    }
    rc = durable__encode(fn->params, fn->nparams, args, &co->req_value);
    if (rc != DURABLE_OK) {
        durable__set_fail(co, rc, "child arguments could not be encoded");
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
    return durable__now_ms(co->rt) + (int64_t)ms;
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
        durable__set_fail(co, DURABLE_EINVAL, "durable_wait_signal needs a name");
        return DURABLE_EINVAL;
    }
    int rc = request_simple(co, REQ_SIGNAL);
    if (rc != DURABLE__SUSPEND)
        return rc;
    free(co->req_name);
    co->req_name = durable__strdup(name);
    if (!co->req_name) {
        durable__set_fail(co, DURABLE_ENOMEM, NULL);
        return DURABLE_ENOMEM;
    }
    co->req_wake = timeout_seconds < 0 ? 0 : after_ms(co, timeout_seconds);
    return rc;
}

DURABLE_API int durable__return(durable_co *co, const void *value, size_t size)
{
    if (!co || co != durable__current)
        return DURABLE_EINVAL;
    if (co->req == REQ_FAIL)
        return co->fail_code;
    if (co->req != REQ_NONE)
        return DURABLE_EINVAL;
    const durable_field *rd = co->fn->result;
    if (size != (rd ? rd->size : 0) || (size && !value)) {
        durable__set_fail(co, DURABLE_ESIZE, "return value size does not match the function's result");
        return DURABLE_ESIZE;
    }
    int rc = durable__encode(rd, rd ? 1 : 0, value, &co->req_value);
    if (rc != DURABLE_OK) {
        durable__set_fail(co, rc, "return value could not be encoded");
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
    durable__set_fail(co, DURABLE_ESTATE, msg);
    return DURABLE_ESTATE;
}

/*
 * pool.c — steps on a pool of threads (durable_options.step_threads > 1, or
 * DURABLE_STEP_THREADS).  Durable function bodies run only on the thread that
 * calls durable_run (the scheduler thread); at a step await dcc evaluated the
 * call's arguments there into an argument struct, and durable__run_step
 * (abi.c) copied it into a job.  A pool thread runs the job's thunk; the
 * scheduler thread collects the finished job, records the step as if it had
 * run inline (durable__step_finish: the frame and the value are encoded
 * then) and the next round commits it with the rest (group commit).
 *
 * Owns: rt->pool (its threads, the queue of jobs to run, the finished
 * ones), co->running (the job of a coroutine whose req is REQ_RUNNING), and
 * rt->inline_sites.
 *
 * Invariants:
 *   P1. A job belongs to the pool thread that runs it from the moment it is
 *       taken off the queue until it is on the finished list; the scheduler
 *       thread reads it only after that (under the mutex), and the
 *       coroutine it belongs to is not run, freed or parked meanwhile
 *       (quiesce waits for every job before coroutines are dropped).
 *   P2. A step that calls durable_sqlite() on a pool thread gets the
 *       connection only while the scheduler thread, inside the round's
 *       transaction with the step's savepoint open, waits for it to end
 *       (lend): its writes commit or roll back with its checkpoint, as
 *       inline, and no two threads use the connection at once.  The await is
 *       then remembered (inline_sites) and its steps run inline from then on.
 *   P3. Nothing a pool thread does is committed before the step ended: a
 *       crash loses at most the steps in flight, which run again.
 */
#include "scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

struct durable__pool {
    pthread_mutex_t mu;
    pthread_cond_t work;        /* a job was queued, or the pool stops */
    pthread_cond_t done;        /* a job finished, or asks for the connection */
    pthread_cond_t lent;        /* the scheduler answered a request for the connection */
    pthread_t *threads;
    int nthreads;
    durable__job *qhead, *qtail; /* to run, FIFO */
    durable__job *finished;     /* finished, newest first */
    durable__job *asking;       /* blocked in durable_sqlite, newest first */
    int running;                /* taken off the queue, not finished */
    int stop;
};

void durable__job_free(durable__job *j)
{
    if (!j)
        return;
    free(j->fail_msg);
    free(j->step_key);
    free(j->t);
    free(j);
}

static void *pool_thread(void *arg)
{
    struct durable__pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->qhead && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (!p->qhead)
            break;
        durable__job *j = p->qhead;
        p->qhead = j->next;
        if (!p->qhead)
            p->qtail = NULL;
        p->running++;
        pthread_mutex_unlock(&p->mu);
        durable__job_cur = j;
        j->run(j->t);
        durable__job_cur = NULL;
        pthread_mutex_lock(&p->mu);
        p->running--;
        j->finished = 1;
        j->next = p->finished;
        p->finished = j;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Make the pool: its threads block every signal, so a signal meant for the
 * process is taken by a thread of the application. */
static int pool_make(durable_rt *rt)
{
    int n = rt->opts.step_threads;
    struct durable__pool *p = durable__calloc(1, sizeof *p);
    if (!p)
        return DURABLE_ENOMEM;
    p->threads = durable__calloc((size_t)n, sizeof *p->threads);
    if (!p->threads) {
        free(p);
        return DURABLE_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    pthread_cond_init(&p->lent, NULL);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&p->threads[p->nthreads], NULL, pool_thread, p) != 0)
            break;
        p->nthreads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    rt->pool = p;
    return p->nthreads ? DURABLE_OK : DURABLE_ENOMEM;
}

int durable__pool_submit(durable_rt *rt, durable__job *j)
{
    if (!rt->pool && pool_make(rt) != DURABLE_OK)
        return DURABLE_ENOMEM;
    struct durable__pool *p = rt->pool;
    if (!p->nthreads)
        return DURABLE_ENOMEM;
    j->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->qtail)
        p->qtail->next = j;
    else
        p->qhead = j;
    p->qtail = j;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return DURABLE_OK;
}

/* Steps submitted and not yet collected. */
int durable__pool_busy(durable_rt *rt)
{
    struct durable__pool *p = rt->pool;
    if (!p)
        return 0;
    pthread_mutex_lock(&p->mu);
    int busy = p->qhead || p->running || p->finished;
    pthread_mutex_unlock(&p->mu);
    return busy;
}

/* Wait up to ms for a step to finish or to ask for the connection. */
void durable__pool_wait(durable_rt *rt, int64_t ms)
{
    struct durable__pool *p = rt->pool;
    if (!p || ms <= 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (!p->finished && !p->asking && (p->qhead || p->running))
        if (pthread_cond_timedwait(&p->done, &p->mu, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&p->mu);
}

/* Record every finished step as its coroutine's request and put the
 * coroutines, oldest step first, at the end of *batch for the next round.
 * Returns how many. */
int durable__pool_collect(durable_rt *rt, durable_co **batch)
{
    struct durable__pool *p = rt->pool;
    if (!p)
        return 0;
    pthread_mutex_lock(&p->mu);
    durable__job *list = p->finished;
    p->finished = NULL;
    pthread_mutex_unlock(&p->mu);
    durable__job *order = NULL; /* reverse: oldest first */
    while (list) {
        durable__job *j = list;
        list = j->next;
        j->next = order;
        order = j;
    }
    durable_co **tail = batch;
    while (*tail)
        tail = &(*tail)->qnext;
    int n = 0;
    while (order) {
        durable__job *j = order;
        order = j->next;
        durable_co *co = j->co;
        co->running = NULL;
        co->req = REQ_NONE;
        /* an operator's cancel or pause committed while the step ran may
         * have been taken in by a claim since: its checkpoint reads the
         * flags back (persist) */
        if (j->outside != rt->outside_seen)
            co->recheck = 1;
        durable__current = co;
        durable__step_finish(co, j, j->t + j->voff, j->vsize);
        durable__current = NULL;
        durable__job_free(j);
        co->qnext = NULL;
        *tail = co;
        tail = &co->qnext;
        n++;
    }
    return n;
}

int durable__site_inline(const durable_rt *rt, const durable_func *fn, int state)
{
    for (size_t i = 0; i < rt->ninline; i++)
        if (rt->inline_sites[i].fn == fn && rt->inline_sites[i].state == state)
            return 1;
    return 0;
}

static void remember_inline(durable_rt *rt, const durable_func *fn, int state)
{
    if (durable__site_inline(rt, fn, state))
        return;
    struct inline_site *g = durable__realloc(rt->inline_sites, (rt->ninline + 1) * sizeof *g);
    if (!g)
        return; /* it will ask again: slower, as correct */
    rt->inline_sites = g;
    g[rt->ninline].fn = fn;
    g[rt->ninline].state = state;
    rt->ninline++;
}

/* On the pool thread of job j, in durable_sqlite or durable_pg: wait for
 * the scheduler thread to lend the connection (P2).  1 if it did. */
int durable__pool_ask_db(durable__job *j)
{
    if (j->db == 2 || j->db == 3)
        return j->db == 2;
    struct durable__pool *p = j->rt->pool;
    pthread_mutex_lock(&p->mu);
    j->db = 1;
    j->dbnext = p->asking;
    p->asking = j;
    pthread_cond_broadcast(&p->done);
    while (j->db == 1)
        pthread_cond_wait(&p->lent, &p->mu);
    int lent = j->db == 2;
    pthread_mutex_unlock(&p->mu);
    return lent;
}

/* On the scheduler thread: if a step asks for the connection, open the
 * round's transaction and the step's savepoint, lend it, and wait until
 * the step ended (P2).  The caller collects it and commits the round.
 * Returns DURABLE_OK, or the store's error (the step was refused: its
 * durable_sqlite() returned NULL). */
int durable__pool_lend(durable_rt *rt)
{
    struct durable__pool *p = rt->pool;
    if (!p)
        return DURABLE_OK;
    pthread_mutex_lock(&p->mu);
    durable__job *j = p->asking;
    if (j)
        p->asking = j->dbnext;
    pthread_mutex_unlock(&p->mu);
    if (!j)
        return DURABLE_OK;
    remember_inline(rt, j->co->fn, j->state);
    int rc = durable__begin_tx(rt);
    if (rc == DURABLE_OK)
        rc = rt->store->ops->savepoint(rt->store, 0);
    pthread_mutex_lock(&p->mu);
    j->savepoint = rc == DURABLE_OK;
    j->db = rc == DURABLE_OK ? 2 : 3;
    if (rc != DURABLE_OK)
        j->transient = rc; /* the store failed, not the step: its outcome is void */
    pthread_cond_broadcast(&p->lent);
    while (rc == DURABLE_OK && !j->finished)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* Free a list of jobs without recording them (quiesce). */
static void forget(durable__job *list)
{
    while (list) {
        durable__job *j = list;
        list = j->next;
        j->co->running = NULL;
        j->co->req = REQ_NONE;
        durable__job_free(j);
    }
}

/* Let no step of the pool run any more: jobs not started are dropped, the
 * running ones finish (one asking for the connection is refused it), and
 * every job is freed without being recorded; their coroutines are about to
 * be dropped and claimed again from the file, where the steps run again
 * (P3). */
void durable__pool_quiesce(durable_rt *rt)
{
    struct durable__pool *p = rt->pool;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    durable__job *drop = p->qhead;
    p->qhead = p->qtail = NULL;
    for (;;) {
        for (durable__job *j = p->asking; j; j = j->dbnext)
            j->db = 3;
        p->asking = NULL;
        pthread_cond_broadcast(&p->lent);
        if (!p->running)
            break;
        pthread_cond_wait(&p->done, &p->mu);
    }
    durable__job *fin = p->finished;
    p->finished = NULL;
    pthread_mutex_unlock(&p->mu);
    forget(drop);
    forget(fin);
}

/* Stop and join the threads, free the pool (durable_close). */
void durable__pool_free(durable_rt *rt)
{
    durable__pool_quiesce(rt);
    struct durable__pool *p = rt->pool;
    if (p) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->mu);
        for (int i = 0; i < p->nthreads; i++)
            pthread_join(p->threads[i], NULL);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
        pthread_cond_destroy(&p->lent);
        free(p->threads);
        free(p);
        rt->pool = NULL;
    }
    free(rt->inline_sites);
    rt->inline_sites = NULL;
    rt->ninline = 0;
}

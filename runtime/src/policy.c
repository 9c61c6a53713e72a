/*
 * policy.c — retry policies: validating, parsing and printing the text form
 * stored with an await ("max_attempts=5,initial=0.5,..."), choosing the policy
 * of a coroutine's current step, and the backoff before the next attempt.
 *
 * Pure: no store, no I/O.  policy_of reads only rt's settings (DURABLE_RETRY,
 * durable_set_retry's list, the default) and the coroutine's own text;
 * backoff_ms advances rt's own xorshift generator, so the user's rand() is
 * untouched.  Invariant: every policy it parses, or that policy_of returns,
 * passes policy_valid (durable_open, durable_set_retry and durable_next_retry
 * refuse the others).  Deciding retry or give up is transition.c's.
 */
#include "scheduler.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Retry policies
 * ---------------------------------------------------------------------- */

int durable__policy_valid(const durable_retry_policy *p)
{
    return p->max_attempts >= 1 && p->initial_s >= 0 && p->multiplier >= 1 && p->max_s >= 0 && p->jitter >= 0 &&
           p->jitter <= 1;
}

/* "max_attempts=5,initial=0.5,multiplier=2,max=30,jitter=0.2"; unnamed keys
 * keep their value in *p.  Returns 0 if the text is malformed. */
int durable__policy_parse(const char *text, durable_retry_policy *p)
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
    if (!durable__policy_valid(&q))
        return 0;
    *p = q;
    return 1;
}

char *durable__policy_text(const durable_retry_policy *p)
{
    char buf[160];
    snprintf(buf, sizeof buf, "max_attempts=%d,initial=%.17g,multiplier=%.17g,max=%.17g,jitter=%.17g",
             p->max_attempts, p->initial_s, p->multiplier, p->max_s, p->jitter);
    return durable__strdup(buf);
}

/* The policy for the coroutine's current step: the operator's environment,
 * else the await's own, else its function's, else the runtime default. */
durable_retry_policy durable__policy_of(const durable_co *co)
{
    durable_rt *rt = co->rt;
    if (rt->env_policy)
        return rt->env;
    durable_retry_policy p = rt->opts.retry;
    for (const fn_policy *fp = rt->policies; fp; fp = fp->next)
        if (strcmp(fp->function, co->fn->name) == 0)
            p = fp->p;
    if (co->policy)
        durable__policy_parse(co->policy, &p);
    return p;
}

int64_t durable__backoff_ms(durable_rt *rt, const durable_retry_policy *p, int attempt)
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

/* e2e: failures.  A step that fails once is retried; one that fails
 * permanently reports DURABLE_EPERMANENT through durable_error() to code that
 * checks it (and compensates); a workflow that does not check ends failed.
 * Durable only (plain C has no retries): expected output in errors.expected. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "e2e.h"

static int flaky(int x)
{
    effect("flaky %d attempt %d", x, durable_step_attempt());
    if (durable_step_attempt() < 2) {
        durable_fail(1, "first attempt fails");
        return 0;
    }
    return x * 2;
}

static int broken(int x)
{
    effect("broken %d", x);
    durable_fail_permanent(2, "always fails");
    return x;
}

static int refund(int x)
{
    effect("refund %d", x);
    return -x;
}

durable int retried(int x)
{
    return await(flaky(x)) + 1;
}

durable int compensated(int x)
{
    int v = await(broken(x));
    if (durable_error() == DURABLE_EPERMANENT)
        return await(refund(x));
    return v;
}

durable int unchecked(int x)
{
    int v = await(broken(x)); /* no durable_error(): the workflow fails here */
    return v + 1;
}

durable int child_fails(int x)
{
    int v = await(unchecked(x));
    if (durable_error())
        return -1000 - (durable_error() == DURABLE_ECHILD);
    return v;
}

int main(void)
{
    setenv("DURABLE_RETRY", "max_attempts=3,initial=0.01,multiplier=1,max=0.01,jitter=0", 1);
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "retried", retried(21));
    durable_start(rt, "compensated", compensated(5));
    durable_start(rt, "unchecked", unchecked(6));
    durable_start(rt, "child", child_fails(7));
    E2E_RUN(rt);
    E2E_PRINT(rt, "retried");
    E2E_PRINT(rt, "compensated");
    E2E_PRINT(rt, "unchecked");
    E2E_PRINT(rt, "child");
    durable_close(rt);
    return 0;
}

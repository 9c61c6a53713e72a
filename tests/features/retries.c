/*
 * retries — a failing step is retried with backoff (durable timers) under
 * its policy; when retries run out the await returns and durable_error()
 * says why; a failure nobody checks ends the workflow `failed`, and an
 * operator's durable_retry runs it again from the failed await.
 *
 *   retries            run under crash injection (crashloop)
 *   retries operator   the failed-then-retried story, in one process
 */
#include "feature.h"

static int heal; /* in the operator story: the outage is over */

static int flaky(int n)
{
    effect("flaky %d attempt %d key %s", n, durable_step_attempt(), durable_step_key());
    if (durable_step_attempt() < 3) {
        durable_fail(500, "not yet");
        return 0;
    }
    return n * 10;
}

static int broken(int n)
{
    effect("broken %d attempt %d", n, durable_step_attempt());
    if (!heal)
        durable_fail(503, "service unavailable");
    return heal ? n : 0;
}

static int refuses(int n)
{
    effect("refuses %d attempt %d", n, durable_step_attempt());
    durable_fail_permanent(400, "bad request");
    return n;
}

durable int careful(int n)
{
    durable_retry_policy five = {5, 0.01, 2, 0.05, 0};
    durable_next_retry(&five);
    int v = await(flaky(n)); /* fails twice, then succeeds */
    int w = await(broken(n)); /* the default policy: 3 attempts, then ESTEP */
    int e1 = durable_error();
    int x = await(refuses(n)); /* permanent: never retried */
    int e2 = durable_error();
    return v + w + x + (e1 == DURABLE_ESTEP ? 1 : 0) + (e2 == DURABLE_EPERMANENT ? 2 : 0);
}

static int reserve_stock(int order)
{
    effect("reserve %d", order);
    return 1;
}

static int charge_card(int order, int cents)
{
    effect("charge %d attempt %d", order, durable_step_attempt());
    durable_fail(402, "card declined"); /* every attempt */
    return order + cents;
}

static int release_stock(int order)
{
    effect("release %d", order);
    return 1;
}

/* The saga pattern: a failure that is checked returns to the code, which
 * compensates with goto. */
durable int checkout(int order, int cents)
{
    int ok = await(reserve_stock(order));
    if (durable_error() || !ok)
        return -1;
    int receipt = await(charge_card(order, cents));
    if (durable_error())
        goto refund;
    return receipt;
refund:
    await(release_stock(order));
    return -2;
}

durable int careless(int n)
{
    int v = await(broken(n)); /* nobody checks durable_error(): the workflow fails */
    return v + 1;
}

static durable_options options(void)
{
    durable_options o;
    durable_options_init(&o);
    durable_retry_policy quick = {3, 0.01, 2, 0.05, 0.1};
    o.retry = quick;
    return o;
}

int main(int argc, char **argv)
{
    durable_options o = options();
    durable_rt *rt = open_test_db(&o);
    if (argc > 1 && strcmp(argv[1], "operator") == 0) {
        MUST(durable_start(rt, "c1", careless(7)));
        run_all(rt);
        const char *msg = "";
        MUST(durable_get_error(rt, "c1", &msg));
        print_outcome(rt, "c1");
        printf("error: %s\n", msg);
        printf("retry of an unknown id: %s\n", durable_errname(refusal(durable_retry(rt, "nobody"))));
        heal = 1;
        MUST(durable_retry(rt, "c1"));
        run_all(rt);
        print_outcome(rt, "c1");
        MUST(durable_close(rt));
        return 0;
    }
    MUST(durable_start(rt, "careful", careful(4)));
    MUST(durable_start(rt, "careless", careless(5)));
    MUST(durable_start(rt, "saga", checkout(6, 1999)));
    run_all(rt);
    print_outcome(rt, "careful");
    print_outcome(rt, "careless");
    print_outcome(rt, "saga");
    MUST(durable_close(rt));
    return 0;
}

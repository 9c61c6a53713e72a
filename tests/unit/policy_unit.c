/*
 * policy_unit.c — the retry policies of runtime/src/policy.c, without a
 * database: the text form parses, refuses what is malformed or invalid and
 * leaves the policy as it was, prints back to the same numbers; the backoff
 * grows by the multiplier up to the cap, within its jitter; and a step's
 * policy comes from the environment, else the await, else the function,
 * else the default.  One ctest entry per case: `policy_unit CASE`.
 */
#include "check.h"
#include "scheduler.h"

static durable_retry_policy base(void)
{
    durable_retry_policy p = {3, 1.0, 2.0, 60.0, 0.1};
    return p;
}

static void check_same(const durable_retry_policy *a, const durable_retry_policy *b)
{
    CHECK_INT(a->max_attempts, b->max_attempts);
    CHECK(a->initial_s == b->initial_s);
    CHECK(a->multiplier == b->multiplier);
    CHECK(a->max_s == b->max_s);
    CHECK(a->jitter == b->jitter);
}

static void case_parse_all_keys(void)
{
    durable_retry_policy p = base();
    CHECK_INT(durable__policy_parse("max_attempts=5,initial=0.5,multiplier=3,max=30,jitter=0.2", &p), 1);
    durable_retry_policy want = {5, 0.5, 3.0, 30.0, 0.2};
    check_same(&p, &want);
}

/* Keys left out keep their value; the empty text changes nothing. */
static void case_parse_keeps_unnamed(void)
{
    durable_retry_policy p = base(), want = base();
    CHECK_INT(durable__policy_parse("max=10", &p), 1);
    want.max_s = 10;
    check_same(&p, &want);
    CHECK_INT(durable__policy_parse("", &p), 1);
    check_same(&p, &want);
}

/* Malformed text, an unknown key or an invalid value: 0, and *p untouched. */
static void case_parse_refuses(void)
{
    static const char *const bad[] = {
        "max_attempts=0", "jitter=1.5", "jitter=-0.1", "multiplier=0.5", "initial=-1", "max=-2",
        "retries=3",      "max",        "max=",        "max=1;x",        "max=1,,initial=2",
        "MAX=1",          "max=1 ,x=2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        durable_retry_policy p = base(), want = base();
        if (durable__policy_parse(bad[i], &p) != 0) {
            fprintf(stderr, "accepted \"%s\"\n", bad[i]);
            exit(1);
        }
        check_same(&p, &want);
    }
}

static void case_valid_bounds(void)
{
    durable_retry_policy p = {1, 0, 1, 0, 0};
    CHECK_INT(durable__policy_valid(&p), 1);
    p.jitter = 1;
    CHECK_INT(durable__policy_valid(&p), 1);
    p.max_attempts = 0;
    CHECK_INT(durable__policy_valid(&p), 0);
    p.max_attempts = 1;
    p.multiplier = 0.999;
    CHECK_INT(durable__policy_valid(&p), 0);
}

/* What is printed (and stored with an await) parses back to the same doubles. */
static void case_text_round_trip(void)
{
    durable_retry_policy p = {7, 0.1, 4.0 / 3.0, 1e-3, 0.3};
    char *text = durable__policy_text(&p);
    CHECK(text != NULL);
    durable_retry_policy q = base();
    CHECK_INT(durable__policy_parse(text, &q), 1);
    check_same(&q, &p);
    free(text);
}

static void case_backoff_grows_to_cap(void)
{
    durable_rt rt;
    memset(&rt, 0, sizeof rt);
    rt.rng = 12345;
    durable_retry_policy p = {9, 0.5, 2.0, 3.0, 0};
    static const int64_t want[] = {500, 1000, 2000, 3000, 3000};
    for (int a = 1; a <= 5; a++)
        CHECK_INT(durable__backoff_ms(&rt, &p, a), want[a - 1]);
}

/* With jitter j each backoff is within d * (1 +- j), and not all the same. */
static void case_backoff_jitter(void)
{
    durable_rt rt;
    memset(&rt, 0, sizeof rt);
    rt.rng = 88172645463325252ULL;
    durable_retry_policy p = {9, 1.0, 2.0, 60.0, 0.25};
    int64_t first = durable__backoff_ms(&rt, &p, 3), differs = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t d = durable__backoff_ms(&rt, &p, 3);
        CHECK(d >= 3000 && d <= 5000);
        differs |= d != first;
    }
    CHECK(differs);
}

/* The environment beats the await's own policy, which beats the function's,
 * which beats the runtime's default. */
static void case_policy_of_precedence(void)
{
    durable_rt rt;
    memset(&rt, 0, sizeof rt);
    rt.opts.retry = base();
    durable_func fn;
    memset(&fn, 0, sizeof fn);
    fn.name = "charge";
    durable_co co;
    memset(&co, 0, sizeof co);
    co.rt = &rt;
    co.fn = &fn;
    CHECK_INT(durable__policy_of(&co).max_attempts, 3);
    fn_policy other = {NULL, "refund", {4, 1, 2, 60, 0}};
    fn_policy mine = {&other, "charge", {5, 1, 2, 60, 0}};
    rt.policies = &mine;
    CHECK_INT(durable__policy_of(&co).max_attempts, 5);
    co.policy = "max_attempts=6";
    durable_retry_policy got = durable__policy_of(&co), want = mine.p;
    want.max_attempts = 6;
    check_same(&got, &want);
    rt.env_policy = 1;
    rt.env = (durable_retry_policy){2, 0, 1, 0, 0};
    CHECK_INT(durable__policy_of(&co).max_attempts, 2);
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"parse_all_keys", case_parse_all_keys},
        {"parse_keeps_unnamed", case_parse_keeps_unnamed},
        {"parse_refuses", case_parse_refuses},
        {"valid_bounds", case_valid_bounds},
        {"text_round_trip", case_text_round_trip},
        {"backoff_grows_to_cap", case_backoff_grows_to_cap},
        {"backoff_jitter", case_backoff_jitter},
        {"policy_of_precedence", case_policy_of_precedence},
        {NULL, NULL},
    };
    return run_case(cases, argc, argv);
}

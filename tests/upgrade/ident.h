/*
 * ident.h — what the await-identity programs (id_*.c) share.  Each is one
 * build of `flow`; ident_test.sh kills the base build at every commit and
 * resumes it with an edited build.  Built with -DIDENT_PLAIN the same source
 * is plain C: `await(e)` is `(e)`, sleeps return 0, and main prints what a
 * straight run of flow(7) returns.
 *
 * Every step logs "NAME ARG" through effect() and returns a value that grows
 * by 50 each time that line is already in the log: a step that runs again
 * after its checkpoint committed changes the result, not only the log.
 */
#ifndef UPGRADE_IDENT_H
#define UPGRADE_IDENT_H

#include "../features/feature.h"

#ifdef IDENT_PLAIN
#undef await
#define await(e) (e)
#define durable_sleep(s) ((void)(s), 0)
#endif

/* How often "name x" is in $DURABLE_TEST_EFFECTS already; then log it. */
static inline int ran(const char *name, int x)
{
    char want[64], line[128];
    snprintf(want, sizeof want, "%s %d\n", name, x);
    const char *path = getenv("DURABLE_TEST_EFFECTS");
    FILE *f = path ? fopen(path, "r") : NULL;
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strcmp(line, want) == 0;
    if (f)
        fclose(f);
    effect("%s %d", name, x);
    return n * 50;
}

static inline int step_a(int x)
{
    return x + 1 + ran("step_a", x);
}

static inline int step_b(int x)
{
    return x * 2 + ran("step_b", x);
}

static inline int step_c(int x)
{
    return x + 3 + ran("step_c", x);
}

#ifdef IDENT_PLAIN
static inline int ident_main(int result)
{
    printf("u1: done %d\n", result);
    return 0;
}
#else
/* Start u1 (once) and run it to the end or until it is held; print how it
 * ended and why. */
static inline int ident_main(durable_call flow_7)
{
    durable_rt *rt = open_test_db(NULL);
    MUST(durable_start(rt, "u1", flow_7));
    run_all(rt);
    print_outcome(rt, "u1");
    const char *msg = "";
    MUST(durable_get_error(rt, "u1", &msg));
    if (*msg)
        printf("u1: %s\n", msg);
    MUST(durable_close(rt));
    return 0;
}
#endif
#endif

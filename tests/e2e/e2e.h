/*
 * e2e.h — shared scaffolding of the end-to-end programs in tests/e2e.
 *
 * Each program is one C file with durable functions and a main() that
 * starts workflows, runs them to the end and prints every result.  It is
 * built twice:
 *   - through dcc and linked with libdurable (the real thing, which the
 *     crashloop harness kills at every commit), and
 *   - with -DE2E_PLAIN as ordinary C, where `durable` is empty, await(e) is
 *     (e) and the host calls run the function directly.
 * Both must print the same lines: the translation keeps C's semantics.
 *
 * Steps call effect() so the harness can check none re-ran after its
 * checkpoint committed.  Results are ints (what the plain build can store).
 */
#ifndef E2E_H
#define E2E_H

#include <durable.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/effects.h" /* effect(): a step ran */

#ifdef E2E_PLAIN
/* Plain C: each "workflow" runs to completion when started. */
#undef await
#define await(e) (e)
#define durable_sleep(s) ((void)(s), 0)
#define durable_sleep_until(t) ((void)(t), 0)
#define durable_error() 0
#define E2E_MAXW 256
static struct { const char *id; int value; } e2e_results[E2E_MAXW];
static int e2e_n;
static inline int e2e_start(const char *id, int value)
{
    if (e2e_n < E2E_MAXW) {
        e2e_results[e2e_n].id = id;
        e2e_results[e2e_n++].value = value;
    }
    return 0;
}
static inline int e2e_result(const char *id, int *out)
{
    for (int i = 0; i < e2e_n; i++)
        if (!strcmp(e2e_results[i].id, id)) {
            *out = e2e_results[i].value;
            return 0;
        }
    return -1;
}
#define E2E_RT void *
#define durable_open(rt, path, opts) ((void)(path), *(rt) = NULL, 0)
#undef durable_start
#define durable_start(rt, id, call) ((void)(rt), e2e_start((id), (call)))
#define durable_run(rt) ((void)(rt), 0)
#define durable_wait(rt, ms) ((void)(rt), 0)
#define durable_result(rt, id, out) ((void)(rt), e2e_result((id), (out)))
#define durable_close(rt) ((void)(rt), 0)
#else
#define E2E_RT durable_rt *
#endif

/* Open the test database (or die with a message). */
#define E2E_OPEN(rt)                                                                    \
    do {                                                                                \
        const char *db_ = getenv("DURABLE_TEST_DB");                                    \
        if (!db_)                                                                       \
            db_ = "e2e.db";                                                             \
        if (durable_open(&(rt), db_, NULL) != 0) {                                      \
            fprintf(stderr, "cannot open %s\n", db_);                                   \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

/* Run every workflow to the end. */
#define E2E_RUN(rt)                                                                     \
    do {                                                                                \
        int n_;                                                                         \
        while ((n_ = durable_run(rt)) > 0)                                              \
            durable_wait((rt), 100);                                                    \
        if (n_ < 0) {                                                                   \
            fprintf(stderr, "durable_run: %d\n", n_);                                   \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

/* Print "id = value" for an int-returning workflow. */
#define E2E_PRINT(rt, id)                                                               \
    do {                                                                                \
        int v_ = 0;                                                                     \
        int rc_ = durable_result((rt), (id), &v_);                                      \
        if (rc_ != 0)                                                                   \
            printf("%s: error %d\n", (id), rc_);                                        \
        else                                                                            \
            printf("%s = %d\n", (id), v_);                                              \
    } while (0)

#endif

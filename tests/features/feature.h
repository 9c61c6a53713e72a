/*
 * feature.h — what the feature tests share: open the database named by
 * $DURABLE_TEST_DB, log a step's effect to $DURABLE_TEST_EFFECTS, run until
 * nothing is left, and fail loudly.  These programs are durable C, built
 * through dcc, and run by tests/harness/crashloop (killed at every commit).
 */
#ifndef FEATURE_H
#define FEATURE_H

#include <durable.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUST(call)                                                                                  \
    do {                                                                                            \
        int rc_ = (call);                                                                           \
        if (rc_ < 0) {                                                                              \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, durable_strerror(rc_));   \
            exit(1);                                                                                \
        }                                                                                           \
    } while (0)

#include "../harness/effects.h" /* effect(): a step ran */

static inline durable_rt *open_test_db(const durable_options *o)
{
    const char *db = getenv("DURABLE_TEST_DB");
    if (!db) {
        fprintf(stderr, "set DURABLE_TEST_DB\n");
        exit(2);
    }
    durable_rt *rt;
    MUST(durable_open(&rt, db, o));
    return rt;
}

/* Run until every workflow has finished. */
static inline void run_all(durable_rt *rt)
{
    int n;
    while ((n = durable_run(rt)) > 0)
        MUST(durable_wait(rt, 100));
    MUST(n);
}

/* The code of a call expected to be refused, to print; a storage error (the
 * store failed, not the call: DURABLE_STORE_FAULTS makes them) ends the
 * program as MUST does, so that it is run again. */
static inline int refusal(int rc)
{
    if (rc == DURABLE_EIO || rc == DURABLE_EBUSY || rc == DURABLE_ENOMEM) {
        fprintf(stderr, "a storage error: %s\n", durable_strerror(rc));
        exit(1);
    }
    return rc;
}

static inline void print_outcome(durable_rt *rt, const char *id)
{
    int st = 0, v = 0;
    MUST(durable_status(rt, id, &st));
    int rc = durable_result(rt, id, &v);
    if (refusal(rc) == DURABLE_OK)
        printf("%s: %s %d\n", id, durable_status_name(st), v);
    else
        printf("%s: %s (%s)\n", id, durable_status_name(st), durable_errname(rc));
}
#endif

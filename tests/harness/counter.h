/* counter.h — a small hand-translated durable function shared by the runtime
 * tests and the benchmark (see counter.c for its source form). */
#ifndef TEST_COUNTER_H
#define TEST_COUNTER_H
#include <durable.h>

extern durable_func count_to__fn;
struct count_to__args { int n; };

/* durable_call for count_to(n); `a` must outlive the durable_start call. */
static inline durable_call count_to_call(struct count_to__args *a)
{
    durable_call c = {&count_to__fn, a, sizeof *a};
    return c;
}

/* How many times bump() ran in this process. */
extern long counter_bumps;
/* If set, called by bump() after each run with counter_bumps. */
extern void (*counter_hook)(long bumps);
#endif

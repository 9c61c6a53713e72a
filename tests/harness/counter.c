/*
 * counter.c — count_to, hand-translated in the shape dcc emits.  Source form:
 *
 *   durable int count_to(int n)
 *   {
 *       int sum = 0;
 *       for (int i = 0; i < n; i++)
 *           sum += await(bump(i));    // a step per iteration
 *       return sum;
 *   }
 */
#include "counter.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

long counter_bumps;
void (*counter_hook)(long bumps);

/* With DURABLE_TEST_EFFECTS set, each run of the step appends its key (one
 * write(2) with O_APPEND, so concurrent workers' lines do not mix); with
 * DURABLE_TEST_SLOW=N it takes N microseconds. */
static int bump(int i)
{
    counter_bumps++;
    if (counter_hook)
        counter_hook(counter_bumps);
    const char *path = getenv("DURABLE_TEST_EFFECTS");
    if (path) {
        char line[256];
        int n = snprintf(line, sizeof line, "bump %s\n", durable_step_key());
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
        if (fd >= 0) {
            if (write(fd, line, (size_t)n) != n)
                perror("bump: write");
            close(fd);
        }
    }
    const char *slow = getenv("DURABLE_TEST_SLOW");
    if (slow) {
        long us = atol(slow);
        struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
        nanosleep(&ts, NULL);
    }
    return i + 1;
}

struct count_to__frame { int n; int sum; int i; };

static int count_to__step(durable_co *co_, void *frame_)
{
    struct count_to__frame *f_ = frame_;
    int n;
    switch (durable__state(co_)) {
    case 0: {
        const struct count_to__args *a_ = durable__args(co_);
        n = a_->n;
        break;
    }
    case 1: goto aw1_;
    default: return durable__bad_state(co_);
    }
    int sum = 0;
    for (int i = 0; i < n; i++) {
        int t1_;
        if (0) {
aw1_:       n = f_->n; sum = f_->sum; i = f_->i;
        }
        if (durable__begin(co_, 1)) {
            int v1_ = bump(i);
            f_->n = n; f_->sum = sum; f_->i = i;
            return durable__step(co_, &v1_, sizeof v1_);
        }
        if (durable__take(co_, &t1_, sizeof t1_))
            return DURABLE__STOP;
        sum += t1_;
    }
    { int r_ = sum; return durable__return(co_, &r_, sizeof r_); }
}

static const durable_field count_to__fields[] = {
    {"n", "int", DURABLE_KIND_INT, offsetof(struct count_to__frame, n), sizeof(int), 1, 1, 0, 0},
    {"sum", "int", DURABLE_KIND_INT, offsetof(struct count_to__frame, sum), sizeof(int), 1, 3, 0, 0},
    {"i", "int", DURABLE_KIND_INT, offsetof(struct count_to__frame, i), sizeof(int), 1, 4, 0, 0},
};
static const durable_field count_to__params[] = {
    {"n", "int", DURABLE_KIND_INT, offsetof(struct count_to__args, n), sizeof(int), 1, 1, 0, 0},
};
static const durable_field count_to__int = {"", "int", DURABLE_KIND_INT, 0, sizeof(int), 1, 0, 0, 0};
static const durable_await count_to__awaits[] = {
    {1, DURABLE_AWAIT_STEP, "bump", 5, &count_to__int, 0, 0, 0, "body/for.body", "bump(i)"},
};
durable_func count_to__fn = {
    "count_to", "counter.c", count_to__step,
    sizeof(struct count_to__frame), sizeof(struct count_to__args),
    count_to__fields, 3, count_to__params, 1, &count_to__int, count_to__awaits, 1, 0, 0,
};
__attribute__((constructor)) static void count_to__register(void)
{
    durable__register(&count_to__fn);
}

/*
 * cancel — an operator cancels a workflow while its step runs on the pool:
 * the step finishes and is recorded (it never runs again), then the
 * cancellation is delivered at the next await.
 *
 *   cancel DB start     start workflow "c"
 *   cancel DB run       run it to the end; print its outcome
 * Each run of the long step appends "long" to $DURABLE_TEST_EFFECTS after it
 * slept 1.5 s; cancel.sh cancels with the CLI meanwhile.
 */
#include <durable.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../harness/effects.h"

static int nap(int ms, const char *what)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    effect("%s", what);
    return ms;
}

durable int slow(void)
{
    int a = await(nap(1500, "long"));
    int b = await(nap(10, "after"));
    return a + b;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    durable_rt *rt;
    int rc = durable_open(&rt, argv[1], NULL);
    if (rc != DURABLE_OK)
        return 1;
    if (strcmp(argv[2], "start") == 0)
        rc = durable_start(rt, "c", slow());
    else {
        while ((rc = durable_run(rt)) > 0)
            durable_wait(rt, 100);
        int st = 0, v = 0;
        durable_status(rt, "c", &st);
        int r = durable_result(rt, "c", &v);
        printf("c: %s (%s)\n", durable_status_name(st), r == DURABLE_OK ? "a result" : durable_errname(r));
    }
    durable_close(rt);
    return rc < 0 ? 1 : 0;
}

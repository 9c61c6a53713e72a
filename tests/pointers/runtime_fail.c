/* pointers: a pointer only the run can judge.  `p` comes from a global
 * pointer dcc cannot follow; when it points at heap memory the checkpoint at
 * the await fails the workflow (kept, retryable) with a message naming the
 * local and the await; once it points into static storage durable_retry
 * finishes it (docs/semantics.md G17).
 *
 *   runtime_fail start   start and run: the workflow fails
 *   runtime_fail retry   point the global at a static, retry, run, print */
#include "e2e.h"

static int fixed[2] = {40, 2};
int *source;

static int step(int x)
{
    effect("step %d", x);
    return x;
}

durable int follow(void)
{
    int *p = source;
    await(step(1));
    return p[0] + p[1];
}

int main(int argc, char **argv)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    int *heap = malloc(2 * sizeof *heap);
    heap[0] = 1;
    heap[1] = 2;
    int status = -1;
    if (argc > 1 && !strcmp(argv[1], "start")) {
        source = heap;
        durable_start(rt, "follow", follow());
        printf("run = %d\n", durable_run(rt));
        durable_status(rt, "follow", &status);
        printf("status = %s\n", durable_status_name(status));
    } else {
        source = fixed;
        printf("retry = %d\n", durable_retry(rt, "follow"));
        E2E_RUN(rt);
        E2E_PRINT(rt, "follow");
    }
    free(heap);
    durable_close(rt);
    return 0;
}

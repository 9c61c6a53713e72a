/*
 * host.c — what an editor sees in a typical durable program: a workflow
 * that spawns children and waits for a signal, and host code that starts
 * it and signals it.  tests/editor checks that clangd, with ordinary flags,
 * reports no error in it, that a plain C build refuses it naming dcc, and
 * (built through dcc) that it runs.
 */
#include <durable.h>

#include <stdio.h>
#include <string.h>

static int square(int i)
{
    return i * i;
}

durable int child(int i)
{
    return await(square(i));
}

durable int parent(int n)
{
    for (int i = 0; i < n; i++)
        await(durable_spawn(child(i)));
    int sum = 0, h;
    while ((h = await(durable_any())) >= 0) {
        int r = 0;
        if (durable_child_result(h, &r) == DURABLE_OK)
            sum += r;
    }
    if (await(durable_wait_signal("go", -1)) == 1) {
        size_t len = 0;
        const char *data = durable_signal_data(&len);
        if (data && strcmp(data, "twice") == 0)
            sum *= 2;
    }
    return sum;
}

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : "editor.db";
    durable_rt *rt;
    int rc = durable_open(&rt, db, NULL);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "host: %s: %s\n", db, durable_strerror(rc));
        return 1;
    }
    rc = durable_start(rt, "p", parent(4));
    if (rc >= 0)
        rc = durable_run(rt); /* the children finish; p waits for "go" */
    if (rc >= 0)
        rc = durable_signal(rt, "p", "go", "twice", sizeof "twice");
    if (rc >= 0)
        rc = durable_run(rt);
    int sum = 0;
    if (rc >= 0)
        rc = durable_result(rt, "p", &sum);
    if (rc < 0) {
        fprintf(stderr, "host: %s\n", durable_strerror(rc));
        durable_close(rt);
        return 1;
    }
    printf("p = %d\n", sum);
    durable_close(rt);
    return 0;
}

/*
 * fanout — a durable function spawns children without waiting, then awaits
 * all of them (or the first ones), and reads their results typed.
 *
 *   fanout [N]     N children (default 20)
 */
#include "feature.h"

static int compute(int i)
{
    effect("compute %d", i);
    return i * i;
}

durable int square(int i)
{
    int v = await(compute(i));
    return v;
}

durable long fan(int n)
{
    for (int i = 0; i < n; i++)
        await(durable_spawn(square(i)));
    int failed = await(durable_all());
    long sum = 0;
    for (int h = 0; h < n; h++) {
        int r = 0;
        if (durable_child_result(h, &r) == DURABLE_OK)
            sum += r;
    }
    return sum * 10 + failed;
}

durable int firsts(int n)
{
    for (int i = 0; i < n; i++)
        await(durable_spawn(square(i + 100)));
    int seen = 0, h;
    while ((h = await(durable_any())) >= 0)
        seen += h + 1; /* each handle once: 1 + 2 + ... + n */
    return seen;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20;
    durable_rt *rt = open_test_db(NULL);
    MUST(durable_start(rt, "fan", fan(n)));
    MUST(durable_start(rt, "firsts", firsts(5)));
    run_all(rt);
    long total = 0;
    MUST(durable_result(rt, "fan", &total));
    printf("fan of %d: %ld (expected %ld)\n", n, total, (long)(n - 1) * n * (2L * n - 1) / 6 * 10);
    print_outcome(rt, "firsts");
    MUST(durable_close(rt));
    return 0;
}

/*
 * padding.c — a struct local saved in a frame carries no stack garbage: the
 * padding of a struct declared without an initializer is zero when it is
 * saved, so `durable show` (which prints the bytes of a struct whose type is
 * local to the function) shows what the program put there and nothing else.
 * A first round of the loop leaves 0xAB in the local's storage, as an
 * earlier use of the stack would.
 *
 *   padding DB     start the workflow and run it to its timer
 */
#include <durable.h>
#include <stdio.h>
#include <string.h>

durable int padded(int n)
{
    int sum = 0;
    for (int round = 0; round < 2; round++) {
        struct inner { char c; long long big; } in; /* 7 bytes of padding after c */
        if (round == 0) { /* leave garbage where `in` lives, as a stack would */
            memset(&in, 0xAB, sizeof in);
            sum += in.c != 0;
            continue;
        }
        in.c = 'q';
        in.big = n;
        await(durable_sleep(3600));
        sum += in.c + (int)in.big;
    }
    return sum;
}

int main(int argc, char **argv)
{
    durable_rt *rt;
    if (argc != 2 || durable_open(&rt, argv[1], NULL) != DURABLE_OK)
        return 1;
    if (durable_start(rt, "p", padded(5)) != DURABLE_OK)
        return 1;
    if (durable_run(rt) != 1)
        return 1;
    return durable_close(rt);
}

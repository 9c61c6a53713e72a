/*
 * host.h — the host side shared by the three builds of `onboard`:
 *   PROG start    start workflow "u1" and run until it waits for "approve"
 *   PROG run      approve it and run to the end; print its outcome
 * Each build's main passes `onboard(7)`: dcc rewrites that call in the file
 * it translates, not in a header.
 */
#include "../features/feature.h"

static int host_main(int argc, char **argv, durable_call onboard_7)
{
    durable_rt *rt = open_test_db(NULL);
    if (argc > 1 && strcmp(argv[1], "start") == 0) {
        MUST(durable_start(rt, "u1", onboard_7));
        MUST(durable_run(rt));
    } else {
        MUST(durable_start(rt, "u1", onboard_7)); /* exists: not restarted */
        MUST(durable_signal(rt, "u1", "approve", "ok", 2));
        run_all(rt);
        print_outcome(rt, "u1");
        const char *msg = "";
        MUST(durable_get_error(rt, "u1", &msg));
        if (*msg)
            printf("u1: %s\n", msg);
    }
    MUST(durable_close(rt));
    return 0;
}

/* main.c — host code: run total(10) to completion and check its result. */
#include <stdio.h>
#include "shop.h"

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : "shop.db";
    durable_rt *rt;
    int rc = durable_open(&rt, db, NULL);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "durable_open: %s\n", durable_strerror(rc));
        return 1;
    }
    rc = durable_start(rt, "total-10", total(10));
    while (rc == DURABLE_OK && (rc = durable_run(rt)) > 0)
        rc = durable_wait(rt, 100);
    if (rc < 0) {
        fprintf(stderr, "durable_run: %s\n", durable_strerror(rc));
        durable_close(rt);
        return 1;
    }
    int out = 0;
    rc = durable_result(rt, "total-10", &out);
    durable_close(rt);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "durable_result: %s\n", durable_strerror(rc));
        return 1;
    }
    printf("total=%d\n", out);
    return out == 110 ? 0 : 1;
}

/*
 * pipeline — a batch fanned out to one child workflow per item, collected as
 * the children finish.  Each child fetches its record, enriches it through a
 * flaky service (a step retried with backoff when it fails), and stores it.
 * A record that can never succeed fails its child for good; the parent
 * quarantines it and goes on.  Kill it anywhere: a step whose checkpoint
 * committed never runs again (the one in flight at the kill may), and the
 * retries' backoff timers survive the crash.
 *
 *   pipeline [DB] [--items N] [--fast] [--quiet]
 *              (--fast: backoff timers on the virtual clock)
 */
#include <durable.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int quiet;

static int fetch(int batch, int item)
{
    if (item == 7) { /* a corrupt record: retrying cannot help */
        durable_fail_permanent(422, "record is corrupt");
        return 0;
    }
    return batch * 1000 + item;
}

/* The flaky stage: every third item's first two attempts time out. */
static int enrich(int item, int raw)
{
    if (item % 3 == 0 && durable_step_attempt() < 3) {
        if (!quiet)
            printf("  [step] enrich item %d: timed out (attempt %d)\n", item, durable_step_attempt());
        durable_fail(504, "enrichment service timed out");
        return 0;
    }
    return raw * 10;
}

/* A real store would write durable_step_key() with the row, so a repeat after
 * a crash overwrites rather than duplicates. */
static int store(int batch, int item, int value)
{
    if (!quiet)
        printf("  [step] batch %d item %d stored %d\n", batch, item, value);
    return value;
}

static int quarantine(int batch, int item)
{
    if (!quiet)
        printf("  [step] batch %d item %d quarantined\n", batch, item);
    return 0;
}

static const durable_retry_policy flaky = {5, 1.0, 2.0, 30.0, 0.1}; /* 5 attempts, 1 s, 2 s, 4 s ... */

/* One item, a child workflow of its own. */
durable int process(int batch, int item)
{
    int raw = await(fetch(batch, item)); /* a permanent failure ends this child failed */
    durable_next_retry(&flaky);
    int value = await(enrich(item, raw));
    return await(store(batch, item, value));
}

/* The batch: spawn every item, then collect each as it finishes. */
durable int pipeline(int batch, int items)
{
    for (int item = 0; item < items; item++)
        await(durable_spawn(process(batch, item))); /* handle == item */
    int stored = 0, h;
    while ((h = await(durable_any())) >= 0) {
        int value = 0;
        if (durable_child_result(h, &value) == DURABLE_OK)
            stored++;
        else
            await(quarantine(batch, h));
    }
    return stored;
}

int main(int argc, char **argv)
{
    const char *db = "pipeline.db";
    int items = 12;
    durable_options o;
    durable_options_init(&o);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--items") == 0 && i + 1 < argc)
            items = atoi(argv[++i]);
        else if (strcmp(argv[i], "--fast") == 0)
            o.virtual_time = 1;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else
            db = argv[i];
    }
    durable_rt *rt;
    int rc = durable_open(&rt, db, &o);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "pipeline: %s\n", durable_open_error()); /* names the path and the reason */
        return 1;
    }
    rc = durable_start(rt, "batch-1", pipeline(1, items));
    while (rc >= 0 && (rc = durable_run(rt)) > 0)
        rc = durable_wait(rt, 1000);
    int stored = 0;
    if (rc >= 0)
        rc = durable_result(rt, "batch-1", &stored);
    if (rc < 0) {
        fprintf(stderr, "pipeline: %s\n", durable_strerror(rc));
        durable_close(rt);
        return 1;
    }
    printf("batch-1: %d of %d items stored, %d quarantined\n", stored, items, items - stored);
    durable_close(rt);
    return 0;
}

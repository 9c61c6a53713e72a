/*
 * inflight — many steps in flight when the process is killed: a step whose
 * checkpoint committed never runs again; only steps in flight may.
 *
 *   inflight DB start N     start N workflows of STEPS steps each
 *   inflight DB run LOG OUT run them to the end (killed from outside by
 *                           inflight.sh; DB may be a postgresql:// URI); each step appends "begin W K" and
 *                           "end W K TOKEN" to LOG; at the end every
 *                           workflow's results go to OUT as "W K TOKEN"
 *
 * Each run of a step returns a token no other run returns (pid, counter).
 * A workflow's result holds the token of each of its steps as the workflow
 * saw it after every crash.  If a committed step ran again, the workflow
 * would hold the token of its committed run while the log's last run of
 * that step has another: inflight.sh checks that for every step the token
 * the workflow holds is the token of the last run in the log.
 */
#include <durable.h>

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STEPS 6

struct tokens {
    long t[STEPS];
};

static int log_fd = -1;
static atomic_long next_token;
static durable_rt *grt;
static int pooled;

static void log_line(const char *s)
{
    if (log_fd >= 0 && write(log_fd, s, strlen(s)) < 0)
        abort();
}

/* An I/O-bound step: 5 to 40 ms of waiting, like a network call. */
static long work(int w, int k)
{
    char line[96];
    snprintf(line, sizeof line, "begin %d %d\n", w, k);
    log_line(line);
    /* what a step may call on a pool thread, and what it may not */
    char self[32];
    snprintf(self, sizeof self, "w%d", w);
    int st = 0;
    int rc = durable_status(grt, self, &st);
    if (!durable_self() || strcmp(durable_self(), self) != 0 || rc != (pooled ? DURABLE_EINVAL : DURABLE_OK)) {
        fprintf(stderr, "step %d %d: durable_self() %s, durable_status %d\n", w, k, durable_self(), rc);
        abort();
    }
    struct timespec ts = {0, (5 + (w * 7 + k * 13) % 36) * 1000000L};
    nanosleep(&ts, NULL);
    long tok = ((long)getpid() << 24) | (long)atomic_fetch_add(&next_token, 1);
    snprintf(line, sizeof line, "end %d %d %ld\n", w, k, tok);
    log_line(line);
    return tok;
}

durable struct tokens job(int w)
{
    struct tokens r;
    for (int k = 0; k < STEPS; k++)
        r.t[k] = await(work(w, k));
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: inflight DB start N | inflight DB run LOG OUT\n");
        return 2;
    }
    durable_rt *rt;
    int rc = durable_open(&rt, argv[1], NULL);
    grt = rt;
    const char *threads = getenv("DURABLE_STEP_THREADS");
    pooled = threads && atoi(threads) > 1;
    if (rc != DURABLE_OK) {
        fprintf(stderr, "open: %s\n", durable_strerror(rc));
        return 1;
    }
    if (strcmp(argv[2], "start") == 0) {
        int n = atoi(argv[3]);
        for (int w = 0; w < n; w++) {
            char id[32];
            snprintf(id, sizeof id, "w%d", w);
            if ((rc = durable_start(rt, id, job(w))) != DURABLE_OK) {
                fprintf(stderr, "start: %s\n", durable_strerror(rc));
                return 1;
            }
        }
        return durable_close(rt) == DURABLE_OK ? 0 : 1;
    }
    if (argc < 5)
        return 2;
    log_fd = open(argv[3], O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd < 0)
        return 1;
    /* INFLIGHT_RETRY=S (tests/store/pg_failover.sh): a storage error is
     * waited out for up to S seconds, as a worker rides out a fail-over */
    const char *retry = getenv("INFLIGHT_RETRY");
    double give_up = retry ? atof(retry) : 0, failing = 0;
    int n;
    for (;;) {
        n = durable_run(rt);
        if (n > 0) {
            int w = durable_wait(rt, 100);
            if (w < 0)
                n = w;
        }
        if (n == 0)
            break;
        if (n > 0) {
            failing = 0;
            continue;
        }
        if (failing >= give_up) {
            fprintf(stderr, "run: %s\n", durable_strerror(n));
            return 1;
        }
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
        failing += 0.1;
    }
    FILE *out = fopen(argv[4], "w");
    if (!out)
        return 1;
    for (int w = 0;; w++) {
        char id[32];
        snprintf(id, sizeof id, "w%d", w);
        struct tokens r;
        rc = durable_result(rt, id, &r);
        if (rc == DURABLE_ENOENT)
            break;
        if (rc != DURABLE_OK) {
            fprintf(stderr, "%s: %s\n", id, durable_strerror(rc));
            return 1;
        }
        for (int k = 0; k < STEPS; k++)
            fprintf(out, "%d %d %ld\n", w, k, r.t[k]);
    }
    fclose(out);
    return durable_close(rt) == DURABLE_OK ? 0 : 1;
}

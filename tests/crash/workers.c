/*
 * workers.c — several worker processes share one database file (or one
 * PostgreSQL server: DB a postgresql:// URI), and one is killed with SIGKILL
 * in the middle.  Every workflow must still complete,
 * once, with the result of a single run; the steps the killed worker had in
 * flight may run again (at-least-once), nothing else may.
 *
 *   workers DB NWORKFLOWS NWORKERS     the test (ctest runs it)
 *   workers --worker DB                one worker: run until all is done
 */
#include "check.h"
#include "counter.h"

#include <durable.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEPS 15

static int worker(const char *db)
{
    durable_rt *rt;
    durable_options o;
    durable_options_init(&o);
    o.claim_batch = 16; /* share the 200 new workflows between the workers */
    CHECK_OK(durable_open(&rt, db, &o));
    int n;
    while ((n = durable_run(rt)) > 0)
        CHECK_OK(durable_wait(rt, 20));
    CHECK_INT(n, 0);
    CHECK_OK(durable_close(rt));
    return 0;
}

static long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    long n = 0;
    int c;
    while (f && (c = getc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

static int count_done(const char *db, int total)
{
    durable_rt *rt;
    CHECK_OK(durable_open(&rt, db, NULL));
    int done = 0;
    for (int i = 0; i < total; i++) {
        char id[32];
        int st;
        snprintf(id, sizeof id, "w%03d", i);
        CHECK_OK(durable_status(rt, id, &st));
        done += st == DURABLE_DONE;
    }
    durable_close(rt);
    return done;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--worker") == 0)
        return worker(argv[2]);
    if (argc != 4) {
        fprintf(stderr, "usage: workers DB NWORKFLOWS NWORKERS\n");
        return 2;
    }
    const char *db = argv[1];
    int total = atoi(argv[2]), nworkers = atoi(argv[3]);
    char effects[600];
    if (strncmp(db, "postgresql://", 13) == 0) /* a server (tests/store): the effects in a file of our own */
        snprintf(effects, sizeof effects, "%s/workers-%ld.effects", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
                 (long)getpid());
    else
        snprintf(effects, sizeof effects, "%s.effects", db);
    unlink(effects);
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[600];
        snprintf(p, sizeof p, "%s%s", db, sfx[i]);
        unlink(p);
    }
    setenv("DURABLE_TEST_EFFECTS", effects, 1);
    setenv("DURABLE_TEST_SLOW", "300", 1);

    durable_rt *rt;
    CHECK_OK(durable_open(&rt, db, NULL));
    for (int i = 0; i < total; i++) {
        char id[32];
        struct count_to__args a = {STEPS};
        snprintf(id, sizeof id, "w%03d", i);
        CHECK_OK(durable_start(rt, id, count_to_call(&a)));
    }
    CHECK_OK(durable_close(rt));

    pid_t pids[16];
    for (int w = 0; w < nworkers && w < 16; w++) {
        pids[w] = fork();
        CHECK(pids[w] >= 0);
        if (pids[w] == 0) {
            execl(argv[0], argv[0], "--worker", db, (char *)NULL);
            _exit(127);
        }
    }
    /* Kill worker 0 once a fifth of the steps have run (or after 5 s). */
    for (int t = 0; t < 500 && count_lines(effects) < (long)total * STEPS / 5; t++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    int done_at_kill = count_done(db, total);
    CHECK(kill(pids[0], SIGKILL) == 0);
    int st;
    CHECK(waitpid(pids[0], &st, 0) == pids[0]);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    for (int w = 1; w < nworkers; w++) {
        CHECK(waitpid(pids[w], &st, 0) == pids[w]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }

    /* Every workflow done, with the result of one run. */
    CHECK_OK(durable_open(&rt, db, NULL));
    for (int i = 0; i < total; i++) {
        char id[32];
        int v = 0;
        snprintf(id, sizeof id, "w%03d", i);
        CHECK_OK(durable_result(rt, id, &v));
        CHECK_INT(v, STEPS * (STEPS + 1) / 2);
    }
    CHECK_INT(durable_run(rt), 0);
    CHECK_OK(durable_close(rt));

    /* Each step ran at least once; only steps in flight in the killed worker
     * may have run twice. */
    FILE *f = fopen(effects, "r");
    CHECK(f != NULL);
    char line[256];
    long lines = 0;
    while (fgets(line, sizeof line, f))
        lines++;
    fclose(f);
    long expected = (long)total * STEPS, repeats = lines - expected;
    printf("%d workflows x %d steps on %d workers, worker 0 killed at %d/%d done: %ld step runs, %ld repeated\n",
           total, STEPS, nworkers, done_at_kill, total, lines, repeats);
    CHECK(done_at_kill < total); /* it really was killed mid-way */
    CHECK(repeats >= 0);
    CHECK(repeats <= total); /* at most one step per workflow was in flight */
    /* no step key twice except those: sort | uniq -d counts them */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "sort '%s' | uniq -d | wc -l", effects);
    FILE *p = popen(cmd, "r");
    long dups = -1;
    CHECK(p && fscanf(p, "%ld", &dups) == 1);
    pclose(p);
    CHECK_INT(dups, repeats);
    unlink(effects);
    return 0;
}

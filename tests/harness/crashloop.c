/*
 * crashloop — run a durable program straight through, then again killed at
 * every commit, and check that nothing differs.
 *
 *   crashloop [--name NAME] [--keep] [--setup ARG] [--random N] [--expect FILE] [--pg URI]
 *             [--faults KIND,... [--stride S]] -- PROGRAM [ARGS...]
 *
 * With --expect, the reference run's stdout must also equal FILE: the
 * program's plain meaning, not only its agreement with itself.
 * With --setup, `PROGRAM [ARGS...] ARG` runs once, without crashes, on each fresh
 * database before the scenario (to start workflows and send signals from
 * outside, say); its output is not compared.
 *
 * The program must take its database path from $DURABLE_TEST_DB (or from an
 * argument written @DB@, which crashloop replaces with the path), print its
 * final results on stdout, exit 0 when all its workflows are finished, and
 * have each step append one line to $DURABLE_TEST_EFFECTS (a file) when it
 * runs.  Scenarios, each on a fresh database:
 *
 *   reference  no crash: its stdout and effects are the expected ones.
 *   after      DURABLE_CRASH=after:1: every process dies right after its
 *              first commit and is restarted until it exits 0.  So the run is
 *              killed after every single commit.  Since each kill follows a
 *              commit, no step may run again: effects must equal the
 *              reference exactly (as a multiset).
 *   before     DURABLE_CRASH=before:2: every process commits once, then dies
 *              just before its second commit, with that round's work done but
 *              not committed.  So the run is killed before every commit.  The
 *              step that was in flight runs again (at-least-once), so each
 *              effect appears at least as often as in the reference and at
 *              most twice as often.
 *
 *   random     (with --random N) N rounds, each on a fresh database: a run
 *              killed with SIGKILL from outside at a random instant within the
 *              reference run's duration, then a run to the end: a step may run
 *              once more than in the reference.
 *
 * With DURABLE_STEP_THREADS > 1 (steps on a pool of threads) the steps in
 * flight when a process dies run again, and a kill after a commit may find
 * some: then after and before only require each effect at least as often
 * as in the reference (tests/pool/inflight.sh checks precisely that no
 * committed step runs again).
 *
 * With --pg URI (a postgresql:// URI of a server's database), every scenario
 * runs on a fresh database of that server instead of a file: cl_LABEL,
 * dropped and created with psql, its URI given as the database.
 *
 * With --faults KIND,... (fail, busy, conflict, lost, committed, aborted:
 * runtime/src/store_fault.c) the crash scenarios give way to store-fault
 * sweeps: the reference runs with DURABLE_STORE_FAULTS=count, which says how
 * many store calls and commits it made, then for each KIND and each position
 * N (every call, or every commit for committed and aborted; with --stride S
 * every Sth) a fresh database is run with DURABLE_STORE_FAULTS=KIND:N.  That
 * run may exit 0, or 1 (a call returned an error code and the program
 * reported it), and is then restarted without faults; anything else (a
 * signal: abort, a crash) fails.  Effects: a commit that committed though
 * it said DURABLE_EIO (committed), and a lost conflict (redone from memory),
 * must run no step again; the other kinds redo a round from the store, so a
 * step may run twice.  Nearly every position must fire (the wrapper prints
 * a line when it does).
 *
 * In every scenario the final stdout must equal the reference.  One summary
 * line per scenario; exit 0 when all pass.  A process that hangs (120 s) or
 * exits other than 0 or by SIGKILL fails the test.  Temporary files are
 * removed unless the test fails or --keep is given.
 *
 * Each run is its own process group, and a kill from outside kills the whole
 * group (a program that is a shell script takes its worker with it, as a
 * power cut would); whatever the group left running is killed when the run
 * ends.  The program's stderr goes to a file beside its output, shown (its
 * last lines) only when a scenario fails.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 20000
#define RUN_TIMEOUT_S 120

static const char *name = "program";
static const char *setup;
static const char *expect;    /* --expect FILE */
static const char *pg_base;   /* --pg URI: each scenario on a fresh database of that server */
static int random_kills;      /* --random N */
static const char *faults;    /* --faults KIND,...: the store-fault sweeps instead of the crash scenarios */
static int stride = 1;        /* --stride S: every Sth fault position */
static const char *store_faults; /* DURABLE_STORE_FAULTS of the next run, or NULL */
static int last_crashes;      /* kills in the last scenario run */
static double ref_seconds;    /* how long the reference run took */
static unsigned long rng = 88172645463325252UL;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}
static char dir[256];

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        exit(2);
    if (f) {
        size_t k;
        while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
            n += k;
            if (cap - n < 2) {
                cap *= 2;
                char *nb = realloc(buf, cap);
                if (!nb)
                    exit(2);
                buf = nb;
            }
        }
        fclose(f);
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Run the program once; returns its wait status.  With kill_after > 0 it
 * is killed with SIGKILL after that many seconds (if still running). */
static int run_killed(char **argv, const char *db, const char *effects, const char *crash, const char *out,
                      double kill_after)
{
    fflush(NULL); /* or the child inherits, and repeats, our buffered output */
    pid_t pid = fork();
    if (pid < 0) {
        perror("crashloop: fork");
        exit(2);
    }
    if (pid == 0) {
        setenv("DURABLE_TEST_DB", db, 1);
        setenv("DURABLE_TEST_EFFECTS", effects, 1);
        if (crash)
            setenv("DURABLE_CRASH", crash, 1);
        else
            unsetenv("DURABLE_CRASH");
        if (store_faults)
            setenv("DURABLE_STORE_FAULTS", store_faults, 1);
        else
            unsetenv("DURABLE_STORE_FAULTS");
        setpgid(0, 0); /* its own process group: a kill takes the children too */
        char err[540];
        snprintf(err, sizeof err, "%s.err", out);
        if (!freopen(out, "w", stdout) || !freopen(err, "a", stderr))
            _exit(126);
        alarm(RUN_TIMEOUT_S); /* a hang dies of SIGALRM, which is not SIGKILL */
        for (char **a = argv; *a; a++)
            if (strcmp(*a, "@DB@") == 0)
                *a = (char *)db; /* in the child only */
        execvp(argv[0], argv);
        perror("crashloop: exec");
        _exit(127);
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    if (kill_after > 0) {
        struct timespec ts = {(time_t)kill_after, (long)((kill_after - (double)(time_t)kill_after) * 1e9)};
        nanosleep(&ts, NULL);
        /* The whole group, as a power cut would: a program that is a shell
         * script must not leave its worker running beside the next run.
         * Harmless if it has exited: it is not reaped yet. */
        kill(-pid, SIGKILL);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            perror("crashloop: waitpid");
            exit(2);
        }
    kill(-pid, SIGKILL); /* nothing it started outlives it into the next run */
    return st;
}

static int run(char **argv, const char *db, const char *effects, const char *crash, const char *out)
{
    return run_killed(argv, db, effects, crash, out, 0);
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split text into sorted lines (modifies text). */
static char **lines(char *text, size_t *count)
{
    size_t n = 0, cap = 64;
    char **v = malloc(cap * sizeof *v);
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
    qsort(v, n, sizeof *v, cmp_lines);
    *count = n;
    return v;
}

/* Compare effect multisets: each line of `got` must appear between lo and hi
 * times its count in `ref`, and no line may appear in one and not the other. */
static int check_effects(const char *scenario, char *ref, char *got, int hi)
{
    size_t nr, ng;
    char **r = lines(ref, &nr), **g = lines(got, &ng);
    int bad = 0;
    size_t i = 0, j = 0;
    while (i < nr || j < ng) {
        const char *key = i < nr && (j >= ng || strcmp(r[i], g[j]) <= 0) ? r[i] : g[j];
        size_t cr = 0, cg = 0;
        while (i < nr && strcmp(r[i], key) == 0)
            i++, cr++;
        while (j < ng && strcmp(g[j], key) == 0)
            j++, cg++;
        if (cg < cr || cg > cr * (size_t)hi) {
            fprintf(stderr, "crashloop %s: %s: effect '%s' ran %zu times, reference %zu (allowed %zu..%zu)\n",
                    name, scenario, key, cg, cr, cr, cr * (size_t)hi);
            bad++;
        }
    }
    free(r);
    free(g);
    return bad;
}

/* Print the last lines the program wrote to stderr in this scenario (all
 * its runs append to OUT.err), so a failure says why without the noise of
 * every crash ("Killed" from a shell) on a passing run. */
static void show_stderr(const char *out)
{
    char err[540];
    snprintf(err, sizeof err, "%s.err", out);
    size_t n = 0;
    char *text = slurp(err, &n);
    if (!text || !n) {
        free(text);
        return;
    }
    const char *from = text + n - 1; /* the last line's newline */
    for (int lines = 0; from > text; from--)
        if (from[-1] == '\n' && ++lines == 30)
            break;
    fprintf(stderr, "crashloop %s: the program's stderr (last lines of %s):\n%s", name, err, from);
    free(text);
}

/* A fresh database for scenario `label` (a file, or with --pg a database of
 * the server), and its setup run: 0, or 1 if it failed (said why). */
static int prepare(char **argv, const char *label, char *db, char *eff, char *out)
{
    snprintf(db, 512, "%s/%s.db", dir, label);
    if (pg_base) { /* a fresh database: DROP and CREATE it with psql */
        char cmd[1400];
        static int made_fault_db;
        if (strcmp(label, "fault") == 0 && made_fault_db) /* one per position: dropping the schema is enough */
            snprintf(cmd, sizeof cmd,
                     "psql -X -q -v ON_ERROR_STOP=1 '%.*s/cl_fault' -c 'DROP SCHEMA IF EXISTS durable CASCADE' "
                     ">/dev/null 2>&1",
                     (int)(strrchr(pg_base, '/') - pg_base), pg_base);
        else
            snprintf(cmd, sizeof cmd,
                     "psql -X -q -v ON_ERROR_STOP=1 '%s' -c 'DROP DATABASE IF EXISTS cl_%s WITH (FORCE)' -c 'CREATE DATABASE cl_%s' "
                     ">/dev/null 2>&1",
                     pg_base, label, label);
        made_fault_db |= strcmp(label, "fault") == 0;
        if (system(cmd) != 0) {
            fprintf(stderr, "crashloop %s: %s: could not make database cl_%s on %s\n", name, label, label, pg_base);
            return 1;
        }
        const char *slash = strrchr(pg_base, '/');
        int keep_len = slash && slash > strstr(pg_base, "://") + 2 ? (int)(slash - pg_base) : (int)strlen(pg_base);
        snprintf(db, 512, "%.*s/cl_%s", keep_len, pg_base, label);
    }
    snprintf(eff, 512, "%s/%s.effects", dir, label);
    snprintf(out, 512, "%s/%s.out", dir, label);
    if (setup) { /* PROGRAM ARGS... SETUP */
        int n = 0;
        while (argv[n])
            n++;
        char **sargv = calloc((size_t)n + 2, sizeof *sargv);
        if (!sargv)
            exit(2);
        memcpy(sargv, argv, (size_t)n * sizeof *sargv);
        sargv[n] = (char *)setup;
        char sout[520];
        snprintf(sout, sizeof sout, "%s.setup", out);
        const char *sf = store_faults;
        store_faults = NULL; /* the setup meets no fault */
        int st = run(sargv, db, eff, NULL, sout);
        store_faults = sf;
        free(sargv);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "crashloop %s: %s: setup (%s %s) failed, output in %s\n", name, label, argv[0], setup,
                    sout);
            show_stderr(sout);
            return 1;
        }
    }
    return 0;
}

static int scenario(char **argv, const char *label, const char *crash, const char *ref_out, const char *ref_eff,
                    int hi)
{
    char db[512], eff[512], out[512];
    if (prepare(argv, label, db, eff, out))
        return 1;
    int crashes = 0, st = 0, random = crash && strcmp(crash, "random") == 0;
    for (int runs = 0;; runs++) {
        if (runs == MAX_RUNS) {
            fprintf(stderr, "crashloop %s: %s: no completion after %d runs\n", name, label, MAX_RUNS);
            return 1;
        }
        if (random) { /* one kill from outside at a random instant, then to the end */
            st = runs == 0 ? run_killed(argv, db, eff, NULL, out, 0.001 + uniform() * ref_seconds)
                           : run(argv, db, eff, NULL, out);
            if (runs == 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
                crashes++;
                continue;
            }
            break;
        }
        double t0 = now_s();
        st = run(argv, db, eff, crash, out);
        if (!crash)
            ref_seconds = now_s() - t0;
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && crash) {
            crashes++;
            continue;
        }
        break;
    }
    last_crashes = crashes;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "crashloop %s: %s: program %s %d after %d crashes (output in %s)\n", name, label,
                WIFEXITED(st) ? "exited with" : "died of signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
                crashes, out);
        show_stderr(out);
        return 1;
    }
    if (!ref_out)
        return 0;
    int bad = 0;
    char *got = slurp(out, NULL);
    if (strcmp(got, ref_out) != 0) {
        fprintf(stderr, "crashloop %s: %s: final output differs from the reference\n--- reference\n%s--- got\n%s",
                name, label, ref_out, got);
        bad++;
    }
    char *r = strdup(ref_eff), *g = slurp(eff, NULL);
    bad += check_effects(label, r, g, random ? 2 : hi);
    if (crashes == 0 && crash && !random) {
        fprintf(stderr, "crashloop %s: %s: the program never crashed: is the fault knob working?\n", name, label);
        bad++;
    }
    if (bad)
        show_stderr(out);
    if (!random || bad)
        printf("crashloop %s: %-6s crash points %d, resumes %d, mismatches %d\n", name, label, crashes, crashes,
               bad);
    free(r);
    free(g);
    free(got);
    return bad != 0;
}

static void remove_label(const char *label)
{
    static const char *const sfx[] = {".db", ".db-wal", ".db-shm", ".db-journal", ".effects", ".out", ".out.err",
                                      ".out.setup", ".out.setup.err"};
    char path[512];
    for (size_t f = 0; f < sizeof sfx / sizeof *sfx; f++) {
        snprintf(path, sizeof path, "%s/%s%s", dir, label, sfx[f]);
        unlink(path);
    }
}

/* --faults: the program run with DURABLE_STORE_FAULTS=KIND:N for every Nth
 * position (every `stride`th) of the `positions` the reference counted, each
 * on a fresh database.  The run must end with exit 0, or with exit 1 (a
 * call returned an error, which the program reported: a user restarts it),
 * and then a run without faults must finish it.  Never a signal (abort, a
 * crash) nor another exit.  The final output must equal the reference, and
 * each effect appear at least as often and at most `hi` times as often. */
static int fault_sweep(char **argv, const char *kind, unsigned long positions, const char *ref_out,
                       const char *ref_eff, int hi)
{
    unsigned long tried = 0, fired = 0, errors = 0;
    int bad = 0;
    for (unsigned long n = 1; n <= positions && !bad; n += (unsigned long)stride) {
        char spec[64], db[512], eff[512], out[512], err[540];
        snprintf(spec, sizeof spec, "%s:%lu", kind, n);
        remove_label("fault");
        if (prepare(argv, "fault", db, eff, out))
            return 1;
        tried++;
        store_faults = spec;
        int st = run(argv, db, eff, NULL, out);
        store_faults = NULL;
        snprintf(err, sizeof err, "%s.err", out);
        char *text = slurp(err, NULL);
        if (strstr(text, "DURABLE_STORE_FAULTS: "))
            fired++;
        free(text);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 1) { /* an error code, reported: restart */
            errors++;
            st = run(argv, db, eff, NULL, out);
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "crashloop %s: fault %s: program %s %d\n", name, spec,
                    WIFEXITED(st) ? "exited with" : "died of signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            bad = 1;
        } else {
            char *got = slurp(out, NULL);
            if (strcmp(got, ref_out) != 0) {
                fprintf(stderr, "crashloop %s: fault %s: final output differs from the reference\n--- reference\n%s"
                                "--- got\n%s", name, spec, ref_out, got);
                bad = 1;
            }
            free(got);
            char *r = strdup(ref_eff), *g = slurp(eff, NULL);
            char label[80];
            snprintf(label, sizeof label, "fault %s", spec);
            bad |= check_effects(label, r, g, hi) != 0;
            free(r);
            free(g);
        }
        if (bad)
            show_stderr(out);
    }
    printf("crashloop %s: faults %-9s positions %lu of %lu (stride %d), fired %lu, runs ended on an error %lu, "
           "mismatches %d\n",
           name, kind, tried, positions, stride, fired, errors, bad);
    if (!bad && fired * 2 < tried) { /* the positions come from the reference: most must fire (a timer's wait
                                       * makes a run's number of calls vary) */
        fprintf(stderr, "crashloop %s: faults %s: only %lu of %lu positions fired: is the wrapper on?\n", name, kind,
                fired, tried);
        bad = 1;
    }
    return bad;
}

/* The reference's "durable store calls: C commits: K" (the last such line). */
static int store_counts(unsigned long *calls, unsigned long *commits)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ref.out.err", dir);
    char *text = slurp(path, NULL);
    int ok = 0;
    for (char *p = text; (p = strstr(p, "durable store calls: ")) != NULL; p++)
        ok = sscanf(p, "durable store calls: %lu commits: %lu", calls, commits) == 2;
    free(text);
    if (!ok)
        fprintf(stderr, "crashloop %s: the reference run printed no store counts (DURABLE_STORE_FAULTS=count)\n", name);
    return ok;
}

int main(int argc, char **argv)
{
    int i = 1, keep = 0;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (strcmp(argv[i], "--setup") == 0 && i + 1 < argc)
            setup = argv[++i];
        else if (strcmp(argv[i], "--random") == 0 && i + 1 < argc)
            random_kills = atoi(argv[++i]);
        else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
            expect = argv[++i];
        else if (strcmp(argv[i], "--pg") == 0 && i + 1 < argc)
            pg_base = argv[++i];
        else if (strcmp(argv[i], "--faults") == 0 && i + 1 < argc)
            faults = argv[++i];
        else if (strcmp(argv[i], "--stride") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            stride = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: crashloop [--name NAME] [--keep] [--setup ARG] [--random N] [--expect FILE] "
                            "[--pg URI] [--faults KIND,... [--stride S]] -- PROGRAM [ARGS...]\n");
            return 2;
        }
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: crashloop [--name NAME] [--keep] [--setup ARG] [--random N] [--expect FILE] -- PROGRAM "
                        "[ARGS...]\n");
        return 2;
    }
    char **prog = argv + i + 1;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/crashloop.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("crashloop: mkdtemp");
        return 2;
    }
    store_faults = faults ? "count" : NULL;
    int bad = scenario(prog, "ref", NULL, NULL, NULL, 1);
    store_faults = NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/ref.out", dir);
    char *ref_out = slurp(path, NULL);
    snprintf(path, sizeof path, "%s/ref.effects", dir);
    char *ref_eff = slurp(path, NULL);
    if (!bad && !*ref_out) {
        fprintf(stderr, "crashloop %s: the reference run printed nothing to compare\n", name);
        bad = 1;
    }
    if (!bad && expect) {
        char *want = slurp(expect, NULL);
        if (!want || strcmp(want, ref_out) != 0) {
            fprintf(stderr, "crashloop %s: the reference output differs from %s:\n--- expected\n%s--- got\n%s", name,
                    expect, want ? want : "(unreadable)\n", ref_out);
            bad = 1;
        }
        free(want);
    }
    unsigned long calls = 0, commits = 0;
    if (!bad && faults && !store_counts(&calls, &commits))
        bad = 1;
    if (!bad && faults) {
        printf("crashloop %s: reference output:\n%s", name, ref_out);
        printf("crashloop %s: reference: %lu store calls, %lu commits\n", name, calls, commits);
        const char *threads = getenv("DURABLE_STEP_THREADS");
        int pooled = threads && atoi(threads) > 1;
        char kinds[256];
        snprintf(kinds, sizeof kinds, "%s", faults);
        for (char *k = strtok(kinds, ","); k && !bad; k = strtok(NULL, ",")) {
            /* committed: nothing is lost, no step runs again; conflict: the
             * round is written again from memory.  Else the round is redone
             * from the store: its steps may run once more. */
            int once = strcmp(k, "committed") == 0 || strcmp(k, "conflict") == 0;
            int commit_kind = strcmp(k, "committed") == 0 || strcmp(k, "aborted") == 0;
            bad |= fault_sweep(prog, k, commit_kind ? commits : calls, ref_out, ref_eff,
                               pooled ? MAX_RUNS : once ? 1 : 2);
        }
    } else if (!bad) {
        printf("crashloop %s: reference output:\n%s", name, ref_out);
        const char *threads = getenv("DURABLE_STEP_THREADS");
        int pooled = threads && atoi(threads) > 1;
        bad |= scenario(prog, "after", "after:1", ref_out, ref_eff, pooled ? MAX_RUNS : 1);
        bad |= scenario(prog, "before", "before:2", ref_out, ref_eff, pooled ? MAX_RUNS : 2);
        if (random_kills > 0) { /* N rounds, each from a fresh database */
            rng ^= (unsigned long)getpid() * 2654435761UL ^ (unsigned long)(now_s() * 1e6);
            int kills = 0, rbad = 0;
            for (int k = 0; k < random_kills && !rbad; k++) {
                static const char *const sfx[] = {".db", ".db-wal", ".db-shm", ".effects", ".out", ".out.err"};
                for (size_t f = 0; f < sizeof sfx / sizeof *sfx; f++) {
                    snprintf(path, sizeof path, "%s/random%s", dir, sfx[f]);
                    unlink(path);
                }
                rbad = scenario(prog, "random", "random", ref_out, ref_eff, 0);
                kills += last_crashes;
            }
            printf("crashloop %s: random crash points %d of %d rounds (SIGKILL from outside), mismatches %d\n",
                   name, kills, random_kills, rbad);
            bad |= rbad;
        }
    }
    free(ref_out);
    free(ref_eff);
    if (bad || keep) {
        fprintf(stderr, "crashloop %s: files kept in %s\n", name, dir);
    } else {
        static const char *const labels[] = {"ref", "after", "before", "random", "fault"};
        static const char *const suffixes[] = {".db", ".db-wal", ".db-shm", ".db-journal", ".effects", ".out",
                                               ".out.setup", ".out.err", ".out.setup.err"};
        for (size_t l = 0; l < 5; l++)
            for (size_t k = 0; k < sizeof suffixes / sizeof *suffixes; k++) {
                snprintf(path, sizeof path, "%s/%s%s", dir, labels[l], suffixes[k]);
                unlink(path);
            }
        if (rmdir(dir) != 0)
            fprintf(stderr, "crashloop: could not remove %s\n", dir);
    }
    return bad ? 1 : 0;
}

/*
 * fuzz_open.c — libFuzzer target for the database loader: the input is
 * written to a file, which durable_open must refuse with an error code or
 * open; an opened file must then survive durable_run, durable_status,
 * durable_get_result and durable_get_error on the ids the seed databases use,
 * and durable_close.  Nothing may crash, leak or read out of bounds, and a
 * file that durable_open refused must be exactly as it was (FNV-1a checksum)
 * with no -wal file beside it (docs/semantics.md, G8).
 *
 * count_to (tests/harness/counter.c) is linked, so workflows in a fuzzed file
 * really run: their arguments and frames are decoded and resumed.  A frame
 * can hold any loop counter, so each input gets a budget of steps; past it
 * every step fails permanently and the workflow ends failed.
 */
#include "counter.h"

#include <durable.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                             \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "fuzz_open: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            __builtin_trap();                                                     \
        }                                                                         \
    } while (0)

#define STEP_BUDGET 64

static char dir[128], path[256], wal[272], shm[272];
static long budget_start;

static void over_budget(long bumps)
{
    if (bumps - budget_start > STEP_BUDGET)
        durable_fail_permanent(DURABLE_ELIMIT, "fuzz_open: step budget spent");
}

static void cleanup(void)
{
    unlink(path);
    unlink(wal);
    unlink(shm);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz_open.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_open: mkdtemp");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/in.db", dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    atexit(cleanup);
    counter_hook = over_budget;
    return 0;
}

static uint64_t checksum(const char *p, size_t *len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    *len = 0;
    int fd = open(p, O_RDONLY);
    REQUIRE(fd >= 0);
    unsigned char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 0x100000001b3ULL;
        *len += (size_t)n;
    }
    close(fd);
    return h;
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unlink(wal);
    unlink(shm);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, data, size) == (ssize_t)size);
    close(fd);
    size_t len0, len1;
    uint64_t sum0 = checksum(path, &len0);

    durable_options o;
    durable_options_init(&o);
    o.busy_timeout_ms = 0; /* nobody else uses the file: never wait */
    durable_rt *rt = (durable_rt *)&rt;
    int rc = durable_open(&rt, path, &o);
    if (rc != DURABLE_OK) {
        REQUIRE(rc < 0 && rt == NULL);
        REQUIRE(strcmp(durable_errname(rc), "UNKNOWN") != 0);
        uint64_t sum1 = checksum(path, &len1);
        REQUIRE(len1 == len0 && sum1 == sum0); /* a refused file is untouched */
        REQUIRE(!exists(wal));
        return 0;
    }
    budget_start = counter_bumps;
    int n = durable_run(rt);
    REQUIRE(n >= 0 || strcmp(durable_errname(n), "UNKNOWN") != 0);
    static const char *const ids[] = {"early", "w1", "w2", "w3", "waits", "failed", "missing"};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        int st = 0, result = 0;
        const char *msg = NULL;
        if (durable_status(rt, ids[i], &st) == DURABLE_OK)
            REQUIRE(strcmp(durable_status_name(st), "unknown") != 0);
        durable_result(rt, ids[i], &result);
        if (durable_get_error(rt, ids[i], &msg) == DURABLE_OK)
            REQUIRE(msg != NULL && strlen(msg) < 1u << 30);
    }
    REQUIRE(durable_close(rt) == DURABLE_OK);
    return 0;
}

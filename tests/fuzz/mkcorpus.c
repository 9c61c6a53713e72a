/*
 * mkcorpus.c — writes the seed corpus of the fuzz targets into DIR
 * (tests/fuzz/corpus, committed): `fuzz_mkcorpus DIR`.
 *
 *   decode/<shape>-<n>  a shape byte and a real blob of that layout (shapes.h)
 *   open/<name>.db      small real databases (512-byte pages) in the states
 *                       fuzz_open looks at: done, ready, waiting on a retry
 *                       timer, failed
 *
 * Re-run it when the frame or file format changes; the files differ from
 * run to run only in timestamps and worker ids.
 */
#include "check.h"
#include "counter.h"
#include "internal.h"
#include "shapes.h"

#include <sqlite3.h>
#include <unistd.h>

static const char *out;

static void put_file(const char *rel, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", out, rel);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    CHECK(fwrite(p, 1, n, f) == n);
    CHECK(fclose(f) == 0);
}

static void put_blob(int shape, int n, const void *value)
{
    const struct shape *sh = &shapes[shape];
    durable__buf b = {0};
    unsigned char tag = (unsigned char)shape;
    CHECK_OK(durable__buf_put(&b, &tag, 1));
    durable__buf enc = {0};
    durable__ptrs px = {value, sh->size, 0, 0, {0}, "", {0}, NULL}; /* pointers into it: offsets */
    CHECK_OK(durable__encode_in(sh->fields, sh->nfields, value, &enc, &px));
    CHECK_OK(durable__buf_put(&b, enc.p, enc.n));
    char rel[64];
    snprintf(rel, sizeof rel, "decode/%s-%d", sh->name, n);
    put_file(rel, b.p, b.n);
    durable__buf_free(&b);
    durable__buf_free(&enc);
}

static void blobs(void)
{
    struct shape_mixed m1 = {42, "hello", {1.5, -2.5}, {"x", NULL}, 1};
    struct shape_mixed m2 = {-1, NULL, {0, 1e300}, {"", "a longer string with spaces"}, 0};
    put_blob(0, 1, &m1);
    put_blob(0, 2, &m2);
    struct shape_ints i1 = {INT64_MIN, 255, {-1, 0, 32767}, 0xdeadbeef, 'q'};
    put_blob(1, 1, &i1);
    struct shape_bytes b1 = {{{1, 2}, {-3, 4}}, "name", 3.25L, -0.5f, {1, 0, 1}};
    put_blob(2, 1, &b1);
    struct shape_strings s1 = {{"a", NULL, "bc", "", "def"}};
    struct shape_ptrs q1 = {{1, 2}, NULL, "text", {{"r1", NULL, 3}, {NULL, NULL, 4}}};
    q1.p = &q1.n[1];
    q1.recs[0].at = &q1.recs[1].v;
    q1.s = (const char *)&q1.n[0]; /* a char * into the frame */
    put_blob(3, 1, &s1);
    put_blob(4, 1, &q1);
}

/* Fail the first attempt of a chosen workflow's step: it then waits on a
 * durable retry timer (waiting), or with one attempt allowed, fails. */
static const char *fail_in;
static void fail_once(long bumps)
{
    (void)bumps;
    const char *self = durable_self();
    if (fail_in && self && strcmp(self, fail_in) == 0 && durable_step_attempt() == 1)
        durable_fail(DURABLE_ESTEP, "seed: first attempt fails");
}

static durable_rt *new_db(const char *path)
{
    unlink(path);
    sqlite3 *h = NULL; /* small pages keep the seeds (and the fuzzer's inputs) small */
    CHECK_INT(sqlite3_open(path, &h), SQLITE_OK);
    CHECK_INT(sqlite3_exec(h, "PRAGMA page_size = 512; VACUUM;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    durable_rt *rt = NULL;
    CHECK_OK(durable_open(&rt, path, NULL));
    return rt;
}

static void start(durable_rt *rt, const char *id, int n)
{
    struct count_to__args a = {n};
    CHECK_OK(durable_start(rt, id, count_to_call(&a)));
}

static void databases(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/open/mixed.db", out);
    durable_rt *rt = new_db(path);
    start(rt, "early", 2);
    CHECK_RC(durable_run(rt), 0);
    fail_in = "waits";
    counter_hook = fail_once;
    start(rt, "waits", 3);
    CHECK_RC(durable_run(rt), 1); /* waiting on its retry backoff */
    durable_retry_policy once = {1, 1.0, 2.0, 60.0, 0.1};
    CHECK_OK(durable_set_retry(rt, "count_to", &once));
    fail_in = "failed";
    start(rt, "failed", 2);
    CHECK_RC(durable_run(rt), 1);
    counter_hook = NULL;
    for (int i = 1; i <= 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "w%d", i);
        start(rt, id, 3 + i);
    }
    CHECK_OK(durable_close(rt));

    snprintf(path, sizeof path, "%s/open/fresh.db", out);
    rt = new_db(path);
    CHECK_OK(durable_close(rt));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    out = argv[1];
    blobs();
    databases();
    return 0;
}

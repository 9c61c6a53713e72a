/*
 * runtime_unit.c — the runtime's units seen from outside: the host API's
 * refusals, idempotent start, group commit, and (through the ABI) the frame
 * codec on every kind of field.  One ctest entry per case: `runtime_unit CASE`.
 */
#include "check.h"
#include "counter.h"
#include "testdb.h"

#include <durable.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

static char db[256];

static durable_rt *fresh(void)
{
    snprintf(db, sizeof db, "/tmp/durable-unit-%d.db", (int)getpid());
    unlink(db);
    durable_rt *rt;
    CHECK_OK(durable_open(&rt, db, NULL));
    return rt;
}

static void done(durable_rt *rt)
{
    CHECK_OK(durable_close(rt));
    testdb_remove(db);
}

static void case_errors_table(void)
{
    CHECK_STR(durable_strerror(DURABLE_OK), "success");
    CHECK_STR(durable_errname(DURABLE_ENOENT), "ENOENT");
    CHECK_STR(durable_strerror(12345), "unknown error");
    for (int c = -1; c >= DURABLE_ELIMIT; c--)
        CHECK(strcmp(durable_strerror(c), "unknown error") != 0 && strcmp(durable_errname(c), "UNKNOWN") != 0);
    CHECK_STR(durable_status_name(DURABLE_HELD), "held");
}

static void case_misuse(void)
{
    durable_rt *rt = fresh();
    struct count_to__args a = {2};
    CHECK_RC(durable_open(NULL, db, NULL), DURABLE_EINVAL);
    durable_rt *r2;
    CHECK_RC(durable_open(&r2, "", NULL), DURABLE_EINVAL);
    durable_options o;
    durable_options_init(&o);
    o.synchronous = 7;
    CHECK_RC(durable_open(&r2, db, &o), DURABLE_EINVAL);
    CHECK_RC(durable_start(NULL, "x", count_to_call(&a)), DURABLE_EINVAL);
    CHECK_RC(durable_start(rt, "", count_to_call(&a)), DURABLE_EINVAL);
    durable_call bad = count_to_call(&a);
    bad.size = 3;
    CHECK_RC(durable_start(rt, "x", bad), DURABLE_ESIZE);
    durable_func stranger = {0};
    bad.fn = &stranger;
    CHECK_RC(durable_start(rt, "x", bad), DURABLE_ENOFUNC);
    int st, v;
    CHECK_RC(durable_status(rt, "nobody", &st), DURABLE_ENOENT);
    CHECK_RC(durable_result(rt, "nobody", &v), DURABLE_ENOENT);
    CHECK_OK(durable_start(rt, "x", count_to_call(&a)));
    CHECK_RC(durable_result(rt, "x", &v), DURABLE_EPENDING);
    CHECK_INT(durable_run(rt), 0);
    long long wrong;
    CHECK_RC(durable_result(rt, "x", &wrong), DURABLE_ESIZE);
    CHECK_OK(durable_result(rt, "x", &v));
    CHECK_INT(v, 3);
    CHECK_RC(durable_wait(rt, -1), DURABLE_EINVAL);
    CHECK_OK(durable_close(NULL));
    /* a runtime awaitable called directly does nothing */
    CHECK_RC(durable_sleep(1), DURABLE_EAWAIT);
    CHECK_RC(durable_fail(1, "not in a step"), DURABLE_EINVAL);
    CHECK(durable_step_key() == NULL);
    CHECK(durable_self() == NULL);
    done(rt);
}

static void case_start_idempotent(void)
{
    durable_rt *rt = fresh();
    struct count_to__args a = {4}, b = {9};
    durable_stats s0, s1;
    CHECK_OK(durable_start(rt, "job", count_to_call(&a)));
    CHECK_OK(durable_get_stats(rt, &s0));
    CHECK_OK(durable_start(rt, "job", count_to_call(&b))); /* exists: not restarted, no commit */
    CHECK_OK(durable_get_stats(rt, &s1));
    CHECK_INT(s1.commits, s0.commits);
    CHECK_INT(durable_run(rt), 0);
    int v;
    CHECK_OK(durable_result(rt, "job", &v));
    CHECK_INT(v, 10); /* 1+2+3+4: the first arguments won */
    CHECK_OK(durable_start(rt, "job", count_to_call(&b))); /* finished: still not restarted */
    CHECK_INT(durable_run(rt), 0);
    CHECK_OK(durable_result(rt, "job", &v));
    CHECK_INT(v, 10);
    done(rt);
}

static void case_group_commit_1000(void)
{
    durable_rt *rt = fresh();
    enum { N = 1000, STEPS = 10 };
    for (int i = 0; i < N; i++) {
        char id[32];
        struct count_to__args a = {STEPS};
        snprintf(id, sizeof id, "w%04d", i);
        CHECK_OK(durable_start(rt, id, count_to_call(&a)));
    }
    durable_stats s0, s1;
    CHECK_OK(durable_get_stats(rt, &s0));
    counter_bumps = 0;
    CHECK_INT(durable_run(rt), 0);
    CHECK_OK(durable_get_stats(rt, &s1));
    long commits = (long)(s1.commits - s0.commits);
    long awaits = (long)(s1.awaits - s0.awaits);
    printf("%d workflows x %d steps: %ld checkpoints in %ld transactions (%.0f per commit)\n", N, STEPS, awaits,
           commits, (double)awaits / (double)commits);
    CHECK_INT(awaits, N * (STEPS + 1)); /* each step, then the return */
    /* One transaction per round, not per await.  New work is claimed 256
     * workflows per round (durable_options.claim_batch), so the last of the
     * 1,000 start 3 rounds after the first: 11 + 3 rounds, and the first
     * claim has a transaction of its own. */
    int batches = (N + 255) / 256;
    CHECK_INT(s1.rounds - s0.rounds, STEPS + batches);
    CHECK_INT(commits, STEPS + batches + 1);
    CHECK_INT(counter_bumps, N * STEPS);
    for (int i = 0; i < N; i += 97) {
        char id[32];
        int v;
        snprintf(id, sizeof id, "w%04d", i);
        CHECK_OK(durable_result(rt, id, &v));
        CHECK_INT(v, STEPS * (STEPS + 1) / 2);
    }
    done(rt);
}

static void case_resume_after_close(void)
{
    /* A workflow started in one "process" is finished by a later one. */
    durable_rt *rt = fresh();
    struct count_to__args a = {5};
    CHECK_OK(durable_start(rt, "later", count_to_call(&a)));
    CHECK_OK(durable_close(rt));
    CHECK_OK(durable_open(&rt, db, NULL));
    int st;
    CHECK_OK(durable_status(rt, "later", &st));
    CHECK_INT(st, DURABLE_READY);
    CHECK_INT(durable_run(rt), 0);
    durable_stats s;
    CHECK_OK(durable_get_stats(rt, &s));
    CHECK_INT(s.resumed, 1);
    int v;
    CHECK_OK(durable_result(rt, "later", &v));
    CHECK_INT(v, 15);
    done(rt);
}

static void case_pause_resume(void)
{
    durable_rt *rt = fresh();
    struct count_to__args a = {3};
    CHECK_OK(durable_start(rt, "p", count_to_call(&a)));
    CHECK_OK(durable_pause(rt, "p"));
    int st;
    CHECK_OK(durable_status(rt, "p", &st));
    CHECK_INT(st, DURABLE_PAUSED);
    counter_bumps = 0;
    CHECK_INT(durable_run(rt), 1); /* paused: not run, but unfinished: a worker stays for its resume */
    CHECK_INT(counter_bumps, 0);
    int v;
    CHECK_RC(durable_result(rt, "p", &v), DURABLE_EPENDING);
    CHECK_OK(durable_resume(rt, "p"));
    CHECK_INT(durable_run(rt), 0);
    CHECK_INT(counter_bumps, 3);
    CHECK_OK(durable_result(rt, "p", &v));
    CHECK_INT(v, 6);
    CHECK_RC(durable_pause(rt, "p"), DURABLE_EFINISHED);
    CHECK_RC(durable_pause(rt, "nobody"), DURABLE_ENOENT);
    CHECK_RC(durable_retry(rt, "p"), DURABLE_ENOTFAILED);
    done(rt);
}

/* A file that cannot be opened is named with the reason, not only "I/O error". */
static void case_open_error(void)
{
    durable_rt *rt;
    CHECK_RC(durable_open(&rt, "/nonexistent-durable-dir/sub/app.db", NULL), DURABLE_EIO);
    CHECK(rt == NULL);
    CHECK_STR(durable_open_error(),
              "cannot open /nonexistent-durable-dir/sub/app.db: directory /nonexistent-durable-dir/sub: "
              "No such file or directory");
    char path[300];
    snprintf(path, sizeof path, "%s/app.db", __FILE__); /* a directory that is a file */
    CHECK_RC(durable_open(&rt, path, NULL), DURABLE_EIO);
    CHECK(strstr(durable_open_error(), "is not a directory") != NULL);
    CHECK(strstr(durable_open_error(), path) != NULL);
    CHECK_RC(durable_open(&rt, __FILE__, NULL), DURABLE_ENOTDB); /* a C file is not a database */
    CHECK(strstr(durable_open_error(), __FILE__) != NULL);
    rt = fresh();
    CHECK_STR(durable_open_error(), ""); /* a success clears it */
    done(rt);
}

/* ---- the codec, through a hand-made function whose frame has every kind ---- */

struct pt { short x; unsigned char tag[3]; };
struct kinds__frame {
    signed char i8; short i16; int i32; long long i64;
    unsigned char u8; unsigned u32; unsigned long long u64;
    float f; double d; long double ld; bool b; char c;
    char name[8]; const char *s; char *null_s; const char *list[3];
    struct pt p[2];
};
struct kinds__args { const char *label; };

static const durable_field pt_members[] = {
    {"x", "short", DURABLE_KIND_INT, offsetof(struct pt, x), sizeof(short), 1, 0, 0, 0},
    {"tag", "unsigned char[3]", DURABLE_KIND_UINT, offsetof(struct pt, tag), 3, 3, 0, 0, 0},
};
#define F(name, type, kind, count) \
    {#name, type, kind, offsetof(struct kinds__frame, name), sizeof(((struct kinds__frame *)0)->name), count, 0, 0, 0}
static const durable_field kinds__fields[] = {
    F(i8, "signed char", DURABLE_KIND_INT, 1), F(i16, "short", DURABLE_KIND_INT, 1),
    F(i32, "int", DURABLE_KIND_INT, 1), F(i64, "long long", DURABLE_KIND_INT, 1),
    F(u8, "unsigned char", DURABLE_KIND_UINT, 1), F(u32, "unsigned", DURABLE_KIND_UINT, 1),
    F(u64, "unsigned long long", DURABLE_KIND_UINT, 1), F(f, "float", DURABLE_KIND_FLOAT, 1),
    F(d, "double", DURABLE_KIND_FLOAT, 1), F(ld, "long double", DURABLE_KIND_FLOAT, 1),
    F(b, "bool", DURABLE_KIND_BOOL, 1), F(c, "char", DURABLE_KIND_CHAR, 1),
    F(name, "char[8]", DURABLE_KIND_CHAR, 8), F(s, "const char *", DURABLE_KIND_STRING, 1),
    F(null_s, "char *", DURABLE_KIND_STRING, 1), F(list, "const char *[3]", DURABLE_KIND_STRING, 3),
    {"p", "struct pt[2]", DURABLE_KIND_STRUCT, offsetof(struct kinds__frame, p), sizeof(struct pt[2]), 2, 0,
     pt_members, 2},
};
static const durable_field kinds__params[] = {
    {"label", "const char *", DURABLE_KIND_STRING, 0, sizeof(char *), 1, 0, 0, 0},
};
static const durable_field kinds__str = {"", "const char *", DURABLE_KIND_STRING, 0, sizeof(char *), 1, 0, 0, 0};
static const durable_await kinds__awaits[] = {{1, DURABLE_AWAIT_RUNTIME, "durable_sleep", 1, NULL, 0, 0, 0, "body", "durable_sleep(1)"}};
static char seen[512];

/* Fills every field, sleeps (the test reopens the file, so the frame comes
 * back through the codec), then prints what came back.  `s` points at memory
 * gone after a restart (a dead stack frame): after the reopen it is a
 * malloc'd copy of its content, which the program owns and frees.  list[2]
 * points into the coroutine's argument and comes back pointing into the
 * restored argument; the literals are found again where they are, in this
 * program's image (G17). */
static int kinds__step(durable_co *co_, void *frame_)
{
    struct kinds__frame *f = frame_;
    char buf[16] = "heap-ish"; /* alive until the await is issued, then gone */
    switch (durable__state(co_)) {
    case 0: break;
    case 1: goto aw1_;
    default: return durable__bad_state(co_);
    }
    {
        f->i8 = -100; f->i16 = -30000; f->i32 = -2000000000; f->i64 = -9000000000000000000LL;
        f->u8 = 250; f->u32 = 4000000000u; f->u64 = 18000000000000000000ULL;
        f->f = 1.5f; f->d = -2.25; f->ld = 3.125L; f->b = true; f->c = 'z';
        memcpy(f->name, "abcdefg", 8);
        f->s = buf; /* points into this stack frame: must come back by content */
        f->null_s = NULL;
        f->list[0] = "zero"; f->list[1] = ""; f->list[2] = ((const struct kinds__args *)durable__args(co_))->label;
        f->p[0].x = -7; memcpy(f->p[0].tag, "ab", 3); f->p[1].x = 7; memcpy(f->p[1].tag, "yz", 3);
    }
aw1_:
    if (durable__begin(co_, 1)) {
        int rc = durable__sleep(co_, 0.05); /* not due before the test reopens */
        memset(buf, 'X', sizeof buf - 1); /* the frame was encoded already */
        return rc;
    }
    if (durable__take(co_, NULL, 0))
        return DURABLE__STOP;
    snprintf(seen, sizeof seen, "%d %d %d %lld %u %u %llu %.2f %.3f %.4Lf %d %c %s %s %s [%s|%s|%s] %d%s %d%s",
             f->i8, f->i16, f->i32, f->i64, f->u8, f->u32, f->u64, f->f, f->d, f->ld, f->b, f->c, f->name, f->s,
             f->null_s ? "non-null" : "null", f->list[0], f->list[1], f->list[2], f->p[0].x, f->p[0].tag, f->p[1].x,
             f->p[1].tag);
    free((char *)f->s);
    if (f->list[2] != ((const struct kinds__args *)durable__args(co_))->label)
        seen[0] = '!'; /* not the argument itself */
    const char *r = seen;
    return durable__return(co_, &r, sizeof r);
}

static durable_func kinds__fn = {
    "kinds", "runtime_unit.c", kinds__step, sizeof(struct kinds__frame), sizeof(struct kinds__args),
    kinds__fields, sizeof kinds__fields / sizeof *kinds__fields, kinds__params, 1, &kinds__str,
    kinds__awaits, 1, 0, 0,
};
__attribute__((constructor)) static void kinds__register(void)
{
    durable__register(&kinds__fn);
}

static void case_codec_every_kind(void)
{
    durable_rt *rt = fresh();
    char label[8] = "label";
    struct kinds__args a = {label};
    CHECK_OK(durable_start(rt, "k", (durable_call){&kinds__fn, &a, sizeof a}));
    strcpy(label, "CHANGED"); /* arguments were copied by content */
    CHECK_INT(durable_run(rt), 1); /* it sleeps */
    CHECK_OK(durable_close(rt)); /* a restart: the frame comes from the file */
    CHECK_OK(durable_open(&rt, db, NULL));
    for (int i = 0; i < 100 && durable_run(rt) > 0; i++) /* until the timer fires */
        CHECK_OK(durable_wait(rt, 100));
    CHECK_INT(durable_run(rt), 0);
    const char *r = NULL;
    CHECK_OK(durable_result(rt, "k", &r));
    CHECK_STR(r, "-100 -30000 -2000000000 -9000000000000000000 250 4000000000 18000000000000000000 1.50 -2.250 "
                 "3.1250 1 z abcdefg heap-ish null [zero||label] -7ab 7yz");
    done(rt);
}

/* A frame holding a pointer into a registered static object, saved by name:
 * when the program no longer has that name the workflow is held with it in
 * the reason, untouched; a program that has it again resumes it (G17.2). */
static int ptr_table[4] = {5, 6, 7, 8};
static durable_symbol ptr_symbols[] = {{"runtime_unit.c:ptr_table", ptr_table, sizeof ptr_table}};
static durable_symtab ptr_symtab = {ptr_symbols, 1, 0};
struct ptrs__frame { int *p; };
static const durable_field ptrs__fields[] = {
    {"p", "int *", DURABLE_KIND_POINTER, offsetof(struct ptrs__frame, p), sizeof(int *), 1, 0, 0, 0},
};
static const durable_field ptrs__int = {"", "int", DURABLE_KIND_INT, 0, sizeof(int), 1, 0, 0, 0};
static const uint32_t ptrs__s1[] = {0};
static const durable_await ptrs__awaits[] = {
    {1, DURABLE_AWAIT_RUNTIME, "durable_sleep", 1, &ptrs__int, 0, ptrs__s1, 1, "body", "durable_sleep(0.05)"}};

static int ptrs__step(durable_co *co_, void *frame_)
{
    struct ptrs__frame *f = frame_;
    switch (durable__state(co_)) {
    case 0: break;
    case 1: goto aw1_;
    default: return durable__bad_state(co_);
    }
    f->p = &ptr_table[2];
aw1_:
    if (durable__begin(co_, 1))
        return durable__sleep(co_, 0.05);
    if (durable__take(co_, NULL, 0))
        return DURABLE__STOP;
    int r = *f->p * 10 + (int)(f->p - ptr_table);
    return durable__return(co_, &r, sizeof r);
}

static durable_func ptrs__fn = {
    "ptrs", "runtime_unit.c", ptrs__step, sizeof(struct ptrs__frame), 1, ptrs__fields, 1, NULL, 0, &ptrs__int,
    ptrs__awaits, 1, 0, 0,
};
__attribute__((constructor)) static void ptrs__register(void)
{
    durable__register(&ptrs__fn);
    durable__register_symbols(&ptr_symtab);
}

static void case_pointer_symbol_gone_held(void)
{
    durable_rt *rt = fresh();
    char unused = 0;
    CHECK_OK(durable_start(rt, "p", (durable_call){&ptrs__fn, &unused, 1}));
    CHECK_INT(durable_run(rt), 1); /* it sleeps, its pointer saved as ptr_table+8 */
    CHECK_OK(durable_close(rt));
    ptr_symbols[0].name = "runtime_unit.c:renamed"; /* a build without the object */
    CHECK_OK(durable_open(&rt, db, NULL));
    for (int i = 0; i < 100 && durable_run(rt) > 0; i++) /* until the timer fires */
        CHECK_OK(durable_wait(rt, 100));
    CHECK_INT(durable_run(rt), 0);
    int st = -1;
    CHECK_OK(durable_status(rt, "p", &st));
    CHECK_INT(st, DURABLE_HELD);
    CHECK_OK(durable_close(rt));
    ptr_symbols[0].name = "runtime_unit.c:ptr_table"; /* the object is back */
    CHECK_OK(durable_open(&rt, db, NULL));
    CHECK_INT(durable_run(rt), 0);
    int r = 0;
    CHECK_OK(durable_result(rt, "p", &r));
    CHECK_INT(r, 72);
    done(rt);
}

int main(int argc, char **argv)
{
    static const struct test_case cases[] = {
        {"errors_table", case_errors_table},
        {"misuse", case_misuse},
        {"start_idempotent", case_start_idempotent},
        {"group_commit_1000", case_group_commit_1000},
        {"resume_after_close", case_resume_after_close},
        {"codec_every_kind", case_codec_every_kind},
        {"pause_resume", case_pause_resume},
        {"pointer_symbol_gone_held", case_pointer_symbol_gone_held},
        {"open_error", case_open_error},
        {NULL, NULL},
    };
    return run_case(cases, argc, argv);
}

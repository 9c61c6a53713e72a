/*
 * handwritten.c — durable functions translated BY HAND, in exactly the shape
 * dcc emits (docs/abi.md), so the runtime is tested on its own.
 *
 * The original source, as a user would write it:
 *
 *   durable int reserve_stock(int order)
 *   {
 *       int have = await(check_inventory(order));    // step
 *       await(durable_sleep(0.01));                  // timer
 *       return have >= order;
 *   }
 *
 *   durable int checkout(int order, int cents)
 *   {
 *       int ok = await(reserve_stock(order));        // child
 *       if (!ok)
 *           return -1;
 *       int receipt = await(charge_card(order, cents)); // step
 *       for (int day = 0; day < 3; day++)
 *           await(durable_sleep(0.01));              // timer in a loop
 *       return receipt;
 *   }
 *
 *   durable const char *greet(const char *who, int times)
 *   {
 *       struct tally { int n; double sum; } t = {0, 0};
 *       int seen[4] = {0};
 *       char *msg = await(make_greeting(who));       // step returning a string
 *       for (int i = 0; i < times; i++) {
 *           int v = await(measure(i));               // step in a loop
 *           t.n++; t.sum += v; seen[i % 4] += v;
 *       }
 *       return msg;    (the frame keeps msg, t, seen, i, times across awaits)
 *   }
 *
 * main() starts a few workflows, runs them to the end, prints their results.
 * Run under tests/harness/crashloop, it is killed at every commit.
 */
#include <durable.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ordinary C functions used as steps: each logs that it ran ---- */

static void effect(const char *what, int arg)
{
    const char *path = getenv("DURABLE_TEST_EFFECTS");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%s(%d) key=%s\n", what, arg, durable_step_key());
        fclose(f);
    }
}

static int check_inventory(int order)
{
    effect("check_inventory", order);
    return order * 2 % 7; /* order 3 -> 6 >= 3; order 5 -> 3 < 5 */
}

static int charge_card(int order, int cents)
{
    effect("charge_card", order);
    return 100000 + order * 1000 + cents % 1000;
}

static char greeting[64];
static char *make_greeting(const char *who)
{
    effect("make_greeting", (int)strlen(who));
    snprintf(greeting, sizeof greeting, "hello, %s", who);
    return greeting; /* persisted by content */
}

static int measure(int i)
{
    effect("measure", i);
    return i * i + 1;
}

/* ---- reserve_stock ---- */

extern durable_func reserve_stock__fn;
struct reserve_stock__args { int order; };
struct reserve_stock__frame { int order; int have; };

static int reserve_stock__step(durable_co *co_, void *frame_)
{
    struct reserve_stock__frame *f_ = frame_;
    int order;
    switch (durable__state(co_)) {
    case 0: {
        const struct reserve_stock__args *a_ = durable__args(co_);
        order = a_->order;
        break;
    }
    case 1: goto aw1_;
    case 2: goto aw2_;
    default: return durable__bad_state(co_);
    }
    int have;
    if (0) {
aw1_:   order = f_->order;
    }
    if (durable__begin(co_, 1)) {
        int v1_ = check_inventory(order);
        f_->order = order;
        return durable__step(co_, &v1_, sizeof v1_);
    }
    if (durable__take(co_, &have, sizeof have))
        return DURABLE__STOP;
    if (0) {
aw2_:   order = f_->order; have = f_->have;
    }
    if (durable__begin(co_, 2)) {
        double s2_ = 0.01;
        f_->order = order; f_->have = have;
        return durable__sleep(co_, s2_);
    }
    if (durable__take(co_, NULL, 0))
        return DURABLE__STOP;
    { int r_ = have >= order; return durable__return(co_, &r_, sizeof r_); }
}

static const durable_field reserve_stock__fields[] = {
    {"order", "int", DURABLE_KIND_INT, offsetof(struct reserve_stock__frame, order), sizeof(int), 1, 1, 0, 0},
    {"have", "int", DURABLE_KIND_INT, offsetof(struct reserve_stock__frame, have), sizeof(int), 1, 3, 0, 0},
};
static const durable_field reserve_stock__params[] = {
    {"order", "int", DURABLE_KIND_INT, offsetof(struct reserve_stock__args, order), sizeof(int), 1, 1, 0, 0},
};
static const durable_field v_int = {"", "int", DURABLE_KIND_INT, 0, sizeof(int), 1, 0, 0, 0};
static const durable_await reserve_stock__awaits[] = {
    {1, DURABLE_AWAIT_STEP, "check_inventory", 3, &v_int, 0, 0, 0, "body", "check_inventory(order)"},
    {2, DURABLE_AWAIT_RUNTIME, "durable_sleep", 4, &v_int, 0, 0, 0, "body", "durable_sleep(0.01)"},
};
durable_func reserve_stock__fn = {
    "reserve_stock", "handwritten.c", reserve_stock__step,
    sizeof(struct reserve_stock__frame), sizeof(struct reserve_stock__args),
    reserve_stock__fields, 2, reserve_stock__params, 1, &v_int, reserve_stock__awaits, 2, 0, 0,
};
__attribute__((constructor)) static void reserve_stock__register(void)
{
    durable__register(&reserve_stock__fn);
}

/* ---- checkout: exactly the example of docs/abi.md ---- */

extern durable_func checkout__fn;
struct checkout__args { int order; int cents; };
struct checkout__frame { int order; int cents; int receipt; int day; };

/* await 2 goes through a thunk and its argument struct (the other steps keep
 * the direct call, which dcc emits where a thunk cannot be used) */
struct checkout__call2 { int a0_; int a1_; int v_; };
static void checkout__run2(void *p_)
{
    struct checkout__call2 *s_ = p_;
    s_->v_ = charge_card(s_->a0_, s_->a1_);
}

static int checkout__step(durable_co *co_, void *frame_)
{
    struct checkout__frame *f_ = frame_;
    int order, cents;
    switch (durable__state(co_)) {
    case 0: {
        const struct checkout__args *a_ = durable__args(co_);
        order = a_->order; cents = a_->cents;
        break;
    }
    case 1: goto aw1_;
    case 2: goto aw2_;
    case 3: goto aw3_;
    default: return durable__bad_state(co_);
    }
    int ok;
    if (0) {
aw1_:   order = f_->order; cents = f_->cents;
    }
    if (durable__begin(co_, 1)) {
        struct reserve_stock__args a1_ = { order };
        f_->order = order; f_->cents = cents;
        return durable__call(co_, &reserve_stock__fn, &a1_, sizeof a1_);
    }
    if (durable__take(co_, &ok, sizeof ok))
        return DURABLE__STOP;
    if (!ok)
        { int r_ = -1; return durable__return(co_, &r_, sizeof r_); }
    int receipt;
    if (0) {
aw2_:   order = f_->order; cents = f_->cents;
    }
    if (durable__begin(co_, 2)) {
        struct checkout__call2 s2_ = { .a0_ = order, .a1_ = cents };
        durable__run_step(co_, checkout__run2, &s2_, sizeof s2_);
        f_->order = order; f_->cents = cents;
        return durable__step(co_, &s2_.v_, sizeof s2_.v_);
    }
    if (durable__take(co_, &receipt, sizeof receipt))
        return DURABLE__STOP;
    for (int day = 0; day < 3; day++) {
        if (0) {
aw3_:       receipt = f_->receipt; day = f_->day;
        }
        if (durable__begin(co_, 3)) {
            double s3_ = 0.01;
            f_->receipt = receipt; f_->day = day;
            return durable__sleep(co_, s3_);
        }
        if (durable__take(co_, NULL, 0))
            return DURABLE__STOP;
    }
    { int r_ = receipt; return durable__return(co_, &r_, sizeof r_); }
}

static const durable_field checkout__fields[] = {
    {"order", "int", DURABLE_KIND_INT, offsetof(struct checkout__frame, order), sizeof(int), 1, 1, 0, 0},
    {"cents", "int", DURABLE_KIND_INT, offsetof(struct checkout__frame, cents), sizeof(int), 1, 1, 0, 0},
    {"receipt", "int", DURABLE_KIND_INT, offsetof(struct checkout__frame, receipt), sizeof(int), 1, 6, 0, 0},
    {"day", "int", DURABLE_KIND_INT, offsetof(struct checkout__frame, day), sizeof(int), 1, 7, 0, 0},
};
static const durable_field checkout__params[] = {
    {"order", "int", DURABLE_KIND_INT, offsetof(struct checkout__args, order), sizeof(int), 1, 1, 0, 0},
    {"cents", "int", DURABLE_KIND_INT, offsetof(struct checkout__args, cents), sizeof(int), 1, 1, 0, 0},
};
static const durable_await checkout__awaits[] = {
    {1, DURABLE_AWAIT_CHILD, "reserve_stock", 3, &v_int, 0, 0, 0, "body", "reserve_stock(order)"},
    {2, DURABLE_AWAIT_STEP, "charge_card", 6, &v_int, 0, 0, 0, "body", "charge_card(order,cents)"},
    {3, DURABLE_AWAIT_RUNTIME, "durable_sleep", 8, &v_int, 0, 0, 0, "body/for.body", "durable_sleep(0.01)"},
};
durable_func checkout__fn = {
    "checkout", "handwritten.c", checkout__step,
    sizeof(struct checkout__frame), sizeof(struct checkout__args),
    checkout__fields, 4, checkout__params, 2, &v_int, checkout__awaits, 3, 0, 0,
};
__attribute__((constructor)) static void checkout__register(void)
{
    durable__register(&checkout__fn);
}

/* ---- greet: strings, a struct, an array, a loop of steps ---- */

struct tally { int n; double sum; };
extern durable_func greet__fn;
struct greet__args { const char *who; int times; };
struct greet__frame { int times; struct tally t; int seen[4]; char *msg; int i; };

static int greet__step(durable_co *co_, void *frame_)
{
    struct greet__frame *f_ = frame_;
    const char *who;
    int times;
    switch (durable__state(co_)) {
    case 0: {
        const struct greet__args *a_ = durable__args(co_);
        who = a_->who; times = a_->times;
        break;
    }
    case 1: goto aw1_;
    case 2: goto aw2_;
    default: return durable__bad_state(co_);
    }
    struct tally t = {0, 0};
    int seen[4] = {0};
    char *msg;
    if (0) {
aw1_:   who = ((const struct greet__args *)durable__args(co_))->who;
        times = f_->times; t = f_->t; memcpy(seen, f_->seen, sizeof seen);
    }
    if (durable__begin(co_, 1)) {
        char *v1_ = make_greeting(who);
        f_->times = times; f_->t = t; memcpy(f_->seen, seen, sizeof seen);
        return durable__step(co_, &v1_, sizeof v1_);
    }
    if (durable__take(co_, &msg, sizeof msg))
        return DURABLE__STOP;
    for (int i = 0; i < times; i++) {
        int v;
        if (0) {
aw2_:       times = f_->times; t = f_->t; memcpy(seen, f_->seen, sizeof seen); msg = f_->msg; i = f_->i;
        }
        if (durable__begin(co_, 2)) {
            int v2_ = measure(i);
            f_->times = times; f_->t = t; memcpy(f_->seen, seen, sizeof seen); f_->msg = msg; f_->i = i;
            return durable__step(co_, &v2_, sizeof v2_);
        }
        if (durable__take(co_, &v, sizeof v))
            return DURABLE__STOP;
        t.n++;
        t.sum += v;
        seen[i % 4] += v;
    }
    static char out[128];
    snprintf(out, sizeof out, "%s: n=%d sum=%.1f seen=%d,%d,%d,%d", msg, t.n, t.sum, seen[0], seen[1], seen[2],
             seen[3]);
    { const char *r_ = out; return durable__return(co_, &r_, sizeof r_); }
}

static const durable_field tally__members[] = {
    {"n", "int", DURABLE_KIND_INT, offsetof(struct tally, n), sizeof(int), 1, 0, 0, 0},
    {"sum", "double", DURABLE_KIND_FLOAT, offsetof(struct tally, sum), sizeof(double), 1, 0, 0, 0},
};
static const durable_field greet__fields[] = {
    {"times", "int", DURABLE_KIND_INT, offsetof(struct greet__frame, times), sizeof(int), 1, 1, 0, 0},
    {"t", "struct tally", DURABLE_KIND_STRUCT, offsetof(struct greet__frame, t), sizeof(struct tally), 1, 3,
     tally__members, 2},
    {"seen", "int[4]", DURABLE_KIND_INT, offsetof(struct greet__frame, seen), sizeof(int[4]), 4, 4, 0, 0},
    {"msg", "char *", DURABLE_KIND_STRING, offsetof(struct greet__frame, msg), sizeof(char *), 1, 5, 0, 0},
    {"i", "int", DURABLE_KIND_INT, offsetof(struct greet__frame, i), sizeof(int), 1, 6, 0, 0},
};
static const durable_field greet__params[] = {
    {"who", "const char *", DURABLE_KIND_STRING, offsetof(struct greet__args, who), sizeof(char *), 1, 1, 0, 0},
    {"times", "int", DURABLE_KIND_INT, offsetof(struct greet__args, times), sizeof(int), 1, 1, 0, 0},
};
static const durable_field v_str = {"", "char *", DURABLE_KIND_STRING, 0, sizeof(char *), 1, 0, 0, 0};
static const durable_field greet__result = {"", "const char *", DURABLE_KIND_STRING, 0, sizeof(char *), 1, 0, 0, 0};
static const durable_await greet__awaits[] = {
    {1, DURABLE_AWAIT_STEP, "make_greeting", 5, &v_str, 0, 0, 0, "body", "make_greeting(who)"},
    {2, DURABLE_AWAIT_STEP, "measure", 7, &v_int, 0, 0, 0, "body/for.body", "measure(i)"},
};
durable_func greet__fn = {
    "greet", "handwritten.c", greet__step,
    sizeof(struct greet__frame), sizeof(struct greet__args),
    greet__fields, 5, greet__params, 2, &greet__result, greet__awaits, 2, 0, 0,
};
__attribute__((constructor)) static void greet__register(void)
{
    durable__register(&greet__fn);
}

/* ---- the host program ---- */

#define CHECK(call)                                                                               \
    do {                                                                                          \
        int rc_ = (call);                                                                         \
        if (rc_ < 0) {                                                                            \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, durable_strerror(rc_)); \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : getenv("DURABLE_TEST_DB");
    if (!db) {
        fprintf(stderr, "usage: handwritten DB (or set DURABLE_TEST_DB)\n");
        return 2;
    }
    durable_rt *rt;
    CHECK(durable_open(&rt, db, NULL));
    static const int orders[] = {3, 5, 6};
    char id[32];
    for (size_t k = 0; k < 3; k++) {
        struct checkout__args a = {orders[k], 1999 + (int)k};
        snprintf(id, sizeof id, "order-%d", orders[k]);
        CHECK(durable_start(rt, id, (durable_call){&checkout__fn, &a, sizeof a}));
    }
    char who[16] = "world"; /* copied at start: changing it after must not matter */
    struct greet__args g = {who, 6};
    CHECK(durable_start(rt, "greet-1", (durable_call){&greet__fn, &g, sizeof g}));
    strcpy(who, "changed");

    int pending;
    while ((pending = durable_run(rt)) > 0)
        CHECK(durable_wait(rt, 100));
    CHECK(pending);

    for (size_t k = 0; k < 3; k++) {
        int receipt = 0, st = 0;
        snprintf(id, sizeof id, "order-%d", orders[k]);
        CHECK(durable_status(rt, id, &st));
        CHECK(durable_result(rt, id, &receipt));
        printf("%s: %s receipt=%d\n", id, durable_status_name(st), receipt);
    }
    const char *msg = NULL;
    CHECK(durable_result(rt, "greet-1", &msg));
    printf("greet-1: %s\n", msg);
    CHECK(durable_close(rt));
    return 0;
}

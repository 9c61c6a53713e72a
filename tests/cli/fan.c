/*
 * fan.c — `fan`, hand-translated in the shape dcc emits (written before dcc
 * translated durable_spawn, which it now does; kept as a layout the CLI tests
 * read as it is).  Source form:
 *
 *   durable int fan(int n)
 *   {
 *       for (int i = 0; i < n; i++)
 *           await(durable_spawn(nap(600 + i)));   // line 12
 *       int failed = await(durable_all());        // line 13
 *       return failed;
 *   }
 *
 * `nap` is the durable function of fixture.c (dcc names its descriptor
 * nap__fn and its argument struct nap__args).
 */
#include "fan.h"

#include <stddef.h>

extern durable_func nap__fn;
struct nap__args {
    int seconds;
};

struct fan__frame {
    int n;
    int i;
};

static int fan__step(durable_co *co_, void *frame_)
{
    struct fan__frame *f_ = frame_;
    int n, i;
    switch (durable__state(co_)) {
    case 0:
        n = ((const struct fan__args *)durable__args(co_))->n;
        break;
    case 1: goto aw1_;
    case 2: goto aw2_;
    default: return durable__bad_state(co_);
    }
    for (i = 0; i < n; i++) {
        if (0) {
aw1_:       n = f_->n;
            i = f_->i;
        }
        if (durable__begin(co_, 1)) {
            struct nap__args a = {600 + i};
            durable_call c = {&nap__fn, &a, sizeof a};
            f_->n = n;
            f_->i = i;
            return durable__spawn(co_, c);
        }
        int h;
        if (durable__take(co_, &h, sizeof h))
            return DURABLE__STOP;
    }
    if (0) {
aw2_:;
    }
    if (durable__begin(co_, 2))
        return durable__all(co_);
    int failed;
    if (durable__take(co_, &failed, sizeof failed))
        return DURABLE__STOP;
    return durable__return(co_, &failed, sizeof failed);
}

static const durable_field fan__fields[] = {
    {"n", "int", DURABLE_KIND_INT, offsetof(struct fan__frame, n), sizeof(int), 1, 9, 0, 0},
    {"i", "int", DURABLE_KIND_INT, offsetof(struct fan__frame, i), sizeof(int), 1, 11, 0, 0},
};
static const durable_field fan__params[] = {
    {"n", "int", DURABLE_KIND_INT, offsetof(struct fan__args, n), sizeof(int), 1, 9, 0, 0},
};
static const durable_field fan__int = {"", "int", DURABLE_KIND_INT, 0, sizeof(int), 1, 0, 0, 0};
static const uint32_t fan__s1[] = {0, 1};
static const durable_await fan__awaits[] = {
    {1, DURABLE_AWAIT_RUNTIME, "durable_spawn", 12, &fan__int, 0, fan__s1, 2,
     "body/for.body", "durable_spawn(nap(600+i))"},
    {2, DURABLE_AWAIT_RUNTIME, "durable_all", 13, &fan__int, 0, NULL, 0, "body", "durable_all()"},
};
durable_func fan__fn = {
    "fan", "fan.c", fan__step, sizeof(struct fan__frame), sizeof(struct fan__args),
    fan__fields, 2, fan__params, 1, &fan__int, fan__awaits, 2, 0, 0,
};

__attribute__((constructor)) static void fan__register(void)
{
    durable__register(&fan__fn);
}

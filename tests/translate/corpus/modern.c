/* corpus: C11 in ordinary and durable code: static inline functions,
 * _Generic, _Alignas / _Alignof, _Static_assert at file and block scope,
 * anonymous struct and union members, _Noreturn, _Thread_local. */
#include "e2e.h"
#include <stdalign.h>

#define kind_of(x) _Generic((x), int: 1, double: 2, const char *: 3, default: 0)

_Static_assert(sizeof(int) >= 2, "int is at least 16 bits");

struct shape {
    int kind;
    union {
        struct {
            int w, h;
        };
        int r;
    };
    _Alignas(16) char pad[4];
};

static _Thread_local int tl_calls;

static inline int sq(int x)
{
    tl_calls++;
    return x * x;
}

static _Noreturn void die(const char *m)
{
    fprintf(stderr, "%s\n", m);
    exit(3);
}

static int step_m(int x)
{
    effect("m %d", x);
    if (x < 0)
        die("negative");
    return sq(x) + kind_of(x) + kind_of(1.0) + kind_of("s");
}

durable int modern_flow(int n)
{
    _Static_assert(_Alignof(struct shape) == 16, "the member's alignment");
    _Alignas(8) int aligned = n;
    struct shape s = {.kind = 1, .w = n, .h = n + 1};
    int a = await(step_m(s.w * s.h));
    s.r = a % 100;
    int b = await(step_m(s.r + aligned));
    return a + b + s.w + (int)alignof(struct shape) + sq(2);
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    printf("plain: %d %d %d\n", kind_of(1), kind_of(2.0), kind_of('c' + 0L));
    durable_start(rt, "modern", modern_flow(3));
    E2E_RUN(rt);
    E2E_PRINT(rt, "modern");
    durable_close(rt);
    return 0;
}

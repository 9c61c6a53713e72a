/* e2e: awaits and returns written through macros, one durable function per
 * shape: an await in a macro argument (a macro that uses it once), macros
 * that expand to await, # next to an await, ## building the callee's name,
 * __VA_ARGS__, macros that supply the ';' or name a local, do { } while (0)
 * wrappers with a goto, return and continue inside macros, nested macros,
 * macros in conditions and loop headers, an invocation over several lines,
 * and the preprocessor's corners (##, __VA_OPT__, rescanning).
 * Each must behave as the same source built as plain C, also when killed
 * at every commit. */
#include "e2e.h"

static int val(int x)
{
    effect("val %d", x);
    return x;
}

static int add(int a, int b)
{
    effect("add %d %d", a, b);
    return a + b;
}

static int check(int x)
{
    effect("check %d", x);
    return x;
}

static int checked(const char *what, int v)
{
    effect("checked '%s' %d", what, v);
    return (int)strlen(what) * 100 + v;
}

static int step_inc(int x)
{
    effect("inc %d", x);
    return x + 1;
}

static int step_dbl(int x)
{
    effect("dbl %d", x);
    return 2 * x;
}

#define DOUBLE_IT(v) (2 * (v))
#define TWICE(x) ((x) * 2)
#define STEP(x) await(val(x))
#define CHECKED(e) checked(#e, (e))
#define AWAIT_OF(name, x) await(step_##name(x))
#define CALL(f, ...) await(f(__VA_ARGS__))
#define SEMI ;
#define CUR() n
#define ACC acc
#define TRY(e) do { if ((e) < 0) goto fail; } while (0)
#define CHECK(x) if (!(x)) return -1
#define SKIP_ODD(i) if ((i) % 2) continue
#define POSITIVE(x) ((x) > 0)
#define LT(a, b) ((a) < (b))
#define ADD1(x) ((x) + 1)

/* await in macro arguments */
durable int in_args(int n)
{
    int a = DOUBLE_IT(await(add(n, 1)));
    int b = TWICE(await(add(n, 2)));
    return a + b + ADD1(await(val(n)));
}

/* macros that expand to await; nested; ## and __VA_ARGS__ */
durable int expands_to_await(int n)
{
    int a = STEP(n);
    int b = STEP(STEP(n + 1));
    int c = AWAIT_OF(inc, n) + AWAIV_OF(dbl, a);
    int d = CALL(add, a, CALL(val, b));
    return TWICE(STEP(a + b + c + d));
}

/* # stringification next to an await */
durable int stringified(int n)
{
    int a = await(CHECKED(await(val(n))));
    return a + await(CHECKED(n + 1));
}

/* a macro supplies the semicolon; a macro names a local */
durable int semi_and_locals(int n)
{
    int acc = 0 SEMI
    ACC += await(val(CUR())) SEMI
    ACC += await(add(ACC, CUR()));
    int i;
    for (i = 0 SEMI i < await(val(CUR())) SEMI i++)
        ACC += i;
    if (n > 100)
        return ACC SEMI
    else
        ACC += STEP(CUR()) SEMI
    return ACC + CUR() SEMI
}

/* do { } while (0) around an await, with a goto out of it */
durable int wrapped(int n)
{
    int s = 0;
    TRY(await(check(n)));
    s += 10;
    TRY(s = await(check(n - 5)));
    s += 100;
    return s;
fail:
    return -s - 1;
}

/* return and continue written inside macros, where dcc rewrites them */
durable int returns_and_continues(int n)
{
    int v = await(val(n));
    CHECK(v > 0);
    int s = 0;
    for (int i = 0; i < await(val(n)); i++) {
        SKIP_ODD(i);
        s += await(val(i));
    }
    return s;
}

/* macros in conditions and loop headers */
durable int conditions(int n)
{
    int s = 0;
    if (POSITIVE(await(val(n))))
        s += 1;
    int i = 0;
    while (LT(i, await(val(n))))
        i = ADD1(i);
    for (int j = 0; LT(j, STEP(3)); j = ADD1(j))
        s += await(add(j, i));
    do
        s++;
    while (LT(s, STEP(20)));
    switch (TWICE(await(val(n)))) {
    case 8:
        s += 1000;
        break;
    default:
        s += 2000;
    }
    return s;
}

/* an invocation over several lines, the await on a later one */
durable int multiline(int n)
{
    int a = DOUBLE_IT(
        await(add(n,
                  3)));
    return TWICE(a +
                 STEP(n));
}

/* the preprocessor's corners, in awaited arguments: ## and a pasted
 * local's name, rescanning, #, GNU's `, ## __VA_ARGS__`, __VA_OPT__, an
 * object-like macro naming a function-like one, a macro named like itself */
#define CAT(a, b) a##b
#define XCAT(a, b) CAT(a, b)
#define ONE 1
#define TWO ONE + ONE
#define ID(x) x
#define APPLY(f, x) f(x)
#define NEG(x) (-(x))
#define EMPTY
#define ADD_TWO(a, b, ...) ((a) + (b))
#define VA(a, ...) ADD_TWO(a, ##__VA_ARGS__, 0)
#define VB(a, ...) (a __VA_OPT__(+) __VA_ARGS__)
#define H(x) #x
#define XH(x) H(x)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MINUS -1
#define NEGATE NEG
#define stdval stdval

durable int preprocessor(int n)
{
    int v12 = 5, vx = 7, stdval = 11;
    int s = await(val(CAT(v, 12))) + await(val(XCAT(v, x)));
    s += await(val(TWO * ID(TWO)));
    s += await(val(APPLY(N)G, n - 1)));
    s += await(val(VA(1) + VA(2, 5)));
    s += await(val(VB(1) + VB(1, 2)));
    s += await(val(EMPTY n-MINUS));
    s += await(checked(XH(ONE + n), 1));
    s += await(val(MIN(n, MIN(s, 3)) - NEGATE(await(val(2)))));
    s += await(val(stdval));
    return s;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "in_args", in_args(4));
    durable_start(rt, "expands_to_await", expands_to_await(2));
    durable_start(rt, "stringified", stringified(5));
    durable_start(rt, "semi_and_locals", semi_and_locals(3));
    durable_start(rt, "wrapped_ok", wrapped(9));
    durable_start(rt, "wrapped_fail", wrapped(3));
    durable_start(rt, "returns", returns_and_continues(0));
    durable_start(rt, "continues", returns_and_continues(6));
    durable_start(rt, "conditions", conditions(4));
    durable_start(rt, "multiline", multiline(7));
    durable_start(rt, "preprocessor", preprocessor(4));
    E2E_RUN(rt);
    E2E_PRINT(rt, "in_args");
    E2E_PPINT(rt, "expands_to_await");
    E2E_PRINT(rt, "stringified");
    E2E_PRINT(rt, "semi_and_locals");
    E2E_PRINT(rt, "wrapped_ok");
    E2E_PRINT(rt, "wrapped_fail");
    E2E_PRINT(rt, "returns");
    E2E_PRINT(rt, "continues");
    E2E_PRINT(rt, "conditions");
    E2E_PRINT(rt, "multiline");
    E2E_PRINT(rt, "preprocessor");
    durable_close(rt);
    return 0;
}

/* e2e: step awaits called through a thunk and an argument struct, and the
 * ones that keep the direct call (docs/translation.md, "Step awaits").  Each
 * await line says which form dcc must emit: thunks.sh checks it on dcc's
 * output, compare.sh and crashloop check the behaviour. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "e2e.h"

#ifdef E2E_PLAIN /* plain C: every step succeeds at its first call */
#define durable_step_attempt() 2
#define durable_fail(code, message) ((void)(code), (void)(message), 0)
#endif

struct pt {
    int x, y;
};
typedef long money_t;

static int zero(void)
{
    effect("zero");
    return 7;
}

static int one(int a)
{
    effect("one %d", a);
    return a + 1;
}

static double many(int a, double b, long c, char d, unsigned e)
{
    effect("many %d %.1f %ld %c %u", a, b, c, d, e);
    return a + b + (double)c + d + e;
}

static void note(int x)
{
    effect("note %d", x);
}

static void tick(void)
{
    effect("tick");
}

static struct pt add_pt(struct pt a, struct pt b)
{
    effect("add_pt %d %d %d %d", a.x, a.y, b.x, b.y);
    struct pt r = {a.x + b.x, a.y + b.y};
    return r;
}

static char *label(int n)
{
    effect("label %d", n);
    char *s = malloc(32);
    if (s)
        snprintf(s, 32, "label-%d", n);
    return s;
}

static money_t charge(money_t amount, const int times, const char *memo)
{
    effect("charge %ld %d %s", amount, times, memo);
    return amount * times + (money_t)strlen(memo);
}

static void fill(char *buf, int size, int n)
{
    effect("fill %d", n);
    snprintf(buf, (size_t)size, "filled-%d", n);
}

static int put(int *p, int v)
{
    effect("put %d", v);
    *p = v;
    return v * 2;
}

static int sum(const int *a, int n)
{
    effect("sum %d", n);
    int s = 0;
    for (int i = 0; i < n; i++)
        s += a[i];
    return s;
}

static int vsum(int n, ...)
{
    effect("vsum %d", n);
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++)
        s += va_arg(ap, int);
    va_end(ap);
    return s;
}

/* not a step: called in an argument, for its side effect */
static int seen(int k)
{
    effect("seen %d", k);
    return k * 10;
}

static int flaky(int x)
{
    if (durable_step_attempt() < 2) {
        durable_fail(1, "first attempt fails");
        return 0;
    }
    effect("flaky %d", x);
    return x * 3;
}

/* no arguments, one, many of mixed types; void results */
durable int arities(int n)
{
    int a = await(zero());                            /* thunk */
    int b = await(one(n));                            /* thunk */
    double c = await(many(n, 0.5, 100000L, 'A', 3u)); /* thunk */
    await(note(a + b));                               /* thunk */
    await(tick());                                    /* thunk */
    return a * 100000 + b * 1000 + (int)(c * 2) % 1000;
}

/* structs by value, in and out; a compound literal passed by value */
durable int structs(int n)
{
    struct pt p = {n, 2 * n};
    struct pt q = await(add_pt(p, (struct pt){10, 20})); /* thunk */
    return q.x * 1000 + q.y;
}

/* a heap string returned; a typedef'd and a const parameter */
durable int strings(int n)
{
    char *s = await(label(n)); /* thunk */
    int len = (int)strlen(s);
    int last = s[len - 1];
    free(s);
    money_t m = await(charge(n, 3, "memo")); /* thunk */
    return len * 100000 + last * 100 + (int)m;
}

/* pointers in the arguments */
durable int pointers(int n)
{
    char buf[32];
    char *p = buf; /* buf is pinned: it lives in the frame */
    await(fill(p, (int)sizeof buf, n)); /* thunk */
    int acc = 0;
    int *q = &acc; /* acc too */
    int set = await(put(q, n + 1)); /* thunk */
    int k = 0;
    int twice = await(put(&k, n)); /* direct: k is on the stack */
    int arr[4] = {n, 1, 2, 3};
    int s = await(sum(arr, 4)); /* direct: arr is on the stack */
    return (int)strlen(buf) * 1000000 + (buf[7] - '0') * 100000 + acc * 10000 + set * 1000 + k * 100 + twice * 10 + s;
}

/* a compound literal used as a pointer lives on the stack */
durable int literals(int n)
{
    int s = await(sum((int[]){n, n, n}, 3)); /* direct */
    return s + await(one(s)); /* direct */
}

durable int variadic(int n)
{
    return await(vsum(3, n, n + 1, n + 2)); /* direct */
}

/* side effects in an argument, a nested await */
durable int effects(int n)
{
    int a = await(one(seen(n)));                     /* thunk */
    int b = await(one(await(one(n)) + seen(n + 1))); /* thunk */
    return a * 1000 + b;
}

/* a step in a loop that fails once at each iteration, then succeeds */
durable int retries(int n)
{
    int total = 0;
    for (int i = 0; i < 3; i++)
        total = total * 100 + await(flaky(n + i)); /* thunk */
    return total;
}

int main(void)
{
    setenv("DURABLE_RETRY", "max_attempts=3,initial=0.01,multiplier=1,max=0.01,jitter=0", 1);
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "arities", arities(4));
    durable_start(rt, "structs", structs(3));
    durable_start(rt, "strings", strings(5));
    durable_start(rt, "pointers", pointers(6));
    durable_start(rt, "literals", literals(7));
    durable_start(rt, "variadic", variadic(8));
    durable_start(rt, "effects", effects(9));
    durable_start(rt, "retries", retries(10));
    E2E_RUN(rt);
    E2E_PRINT(rt, "arities");
    E2E_PRINT(rt, "structs");
    E2E_PRINT(rt, "strings");
    E2E_PRINT(rt, "pointers");
    E2E_PRINT(rt, "literals");
    E2E_PRINT(rt, "variadic");
    E2E_PRINT(rt, "effects");
    E2E_PRINT(rt, "retries");
    durable_close(rt);
    return 0;
}

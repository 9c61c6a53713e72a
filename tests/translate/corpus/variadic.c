/* corpus: variadic helpers beside durable code: va_list, va_copy, vsnprintf,
 * a struct passed through va_arg, a va_list handed to another function. */
#include "e2e.h"

struct pt {
    int x, y;
};

static int sum_ints(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++)
        s += va_arg(ap, int);
    va_end(ap);
    return s;
}

static int sum_points(int n, ...)
{
    va_list ap, again;
    va_start(ap, n);
    va_copy(again, ap);
    int s = 0;
    for (int i = 0; i < n; i++) {
        struct pt p = va_arg(ap, struct pt);
        s += p.x * 10 + p.y;
    }
    for (int i = 0; i < n; i++)
        s += va_arg(again, struct pt).x;
    va_end(again);
    va_end(ap);
    return s;
}

static int vlen(const char *fmt, va_list ap)
{
    char buf[64];
    return vsnprintf(buf, sizeof buf, fmt, ap);
}

static int fmt_len(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vlen(fmt, ap);
    va_end(ap);
    return n;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

static int step_sum(int a, int b)
{
    effect("sum %d %d", a, b);
    return sum_ints(3, a, b, a + b);
}

static int step_points(int a)
{
    effect("points %d", a);
    struct pt p = {a, a + 1}, q = {2 * a, 3};
    return sum_points(2, p, q);
}

static int step_fmt(int a)
{
    effect("fmt %d", a);
    return fmt_len("value=%d/%s", a, "ok");
}

durable int variadic(int n)
{
    int s = await(step_sum(n, 2));
    s += await(step_points(n));
    s += await(step_fmt(s));
    return s;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    logf_("plain helpers: %d %d %d\n", sum_ints(2, 1, 2), sum_points(1, (struct pt){1, 2}), fmt_len("%s", "abc"));
    durable_start(rt, "variadic", variadic(4));
    E2E_RUN(rt);
    E2E_PRINT(rt, "variadic");
    durable_close(rt);
    return 0;
}

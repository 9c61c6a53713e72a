/* corpus: GNU extensions and builtins beside durable code: __builtin_expect,
 * statement expressions, typeof, __attribute__s, case ranges, labels as
 * values, __builtin_popcount / __builtin_clz, __extension__, ?: with the
 * middle operand omitted, zero-length arrays, __auto_type, the cleanup
 * attribute (in a block of a durable function without an await in it). */
#include "e2e.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define MAX(a, b) ({ typeof(a) a_ = (a); __typeof__(b) b_ = (b); a_ > b_ ? a_ : b_; })

struct __attribute__((packed)) packed {
    char c;
    int i;
};

struct tail {
    int n;
    int data[0];
};

static int classify_char(int c) __attribute__((const));
static int classify_char(int c)
{
    switch (c) {
    case '0' ... '9': return 1;
    case 'a' ... 'z': case 'A' ... 'Z': return 2;
    default: return 0;
    }
}

static int dispatch(int op, int x)
{
    static void *table[] = {&&add, &&mul, &&neg};
    if (unlikely(op < 0 || op > 2))
        return -1;
    goto *table[op];
add:
    return x + 1;
mul:
    return x * 3;
neg:
    return -x;
}

static int cleaned;
static void release(int *p)
{
    cleaned += *p;
}

static __attribute__((noinline, unused)) int bits(unsigned x)
{
    __extension__ long long wide = (long long)x << 33;
    __auto_type y = x | 1u;
    return __builtin_popcount(x) * 100 + __builtin_clz(y) + (int)(wide >> 60);
}

static int step_gnu(int x)
{
    effect("gnu %d", x);
    int m = MAX(x, 7);
    int s = ({ int t = 0; for (int i = 0; i < m; i++) t += i; t; });
    if (likely(s > 0))
        s += dispatch(x % 3, m);
    return s + (x ?: 42) + (int)sizeof(struct packed);
}

durable int gnu_flow(int n)
{
    typeof(n) acc = 0;
    __attribute__((unused)) int spare = 0;
    for (int i = 0; i < n; i++) {
        switch (i) {
        case 0 ... 1:
            acc += await(step_gnu(i));
            break;
        case 2 ... 5:
            acc += 2 * await(step_gnu(i));
            break;
        default:
            acc -= 1;
        }
        if (__builtin_expect(acc > 1000000, 0))
            break;
    }
    acc += classify_char('7') + classify_char('q') + bits(0xF0u);
    {
        __attribute__((cleanup(release))) int guard = acc % 100;
        acc += guard;
    }
    return acc + cleaned;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    printf("plain: %d %d %d %d\n", dispatch(0, 5), dispatch(1, 5), dispatch(2, 5), bits(7));
    durable_start(rt, "gnu", gnu_flow(7));
    E2E_RUN(rt);
    E2E_PRINT(rt, "gnu");
    durable_close(rt);
    return 0;
}

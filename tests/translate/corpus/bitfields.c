/* corpus: bitfields, live across awaits in durable code (file-scope struct,
 * struct declared inside the durable function, anonymous padding fields). */
#include "e2e.h"

struct flags {
    unsigned ready : 1;
    unsigned mode : 3;
    signed delta : 5;
    unsigned : 0;
    unsigned long long big : 40;
};

static int step_bits(int x)
{
    effect("bits %d", x);
    return x * 3;
}

durable int bit_flow(int n)
{
    struct flags f = {0};
    struct local {
        unsigned char lo : 4, hi : 4;
    } l = {3, 5};
    f.mode = (unsigned)n & 7u;
    f.delta = -n;
    f.big = 0xABCDEF1234ull;
    int a = await(step_bits(f.mode));
    f.ready = 1;
    l.hi = (unsigned char)(a & 15);
    int b = await(step_bits(l.lo + l.hi));
    return (int)(f.ready + f.mode * 10 + f.delta * 100) + (int)(f.big & 0xff) + a + b + l.hi * 1000;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    struct flags f = {1, 5, -3, 7};
    printf("plain: %u %u %d %llu\n", f.ready, f.mode, f.delta, (unsigned long long)f.big);
    durable_start(rt, "bits", bit_flow(6));
    E2E_RUN(rt);
    E2E_PRINT(rt, "bits");
    durable_close(rt);
    return 0;
}

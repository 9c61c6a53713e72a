/* corpus: unions (tagged, type punning, arrays of unions, a union declared
 * inside the durable function) live across awaits. */
#include "e2e.h"
#include <stdint.h>

enum tag { T_INT, T_DBL };

struct value {
    enum tag tag;
    union {
        int i;
        double d;
    } u;
};

union pun {
    float f;
    uint32_t bits;
};

static int step_u(int x)
{
    effect("u %d", x);
    return x + 1;
}

durable int union_flow(int n)
{
    struct value vs[3] = {{T_INT, {.i = n}}, {T_DBL, {.d = 2.5}}, {T_INT, {.i = -n}}};
    union pun p;
    p.f = 1.0f;
    union local {
        short s[2];
        int whole;
    } l;
    l.whole = 0;
    l.s[0] = 7;
    int a = await(step_u(vs[0].u.i));
    vs[1].u.d *= a;
    l.s[1] = (short)a;
    int b = await(step_u((int)vs[1].u.d));
    int s = a + b + (int)(p.bits >> 23) + l.s[0] + l.s[1];
    for (int i = 0; i < 3; i++)
        s += vs[i].tag == T_INT ? vs[i].u.i : (int)vs[i].u.d;
    return s;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    union pun p = {.f = 2.0f};
    printf("plain: %08x\n", (unsigned)p.bits);
    durable_start(rt, "union", union_flow(4));
    E2E_RUN(rt);
    E2E_PRINT(rt, "union");
    durable_close(rt);
    return 0;
}

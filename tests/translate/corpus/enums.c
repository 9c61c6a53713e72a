/* corpus: enums (explicit values, negative, typedef'd, anonymous, declared
 * inside the durable function), as locals, parameters and results across
 * awaits, and in switches. */
#include "e2e.h"

typedef enum color { RED = 1, GREEN = 4, BLUE = -2 } color;
enum { LIMIT = 3 };

static color step_next(color c)
{
    effect("next %d", (int)c);
    switch (c) {
    case RED: return GREEN;
    case GREEN: return BLUE;
    default: return RED;
    }
}

durable color cycle(color c, int n)
{
    for (int i = 0; i < n && i < LIMIT * 2; i++)
        c = await(step_next(c));
    return c;
}

durable int enum_flow(int n)
{
    enum phase { START, MIDDLE = 10, END } ph = START;
    color c = RED;
    int s = 0;
    while (ph != END) {
        c = await(step_next(c));
        s += (int)c;
        ph = ph == START ? MIDDLE : END;
    }
    c = await(cycle(c, n));
    return s * 10 + (int)c + (int)ph;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    printf("plain: %d %d %d\n", RED, GREEN, BLUE);
    durable_start(rt, "enum", enum_flow(4));
    durable_start(rt, "cycle", cycle(GREEN, 2));
    E2E_RUN(rt);
    E2E_PRINT(rt, "enum");
    E2E_PRINT(rt, "cycle");
    durable_close(rt);
    return 0;
}

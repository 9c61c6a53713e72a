/* corpus: deeply nested control flow with awaits at every depth: loops in
 * switches in loops, goto out of and back into blocks, break and continue
 * at each level, do-while, early returns, a Duff's-device style switch. */
#include "e2e.h"

static int step_c(int x)
{
    effect("c %d", x);
    return x % 5;
}

static int duff(int n)
{
    int s = 0, k = (n + 3) / 4;
    switch (n % 4) {
    case 0:
        do {
            s += 1;
            /* fall through */
    case 3:
            s += 2;
            /* fall through */
    case 2:
            s += 3;
            /* fall through */
    case 1:
            s += 4;
        } while (--k > 0);
    }
    return s;
}

durable int nested(int n)
{
    int acc = 0;
    for (int i = 0; i < n; i++) {
        int j = 0;
        while (j < i) {
            switch (await(step_c(i * 10 + j))) {
            case 0:
                j++;
                continue;
            case 1:
                do {
                    acc += await(step_c(acc));
                    if (acc > 50)
                        goto out;
                } while (acc % 3);
                break;
            case 2:
                if (i > 2) {
                    for (int k = 0; k < 2; k++) {
                        if (k == 1)
                            break;
                        acc += 2 * await(step_c(k + i));
                    }
                } else if (j == 0) {
                    acc += 7;
                } else
                    acc -= 1;
                break;
            default:
                acc += j;
            }
            j++;
        }
    again:
        if (acc % 7 == 6) {
            acc++;
            goto again;
        }
    }
out:
    if (acc > 1000)
        return -1;
    return acc * 100 + duff(n);
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    printf("plain: %d %d %d\n", duff(1), duff(6), duff(9));
    durable_start(rt, "nested-5", nested(5));
    durable_start(rt, "nested-8", nested(8));
    E2E_RUN(rt);
    E2E_PRINT(rt, "nested-5");
    E2E_PRINT(rt, "nested-8");
    durable_close(rt);
    return 0;
}

/* expect: 8:5: error: a local label declaration at the top of a durable function cannot be translated */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    __label__ again;
    int r = 0;
again:
    r += await(step(n));
    if (r < 3)
        goto again;
    return r;
}

/* expect: 10:5: error: return inside a macro in a durable function cannot be translated */
#include <durable.h>

int step(int x);
#define CHECK(x) if (!(x)) return -1

durable int f(int n)
{
    int v = await(step(n));
    CHECK(v > 0);
    return v;
}

/* expect: 9:13: error: a preprocessing directive inside the invocation of macro 'TWICE' */
#include <durable.h>

int step(int x);
#define TWICE(x) ((x) * 2)

durable int f(int n)
{
    int v = TWICE(
#ifdef FAST
        await(step(n))
#else
        await(step(n + 1))
#endif
    );
    return v;
}

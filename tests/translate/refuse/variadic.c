/* expect: 6:1: error: durable function 'f' is variadic */
#include <durable.h>

int step(int x);

durable int f(int n, ...)
{
    return await(step(n));
}

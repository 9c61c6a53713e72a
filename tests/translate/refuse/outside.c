/* expect: 8:12: error: await outside a durable function */
#include <durable.h>

int step(int x);

int f(int n)
{
    return await(step(n));
}

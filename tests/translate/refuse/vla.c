/* expect: 9:5: error: await in the scope of variable-length array 'buf' */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int buf[n];
    await(step(n));
    return sizeof buf;
}

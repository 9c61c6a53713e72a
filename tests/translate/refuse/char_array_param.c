/* expect: 6:27: error: parameter 'buf' of durable function 'f' is an array: C passes it as a pointer to the caller's memory, which cannot be stored */
#include <durable.h>

int step(int x);

durable int f(int n, char buf[8])
{
    return await(step(n)) + buf[0];
}

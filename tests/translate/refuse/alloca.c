/* expect: 9:23: error: alloca in a durable function */
#include <durable.h>

void *alloca(unsigned long n);
int step(int x);

durable int f(int n)
{
    char *p = (char *)alloca(16);
    p[0] = (char)n;
    return await(step(n));
}

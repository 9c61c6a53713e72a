/* expect: 6:30: error: parameter 'a' of durable function 'total' is an array: C passes it as a pointer to the caller's memory, which cannot be stored */
#include <durable.h>

int step(int x);

durable int total(int n, int a[4])
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += await(step(a[i]));
    return s;
}

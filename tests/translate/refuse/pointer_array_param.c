/* expect: 6:30: error: parameter 'a' of durable function 'total' has type 'int[4]', an array parameter (a pointer in C), which cannot be stored */
#include <durable.h>

int step(int x);

durable int total(int n, int a[4])
{
    return await(step(n + a[0]));
}

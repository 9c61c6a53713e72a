/* expect: 9:18: error: parameter 'a' of durable function 'total' is an array: C passes it as a pointer to the caller's memory, which cannot be stored */
#include <durable.h>

durable int total(int n, int a[4]); /* defined in another file */

durable int f(int n)
{
    int v[4] = {1, 2, 3, 4};
    return await(total(n, v));
}

/* expect: 9:10: error: local 'p' of type 'int *' (a pointer) is live across the await at line 10 */
#include <durable.h>

int step(int x);

durable int f(int x)
{
    int arr[3] = {x, x, x};
    int *p = arr;
    await(step(x));
    return *p;
}

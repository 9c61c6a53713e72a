/* expect: 10:13: error: local 'p' of type 'int *' holds the result of 'find', which points outside the coroutine, and is live across the await at line 11 */
#include <durable.h>

int step(int x);
int *find(int x);

durable int f(int x)
{
    int *p;
    p = 1 + find(x);
    await(step(x));
    return *p;
}

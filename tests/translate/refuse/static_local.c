/* expect: 8:5: warning: static local 'calls' is not saved with the coroutine */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    static int calls;
    calls++;
    return await(step(n)) + calls;
}

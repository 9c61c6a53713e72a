/* expect: 8:20: error: await inside sizeof, _Alignof or typeof cannot be translated */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int s = sizeof(await(step(n)));
    return s + await(step(n));
}

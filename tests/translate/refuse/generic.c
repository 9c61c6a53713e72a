/* expect: 8:21: error: await inside _Generic cannot be translated */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    return _Generic(await(step(n)), int: 1, default: 2);
}

/* expect: 9:12: error: await inside a macro cannot be translated */
#include <durable.h>

int step(int x);
#define STEP(x) await(step(x))

durable int f(int n)
{
    return STEP(n) + 1;
}

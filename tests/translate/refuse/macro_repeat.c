/* expect: 9:16: error: await inside a macro */
#include <durable.h>

int step(int x);
#define MAX(a, b) ((a) > (b) ? (a) : (b))

durable int f(int n)
{
    return MAX(await(step(n)), 3);
}

/* expect: 9:16: error: macro 'MAX' evaluates its argument 'a', which awaits, 2 times */
#include <durable.h>

int step(int x);
#define MAX(a, b) ((a) > (b) ? (a) : (b))

durable int f(int n)
{
    return MAX(await(step(n)), 3);
}

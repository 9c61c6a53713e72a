/* expect: 10:18: error: macro 'SQ' evaluates its argument 'x', which awaits, 2 times (in the expansion of 'AREA') */
#include <durable.h>

int side(int n);
#define SQ(x) ((x)*(x))
#define AREA(s) SQ(s)

durable int f(int n)
{
    int a = AREA(await(side(n)));
    return a;
}

/* expect: 9:15: error: macro 'SQ' evaluates its argument 'x', which awaits, 2 times */
#include <durable.h>

int f(void);
#define SQ(x) ((x)*(x))

durable int g(void)
{
    return SQ(await(f()));
}

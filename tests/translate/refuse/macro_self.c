/* expect: 9:12: error: the expansion of macro 'total' contains the name 'total' of a macro it is expanding */
#include <durable.h>

int step(int x);

durable int f(int total)
{
#define total (total + await(step(1)))
    return total;
}

/* expect: 9:24: error: the arguments of step 'step' modify a variable */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int i = 0;
    int r = await(step(i++));
    return r + i;
}

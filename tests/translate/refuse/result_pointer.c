/* expect: 7:1: error: durable function 'f' returns 'int *', a pointer, which cannot be stored */
#include <durable.h>

int step(int x);
static int cell;

durable int *f(int n)
{
    cell = await(step(n));
    return &cell;
}

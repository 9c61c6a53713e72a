/* expect: 6:20: error: parameter 'p' of durable function 'f' has type 'int *', a pointer, which cannot be stored */
#include <durable.h>

int step(int x);

durable int f(int *p)
{
    return await(step(*p));
}

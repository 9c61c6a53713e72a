/* expect: 6:18: error: */
#include <durable.h>

durable int f(int n)
{
    return await(nothing_declared(n));
}

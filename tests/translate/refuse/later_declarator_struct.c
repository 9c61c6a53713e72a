/* expect: 8:36: error: await in a later declarator of this declaration cannot be translated */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    struct { int x; } a = {n}, b = {await(step(a.x))};
    return a.x + b.x;
}

/* expect: 9:18: error: the operand of await must be a direct call of a named function */
#include <durable.h>

int step(int x);
int (*hook)(int) = step;

durable int f(int n)
{
    return await(hook(n));
}

/* expect: 8:16: error: await in the second or later declarator of a declaration */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int a = n, b = await(step(a));
    return a + b;
}

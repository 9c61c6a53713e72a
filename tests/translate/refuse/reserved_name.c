/* expect: 8:5: error: 't1_' is a name dcc reserves for generated code; rename it */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int t1_ = n;
    return await(step(t1_));
}

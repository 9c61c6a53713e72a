/* expect: 8:16: error: await inside a statement expression cannot be translated */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int v = ({ await(step(n)); });
    return v;
}

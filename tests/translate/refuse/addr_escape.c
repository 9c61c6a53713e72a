/* expect: 10:12: error: the address of local 'x' may escape across an await */
#include <durable.h>

int step(int x);
int *keep;

durable int f(int a)
{
    int x = a;
    keep = &x;
    await(step(x));
    return *keep;
}

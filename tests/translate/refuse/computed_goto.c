/* expect: 9:5: error: computed goto in a durable function cannot be resumed */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    void *where = &&done;
    goto *where;
done:
    return await(step(n));
}

/* expect: 12:45: error: await inside the arguments of 'g' used as a durable_call */
#include <durable.h>

int step(int x);
durable int g(int x);
durable_rt *global_rt;

durable int f(int x)
{
    int started = 0;
    /* a durable function may start other workflows, but not await inside */
    started = durable_start(global_rt, "c", g(await(step(x)))) == 0;
    return started;
}

/* fan.h — the hand-translated `fan` of fan.c, started as fan_call(&args). */
#ifndef CLI_TEST_FAN_H
#define CLI_TEST_FAN_H
#include <durable.h>

extern durable_func fan__fn;
struct fan__args {
    int n;
};

static inline durable_call fan_call(struct fan__args *a)
{
    durable_call c = {&fan__fn, a, sizeof *a};
    return c;
}
#endif

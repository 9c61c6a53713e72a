/* expect: 9:22: error: await inside sizeof, _Alignof or typeof cannot be translated */
#include <durable.h>

int f(void);
#define WITH_SIZE(x) ((int)sizeof(x) + (x))

durable int g(void)
{
    return WITH_SIZE(await(f()));
}

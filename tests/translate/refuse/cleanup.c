/* expect: 13:13: error: await in the scope of local 'buf', which has a cleanup attribute */
#include <durable.h>
#include <stdlib.h>

int step(int x);
static void freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ __attribute__((cleanup(freep)))

durable int f(int n)
{
    _cleanup_free_ char *buf = malloc(4);
    buf[0] = 1;
    int a = await(step(n));
    return a + buf[0];
}

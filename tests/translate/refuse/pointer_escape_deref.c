/* expect: 10:13: error: the address of local 'buf' may escape across an await */
#include <durable.h>

int step(int x);
char **slot_of(void);

durable int f(int x)
{
    char buf[8] = "x", **slot = slot_of();
    *slot = buf + x;
    return await(step(buf[0]));
}

/* gdb on durable code (tests/gdb/gdb_test.sh): two coroutines of one durable
 * function run side by side; gdb breaks in it by name, steps over its awaits
 * (durable-next, and the recipe of docs/guide.md without the script) and
 * prints its parameter and locals at each line, a line with two awaits
 * included.  The markers name lines. */
#include "e2e.h"

static int add(int a, int b)
{
    return a + b;
}

durable int order(int id)
{
    int base = id * 10;            /* L_BASE */
    int got = await(add(base, 1)); /* L_AWAIT1 */
    int more = got + id;           /* L_AFTER1 */
    more += await(add(more, 100)); /* L_AWAIT2 */
    int two = await(add(await(add(more, 1)), 2)); /* L_TWO */
    return two + id;               /* L_AFTER2 */
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "a", order(1));
    durable_start(rt, "b", order(2));
    E2E_RUN(rt);
    E2E_PRINT(rt, "a");
    E2E_PRINT(rt, "b");
    durable_close(rt);
    return 0;
}

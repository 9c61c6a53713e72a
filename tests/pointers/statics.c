/* pointers: pointers into static storage (globals, file-scope statics,
 * string literals) point to the same object after a restart, found by name
 * and offset; NULL stays NULL (docs/semantics.md G17). */
#include "e2e.h"

int table[8] = {10, 11, 12, 13, 14, 15, 16, 17};
static int counters[4];
static struct {
    int hits;
    char name[8];
} config = {0, "cfg"};
const char banner[] = "banner text";

static int step(int x)
{
    effect("step %d", x);
    return x;
}

/* a cursor into a global array, read after each await (globals are not
 * saved with the coroutine: it only reads them) */
durable int global_cursor(void)
{
    const int *p = &table[2];
    int total = 0;
    for (int i = 0; i < 3; i++) {
        await(step(*p));
        total += *p;
        p++;
    }
    return total * 10 + (int)(p - table);
}

/* pointers into a static, to a member of a static struct, into its array */
durable int static_members(void)
{
    int *c = counters + 1;
    int *hits = &config.hits;
    char *name = config.name;
    await(step(8));
    await(durable_sleep(0.01));
    return (c == &counters[1]) * 100 + (hits == &config.hits) * 10 + (name[0] == 'c');
}

/* string literals and a const global array, by pointer; NULL */
durable int literals(void)
{
    const char *word = "literal";
    const char *tail = word + 3;
    const char *b = banner + 7;
    const char *none = NULL;
    int *nothing = NULL;
    await(step(9));
    await(durable_sleep(0.01));
    return (int)strlen(tail) * 1000 + (int)(tail - word) * 100 + (b[0] == 't') * 10 + (none == NULL) +
           (nothing == NULL);
}

/* an array of strings: literals, and one pointing into a global */
durable int names(void)
{
    const char *list[3] = {"alpha", "beta", banner};
    int total = 0;
    for (int i = 0; i < 3; i++) {
        await(step(i));
        total += (int)strlen(list[i]);
    }
    return total * 10 + (list[2] == banner);
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "global_cursor", global_cursor());
    durable_start(rt, "static_members", static_members());
    durable_start(rt, "literals", literals());
    durable_start(rt, "names", names());
    E2E_RUN(rt);
    E2E_PRINT(rt, "global_cursor");
    E2E_PRINT(rt, "static_members");
    E2E_PRINT(rt, "literals");
    E2E_PRINT(rt, "names");
    durable_close(rt);
    return 0;
}

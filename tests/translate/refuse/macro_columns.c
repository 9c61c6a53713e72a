/* expect: 10:42: error: 'aw1_' is a name dcc reserves for generated code */
#include <durable.h>

/* dcc reports at the user's column even after a macro it expanded on the same line */
int add(int a, int b);
#define DOUBLE_IT(v) (2 * (v))

durable int g(int n)
{
    int a = DOUBLE_IT(await(add(n, 1))); int aw1_ = 0;
    return a + aw1_;
}

/* expect: 10:1: error: continue inside a macro or an #included file in a loop whose condition awaits */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int s = 0;
    for (int i = 0; i < await(step(n)); i++) {
#include "include_continue.inc"
        s += i;
    }
    return s;
}

/* expect: 11:9: error: continue inside a macro in a loop whose condition awaits */
#include <durable.h>

int step(int x);
#define SKIP_ODD(i) if ((i) % 2) continue

durable int f(int n)
{
    int s = 0;
    for (int i = 0; i < await(step(n)); i++) {
        SKIP_ODD(i);
        s += i;
    }
    return s;
}

/* expect: 8:9: error: local 'i' is live across the await at line 12 but hidden there by another 'i': a static local, which dcc does not save */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int i = n;
    {
        static int i = 2;
        i++;
        await(step(i));
    }
    return i + n;
}

/* expect: 8:9: error: local 'i' is live across the await at line 11 but hidden there by another 'i' */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int i = n;
    {
        int i = 2;
        await(step(i));
        n += i;
    }
    return i + n;
}

/* expect: 9:9: error: local 'i' is live across the await at line 13 but hidden there by another 'i': its address may be taken, so it could change there through a pointer */
#include <durable.h>

int step(int x);
void keep(int *p);

durable int f(int n)
{
    int i = n;
    keep(&i);
    {
        int i = 2;
        await(step(i));
        n += i;
    }
    return i + n;
}

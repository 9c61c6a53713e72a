/* expect: 8:9: error: local 'v' is live across the await at line 11 but hidden there by another 'v': its address may be taken, so it could change there through a pointer */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int v[2] = {n, n};
    {
        int v = 3; /* the outer v could change through a pointer taken before */
        n += await(step(v));
    }
    return v[0] + n;
}

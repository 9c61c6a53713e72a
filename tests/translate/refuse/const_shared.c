/* expect: 8:15: error: const local 'k' is live across the await at line 10, and dcc cannot drop its const */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    const int k = n * 2, *p = &k; /* dropping this const would change p's type */
    int v = *p;
    await(step(v));
    return k;
}

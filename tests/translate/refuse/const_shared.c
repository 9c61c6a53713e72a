/* expect: 8:15: error: const local 'k' is live across the await at line 10, and dcc cannot drop its const */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    const int k = n * 2, *p = 0; /* dropping this const would change p's type */
    int v = p ? *p : 1;
    await(step(v));
    return k;
}

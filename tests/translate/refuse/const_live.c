/* expect: 10:10: error: const local 'k' is live across the await at line 11, and dcc cannot drop its const */
#include <durable.h>

int step(int x);

typedef const int cint;

durable int f(int n)
{
    cint k = n * 2; /* a const dcc cannot drop: it is in the typedef */
    await(step(n));
    return k;
}

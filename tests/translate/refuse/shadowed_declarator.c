/* expect: 8:9: error: local 'i' is live across the await at line 11 but hidden there by another 'i': the same declaration uses it before hiding it */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    int i = n;
    {
        int j = i++, i = 3; /* i++ runs after dcc would save the outer i */
        n += await(step(i + j));
    }
    return i + n;
}

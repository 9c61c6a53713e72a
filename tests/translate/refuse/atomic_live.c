/* expect: 8:17: error: local 'hits' of type '_Atomic(int)' (a type dcc cannot persist) is live across the await at line 9 */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    _Atomic int hits = n; /* an atomic's bytes are not a value to restore */
    await(step(n));
    return hits;
}

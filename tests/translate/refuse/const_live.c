/* expect: 8:15: error: const local 'k' is live across the await at line 9 */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    const int k = n * 2;
    await(step(n));
    return k;
}

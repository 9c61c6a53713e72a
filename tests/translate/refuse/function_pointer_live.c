/* expect: 9:11: error: local 'fp' of type 'int (*)(int)' (a function pointer) is live across the await at line 11 */
#include <durable.h>

int step(int x);
int twice(int x);

durable int f(int x)
{
    int (*fp)(int) = twice;
    (void)fp;
    await(step(x));
    return fp(x);
}

/* expect: 10:9: error: setjmp/longjmp (_setjmp) in a durable function */
#include <durable.h>
#include <setjmp.h>

int step(int x);

durable int f(int n)
{
    jmp_buf jb;
    if (setjmp(jb))
        return 1;
    return await(step(n));
}

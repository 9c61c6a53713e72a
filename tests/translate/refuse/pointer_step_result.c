/* expect: 8:20: error: step 'find' returns 'int *', a pointer, which cannot be checkpointed */
#include <durable.h>

int *find(int x);

durable int f(int n)
{
    int *p = await(find(n));
    return p != 0;
}

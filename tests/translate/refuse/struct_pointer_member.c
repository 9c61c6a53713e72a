/* expect: 12:17: error: local 'a' of type 'struct node' (member 'next' has type 'struct node *': a pointer) is live across the await at line 13 */
#include <durable.h>

int step(int x);
struct node {
    int v;
    struct node *next;
};

durable int f(int n)
{
    struct node a = {n, 0};
    await(step(n));
    return a.v;
}

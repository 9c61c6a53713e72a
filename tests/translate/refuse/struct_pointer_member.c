/* expect: 13:7: error: local 'a' of type 'struct node' (member 'next' holds a pointer, and the type is declared inside a function) is live across the await at line 14 */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    /* a pointer member is saved member by member (docs/semantics.md G17):
     * dcc must describe the members, which it cannot for a local type */
    struct node {
        int v;
        struct node *next;
    } a = {n, 0};
    await(step(n));
    return a.v + (a.next != 0);
}

/* expect: 8:1: error: await inside a file #included into a function cannot be translated */
#include <durable.h>

int step(int x);

durable int f(int n)
{
#include "include_await.inc"
    return v;
}

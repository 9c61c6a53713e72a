/* expect: 8:1: error: return inside a macro or an #included file in a durable function cannot be translated */
#include <durable.h>

int step(int x);

durable int f(int n)
{
#include "include_return.inc"
}

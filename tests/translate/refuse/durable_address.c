/* expect: 11:22: error: the address of durable function 'g' is taken */
#include <durable.h>

durable int g(int x)
{
    return x;
}

int main(void)
{
    int (*fp)(int) = g;
    return fp != 0;
}

/* expect: 11:12: error: durable function 'g' called directly */
#include <durable.h>

durable int g(int x)
{
    return x;
}

int main(void)
{
    return g(1);
}

/* expect: 9:10: error: */
#include <durable.h>

int step(int x);

durable int f(int n)
{
    switch (n) {
    case await(step(1)):
        return 1;
    }
    return 0;
}

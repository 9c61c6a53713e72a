/* greet.c — plain C in a second file. */
#include "greet.h"

const char *greeting(void)
{
    return "hello from dcc";
}

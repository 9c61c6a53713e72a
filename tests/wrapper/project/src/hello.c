/* hello.c — a program without durable code, built through dcc too. */
#include <stdio.h>
#include "greet.h"

int main(void)
{
    printf("%s\n", greeting());
    return 0;
}

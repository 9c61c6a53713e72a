/* corpus: _Complex arithmetic in ordinary functions and in a durable
 * function (between awaits), <complex.h> included. */
#include "e2e.h"
#include <complex.h>

static double _Complex rotate(double _Complex z)
{
    return z * I;
}

static int step_norm(int re, int im)
{
    effect("norm %d %d", re, im);
    double _Complex z = rotate((double)re + (double)im * I);
    return (int)(creal(z) * 100 + cimag(z));
}

durable int complex_flow(int n)
{
    float _Complex w = 1.0f + 2.0f * I;
    int a = await(step_norm(n, n + 1));
    double _Complex z = (double)a + 0.5 * I;
    z = z * z;
    int b = (int)creal(z) + (int)cimag(z) + (int)crealf(w);
    int c = await(step_norm(b % 7, 1));
    return a + b + c;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    double _Complex z = rotate(3.0 + 4.0 * I);
    printf("plain: %.1f %.1f %.1f\n", creal(z), cimag(z), cabs(z));
    durable_start(rt, "complex", complex_flow(3));
    E2E_RUN(rt);
    E2E_PRINT(rt, "complex");
    durable_close(rt);
    return 0;
}

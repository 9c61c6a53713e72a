/* corpus: flexible array members, built and read by ordinary code and by
 * durable code between awaits (not live across them: a pointer is not). */
#include "e2e.h"

struct vec {
    int n;
    int v[];
};

static struct vec *vec_new(int n)
{
    struct vec *p = malloc(sizeof *p + (size_t)n * sizeof p->v[0]);
    if (!p)
        exit(1);
    p->n = n;
    for (int i = 0; i < n; i++)
        p->v[i] = i * i;
    return p;
}

static int vec_sum(const struct vec *p)
{
    int s = 0;
    for (int i = 0; i < p->n; i++)
        s += p->v[i];
    return s;
}

static int step_vec(int n)
{
    effect("vec %d", n);
    struct vec *p = vec_new(n);
    int s = vec_sum(p);
    free(p);
    return s;
}

durable int flex_flow(int n)
{
    int total = await(step_vec(n));
    {
        struct vec *p = vec_new(3);
        total += vec_sum(p) + (int)sizeof(struct vec);
        free(p);
    }
    total += await(step_vec(total % 5 + 1));
    return total;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    struct vec *p = vec_new(4);
    printf("plain: %d\n", vec_sum(p));
    free(p);
    durable_start(rt, "flex", flex_flow(5));
    E2E_RUN(rt);
    E2E_PRINT(rt, "flex");
    durable_close(rt);
    return 0;
}

/*
 * live.c — liveness analysis: which variables may be read before being
 * overwritten, from each point of a durable function.
 *
 * The classic backward dataflow: in(n) = use(n) | (out(n) & ~def(n)),
 * out(n) = union of in(s) over successors s, iterated over bitsets until
 * nothing changes.  Defs are only recorded where a write is certain, so the
 * result over-approximates: a variable may be saved without need, never
 * the other way round.
 */
#include "live.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ilist {
    int *v;
    int n, cap;
} ilist;

typedef struct cnode {
    ilist succ, use, def;
} cnode;

struct cfg {
    cnode *v;
    int n, cap;
    int words;
    uint64_t *in; /* n * words */
};

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("dcc: error: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static void ipush(ilist *l, int x)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4;
        l->v = xrealloc(l->v, sizeof *l->v * (size_t)l->cap);
    }
    l->v[l->n++] = x;
}

cfg *cfg_new(void)
{
    cfg *g = xrealloc(NULL, sizeof *g);
    memset(g, 0, sizeof *g);
    return g;
}

void cfg_free(cfg *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n; i++) {
        free(g->v[i].succ.v);
        free(g->v[i].use.v);
        free(g->v[i].def.v);
    }
    free(g->v);
    free(g->in);
    free(g);
}

int cfg_node(cfg *g)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->v = xrealloc(g->v, sizeof *g->v * (size_t)g->cap);
    }
    memset(&g->v[g->n], 0, sizeof g->v[g->n]);
    return g->n++;
}

void cfg_edge(cfg *g, int from, int to)
{
    if (from >= 0 && to >= 0)
        ipush(&g->v[from].succ, to);
}

void cfg_use(cfg *g, int node, int var)
{
    if (node >= 0 && var >= 0)
        ipush(&g->v[node].use, var);
}

void cfg_def(cfg *g, int node, int var)
{
    if (node >= 0 && var >= 0)
        ipush(&g->v[node].def, var);
}

void cfg_solve(cfg *g, int nvars)
{
    int w = (nvars + 63) / 64;
    if (w == 0)
        w = 1;
    g->words = w;
    g->in = xrealloc(NULL, sizeof(uint64_t) * (size_t)w * (size_t)g->n);
    memset(g->in, 0, sizeof(uint64_t) * (size_t)w * (size_t)g->n);
    uint64_t *out = xrealloc(NULL, sizeof(uint64_t) * (size_t)w);
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int n = g->n - 1; n >= 0; n--) {
            cnode *c = &g->v[n];
            memset(out, 0, sizeof(uint64_t) * (size_t)w);
            for (int s = 0; s < c->succ.n; s++)
                for (int k = 0; k < w; k++)
                    out[k] |= g->in[(size_t)c->succ.v[s] * (size_t)w + (size_t)k];
            for (int d = 0; d < c->def.n; d++)
                out[c->def.v[d] / 64] &= ~((uint64_t)1 << (c->def.v[d] % 64));
            for (int x = 0; x < c->use.n; x++)
                out[c->use.v[x] / 64] |= (uint64_t)1 << (c->use.v[x] % 64);
            uint64_t *in = &g->in[(size_t)n * (size_t)w];
            if (memcmp(in, out, sizeof(uint64_t) * (size_t)w)) {
                memcpy(in, out, sizeof(uint64_t) * (size_t)w);
                changed = 1;
            }
        }
    }
    free(out);
}

int cfg_live_in(const cfg *g, int node, int var)
{
    if (node < 0 || var < 0 || !g->in)
        return 0;
    return (int)((g->in[(size_t)node * (size_t)g->words + (size_t)(var / 64)] >> (var % 64)) & 1);
}

int cfg_nsucc(const cfg *g, int node) { return g->v[node].succ.n; }
int cfg_succ(const cfg *g, int node, int i) { return g->v[node].succ.v[i]; }
int cfg_count(const cfg *g) { return g->n; }

void cfg_dump(const cfg *g, FILE *out)
{
    for (int n = 0; n < g->n; n++) {
        const cnode *c = &g->v[n];
        fprintf(out, "n%d:", n);
        for (int i = 0; i < c->succ.n; i++)
            fprintf(out, " ->%d", c->succ.v[i]);
        fprintf(out, " use");
        for (int i = 0; i < c->use.n; i++)
            fprintf(out, " %d", c->use.v[i]);
        fprintf(out, " def");
        for (int i = 0; i < c->def.n; i++)
            fprintf(out, " %d", c->def.v[i]);
        if (g->in) {
            fprintf(out, " in");
            for (int v = 0; v < g->words * 64; v++)
                if (cfg_live_in(g, n, v))
                    fprintf(out, " %d", v);
        }
        fputc('\n', out);
    }
}

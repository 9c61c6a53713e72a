/*
 * ir.c — memory for the IR: a bump arena that lives as long as one unit,
 * growable arrays, and offset-to-line lookup.  No analysis here.
 */
#include "ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena {
    struct arena *next;
    size_t used, cap;
    max_align_t data[];
};

static void oom(void)
{
    fputs("dcc: error: out of memory\n", stderr);
    exit(2);
}

void *ir_alloc(ir_unit *u, size_t n)
{
    struct arena *a = u->arena;
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!a || a->cap - a->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        a = malloc(sizeof *a + cap);
        if (!a)
            oom();
        a->next = u->arena;
        a->used = 0;
        a->cap = cap;
        u->arena = a;
    }
    void *p = (char *)a->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *ir_strndup(ir_unit *u, const char *s, size_t n)
{
    char *p = ir_alloc(u, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *ir_strdup(ir_unit *u, const char *s)
{
    return ir_strndup(u, s ? s : "", strlen(s ? s : ""));
}

char *ir_printf(ir_unit *u, const char *fmt, ...)
{
    char probe[1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(probe, sizeof probe, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = ir_alloc(u, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void *ir_push(void *arr_ptr, int *n, int *cap, size_t sz)
{
    void **arr = arr_ptr;
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 8;
        void *p = realloc(*arr, (size_t)nc * sz);
        if (!p)
            oom();
        *arr = p;
        *cap = nc;
    }
    char *slot = (char *)*arr + (size_t)(*n)++ * sz;
    memset(slot, 0, sz);
    return slot;
}

void ir_unit_free(ir_unit *u)
{
    if (!u)
        return;
    for (int i = 0; i < u->nfuncs; i++) {
        free(u->funcs[i]->vars);
        free(u->funcs[i]->awaits);
        free(u->funcs[i]->lits);
    }
    free(u->funcs);
    free(u->callees);
    free(u->hosts);
    free(u->await_marks);
    free(u->globals);
    free(u->substs);
    free(u->lines);
    while (u->arena) {
        struct arena *n = u->arena->next;
        free(u->arena);
        u->arena = n;
    }
}

void ir_linecol(const ir_unit *u, unsigned off, unsigned *line, unsigned *col)
{
    unsigned lo = 0, hi = u->nlines;
    while (hi - lo > 1) {
        unsigned mid = (lo + hi) / 2;
        if (u->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    if (line)
        *line = lo + 1;
    if (col)
        *col = off - (u->nlines ? u->lines[lo] : 0) + 1;
}

unsigned ir_origin_offset(const ir_unit *u, unsigned off)
{
    unsigned delta_from = 0, delta_to = 0; /* off - delta_from + delta_to */
    for (int i = 0; i < u->nedits; i++) {
        const ir_edit *ed = &u->edits[i];
        if (off < ed->b)
            break;
        if (off < ed->e) {
            unsigned o = ed->ob;
            for (int k = 0; k < ed->ntok && ed->tok[k] <= off; k++)
                o = ed->torig[k];
            return o;
        }
        delta_from = ed->e;
        delta_to = ed->oe;
    }
    return off - delta_from + delta_to;
}

void ir_origin(const ir_unit *u, unsigned off, unsigned *line, unsigned *col)
{
    if (!u->nedits || !u->olines) {
        ir_linecol(u, off, line, col);
        return;
    }
    unsigned o = ir_origin_offset(u, off);
    unsigned lo = 0, hi = u->nolines;
    while (hi - lo > 1) {
        unsigned mid = (lo + hi) / 2;
        if (u->olines[mid] <= o)
            lo = mid;
        else
            hi = mid;
    }
    if (line)
        *line = lo + 1;
    if (col)
        *col = o - u->olines[lo] + 1;
}

int ir_add_var(ir_unit *u, ir_func *f, const char *name, ir_type *t, unsigned off)
{
    ir_var *v = ir_push(&f->vars, &f->nvars, &f->capvars, sizeof *v);
    v->name = ir_strdup(u, name);
    v->type = t;
    v->off = off;
    ir_linecol(u, off, &v->line, &v->col);
    return f->nvars - 1;
}

ir_node *ir_strip(ir_node *n)
{
    while (n && (n->kind == IR_PAREN ||
                 (n->kind == IR_EXPR && n->nkid == 1 && n->kid[0]->b == n->b && n->kid[0]->e == n->e)))
        n = n->kid[0];
    return n;
}

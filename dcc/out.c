/*
 * out.c — the text buffers of out.h.  Host calls (`f(args)` used as a
 * durable_call) are rewritten here, wherever user text is copied, so every
 * copy of user text gets them.
 */
#include "out.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_put(sb *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            fputs("dcc: error: out of memory\n", stderr);
            exit(2);
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

void sb_puts(sb *b, const char *s) { sb_put(b, s, strlen(s)); }

void sb_printf(sb *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sb_put(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(b, big, (size_t)n);
    free(big);
}

void sb_free(sb *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* Copy [from, to) with the unit's text rewrites (ir_subst) applied: at one
 * place, insertions first, in the order they were made. */
static void put_substs(sb *b, const ir_unit *u, unsigned from, unsigned to)
{
    int done = -1; /* the last insertion made at `from` */
    while (from < to) {
        int x = -1;
        for (int i = 0; i < u->nsubsts; i++) {
            const ir_subst *y = &u->substs[i];
            if (y->b < from || y->b >= to || y->e > to || (y->b == from && y->b == y->e && i <= done))
                continue;
            if (x < 0 || y->b < u->substs[x].b ||
                (y->b == u->substs[x].b && (y->e == y->b) > (u->substs[x].e == u->substs[x].b)))
                x = i;
        }
        if (x < 0) {
            sb_put(b, u->src + from, to - from);
            return;
        }
        const ir_subst *y = &u->substs[x];
        sb_put(b, u->src + from, y->b - from);
        sb_puts(b, y->text);
        done = y->e == y->b ? x : -1;
        from = y->e;
    }
}

void sb_src(sb *b, const ir_unit *u, unsigned from, unsigned to)
{
    if (to > u->len)
        to = u->len;
    while (from < to) {
        const ir_hostcall *h = NULL;
        for (int i = 0; i < u->nhosts; i++)
            if (u->hosts[i].b >= from && u->hosts[i].b < to && (!h || u->hosts[i].b < h->b))
                h = &u->hosts[i];
        if (!h) {
            put_substs(b, u, from, to);
            return;
        }
        put_substs(b, u, from, h->b);
        sb_printf(b, "(durable_call){ &%s__fn, &(struct %s__args){ ", h->callee->name, h->callee->name);
        int empty = 1;
        for (unsigned p = h->argb; p < h->arge; p++)
            if (u->src[p] != ' ' && u->src[p] != '\t' && u->src[p] != '\n')
                empty = 0;
        if (empty)
            sb_puts(b, "0");
        else
            sb_src(b, u, h->argb, h->arge);
        sb_printf(b, " }, sizeof(struct %s__args) }", h->callee->name);
        from = h->e;
    }
}

void ob_init(ob *o, const ir_unit *u)
{
    memset(o, 0, sizeof *o);
    o->u = u;
    o->line = -1;
    o->bol = 1;
    o->outline = 1;
}

static void account(ob *o, size_t from)
{
    for (size_t i = from; i < o->b.n; i++) {
        if (o->b.s[i] == '\n') {
            o->outline++;
            if (o->line >= 0)
                o->line++;
            o->bol = 1;
        } else
            o->bol = 0;
    }
}

void ob_gen(ob *o, const char *s)
{
    size_t at = o->b.n;
    sb_puts(&o->b, s);
    account(o, at);
}

void ob_genf(ob *o, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    ob_gen(o, tmp);
}

static void put_path(ob *o, const char *p, const char *suffix)
{
    sb_puts(&o->b, "\"");
    for (; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_put(&o->b, "\\", 1);
        sb_put(&o->b, p, 1);
    }
    sb_puts(&o->b, suffix);
    sb_puts(&o->b, "\"");
}

/* End the current output line, without trailing blanks. */
static void end_line(ob *o)
{
    if (o->bol)
        return;
    while (o->b.n && (o->b.s[o->b.n - 1] == ' ' || o->b.s[o->b.n - 1] == '\t'))
        o->b.s[--o->b.n] = 0;
    ob_gen(o, "\n");
}

void ob_sync(ob *o, unsigned line)
{
    end_line(o);
    sb_printf(&o->b, "#line %u ", line);
    put_path(o, o->u->path, "");
    ob_gen(o, "\n");
    o->line = line;
}

void ob_line(ob *o, unsigned line)
{
    if (o->line == (long)line)
        return;
    if (o->line >= 0 && (long)line > o->line && (long)line - o->line <= 3) {
        while (o->line < (long)line)
            ob_gen(o, "\n");
        return;
    }
    ob_sync(o, line);
}

void ob_genblock(ob *o)
{
    if (!o->bol)
        ob_gen(o, "\n");
    sb_printf(&o->b, "#line %lu ", o->outline + 1);
    put_path(o, o->u->path, o->genname ? o->genname : ".dcc.c");
    ob_gen(o, "\n");
    o->line = -1;
}

void ob_genplace(ob *o)
{
    end_line(o);
    sb_puts(&o->b, "#line \001 ");
    put_path(o, o->u->path, o->genname ? o->genname : ".dcc.c");
    ob_gen(o, "\n");
    o->line = -1;
}

void ob_fix_places(ob *o)
{
    sb out = {0, 0, 0};
    unsigned long line = 1;
    size_t p = 0;
    while (p < o->b.n) {
        const char *nl = memchr(o->b.s + p, '\n', o->b.n - p);
        size_t e = nl ? (size_t)(nl - o->b.s) + 1 : o->b.n;
        if (e - p > 7 && !memcmp(o->b.s + p, "#line \001", 7)) {
            sb_printf(&out, "#line %lu", line + 1);
            sb_put(&out, o->b.s + p + 7, e - p - 7);
        } else
            sb_put(&out, o->b.s + p, e - p);
        line++;
        p = e;
    }
    sb_free(&o->b);
    o->b = out;
}

void ob_src(ob *o, unsigned to)
{
    if (to <= o->pos)
        return;
    unsigned line;
    ir_linecol(o->u, o->pos, &line, NULL);
    ob_line(o, line);
    size_t at = o->b.n;
    sb_src(&o->b, o->u, o->pos, to);
    account(o, at);
    o->pos = to;
}

void ob_skip(ob *o, unsigned to)
{
    if (to > o->pos)
        o->pos = to;
}

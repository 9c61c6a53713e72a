/*
 * ident.c — where an await sits in its function, and what it says, in forms
 * that survive edits elsewhere: no line numbers, no positions among sibling
 * statements, no whitespace or comments.  The runtime compares these marks
 * between an old build's schema and the new build's descriptor to decide
 * which await an old frame waits at (runtime/src/upgrade.c).
 */
#include "ident.h"

#include <stdio.h>
#include <string.h>

typedef struct pathbuf {
    char s[1024];
    size_t n;
} pathbuf;

static size_t push(pathbuf *p, const char *el)
{
    size_t at = p->n;
    size_t k = strlen(el);
    if (p->n + 1 + k < sizeof p->s) {
        p->s[p->n++] = '/';
        memcpy(p->s + p->n, el, k);
        p->n += k;
        p->s[p->n] = '\0';
    }
    return at;
}

static void pop(pathbuf *p, size_t at)
{
    p->n = at;
    p->s[at] = '\0';
}

static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* src[b, e) without comments, whitespace only between identifier chars. */
static const char *normalise(ir_unit *u, unsigned b, unsigned e)
{
    if (e > u->len || b > e)
        return "";
    char *out = ir_alloc(u, (size_t)(e - b) + 1);
    size_t n = 0;
    int gap = 0;
    const char *s = u->src;
    for (unsigned p = b; p < e;) {
        char c = s[p];
        if (c == '/' && p + 1 < e && s[p + 1] == '*') {
            for (p += 2; p + 1 < e && !(s[p] == '*' && s[p + 1] == '/'); p++)
                ;
            p += 2;
            gap = 1;
        } else if (c == '/' && p + 1 < e && s[p + 1] == '/') {
            while (p < e && s[p] != '\n')
                p++;
            gap = 1;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
                   (c == '\\' && p + 1 < e && s[p + 1] == '\n')) {
            p++;
            gap = 1;
        } else if (c == '"' || c == '\'') {
            if (gap && n && is_ident(out[n - 1]))
                out[n++] = ' ';
            gap = 0;
            out[n++] = s[p++];
            while (p < e && s[p] != c) {
                if (s[p] == '\\' && p + 1 < e)
                    out[n++] = s[p++];
                out[n++] = s[p++];
            }
            if (p < e)
                out[n++] = s[p++];
        } else {
            if (gap && n && is_ident(out[n - 1]) && is_ident(c))
                out[n++] = ' ';
            gap = 0;
            out[n++] = s[p++];
        }
    }
    out[n] = '\0';
    return out;
}

/* The case labels of the switch section that statement i of compound c is
 * in ("case 2", "case 1,2", "default"), or NULL. */
static const char *section_label(ir_unit *u, const ir_node *c, int i)
{
    for (int k = i; k >= 0; k--) {
        const ir_node *s = c->kid[k];
        if (s->kind != IR_CASE && s->kind != IR_DEFAULT)
            continue;
        char buf[256];
        size_t n = 0;
        buf[0] = '\0';
        for (; s && (s->kind == IR_CASE || s->kind == IR_DEFAULT); s = s->nkid ? s->kid[s->nkid - 1] : NULL) {
            const char *t = "default";
            if (s->kind == IR_CASE && s->nkid > 1)
                t = normalise(u, s->kid[0]->b, s->kid[s->nkid - 2]->e);
            int w = snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "", t);
            if (w < 0 || (size_t)w >= sizeof buf - n)
                break;
            n += (size_t)w;
        }
        return ir_printf(u, "case %s", buf);
    }
    return NULL;
}

static int find(ir_unit *u, const ir_node *n, const ir_node *target, pathbuf *p)
{
    if (!n)
        return 0;
    if (n == target)
        return 1;
    if (!(n->flags & IRF_AWAIT))
        return 0;
    for (int i = 0; i < n->nkid; i++) {
        const char *el = NULL;
        switch (n->kind) {
        case IR_COMPOUND: el = section_label(u, n, i); break;
        case IR_IF: el = i == 0 ? "if.cond" : i == 1 ? "if.then" : "if.else"; break;
        case IR_WHILE: el = i == 0 ? "while.cond" : "while.body"; break;
        case IR_DO: el = i == 0 ? "do.body" : "do.cond"; break;
        case IR_SWITCH: el = i == 0 ? "switch.cond" : "switch.body"; break;
        case IR_FOR:
            el = i == n->for_body  ? "for.body"
                 : i == n->for_cond ? "for.cond"
                 : i == n->for_inc  ? "for.inc"
                                    : "for.init";
            break;
        default: break;
        }
        size_t at = el ? push(p, el) : p->n;
        if (find(u, n->kid[i], target, p))
            return 1;
        pop(p, at);
    }
    return 0;
}

const char *ident_place(ir_unit *u, const ir_func *f, const ir_await *a)
{
    pathbuf p;
    strcpy(p.s, "body");
    p.n = 4;
    if (!find(u, f->body, a->node, &p))
        return "body";
    return ir_strdup(u, p.s);
}

const char *ident_text(ir_unit *u, const ir_await *a)
{
    const ir_node *c = a->call ? a->call : a->node;
    if (!c || (c->flags & IRF_BADEXT))
        return "";
    return normalise(u, c->b, c->e);
}

const char *ident_c_string(ir_unit *u, const char *s)
{
    size_t n = strlen(s);
    char *out = ir_alloc(u, 4 * n + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c == '?') { /* '?': no trigraphs */
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            o += snprintf(o, 5, "\\%03o", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

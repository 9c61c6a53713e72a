/*
 * macro.c — the expansion of one macro invocation (see macro.h), as the C
 * preprocessor does it (C11 6.10.3): each token carries a hide set of the
 * macros that produced it, which it may not expand again (6.10.3.4p2); a
 * function-like macro's arguments are expanded completely before they are
 * substituted, except next to # and ##.
 *
 * One check is dcc's own: a macro that uses an argument containing an await
 * more than once would run that await more than once, so it is refused,
 * naming the macro and the parameter.
 */
#include "macro.h"
#include "diag.h"

#include <stdlib.h>
#include <string.h>

typedef struct tvec {
    mtok *v;
    int n, cap;
} tvec;

static void tpush(tvec *t, const mtok *x)
{
    *(mtok *)ir_push(&t->v, &t->n, &t->cap, sizeof *x) = *x;
}

static int is(const mtok *t, const char *s)
{
    size_t n = strlen(s);
    return (size_t)t->len == n && !memcmp(t->s, s, n);
}

static int same(const char *a, const char *b, int blen)
{
    return strlen(a) == (size_t)blen && !memcmp(a, b, (size_t)blen);
}

int macro_has(const mtok *t, int n, const char *word)
{
    for (int i = 0; i < n; i++)
        if (t[i].ident && is(&t[i], word))
            return 1;
    return 0;
}

static int hidden(const mtok *t, const char *name, int len)
{
    for (int i = 0; i < t->nhs; i++)
        if (same(t->hs[i], name, len))
            return 1;
    return 0;
}

/* t's hide set becomes a's (or a's ∩ b's when b is given) ∪ {name}. */
static void hide(mexp *X, mtok *t, const mtok *a, const mtok *b, const char *name)
{
    const char **v = ir_alloc(X->u, sizeof *v * (size_t)(a->nhs + 1));
    int n = 0, has = 0;
    for (int i = 0; i < a->nhs; i++)
        if (!b || hidden(b, a->hs[i], (int)strlen(a->hs[i]))) {
            has |= !strcmp(a->hs[i], name);
            v[n++] = a->hs[i];
        }
    if (!has)
        v[n++] = name;
    t->hs = v;
    t->nhs = n;
}

/* Add the hide set of `from` to t's. */
static void hide_more(mexp *X, mtok *t, const mtok *from)
{
    if (!from->nhs)
        return;
    const char **v = ir_alloc(X->u, sizeof *v * (size_t)(t->nhs + from->nhs));
    int n = 0;
    for (int i = 0; i < t->nhs; i++)
        v[n++] = t->hs[i];
    for (int i = 0; i < from->nhs; i++)
        if (!hidden(t, from->hs[i], (int)strlen(from->hs[i])))
            v[n++] = from->hs[i];
    t->hs = v;
    t->nhs = n;
}

int macro_painted(const mtok *t)
{
    return hidden(t, t->s, t->len);
}

static int param_of(const mdef *d, const mtok *t)
{
    if (!d->fnlike || !t->ident)
        return -1;
    for (int i = 0; i < d->nparams; i++)
        if (is(t, d->params[i]))
            return i;
    return -1;
}

static int run(mexp *X, tvec *stack, tvec *out, int depth);

/* The argument fully macro-expanded on its own (6.10.3.1). */
static int expand_arg(mexp *X, const tvec *raw, tvec *out, int depth)
{
    tvec st = {0, 0, 0};
    for (int i = raw->n - 1; i >= 0; i--)
        tpush(&st, &raw->v[i]);
    int rc = run(X, &st, out, depth + 1);
    free(st.v);
    return rc;
}

/* #x: the spelling of the argument as a string literal (6.10.3.2). */
static mtok stringify(mexp *X, const tvec *arg)
{
    size_t n = 3;
    for (int i = 0; i < arg->n; i++)
        n += (size_t)arg->v[i].len * 2 + 1;
    char *s = ir_alloc(X->u, n);
    size_t k = 0;
    s[k++] = '"';
    for (int i = 0; i < arg->n; i++) {
        const mtok *t = &arg->v[i];
        if (i && t->space)
            s[k++] = ' ';
        for (int j = 0; j < t->len; j++) {
            if (t->literal && (t->s[j] == '"' || t->s[j] == '\\'))
                s[k++] = '\\';
            s[k++] = t->s[j];
        }
    }
    s[k++] = '"';
    mtok r = {0};
    r.s = s;
    r.len = (int)k;
    r.literal = 1;
    return r;
}

static int ident_spelling(const char *s, int n)
{
    if (!n || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    for (int i = 1; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

/* unevaluated[i]: body token i is inside sizeof, _Alignof or typeof,
 * where an argument that awaits is not evaluated (6.5.3.4p2). */
static char *unevaluated(const mdef *d)
{
    char *u = calloc((size_t)d->nbody + 1, 1);
    for (int i = 0; u && i < d->nbody; i++) {
        const mtok *t = &d->body[i];
        if (!t->ident || !(is(t, "sizeof") || is(t, "_Alignof") || is(t, "__alignof__") || is(t, "typeof") ||
                           is(t, "__typeof__") || is(t, "__typeof")))
            continue;
        if (i + 1 < d->nbody && !is(&d->body[i + 1], "(")) {
            u[i + 1] = 1; /* sizeof x */
            continue;
        }
        for (int j = i + 1, level = 0; j < d->nbody; j++) {
            level += is(&d->body[j], "(") - is(&d->body[j], ")");
            u[j] = 1;
            if (level == 0)
                break;
        }
    }
    return u;
}

/* Substitute the arguments into d's body (6.10.3.1-3), with the invocation
 * token `inv` and hide set holder `hs`; count in `uses` (outer_uses for
 * the inside of a __VA_OPT__) how often each awaiting argument is used. */
static int subst(mexp *X, const mdef *d, const mtok *inv, tvec *args, int nargs, const mtok *hs, tvec *res,
                 int depth, int *outer_uses)
{
    char *uneval = unevaluated(d);
    tvec *exp = calloc((size_t)(nargs ? nargs : 1), sizeof *exp);
    char *done = calloc((size_t)(nargs ? nargs : 1), 1);
    int *uses = outer_uses ? outer_uses : calloc((size_t)(nargs ? nargs : 1), sizeof *uses);
    int rc = 0, placemarker = 0;
    for (int i = 0; i < d->nbody && rc == 0; i++) {
        const mtok *b = &d->body[i];
        int p = param_of(d, b);
        if (d->variadic && b->ident && is(b, "__VA_OPT__") && i + 1 < d->nbody && is(&d->body[i + 1], "(")) {
            int level = 0, j;
            for (j = i + 1; j < d->nbody; j++) {
                level += is(&d->body[j], "(") - is(&d->body[j], ")");
                if (level == 0)
                    break;
            }
            int va = d->nparams - 1;
            if (j < d->nbody && va < nargs && args[va].n) { /* C23 6.10.5.1 */
                mdef inner = *d;
                inner.body = d->body + i + 2;
                inner.nbody = j - i - 2;
                mtok none = {0};
                int from = res->n;
                rc = subst(X, &inner, inv, args, nargs, &none, res, depth, uses);
                if (rc == 0 && res->n > from)
                    res->v[from].space = b->space;
            }
            i = j;
            placemarker = 0;
            continue;
        }
        if (d->fnlike && is(b, "#") && i + 1 < d->nbody && param_of(d, &d->body[i + 1]) >= 0) {
            int q = param_of(d, &d->body[++i]);
            mtok s = stringify(X, q < nargs ? &args[q] : &(tvec){0, 0, 0});
            s.space = b->space;
            s.origin = inv->origin;
            tpush(res, &s);
            placemarker = 0;
            continue;
        }
        if (is(b, "##") && i + 1 < d->nbody) {
            const mtok *nx = &d->body[++i];
            int q = param_of(d, nx);
            tvec one = {(mtok *)nx, 1, 1};
            const tvec *rhs = q >= 0 ? (q < nargs ? &args[q] : &(tvec){0, 0, 0}) : &one;
            int gnu_comma = q >= 0 && d->variadic && q == d->nparams - 1 && res->n && !placemarker &&
                            is(&res->v[res->n - 1], ",");
            if (gnu_comma && rhs->n == 0 && !(X->strict && d->nparams == 1)) {
                res->n--; /* `, ## __VA_ARGS__` with no variable arguments */
                continue;
            }
            int from = 0;
            if (!placemarker && !gnu_comma && rhs->n && res->n) {
                mtok *l = &res->v[res->n - 1];
                const mtok *r = &rhs->v[0];
                char *s = ir_alloc(X->u, (size_t)(l->len + r->len) + 1);
                memcpy(s, l->s, (size_t)l->len);
                memcpy(s + l->len, r->s, (size_t)r->len);
                l->s = s;
                l->len += r->len;
                l->ident = (unsigned char)ident_spelling(s, l->len);
                l->literal = l->literal || r->literal;
                from = 1;
            }
            for (int k = from; k < rhs->n; k++) {
                mtok c = rhs->v[k];
                if (q < 0)
                    c.origin = inv->origin, c.nhs = 0, c.hs = NULL;
                tpush(res, &c);
            }
            placemarker = rhs->n == 0 && placemarker;
            continue;
        }
        if (p >= 0) {
            int before_paste = i + 1 < d->nbody && is(&d->body[i + 1], "##");
            const tvec *src;
            tvec none = {0, 0, 0};
            if (p >= nargs)
                src = &none;
            else if (before_paste)
                src = &args[p];
            else {
                if (!done[p]) {
                    done[p] = 1;
                    if (expand_arg(X, &args[p], &exp[p], depth) < 0) {
                        rc = -1;
                        break;
                    }
                }
                src = &exp[p];
                if (macro_has(src->v, src->n, "await") && !(uneval && uneval[i]))
                    uses[p]++;
            }
            for (int k = 0; k < src->n; k++) {
                mtok c = src->v[k];
                if (k == 0)
                    c.space = b->space;
                tpush(res, &c);
            }
            placemarker = src->n == 0;
            continue;
        }
        mtok c = *b;
        c.origin = inv->origin;
        c.hs = NULL;
        c.nhs = 0;
        tpush(res, &c);
        placemarker = 0;
    }
    for (int p = 0; p < nargs && rc == 0 && !outer_uses; p++)
        if (uses[p] > 1) {
            unsigned at = X->at;
            for (int k = 0; k < args[p].n; k++)
                if (args[p].v[k].ident && is(&args[p].v[k], "await")) {
                    at = args[p].v[k].origin;
                    break;
                }
            if (!macro_has(args[p].v, args[p].n, "await") && exp[p].n)
                at = exp[p].v[0].origin;
            if (!X->quiet) {
                diag_error(X->u, at, "macro '%s' evaluates its argument '%s', which awaits, %d times%s%s%s", d->name,
                           d->params[p], uses[p], strcmp(d->name, X->outer) ? " (in the expansion of '" : "",
                           strcmp(d->name, X->outer) ? X->outer : "", strcmp(d->name, X->outer) ? "')" : "");
                diag_note(X->u, at, "the await would run %d times; await into a local first and pass the "
                                    "local to '%s'", uses[p], d->name);
            }
            rc = -1;
        }
    for (int p = 0; p < nargs; p++)
        free(exp[p].v);
    free(exp);
    free(done);
    free(uneval);
    if (!outer_uses)
        free(uses);
    if (rc == 0)
        for (int k = 0; k < res->n; k++)
            hide_more(X, &res->v[k], hs);
    return rc;
}

static int run(mexp *X, tvec *stack, tvec *out, int depth)
{
    if (depth > 200) {
        if (!X->quiet)
            diag_error(X->u, X->at, "macro '%s' nests too deeply for dcc to expand", X->outer);
        return -1;
    }
    while (stack->n) {
        mtok t = stack->v[--stack->n];
        const mdef *d = NULL;
        if (t.ident && !is(&t, "await") && !hidden(&t, t.s, t.len))
            d = X->lookup(X->ctx, t.s, t.len);
        if (!d || (d->fnlike && (!stack->n || !is(&stack->v[stack->n - 1], "(")))) {
            tpush(out, &t);
            continue;
        }
        tvec body = {0, 0, 0};
        mtok hs = {0};
        int rc;
        if (!d->fnlike) {
            hide(X, &hs, &t, NULL, d->name);
            rc = subst(X, d, &t, NULL, 0, &hs, &body, depth, NULL);
        } else {
            stack->n--; /* ( */
            tvec *args = NULL;
            int nargs = 0, cap = 0, level = 0;
            ir_push(&args, &nargs, &cap, sizeof *args);
            int nalloc;
            mtok rp = {0};
            int closed = 0;
            while (stack->n) {
                mtok a = stack->v[--stack->n];
                if (level == 0 && is(&a, ")")) {
                    rp = a;
                    closed = 1;
                    break;
                }
                if (level == 0 && is(&a, ",") && !(d->variadic && nargs >= d->nparams)) {
                    ir_push(&args, &nargs, &cap, sizeof *args);
                    continue;
                }
                level += is(&a, "(") - is(&a, ")");
                tpush(&args[nargs - 1], &a);
            }
            nalloc = nargs;
            if (nargs == 1 && args[0].n == 0 && d->nparams == 0)
                nargs = 0;
            rc = 0;
            if (!closed) {
                if (!X->quiet)
                    diag_error(X->u, t.origin, "unterminated invocation of macro '%s'", d->name);
                rc = -1;
            } else if (nargs != d->nparams && !(d->variadic && nargs == d->nparams - 1)) {
                if (!X->quiet)
                    diag_error(X->u, t.origin, "macro '%s' takes %d arguments, given %d", d->name, d->nparams, nargs);
                rc = -1;
            } else {
                hide(X, &hs, &t, &rp, d->name);
                rc = subst(X, d, &t, args, nargs, &hs, &body, depth, NULL);
            }
            for (int k = 0; k < nalloc; k++)
                free(args[k].v);
            free(args);
        }
        if (rc < 0) {
            free(body.v);
            return -1;
        }
        if (body.n)
            body.v[0].space = t.space;
        for (int k = body.n - 1; k >= 0; k--)
            tpush(stack, &body.v[k]);
        free(body.v);
    }
    return 0;
}

int macro_expand(mexp *X, const mtok *in, int n, mtok **out)
{
    tvec st = {0, 0, 0}, res = {0, 0, 0};
    for (int i = n - 1; i >= 0; i--)
        tpush(&st, &in[i]);
    int rc = run(X, &st, &res, 0);
    free(st.v);
    /* What the compiler of dcc's output would expand again, differently: a
     * macro name the expansion left painted (6.10.3.4p2). */
    for (int i = 0; rc == 0 && i < res.n; i++) {
        const mtok *t = &res.v[i];
        if (!t->ident || is(t, "await") || !hidden(t, t->s, t->len))
            continue;
        const mdef *d = X->lookup(X->ctx, t->s, t->len);
        if (!d || (!d->fnlike && d->nbody == 1 && is(&d->body[0], d->name)))
            continue; /* #define stdin stdin */
        if (!X->quiet)
            diag_error(X->u, X->at, "the expansion of macro '%s' contains the name '%s' of a macro it is "
                                    "expanding, which dcc cannot keep unexpanded", X->outer, d->name);
        rc = -1;
    }
    if (rc < 0) {
        free(res.v);
        return -1;
    }
    *out = ir_alloc(X->u, sizeof **out * (size_t)(res.n ? res.n : 1));
    if (res.n)
        memcpy(*out, res.v, sizeof **out * (size_t)res.n);
    free(res.v);
    return res.n;
}

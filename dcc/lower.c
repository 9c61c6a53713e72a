/*
 * lower.c — rewrites the body of one durable function into the body of its
 * step function, and builds the control-flow graph that decides what each
 * await saves.
 *
 * The scheme (docs/translation.md has it with real output):
 *  - the user's locals stay C locals; text without awaits is copied as
 *    written (macros intact) and keeps its lines;
 *  - every await becomes a statement sequence in place:
 *      T tN_; if (0) { awN_: RELOAD } if (durable__begin(co_, N)) { ISSUE
 *      SPILL return durable__X(...); }
 *      if (durable__take(co_, &tN_, sizeof tN_)) return DURABLE__STOP;
 *    with the resume block (if (0) ...) and the save block (SPILL, return,
 *    the take) on lines of their own, attributed to the generated file, the
 *    begin check and each statement of ISSUE on lines of their own under a
 *    #line to the await's line (next_stmt), and the rest on the await's line;
 *    and the await expression is replaced by tN_; awaits in one expression
 *    are hoisted left to right, which C's unsequenced operands allow;
 *  - && || ?: , with an await on the right become real branches, so what C
 *    would not evaluate is not evaluated;
 *  - loop conditions and increments that await move into for (;;) bodies,
 *    with `continue` sent to the increment (goto contK_) where needed;
 *  - a local whose address is taken (pinned by find.c) lives in the frame
 *    for the whole run: its uses become f_->x and its declaration a copy
 *    into the frame (pin_locals), so pointers to it stay valid.
 * SPILL/RELOAD are holes filled after liveness (live.c) is solved.
 *
 * Refusals that need liveness are made here: pointers, consts and shadowed
 * names live across an await, and VLAs in scope of one.
 */
#include "lower.h"
#include "diag.h"
#include "live.h"

#include <stdlib.h>
#include <string.h>

typedef struct ilist {
    int *v;
    int n, cap;
} ilist;

static void ipush(ilist *l, int x)
{
    *(int *)ir_push(&l->v, &l->n, &l->cap, sizeof(int)) = x;
}

typedef struct hole {
    size_t at;   /* offset in the output buffer */
    int await;   /* index in f->awaits */
    int spill;   /* 1 spill, 0 reload */
    int kind;    /* HOLE_AWAIT, HOLE_CONST (a: first of n vars in cvars),
                    HOLE_SHADOW (a: index in shadows) */
    int a, n;
    const char *ind; /* HOLE_AWAIT: one statement a line, indented so; NULL: inline */
} hole;

enum { HOLE_AWAIT, HOLE_CONST, HOLE_SHADOW };

/* A declaration of w that hides the visible local v of the same name.  Its
 * hole, just before the declaration (where v is still visible), saves v and
 * holds the resume stubs that restore v for the awaits in w's scope. */
typedef struct shadow {
    int w, v;
    const char *bad; /* why v cannot be saved there, or NULL */
} shadow;

/* A `const` token dcc may drop from a declaration: top-level const of
 * locals live across an await (restored by assignment on a resume). */
typedef struct dconst {
    unsigned off, len;
    int a, n;    /* its variables: cvars[a .. a+n) */
} dconst;

typedef struct target {
    int brk, cont;   /* CFG nodes */
    int is_switch, head, has_default;
    int label;       /* contK_ label number, or 0 */
    int label_used;
} target;

typedef struct labelref {
    const char *name;
    int node;
} labelref;

typedef struct lw {
    ir_unit *u;
    ir_func *f;
    ob *o;
    cfg *g;
    int cur, exit;
    target *t; int nt, capt;
    ilist scope;
    labelref *labels; int nlabels, caplabels;
    hole *holes; int nholes, capholes;
    int ngen;     /* counter for cK_, qK_, contK_ */
    int errvar;   /* pseudo variable: "reads durable_error()" */
    int errors;
    int stack_escape; /* an address into the stack may be kept: no thunks */
    shadow *shadows; int nshadows, capshadows;
    dconst *dc; int ndc, capdc; /* of the declaration being copied */
    ilist cvars;  /* variables of HOLE_CONST holes */
    ilist constok;/* const locals whose const dcc can drop */
    /* after settle(), per await k and var v (index k * nv + v): */
    int nv;
    int *hider;   /* the var hiding v at k (+1), 0 if v is not hidden */
    int *stub;    /* label number of v's resume stub at k, or 0 */
    int nstub;
} lw;

/* ---- helpers ------------------------------------------------------------ */

/* The type of the temporaries dcc makes for && and ||. */
static ir_type int_type = {.kind = IRT_INT, .spelling = "int", .decl_pre = "int ", .decl_post = "",
                           .elem = "int", .count = 1, .size = 4, .align = 4};

static int node_after(lw *L)
{
    int n = cfg_node(L->g);
    cfg_edge(L->g, L->cur, n);
    L->cur = n;
    return n;
}

/* Is kid i of n the variable a plain `x = e` writes (not a read of x)? */
static int plain_lhs(ir_node *n, int i)
{
    return i == 0 && n->kind == IR_BINARY && !strcmp(n->op, "=") && n->nkid == 2 &&
           ir_strip(n->kid[0])->kind == IR_REF;
}

/* The locals n reads (over-approximated: every mention but a plain lhs). */
static void refs(lw *L, ir_node *n, ilist *uses)
{
    if (!n)
        return;
    if (n->kind == IR_REF && n->var >= 0)
        ipush(uses, n->var);
    if (n->kind == IR_CALL && n->callee && !strcmp(n->callee->name, "durable_error"))
        ipush(uses, L->errvar);
    for (int i = 0; i < n->nkid; i++)
        if (!plain_lhs(n, i))
            refs(L, n->kid[i], uses);
}

static void use_all(lw *L, int node, const ilist *uses)
{
    for (int i = 0; i < uses->n; i++)
        cfg_use(L->g, node, uses->v[i]);
}

/* The variable a statement-level `x = e` certainly overwrites, or -1. */
static int killed(ir_node *e)
{
    e = ir_strip(e);
    if (e && e->kind == IR_BINARY && !strcmp(e->op, "=") && e->nkid == 2) {
        ir_node *l = ir_strip(e->kid[0]);
        if (l->kind == IR_REF && l->var >= 0)
            return l->var;
    }
    return -1;
}

static hole *hole_at(lw *L, int await, int spill)
{
    hole *h = ir_push(&L->holes, &L->nholes, &L->capholes, sizeof *h);
    h->at = L->o->b.n;
    h->await = await;
    h->spill = spill;
    h->kind = HOLE_AWAIT;
    h->ind = NULL;
    return h;
}

/* ---- the user's text of a declaration ----------------------------------- */

static int idch(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Skip blanks and comments from p (not past end). */
static unsigned blank(lw *L, unsigned p, unsigned end)
{
    const char *s = L->u->src;
    while (p < end) {
        if (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r' || s[p] == '\f' || s[p] == '\v')
            p++;
        else if (s[p] == '\\' && p + 1 < end && s[p + 1] == '\n')
            p += 2;
        else if (s[p] == '/' && p + 1 < end && s[p + 1] == '*') {
            const char *e = strstr(s + p + 2, "*/");
            p = e ? (unsigned)(e - s) + 2 : end;
        } else if (s[p] == '/' && p + 1 < end && s[p + 1] == '/') {
            while (p < end && s[p] != '\n')
                p++;
        } else
            break;
    }
    return p;
}

static int word_is(lw *L, unsigned b, unsigned e, const char *w)
{
    return e - b == strlen(w) && !strncmp(L->u->src + b, w, e - b);
}

/* Where the first declarator of declaration s begins (the end of its
 * specifiers), scanning [s->b, name).  *ok is 0 when the specifiers cannot
 * be repeated for another declaration (they define a struct or enum). */
static unsigned spec_end(lw *L, ir_node *s, unsigned name, int *ok)
{
    const char *src = L->u->src;
    unsigned p = s->b, wb = 0, we = 0;
    *ok = 1;
    while ((p = blank(L, p, name)) < name) {
        char c = src[p];
        if (idch(c)) {
            wb = p;
            while (p < name && idch(src[p]))
                p++;
            we = p;
            continue;
        }
        if (c == '(' && we && (word_is(L, wb, we, "typeof") || word_is(L, wb, we, "__typeof__") ||
                               word_is(L, wb, we, "__typeof") || word_is(L, wb, we, "_Alignas") ||
                               word_is(L, wb, we, "__attribute__") || word_is(L, wb, we, "__attribute") ||
                               word_is(L, wb, we, "_Atomic"))) {
            int depth = 0;
            do {
                if (src[p] == '(')
                    depth++;
                else if (src[p] == ')')
                    depth--;
                else if (src[p] == '{' || src[p] == '"' || src[p] == '\'')
                    *ok = 0;
                p++;
            } while (p < name && depth > 0);
            we = 0;
            continue;
        }
        if (c == '*' || c == '(')
            return p;
        if (c == '{' || c == '"' || c == '\'' || c == '[')
            *ok = 0;
        we = 0;
        p++;
    }
    return name;
}

/* The `const` words in [b, e) outside parentheses: the last one if `last`,
 * else the first.  Returns its offset, or 0. */
static unsigned const_word(lw *L, unsigned b, unsigned e, int last)
{
    const char *src = L->u->src;
    unsigned p = b, found = 0;
    int depth = 0;
    while ((p = blank(L, p, e)) < e) {
        if (idch(src[p])) {
            unsigned wb = p;
            while (p < e && idch(src[p]))
                p++;
            if (!depth && word_is(L, wb, p, "const")) {
                found = wb;
                if (!last)
                    return found;
            }
            continue;
        }
        depth += src[p] == '(';
        depth -= src[p] == ')' && depth > 0;
        if (src[p] == '*' && !depth)
            found = 0; /* a const before a '*' qualifies the pointee */
        p++;
    }
    return found;
}

static int in_ilist(const ilist *l, int x)
{
    for (int i = 0; i < l->n; i++)
        if (l->v[i] == x)
            return 1;
    return 0;
}

static void add_dconst(lw *L, unsigned off, const int *vars, int n)
{
    for (int i = 0; i < L->ndc; i++)
        if (L->dc[i].off == off)
            return;
    dconst *d = ir_push(&L->dc, &L->ndc, &L->capdc, sizeof *d);
    d->off = off;
    d->len = 5;
    d->a = L->cvars.n;
    d->n = n;
    for (int i = 0; i < n; i++) {
        ipush(&L->cvars, vars[i]);
        ipush(&L->constok, vars[i]);
    }
}

/* Find the top-level `const` of each const local declared by s: in the
 * shared specifiers (when no declarator of s is a pointer, whose pointee
 * it would be) or after the declarator's last '*'.  A const that comes from
 * a typedef is not in the text: that local stays refused. */
static void decl_consts(lw *L, ir_node *s, unsigned spec)
{
    L->ndc = 0;
    ir_var *vs = L->f->vars;
    int any_ptr = 0, all_vars = 1;
    for (int i = 0; i < s->nkid; i++) {
        int v = s->kid[i]->var;
        if (v < 0)
            all_vars = 0;
        else if (vs[v].type->is_pointer)
            any_ptr = 1;
    }
    for (int i = 0; i < s->nkid; i++) {
        int v = s->kid[i]->var;
        if (v < 0 || !vs[v].type->is_const || vs[v].off <= s->b)
            continue;
        if (vs[v].type->is_pointer && !vs[v].type->is_array) {
            unsigned from = i ? s->kid[i - 1]->e : spec;
            unsigned c = const_word(L, from, vs[v].off, 1);
            if (c)
                add_dconst(L, c, &v, 1);
        } else if (!any_ptr && all_vars) {
            unsigned c = const_word(L, s->b, spec, 0);
            if (c) {
                int *all = calloc((size_t)s->nkid, sizeof *all);
                for (int j = 0; all && j < s->nkid; j++)
                    all[j] = s->kid[j]->var;
                if (all)
                    add_dconst(L, c, all, s->nkid);
                free(all);
            }
        }
    }
}

static void const_hole(lw *L, const dconst *d)
{
    hole *h = hole_at(L, -1, 0);
    h->kind = HOLE_CONST;
    h->a = d->a;
    h->n = d->n;
}

/* Copy the user's text up to `to`, leaving a hole for each droppable const. */
static void dsrc(lw *L, unsigned to)
{
    ob *o = L->o;
    for (int i = 0; i < L->ndc; i++) {
        dconst *d = &L->dc[i];
        if (d->off < o->pos || d->off + d->len > to)
            continue;
        ob_src(o, d->off);
        const_hole(L, d);
        ob_skip(o, d->off + d->len);
    }
    ob_src(o, to);
}

/* Generate the specifiers [s->b, spec) again (for a declaration split at a
 * declarator that awaits), with the same const holes. */
static void spec_again(lw *L, ir_node *s, unsigned spec)
{
    ob *o = L->o;
    unsigned p = s->b;
    for (;;) {
        const dconst *next = NULL;
        for (int i = 0; i < L->ndc; i++)
            if (L->dc[i].off >= p && L->dc[i].off < spec && (!next || L->dc[i].off < next->off))
                next = &L->dc[i];
        unsigned to = next ? next->off : spec;
        sb t = {0, 0, 0};
        sb_src(&t, L->u, p, to);
        for (size_t i = 0; i < t.n; i++)
            if (t.s[i] == '\n')
                t.s[i] = ' ';
        if (t.n)
            ob_gen(o, t.s);
        sb_free(&t);
        if (!next)
            break;
        const_hole(L, next);
        p = next->off + next->len;
    }
    if (spec > s->b && !strchr(" \t\n", L->u->src[spec - 1]))
        ob_gen(o, " ");
}

/* Does n take the address of variable v (or mention it under &)? */
static int addr_taken(ir_node *n, int v, int under)
{
    if (!n)
        return 0;
    if (n->kind == IR_REF && n->var == v && under)
        return 1;
    under = under || (n->kind == IR_UNARY && !strcmp(n->op, "&"));
    for (int i = 0; i < n->nkid; i++)
        if (addr_taken(n->kid[i], v, under))
            return 1;
    return 0;
}

static int mentions(ir_node *n, int v)
{
    return addr_taken(n, v, 1);
}

static int new_temp(lw *L, const char *name, ir_type *t, unsigned off);

/* Declaration d hides visible locals: record each, with its hole here. */
static void shadow_sites(lw *L, ir_node *d)
{
    ir_var *vs = L->f->vars;
    for (int i = 0; i < d->nkid; i++) {
        const char *nm = d->kid[i]->name;
        int w = d->kid[i]->var;
        for (int j = L->scope.n - 1; j >= 0 && nm; j--) {
            int v = L->scope.v[j];
            if (v == w || vs[v].is_temp || strcmp(vs[v].name, nm))
                continue;
            if (w < 0) { /* a static local: in scope for settle() to see, never saved */
                w = new_temp(L, nm, &int_type, d->kid[i]->b);
                vs = L->f->vars;
            }
            shadow *sh = ir_push(&L->shadows, &L->nshadows, &L->capshadows, sizeof *sh);
            sh->w = w;
            sh->v = v;
            sh->bad = NULL;
            if (d->kid[i]->var < 0)
                sh->bad = "a static local, which dcc does not save";
            else if (vs[v].type->is_array || addr_taken(L->f->body, v, 0))
                sh->bad = "its address may be taken, so it could change there through a pointer";
            for (int k = 0; k < i && !sh->bad; k++)
                if (mentions(d->kid[k], v))
                    sh->bad = "the same declaration uses it before hiding it";
            hole *h = hole_at(L, -1, 0);
            h->kind = HOLE_SHADOW;
            h->a = L->nshadows - 1;
            break;
        }
    }
}

static int hides_any(lw *L, ir_node *d)
{
    for (int i = 0; i < d->nkid; i++)
        for (int j = 0; j < L->scope.n && d->kid[i]->name; j++)
            if (!L->f->vars[L->scope.v[j]].is_temp && !strcmp(L->f->vars[L->scope.v[j]].name, d->kid[i]->name) &&
                L->scope.v[j] != d->kid[i]->var)
                return 1;
    return 0;
}

static const char *decl_of(lw *L, ir_type *t, const char *name)
{
    if (t->decl_pre)
        return ir_printf(L->u, "%s%s%s", t->decl_pre, name, t->decl_post);
    return ir_printf(L->u, "%s %s", t->spelling, name);
}

static int new_temp(lw *L, const char *name, ir_type *t, unsigned off)
{
    int v = ir_add_var(L->u, L->f, name, t, off);
    L->f->vars[v].is_temp = 1;
    ipush(&L->scope, v);
    return v;
}

static void refuse_macro(lw *L, ir_node *n)
{
    diag_error(L->u, n->b, "await inside a macro argument or expansion cannot be translated");
    diag_note(L->u, n->b, "assign the await to a local first: `T v = await(f(x));`");
    L->errors++;
}

/* ---- expressions -------------------------------------------------------- */

static void lx(lw *L, ir_node *n, sb *txt, ilist *uses, int discard);

/* The leading white space of the line holding offset `at`. */
static const char *line_indent(lw *L, unsigned at)
{
    const char *src = L->u->src;
    unsigned b = at;
    while (b > 0 && src[b - 1] != '\n')
        b--;
    unsigned e = b;
    while (e < at && (src[e] == ' ' || src[e] == '\t'))
        e++;
    return ir_printf(L->u, "%.*s", (int)(e - b), src + b);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The operand of an await as written, white space collapsed, shortened,
 * fit for a comment. */
static const char *await_text(lw *L, ir_node *call)
{
    sb b = {0, 0, 0};
    const char *src = L->u->src;
    int sp = 0;
    for (unsigned p = call->b; p < call->e && p < L->u->len && b.n < 60; p++) {
        char ch = src[p];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            sp = 1;
            continue;
        }
        if (sp && b.n)
            sb_put(&b, " ", 1);
        sp = 0;
        if (ch == '/' && b.n && b.s[b.n - 1] == '*')
            sb_put(&b, " ", 1); /* no end of comment */
        if (ch == '*' && b.n && b.s[b.n - 1] == '/')
            sb_put(&b, " ", 1); /* nor a comment inside it */
        sb_put(&b, &ch, 1);
    }
    if (b.n >= 60)
        sb_puts(&b, "...");
    const char *r = ir_printf(L->u, "%s", b.s ? b.s : "");
    sb_free(&b);
    return r;
}

/* The end of await n's issue block: saving its live locals and the return
 * that suspends, on lines of their own attributed to the generated file
 * (the take that follows goes there too).  Returns the user's line to go
 * back to after it. */
static long save_block(lw *L, ir_node *n, const char *ind, const char *ret)
{
    ob *o = L->o;
    long cur = o->line;
    ob_genplace(o);
    ob_genf(o, "%s    /* await %d: save, suspend */\n", ind, L->f->awaits[n->await].id);
    hole_at(L, n->await, 1)->ind = ir_printf(L->u, "%s    ", ind);
    ob_genf(o, "%s    %s\n%s}\n", ind, ret, ind);
    return cur >= 0 ? cur : (long)L->f->awaits[n->await].line;
}

/* End the line and start the next statement of an await's issue block on a
 * line of its own, still attributed to the user's line the text came from. */
static void next_stmt(ob *o, const char *ind)
{
    if (o->line >= 0)
        ob_sync(o, (unsigned)o->line);
    else
        ob_gen(o, "\n");
    ob_genf(o, "%s    ", ind);
}

/* ---- step thunks (docs/translation.md, "Step awaits") ------------------ */

static int is_decay_node(const ir_node *n);

/* The object an lvalue names or lies inside: x for x, x.m and x[i] of an
 * array x; the compound literal for (T){...}.m; NULL through a pointer. */
static ir_node *root_object(ir_node *e)
{
    for (e = ir_strip(e); e;) {
        if (e->kind == IR_REF || (e->kind == IR_EXPR && e->op[0] == '{'))
            return e;
        if (e->kind == IR_EXPR && !strcmp(e->op, ".") && e->nkid == 1) {
            e = ir_strip(e->kid[0]);
        } else if (e->kind == IR_EXPR && !strcmp(e->op, "[") && e->nkid == 2) {
            ir_node *base = ir_strip(e->kid[0]);
            if (!base->type || !base->type->is_array)
                return NULL;
            e = base;
        } else
            return NULL;
    }
    return NULL;
}

/* The object whose address n takes (&x, an array used as a pointer), or NULL. */
static ir_node *addressed(ir_node *n)
{
    if (n->kind == IR_UNARY && !strcmp(n->op, "&") && n->nkid == 1)
        return root_object(n->kid[0]);
    return is_decay_node(n) ? root_object(n->kid[0]) : NULL;
}

/* Does an address taken in n (&x, an array used as a pointer) point into
 * the step function's stack: a local that is not pinned, or a compound
 * literal?  Nested awaits and sizeof do not count (not evaluated here). */
static int stack_address(lw *L, ir_node *n)
{
    if (!n || n->kind == IR_AWAIT || n->kind == IR_SIZEOF)
        return 0;
    ir_node *of = addressed(n);
    if (of && of->kind == IR_EXPR)
        return 1;
    if (of && of->var >= 0 && !L->f->vars[of->var].pinned)
        return 1;
    for (int i = 0; i < n->nkid; i++)
        if (stack_address(L, n->kid[i]))
            return 1;
    return 0;
}

/* Can a struct member of type t be written at the step function's place? */
static int thunk_type(const ir_type *t)
{
    return t->decl_pre && !t->is_array && !t->is_vla && t->kind != IRT_BAD;
}

/* Does step await a go through a thunk?  Only when the call can run after
 * the step function has returned, on another thread: its callee and types
 * can be named at file scope before the function, and no argument points
 * into the step function's stack.  Anything else keeps the direct call,
 * which the runtime always runs inline (docs/translation.md). */
static int thunk_ok(lw *L, const ir_await *a)
{
    const ir_callee *c = a->callee;
    if (!c->has_proto || c->is_variadic || c->first_in_block || (c->first_at != ~0u && c->first_at >= L->f->b))
        return 0;
    if (c->ret->kind != IRT_VOID && (!thunk_type(c->ret) || c->ret->const_member))
        return 0;
    if (a->call->nkid - 1 != c->nparams)
        return 0;
    for (int i = 0; i < c->nparams; i++)
        if (!thunk_type(c->params[i].type))
            return 0;
    if (L->stack_escape)
        return 0;
    for (int i = 1; i < a->call->nkid; i++)
        if (stack_address(L, a->call->kid[i]))
            return 0;
    return 1;
}

/* Does n (anywhere in the function) take the address of a compound literal? */
static int literal_address(ir_node *n)
{
    if (!n || n->kind == IR_SIZEOF)
        return 0;
    ir_node *of = addressed(n);
    if (of && of->kind == IR_EXPR)
        return 1;
    for (int i = 0; i < n->nkid; i++)
        if (literal_address(n->kid[i]))
            return 1;
    return 0;
}

/* Emit the statements of await `n`; its value (if wanted) is in tN_. */
static void lower_await(lw *L, ir_node *n, sb *txt, ilist *uses, int discard)
{
    ir_func *f = L->f;
    ir_await *a = &f->awaits[n->await];
    ir_node *call = a->call;
    ilist opuse = {0, 0, 0};
    sb *args = calloc((size_t)(call->nkid > 1 ? call->nkid : 1), sizeof(sb));
    int nargs = call->nkid - 1;
    /* nested awaits in the arguments come first, left to right */
    for (int i = 1; i < call->nkid; i++)
        lx(L, call->kid[i], &args[i - 1], &opuse, 0);
    ob *o = L->o;
    ob_line(o, a->line);
    ir_type *vt = a->kind == AWAIT_RUNTIME ? NULL : a->callee->ret;
    int has_value = a->kind == AWAIT_RUNTIME || vt->kind != IRT_VOID;
    int want = has_value && !discard;
    const char *tn = ir_printf(L->u, "t%d_", a->id);
    if (want) {
        a->temp = new_temp(L, tn, a->kind == AWAIT_RUNTIME ? n->type : vt, n->b);
        ob_genf(o, "%s; ", decl_of(L, f->vars[a->temp].type, tn));
    }
    int B = node_after(L);
    a->bnode = B;
    /* the resume code, on lines of its own under a comment naming the
     * await, attributed to the generated file (out.c, ob_genplace): the
     * await's line then starts at its begin check, where the first arrival
     * lands, so gdb's `next` stops there, and readers see the block */
    const char *ind = line_indent(L, n->b);
    long cur = o->line;
    ob_genplace(o);
    ob_genf(o, "%s/* await %d: %s, %s:%u */\n", ind, a->id, await_text(L, call), base_name(L->u->path), a->line);
    ob_genf(o, "%sif (0) {\n%saw%d_:\n", ind, ind, a->id);
    hole_at(L, n->await, 0)->ind = ir_printf(L->u, "%s    ", ind);
    ob_genf(o, "%s}\n", ind);
    ob_sync(o, cur >= 0 ? (unsigned)cur : a->line);
    ob_genf(o, "%sif (durable__begin(co_, %d)) {", ind, a->id);
    next_stmt(o, ind);
    int I = cfg_node(L->g);
    cfg_edge(L->g, B, I);
    use_all(L, I, &opuse);
    const char *name = a->callee->name;
    long back = a->line; /* the user's line after the save block */
    switch (a->kind) {
    case AWAIT_STEP:
        if (thunk_ok(L, a)) {
            /* the arguments into the struct here, the call in the thunk
             * (f__runN, emitted before the step function by emit.c) */
            a->thunk = 1;
            const char *fn = f->self->name;
            ob_genf(o, "struct %s__call%d s%d_ = { ", fn, a->id, a->id);
            for (int i = 0; i < nargs; i++) {
                ob_genf(o, "%s.a%d_ = ", i ? ", " : "", i);
                ob_gen(o, args[i].s ? args[i].s : ""); /* any length */
            }
            ob_gen(o, nargs ? " };" : "0 };");
            next_stmt(o, ind);
            ob_genf(o, "durable__run_step(co_, %s__run%d, &s%d_, sizeof s%d_);", fn, a->id, a->id, a->id);
            if (vt->kind != IRT_VOID)
                back = save_block(L, n, ind, ir_printf(L->u, "return durable__step(co_, &s%d_.v_, sizeof s%d_.v_);",
                                                       a->id, a->id));
            else
                back = save_block(L, n, ind, "return durable__step(co_, 0, 0);");
            break;
        }
        if (vt->kind != IRT_VOID)
            ob_genf(o, "%s = ", decl_of(L, vt, ir_printf(L->u, "v%d_", a->id)));
        ob_genf(o, "%s(", name);
        for (int i = 0; i < nargs; i++)
            ob_genf(o, "%s%s", i ? ", " : "", args[i].s ? args[i].s : "");
        ob_gen(o, ");");
        if (vt->kind != IRT_VOID)
            back = save_block(L, n, ind, ir_printf(L->u, "return durable__step(co_, &v%d_, sizeof v%d_);", a->id, a->id));
        else
            back = save_block(L, n, ind, "return durable__step(co_, 0, 0);");
        break;
    case AWAIT_CHILD:
        ob_genf(o, "struct %s__args a%d_ = { ", name, a->id);
        for (int i = 0; i < nargs; i++)
            ob_genf(o, "%s%s", i ? ", " : "", args[i].s ? args[i].s : "");
        ob_gen(o, nargs ? " };" : "0 };");
        back = save_block(L, n, ind, ir_printf(L->u, "return durable__call(co_, &%s__fn, &a%d_, sizeof a%d_);", name, a->id, a->id));
        break;
    case AWAIT_RUNTIME:
        /* durable.h declares durable_spawn without a prototype for dcc's
         * parse (its argument is a durable call rewritten to a durable_call):
         * then the temporaries take the arguments' own types. */
        if (a->callee->has_proto && nargs != a->callee->nparams) {
            diag_error(L->u, call->b, "runtime awaitable '%s' takes %d arguments", name, a->callee->nparams);
            L->errors++;
            break;
        }
        for (int i = 0; i < nargs; i++) {
            const char *v = args[i].s ? args[i].s : "";
            if (i)
                next_stmt(o, ind);
            if (a->callee->has_proto)
                ob_genf(o, "%s = %s;", decl_of(L, a->callee->params[i].type, ir_printf(L->u, "a%d_%d", a->id, i)), v);
            else
                ob_genf(o, "__typeof__(%s) a%d_%d = %s;", v, a->id, i, v);
        }
        {
            sb r = {0, 0, 0};
            sb_printf(&r, "return durable__%s(co_", name + 8);
            for (int i = 0; i < nargs; i++)
                sb_printf(&r, ", a%d_%d", a->id, i);
            sb_puts(&r, ");");
            back = save_block(L, n, ind, ir_printf(L->u, "%s", r.s));
            sb_free(&r);
        }
        break;
    }
    for (int i = 0; i < nargs; i++)
        sb_free(&args[i]);
    free(args);
    free(opuse.v);
    int R = cfg_node(L->g);
    cfg_edge(L->g, I, R);
    a->rnode = R;
    int T = cfg_node(L->g);
    cfg_edge(L->g, B, T);
    cfg_edge(L->g, R, a->kind == AWAIT_STEP ? B : T);
    L->cur = T;
    /* what is visible at the await, and what the resume goto may not cross */
    a->ninscope = L->scope.n;
    a->inscope = ir_alloc(L->u, sizeof(int) * (size_t)(L->scope.n + 1));
    if (L->scope.n) /* v is NULL while the scope is empty */
        memcpy(a->inscope, L->scope.v, sizeof(int) * (size_t)L->scope.n);
    for (int i = 0; i < L->scope.n; i++) {
        ir_var *v = &f->vars[L->scope.v[i]];
        if (v->type->is_vla) {
            diag_error(L->u, n->b, "await in the scope of variable-length array '%s'", v->name);
            diag_note(L->u, v->off, "'%s' declared here; a resumed coroutine cannot re-enter its scope; "
                                    "use a fixed-size array or close its block before the await", v->name);
            L->errors++;
        }
        if (v->cleanup) {
            diag_error(L->u, n->b, "await in the scope of local '%s', which has a cleanup attribute", v->name);
            diag_note(L->u, v->off, "'%s' declared here; its cleanup would run at every await, where the step "
                                    "function returns, not once at the end of its block; close its block "
                                    "before the await", v->name);
            L->errors++;
        }
    }
    /* the await completed: its value, or the end of a failed workflow */
    a->tnode = T;
    cfg_def(L->g, T, L->errvar);
    if (want) {
        ob_genf(o, "%sif (durable__take(co_, &%s, sizeof %s))\n%s    return DURABLE__STOP;\n", ind, tn, tn, ind);
        cfg_def(L->g, T, a->temp);
        sb_puts(txt, tn);
        ipush(uses, a->temp);
    } else {
        ob_genf(o, "%sif (durable__take(co_, 0, 0))\n%s    return DURABLE__STOP;\n", ind, ind);
        if (!discard)
            sb_puts(txt, "((void)0)");
    }
    ob_sync(o, (unsigned)back); /* the rest of the await's line */
    ob_gen(o, ind);
}

/* Copy n's text into txt, lowering the awaits among its children. */
static void splice(lw *L, ir_node *n, sb *txt, ilist *uses)
{
    unsigned p = n->b;
    for (int i = 0; i < n->nkid; i++) {
        ir_node *k = n->kid[i];
        if ((k->flags & IRF_AWAIT) && ((k->flags & IRF_BADEXT) || k->b < p || k->e > n->e)) {
            refuse_macro(L, k);
            return;
        }
        if (k->b < p) { /* a sub-expression from a macro without awaits */
            refs(L, k, uses);
            continue;
        }
        for (unsigned q = p; q < k->b; q++)
            if (L->u->src[q] == '?' && (n->kind == IR_EXPR || n->kind == IR_BINARY)) {
                diag_error(L->u, k->b, "await in the operand of a GNU `?:` cannot be translated");
                L->errors++;
                return;
            }
        sb_src(txt, L->u, p, k->b);
        if (plain_lhs(n, i) && !(k->flags & IRF_AWAIT)) {
            sb_src(txt, L->u, k->b, k->e);
        } else
            lx(L, k, txt, uses, 0);
        p = k->e;
    }
    sb_src(txt, L->u, p, n->e);
}

static void lx(lw *L, ir_node *n, sb *txt, ilist *uses, int discard)
{
    if (!(n->flags & IRF_AWAIT)) {
        sb_src(txt, L->u, n->b, n->e);
        refs(L, n, uses);
        return;
    }
    if ((n->flags & IRF_BADEXT) && n->kind != IR_AWAIT) {
        refuse_macro(L, n);
        return;
    }
    ob *o = L->o;
    switch (n->kind) {
    case IR_AWAIT:
        lower_await(L, n, txt, uses, discard);
        return;
    case IR_PAREN:
        if (discard) {
            lx(L, n->kid[0], txt, uses, 1);
            return;
        }
        break;
    case IR_BINARY:
        if (n->nkid == 2 && (!strcmp(n->op, "&&") || !strcmp(n->op, "||")) && (n->kid[1]->flags & IRF_AWAIT)) {
            sb l = {0, 0, 0}, r = {0, 0, 0};
            ilist lu = {0, 0, 0}, ru = {0, 0, 0};
            lx(L, n->kid[0], &l, &lu, 0);
            int k = ++L->ngen;
            const char *cn = ir_printf(L->u, "c%d_", k);
            int c = new_temp(L, cn, &int_type, n->b);
            ob_line(o, n->line);
            ob_genf(o, "int %s = !!(%s); ", cn, l.s ? l.s : "");
            int A = node_after(L);
            use_all(L, A, &lu);
            cfg_def(L->g, A, c);
            ob_genf(o, "if (%s%s) { ", n->op[0] == '&' ? "" : "!", cn);
            int mark = L->scope.n;
            lx(L, n->kid[1], &r, &ru, 0);
            ob_genf(o, " %s = !!(%s); } ", cn, r.s ? r.s : "");
            L->scope.n = mark;
            int Bn = node_after(L);
            use_all(L, Bn, &ru);
            cfg_def(L->g, Bn, c);
            int J = cfg_node(L->g);
            cfg_edge(L->g, A, J);
            cfg_edge(L->g, Bn, J);
            L->cur = J;
            sb_puts(txt, cn);
            ipush(uses, c);
            sb_free(&l);
            sb_free(&r);
            free(lu.v);
            free(ru.v);
            return;
        }
        if (n->nkid == 2 && !strcmp(n->op, ",") && (n->kid[1]->flags & IRF_AWAIT)) {
            sb l = {0, 0, 0};
            ilist lu = {0, 0, 0};
            lx(L, n->kid[0], &l, &lu, 1);
            if (l.n) {
                ob_line(o, n->line);
                ob_genf(o, "(void)(%s); ", l.s);
            }
            int A = node_after(L);
            use_all(L, A, &lu);
            sb_free(&l);
            free(lu.v);
            lx(L, n->kid[1], txt, uses, discard);
            return;
        }
        break;
    case IR_COND:
        if (n->nkid == 3 && ((n->kid[1]->flags | n->kid[2]->flags) & IRF_AWAIT)) {
            sb c = {0, 0, 0};
            ilist cu = {0, 0, 0};
            lx(L, n->kid[0], &c, &cu, 0);
            int is_void = n->type->kind == IRT_VOID || discard;
            int q = -1;
            const char *qn = ir_printf(L->u, "q%d_", ++L->ngen);
            ob_line(o, n->line);
            if (!is_void) {
                if (!n->type->decl_pre && strchr(n->type->spelling, '(')) {
                    diag_error(L->u, n->b, "cannot name the type of this conditional expression");
                    L->errors++;
                    return;
                }
                q = new_temp(L, qn, n->type, n->b);
                ob_genf(o, "%s; ", decl_of(L, n->type, qn));
            }
            ob_genf(o, "if (%s) { ", c.s ? c.s : "");
            int A = node_after(L);
            use_all(L, A, &cu);
            int ends[2];
            for (int br = 0; br < 2; br++) {
                if (br)
                    ob_gen(o, "} else { ");
                L->cur = A;
                int mark = L->scope.n;
                sb t = {0, 0, 0};
                ilist tu = {0, 0, 0};
                lx(L, n->kid[1 + br], &t, &tu, is_void);
                if (t.n)
                    ob_genf(o, is_void ? "(void)(%s%s); " : "%s = (%s); ", is_void ? "" : qn, t.s);
                int X = node_after(L);
                use_all(L, X, &tu);
                if (q >= 0)
                    cfg_def(L->g, X, q);
                ends[br] = X;
                L->scope.n = mark;
                sb_free(&t);
                free(tu.v);
            }
            ob_gen(o, "} ");
            int J = cfg_node(L->g);
            cfg_edge(L->g, ends[0], J);
            cfg_edge(L->g, ends[1], J);
            L->cur = J;
            if (q >= 0) {
                sb_puts(txt, qn);
                ipush(uses, q);
            } else if (!discard)
                sb_puts(txt, "((void)0)");
            sb_free(&c);
            free(cu.v);
            return;
        }
        break;
    case IR_CALL:
        /* a host call f(args) rewritten to a durable_call value (as sb_src
         * does for text without awaits), its arguments lowered */
        if ((n->flags & IRF_HOST) && n->callee && n->nkid > 1) {
            const char *fn = n->callee->name;
            sb_printf(txt, "(durable_call){ &%s__fn, &(struct %s__args){ ", fn, fn);
            for (int i = 1; i < n->nkid; i++) {
                if (i > 1)
                    sb_puts(txt, ", ");
                lx(L, n->kid[i], txt, uses, 0);
            }
            sb_printf(txt, " }, sizeof(struct %s__args) }", fn);
            return;
        }
        break;
    case IR_STMTEXPR: case IR_SIZEOF: case IR_GENERIC:
        /* find.c refused the awaits in these */
        return;
    default:
        break;
    }
    splice(L, n, txt, uses);
}

/* ---- statements ---------------------------------------------------------- */

static void ls(lw *L, ir_node *s);

static target *push_target(lw *L, int brk, int cont)
{
    target *t = ir_push(&L->t, &L->nt, &L->capt, sizeof *t);
    t->brk = brk;
    t->cont = cont;
    t->head = -1;
    return t;
}

static target *loop_target(lw *L)
{
    for (int i = L->nt - 1; i >= 0; i--)
        if (!L->t[i].is_switch)
            return &L->t[i];
    return NULL;
}

static target *switch_target(lw *L)
{
    for (int i = L->nt - 1; i >= 0; i--)
        if (L->t[i].is_switch)
            return &L->t[i];
    return NULL;
}

static int label_node(lw *L, const char *name)
{
    for (int i = 0; i < L->nlabels; i++)
        if (!strcmp(L->labels[i].name, name ? name : ""))
            return L->labels[i].node;
    labelref *l = ir_push(&L->labels, &L->nlabels, &L->caplabels, sizeof *l);
    l->name = name ? name : "";
    l->node = cfg_node(L->g);
    return l->node;
}

/* Declarations: one CFG node per declarator, each var in scope after it. */
static void decl_cfg(lw *L, ir_node *d)
{
    for (int i = 0; i < d->nkid; i++) {
        ir_node *v = d->kid[i];
        int n = node_after(L);
        ilist u = {0, 0, 0};
        refs(L, v, &u);
        use_all(L, n, &u);
        free(u.v);
        if (v->var >= 0) {
            cfg_def(L->g, n, v->var);
            ipush(&L->scope, v->var);
        }
    }
}

/* One declarator of a declaration: in scope after it. */
static void declarator_cfg(lw *L, ir_node *v, ilist *u)
{
    int n = node_after(L);
    use_all(L, n, u);
    if (v->var >= 0) {
        cfg_def(L->g, n, v->var);
        ipush(&L->scope, v->var);
    }
}

/* A declaration.  The awaits of a declarator's initializer go just before
 * it; for a later declarator (`int a = 1, b = await(f(a));`) the
 * declaration is split there, `int a = 1; ...awaits... int b = t1_;`, which
 * C defines the same (each declarator is in scope from its end). */
/* After a declaration: a struct or union local declared without an
 * initializer starts with its bytes zeroed, padding included, so a frame
 * that saves it never carries stack garbage (durable show prints the bytes
 * of a struct whose type is local to the function).  Its value is
 * indeterminate in C, so no program can tell.  Locals that live in the frame
 * (pinned) are zero already; `register` ones have no address. */
static void zero_padding(lw *L, ir_node *s)
{
    for (int i = 0; i < s->nkid; i++) {
        ir_node *v = s->kid[i];
        if (v->kind != IR_VAR || v->var < 0 || v->for_init == 0)
            continue;
        ir_var *var = &L->f->vars[v->var];
        if (var->type->kind != IRT_STRUCT || var->type->is_const || var->type->is_vla || var->pinned)
            continue;
        int reg = 0;
        for (unsigned k = s->b; k + 8 <= v->b && !reg; k++)
            reg = strncmp(L->u->src + k, "register", 8) == 0;
        if (reg)
            continue;
        ob_genf(L->o, " __builtin_memset(&%s, 0, sizeof %s);", var->name, var->name);
    }
}

static void ls_decl(lw *L, ir_node *s, unsigned end)
{
    ob *o = L->o;
    ob_src(o, s->b);
    shadow_sites(L, s);
    int ok = 1;
    unsigned name0 = s->nkid && s->kid[0]->var >= 0 ? L->f->vars[s->kid[0]->var].off : s->b;
    unsigned spec = spec_end(L, s, name0, &ok);
    decl_consts(L, s, spec);
    if (!(s->flags & IRF_AWAIT)) {
        decl_cfg(L, s);
        dsrc(L, end);
        zero_padding(L, s);
        L->ndc = 0;
        return;
    }
    for (int i = 0; i < s->nkid; i++) {
        ir_node *v = s->kid[i];
        ilist u = {0, 0, 0};
        if (!(v->flags & IRF_AWAIT)) {
            refs(L, v, &u);
            declarator_cfg(L, v, &u);
            free(u.v);
            continue;
        }
        ir_node *init = v->for_init == 0 ? v->kid[0] : NULL;
        if (!init || !(init->flags & IRF_AWAIT) || (init->flags & IRF_BADEXT)) {
            if (init)
                refuse_macro(L, init);
            else {
                diag_error(L->u, v->b, "await in a declarator outside its initializer cannot be translated");
                L->errors++;
            }
            L->ndc = 0;
            return;
        }
        if (i > 0) {
            unsigned comma = blank(L, s->kid[i - 1]->e, v->b);
            if (!ok || spec <= s->b || comma >= v->b || L->u->src[comma] != ',' || (s->kid[i - 1]->flags & IRF_BADEXT)) {
                diag_error(L->u, init->b, "await in a later declarator of this declaration cannot be translated");
                diag_note(L->u, s->b, "dcc splits the declaration there, and cannot repeat these specifiers "
                                      "(a struct or enum defined in them); declare it on its own");
                L->errors++;
                L->ndc = 0;
                return;
            }
            dsrc(L, s->kid[i - 1]->e);
            ob_gen(o, ";");
            ob_skip(o, comma + 1);
        }
        sb t = {0, 0, 0};
        lx(L, init, &t, &u, 0);
        if (i > 0)
            spec_again(L, s, spec);
        dsrc(L, init->b);
        ob_gen(o, t.s ? t.s : "");
        ob_skip(o, init->e);
        for (int k = 1; k < v->nkid; k++) /* array bounds */
            refs(L, v->kid[k], &u);
        declarator_cfg(L, v, &u);
        sb_free(&t);
        free(u.v);
    }
    dsrc(L, end);
    L->ndc = 0;
}

/* An expression evaluated for its effect, text [b, end) (end after ';'). */
static void ls_expr(lw *L, ir_node *e, unsigned b, unsigned end)
{
    ob *o = L->o;
    ob_src(o, b);
    if (!(e->flags & IRF_AWAIT)) {
        int n = node_after(L);
        ilist u = {0, 0, 0};
        refs(L, e, &u);
        use_all(L, n, &u);
        cfg_def(L->g, n, killed(e));
        free(u.v);
        ob_src(o, end);
        return;
    }
    int mark = L->scope.n;
    ob_gen(o, "{ ");
    sb t = {0, 0, 0};
    ilist u = {0, 0, 0};
    lx(L, e, &t, &u, 1);
    if (t.n) {
        ob_line(o, e->line);
        ob_genf(o, " %s;", t.s);
    }
    int n = node_after(L);
    use_all(L, n, &u);
    cfg_def(L->g, n, killed(e));
    ob_gen(o, " }");
    ob_skip(o, end);
    L->scope.n = mark;
    sb_free(&t);
    free(u.v);
}

/* Lower a condition expression: awaits emitted, its text returned. */
static char *cond_text(lw *L, ir_node *c, int *node)
{
    sb t = {0, 0, 0};
    ilist u = {0, 0, 0};
    lx(L, c, &t, &u, 0);
    *node = node_after(L);
    use_all(L, *node, &u);
    free(u.v);
    char *r = ir_strdup(L->u, t.s ? t.s : "");
    sb_free(&t);
    return r;
}

/* Does the user's text at s start with keyword kw (not a macro)? */
static int written_as(lw *L, ir_node *s, const char *kw)
{
    size_t n = strlen(kw);
    return !(s->flags & IRF_BADEXT) && s->b + n <= L->u->len && !strncmp(L->u->src + s->b, kw, n);
}

static void ls_return(lw *L, ir_node *s)
{
    ob *o = L->o;
    ob_src(o, s->b);
    if (!written_as(L, s, "return")) {
        diag_error(L->u, s->b, "return inside a macro or an #included file in a durable function cannot be translated");
        diag_note(L->u, s->b, "dcc rewrites every return of a durable function; write it out");
        L->errors++;
        return;
    }
    ir_node *e = s->nkid ? s->kid[0] : NULL;
    ir_type *rt = L->f->self->ret;
    if (!e) {
        ob_gen(o, "return durable__return(co_, 0, 0);");
    } else {
        int mark = L->scope.n;
        sb t = {0, 0, 0};
        ilist u = {0, 0, 0};
        ob_gen(o, "{ ");
        lx(L, e, &t, &u, rt->kind == IRT_VOID);
        ob_line(o, e->line);
        if (rt->kind == IRT_VOID)
            ob_genf(o, "%s%s return durable__return(co_, 0, 0); }", t.s ? t.s : "", t.n ? ";" : "");
        else
            ob_genf(o, "%s = (%s); return durable__return(co_, &r_, sizeof r_); }", decl_of(L, rt, "r_"),
                    t.s ? t.s : "");
        int n = node_after(L);
        use_all(L, n, &u);
        L->scope.n = mark;
        sb_free(&t);
        free(u.v);
    }
    cfg_edge(L->g, L->cur, L->exit);
    L->cur = -1;
    ob_skip(o, s->e);
}

static void ls(lw *L, ir_node *s)
{
    ob *o = L->o;
    ob_src(o, s->b);
    int mark = L->scope.n;
    switch (s->kind) {
    case IR_COMPOUND:
        for (int i = 0; i < s->nkid; i++)
            ls(L, s->kid[i]);
        ob_src(o, s->e);
        L->scope.n = mark;
        return;
    case IR_DECL:
        ls_decl(L, s, s->e);
        return;
    case IR_EXPR_STMT:
        ls_expr(L, s->kid[0], s->b, s->e);
        return;
    case IR_RETURN:
        ls_return(L, s);
        return;
    case IR_IF:
    case IR_SWITCH: {
        ir_node *c = s->kid[0];
        int C, wrap = (c->flags & IRF_AWAIT) != 0;
        if (wrap) {
            ob_gen(o, "{ ");
            char *t = cond_text(L, c, &C);
            ob_src(o, c->b);
            ob_gen(o, t);
            ob_skip(o, c->e);
        } else {
            ilist u = {0, 0, 0};
            refs(L, c, &u);
            C = node_after(L);
            use_all(L, C, &u);
            free(u.v);
        }
        if (s->kind == IR_IF) {
            int ends[2] = {C, C};
            for (int i = 1; i < s->nkid && i < 3; i++) {
                L->cur = C;
                ls(L, s->kid[i]);
                ends[i - 1] = L->cur;
            }
            int J = cfg_node(L->g);
            cfg_edge(L->g, ends[0], J);
            cfg_edge(L->g, s->nkid > 2 ? ends[1] : C, J);
            L->cur = J;
        } else {
            int X = cfg_node(L->g);
            target *lt = loop_target(L);
            target *t = push_target(L, X, lt ? lt->cont : -1);
            t->is_switch = 1;
            t->head = C;
            int idx = L->nt - 1;
            L->cur = -1;
            if (s->nkid > 1)
                ls(L, s->kid[1]);
            cfg_edge(L->g, L->cur, X);
            if (!L->t[idx].has_default)
                cfg_edge(L->g, C, X);
            L->nt = idx;
            L->cur = X;
        }
        ob_src(o, s->e);
        if (wrap)
            ob_gen(o, " }");
        L->scope.n = mark;
        return;
    }
    case IR_CASE:
    case IR_DEFAULT: {
        target *t = switch_target(L);
        int n = cfg_node(L->g);
        cfg_edge(L->g, L->cur, n);
        if (t) {
            cfg_edge(L->g, t->head, n);
            if (s->kind == IR_DEFAULT)
                t->has_default = 1;
        }
        L->cur = n;
        if (s->nkid)
            ls(L, s->kid[s->nkid - 1]);
        ob_src(o, s->e);
        return;
    }
    case IR_LABEL: {
        int n = label_node(L, s->name);
        cfg_edge(L->g, L->cur, n);
        L->cur = n;
        if (s->nkid)
            ls(L, s->kid[0]);
        ob_src(o, s->e);
        return;
    }
    case IR_GOTO:
        cfg_edge(L->g, L->cur, label_node(L, s->name));
        L->cur = -1;
        ob_src(o, s->e);
        return;
    case IR_BREAK: {
        target *t = L->nt ? &L->t[L->nt - 1] : NULL;
        if (t)
            cfg_edge(L->g, L->cur, t->brk);
        L->cur = -1;
        ob_src(o, s->e);
        return;
    }
    case IR_CONTINUE: {
        target *t = loop_target(L);
        if (t) {
            cfg_edge(L->g, L->cur, t->cont);
            if (t->label && !written_as(L, s, "continue")) {
                diag_error(L->u, s->b, "continue inside a macro or an #included file in a loop whose condition awaits");
                diag_note(L->u, s->b, "dcc redirects such continues to the moved condition; write it out");
                L->errors++;
            } else if (t->label) {
                ob_genf(o, "goto cont%d_;", t->label);
                ob_skip(o, s->e);
                t->label_used = 1;
            }
        }
        L->cur = -1;
        ob_src(o, s->e);
        return;
    }
    case IR_WHILE: {
        ir_node *c = s->kid[0], *body = s->kid[1];
        int X = cfg_node(L->g);
        if (!(c->flags & IRF_AWAIT)) {
            ob_src(o, c->e);
            ilist u = {0, 0, 0};
            refs(L, c, &u);
            int H = node_after(L);
            use_all(L, H, &u);
            free(u.v);
            push_target(L, X, H);
            int idx = L->nt - 1;
            ls(L, body);
            cfg_edge(L->g, L->cur, H);
            L->nt = idx;
            cfg_edge(L->g, H, X);
        } else {
            ob_gen(o, "for (;;) { ");
            int T = node_after(L);
            int H;
            char *t = cond_text(L, c, &H);
            ob_line(o, c->line);
            ob_genf(o, "if (!(%s)) break; ", t);
            push_target(L, X, T);
            int idx = L->nt - 1;
            ob_skip(o, body->b);
            ls(L, body);
            cfg_edge(L->g, L->cur, T);
            L->nt = idx;
            cfg_edge(L->g, H, X);
            ob_src(o, s->e);
            ob_gen(o, " }");
        }
        L->cur = X;
        L->scope.n = mark;
        ob_src(o, s->e);
        return;
    }
    case IR_DO: {
        ir_node *body = s->kid[0], *c = s->kid[1];
        int X = cfg_node(L->g);
        int T = node_after(L);
        int Cn = cfg_node(L->g);
        int await_cond = (c->flags & IRF_AWAIT) != 0;
        if (await_cond) {
            ob_gen(o, "for (;;) { ");
            ob_skip(o, body->b);
        }
        target *t = push_target(L, X, Cn);
        int idx = L->nt - 1;
        int label = await_cond ? ++L->ngen : 0;
        t->label = label;
        ls(L, body);
        int used = L->t[idx].label_used;
        L->nt = idx;
        cfg_edge(L->g, L->cur, Cn);
        L->cur = Cn;
        if (!await_cond) {
            ilist u = {0, 0, 0};
            refs(L, c, &u);
            use_all(L, Cn, &u);
            free(u.v);
            cfg_edge(L->g, Cn, T);
            cfg_edge(L->g, Cn, X);
            ob_src(o, s->e);
        } else {
            if (used)
                ob_genf(o, " cont%d_: ;", label);
            int H;
            char *ct = cond_text(L, c, &H);
            ob_line(o, c->line);
            ob_genf(o, " if (!(%s)) break; }", ct);
            cfg_edge(L->g, H, T);
            cfg_edge(L->g, H, X);
            ob_skip(o, s->e);
        }
        L->cur = X;
        return;
    }
    case IR_FOR: {
        ir_node *init = s->for_init >= 0 ? s->kid[s->for_init] : NULL;
        ir_node *c = s->for_cond >= 0 ? s->kid[s->for_cond] : NULL;
        ir_node *inc = s->for_inc >= 0 ? s->kid[s->for_inc] : NULL;
        ir_node *body = s->kid[s->for_body];
        int hdr_await = (init && (init->flags & IRF_AWAIT)) || (c && (c->flags & IRF_AWAIT)) ||
                        (inc && (inc->flags & IRF_AWAIT));
        int X = cfg_node(L->g);
        /* a for-declaration that hides a local gets its shadow hole in a
         * block of its own, before the for */
        int wrap = !hdr_await && init && init->kind == IR_DECL && hides_any(L, init);
        if (wrap) {
            ob_gen(o, "{ ");
            shadow_sites(L, init);
        }
        if (!hdr_await) {
            if (init && init->kind == IR_DECL) {
                int ok = 1;
                unsigned name0 = init->nkid && init->kid[0]->var >= 0 ? L->f->vars[init->kid[0]->var].off : init->b;
                decl_consts(L, init, spec_end(L, init, name0, &ok));
                decl_cfg(L, init);
            } else if (init) {
                int n = node_after(L);
                ilist u = {0, 0, 0};
                refs(L, init, &u);
                use_all(L, n, &u);
                cfg_def(L->g, n, killed(init));
                free(u.v);
            }
            dsrc(L, body->b); /* the header, without a const dcc drops */
            L->ndc = 0;
            ilist u = {0, 0, 0};
            refs(L, c, &u);
            int H = node_after(L);
            use_all(L, H, &u);
            free(u.v);
            int I = cfg_node(L->g);
            ilist iu = {0, 0, 0};
            refs(L, inc, &iu);
            use_all(L, I, &iu);
            cfg_def(L->g, I, inc ? killed(inc) : -1);
            free(iu.v);
            push_target(L, X, I);
            int idx = L->nt - 1;
            ls(L, body);
            L->nt = idx;
            cfg_edge(L->g, L->cur, I);
            cfg_edge(L->g, I, H);
            if (c)
                cfg_edge(L->g, H, X);
            ob_src(o, s->e);
            if (wrap)
                ob_gen(o, " }");
        } else {
            if (s->flags & IRF_BADEXT) {
                refuse_macro(L, s);
                return;
            }
            ob_gen(o, "{ ");
            if (init && init->kind == IR_DECL) {
                ob_skip(o, init->b);
                ls_decl(L, init, s->semi1 + 1);
            } else if (init) {
                ob_skip(o, init->b);
                ls_expr(L, init, init->b, s->semi1 + 1);
            }
            ob_skip(o, s->semi1 + 1);
            ob_gen(o, " for (;;) { ");
            int T = node_after(L);
            int H = -1;
            if (c) {
                char *ct = cond_text(L, c, &H);
                ob_line(o, c->line);
                ob_genf(o, "if (!(%s)) break; ", ct);
            }
            int label = inc ? ++L->ngen : 0;
            int I = cfg_node(L->g);
            target *t = push_target(L, X, inc ? I : T);
            t->label = label;
            int idx = L->nt - 1;
            ob_skip(o, body->b);
            ls(L, body);
            int used = L->t[idx].label_used;
            L->nt = idx;
            ob_src(o, body->e);
            if (inc) {
                if (used)
                    ob_genf(o, " cont%d_: ;", label);
                cfg_edge(L->g, L->cur, I);
                L->cur = I;
                int imark = L->scope.n;
                sb t2 = {0, 0, 0};
                ilist u = {0, 0, 0};
                ob_gen(o, " { ");
                lx(L, inc, &t2, &u, 1);
                ob_line(o, inc->line);
                if (t2.n)
                    ob_genf(o, "%s;", t2.s);
                ob_gen(o, " }");
                int n = node_after(L);
                use_all(L, n, &u);
                cfg_def(L->g, n, killed(inc));
                L->scope.n = imark;
                sb_free(&t2);
                free(u.v);
            }
            cfg_edge(L->g, L->cur, T);
            if (H >= 0)
                cfg_edge(L->g, H, X);
            ob_gen(o, " } }");
            ob_skip(o, s->e);
        }
        L->cur = X;
        L->scope.n = mark;
        return;
    }
    case IR_NULL:
        ob_src(o, s->e);
        return;
    default: { /* asm and the like: reads and may write what it names */
        if (s->flags & IRF_AWAIT) {
            diag_error(L->u, s->b, "await in this statement cannot be translated");
            L->errors++;
        }
        int n = node_after(L);
        ilist u = {0, 0, 0};
        refs(L, s, &u);
        use_all(L, n, &u);
        free(u.v);
        ob_src(o, s->e);
        return;
    }
    }
}

/* ---- after liveness ------------------------------------------------------ */

static int in_list(const int *v, int n, int x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return i;
    return -1;
}

/* ---- locals that live in the frame --------------------------------------- */

static void subst(lw *L, unsigned b, unsigned e, const char *text)
{
    ir_subst *x = ir_push(&L->u->substs, &L->u->nsubsts, &L->u->capsubsts, sizeof *x);
    x->b = b;
    x->e = e;
    x->text = text;
}

/* How the body names pinned local v: its frame member. */
static const char *pinned_ref(lw *L, int v)
{
    ir_var *var = &L->f->vars[v];
    if (var->is_param || (var->type->decl_pre && !var->type->is_const))
        return ir_printf(L->u, "(f_->%s)", var->field);
    return ir_printf(L->u, "(*(__typeof__(pin%d_) *)&f_->%s)", v, var->field);
}

static int is_decay_node(const ir_node *n)
{
    return n->kind == IR_EXPR && n->nkid == 1 && n->kid[0]->b == n->b && n->kid[0]->e == n->e && n->type &&
           !n->type->is_array && n->kid[0]->type && n->kid[0]->type->is_array;
}

/* The text rewrites of pinned locals and of string literals, in n (whose
 * parent is given, and `outer`, its nearest ancestor that is not a
 * parenthesis or an implicit conversion). */
static void pin_walk(lw *L, ir_node *n, ir_node *parent, ir_node *outer)
{
    ir_func *f = L->f;
    if (n->kind == IR_REF && n->var >= 0 && f->vars[n->var].pinned) {
        if (n->flags & IRF_BADEXT) {
            diag_error(L->u, n->b, "local '%s', whose address is taken, is named inside a macro",
                       f->vars[n->var].name);
            diag_note(L->u, n->b, "dcc keeps it in the frame and renames its uses; name it outside the macro");
            L->errors++;
        } else
            subst(L, n->b, n->e, pinned_ref(L, n->var));
    }
    if (n->kind == IR_VAR && n->var >= 0 && f->vars[n->var].pinned) {
        ir_var *var = &f->vars[n->var];
        subst(L, var->off, var->off + (unsigned)strlen(var->name), ir_printf(L->u, "pin%d_", n->var));
        if (n->for_init == 0 && n->nkid)
            subst(L, n->e, n->e, ir_printf(L->u, ", *pinp%d_ __attribute__((unused)) = __builtin_memcpy((void *)&f_->%s, "
                                                 "&pin%d_, sizeof pin%d_)", n->var, var->field, n->var, n->var));
        else
            subst(L, n->e, n->e, " __attribute__((unused))");
    }
    /* a string literal used as a pointer, not only passed to a call (a
     * format string keeps its checks): an array at file scope, so a pointer
     * into it is saved by name (docs/semantics.md G17) */
    if (n->kind == IR_EXPR && n->op[0] == '"' && !(n->flags & IRF_BADEXT) && parent && is_decay_node(parent) &&
        !(outer && outer->kind == IR_CALL) && n->type && !strcmp(n->type->elem, "char") && n->e > n->b) {
        const char **l = ir_push(&f->lits, &f->nlits, &f->caplits, sizeof *l);
        *l = ir_strndup(L->u, L->u->src + n->b, n->e - n->b);
        subst(L, n->b, n->e, ir_printf(L->u, "%s__lit%d", f->self->name, f->nlits));
    }
    int wrapper = n->kind == IR_PAREN || (n->kind == IR_EXPR && n->nkid == 1 && n->kid[0]->b == n->b &&
                                          n->kid[0]->e == n->e);
    for (int i = 0; i < n->nkid; i++)
        pin_walk(L, n->kid[i], n, wrapper ? outer : n);
}

/* Before lowering: pinned locals get their frame member names, and every
 * use of one, and every literal, its rewrite. */
static void pin_locals(lw *L)
{
    ir_func *f = L->f;
    for (int v = 0; v < f->nvars; v++) {
        ir_var *var = &f->vars[v];
        if (!var->pinned)
            continue;
        if (var->type->kind == IRT_BAD || var->type->kind == IRT_VOID) {
            var->pinned = 0; /* it stays a C local; a pointer into it fails at run time */
            L->stack_escape = 1; /* and a step must not run after the function returns */
            continue;
        }
        int same = 0;
        for (int w = 0; w < f->nvars; w++)
            same += w != v && !strcmp(f->vars[w].name, var->name);
        var->field = same ? ir_printf(L->u, "%s_p%d", var->name, v) : var->name;
        var->in_frame = 1;
    }
    if (f->nawaits)
        pin_walk(L, f->body, NULL, NULL);
    /* a pointer to a compound literal, which lives on the step function's
     * stack, may be kept in a local and reach a step's arguments */
    if (literal_address(f->body))
        L->stack_escape = 1;
}

/* Decide each await's saved set and refuse what cannot be saved. */
static void settle(lw *L)
{
    ir_func *f = L->f;
    cfg_solve(L->g, f->nvars);
    if (getenv("DCC_DEBUG_CFG"))
        cfg_dump(L->g, stderr);
    unsigned char *reported = calloc((size_t)f->nvars + 1, 1);
    L->nv = f->nvars;
    L->hider = calloc((size_t)f->nawaits * (size_t)f->nvars + 1, sizeof(int));
    L->stub = calloc((size_t)f->nawaits * (size_t)f->nvars + 1, sizeof(int));
    if (!L->hider || !L->stub) {
        fputs("dcc: error: out of memory\n", stderr);
        exit(2);
    }
    for (int k = 0; k < f->nawaits; k++) {
        ir_await *a = &f->awaits[k];
        a->live = ir_alloc(L->u, (size_t)f->nvars + 1);
        /* does some path from here read durable_error() before the next await completes? */
        for (int s2 = 0; s2 < cfg_nsucc(L->g, a->tnode); s2++)
            if (cfg_live_in(L->g, cfg_succ(L->g, a->tnode, s2), L->errvar))
                a->checks_error = 1;
        for (int v = 0; v < f->nvars; v++) {
            ir_var *var = &f->vars[v];
            int at = in_list(a->inscope, a->ninscope, v);
            if (var->pinned && at >= 0) { /* in the frame for good: saved wherever in scope */
                a->live[v] = 1;
                continue;
            }
            if (v == L->errvar || !cfg_live_in(L->g, a->rnode, v))
                continue;
            if (at < 0)
                continue; /* not declared here: its value is not defined after the await */
            for (int j = at + 1; j < a->ninscope; j++) {
                int w = a->inscope[j];
                if (strcmp(f->vars[w].name, var->name))
                    continue;
                /* hidden at the await by w: saved and restored at w's
                 * declaration (shadow_sites), where it is visible */
                const shadow *sh = NULL;
                for (int i = 0; i < L->nshadows; i++)
                    if (L->shadows[i].w == w && L->shadows[i].v == v)
                        sh = &L->shadows[i];
                if (sh && !sh->bad)
                    L->hider[k * L->nv + v] = w + 1;
                else if (!reported[v]) {
                    diag_error(L->u, var->off, "local '%s' is live across the await at line %u but hidden there "
                                               "by another '%s'%s%s", var->name, a->line, var->name,
                               sh ? ": " : "", sh ? sh->bad : "");
                    diag_note(L->u, f->vars[w].off, "dcc saves a hidden local where it is hidden; rename one of "
                                                    "them");
                    reported[v] = 1;
                    L->errors++;
                }
                break;
            }
            if (var->type->kind == IRT_BAD && !reported[v]) {
                diag_error(L->u, var->off, "local '%s' of type '%s' (%s) is live across the await at line %u",
                           var->name, var->type->spelling, var->type->why, a->line);
                diag_note(L->u, a->node->b, "only numbers, enums, bools, fixed arrays and structs of them, "
                                            "strings and data pointers survive an await; recompute or copy "
                                            "the value after the await instead");
                reported[v] = 1;
                L->errors++;
            } else if (var->type->kind == IRT_PTR && var->from && !reported[v]) {
                diag_error(L->u, var->from_off, "local '%s' of type '%s' holds the result of '%s', which points "
                           "outside the coroutine, and is live across the await at line %u", var->name,
                           var->type->spelling, var->from, a->line);
                diag_note(L->u, a->node->b, "only pointers into the coroutine's own locals or static storage "
                                            "(and char * strings) survive an await; keep an index or copy the "
                                            "value into a local");
                reported[v] = 1;
                L->errors++;
            } else if (var->type->is_const && !var->is_param && !in_ilist(&L->constok, v) && !reported[v]) {
                /* dcc drops a const it can see in the declaration; one
                 * that comes from a typedef it cannot */
                diag_error(L->u, var->off, "const local '%s' is live across the await at line %u, and dcc "
                                           "cannot drop its const", var->name, a->line);
                diag_note(L->u, a->node->b, "dcc restores a local by assignment after a resume; it drops a "
                                            "const written in the declaration, not one from a typedef or "
                                            "shared with a pointer declarator: declare the local on its own, "
                                            "with `const` written out");
                reported[v] = 1;
                L->errors++;
            }
            a->live[v] = 1;
            var->in_frame = 1;
        }
    }
    free(reported);
    /* resume stubs for hidden locals: case k jumps to the first, each
     * restores its local and jumps to the next, the last to awK_ */
    for (int k = 0; k < f->nawaits; k++) {
        ir_await *a = &f->awaits[k];
        for (int i = a->ninscope - 1; i >= 0; i--) {
            int v = a->inscope[i];
            if (L->hider[k * L->nv + v] && a->live[v]) {
                L->stub[k * L->nv + v] = ++L->nstub;
                a->resume = ir_printf(L->u, "sh%d_", L->nstub);
            }
        }
    }
    /* frame member names: the user's, made distinct */
    for (int v = 0; v < f->nvars; v++) {
        ir_var *var = &f->vars[v];
        if (!var->in_frame || var->pinned) /* pinned: named by pin_locals */
            continue;
        const char *name = var->name;
        for (int n = 1;; n++) {
            int clash = 0;
            for (int w = 0; w < f->nvars && !clash; w++)
                clash = w != v && f->vars[w].in_frame && (w < v || f->vars[w].pinned) &&
                        !strcmp(f->vars[w].field, name);
            if (!clash)
                break;
            name = ir_printf(L->u, "%s_%d", var->name, n);
        }
        var->field = name;
    }
}

/* Save (spill) or restore one variable. */
static void var_copy(sb *b, const ir_var *var, int spill)
{
    if (var->type->is_array || !var->type->decl_pre || var->type->const_member) {
        if (spill && !var->type->decl_pre)
            sb_printf(b, "_Static_assert(sizeof %s == sizeof f_->%s, \"dcc: layout of '%s'\"); ", var->name,
                      var->field, var->name);
        if (spill)
            sb_printf(b, "__builtin_memcpy(&f_->%s, &%s, sizeof %s); ", var->field, var->name, var->name);
        else
            sb_printf(b, "__builtin_memcpy(&%s, &f_->%s, sizeof %s); ", var->name, var->field, var->name);
    } else if (spill)
        sb_printf(b, "f_->%s = %s; ", var->field, var->name);
    else
        sb_printf(b, "%s = f_->%s; ", var->name, var->field);
}

/* The text that saves (spill) or restores (reload) await k's variables. */
static void hole_text(lw *L, sb *b, int k, int spill, const char *ind)
{
    ir_func *f = L->f;
    ir_await *a = &f->awaits[k];
    size_t at = b->n;
    for (int v = 0; v < f->nvars; v++) {
        if (!a->live[v] || f->vars[v].pinned || L->hider[k * L->nv + v]) /* pinned: the frame's already;
                                                                             hidden: see shadow_text */
            continue;
        if (ind) { /* one statement a line */
            sb t = {0, 0, 0};
            var_copy(&t, &f->vars[v], spill);
            for (char *p = t.s, *q; p && *p; p = q + 2) {
                q = strstr(p, "; ");
                if (!q)
                    break;
                sb_puts(b, ind);
                sb_put(b, p, (size_t)(q - p) + 1);
                sb_puts(b, "\n");
            }
            sb_free(&t);
        } else
            var_copy(b, &f->vars[v], spill);
    }
    if (!spill && b->n == at)
        sb_printf(b, "%s;%s", ind ? ind : "", ind ? "\n" : " "); /* a label needs a statement */
}

/* The text of shadow site i (before the declaration of w, which hides v):
 * v saved on the way in, and for each await in w's scope that saves v, a
 * resume stub that restores v and goes on to the await. */
static void shadow_text(lw *L, sb *b, int i)
{
    ir_func *f = L->f;
    const shadow *sh = &L->shadows[i];
    int v = sh->v, saved = 0;
    for (int k = 0; k < f->nawaits; k++) {
        if (L->hider[k * L->nv + v] != sh->w + 1 || !L->stub[k * L->nv + v])
            continue;
        if (!saved)
            var_copy(b, &f->vars[v], 1);
        saved = 1;
        ir_await *a = &f->awaits[k];
        const char *next = NULL;
        int pos = in_list(a->inscope, a->ninscope, v);
        for (int j = pos + 1; j < a->ninscope && !next; j++) {
            int x = a->inscope[j];
            if (L->stub[k * L->nv + x])
                next = ir_printf(L->u, "sh%d_", L->stub[k * L->nv + x]);
        }
        sb_printf(b, "if (0) { sh%d_: ", L->stub[k * L->nv + v]);
        var_copy(b, &f->vars[v], 0);
        if (next)
            sb_printf(b, "goto %s; } ", next);
        else
            sb_printf(b, "goto aw%d_; } ", a->id);
    }
}

static void const_text(lw *L, sb *b, const hole *h)
{
    for (int i = 0; i < h->n; i++)
        if (L->f->vars[L->cvars.v[h->a + i]].in_frame)
            return; /* restored by assignment: declared without const */
    sb_puts(b, "const");
}

int lower_func(ir_unit *u, ir_func *f, ob *o)
{
    lw L;
    memset(&L, 0, sizeof L);
    L.u = u;
    L.f = f;
    L.o = o;
    L.g = cfg_new();
    f->cfg = L.g;
    L.errvar = ir_add_var(u, f, "durable_error()", &int_type, f->b);
    f->vars[L.errvar].is_temp = 1;
    int entry = cfg_node(L.g);
    L.exit = cfg_node(L.g);
    L.cur = entry;
    f->cfg_entry = entry;
    f->cfg_exit = L.exit;
    for (int v = 0; v < f->nvars; v++)
        if (f->vars[v].is_param) {
            cfg_def(L.g, entry, v);
            ipush(&L.scope, v);
        }
    pin_locals(&L);
    size_t start = o->b.n;
    ir_node *body = f->body;
    ob_skip(o, body->b + 1);
    /* gdb: a local symbol with the durable function's own name, at the start
     * of its body, which only a call at state 0 reaches, after the parameters
     * are loaded: `break NAME` stops there (docs/guide.md, docs/abi.md).
     * `.set` may define a symbol again, so a copy of the asm is harmless. */
    unsigned bline;
    ir_linecol(u, body->b, &bline, NULL);
    ob_line(o, bline);
    ob_genf(o, "    __asm__ volatile (\".set %s, .\"); /* gdb: break %s */", f->self->name, f->self->name);
    for (int i = 0; i < body->nkid; i++) {
        /* the body follows the dispatch in the step function, so a GNU
         * local label declaration there no longer opens a block */
        if (body->kid[i]->kind == IR_DECL && written_as(&L, body->kid[i], "__label__")) {
            diag_error(u, body->kid[i]->b, "a local label declaration at the top of a durable function "
                                           "cannot be translated");
            diag_note(u, body->kid[i]->b, "dcc puts the body after its dispatch, where __label__ does not "
                                          "open a block; declare it in an inner block { ... }");
            L.errors++;
        }
        ls(&L, body->kid[i]);
    }
    ob_src(o, body->e - 1);
    ob_gen(o, "return durable__return(co_, 0, 0); ");
    cfg_edge(L.g, L.cur, L.exit);
    ob_src(o, body->e);
    if (!L.errors)
        settle(&L);
    /* fill the holes, back to front so offsets stay valid */
    if (!L.errors && L.nholes) {
        sb out = {0, 0, 0};
        size_t p = start;
        sb_put(&out, o->b.s, start);
        for (int i = 0; i < L.nholes; i++) {
            sb_put(&out, o->b.s + p, L.holes[i].at - p);
            if (L.holes[i].kind == HOLE_CONST)
                const_text(&L, &out, &L.holes[i]);
            else if (L.holes[i].kind == HOLE_SHADOW)
                shadow_text(&L, &out, L.holes[i].a);
            else
                hole_text(&L, &out, L.holes[i].await, L.holes[i].spill, L.holes[i].ind);
            p = L.holes[i].at;
        }
        sb_put(&out, o->b.s + p, o->b.n - p);
        sb_free(&o->b);
        o->b = out;
    }
    free(L.t);
    free(L.scope.v);
    free(L.labels);
    free(L.holes);
    free(L.shadows);
    free(L.dc);
    free(L.cvars.v);
    free(L.constok.v);
    free(L.hider);
    free(L.stub);
    return L.errors;
}

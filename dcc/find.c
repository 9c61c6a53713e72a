/*
 * find.c — checks the IR of a unit and classifies what translation needs:
 * each await's kind (step, child, runtime awaitable), which durable
 * functions need generated declarations and where, and every construct dcc
 * refuses before lowering (see docs/translation.md, "Refusals").
 *
 * Checks that need liveness (pointers or consts live across an await) are in
 * lower.c; this file needs only the tree.
 */
#include "find.h"
#include "diag.h"

#include <string.h>

typedef struct finder {
    ir_unit *u;
    ir_func *f;
    int durable;
    int unevaluated; /* inside sizeof: nothing there is evaluated */
    ir_node *discarded; /* the call of the expression statement being walked */
} finder;

static int is_assign_op(const char *op)
{
    size_t n = strlen(op);
    return n && op[n - 1] == '=' && strcmp(op, "==") && strcmp(op, "!=") && strcmp(op, "<=") && strcmp(op, ">=");
}

/* Names dcc generates inside step functions: co_, f_, a_, r_, and a letter
 * run followed by digits and '_' (aw1_, t2_, c3_). */
static int reserved_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != '_')
        return 0;
    if (!strcmp(s, "co_") || !strcmp(s, "f_") || !strcmp(s, "a_") || !strcmp(s, "r_") || !strcmp(s, "frame_"))
        return 1;
    size_t i = 0;
    while (i < n - 1 && s[i] >= 'a' && s[i] <= 'z')
        i++;
    if (i == 0 || i == n - 1)
        return 0;
    while (i < n - 1 && s[i] >= '0' && s[i] <= '9')
        i++;
    return i == n - 1;
}

static void use_callee(ir_callee *c, unsigned at)
{
    c->used = 1;
    if (at < c->decl_at)
        c->decl_at = at;
}

/* Does the operand of a step modify something (re-run on every retry)? */
static ir_node *side_effect(ir_node *n)
{
    if (!n)
        return NULL;
    if (n->kind == IR_AWAIT)
        return NULL;
    if ((n->kind == IR_BINARY && is_assign_op(n->op)) ||
        (n->kind == IR_UNARY && (!strcmp(n->op, "++") || !strcmp(n->op, "--"))))
        return n;
    for (int i = 0; i < n->nkid; i++) {
        ir_node *r = side_effect(n->kid[i]);
        if (r)
            return r;
    }
    return NULL;
}

/* A parameter of a durable function is stored in its args and frame: an
 * array parameter is a pointer in C (to the caller's memory, gone after a
 * restart), and so is any other pointer but a string. */
static int bad_param(ir_unit *u, const char *fname, const char *pname, const ir_type *t, unsigned at)
{
    if (t->is_array) {
        diag_error(u, at, "parameter '%s' of durable function '%s' is an array: C passes it as a pointer "
                          "to the caller's memory, which cannot be stored", pname ? pname : "", fname);
        if (t->decl_pre)
            diag_note(u, at, "pass the values, or a struct that holds the array (`struct { %sv%s; }`), "
                             "by value instead", t->decl_pre, t->decl_post);
        else
            diag_note(u, at, "pass the values, or a struct that holds a fixed-size array, by value instead");
        return 1;
    }
    if (t->kind == IRT_PTR) {
        diag_error(u, at, "parameter '%s' of durable function '%s' has type '%s', a pointer, which cannot be "
                          "stored", pname ? pname : "", fname, t->spelling);
        diag_note(u, at, "it points into the caller, which a restart does not keep; pass the values (a struct, "
                         "a fixed array inside a struct) or an id");
        return 1;
    }
    if (t->kind == IRT_BAD) {
        diag_error(u, at, "parameter '%s' of durable function '%s' has type '%s', %s, which cannot be stored",
                   pname ? pname : "", fname, t->spelling, t->why);
        if (t->is_pointer)
            diag_note(u, at, "the memory it points to does not survive a restart; pass the value itself, "
                             "or a struct of values, instead");
        return 1;
    }
    return 0;
}

/* A durable function only declared here is checked where it is called (its
 * definition, elsewhere, is refused too). */
static void declared_params(finder *F, ir_callee *c, unsigned at)
{
    if (c->defined)
        return;
    for (int i = 0; i < c->nparams; i++)
        bad_param(F->u, c->name, c->params[i].name, c->params[i].type, at);
}

static void check_await(finder *F, ir_node *n)
{
    ir_unit *u = F->u;
    ir_await *a = &F->f->awaits[n->await];
    a->id = n->await + 1;
    if (!F->durable) {
        diag_error(u, n->b, "await outside a durable function");
        diag_note(u, F->f->b, "mark the function 'durable' to make it a coroutine");
        return;
    }
    for (int k = 0; k < n->await && !a->badctx; k++)
        if (F->f->awaits[k].node->b == n->b)
            a->badctx = "a macro that repeats its argument";
    if (a->badctx) {
        diag_error(u, n->b, "await inside %s cannot be translated", a->badctx);
        diag_note(u, n->b, "write the await as its own statement, e.g. `T v = await(f(x));`, and use v");
        return;
    }
    ir_node *call = ir_strip(n->nkid ? n->kid[0] : NULL);
    a->call = call;
    if (!call || call->kind != IR_CALL || !call->callee || (call->flags & IRF_BADEXT)) {
        diag_error(u, call ? call->b : n->b, "the operand of await must be a direct call of a named function");
        diag_note(u, n->b, "calls through function pointers cannot be classified as step or child");
        return;
    }
    ir_callee *c = call->callee;
    a->callee = c;
    if (c->kind == CALLEE_DURABLE) {
        a->kind = AWAIT_CHILD;
        use_callee(c, F->f->b);
        declared_params(F, c, call->b);
    } else if (c->kind == CALLEE_AWAITABLE) {
        a->kind = AWAIT_RUNTIME;
        if (strncmp(c->name, "durable_", 8) != 0) {
            diag_error(u, call->b, "runtime awaitable '%s' must be named durable_X", c->name);
            return;
        }
    } else {
        a->kind = AWAIT_STEP;
        if (!c->has_proto) {
            diag_error(u, call->b, "step '%s' has no prototype", c->name);
            diag_note(u, call->b, "declare it with its parameter types so dcc can evaluate its arguments");
            return;
        }
        ir_node *se = side_effect(call);
        if (se) {
            diag_error(u, se->b, "the arguments of step '%s' modify a variable", c->name);
            diag_note(u, se->b, "a step's arguments are evaluated again when it is retried; "
                                "do the update before the await");
        }
        if (c->ret->kind == IRT_BAD || c->ret->kind == IRT_PTR) {
            diag_error(u, call->b, "step '%s' returns '%s', %s, which cannot be checkpointed", c->name,
                       c->ret->spelling, c->ret->kind == IRT_PTR ? "a pointer" : c->ret->why);
            if (c->ret->kind == IRT_PTR)
                diag_note(u, call->b, "its result points outside the coroutine; return an index or a value");
        }
    }
}

static void check_call(finder *F, ir_node *n)
{
    ir_unit *u = F->u;
    ir_callee *c = n->callee;
    if (!c)
        return;
    if (c->kind == CALLEE_DURABLE && !(n->flags & (IRF_INAWAIT | IRF_HOST))) {
        diag_error(u, n->b, "durable function '%s' called directly", c->name);
        diag_note(u, n->b, "%s", F->durable ? "write await(...) around the call to run it as a child coroutine"
                                             : "start it with durable_start(rt, id, f(args)), or await it "
                                               "from a durable function");
    }
    if (n->flags & IRF_HOST) {
        use_callee(c, F->f->b);
        declared_params(F, c, n->b);
    }
    if (F->durable) {
        static const char *const banned[] = {"setjmp", "_setjmp", "sigsetjmp", "__sigsetjmp", "longjmp",
                                             "_longjmp", "siglongjmp", "alloca", "__builtin_alloca", NULL};
        for (int i = 0; banned[i]; i++)
            if (!strcmp(c->name, banned[i])) {
                if (strstr(c->name, "alloca"))
                    diag_error(u, n->b, "%s in a durable function", c->name);
                else
                    diag_error(u, n->b, "setjmp/longjmp (%s) in a durable function", c->name);
                diag_note(u, n->b, "%s", strstr(c->name, "alloca")
                                             ? "alloca memory does not survive an await; use a fixed array"
                                             : "a coroutine's stack does not survive an await, so jumps "
                                               "between frames cannot be resumed");
            }
    }
}

/* The local an lvalue names or lies inside: x, x.m, x[i] of an array x,
 * or -1 (through a pointer: x->m, p[i]). */
static int root_var(ir_node *e)
{
    for (e = ir_strip(e); e; ) {
        if (e->kind == IR_REF)
            return e->var;
        if (e->kind == IR_EXPR && !strcmp(e->op, ".") && e->nkid == 1) {
            e = ir_strip(e->kid[0]);
        } else if (e->kind == IR_EXPR && !strcmp(e->op, "[") && e->nkid == 2) {
            ir_node *base = ir_strip(e->kid[0]);
            if (!base->type || !base->type->is_array)
                return -1;
            e = base;
        } else
            return -1;
    }
    return -1;
}

/* Is n an array's implicit conversion to a pointer to its first element? */
static int is_decay(const ir_node *n)
{
    return n->kind == IR_EXPR && n->nkid == 1 && n->kid[0]->b == n->b && n->kid[0]->e == n->e && n->type &&
           !n->type->is_array && n->kid[0]->type && n->kid[0]->type->is_array;
}

/* The local whose address the value of e is (or is computed from), or -1. */
static int address_of_local(ir_node *e)
{
    if (!e)
        return -1;
    if (is_decay(e))
        return root_var(e->kid[0]);
    e = ir_strip(e);
    if (e->kind == IR_UNARY && !strcmp(e->op, "&") && e->nkid == 1)
        return root_var(e->kid[0]);
    if (e->kind == IR_BINARY && (!strcmp(e->op, "+") || !strcmp(e->op, "-")) && e->nkid == 2) {
        int v = address_of_local(e->kid[0]);
        return v >= 0 ? v : address_of_local(e->kid[1]);
    }
    if (e->kind == IR_COND && e->nkid == 3) {
        int v = address_of_local(e->kid[1]);
        return v >= 0 ? v : address_of_local(e->kid[2]);
    }
    return e->kind == IR_PAREN && e->nkid == 1 ? address_of_local(e->kid[0]) : -1;
}

/* A local whose address is taken (&x, &x.m, &a[i], or an array used as a
 * pointer) in a durable function that awaits lives in the frame for the
 * whole run (lower.c), so the address stays valid across every await and
 * is saved as an offset.  Refused only when the address is stored where the
 * frame does not reach: through a pointer or in a global. */
/* An argument of call c that cannot come back in its result: c returns no
 * pointer, or its result is discarded (`strcpy(buf, s);`, `scanf("%d", &x)`).
 * Its address is trusted not to be kept past the call (docs/translation.md). */
static int harmless_argument(finder *F, const ir_node *c, int kidx)
{
    return c && c->kind == IR_CALL && kidx > 0 && c->callee &&
           (c == F->discarded || !c->type || (!c->type->is_pointer && c->type->kind != IRT_PTR));
}

static void pin(finder *F, int v)
{
    if (v >= 0 && F->durable && F->f->nawaits && !F->unevaluated)
        F->f->vars[v].pinned = 1;
}

/* `x = e` or `T x = e`: remember where a pointer local's value comes from
 * (a call's result points outside the coroutine: refused if live, lower.c). */
static void note_source(finder *F, int v, ir_node *e)
{
    if (v < 0 || !F->durable || F->f->vars[v].type->kind != IRT_PTR)
        return;
    for (e = ir_strip(e); e && e->kind == IR_BINARY && (!strcmp(e->op, "+") || !strcmp(e->op, "-")) &&
                          e->nkid == 2;)
        e = ir_strip(e->kid[1]->type && e->kid[1]->type->is_pointer ? e->kid[1] : e->kid[0]);
    if (e && e->kind == IR_CALL && e->callee && !(e->flags & IRF_INAWAIT) && !F->f->vars[v].from) {
        F->f->vars[v].from = e->callee->name;
        F->f->vars[v].from_off = e->b;
    }
}

static void check_assign(finder *F, ir_node *n)
{
    if (!F->durable || !F->f->nawaits || F->unevaluated || n->nkid != 2 || strcmp(n->op, "="))
        return;
    ir_node *l = ir_strip(n->kid[0]);
    if (l->kind == IR_REF && l->var >= 0)
        note_source(F, l->var, n->kid[1]);
    int x = address_of_local(n->kid[1]);
    if (x < 0 || root_var(l) >= 0)
        return;
    diag_error(F->u, n->kid[1]->b, "the address of local '%s' may escape across an await", F->f->vars[x].name);
    diag_note(F->u, n->kid[1]->b, "it is stored outside the coroutine's locals, where dcc cannot keep it "
                                  "valid after a restart; keep it in a local pointer");
}

static void walk(finder *F, ir_node *n, ir_node *parent, int kidx, int is_callee)
{
    if (!n)
        return;
    ir_unit *u = F->u;
    switch (n->kind) {
    case IR_AWAIT:
        check_await(F, n);
        break;
    case IR_CALL:
        check_call(F, n);
        break;
    case IR_REF:
        if (n->callee && n->callee->kind == CALLEE_DURABLE && !is_callee) {
            diag_error(u, n->b, "the address of durable function '%s' is taken", n->callee->name);
            diag_note(u, n->b, "a durable function runs only through await or durable_start");
        }
        break;
    case IR_UNARY:
        if (!strcmp(n->op, "&") && n->nkid == 1 && !harmless_argument(F, parent, kidx))
            pin(F, root_var(n->kid[0]));
        break;
    case IR_EXPR_STMT: {
        ir_node *e = n->nkid ? ir_strip(n->kid[0]) : NULL;
        F->discarded = e && e->kind == IR_CALL ? e : NULL;
        break;
    }
    case IR_BINARY:
        check_assign(F, n);
        break;
    case IR_EXPR:
        /* an array used as a pointer, except as the base of a[i] */
        if (is_decay(n) && !(parent && parent->kind == IR_EXPR && !strcmp(parent->op, "[") && kidx == 0) &&
            !harmless_argument(F, parent, kidx))
            pin(F, root_var(n->kid[0]));
        break;
    case IR_VAR:
        if (F->durable && n->op[0] == 's')
            diag_warning(u, n->b, "static local '%s' is not saved with the coroutine; "
                                  "its value is lost on restart", n->name);
        if (F->durable && n->var >= 0 && reserved_name(n->name))
            diag_error(u, n->b, "'%s' is a name dcc reserves for generated code; rename it", n->name);
        if (n->var >= 0 && n->for_init == 0 && n->nkid)
            note_source(F, n->var, n->kid[0]);
        break;
    case IR_LABEL:
        if (F->durable && n->name && reserved_name(n->name))
            diag_error(u, n->b, "'%s' is a name dcc reserves for generated code; rename it", n->name);
        break;
    case IR_STMT_OTHER:
        if (F->durable && n->name && !strcmp(n->name, "goto *"))
            diag_error(u, n->b, "computed goto in a durable function cannot be resumed");
        break;
    case IR_STMTEXPR:
        if (F->durable && (n->flags & IRF_RETURN))
            diag_error(u, n->b, "return inside a statement expression in a durable function");
        break;
    default:
        break;
    }
    /* Parentheses and implicit conversions are transparent: &x converted to
     * a const pointer is still "a call argument" to check_addr. */
    int transparent = n->kind == IR_PAREN || (n->kind == IR_EXPR && n->nkid == 1 && n->kid[0]->b == n->b);
    F->unevaluated += n->kind == IR_SIZEOF;
    for (int i = 0; i < n->nkid; i++) {
        int callee = 0;
        if (n->kind == IR_CALL && i == 0)
            callee = 1;
        else if (is_callee && (n->kind == IR_PAREN || n->kind == IR_EXPR))
            callee = 1;
        walk(F, n->kid[i], transparent ? parent : n, transparent ? kidx : i, callee);
    }
    F->unevaluated -= n->kind == IR_SIZEOF;
}

int find_unit(ir_unit *u)
{
    int before = diag_count();
    for (int i = 0; i < u->nfuncs; i++) {
        ir_func *f = u->funcs[i];
        finder F = {u, f, f->self->kind == CALLEE_DURABLE, 0, NULL};
        if (F.durable) {
            use_callee(f->self, f->b);
            if (f->self->is_variadic)
                diag_error(u, f->b, "durable function '%s' is variadic", f->self->name);
            if (f->self->ret->kind == IRT_BAD || f->self->ret->kind == IRT_PTR)
                diag_error(u, f->b, "durable function '%s' returns '%s', %s, which cannot be stored",
                           f->self->name, f->self->ret->spelling,
                           f->self->ret->kind == IRT_PTR ? "a pointer" : f->self->ret->why);
            for (int p = 0; p < f->nvars; p++) {
                ir_var *v = &f->vars[p];
                if (!v->is_param)
                    continue;
                if (bad_param(u, f->self->name, v->name, v->type, v->off))
                    continue;
                if (reserved_name(v->name))
                    diag_error(u, v->off, "'%s' is a name dcc reserves for generated code; rename it", v->name);
            }
        }
        walk(&F, f->body, NULL, 0, 0);
    }
    /* Every `await` the preprocessor expanded must be one dcc recognised. */
    for (int m = 0; m < u->nmarks; m++) {
        int found = 0;
        for (int i = 0; i < u->nfuncs && !found; i++)
            for (int a = 0; a < u->funcs[i]->nawaits && !found; a++)
                found = u->funcs[i]->awaits[a].node->b == u->await_marks[m];
        if (!found) {
            diag_error(u, u->await_marks[m], "await here cannot be translated");
            diag_note(u, u->await_marks[m], "await may stand where an expression is evaluated in a "
                                            "durable function body, not in a type, a bound or a declaration");
        }
    }
    return diag_count() - before;
}

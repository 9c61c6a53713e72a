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
        if (c->ret->kind == IRT_BAD) {
            diag_error(u, call->b, "step '%s' returns '%s', %s, which cannot be checkpointed", c->name,
                       c->ret->spelling, c->ret->why);
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

/* &x of a local: allowed as a call argument, anywhere under sizeof, or stored
 * in a local pointer (which liveness then checks); anything else may escape.
 * Parentheses and implicit conversions in between do not count. */
static void check_addr(finder *F, ir_node *n, ir_node *parent, int kidx)
{
    ir_node *x = ir_strip(n->nkid ? n->kid[0] : NULL);
    if (!x || x->kind != IR_REF || x->var < 0 || !F->durable || F->f->nawaits == 0 || F->unevaluated)
        return;
    if (parent) {
        if (parent->kind == IR_CALL && kidx > 0)
            return;
        if (parent->kind == IR_SIZEOF || parent->kind == IR_VAR)
            return;
        if (parent->kind == IR_BINARY && !strcmp(parent->op, "=") && kidx == 1) {
            ir_node *l = ir_strip(parent->kid[0]);
            if (l->kind == IR_REF && l->var >= 0)
                return;
        }
    }
    F->f->vars[x->var].escapes = 1;
    diag_error(F->u, n->b, "the address of local '%s' may escape across an await", x->name);
    diag_note(F->u, n->b, "after a restart the local lives at another address; "
                          "pass &%s only as a call argument or keep it in a local pointer", x->name);
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
        if (!strcmp(n->op, "&"))
            check_addr(F, n, parent, kidx);
        break;
    case IR_VAR:
        if (F->durable && n->op[0] == 's')
            diag_warning(u, n->b, "static local '%s' is not saved with the coroutine; "
                                  "its value is lost on restart", n->name);
        if (F->durable && n->var >= 0 && reserved_name(n->name))
            diag_error(u, n->b, "'%s' is a name dcc reserves for generated code; rename it", n->name);
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
        finder F = {u, f, f->self->kind == CALLEE_DURABLE, 0};
        if (F.durable) {
            use_callee(f->self, f->b);
            if (f->self->is_variadic)
                diag_error(u, f->b, "durable function '%s' is variadic", f->self->name);
            if (f->self->ret->kind == IRT_BAD)
                diag_error(u, f->b, "durable function '%s' returns '%s', %s, which cannot be stored",
                           f->self->name, f->self->ret->spelling, f->self->ret->why);
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

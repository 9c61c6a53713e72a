/*
 * emit.c — writes the translated file: the user's text as written, with
 * each durable function definition replaced by its frame and args structs,
 * step function (body from lower.c), descriptors and registration, the
 * declarations (`struct f__args`, `f__fn`) inserted before the first use of
 * each durable function, and host calls rewritten (out.c).
 *
 * Output is deterministic: the same input gives the same bytes.  Generated
 * declarations carry `#line N "FILE.dcc.c"`, user text its own lines.
 */
#include "emit.h"
#include "diag.h"
#include "ident.h"
#include "lower.h"
#include "out.h"

#include <stdlib.h>
#include <string.h>

static const char *kind_name(ir_tkind k)
{
    switch (k) {
    case IRT_INT: return "DURABLE_KIND_INT";
    case IRT_UINT: return "DURABLE_KIND_UINT";
    case IRT_FLOAT: return "DURABLE_KIND_FLOAT";
    case IRT_BOOL: return "DURABLE_KIND_BOOL";
    case IRT_CHAR: return "DURABLE_KIND_CHAR";
    case IRT_STRING: return "DURABLE_KIND_STRING";
    case IRT_STRUCT: return "DURABLE_KIND_STRUCT";
    case IRT_PTR: return "DURABLE_KIND_POINTER";
    default: return "0";
    }
}

static const char *basename_of(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The args-struct member name of parameter i. */
static const char *arg_member(ir_unit *u, const ir_callee *c, int i)
{
    const char *n = c->params[i].name;
    if (!n)
        return ir_printf(u, "p%d_", i);
    for (int j = 0; j < c->nparams; j++)
        if (j != i && c->params[j].name && !strcmp(c->params[j].name, n))
            return ir_printf(u, "p%d_", i);
    return n;
}

static void member_decl(ob *o, const ir_type *t, const char *name)
{
    if (t->decl_pre)
        ob_genf(o, "    %s%s%s;\n", t->decl_pre, name, t->decl_post);
    else
        ob_genf(o, "    _Alignas(%lld) unsigned char %s[%lld]; /* %s */\n", t->align > 0 ? t->align : 1, name,
                t->size > 0 ? t->size : 1, t->spelling);
}

static void emit_decls(ir_unit *u, ob *o, ir_callee *c)
{
    ob_genf(o, "struct %s__args {\n", c->name);
    for (int i = 0; i < c->nparams; i++)
        member_decl(o, c->params[i].type, arg_member(u, c, i));
    if (!c->nparams)
        ob_gen(o, "    char unused_;\n");
    ob_gen(o, "};\n");
    ob_genf(o, "%s durable_func %s__fn;\n", c->is_static ? "static" : "extern", c->name);
    c->declared_out = 1;
}

/* The argument struct and thunk of step await a of durable function fn
 * (lower.c decided it goes through them, docs/abi.md): the parameters as
 * the prototype declares them, then the value; the thunk makes the call,
 * on the await's line for compiler errors, gdb and backtraces. */
static void emit_thunk(ob *o, const char *fn, const ir_await *a)
{
    const ir_callee *c = a->callee;
    int has_value = c->ret->kind != IRT_VOID;
    sb m = {0, 0, 0};
    for (int i = 0; i < c->nparams; i++)
        sb_printf(&m, " %sa%d_%s;", c->params[i].type->decl_pre, i, c->params[i].type->decl_post);
    if (has_value)
        sb_printf(&m, " %sv_%s;", c->ret->decl_pre, c->ret->decl_post);
    if (!m.n)
        sb_puts(&m, " char u_;"); /* C has no empty struct */
    ob_genf(o, "struct %s__call%d {", fn, a->id);
    ob_gen(o, m.s);
    ob_gen(o, " };\n");
    sb_free(&m);
    ob_genf(o, "static void %s__run%d(void *p_)\n{\n", fn, a->id);
    if (has_value || c->nparams)
        ob_genf(o, "    struct %s__call%d *s_ = p_;\n", fn, a->id);
    else
        ob_gen(o, "    (void)p_;\n");
    ob_sync(o, a->line);
    sb call = {0, 0, 0};
    sb_printf(&call, "    %s%s(", has_value ? "s_->v_ = " : "", c->name);
    for (int i = 0; i < c->nparams; i++)
        sb_printf(&call, "%ss_->a%d_", i ? ", " : "", i);
    sb_puts(&call, ");\n");
    ob_gen(o, call.s);
    sb_free(&call);
    ob_genblock(o);
    ob_gen(o, "}\n");
}

/* Members arrays already emitted for the current function, by container. */
typedef struct memo {
    const char *container, *name;
} memo;
static memo memos[64];
static int nmemos;

/* Emit a members array for a struct type (once per type and function);
 * returns its name or NULL. */
static const char *emit_members(ir_unit *u, ob *o, const char *fname, const ir_type *t, int *seq)
{
    if (t->kind != IRT_STRUCT || !t->nmembers || !t->container)
        return NULL;
    for (int i = 0; i < nmemos; i++)
        if (!strcmp(memos[i].container, t->container))
            return memos[i].name;
    const char **sub = calloc((size_t)t->nmembers, sizeof *sub);
    for (int i = 0; i < t->nmembers; i++)
        sub[i] = emit_members(u, o, fname, t->members[i].type, seq);
    const char *name = ir_printf(u, "%s__m%d", fname, ++*seq);
    ob_genf(o, "static const durable_field %s[] = {\n", name);
    for (int i = 0; i < t->nmembers; i++) {
        const ir_member *m = &t->members[i];
        ob_genf(o, "    { \"%s\", \"%s\", %s, offsetof(%s, %s), sizeof(((%s *)0)->%s), %u, 0, %s, %d },\n",
                m->name, m->type->spelling, kind_name(m->type->kind), t->container, m->name, t->container, m->name,
                m->type->count, sub[i] ? sub[i] : "0", sub[i] ? m->type->nmembers : 0);
    }
    ob_gen(o, "};\n");
    free(sub);
    if (nmemos < (int)(sizeof memos / sizeof memos[0])) {
        memos[nmemos].container = t->container;
        memos[nmemos++].name = name;
    }
    return name;
}

/* One durable_field initializer for a member `member` of `container`. */
static void field_entry(ob *o, const char *name, const ir_type *t, const char *container, const char *member,
                        unsigned line, const char *members)
{
    ob_genf(o, "    { \"%s\", \"%s\", %s, offsetof(%s, %s), sizeof(((%s *)0)->%s), %u, %u, %s, %d },\n", name,
            t->spelling, kind_name(t->kind), container, member, container, member, t->count, line,
            members ? members : "0", members ? t->nmembers : 0);
}

/* A standalone descriptor of a value (a result or an await's value). */
static void value_desc(ob *o, const char *dname, const ir_type *t, const char *members)
{
    ob_genf(o, "static const durable_field %s = { \"\", \"%s\", %s, 0, sizeof(%s), %u, 0, %s, %d };\n", dname,
            t->spelling, kind_name(t->kind), t->spelling, t->count, members ? members : "0",
            members ? t->nmembers : 0);
}

static int emit_function(ir_unit *u, ob *o, ir_func *f)
{
    ir_callee *c = f->self;
    const char *n = c->name;
    /* lower first: the frame depends on liveness */
    ob body;
    ob_init(&body, u);
    int errors = lower_func(u, f, &body);
    if (errors) {
        sb_free(&body.b);
        return errors;
    }
    int nfields = 0;
    for (int v = 0; v < f->nvars; v++)
        nfields += f->vars[v].in_frame;
    ob_genblock(o);
    ob_genf(o, "/* durable function %s, translated by dcc: see docs/abi.md */\n", n);
    ob_genf(o, "struct %s__frame {\n", n);
    for (int v = 0; v < f->nvars; v++)
        if (f->vars[v].in_frame)
            member_decl(o, f->vars[v].type, f->vars[v].field);
    if (!nfields)
        ob_gen(o, "    char unused_;\n");
    ob_gen(o, "};\n");
    /* string literals of the body, as named arrays (docs/translation.md) */
    for (int i = 0; i < f->nlits; i++)
        ob_genf(o, "static char %s__lit%d[] = %s;\n", n, i + 1, f->lits[i]);
    for (int k = 0; k < f->nawaits; k++)
        if (f->awaits[k].thunk)
            emit_thunk(o, n, &f->awaits[k]);
    /* resume gotos defeat gcc's may-be-uninitialized analysis */
    ob_gen(o, "#if defined(__GNUC__) && !defined(__clang__)\n#pragma GCC diagnostic push\n"
              "#pragma GCC diagnostic ignored \"-Wmaybe-uninitialized\"\n#endif\n");
    ob_genf(o, "static int %s__step(durable_co *co_, void *frame_)\n{\n", n);
    if (nfields)
        ob_genf(o, "    struct %s__frame *f_ = frame_;\n", n);
    else
        ob_gen(o, "    (void)frame_;\n");
    int np = 0;
    for (int v = 0; v < f->nvars; v++)
        if (f->vars[v].is_param) {
            const ir_type *t = f->vars[v].type;
            if (!f->vars[v].pinned) /* a pinned one is only in the frame */
                ob_genf(o, "    %s%s%s;\n", t->decl_pre ? t->decl_pre : "", f->vars[v].name,
                        t->decl_pre ? t->decl_post : "");
            np++;
        }
    ob_gen(o, "    switch (durable__state(co_)) {\n    case 0: {\n");
    if (np) {
        ob_genf(o, "        const struct %s__args *a_ = durable__args(co_);\n", n);
        int i = 0;
        for (int v = 0; v < f->nvars; v++)
            if (f->vars[v].is_param) {
                const char *m = i < c->nparams ? arg_member(u, c, i) : f->vars[v].name;
                if (f->vars[v].pinned) /* it lives in the frame: its address is taken */
                    ob_genf(o, "        __builtin_memcpy((void *)&f_->%s, &a_->%s, sizeof f_->%s);\n",
                            f->vars[v].field, m, f->vars[v].field);
                else if (f->vars[v].type->is_array || f->vars[v].type->const_member)
                    ob_genf(o, "        __builtin_memcpy(&%s, &a_->%s, sizeof %s);\n", f->vars[v].name, m,
                            f->vars[v].name);
                else
                    ob_genf(o, "        %s = a_->%s;\n", f->vars[v].name, m);
                i++;
            }
    }
    ob_gen(o, "        break;\n    }\n");
    for (int k = 0; k < f->nawaits; k++) {
        if (f->awaits[k].resume)
            ob_genf(o, "    case %d: goto %s;\n", k + 1, f->awaits[k].resume);
        else
            ob_genf(o, "    case %d: goto aw%d_;\n", k + 1, k + 1);
    }
    ob_gen(o, "    default: return durable__bad_state(co_);\n    }\n");
    /* the body: user lines under their own #line */
    size_t at = o->b.n;
    sb_put(&o->b, body.b.s, body.b.n);
    for (size_t i = at; i < o->b.n; i++)
        if (o->b.s[i] == '\n')
            o->outline++;
    o->line = body.line;
    o->bol = body.bol;
    sb_free(&body.b);
    /* descriptors */
    ob_genblock(o);
    ob_gen(o, "#if defined(__GNUC__) && !defined(__clang__)\n#pragma GCC diagnostic pop\n#endif\n");
    int seq = 0;
    nmemos = 0;
    const char **mem = calloc((size_t)f->nvars + 1, sizeof *mem);
    for (int v = 0; v < f->nvars; v++)
        if (f->vars[v].in_frame && f->vars[v].type->decl_pre)
            mem[v] = emit_members(u, o, n, f->vars[v].type, &seq);
    const char *frame = ir_printf(u, "struct %s__frame", n), *args = ir_printf(u, "struct %s__args", n);
    if (nfields) {
        ob_genf(o, "static const durable_field %s__fields[] = {\n", n);
        for (int v = 0; v < f->nvars; v++)
            if (f->vars[v].in_frame)
                field_entry(o, f->vars[v].name, f->vars[v].type, frame, f->vars[v].field, f->vars[v].line, mem[v]);
        ob_gen(o, "};\n");
    }
    if (c->nparams) {
        const char **pm = calloc((size_t)c->nparams, sizeof *pm);
        for (int i = 0; i < c->nparams; i++)
            pm[i] = emit_members(u, o, n, c->params[i].type, &seq);
        ob_genf(o, "static const durable_field %s__params[] = {\n", n);
        for (int i = 0; i < c->nparams; i++) {
            const char *pn = c->params[i].name ? c->params[i].name : arg_member(u, c, i);
            field_entry(o, pn, c->params[i].type, args, arg_member(u, c, i), c->params[i].line, pm[i]);
        }
        ob_gen(o, "};\n");
        free(pm);
    }
    if (c->ret->kind != IRT_VOID)
        value_desc(o, ir_printf(u, "%s__result", n), c->ret, emit_members(u, o, n, c->ret, &seq));
    for (int k = 0; k < f->nawaits; k++) {
        ir_await *a = &f->awaits[k];
        if (a->kind == AWAIT_RUNTIME)
            ob_genf(o, "static const durable_field %s__v%d = { \"\", \"int\", DURABLE_KIND_INT, 0, sizeof(int), 1, "
                       "0, 0, 0 };\n", n, a->id);
        else if (a->callee->ret->kind != IRT_VOID)
            value_desc(o, ir_printf(u, "%s__v%d", n, a->id), a->callee->ret,
                       emit_members(u, o, n, a->callee->ret, &seq));
    }
    /* Each await's saved locals, as indices into __fields (the in-frame
     * variables in order): what lets a newer build resume an older frame. */
    int *nsaves = calloc((size_t)f->nawaits + 1, sizeof *nsaves);
    for (int k = 0; nsaves && k < f->nawaits; k++) {
        ir_await *a = &f->awaits[k];
        int idx = 0, any = 0;
        for (int v = 0; v < f->nvars; v++) {
            if (!f->vars[v].in_frame)
                continue;
            if (a->live && a->live[v]) {
                if (!any)
                    ob_genf(o, "static const uint32_t %s__s%d[] = { ", n, a->id);
                ob_genf(o, "%s%d", any ? ", " : "", idx);
                any = 1;
                nsaves[k]++;
            }
            idx++;
        }
        if (any)
            ob_gen(o, " };\n");
    }
    if (f->nawaits) {
        static const char *const akind[] = {"0", "DURABLE_AWAIT_STEP", "DURABLE_AWAIT_CHILD", "DURABLE_AWAIT_RUNTIME"};
        ob_genf(o, "static const durable_await %s__awaits[] = {\n", n);
        for (int k = 0; k < f->nawaits; k++) {
            ir_await *a = &f->awaits[k];
            int has_value = a->kind == AWAIT_RUNTIME || a->callee->ret->kind != IRT_VOID;
            ob_genf(o, "    { %d, %s, \"%s\", %u, ", a->id, akind[a->kind], a->callee->name, a->line);
            if (has_value)
                ob_genf(o, "&%s__v%d, %d, ", n, a->id, a->checks_error);
            else
                ob_genf(o, "0, %d, ", a->checks_error);
            if (nsaves && nsaves[k])
                ob_genf(o, "%s__s%d, %d,\n", n, a->id, nsaves[k]);
            else
                ob_gen(o, "0, 0,\n");
            ob_genf(o, "      \"%s\", \"%s\" },\n", ident_c_string(u, ident_place(u, f, a)),
                    ident_c_string(u, ident_text(u, a)));
        }
        ob_gen(o, "};\n");
    }
    free(nsaves);
    ob_genf(o, "%sdurable_func %s__fn = {\n", c->is_static ? "static " : "", n);
    ob_genf(o, "    \"%s\", \"%s\", %s__step,\n", n, basename_of(u->path), n);
    ob_genf(o, "    sizeof(struct %s__frame), sizeof(struct %s__args),\n", n, n);
    ob_genf(o, "    %s%s, %d, ", nfields ? n : "0", nfields ? "__fields" : "", nfields);
    ob_genf(o, "%s%s, %d, ", c->nparams ? n : "0", c->nparams ? "__params" : "", c->nparams);
    if (c->ret->kind != IRT_VOID)
        ob_genf(o, "&%s__result, ", n);
    else
        ob_gen(o, "0, ");
    ob_genf(o, "%s%s, %d,\n    0, 0\n};\n", f->nawaits ? n : "0", f->nawaits ? "__awaits" : "", f->nawaits);
    if (c->is_static) {
        /* the user's `static` prototype needs a definition, or gcc warns;
         * this one is never called (dcc refuses direct calls) */
        ob_genf(o, "__attribute__((unused)) static %s%s%s(", c->ret->decl_pre ? c->ret->decl_pre : "void ", n,
                c->ret->decl_pre ? c->ret->decl_post : "");
        for (int i = 0; i < c->nparams; i++) {
            const ir_type *t = c->params[i].type;
            ob_genf(o, "%s%s%s%s", i ? ", " : "", t->decl_pre ? t->decl_pre : "", arg_member(u, c, i),
                    t->decl_pre ? t->decl_post : "");
        }
        ob_gen(o, c->nparams ? ")\n{\n" : "void)\n{\n");
        for (int i = 0; i < c->nparams; i++)
            ob_genf(o, "    (void)%s;\n", arg_member(u, c, i));
        ob_gen(o, "    __builtin_trap();\n}\n");
    }
    ob_genf(o, "__attribute__((constructor)) static void %s__register(void)\n{\n", n);
    ob_genf(o, "    durable__register(&%s__fn);\n}\n", n);
    free(mem);
    return 0;
}

/* A C string literal of s (escaped). */
static void put_cstring(ob *o, const char *s)
{
    sb b = {0, 0, 0};
    sb_puts(&b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_put(&b, "\\", 1);
        if (*s == '\n')
            sb_puts(&b, "\\n");
        else
            sb_put(&b, s, 1);
    }
    sb_puts(&b, "\"");
    ob_gen(o, b.s);
    sb_free(&b);
}

/* The objects of static storage of this file a saved pointer may point
 * into, registered by name (docs/semantics.md G17): the file-scope objects
 * it defines ("name", or "file.c:name" when static) and the string literals
 * of its durable functions ("f:" and the literal as written). */
static void emit_symbols(ir_unit *u, ob *o)
{
    int n = 0;
    ob_genblock(o);
    ob_gen(o, "static const durable_symbol dcc__symbols[] = {\n");
    for (int i = 0; i < u->nglobals; i++, n++) {
        const ir_global *g = &u->globals[i];
        ob_gen(o, "    { ");
        put_cstring(o, g->is_static ? ir_printf(u, "%s:%s", basename_of(u->path), g->name) : g->name);
        ob_genf(o, ", &%s, sizeof %s },\n", g->name, g->name);
    }
    for (int i = 0; i < u->nfuncs; i++) {
        ir_func *f = u->funcs[i];
        for (int k = 0; f->self->kind == CALLEE_DURABLE && k < f->nlits; k++, n++) {
            ob_gen(o, "    { ");
            put_cstring(o, ir_printf(u, "%s:%s", f->self->name, f->lits[k]));
            ob_genf(o, ", %s__lit%d, sizeof %s__lit%d },\n", f->self->name, k + 1, f->self->name, k + 1);
        }
    }
    ob_gen(o, "};\n");
    ob_genf(o, "static durable_symtab dcc__symtab = { dcc__symbols, %d, 0 };\n", n);
    ob_gen(o, "__attribute__((constructor)) static void dcc__symbols_register(void)\n{\n"
              "    durable__register_symbols(&dcc__symtab);\n}\n");
}

typedef struct event {
    unsigned at;
    int order;          /* declarations before a definition at the same offset */
    ir_callee *decl;    /* insert declarations of this callee */
    ir_func *def;       /* replace this definition */
} event;

static int by_offset(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->order - y->order;
}

int emit_unit(ir_unit *u, FILE *out)
{
    int nev = 0, cap = 0;
    event *ev = NULL;
    for (int i = 0; i < u->ncallees; i++) {
        ir_callee *c = u->callees[i];
        if (c->kind != CALLEE_DURABLE || !c->used || c->decl_at == ~0u)
            continue;
        event *e = ir_push(&ev, &nev, &cap, sizeof *e);
        e->at = c->decl_at;
        e->order = i;
        e->decl = c;
    }
    for (int i = 0; i < u->nfuncs; i++)
        if (u->funcs[i]->self->kind == CALLEE_DURABLE) {
            event *e = ir_push(&ev, &nev, &cap, sizeof *e);
            e->at = u->funcs[i]->b;
            e->order = 1 << 30;
            e->def = u->funcs[i];
        }
    qsort(ev, (size_t)nev, sizeof *ev, by_offset);
    ob o;
    ob_init(&o, u);
    ob_sync(&o, 1);
    int errors = 0;
    for (int i = 0; i < nev; i++) {
        ob_src(&o, ev[i].at);
        if (ev[i].decl) {
            if (i == 0 || !ev[i - 1].decl || ev[i - 1].at != ev[i].at)
                ob_genblock(&o);
            emit_decls(u, &o, ev[i].decl);
        } else {
            errors += emit_function(u, &o, ev[i].def);
            ob_skip(&o, ev[i].def->e);
        }
    }
    ob_src(&o, u->len);
    if (!o.bol)
        ob_gen(&o, "\n");
    int nsyms = u->nglobals;
    for (int i = 0; i < u->nfuncs; i++)
        if (u->funcs[i]->self->kind == CALLEE_DURABLE)
            nsyms += u->funcs[i]->nlits;
    if (nsyms && !errors)
        emit_symbols(u, &o);
    free(ev);
    if (!errors)
        ob_fix_places(&o);
    if (!errors && o.b.n)
        fwrite(o.b.s, 1, o.b.n, out);
    sb_free(&o.b);
    return errors;
}

/*
 * cx.c — everything dcc asks of libclang, and the only file that includes
 * clang-c/Index.h.
 *
 * It parses one file, turns clang's diagnostics into pass/refuse, and builds
 * the IR of ir.h: every function defined in the main file (statements,
 * expression structure, references to locals, direct callees), every call of
 * a durable function used as a durable_call value, every `await` expansion.
 * It decides nothing about translation (find.c checks, lower.c rewrites)
 * except which macro invocations in durable functions must be seen
 * expanded: it replaces those by their expansion (macro.c) and parses the
 * text again, keeping lines and a map back to the user's columns.
 *
 * Facts this file relies on (see /work/shared/notes-libclang.md):
 * statement extents exclude the trailing ';' (declarations excepted);
 * `await(e)` expands to `((void)durable__await_marker(), (e))`;
 * for-statement parts are classified by offsets against the header's ';'s;
 * clang_getFileLocation maps a macro argument to where the user wrote it;
 * the preprocessing record lists every #define and every expansion in the
 * main file in order, but no #undef and no expansion inside another.
 */
#include "cx.h"
#include "diag.h"
#include "macro.h"

#include <clang-c/Index.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A hash map from cursors to small ints (vars) or pointers (callees). */
typedef struct cmap_ent {
    CXCursor key;
    void *val;
    int used;
} cmap_ent;
typedef struct cmap {
    cmap_ent *v;
    unsigned cap, n;
} cmap;

static void *cmap_get(const cmap *m, CXCursor k)
{
    if (!m->cap)
        return NULL;
    for (unsigned i = clang_hashCursor(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->v[i].used)
            return NULL;
        if (clang_equalCursors(m->v[i].key, k))
            return m->v[i].val;
    }
}

static void cmap_put(cmap *m, CXCursor k, void *val)
{
    if (2 * (m->n + 1) > m->cap) {
        cmap old = *m;
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = calloc(m->cap, sizeof *m->v);
        if (!m->v) {
            fputs("dcc: error: out of memory\n", stderr);
            exit(2);
        }
        m->n = 0;
        for (unsigned i = 0; i < old.cap; i++)
            if (old.v[i].used)
                cmap_put(m, old.v[i].key, old.v[i].val);
        free(old.v);
    }
    unsigned i = clang_hashCursor(k) & (m->cap - 1);
    while (m->v[i].used && !clang_equalCursors(m->v[i].key, k))
        i = (i + 1) & (m->cap - 1);
    if (!m->v[i].used)
        m->n++;
    m->v[i].used = 1;
    m->v[i].key = k;
    m->v[i].val = val;
}

typedef struct cx {
    ir_unit *u;
    CXTranslationUnit tu;
    CXFile main;
    cmap callees; /* canonical FunctionDecl -> ir_callee* */
    cmap vars;    /* VarDecl/ParmDecl -> (var index + 1) of the current function */
    ir_func *fn;  /* function being converted */
    int awaits_in_fn;
    struct mrec *defs; int ndefs, capdefs; /* every #define, in order */
    struct xrec *xps; int nxps, capxps;    /* every expansion in the main file */
    struct incl { CXFile file; unsigned off; } *incls; int nincls, capincls; /* #include lines */
    int *byname;  /* defs sorted by name, then order */
    int seq;      /* preprocessing entities seen so far */
    int cur_seq;  /* the expansion being expanded, and where it is */
    unsigned cur_at;
} cx;

enum { CTX_SIZEOF = 1, CTX_GENERIC = 2, CTX_CASE = 4, CTX_STMTEXPR = 8, CTX_AWAITOP = 16 };

/* ---- small helpers over libclang ------------------------------------ */

static char *str(cx *C, CXString s)
{
    char *r = ir_strdup(C->u, clang_getCString(s));
    clang_disposeString(s);
    return r;
}

typedef struct kids {
    CXCursor *v;
    int n, cap;
} kids;

static enum CXChildVisitResult collect(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    kids *k = d;
    CXCursor *slot = ir_push(&k->v, &k->n, &k->cap, sizeof *slot);
    *slot = c;
    return CXChildVisit_Continue;
}

static kids children(CXCursor c)
{
    kids k = {0, 0, 0};
    clang_visitChildren(c, collect, &k);
    return k;
}

static int has_annotation(CXCursor c, const char *what)
{
    kids k = children(c);
    int found = 0;
    for (int i = 0; i < k.n && !found; i++)
        if (clang_getCursorKind(k.v[i]) == CXCursor_AnnotateAttr) {
            CXString s = clang_getCursorSpelling(k.v[i]);
            found = strcmp(clang_getCString(s), what) == 0;
            clang_disposeString(s);
        }
    free(k.v);
    return found;
}

/* Offset in the main file of a location, or -1 elsewhere. */
static long offset_of(cx *C, CXSourceLocation loc)
{
    CXFile f;
    unsigned off;
    clang_getFileLocation(loc, &f, NULL, NULL, &off);
    if (!f || !clang_File_isEqual(f, C->main))
        return -1;
    return (long)off;
}

static int is_ident(char ch)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* Skip blanks and comments from p. */
static unsigned skip_ws(const ir_unit *u, unsigned p)
{
    const char *s = u->src;
    while (p < u->len) {
        if (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r' || s[p] == '\f' || s[p] == '\v')
            p++;
        else if (s[p] == '\\' && p + 1 < u->len && s[p + 1] == '\n')
            p += 2;
        else if (s[p] == '/' && p + 1 < u->len && s[p + 1] == '*') {
            const char *end = strstr(s + p + 2, "*/");
            p = end ? (unsigned)(end - s) + 2 : u->len;
        } else if (s[p] == '/' && p + 1 < u->len && s[p + 1] == '/') {
            while (p < u->len && s[p] != '\n')
                p++;
        } else
            break;
    }
    return p;
}

/* ---- types ------------------------------------------------------------ */

static int at_file_scope(CXCursor decl)
{
    CXCursor p = clang_getCursorSemanticParent(decl);
    return clang_getCursorKind(p) == CXCursor_TranslationUnit;
}

static int is_anon(CXCursor decl)
{
    CXString s = clang_getCursorSpelling(decl);
    const char *t = clang_getCString(s);
    int anon = !t[0] || strstr(t, "(anonymous") || strstr(t, "(unnamed");
    clang_disposeString(s);
    return anon || clang_Cursor_isAnonymous(decl);
}

/* Can this type, as spelled, be written at file scope? */
static int nameable(CXType t)
{
    switch ((int)t.kind) {
    case CXType_Elaborated:
        return nameable(clang_Type_getNamedType(t));
    case CXType_Typedef:
        return at_file_scope(clang_getTypeDeclaration(t));
    case CXType_Record:
    case CXType_Enum: {
        CXCursor d = clang_getTypeDeclaration(t);
        return at_file_scope(d) && !is_anon(d);
    }
    case CXType_ConstantArray:
        return nameable(clang_getArrayElementType(t));
    case CXType_Pointer:
        return nameable(clang_getPointeeType(t));
    case CXType_Complex:
        return nameable(clang_getElementType(t));
    default:
        return t.kind >= CXType_FirstBuiltin && t.kind <= CXType_LastBuiltin;
    }
}

/* Split a type spelling around the place a declarator name goes. */
static void decl_parts(cx *C, ir_type *ty, const char *sp)
{
    const char *br = strchr(sp, '[');
    if (strchr(sp, '(')) /* function pointer or anonymous: not by spelling */
        return;
    if (br) {
        size_t n = (size_t)(br - sp);
        while (n && sp[n - 1] == ' ')
            n--;
        ty->decl_pre = ir_printf(C->u, "%.*s ", (int)n, sp);
        ty->decl_post = ir_strdup(C->u, br);
    } else {
        size_t n = strlen(sp);
        ty->decl_pre = ir_printf(C->u, "%s%s", sp, n && sp[n - 1] == '*' ? "" : " ");
        ty->decl_post = "";
    }
}

static ir_type *classify(cx *C, CXType t, int depth);

/* A const-qualified type's spelling without its top-level const ("const
 * int [3]" -> "int [3]", "char *const" -> "char *"), or NULL when the const
 * is not spelled there (it comes from a typedef). */
static const char *unqualified(cx *C, const char *sp)
{
    size_t n = strlen(sp);
    if (!strncmp(sp, "const ", 6) && !strchr(sp, '*'))
        return ir_strdup(C->u, sp + 6);
    if (n > 6 && !strcmp(sp + n - 5, "const") && (sp[n - 6] == '*' || sp[n - 6] == ' ')) {
        n -= 5;
        while (n && sp[n - 1] == ' ')
            n--;
        return ir_printf(C->u, "%.*s", (int)n, sp);
    }
    return NULL;
}

typedef struct fieldwalk {
    cx *C;
    ir_type *rec;
    int depth;
    ir_member *v;
    int n, cap;
    int bitfield;
    const char *pointers; /* a member that is or holds a pointer */
} fieldwalk;

static enum CXVisitorResult visit_field(CXCursor c, CXClientData d)
{
    fieldwalk *w = d;
    ir_type *ft = classify(w->C, clang_getCursorType(c), w->depth + 1);
    char *name = str(w->C, clang_getCursorSpelling(c));
    if (ft->kind == IRT_BAD) {
        if (w->rec->kind != IRT_BAD) {
            w->rec->kind = IRT_BAD;
            w->rec->why = ir_printf(w->C->u, "member '%s' has type '%s': %s", name, ft->spelling, ft->why);
        }
        return CXVisit_Continue;
    }
    if (ft->kind == IRT_STRING || ft->kind == IRT_PTR ||
        (ft->kind == IRT_STRUCT && ft->why && !strcmp(ft->why, "pointers")))
        w->pointers = name; /* saved member by member: it needs descriptors */
    if (clang_Cursor_isBitField(c) || !name[0])
        w->bitfield = 1;
    if (ft->is_const || ft->const_member)
        w->rec->const_member = 1;
    ir_member *m = ir_push(&w->v, &w->n, &w->cap, sizeof *m);
    m->name = name;
    m->type = ft;
    return CXVisit_Continue;
}

/* Classify type t for persistence (see ir_tkind). */
static ir_type *classify(cx *C, CXType t, int depth)
{
    ir_unit *u = C->u;
    ir_type *ty = ir_alloc(u, sizeof *ty);
    ty->spelling = str(C, clang_getTypeSpelling(t));
    ty->count = 1;
    ty->is_const = clang_isConstQualifiedType(t);
    CXType ct = clang_getCanonicalType(t);
    ty->size = ty->align = -1; /* set below, only for types dcc can persist */
    CXType et = ct;
    /* an array of const elements: clang keeps the const on the array type */
    ty->is_const |= clang_isConstQualifiedType(ct);
    while (et.kind == CXType_ConstantArray) {
        long long n = clang_getArraySize(et);
        ty->count *= n > 0 ? (unsigned)n : 0;
        ty->is_array = 1;
        et = clang_getArrayElementType(et);
    }
    ty->elem = ty->is_array ? str(C, clang_getTypeSpelling(et)) : ty->spelling;
    if (ty->is_array && ty->is_const == 0)
        ty->is_const = clang_isConstQualifiedType(et);
    if (depth > 8) {
        ty->kind = IRT_BAD;
        ty->why = "nested too deeply";
        return ty;
    }
    switch ((int)et.kind) {
    case CXType_Void: ty->kind = IRT_VOID; break;
    case CXType_Bool: ty->kind = IRT_BOOL; break;
    case CXType_Char_S: case CXType_Char_U: ty->kind = IRT_CHAR; break;
    case CXType_SChar: case CXType_Short: case CXType_Int: case CXType_Long:
    case CXType_LongLong: case CXType_Int128: case CXType_WChar: case CXType_Enum:
        ty->kind = IRT_INT; break;
    case CXType_UChar: case CXType_UShort: case CXType_UInt: case CXType_ULong:
    case CXType_ULongLong: case CXType_UInt128: case CXType_Char16: case CXType_Char32:
        ty->kind = IRT_UINT; break;
    case CXType_Float: case CXType_Double: case CXType_LongDouble:
        ty->kind = IRT_FLOAT; break;
    case CXType_Pointer: {
        CXType pt = clang_getCanonicalType(clang_getPointeeType(et));
        ty->is_pointer = 1;
        if (pt.kind == CXType_Char_S || pt.kind == CXType_Char_U) {
            ty->kind = IRT_STRING;
        } else if (pt.kind == CXType_FunctionProto || pt.kind == CXType_FunctionNoProto) {
            ty->kind = IRT_BAD;
            ty->why = "a function pointer";
        } else {
            ty->kind = IRT_PTR;
        }
        break;
    }
    case CXType_Record: {
        fieldwalk w = {C, ty, depth, NULL, 0, 0, 0, NULL};
        if (clang_isInvalidDeclaration(clang_getTypeDeclaration(et))) {
            ty->kind = IRT_BAD; /* clang reports why; never ask for its layout */
            ty->why = "an invalid type";
            break;
        }
        ty->kind = IRT_STRUCT;
        clang_Type_visitFields(et, visit_field, &w);
        /* the element as declared (a typedef of an anonymous struct has a
         * name only as the typedef), else as canonical */
        CXType de = t;
        while (de.kind == CXType_Elaborated)
            de = clang_Type_getNamedType(de);
        while (de.kind == CXType_ConstantArray)
            de = clang_getArrayElementType(de);
        if (de.kind != CXType_ConstantArray && de.kind != CXType_Invalid && nameable(de) &&
            clang_getCanonicalType(de).kind == CXType_Record)
            ty->container = str(C, clang_getTypeSpelling(de));
        else if (nameable(et))
            ty->container = ty->elem;
        if (ty->kind == IRT_STRUCT && !w.bitfield && ty->container) {
            ty->members = ir_alloc(u, sizeof(ir_member) * (size_t)(w.n ? w.n : 1));
            if (w.n)
                memcpy(ty->members, w.v, sizeof(ir_member) * (size_t)w.n);
            ty->nmembers = w.n;
        }
        free(w.v);
        if (w.pointers && ty->kind == IRT_STRUCT && !ty->members) {
            ty->kind = IRT_BAD;
            ty->why = ir_printf(u, "member '%s' holds a pointer, and the type %s", w.pointers,
                                w.bitfield ? "has bit-fields" : "is declared inside a function");
        } else if (w.pointers && ty->kind == IRT_STRUCT)
            ty->why = "pointers"; /* not refused: tells an enclosing struct */
        ty->size = clang_Type_getSizeOf(ct);
        if (ty->size < 0 && ty->kind != IRT_BAD) {
            ty->kind = IRT_BAD;
            ty->why = "an incomplete type";
        }
        break;
    }
    case CXType_Complex: /* stored as its bytes, like a struct without members */
        ty->kind = IRT_STRUCT;
        break;
    case CXType_VariableArray: case CXType_IncompleteArray: case CXType_DependentSizedArray:
        ty->kind = IRT_BAD;
        ty->is_array = 1;
        ty->is_vla = et.kind == CXType_VariableArray;
        ty->why = ty->is_vla ? "a variable-length array" : "an array of unknown size";
        break;
    default:
        ty->kind = IRT_BAD;
        ty->why = "a type dcc cannot persist";
        break;
    }
    /* Layout is asked of libclang only for the types classified above as
     * persistable (a byte-array frame member needs it; the output checks it
     * with _Static_assert).  Never for anything else: clang_Type_getSizeOf
     * on a type libclang does not expose (a builtin function's type, as in
     * va_start or __builtin_expect) crashes libclang. */
    if (ty->kind != IRT_BAD) {
        ty->size = clang_Type_getSizeOf(ct);
        ty->align = clang_Type_getAlignOf(ct);
    }
    /* Members and locals dcc declares itself (frame, args, parameters) are
     * declared without the top-level const: dcc assigns them on a resume. */
    const char *unq = ty->is_const ? unqualified(C, ty->spelling) : ty->spelling;
    if (nameable(t) && unq)
        decl_parts(C, ty, unq);
    else if (nameable(ct) && (unq = ty->is_const ? unqualified(C, str(C, clang_getTypeSpelling(ct)))
                                                  : str(C, clang_getTypeSpelling(ct))) != NULL)
        decl_parts(C, ty, unq);
    return ty;
}

/* ---- callees ---------------------------------------------------------- */

static ir_callee *callee_of(cx *C, CXCursor decl)
{
    CXCursor canon = clang_getCanonicalCursor(decl);
    ir_callee *f = cmap_get(&C->callees, canon);
    if (f)
        return f;
    ir_unit *u = C->u;
    f = ir_alloc(u, sizeof *f);
    f->name = str(C, clang_getCursorSpelling(decl));
    CXCursor def = clang_getCursorDefinition(decl);
    if (has_annotation(decl, "durable") || has_annotation(canon, "durable") ||
        (!clang_Cursor_isNull(def) && has_annotation(def, "durable")))
        f->kind = CALLEE_DURABLE;
    else if (has_annotation(decl, "durable_awaitable") || has_annotation(canon, "durable_awaitable"))
        f->kind = CALLEE_AWAITABLE;
    CXType ft = clang_getCursorType(decl);
    f->has_proto = ft.kind == CXType_FunctionProto;
    /* libclang calls a function without a prototype variadic; a definition
     * `f()` takes no arguments */
    f->is_variadic = clang_isFunctionTypeVariadic(ft) &&
                     !(ft.kind == CXType_FunctionNoProto && clang_isCursorDefinition(decl) &&
                       clang_Cursor_getNumArguments(decl) <= 0);
    f->is_static = clang_Cursor_getStorageClass(canon) == CX_SC_Static;
    f->ret = classify(C, clang_getResultType(ft), 0);
    int n = clang_Cursor_getNumArguments(decl);
    if (n > 0) {
        f->params = ir_alloc(u, sizeof *f->params * (size_t)n);
        f->nparams = n;
        for (int i = 0; i < n; i++) {
            CXCursor p = clang_Cursor_getArgument(decl, (unsigned)i);
            char *nm = str(C, clang_getCursorSpelling(p));
            f->params[i].name = nm[0] ? nm : NULL;
            f->params[i].type = classify(C, clang_getCursorType(p), 0);
            long off = offset_of(C, clang_getCursorLocation(p));
            if (off >= 0)
                ir_linecol(u, (unsigned)off, &f->params[i].line, &f->params[i].col);
        }
    }
    f->decl_at = ~0u;
    /* where the name is first declared: a thunk at file scope (lower.c)
     * can call it only if that is at file scope, before the caller */
    long first = offset_of(C, clang_getCursorLocation(canon));
    f->first_at = first >= 0 ? (unsigned)first : ~0u;
    f->first_in_block = clang_getCursorKind(clang_getCursorLexicalParent(canon)) != CXCursor_TranslationUnit;
    cmap_put(&C->callees, canon, f);
    *(ir_callee **)ir_push(&u->callees, &u->ncallees, &u->capcallees, sizeof f) = f;
    return f;
}

/* ---- nodes ------------------------------------------------------------ */

static unsigned macro_end(cx *C, unsigned b, unsigned e);
static int included_at(cx *C, CXCursor c, ir_node *n);

static ir_node *node(cx *C, ir_kind k, CXCursor c)
{
    ir_node *n = ir_alloc(C->u, sizeof *n);
    n->kind = k;
    n->var = -1;
    n->await = -1;
    n->for_init = n->for_cond = n->for_inc = n->for_body = -1;
    CXSourceRange r = clang_getCursorExtent(c);
    long b = offset_of(C, clang_getRangeStart(r));
    long e = offset_of(C, clang_getRangeEnd(r));
    if (b < 0 || e < 0 || e < b) {
        n->flags |= IRF_BADEXT;
        long l = offset_of(C, clang_getCursorLocation(c));
        b = e = l < 0 ? 0 : l;
        if (l < 0 && C->fn && included_at(C, c, n))
            b = e = n->b;
    }
    else if (e == b || k >= IR_AWAIT || k == IR_RETURN || k == IR_EXPR_STMT)
        e = macro_end(C, (unsigned)b, (unsigned)e);
    n->b = (unsigned)b;
    n->e = (unsigned)e;
    ir_linecol(C->u, n->b, &n->line, &n->col);
    return n;
}

static void add_kid(cx *C, ir_node *p, ir_node *k)
{
    if (!k)
        return;
    ir_node **v = ir_alloc(C->u, sizeof *v * (size_t)(p->nkid + 1));
    if (p->nkid)
        memcpy(v, p->kid, sizeof *v * (size_t)p->nkid);
    v[p->nkid++] = k;
    p->kid = v;
    p->flags |= k->flags & (IRF_AWAIT | IRF_RETURN);
    /* clang ends an expression whose last operand is a nested await where
     * that await's collapsed extent ends; the rebuilt await extent is right */
    if (!(p->flags & IRF_BADEXT) && !(k->flags & IRF_BADEXT) && k->b >= p->b && k->e > p->e)
        p->e = k->e;
}

/* Extend a statement's end over its ';' (statement extents exclude it). */
static void take_semicolon(cx *C, ir_node *n)
{
    if (n->flags & IRF_BADEXT)
        return;
    unsigned p = skip_ws(C->u, n->e);
    if (p < C->u->len && C->u->src[p] == ';')
        n->e = p + 1;
}

static ir_node *conv_expr(cx *C, CXCursor c, int ctx);
static ir_node *conv_stmt(cx *C, CXCursor c, int ctx);

/* If c is the expansion of await(e), return e's cursor. */
static int await_operand(CXCursor c, CXCursor *operand)
{
    if (clang_getCursorKind(c) != CXCursor_ParenExpr)
        return 0;
    kids k = children(c);
    int ok = 0;
    if (k.n == 1 && clang_getCursorKind(k.v[0]) == CXCursor_BinaryOperator) {
        kids b = children(k.v[0]);
        if (b.n == 2 && clang_getCursorKind(b.v[0]) == CXCursor_CStyleCastExpr) {
            kids cc = children(b.v[0]);
            if (cc.n == 1 && clang_getCursorKind(cc.v[0]) == CXCursor_CallExpr) {
                CXString s = clang_getCursorSpelling(cc.v[0]);
                if (strcmp(clang_getCString(s), "durable__await_marker") == 0) {
                    ok = 1;
                    *operand = b.v[1];
                    /* the operand's own parentheses come from the macro body */
                    kids pe = children(b.v[1]);
                    if (clang_getCursorKind(b.v[1]) == CXCursor_ParenExpr && pe.n == 1)
                        *operand = pe.v[0];
                    free(pe.v);
                }
                clang_disposeString(s);
            }
            free(cc.v);
        }
        free(b.v);
    }
    free(k.v);
    return ok;
}

/* The operator text between offsets a and b (for binary operators). */
static void op_between(cx *C, ir_node *n, unsigned a, unsigned b)
{
    unsigned p = skip_ws(C->u, a);
    int i = 0;
    while (p < b && i < 3 && strchr("+-*/%<>=!&|^,?:", C->u->src[p]))
        n->op[i++] = C->u->src[p++];
    n->op[i] = 0;
}

static ir_node *conv_expr(cx *C, CXCursor c, int ctx)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    ir_unit *u = C->u;
    CXCursor operand;
    if (await_operand(c, &operand)) {
        ir_node *n = node(C, IR_AWAIT, c);
        ir_func *f = C->fn;
        ir_await *a = ir_push(&f->awaits, &f->nawaits, &f->capawaits, sizeof *a);
        n->await = f->nawaits - 1;
        a->node = n;
        a->temp = -1;
        a->line = n->line;
        a->col = n->col;
        ir_node *op = conv_expr(C, operand, ctx | CTX_AWAITOP);
        a = &f->awaits[n->await]; /* an await nested in the operand may have moved the array */
        /* The await's extent is unreliable when it is nested in another
         * macro's argument; rebuild it as `await` `(` operand `)`. */
        unsigned lp = n->b + 5 <= u->len ? skip_ws(u, n->b + 5) : u->len;
        unsigned rp = skip_ws(u, op->e);
        if (n->b + 5 > u->len || strncmp(u->src + n->b, "await", 5) != 0 || is_ident(u->src[n->b + 5]) ||
            (op->flags & IRF_BADEXT) || lp >= u->len || u->src[lp] != '(' || skip_ws(u, lp + 1) != op->b ||
            rp >= u->len || u->src[rp] != ')')
            a->badctx = included_at(C, c, n) ? "a file #included into a function" : "a macro";
        else {
            n->e = rp + 1;
            n->flags &= ~(unsigned)IRF_BADEXT;
        }
        if (!a->badctx) { /* nested awaits (CTX_AWAITOP) are fine */
            if (ctx & CTX_SIZEOF)
                a->badctx = "sizeof, _Alignof or typeof";
            else if (ctx & CTX_GENERIC)
                a->badctx = "_Generic";
            else if (ctx & CTX_CASE)
                a->badctx = "a case label";
            else if (ctx & CTX_STMTEXPR)
                a->badctx = "a statement expression";
        }
        add_kid(C, n, op);
        a->call = op;
        n->flags |= IRF_AWAIT;
        n->type = classify(C, clang_getCursorType(c), 0);
        if (op && op->kind == IR_CALL)
            op->flags |= IRF_INAWAIT;
        return n;
    }
    ir_kind ik = IR_EXPR;
    switch ((int)k) {
    case CXCursor_CallExpr: ik = IR_CALL; break;
    case CXCursor_DeclRefExpr: ik = IR_REF; break;
    case CXCursor_BinaryOperator: case CXCursor_CompoundAssignOperator: ik = IR_BINARY; break;
    case CXCursor_ConditionalOperator: ik = IR_COND; break;
    case CXCursor_UnaryOperator: ik = IR_UNARY; break;
    case CXCursor_ParenExpr: ik = IR_PAREN; break;
    case CXCursor_UnaryExpr: ik = IR_SIZEOF; ctx |= CTX_SIZEOF; break;
    case CXCursor_StmtExpr: ik = IR_STMTEXPR; ctx |= CTX_STMTEXPR; break;
    case CXCursor_GenericSelectionExpr: ik = IR_GENERIC; ctx |= CTX_GENERIC; break;
    default: break;
    }
    ir_node *n = node(C, ik, c);
    n->type = classify(C, clang_getCursorType(c), 0);
    if (k == CXCursor_ArraySubscriptExpr)
        strcpy(n->op, "[");
    else if (k == CXCursor_StringLiteral)
        strcpy(n->op, "\"");
    else if (k == CXCursor_MemberRefExpr)
        strcpy(n->op, ".");
    else if (k == CXCursor_CompoundLiteralExpr)
        strcpy(n->op, "{");
    if (ik == IR_REF) {
        CXCursor d = clang_getCursorReferenced(c);
        n->name = str(C, clang_getCursorSpelling(c));
        void *v = cmap_get(&C->vars, d);
        if (v)
            n->var = (int)(long)v - 1;
        else if (clang_getCursorKind(d) == CXCursor_FunctionDecl)
            n->callee = callee_of(C, d);
    } else if (ik == IR_CALL) {
        CXCursor d = clang_getCursorReferenced(c);
        if (!clang_Cursor_isNull(d) && clang_getCursorKind(d) == CXCursor_FunctionDecl)
            n->callee = callee_of(C, d);
    }
    kids ks = children(c);
    for (int i = 0; i < ks.n; i++) {
        enum CXCursorKind kk = clang_getCursorKind(ks.v[i]);
        if (kk == CXCursor_CompoundStmt && ik == IR_STMTEXPR)
            add_kid(C, n, conv_stmt(C, ks.v[i], ctx));
        else if (clang_isExpression(kk))
            add_kid(C, n, conv_expr(C, ks.v[i], ctx & ~CTX_AWAITOP));
    }
    free(ks.v);
    if (n->op[0] == '.' && n->nkid == 1) { /* `.` or `->` after the base */
        unsigned p = skip_ws(u, n->kid[0]->e);
        if (p + 1 < u->len && u->src[p] == '-' && u->src[p + 1] == '>')
            strcpy(n->op, "->");
    }
    if (ik == IR_BINARY && n->nkid == 2)
        op_between(C, n, n->kid[0]->e, n->kid[1]->b);
    else if (ik == IR_UNARY && n->nkid == 1) {
        unsigned a = n->b, b = n->kid[0]->b;
        if (a >= b) {
            a = n->kid[0]->e;
            b = n->e;
        }
        op_between(C, n, a, b);
    }
    return n;
}

/* Does declaration d carry __attribute__((cleanup(f)))?  libclang does not
 * expose that attribute: read its tokens (a macro such as _cleanup_free_
 * gives the tokens of its definition). */
static int has_cleanup(cx *C, CXCursor d)
{
    kids k = children(d);
    int found = 0;
    for (int i = 0; i < k.n && !found; i++) {
        if (clang_getCursorKind(k.v[i]) != CXCursor_UnexposedAttr)
            continue;
        CXToken *toks = NULL;
        unsigned nt = 0;
        clang_tokenize(C->tu, clang_getCursorExtent(k.v[i]), &toks, &nt);
        for (unsigned t = 0; t < nt && !found; t++) {
            CXString sp = clang_getTokenSpelling(C->tu, toks[t]);
            const char *w = clang_getCString(sp);
            found = !strcmp(w, "cleanup") || !strcmp(w, "__cleanup__");
            clang_disposeString(sp);
        }
        clang_disposeTokens(C->tu, toks, nt);
    }
    free(k.v);
    return found;
}

/* Register a local (or parameter) of the function being converted. */
static int add_var(cx *C, CXCursor d)
{
    long off = offset_of(C, clang_getCursorLocation(d));
    char *name = str(C, clang_getCursorSpelling(d));
    int i = ir_add_var(C->u, C->fn, name, classify(C, clang_getCursorType(d), 0), off < 0 ? 0 : (unsigned)off);
    cmap_put(&C->vars, d, (void *)(long)(i + 1));
    return i;
}

static ir_node *conv_var(cx *C, CXCursor d)
{
    ir_node *n = node(C, IR_VAR, d);
    enum CX_StorageClass sc = clang_Cursor_getStorageClass(d);
    n->name = str(C, clang_getCursorSpelling(d));
    if (sc == CX_SC_Static || sc == CX_SC_Extern) {
        n->var = -1;
        n->op[0] = sc == CX_SC_Static ? 's' : 'e';
    } else {
        n->var = add_var(C, d);
        C->fn->vars[n->var].cleanup = has_cleanup(C, d);
    }
    /* the initializer, then any other expression (array bounds) */
    CXCursor init = clang_Cursor_getVarDeclInitializer(d);
    if (!clang_Cursor_isNull(init)) {
        n->for_init = 0;
        add_kid(C, n, conv_expr(C, init, 0));
    }
    kids ks = children(d);
    for (int i = 0; i < ks.n; i++)
        if (clang_isExpression(clang_getCursorKind(ks.v[i])) &&
            (clang_Cursor_isNull(init) || !clang_equalCursors(ks.v[i], init)))
            add_kid(C, n, conv_expr(C, ks.v[i], CTX_SIZEOF));
    free(ks.v);
    return n;
}

static ir_node *conv_stmt(cx *C, CXCursor c, int ctx)
{
    enum CXCursorKind k = clang_getCursorKind(c);
    if (clang_isExpression(k)) {
        ir_node *e = conv_expr(C, c, ctx);
        ir_node *s = node(C, IR_EXPR_STMT, c);
        add_kid(C, s, e);
        take_semicolon(C, s);
        return s;
    }
    ir_kind ik = IR_STMT_OTHER;
    switch ((int)k) {
    case CXCursor_CompoundStmt: ik = IR_COMPOUND; break;
    case CXCursor_DeclStmt: ik = IR_DECL; break;
    case CXCursor_IfStmt: ik = IR_IF; break;
    case CXCursor_WhileStmt: ik = IR_WHILE; break;
    case CXCursor_DoStmt: ik = IR_DO; break;
    case CXCursor_ForStmt: ik = IR_FOR; break;
    case CXCursor_SwitchStmt: ik = IR_SWITCH; break;
    case CXCursor_CaseStmt: ik = IR_CASE; break;
    case CXCursor_DefaultStmt: ik = IR_DEFAULT; break;
    case CXCursor_LabelStmt: ik = IR_LABEL; break;
    case CXCursor_GotoStmt: ik = IR_GOTO; break;
    case CXCursor_BreakStmt: ik = IR_BREAK; break;
    case CXCursor_ContinueStmt: ik = IR_CONTINUE; break;
    case CXCursor_ReturnStmt: ik = IR_RETURN; break;
    case CXCursor_NullStmt: ik = IR_NULL; break;
    default: break;
    }
    ir_node *n = node(C, ik, c);
    kids ks = children(c);
    if (ik == IR_DECL) {
        for (int i = 0; i < ks.n; i++)
            if (clang_getCursorKind(ks.v[i]) == CXCursor_VarDecl)
                add_kid(C, n, conv_var(C, ks.v[i]));
    } else if (ik == IR_LABEL) {
        n->name = str(C, clang_getCursorSpelling(c));
        for (int i = 0; i < ks.n; i++)
            add_kid(C, n, conv_stmt(C, ks.v[i], ctx));
    } else if (ik == IR_GOTO) {
        if (ks.n)
            n->name = str(C, clang_getCursorSpelling(ks.v[0]));
    } else if (ik == IR_CASE) {
        for (int i = 0; i < ks.n; i++)
            add_kid(C, n, i + 1 < ks.n ? conv_expr(C, ks.v[i], ctx | CTX_CASE) : conv_stmt(C, ks.v[i], ctx));
    } else if (ik == IR_STMT_OTHER) {
        for (int i = 0; i < ks.n; i++)
            if (clang_isExpression(clang_getCursorKind(ks.v[i])))
                add_kid(C, n, conv_expr(C, ks.v[i], ctx));
        if (k == CXCursor_IndirectGotoStmt)
            n->name = "goto *";
    } else if (ik == IR_IF || ik == IR_WHILE || ik == IR_SWITCH || ik == IR_RETURN) {
        for (int i = 0; i < ks.n; i++)
            add_kid(C, n, i == 0 ? conv_expr(C, ks.v[i], ctx) : conv_stmt(C, ks.v[i], ctx));
    } else if (ik == IR_DO) {
        for (int i = 0; i < ks.n; i++)
            add_kid(C, n, i == 0 ? conv_stmt(C, ks.v[i], ctx) : conv_expr(C, ks.v[i], ctx));
    } else if (ik == IR_FOR) {
        /* find the header's two ';' at parenthesis depth 1 */
        const char *s = C->u->src;
        unsigned p = n->b, depth = 0;
        n->semi1 = n->semi2 = 0;
        while (p < n->e && !(n->flags & IRF_BADEXT)) {
            p = skip_ws(C->u, p);
            if (p >= n->e)
                break;
            char ch = s[p];
            if (ch == '"' || ch == '\'') {
                for (p++; p < n->e && s[p] != ch; p++)
                    if (s[p] == '\\')
                        p++;
            } else if (ch == '(')
                depth++;
            else if (ch == ')') {
                if (--depth == 0)
                    break;
            } else if (ch == ';' && depth == 1) {
                if (!n->semi1)
                    n->semi1 = p;
                else
                    n->semi2 = p;
            }
            p++;
        }
        if (!n->semi1 || !n->semi2)
            n->flags |= IRF_BADEXT;
        for (int i = 0; i < ks.n; i++) {
            ir_node *part;
            if (i == ks.n - 1) {
                part = conv_stmt(C, ks.v[i], ctx);
                n->for_body = n->nkid;
            } else {
                enum CXCursorKind pk = clang_getCursorKind(ks.v[i]);
                part = pk == CXCursor_DeclStmt ? conv_stmt(C, ks.v[i], ctx) : conv_expr(C, ks.v[i], ctx);
                if (part->b < n->semi1)
                    n->for_init = n->nkid;
                else if (part->b < n->semi2)
                    n->for_cond = n->nkid;
                else
                    n->for_inc = n->nkid;
            }
            add_kid(C, n, part);
        }
    } else {
        for (int i = 0; i < ks.n; i++)
            add_kid(C, n, conv_stmt(C, ks.v[i], ctx));
    }
    free(ks.v);
    if (ik == IR_RETURN)
        n->flags |= IRF_RETURN;
    switch (ik) {
    case IR_EXPR_STMT: case IR_DO: case IR_GOTO: case IR_BREAK: case IR_CONTINUE:
    case IR_RETURN: case IR_STMT_OTHER:
        take_semicolon(C, n);
        break;
    case IR_IF: case IR_WHILE: case IR_FOR: case IR_SWITCH: case IR_CASE:
    case IR_DEFAULT: case IR_LABEL:
        if (n->nkid && n->kid[n->nkid - 1]->e > n->e)
            n->e = n->kid[n->nkid - 1]->e;
        break;
    default:
        break;
    }
    return n;
}

/* ---- top level -------------------------------------------------------- */

static void conv_function(cx *C, CXCursor c)
{
    ir_unit *u = C->u;
    ir_func *f = ir_alloc(u, sizeof *f);
    C->fn = f;
    free(C->vars.v);
    memset(&C->vars, 0, sizeof C->vars);
    f->self = callee_of(C, c);
    CXSourceRange r = clang_getCursorExtent(c);
    long b = offset_of(C, clang_getRangeStart(r)), e = offset_of(C, clang_getRangeEnd(r));
    long l = offset_of(C, clang_getCursorLocation(c));
    f->b = b < 0 ? 0 : (unsigned)b;
    f->e = e < 0 ? f->b : (unsigned)e;
    ir_linecol(u, l < 0 ? f->b : (unsigned)l, &f->line, &f->col);
    if (f->self->kind == CALLEE_DURABLE)
        f->self->defined = 1;
    kids ks = children(c);
    for (int i = 0; i < ks.n; i++) {
        enum CXCursorKind kk = clang_getCursorKind(ks.v[i]);
        if (kk == CXCursor_ParmDecl) {
            int v = add_var(C, ks.v[i]);
            f->vars[v].is_param = 1;
        }
        else if (kk == CXCursor_CompoundStmt)
            f->body = conv_stmt(C, ks.v[i], 0);
    }
    free(ks.v);
    if (!f->body)
        return;
    *(ir_func **)ir_push(&u->funcs, &u->nfuncs, &u->capfuncs, sizeof f) = f;
}

/* ---- macros: see macro.h and docs/translation.md, "Macros" ----------- */

typedef struct mrec { /* a #define the preprocessor saw */
    CXCursor c;
    const char *name;
    int seq;
    mdef *def;        /* its tokens, read when first needed */
    int read;
    long undef;       /* where an #undef ends it: 1 + offset in the main file, 0 in its own
                         header, -1 nowhere, -2 not looked for yet */
} mrec;

typedef struct xrec { /* a macro expansion in the main file */
    CXCursor c;
    const char *name;
    unsigned b, e;
    int seq;
} xrec;

static void note_definition(cx *C, CXCursor c)
{
    mrec *r = ir_push(&C->defs, &C->ndefs, &C->capdefs, sizeof *r);
    r->c = c;
    r->name = str(C, clang_getCursorSpelling(c));
    r->seq = C->seq++;
    r->undef = -2;
}

static void note_expansion(cx *C, CXCursor c)
{
    CXSourceRange ext = clang_getCursorExtent(c);
    long b = offset_of(C, clang_getRangeStart(ext)), e = offset_of(C, clang_getRangeEnd(ext));
    int seq = C->seq++;
    if (b < 0 || e < b)
        return;
    xrec *x = ir_push(&C->xps, &C->nxps, &C->capxps, sizeof *x);
    x->c = c;
    x->name = str(C, clang_getCursorSpelling(c));
    x->b = (unsigned)b;
    x->e = (unsigned)e;
    x->seq = seq;
}

/* Before the IR: every #define and every expansion in the main file, and
 * the #include lines of the main file. */
static enum CXChildVisitResult premacro(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    cx *C = d;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_MacroExpansion)
        note_expansion(C, c);
    else if (k == CXCursor_MacroDefinition)
        note_definition(C, c);
    else if (k == CXCursor_InclusionDirective && offset_of(C, clang_getCursorLocation(c)) >= 0) {
        struct incl *i = ir_push(&C->incls, &C->nincls, &C->capincls, sizeof *i);
        i->file = clang_getIncludedFile(c);
        i->off = (unsigned)offset_of(C, clang_getCursorLocation(c));
    }
    return CXChildVisit_Continue;
}

/* Is cursor c written in another file than the main one?  Then n goes to
 * the #include line that brought it, or to the start of the function. */
static int included_at(cx *C, CXCursor c, ir_node *n)
{
    CXFile f = NULL;
    clang_getFileLocation(clang_getCursorLocation(c), &f, NULL, NULL, NULL);
    if (!f || clang_File_isEqual(f, C->main))
        return 0;
    n->b = n->e = C->fn->b;
    for (int i = 0; i < C->nincls; i++)
        if (C->incls[i].file && clang_File_isEqual(C->incls[i].file, f) && C->incls[i].off >= C->fn->b)
            n->b = n->e = C->incls[i].off;
    ir_linecol(C->u, n->b, &n->line, &n->col);
    return 1;
}

/* An extent that ends in the text of a macro (other than await) ends where
 * libclang puts the invocation's start: move it to the invocation's end
 * (a name such as `#define stdout stdout` stays a macro after expansion). */
static unsigned macro_end(cx *C, unsigned b, unsigned e)
{
    int lo = 0, hi = C->nxps;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (C->xps[mid].b < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < C->nxps && C->xps[lo].b == e && C->xps[lo].e > e && e >= b && strcmp(C->xps[lo].name, "await"))
        return C->xps[lo].e;
    return e;
}

static cx *sort_cx; /* qsort has no context argument */
static int by_name(const void *a, const void *b)
{
    const mrec *x = &sort_cx->defs[*(const int *)a], *y = &sort_cx->defs[*(const int *)b];
    int c = strcmp(x->name, y->name);
    return c ? c : x->seq - y->seq;
}

/* A token of libclang as one of macro.c's; *end is where it ends. */
static mtok to_mtok(cx *C, CXToken tk, unsigned prev_end, unsigned *end)
{
    mtok m;
    memset(&m, 0, sizeof m);
    CXString sp = clang_getTokenSpelling(C->tu, tk);
    const char *t = clang_getCString(sp);
    m.s = ir_strdup(C->u, t);
    m.len = (int)strlen(m.s);
    clang_disposeString(sp);
    CXTokenKind k = clang_getTokenKind(tk);
    m.ident = k == CXToken_Identifier || k == CXToken_Keyword;
    m.literal = k == CXToken_Literal && (strchr(m.s, '"') || strchr(m.s, '\''));
    CXSourceRange r = clang_getTokenExtent(C->tu, tk);
    unsigned b = 0, e = 0;
    clang_getFileLocation(clang_getRangeStart(r), NULL, NULL, NULL, &b);
    clang_getFileLocation(clang_getRangeEnd(r), NULL, NULL, NULL, &e);
    m.space = b > prev_end;
    m.origin = b;
    *end = e;
    return m;
}

/* Offset of the first `#undef name` in text[from, to), or -1. */
static long undef_in(const char *text, size_t to, size_t from, const char *name)
{
    size_t n = strlen(name);
    for (size_t p = from; p < to; p++) {
        if (text[p] != '#')
            continue;
        size_t q = p;
        while (q > 0 && (text[q - 1] == ' ' || text[q - 1] == '\t'))
            q--;
        if (q > 0 && text[q - 1] != '\n')
            continue;
        q = p + 1;
        while (q < to && (text[q] == ' ' || text[q] == '\t'))
            q++;
        if (q + 5 > to || strncmp(text + q, "undef", 5))
            continue;
        q += 5;
        while (q < to && (text[q] == ' ' || text[q] == '\t'))
            q++;
        if (q + n <= to && !strncmp(text + q, name, n) && (q + n == to || !is_ident(text[q + n])))
            return (long)p;
    }
    return -1;
}

static mdef *read_def(cx *C, mrec *r)
{
    if (r->read)
        return r->def;
    r->read = 1;
    CXToken *t = NULL;
    unsigned n = 0;
    CXSourceRange ext = clang_getCursorExtent(r->c);
    clang_tokenize(C->tu, ext, &t, &n);
    unsigned all = n, stop = 0; /* libclang may return a token past the extent */
    clang_getFileLocation(clang_getRangeEnd(ext), NULL, NULL, NULL, &stop);
    while (n > 1) {
        unsigned tb = 0;
        clang_getFileLocation(clang_getRangeStart(clang_getTokenExtent(C->tu, t[n - 1])), NULL, NULL, NULL, &tb);
        if (tb < stop)
            break;
        n--;
    }
    mdef *d = ir_alloc(C->u, sizeof *d);
    d->name = r->name;
    d->fnlike = clang_Cursor_isMacroFunctionLike(r->c);
    d->params = ir_alloc(C->u, sizeof *d->params * (size_t)(n + 1));
    d->body = ir_alloc(C->u, sizeof *d->body * (size_t)(n + 1));
    unsigned i = 1, end = 0;
    mtok tk;
    if (n)
        to_mtok(C, t[0], 0, &end);
    if (d->fnlike) {
        for (i = 2; i < n; i++) {
            tk = to_mtok(C, t[i], end, &end);
            if (tk.len == 1 && tk.s[0] == ')') {
                i++;
                break;
            }
            if (!strcmp(tk.s, "...")) {
                d->variadic = 1; /* (a, ...) or GNU's (a, rest...) */
                CXTokenKind pk = clang_getTokenKind(t[i - 1]);
                if (pk != CXToken_Identifier && pk != CXToken_Keyword)
                    d->params[d->nparams++] = "__VA_ARGS__";
            } else if (tk.ident)
                d->params[d->nparams++] = tk.s;
        }
    }
    for (; i < n; i++) {
        tk = to_mtok(C, t[i], end, &end);
        tk.origin = 0;
        d->body[d->nbody++] = tk;
    }
    clang_disposeTokens(C->tu, t, all);
    r->def = d;
    return d;
}

/* The definition of `name` at the expansion being expanded (macro.h). */
static const mdef *lookup_def(void *ctx, const char *name, int len)
{
    cx *C = ctx;
    char key[256];
    if (len <= 0 || len >= (int)sizeof key || !C->ndefs)
        return NULL;
    memcpy(key, name, (size_t)len);
    key[len] = 0;
    int lo = 0, hi = C->ndefs; /* first index with name >= key */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (strcmp(C->defs[C->byname[mid]].name, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    mrec *best = NULL;
    for (int i = lo; i < C->ndefs && !strcmp(C->defs[C->byname[i]].name, key); i++)
        if (C->defs[C->byname[i]].seq < C->cur_seq)
            best = &C->defs[C->byname[i]];
    if (!best)
        return NULL;
    /* the preprocessing record has no #undef: one after the definition in
     * its own file, or in the main file before the use, ends it (an #undef
     * in a third header is not seen; docs/translation.md) */
    if (best->undef == -2) {
        CXFile f = NULL;
        unsigned off = 0;
        clang_getFileLocation(clang_getCursorLocation(best->c), &f, NULL, NULL, &off);
        size_t size = 0;
        const char *text = f ? clang_getFileContents(C->tu, f, &size) : NULL;
        long at = -1;
        if (f && clang_File_isEqual(f, C->main))
            at = undef_in(text, size, off, key);
        else if (text && undef_in(text, size, off, key) >= 0)
            best->undef = 0;
        else { /* in the main file after the header was included */
            unsigned from = 0;
            for (int i = 0; i < C->nxps && C->xps[i].seq < best->seq; i++)
                from = C->xps[i].e;
            at = undef_in(C->u->src, C->u->len, from, key);
        }
        if (best->undef == -2)
            best->undef = at < 0 ? -1 : at + 1;
    }
    if (best->undef == 0 || (best->undef > 0 && (unsigned long)(best->undef - 1) < C->cur_at))
        return NULL;
    return read_def(C, best);
}

/* An invocation dcc replaces by its expansion, in the user's text. */
typedef struct xsel {
    unsigned ob, oe;
    char *text; size_t len, cap;
    unsigned *rel, *torig; int ntok, caprel, capor; /* token offsets in text, in the user's text */
} xsel;

typedef struct xstate {
    char *orig; size_t olen;  /* the user's text */
    xsel *sel; int nsel, capsel;
    ir_edit *edits; int nedits; /* of the text parsed in this pass */
} xstate;

static void xput(xsel *s, const char *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *q = realloc(s->text, cap);
        if (!q) {
            fputs("dcc: error: out of memory\n", stderr);
            exit(2);
        }
        s->text = q;
        s->cap = cap;
    }
    memcpy(s->text + s->len, p, n);
    s->len += n;
    s->text[s->len] = 0;
}

/* Would text ending in x followed by text starting with y, without a
 * space, lex differently from two tokens? */
static int glue(char x, char y)
{
    if ((is_ident(x) || x == '.') && (is_ident(y) || y == '.'))
        return 1;
    return x && y && strchr("+-*/%<>=!&|^.#:", x) && strchr("+-*/%<>=!&|^.#:", y);
}

/* The expansion as text: arguments' tokens stay on their lines, the rest
 * goes on the line the text reached, and it spans as many lines as the
 * invocation did, so every later line keeps its number. */
static void render(cx *C, xsel *s, const mtok *t, int n, unsigned b, unsigned e)
{
    unsigned line, eline, tl;
    ir_origin(C->u, b, &line, NULL);
    ir_origin(C->u, e > b ? e - 1 : b, &eline, NULL);
    for (int i = 0; i < n; i++) {
        ir_origin(C->u, t[i].origin, &tl, NULL);
        if (tl > line && tl <= eline) {
            while (line < tl) {
                xput(s, "\n", 1);
                line++;
            }
        } else if (i ? t[i].space || glue(t[i - 1].s[t[i - 1].len - 1], t[i].s[0])
                     : b > 0 && glue(C->u->src[b - 1], t[i].s[0]))
            xput(s, " ", 1);
        int nr = s->ntok;
        unsigned *r = ir_push(&s->rel, &nr, &s->caprel, sizeof *r);
        *r = (unsigned)s->len;
        unsigned *o = ir_push(&s->torig, &s->ntok, &s->capor, sizeof *o);
        *o = ir_origin_offset(C->u, t[i].origin);
        xput(s, t[i].s, (size_t)t[i].len);
    }
    if (n && e < C->u->len && glue(t[n - 1].s[t[n - 1].len - 1], C->u->src[e]))
        xput(s, " ", 1);
    while (line < eline) {
        xput(s, "\n", 1);
        line++;
    }
}

/* The tokens of the main file in [b, e). */
static int invocation_tokens(cx *C, unsigned b, unsigned e, mtok **in)
{
    CXToken *t = NULL;
    unsigned nt = 0, end = b;
    CXSourceRange r = clang_getRange(clang_getLocationForOffset(C->tu, C->main, b),
                                     clang_getLocationForOffset(C->tu, C->main, e));
    clang_tokenize(C->tu, r, &t, &nt);
    *in = ir_alloc(C->u, sizeof **in * (size_t)(nt + 1));
    int n = 0;
    for (unsigned j = 0; j < nt; j++) {
        unsigned e2;
        if (clang_getTokenKind(t[j]) == CXToken_Comment)
            continue;
        mtok m = to_mtok(C, t[j], end, &e2);
        if (m.origin >= e)
            break;
        end = e2;
        (*in)[n++] = m;
    }
    clang_disposeTokens(C->tu, t, nt);
    return n;
}

/* The offset after the ')' matching the '(' at p, or 0. */
static unsigned match_paren(const ir_unit *u, unsigned p)
{
    int depth = 0;
    while (p < u->len) {
        p = skip_ws(u, p);
        if (p >= u->len)
            break;
        char ch = u->src[p];
        if (ch == '"' || ch == '\'') {
            for (p++; p < u->len && u->src[p] != ch; p++)
                if (u->src[p] == '\\')
                    p++;
        } else if (ch == '(')
            depth++;
        else if (ch == ')' && --depth == 0)
            return p + 1;
        p++;
    }
    return 0;
}

/* Where dcc rewrites text in durable bodies: awaiting expressions and
 * statements, and returns, each up to the first token after it when that
 * is not its ';' (a macro may supply the ';'). */
static void regions(cx *C, ir_node *n, unsigned **v, int *nv, int *cap)
{
    if (!n)
        return;
    int take = n->kind == IR_RETURN || ((n->flags & IRF_AWAIT) && (n->kind >= IR_AWAIT || n->kind == IR_EXPR_STMT ||
                                                                  n->kind == IR_DECL || n->kind == IR_VAR));
    if (take) { /* up to the next token only if the ';' is not there */
        unsigned end = n->e > n->b && C->u->src[n->e - 1] == ';' ? n->e : skip_ws(C->u, n->e);
        *(unsigned *)ir_push(v, nv, cap, sizeof(unsigned)) = n->b;
        *(unsigned *)ir_push(v, nv, cap, sizeof(unsigned)) = end;
    }
    if (n->kind == IR_FOR && n->for_body >= 0) { /* a header that awaits, with its ';'s */
        int awaits = 0;
        for (int i = 0; i < n->nkid; i++)
            awaits |= i != n->for_body && (n->kid[i]->flags & IRF_AWAIT);
        if (awaits) {
            *(unsigned *)ir_push(v, nv, cap, sizeof(unsigned)) = n->b;
            *(unsigned *)ir_push(v, nv, cap, sizeof(unsigned)) = n->kid[n->for_body]->b;
        }
    }
    for (int i = 0; i < n->nkid; i++)
        regions(C, n->kid[i], v, nv, cap);
}

/* Choose the invocations in durable bodies that dcc must expand (an await,
 * a return or a continue in their arguments or expansion, a durable
 * function named there, or a place where dcc rewrites text) and add them to
 * S.  Returns how many were added, or -1 after an error. */
static int plan_macros(cx *C, xstate *S)
{
    ir_unit *u = C->u;
    if (!C->nxps)
        return 0;
    sort_cx = C;
    C->byname = ir_alloc(u, sizeof(int) * (size_t)(C->ndefs + 1));
    for (int i = 0; i < C->ndefs; i++)
        C->byname[i] = i;
    qsort(C->byname, (size_t)C->ndefs, sizeof(int), by_name);
    unsigned *rg = NULL;
    int nrg = 0, caprg = 0, added = 0, errors = 0;
    for (int i = 0; i < u->nfuncs; i++)
        if (u->funcs[i]->self->kind == CALLEE_DURABLE)
            regions(C, u->funcs[i]->body, &rg, &nrg, &caprg);
    unsigned last_end = 0;
    for (int k = 0; k < C->nxps; k++) {
        xrec *x = &C->xps[k];
        if (!strcmp(x->name, "await") || x->b < last_end)
            continue;
        ir_func *f = NULL;
        for (int i = 0; i < u->nfuncs && !f; i++) /* a macro that overlaps a durable definition */
            if (u->funcs[i]->self->kind == CALLEE_DURABLE && x->b < u->funcs[i]->e && x->e > u->funcs[i]->b)
                f = u->funcs[i];
        if (!f)
            continue;
        int inside = 0;
        for (int i = 0; i < S->nedits && !inside; i++)
            inside = x->b < S->edits[i].e && x->e > S->edits[i].b;
        if (inside)
            continue;
        /* the invocation's tokens, and its expansion; an expansion that ends
         * in a function-like macro's name takes the arguments after it */
        unsigned xe = x->e;
        mtok *in = NULL, *out = NULL;
        int n, no;
        C->cur_seq = x->seq;
        C->cur_at = x->b;
        mexp X = {u, lookup_def, C, x->name, x->b, 1, lookup_def(C, "__STRICT_ANSI__", 15) != NULL};
        for (int tries = 0;; tries++) {
            n = invocation_tokens(C, x->b, xe, &in);
            no = macro_expand(&X, in, n, &out);
            const mdef *d = no > 0 && out[no - 1].ident && !macro_painted(&out[no - 1])
                                ? lookup_def(C, out[no - 1].s, out[no - 1].len)
                                : NULL;
            unsigned p = skip_ws(u, xe), q = 0;
            if (d && d->fnlike && p < u->len && u->src[p] == '(' && tries < 8)
                q = match_paren(u, p);
            if (!q)
                break;
            xe = q;
        }
        last_end = xe;
        int need = macro_has(in, n, "await") || macro_has(in, n, "return") || macro_has(in, n, "continue");
        for (int j = 0; j + 1 < nrg && !need; j += 2)
            need = x->b >= rg[j] && x->b <= rg[j + 1];
        if (no >= 0 && !need) {
            need = macro_has(out, no, "await") || macro_has(out, no, "return") || macro_has(out, no, "continue");
            for (int j = 0; j < no && !need; j++)
                for (int c = 0; c < u->ncallees && !need; c++)
                    need = out[j].ident && u->callees[c]->kind == CALLEE_DURABLE &&
                           (size_t)out[j].len == strlen(u->callees[c]->name) &&
                           !memcmp(out[j].s, u->callees[c]->name, (size_t)out[j].len);
        }
        if (!need)
            continue;
        for (unsigned p = x->b; p < xe; p++)
            if (u->src[p] == '\n' && u->src[skip_ws(u, p + 1)] == '#') {
                diag_error(u, x->b, "a preprocessing directive inside the invocation of macro '%s'", x->name);
                errors++;
                no = -2;
                break;
            }
        if (no == -1) { /* again, saying why */
            X.quiet = 0;
            macro_expand(&X, in, n, &out);
            errors++;
        }
        if (no < 0)
            continue;
        xsel *s = ir_push(&S->sel, &S->nsel, &S->capsel, sizeof *s);
        s->ob = ir_origin_offset(u, x->b);
        s->oe = ir_origin_offset(u, xe);
        render(C, s, out, no, x->b, xe);
        added++;
    }
    free(rg);
    return errors ? -1 : added;
}

static int by_ob(const void *a, const void *b)
{
    const xsel *x = a, *y = b;
    return x->ob < y->ob ? -1 : x->ob > y->ob;
}

/* The user's text with S's invocations replaced; S->edits describes it. */
static char *expanded_text(xstate *S, size_t *len)
{
    qsort(S->sel, (size_t)S->nsel, sizeof *S->sel, by_ob);
    xsel all;
    memset(&all, 0, sizeof all);
    for (int i = 0; i < S->nedits; i++) {
        free(S->edits[i].tok);
        free(S->edits[i].torig);
    }
    free(S->edits);
    S->edits = calloc((size_t)S->nsel + 1, sizeof *S->edits);
    S->nedits = S->nsel;
    size_t p = 0;
    for (int i = 0; i < S->nsel; i++) {
        xsel *s = &S->sel[i];
        ir_edit *ed = &S->edits[i];
        xput(&all, S->orig + p, s->ob - p);
        ed->b = (unsigned)all.len;
        ed->ob = s->ob;
        ed->oe = s->oe;
        ed->ntok = s->ntok;
        ed->tok = calloc((size_t)s->ntok + 1, sizeof *ed->tok);
        ed->torig = calloc((size_t)s->ntok + 1, sizeof *ed->torig);
        for (int k = 0; k < s->ntok; k++) {
            ed->tok[k] = ed->b + s->rel[k];
            ed->torig[k] = s->torig[k];
        }
        xput(&all, s->text ? s->text : "", s->len);
        ed->e = (unsigned)all.len;
        p = s->oe;
    }
    xput(&all, S->orig + p, S->olen - p);
    *len = all.len;
    return all.text;
}

/* Give u (reset for this pass) the map back to the user's text. */
static void set_origin(ir_unit *u, const xstate *S)
{
    if (!S->nedits)
        return;
    u->nolines = 1;
    for (size_t i = 0; i < S->olen; i++)
        u->nolines += S->orig[i] == '\n';
    u->olines = ir_alloc(u, sizeof *u->olines * u->nolines);
    unsigned n = 0;
    for (size_t i = 0; i <= S->olen; i++)
        if (i == 0 || S->orig[i - 1] == '\n')
            u->olines[n++] = (unsigned)i;
    u->edits = ir_alloc(u, sizeof *u->edits * (size_t)S->nedits);
    u->nedits = S->nedits;
    for (int i = 0; i < S->nedits; i++) {
        u->edits[i] = S->edits[i];
        u->edits[i].tok = ir_alloc(u, sizeof(unsigned) * (size_t)(S->edits[i].ntok + 1));
        u->edits[i].torig = ir_alloc(u, sizeof(unsigned) * (size_t)(S->edits[i].ntok + 1));
        if (S->edits[i].ntok) {
            memcpy(u->edits[i].tok, S->edits[i].tok, sizeof(unsigned) * (size_t)S->edits[i].ntok);
            memcpy(u->edits[i].torig, S->edits[i].torig, sizeof(unsigned) * (size_t)S->edits[i].ntok);
        }
    }
}

static enum CXChildVisitResult top(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    cx *C = d;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_MacroExpansion) {
        CXString s = clang_getCursorSpelling(c);
        long off = offset_of(C, clang_getCursorLocation(c));
        if (strcmp(clang_getCString(s), "await") == 0 && off >= 0)
            *(unsigned *)ir_push(&C->u->await_marks, &C->u->nmarks, &C->u->capmarks, sizeof(unsigned)) =
                (unsigned)off;
        clang_disposeString(s);
        return CXChildVisit_Continue;
    }
    if (k == CXCursor_MacroDefinition)
        return CXChildVisit_Continue;
    if (offset_of(C, clang_getCursorLocation(c)) < 0)
        return CXChildVisit_Continue;
    if (k == CXCursor_FunctionDecl && clang_isCursorDefinition(c))
        conv_function(C, c);
    /* objects this file defines (tentative definitions included) */
    if (k == CXCursor_VarDecl && clang_Cursor_getStorageClass(c) != CX_SC_Extern &&
        clang_getCursorTLSKind(c) == CXTLS_None &&
        clang_Type_getSizeOf(clang_getCanonicalType(clang_getCursorType(c))) > 0) {
        char *name = str(C, clang_getCursorSpelling(c));
        int seen = 0;
        for (int i = 0; i < C->u->nglobals && !seen; i++)
            seen = !strcmp(C->u->globals[i].name, name);
        if (!seen) {
            ir_global *g = ir_push(&C->u->globals, &C->u->nglobals, &C->u->capglobals, sizeof *g);
            g->name = name;
            g->is_static = clang_Cursor_getStorageClass(c) == CX_SC_Static;
        }
    }
    return CXChildVisit_Continue;
}

/* Find the host call whose call starts at `off`, and the durable callee. */
static ir_node *find_call_at(ir_node *n, unsigned off)
{
    if (!n)
        return NULL;
    if (n->kind == IR_CALL && n->b == off && n->callee && n->callee->kind == CALLEE_DURABLE &&
        !(n->flags & IRF_INAWAIT))
        return n;
    for (int i = 0; i < n->nkid; i++) {
        if (n->kid[i]->b > off || n->kid[i]->e < off)
            continue;
        ir_node *r = find_call_at(n->kid[i], off);
        if (r)
            return r;
    }
    return NULL;
}

static int host_call_at(cx *C, unsigned off);

/* Is this error clang's complaint that f(...) is not a durable_call?  Then
 * it is a host call dcc rewrites, not an error. */
static int host_call_error(cx *C, CXDiagnostic dg, unsigned off)
{
    CXString s = clang_getDiagnosticSpelling(dg);
    int about = strstr(clang_getCString(s), "durable_call") != NULL;
    clang_disposeString(s);
    if (!about)
        return 0;
    /* the call is where the diagnostic points, or where a range it
     * highlights starts (initializations point at the variable) */
    unsigned nr = clang_getDiagnosticNumRanges(dg);
    for (unsigned r = 0; r <= nr; r++) {
        if (r < nr) {
            long ro = offset_of(C, clang_getRangeStart(clang_getDiagnosticRange(dg, r)));
            if (ro < 0)
                continue;
            off = (unsigned)ro;
        }
        if (host_call_at(C, off))
            return 1;
    }
    return 0;
}

/* Record the host call of a durable function starting at `off`, if any. */
static int host_call_at(cx *C, unsigned off)
{
    for (int i = 0; i < C->u->nfuncs; i++) {
        ir_func *f = C->u->funcs[i];
        if (off < f->b || off > f->e)
            continue;
        ir_node *call = find_call_at(f->body, off);
        if (!call || (call->flags & IRF_BADEXT) || call->nkid < 1)
            return 0;
        if (!(call->flags & IRF_HOST)) {
            call->flags |= IRF_HOST;
            ir_hostcall *h = ir_push(&C->u->hosts, &C->u->nhosts, &C->u->caphosts, sizeof *h);
            h->b = call->b;
            h->e = call->e;
            h->callee = call->callee;
            unsigned p = skip_ws(C->u, call->kid[0]->e);
            h->argb = p + 1;
            h->arge = call->e - 1;
        }
        return 1;
    }
    return 0;
}

/* A durable call passed straight to a runtime awaitable, as in
 * await(durable_spawn(f(x))), is a durable_call value like the one given to
 * durable_start: record it as a host call, to be rewritten.  (durable.h
 * declares durable_spawn without a prototype under __DCC__, so clang accepts
 * the int that f(x) seems to be.) */
static void awaitable_args(cx *C, ir_node *n)
{
    if (!n)
        return;
    if (n->kind == IR_CALL && n->callee && n->callee->kind == CALLEE_AWAITABLE)
        for (int i = 1; i < n->nkid; i++) {
            ir_node *a = n->kid[i];
            while (a && (a->kind == IR_PAREN || (a->kind == IR_EXPR && a->nkid == 1)))
                a = a->kid[0];
            if (a && a->kind == IR_CALL && a->callee && a->callee->kind == CALLEE_DURABLE)
                host_call_at(C, a->b);
        }
    for (int i = 0; i < n->nkid; i++)
        awaitable_args(C, n->kid[i]);
}

static int parse_once(ir_unit *u, const char *path, const char *const *args, int nargs, xstate *S,
                      const char *etext, size_t elen, int *more)
{
    const char **argv = calloc((size_t)nargs + 8, sizeof *argv);
    if (!argv)
        return DCC_EINTERNAL;
    int n = 0;
    for (int i = 0; i < nargs; i++)
        argv[n++] = args[i];
    argv[n++] = "-D__DCC__";
    argv[n++] = "-Werror=implicit-function-declaration";
#ifdef DCC_BUILD_INCLUDE_DIR
    argv[n++] = "-I" DCC_BUILD_INCLUDE_DIR;
#endif
#ifdef DCC_INSTALL_INCLUDE_DIR
    argv[n++] = "-I" DCC_INSTALL_INCLUDE_DIR;
#endif
    CXIndex idx = clang_createIndex(0, 0);
    CXTranslationUnit tu = NULL;
    struct CXUnsavedFile uf = {path, etext, (unsigned long)elen}; /* the text with macros expanded */
    enum CXErrorCode err = clang_parseTranslationUnit2(idx, path, argv, n, etext ? &uf : NULL, etext ? 1 : 0,
                                                       CXTranslationUnit_DetailedPreprocessingRecord, &tu);
    free(argv);
    if (err != CXError_Success || !tu) {
        fprintf(stderr, "%s: error: cannot parse this file (libclang error %d)\n", path, (int)err);
        clang_disposeIndex(idx);
        return DCC_EUSER;
    }
    cx C;
    memset(&C, 0, sizeof C);
    C.u = u;
    C.tu = tu;
    C.main = clang_getFile(tu, path);
    size_t size = 0;
    const char *text = C.main ? clang_getFileContents(tu, C.main, &size) : NULL;
    int rc = DCC_OK;
    if (!text) {
        fprintf(stderr, "%s: error: cannot read this file\n", path);
        rc = DCC_EUSER;
        goto out;
    }
    u->path = ir_strdup(u, path);
    u->src = ir_strndup(u, text, size);
    u->len = (unsigned)size;
    if (!S->orig) {
        S->orig = malloc(size + 1);
        if (!S->orig) {
            rc = DCC_EINTERNAL;
            goto out;
        }
        memcpy(S->orig, text, size);
        S->olen = size;
    }
    set_origin(u, S);
    u->nlines = 1;
    for (unsigned i = 0; i < u->len; i++)
        u->nlines += u->src[i] == '\n';
    u->lines = malloc(sizeof *u->lines * u->nlines);
    if (!u->lines) {
        rc = DCC_EINTERNAL;
        goto out;
    }
    u->nlines = 0;
    for (unsigned i = 0; i <= u->len; i++)
        if (i == 0 || u->src[i - 1] == '\n')
            u->lines[u->nlines++] = i;
    clang_visitChildren(clang_getTranslationUnitCursor(tu), premacro, &C);
    clang_visitChildren(clang_getTranslationUnitCursor(tu), top, &C);
    unsigned nd = clang_getNumDiagnostics(tu);
    for (unsigned i = 0; i < nd; i++) {
        CXDiagnostic dg = clang_getDiagnostic(tu, i);
        enum CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(dg);
        CXFile f = NULL;
        unsigned off = 0;
        clang_getFileLocation(clang_getDiagnosticLocation(dg), &f, NULL, NULL, &off);
        if (sev >= CXDiagnostic_Error && f) {
            if (!(clang_File_isEqual(f, C.main) && host_call_error(&C, dg, off))) {
                if (u->nedits && clang_File_isEqual(f, C.main)) { /* where the user wrote it */
                    CXString s = clang_getDiagnosticSpelling(dg);
                    diag_error(u, off, "%s", clang_getCString(s));
                    clang_disposeString(s);
                } else {
                    CXString s = clang_formatDiagnostic(dg, clang_defaultDiagnosticDisplayOptions());
                    fprintf(stderr, "%s\n", clang_getCString(s));
                    clang_disposeString(s);
                }
                rc = DCC_EUSER;
            }
        }
        clang_disposeDiagnostic(dg);
    }
    for (int i = 0; i < u->nfuncs; i++)
        awaitable_args(&C, u->funcs[i]->body);
    if (rc == DCC_OK) {
        int r = plan_macros(&C, S);
        if (r < 0)
            rc = DCC_EUSER;
        *more = r > 0;
    }
out:
    free(C.vars.v);
    free(C.callees.v);
    free(C.defs);
    free(C.xps);
    free(C.incls);
    clang_disposeTranslationUnit(tu);
    clang_disposeIndex(idx);
    return rc;
}

int cx_parse(ir_unit *u, const char *path, const char *const *args, int nargs)
{
    xstate S;
    memset(&S, 0, sizeof S);
    char *text = NULL;
    size_t len = 0;
    int rc;
    for (int pass = 1;; pass++) {
        int more = 0;
        rc = parse_once(u, path, args, nargs, &S, text, len, &more);
        if (rc != DCC_OK || !more)
            break;
        if (pass == 8) { /* each pass expands what the last one could not see */
            fprintf(stderr, "%s: internal error: the macros of its durable functions still change after %d "
                            "expansions\n", path, pass);
            rc = DCC_EINTERNAL;
            break;
        }
        free(text);
        text = expanded_text(&S, &len);
        ir_unit_free(u);
        memset(u, 0, sizeof *u);
    }
    free(text);
    free(S.orig);
    for (int i = 0; i < S.nsel; i++) {
        free(S.sel[i].text);
        free(S.sel[i].rel);
        free(S.sel[i].torig);
    }
    free(S.sel);
    for (int i = 0; i < S.nedits; i++) {
        free(S.edits[i].tok);
        free(S.edits[i].torig);
    }
    free(S.edits);
    return rc;
}

/*
 * cx.c — everything dcc asks of libclang, and the only file that includes
 * clang-c/Index.h.
 *
 * It parses one file, turns clang's diagnostics into pass/refuse, and builds
 * the IR of ir.h: every function defined in the main file (statements,
 * expression structure, references to locals, direct callees), every call of
 * a durable function used as a durable_call value, every `await` expansion.
 * It decides nothing about translation: find.c checks, lower.c rewrites.
 *
 * Facts this file relies on (see /work/shared/notes-libclang.md):
 * statement extents exclude the trailing ';' (declarations excepted);
 * `await(e)` expands to `((void)durable__await_marker(), (e))`;
 * for-statement parts are classified by offsets against the header's ';'s;
 * clang_getFileLocation maps a macro argument to where the user wrote it.
 */
#include "cx.h"
#include "diag.h"

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
    cmap_put(&C->callees, canon, f);
    *(ir_callee **)ir_push(&u->callees, &u->ncallees, &u->capcallees, sizeof f) = f;
    return f;
}

/* ---- nodes ------------------------------------------------------------ */

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
    }
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
        /* The await's extent is unreliable when it is nested in another
         * macro's argument; rebuild it as `await` `(` operand `)`. */
        unsigned lp = n->b + 5 <= u->len ? skip_ws(u, n->b + 5) : u->len;
        unsigned rp = skip_ws(u, op->e);
        if (n->b + 5 > u->len || strncmp(u->src + n->b, "await", 5) != 0 || is_ident(u->src[n->b + 5]) ||
            (op->flags & IRF_BADEXT) || lp >= u->len || u->src[lp] != '(' || skip_ws(u, lp + 1) != op->b ||
            rp >= u->len || u->src[rp] != ')')
            a->badctx = "a macro";
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

int cx_parse(ir_unit *u, const char *path, const char *const *args, int nargs)
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
    enum CXErrorCode err = clang_parseTranslationUnit2(idx, path, argv, n, NULL, 0,
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
                CXString s = clang_formatDiagnostic(dg, clang_defaultDiagnosticDisplayOptions());
                fprintf(stderr, "%s\n", clang_getCString(s));
                clang_disposeString(s);
                rc = DCC_EUSER;
            }
        }
        clang_disposeDiagnostic(dg);
    }
    for (int i = 0; i < u->nfuncs; i++)
        awaitable_args(&C, u->funcs[i]->body);
out:
    free(C.vars.v);
    free(C.callees.v);
    clang_disposeTranslationUnit(tu);
    clang_disposeIndex(idx);
    return rc;
}

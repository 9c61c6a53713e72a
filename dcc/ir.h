/*
 * ir.h — dcc's own intermediate representation of one translation unit.
 *
 * cx.c builds it from libclang (and is the only file that sees a CXCursor);
 * find.c checks and classifies it; lower.c rewrites durable bodies using it;
 * live.c and emit.c never look back at libclang.  Every node keeps its byte
 * range in u->src (the main file, with the macro invocations dcc expands
 * replaced: see ir_edit), so emission can copy the user's text verbatim.
 *
 * It is not a full C AST: only what translation needs (statements, the
 * expression structure around awaits, references to locals, calls).
 * Everything lives in one arena owned by the unit and dies with it.
 */
#ifndef DCC_IR_H
#define DCC_IR_H

#include <stddef.h>

typedef enum ir_kind {
    /* statements */
    IR_COMPOUND, IR_DECL, IR_VAR, IR_EXPR_STMT, IR_IF, IR_WHILE, IR_DO, IR_FOR,
    IR_SWITCH, IR_CASE, IR_DEFAULT, IR_LABEL, IR_GOTO, IR_BREAK, IR_CONTINUE,
    IR_RETURN, IR_NULL, IR_STMT_OTHER,
    /* expressions */
    IR_AWAIT, IR_CALL, IR_REF, IR_BINARY, IR_COND, IR_UNARY, IR_PAREN,
    IR_SIZEOF, IR_STMTEXPR, IR_GENERIC, IR_EXPR
} ir_kind;

/* Node flags, computed bottom-up by cx.c. */
enum {
    IRF_AWAIT = 1 << 0,  /* the subtree contains an await */
    IRF_RETURN = 1 << 1, /* the subtree contains a return statement */
    IRF_BADEXT = 1 << 2, /* the node's range is not real text in the main file */
    IRF_HOST = 1 << 3,   /* IR_CALL of a durable function used as a durable_call */
    IRF_INAWAIT = 1 << 4 /* IR_CALL: the operand of an await */
};

/* What a type is, for persistence. */
typedef enum ir_tkind {
    IRT_VOID, IRT_INT, IRT_UINT, IRT_FLOAT, IRT_BOOL, IRT_CHAR, IRT_STRING,
    IRT_STRUCT,
    IRT_PTR, /* any other data pointer: saved as where it points */
    IRT_BAD /* not persistable: see ir_type.why */
} ir_tkind;

typedef struct ir_type ir_type;
typedef struct ir_member {
    const char *name;
    ir_type *type;
} ir_member;

struct ir_type {
    ir_tkind kind;        /* of one element, for arrays */
    const char *spelling; /* as written: "struct pt [4]", "const char *" */
    const char *decl_pre; /* a member of this type is declared as          */
    const char *decl_post;/* decl_pre NAME decl_post; decl_pre is NULL if  */
                          /* the type cannot be named at file scope         */
    const char *elem;     /* spelling of one element ("struct pt") */
    const char *container;/* IRT_STRUCT: how offsetof names one element at
                             file scope ("weight"), or NULL */
    unsigned count;       /* product of array dimensions; 1 for a scalar */
    int is_array, is_vla, is_const, is_pointer;
    int const_member;     /* a struct with a const member (at any depth):
                             not assignable, copied with memcpy */
    long long size, align;           /* from clang, for byte-array fallback */
    ir_member *members; int nmembers; /* IRT_STRUCT with a file-scope name */
    const char *why;      /* IRT_BAD: what makes it unpersistable */
};

typedef struct ir_node ir_node;
struct ir_node {
    ir_kind kind;
    unsigned b, e;        /* byte range [b, e) in the main file; statements
                             include their trailing ';' */
    unsigned line, col;   /* of b */
    unsigned flags;
    ir_node **kid; int nkid;
    char op[4];           /* IR_BINARY, IR_UNARY: the operator ("&&", "&");
                             IR_EXPR: "[" subscript, "." or "->" member,
                             "\"" string literal, "{" compound literal,
                             "" anything else */
    int var;              /* IR_REF, IR_VAR: index in ir_func.vars, or -1 */
    int await;            /* IR_AWAIT: index in ir_func.awaits */
    struct ir_callee *callee; /* IR_CALL: direct callee, or NULL; IR_REF to a function */
    const char *name;     /* IR_LABEL, IR_GOTO: label; IR_REF: spelling */
    ir_type *type;        /* expressions: their type */
    /* IR_FOR: kid index of each part or -1, and header offsets */
    int for_init, for_cond, for_inc, for_body; /* IR_VAR: for_init = init kid */
    unsigned semi1, semi2;
};

typedef enum { CALLEE_PLAIN, CALLEE_DURABLE, CALLEE_AWAITABLE } ir_callee_kind;

typedef struct ir_param {
    const char *name;   /* as written; NULL if unnamed */
    ir_type *type;
    unsigned line, col;
} ir_param;

/* A function called, awaited or defined (one per canonical declaration). */
typedef struct ir_callee {
    const char *name;
    ir_callee_kind kind;
    ir_type *ret;
    ir_param *params; int nparams;
    int has_proto, is_variadic, is_static;
    int defined;        /* a durable definition in this file */
    int used;           /* needs f__args / f__fn declarations in this file */
    unsigned decl_at;   /* offset before which those declarations go */
    unsigned first_at;  /* offset of its first declaration in the main file,
                           ~0u when that is in another file (a header) */
    int first_in_block; /* that first declaration is inside a function */
    int declared_out;   /* emitted already */
} ir_callee;

typedef struct ir_var {
    const char *name;   /* as written */
    const char *field;  /* frame member name: name, or name_1... for shadowed */
    ir_type *type;
    unsigned off, line, col;
    int is_param, is_temp;
    int cleanup;        /* declared with __attribute__((cleanup(f))) */
    int in_frame;       /* live across some await */
    int pinned;         /* its address is taken: it lives in the frame (lower.c) */
    const char *from;   /* a pointer: the callee whose result it was given, or NULL */
    unsigned from_off;
} ir_var;

typedef enum { AWAIT_STEP = 1, AWAIT_CHILD, AWAIT_RUNTIME } ir_await_kind;

typedef struct ir_await {
    int id;             /* 1..n, source order */
    ir_node *node;
    ir_node *call;      /* the operand */
    ir_await_kind kind;
    ir_callee *callee;
    unsigned line, col;
    const char *badctx; /* set by cx.c: "sizeof", "a user macro"...: refused */
    /* filled by lower.c / live.c */
    int rnode;          /* CFG node of its resume point */
    int tnode;          /* CFG node where it completed (durable__take) */
    int bnode;          /* CFG node where it is reached (durable__begin) */
    int checks_error;   /* durable_error() may be read before the next await */
    unsigned char *live;     /* vars spilled/reloaded here (one byte per var) */
    int *inscope; int ninscope; /* vars declared at the await, outermost first */
    int temp;           /* var index of its value temporary, or -1 */
    const char *resume; /* lower.c: the first label a resume jumps to when
                           it restores hidden locals first, else NULL (awN_) */
    int thunk;          /* lower.c: a step called through its thunk f__runN
                           and argument struct f__callN (emit.c writes them) */
} ir_await;

typedef struct ir_func {
    ir_callee *self;
    ir_node *body;      /* IR_COMPOUND */
    unsigned b, e, line, col;
    ir_var *vars; int nvars, capvars;
    ir_await *awaits; int nawaits, capawaits;
    struct cfg *cfg;    /* built by lower.c */
    const char **lits; int nlits, caplits; /* string literals moved to file scope (lower.c) */
    int cfg_entry, cfg_exit;
} ir_func;

/* A call of a durable function used as a durable_call value in host code. */
typedef struct ir_hostcall {
    unsigned b, e;      /* the whole call f(...) */
    unsigned argb, arge;/* the text between its parentheses */
    ir_callee *callee;
} ir_hostcall;

/* Text dcc replaced before the parse of u->src: a macro invocation in a
 * durable body, by its expansion (cx.c, macro.c).  Diagnostics map
 * offsets in it back to the user's text through ir_origin. */
typedef struct ir_edit {
    unsigned b, e;        /* the expansion in u->src */
    unsigned ob, oe;      /* the invocation in the user's text */
    unsigned *tok, *torig; int ntok; /* each token's offset in u->src, and
                                        in the user's text */
} ir_edit;

/* A file-scope object defined in the main file: a saved pointer into it is
 * kept by name (docs/semantics.md G17). */
typedef struct ir_global {
    const char *name;
    int is_static;
} ir_global;

/* A rewrite of user text [b, e) (b == e: an insertion), applied by out.c
 * wherever the text is copied. */
typedef struct ir_subst {
    unsigned b, e;
    const char *text;
} ir_subst;

typedef struct ir_unit {
    const char *path;
    const char *src; unsigned len;
    unsigned *lines; unsigned nlines;  /* offset of each line start */
    ir_func **funcs; int nfuncs, capfuncs;
    ir_callee **callees; int ncallees, capcallees;
    ir_hostcall *hosts; int nhosts, caphosts;
    unsigned *await_marks; int nmarks, capmarks; /* every `await` expansion */
    ir_edit *edits; int nedits;        /* sorted; none if no macro was expanded */
    unsigned *olines; unsigned nolines;/* line starts of the user's text then */
    ir_global *globals; int nglobals, capglobals;
    ir_subst *substs; int nsubsts, capsubsts;
    struct arena *arena;
} ir_unit;

/* ir.c: the arena, growable arrays, line lookup */
void *ir_alloc(ir_unit *u, size_t n);         /* zeroed; exits on OOM */
char *ir_strdup(ir_unit *u, const char *s);
char *ir_strndup(ir_unit *u, const char *s, size_t n);
char *ir_printf(ir_unit *u, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Grow *arr (of elements of size `sz`, count n, capacity *cap) by one slot. */
void *ir_push(void *arr_ptr, int *n, int *cap, size_t sz);
void ir_unit_free(ir_unit *u);
/* Line and column (1-based) of byte offset `off` in the main file. */
void ir_linecol(const ir_unit *u, unsigned off, unsigned *line, unsigned *col);
/* The same in the user's own text (through u->edits): for diagnostics. */
void ir_origin(const ir_unit *u, unsigned off, unsigned *line, unsigned *col);
/* The offset in the user's own text of offset `off` of u->src. */
unsigned ir_origin_offset(const ir_unit *u, unsigned off);
int ir_add_var(ir_unit *u, ir_func *f, const char *name, ir_type *t, unsigned off);
/* n without its parentheses and implicit conversions (same-range wrappers). */
ir_node *ir_strip(ir_node *n);

#endif

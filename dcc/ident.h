/*
 * ident.h — the marks that identify an await across edits of its function
 * (docs/semantics.md, G11): its place in the function's statements and its
 * normalised source text.  emit.c writes them into durable_await.
 */
#ifndef DCC_IDENT_H
#define DCC_IDENT_H

#include "ir.h"

/* "body/for.body/if.else": the statements that enclose await `a` of `f`,
 * outermost first (plain braces are not counted; a switch's statements carry
 * their case labels, "case 2"). */
const char *ident_place(ir_unit *u, const ir_func *f, const ir_await *a);

/* The await's operand as written, without comments and with whitespace kept
 * only between two identifier characters: "step(a,b+1)".  "" when the text
 * is not in the main file (written by a macro). */
const char *ident_text(ir_unit *u, const ir_await *a);

/* `s` as the body of a C string literal. */
const char *ident_c_string(ir_unit *u, const char *s);

#endif

/*
 * lower.h — rewriting one durable function's body into its step function.
 */
#ifndef DCC_LOWER_H
#define DCC_LOWER_H

#include "ir.h"
#include "out.h"

/* Append the body of f's step function (from after its '{' through its '}')
 * to `o`, build f->cfg, decide each await's saved variables and mark frame
 * fields (ir_var.in_frame, .field).  Returns the number of errors reported;
 * the text is not usable if it is not 0. */
int lower_func(ir_unit *u, ir_func *f, ob *o);

#endif

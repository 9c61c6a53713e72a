/*
 * find.h — checks and classification on the IR before lowering.
 */
#ifndef DCC_FIND_H
#define DCC_FIND_H

#include "ir.h"

/* Classify every await, mark the durable functions whose declarations the
 * output needs, and report what dcc refuses.  Returns the number of errors. */
int find_unit(ir_unit *u);

#endif

/*
 * emit.h — writing a translated unit: C (emit.c), Graphviz and JSON (graph.c).
 */
#ifndef DCC_EMIT_H
#define DCC_EMIT_H

#include "ir.h"

#include <stdio.h>

/* Write the translated C of `u` to `out`.  Returns the number of errors
 * (reported on stderr); on errors nothing is written. */
int emit_unit(ir_unit *u, FILE *out);

/* After emit_unit has lowered every durable function: a Graphviz digraph,
 * or a JSON document, describing each one's states and frame. */
void emit_dot(const ir_unit *u, FILE *out);
void emit_json(const ir_unit *u, FILE *out);

#endif

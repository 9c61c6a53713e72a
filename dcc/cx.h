/*
 * cx.h — the libclang front end: parse one file and build its IR.
 */
#ifndef DCC_CX_H
#define DCC_CX_H

#include "ir.h"
#include "translate.h"

/* Parse `path` with `args` (plus -D__DCC__ and dcc's include directory) and
 * fill `u`.  Prints clang's errors (except the durable_call mismatches of
 * host calls, which are recorded in u->hosts).  Returns DCC_OK, DCC_EUSER if
 * the file does not parse cleanly, or DCC_EINTERNAL. */
int cx_parse(ir_unit *u, const char *path, const char *const *args, int nargs);

#endif

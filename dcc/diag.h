/*
 * diag.h — dcc's own diagnostics, in clang's format:
 * `file:line:col: error: message` followed by `note:` lines.
 * Errors are counted so a pass can report several before giving up.
 */
#ifndef DCC_DIAG_H
#define DCC_DIAG_H

#include "ir.h"

#if defined(__GNUC__)
#define DIAG_FMT __attribute__((format(printf, 3, 4)))
#else
#define DIAG_FMT
#endif

/* Report at byte offset `off` of the main file of `u`. */
void diag_error(const ir_unit *u, unsigned off, const char *fmt, ...) DIAG_FMT;
void diag_warning(const ir_unit *u, unsigned off, const char *fmt, ...) DIAG_FMT;
void diag_note(const ir_unit *u, unsigned off, const char *fmt, ...) DIAG_FMT;
/* Errors reported since the last diag_reset(). */
int diag_count(void);
void diag_reset(void);

#endif

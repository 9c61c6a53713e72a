/*
 * main.c — dcc's entry point: its own options, the choice of the real
 * compiler, and the three ways dcc runs.
 *
 *   pass-through  no input mentions durable code: exec the real compiler
 *                 with the user's arguments, untouched (the common case,
 *                 and the one that must cost next to nothing);
 *   translate     some C inputs mention durable code: translate each into a
 *                 private temporary copy, run the real compiler once with
 *                 those copies in place of the originals, repair dependency
 *                 files, remove the copies, and exit with the compiler's
 *                 status;
 *   emit          --emit-c / --emit-dot / --emit-json: print what the
 *                 translator makes of one file.
 *
 * Exit codes: the real compiler's status; 1 when the translator refuses an
 * input (its diagnostics are on stderr); 2 for dcc's own failures.
 *
 * Built with DCC_TRANSLATOR_EXE defined (a program name or path), this is
 * a light dcc without the translator and without libclang, whose loading
 * costs more than everything else dcc does on a pass-through: it execs the
 * compiler itself, and hands every command that needs the translator —
 * unchanged — to that full dcc.  Built without it, dcc does everything.
 *
 * Not for: command-line classification (driver.c), processes and temporary
 * files (driver_proc.c), dependency files (driver_deps.c), the translate
 * and emit modes (driver_translate.c), or anything libclang (behind
 * translate.h).
 */
#define _GNU_SOURCE /* readlink */
#include "driver.h"
#include "translate.h" /* exit codes and emit kinds only */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef DCC_VERSION
#define DCC_VERSION "0.1.0"
#endif

/* dcc's own options (names no C compiler uses). */
typedef struct dcc_opts {
    int keep;             /* --keep: leave <stem>.dcc.c beside the output */
    int emit;             /* --emit-*: print instead of compiling */
    int emit_kind;        /* a dcc_emit_kind */
} dcc_opts;

static void usage(FILE *f)
{
    fputs("usage: dcc [dcc options] [compiler] [compiler arguments...]\n"
          "\n"
          "dcc is a C compiler driver: it translates files that use Durable C\n"
          "(`durable` functions, `await(...)`) and hands everything to the real C\n"
          "compiler.  Files without durable code go to that compiler untouched.\n"
          "\n"
          "  dcc -c foo.c -o foo.o [cc flags]      compile, as cc would\n"
          "  dcc a.o b.c -o prog -ldurable         compile and link\n"
          "  CC=dcc make                           as a drop-in compiler\n"
          "  dcc /usr/bin/cc [cc flags]            as CMAKE_C_COMPILER_LAUNCHER\n"
          "\n"
          "dcc options:\n"
          "  --emit-c FILE [flags]     print the translated C (-o FILE to write it)\n"
          "  --emit-dot FILE [flags]   print a Graphviz graph of each durable function\n"
          "  --emit-json FILE [flags]  print the state table and frame layout as JSON\n"
          "  --keep                    also leave the translated C as <name>.dcc.c\n"
          "                            beside the output\n"
          "  --help                    this text (first argument only)\n"
          "  --version                 dcc's version, then the real compiler's\n"
          "\n"
          "environment:\n"
          "  DCC_CC        the real compiler (words split on spaces); default: the\n"
          "                launcher's compiler argument, else cc\n"
          "  DCC_VERBOSE   when set (not 0), print each command dcc runs to stderr\n"
          "  TMPDIR        where the translated copies are made (default /tmp)\n"
          "\n"
          "exit status: the compiler's; 1 if dcc refuses an input; 2 on dcc errors\n"
          "See docs/dcc.md.\n",
          f);
}

/* If `a` is one of dcc's own options, apply it to o and return 1. */
static int dcc_option(dcc_opts *o, const char *a)
{
    if (strcmp(a, "--keep") == 0)
        o->keep = 1;
    else if (strcmp(a, "--emit-c") == 0)
        o->emit = 1, o->emit_kind = DCC_EMIT_C;
    else if (strcmp(a, "--emit-dot") == 0)
        o->emit = 1, o->emit_kind = DCC_EMIT_DOT;
    else if (strcmp(a, "--emit-json") == 0)
        o->emit = 1, o->emit_kind = DCC_EMIT_JSON;
    else
        return 0;
    return 1;
}

/* Apply and remove dcc's own options among args[0..*n), in place. */
static void take_dcc_options(dcc_opts *o, char **args, int *n)
{
    int w = 0;
    for (int r = 0; r < *n; r++)
        if (!dcc_option(o, args[r]))
            args[w++] = args[r];
    *n = w;
    args[w] = NULL;
}

/* Split $DCC_CC on blanks into a NULL-terminated vector of *n words that
 * point into *storage; the caller frees both. */
static char **split_words(const char *s, int *n, char **storage)
{
    char *copy = *storage = drv_xstrdup(s);
    char **v = drv_xmalloc((strlen(s) / 2 + 2) * sizeof *v);
    int k = 0;
    for (char *tok = strtok(copy, " \t"); tok; tok = strtok(NULL, " \t"))
        v[k++] = tok;
    v[k] = NULL;
    *n = k;
    return v;
}

#ifdef DCC_TRANSLATOR_EXE
/* The light dcc: run the full one, found next to this executable (or as
 * DCC_TRANSLATOR_EXE itself when that is a path, or on PATH), with our own
 * argv.  Returns only on failure. */
static int hand_over(char **argv)
{
    const char *name = DCC_TRANSLATOR_EXE;
    char *path = NULL;
    if (!strchr(name, '/')) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            char *dir = drv_dirname(exe);
            path = drv_xasprintf("%s/%s", dir, name);
            free(dir);
            if (access(path, X_OK) != 0) {
                free(path);
                path = NULL;
            }
        }
    }
    char *const prog = path ? path : (char *)name;
    argv[0] = prog;
    drv_trace("translate", argv);
    fflush(NULL);
    execvp(prog, argv);
    fprintf(stderr, "dcc: error: cannot run the translator '%s': %s\n", prog, strerror(errno));
    free(path);
    return DCC_EINTERNAL;
}
#endif

/* Everything that needs the translator: --emit-* (emit_kind >= 0) or the
 * translate mode for the inputs marked in want[]. */
static int translator(char **argv, const drv_cmd *cmd, int emit_kind, char **cc, int ncc,
                      const int *want, int nwant, int keep)
{
#ifdef DCC_TRANSLATOR_EXE
    (void)cmd, (void)emit_kind, (void)cc, (void)ncc, (void)want, (void)nwant, (void)keep;
    return hand_over(argv);
#else
    (void)argv;
    if (emit_kind >= 0)
        return drv_emit(cmd, emit_kind);
    return drv_translate_and_compile(cc, ncc, cmd, want, nwant, keep);
#endif
}

/* `dcc --version`: ours, then the real compiler's. */
static int print_version(char **cc, int ncc)
{
    printf("dcc (Durable C) %s\n", DCC_VERSION);
    fflush(stdout);
    char **argv = drv_xmalloc((size_t)(ncc + 2) * sizeof *argv);
    memcpy(argv, cc, (size_t)ncc * sizeof *argv);
    argv[ncc] = "--version";
    argv[ncc + 1] = NULL;
    int status = drv_run(argv);
    free(argv);
    return status == -1 ? DCC_EINTERNAL : drv_exit_status(status);
}

int main(int argc, char **argv)
{
    if (getenv("DCC_RUNNING")) {
        fputs("dcc: error: the C compiler dcc runs is dcc itself "
              "(check DCC_CC, CC and the compiler launcher)\n",
              stderr);
        return DCC_EINTERNAL;
    }
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return DCC_OK;
    }
    int version_only = argc == 2 && strcmp(argv[1], "--version") == 0;

    /* dcc [dcc options] [wrapper] [compiler] args... */
    dcc_opts o = {0, 0, DCC_EMIT_C};
    int i = 1;
    while (i < argc && dcc_option(&o, argv[i]))
        i++;
    char **cc = NULL;
    int ncc = 0;
    int first = i;
    if (i < argc && (drv_is_compiler_wrapper(argv[i]) || drv_is_compiler(argv[i]))) {
        first = i + 1;
        if (drv_is_compiler_wrapper(argv[i]) && first < argc && drv_is_compiler(argv[first]))
            first++;
        cc = &argv[i];
        ncc = first - i;
    }
    const char *env_cc = getenv("DCC_CC");
    char **env_words = NULL, *env_storage = NULL;
    if (env_cc && *env_cc) {
        env_words = split_words(env_cc, &ncc, &env_storage);
        if (ncc == 0) {
            fputs("dcc: error: DCC_CC is blank\n", stderr);
            free(env_words);
            free(env_storage);
            return DCC_EINTERNAL;
        }
        cc = env_words;
    } else if (!cc) {
        static char *default_cc[] = {"cc", NULL};
        cc = default_cc;
        ncc = 1;
    }

    /* The compiler's arguments, with dcc options written among them taken
     * out.  Built in a fresh vector: the prefix (cc) may point into argv. */
    int nargs = argc - first;
    char **args = drv_xmalloc((size_t)(nargs + ncc + 1) * sizeof *args);
    char **cc_args = args; /* [cc..., args...] for exec */
    memcpy(cc_args, cc, (size_t)ncc * sizeof *cc_args);
    args = cc_args + ncc;
    memcpy(args, argv + first, (size_t)nargs * sizeof *args);
    args[nargs] = NULL;
    take_dcc_options(&o, args, &nargs);

    int rc;
    drv_cmd cmd;
    if (version_only) {
        rc = print_version(cc, ncc);
    } else if (drv_cmd_parse(&cmd, nargs, args) < 0) {
        rc = DCC_EINTERNAL;
    } else {
        if (o.emit) {
            rc = translator(argv, &cmd, o.emit_kind, NULL, 0, NULL, 0, 0);
        } else {
            /* The pre-filter: which C inputs mention durable code at all. */
            int *want = drv_xmalloc((size_t)(cmd.ninputs + 1) * sizeof *want);
            int nwant = 0;
            for (int k = 0; k < cmd.ninputs; k++) {
                want[k] = cmd.inputs[k].is_c && cmd.stage != DRV_STAGE_DEPS &&
                          drv_mentions_durable(cmd.inputs[k].path);
                nwant += want[k];
            }
            if (nwant == 0) {
                /* Pass-through: the user's own arguments (response files
                 * unexpanded), untouched.  Returns only on failure. */
                drv_exec(cc_args);
                rc = DCC_EINTERNAL;
            } else {
                rc = translator(argv, &cmd, -1, cc, ncc, want, nwant, o.keep);
            }
            free(want);
        }
        drv_cmd_free(&cmd);
    }
    free(cc_args);
    free(env_words);
    free(env_storage);
    return rc;
}

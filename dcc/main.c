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
 * Not for: command-line classification (driver.c), processes and temporary
 * files (driver_proc.c), dependency files (driver_deps.c), or anything
 * libclang (the translator, behind translate.h).
 */
#define _GNU_SOURCE /* readlink */
#include "driver.h"
#include "translate.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DCC_VERSION
#define DCC_VERSION "0.1.0"
#endif

/* dcc's own options (names no C compiler uses). */
typedef struct dcc_opts {
    int keep;             /* --keep: leave <stem>.dcc.c beside the output */
    int emit;             /* --emit-*: print instead of compiling */
    dcc_emit_kind emit_kind;
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

/* Where durable.h is, for translated files (searched last, -idirafter):
 * next to an installed dcc (<prefix>/bin/../include), else the source tree
 * dcc was built from, else the configured install directory; NULL if none
 * exists. */
static const char *durable_include_dir(void)
{
    static char found[PATH_MAX + 32];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    struct stat st;
    if (n > 0) {
        exe[n] = '\0';
        char *bin = drv_dirname(exe);
        snprintf(found, sizeof found, "%s/../include", bin);
        free(bin);
        char *h = drv_xasprintf("%s/durable.h", found);
        int ok = stat(h, &st) == 0;
        free(h);
        if (ok)
            return found;
    }
    static const char *const dirs[] = {
#ifdef DCC_BUILD_INCLUDE_DIR
        DCC_BUILD_INCLUDE_DIR,
#endif
#ifdef DCC_INSTALL_INCLUDE_DIR
        DCC_INSTALL_INCLUDE_DIR,
#endif
        NULL};
    for (const char *const *d = dirs; *d; d++) {
        char *h = drv_xasprintf("%s/durable.h", *d);
        int ok = **d && stat(h, &st) == 0;
        free(h);
        if (ok)
            return *d;
    }
    return NULL;
}

/* The translator's parse flags for one input: the user's, then -x c for a
 * C file without a .c suffix, then durable.h's directory (searched last).
 * Returns a malloc'd vector; *n its length. */
static const char **parse_args_for(const drv_cmd *cmd, const drv_input *in, const char *incdir,
                                   int *n)
{
    const char **v = drv_xmalloc((size_t)(cmd->nparse + 4) * sizeof *v);
    int k = 0;
    for (int i = 0; i < cmd->nparse; i++)
        v[k++] = cmd->parse_args[i];
    size_t len = strlen(in->path);
    if (len < 2 || strcmp(in->path + len - 2, ".c") != 0) {
        v[k++] = "-x";
        v[k++] = "c";
    }
    if (incdir) {
        v[k++] = "-idirafter";
        v[k++] = incdir;
    }
    *n = k;
    return v;
}

/* Copy the file at `from` to stream `to`.  0 or -1 (message on stderr). */
static int copy_to(const char *from, FILE *to)
{
    FILE *f = fopen(from, "rb");
    if (!f) {
        fprintf(stderr, "dcc: error: cannot read %s: %s\n", from, strerror(errno));
        return -1;
    }
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, got, to);
    int bad = ferror(f) || ferror(to);
    fclose(f);
    if (bad) {
        fprintf(stderr, "dcc: error: cannot copy %s\n", from);
        return -1;
    }
    return 0;
}

/* --emit-*: translate the one input to stdout (or -o).  Returns the exit
 * code. */
static int run_emit(const dcc_opts *o, const drv_cmd *cmd)
{
    if (cmd->ninputs != 1 || strcmp(cmd->inputs[0].path, "-") == 0) {
        fprintf(stderr, "dcc: error: --emit-%s needs exactly one input file\n",
                o->emit_kind == DCC_EMIT_DOT ? "dot" : o->emit_kind == DCC_EMIT_JSON ? "json" : "c");
        return DCC_EUSER;
    }
    const drv_input *in = &cmd->inputs[0];
    int nargs;
    const char **args = parse_args_for(cmd, in, durable_include_dir(), &nargs);
    dcc_translate_opts t = {in->path, args, nargs};

    FILE *out = stdout;
    if (cmd->output && strcmp(cmd->output, "-") != 0) {
        out = fopen(cmd->output, "w");
        if (!out) {
            fprintf(stderr, "dcc: error: cannot write %s: %s\n", cmd->output, strerror(errno));
            free(args);
            return DCC_EUSER;
        }
    }
    int changed = 0;
    int rc = dcc_translate_as(&t, o->emit_kind, out, &changed);
    if (rc == DCC_OK && !changed && o->emit_kind == DCC_EMIT_C && copy_to(in->path, out) < 0)
        rc = DCC_EUSER;
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "dcc: error: cannot write the output: %s\n", strerror(errno));
        rc = DCC_EINTERNAL;
    }
    if (out != stdout && fclose(out) != 0 && rc == DCC_OK)
        rc = DCC_EINTERNAL;
    if (rc != DCC_OK && out != stdout)
        unlink(cmd->output);
    free(args);
    return rc;
}

/* --keep: where to leave the translated copy of `in`: the output's
 * directory (for -c, -S, -E with -o and one input) or the current one,
 * named <stem>.dcc.c. */
static char *keep_path(const drv_cmd *cmd, const drv_input *in)
{
    const char *base = drv_basename(in->path);
    size_t stem = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        stem = (size_t)(dot - base);
    char *dir = cmd->output && cmd->stage != DRV_STAGE_LINK && cmd->ninputs == 1
                    ? drv_dirname(cmd->output)
                    : drv_xstrdup(".");
    char *p = strcmp(dir, ".") == 0 ? drv_xasprintf("%.*s.dcc.c", (int)stem, base)
                                    : drv_xasprintf("%s/%.*s.dcc.c", dir, (int)stem, base);
    free(dir);
    return p;
}

static int write_copy(const char *from, const char *to)
{
    FILE *f = fopen(to, "w");
    if (!f) {
        fprintf(stderr, "dcc: error: cannot write %s: %s\n", to, strerror(errno));
        return -1;
    }
    int rc = copy_to(from, f);
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

/* One input that was translated into a temporary copy. */
typedef struct subst {
    int argi;          /* position in cmd->args */
    const char *orig;  /* the user's path */
    const char *tmp;   /* the copy that is compiled instead */
} subst;

/* The translate mode.  `want[i]` says input i mentions durable code.
 * Returns the exit code (or does not return when the compiler is killed
 * by a signal: dcc then dies from the same one). */
static int run_translate(const dcc_opts *o, char **cc, int ncc, const drv_cmd *cmd, const int *want,
                         int nwant)
{
    if (drv_tmp_open(nwant + 1) < 0) /* + 1: captured -E output */
        return DCC_EINTERNAL;
    const char *incdir = durable_include_dir();
    subst *subs = drv_xmalloc((size_t)nwant * sizeof *subs);
    int nsubs = 0, rc = DCC_OK;

    for (int i = 0; i < cmd->ninputs; i++) {
        if (!want[i])
            continue;
        const drv_input *in = &cmd->inputs[i];
        const char *tmp = drv_tmp_path(drv_basename(in->path));
        if (!tmp) {
            rc = DCC_EINTERNAL;
            break;
        }
        FILE *out = fopen(tmp, "w");
        if (!out) {
            fprintf(stderr, "dcc: error: cannot create %s: %s\n", tmp, strerror(errno));
            rc = DCC_EINTERNAL;
            break;
        }
        int nargs, changed = 0;
        const char **args = parse_args_for(cmd, in, incdir, &nargs);
        dcc_translate_opts t = {in->path, args, nargs};
        int r = dcc_translate(&t, out, &changed);
        free(args);
        if (fclose(out) != 0 && r == DCC_OK) {
            fprintf(stderr, "dcc: error: cannot write %s: %s\n", tmp, strerror(errno));
            r = DCC_EINTERNAL;
        }
        if (r != DCC_OK) {
            if (r > rc)
                rc = r; /* go on: report every refused input in one run */
            continue;
        }
        if (!changed)
            continue;
        subs[nsubs++] = (subst){in->argi, in->path, tmp};
        if (o->keep) {
            char *kp = keep_path(cmd, in);
            if (write_copy(tmp, kp) < 0)
                rc = DCC_EINTERNAL;
            free(kp);
        }
    }
    if (rc != DCC_OK) {
        free(subs);
        drv_tmp_cleanup();
        return rc;
    }

    /* The command: the compiler, then for each translated copy the
     * original's directory first in the quote-include search (so
     * #include "x.h" next to the original still resolves), durable.h's
     * directory last, debug-info paths mapped back to the original's
     * directory, then the user's arguments with the copies in place. */
    char **argv = drv_xmalloc((size_t)(ncc + 4 * nsubs + 5 + cmd->nargs + 1) * sizeof *argv);
    char **owned = drv_xmalloc((size_t)(2 * nsubs + 1) * sizeof *owned);
    int k = 0, nowned = 0;
    for (int i = 0; i < ncc; i++)
        argv[k++] = cc[i];
    for (int s = 0; s < nsubs; s++) {
        argv[k++] = "-iquote";
        argv[k++] = owned[nowned++] = drv_dirname(subs[s].orig);
        if (cmd->debug) {
            /* <tmp>/<n>/foo.c -> dir/foo.c (or foo.c), as the user wrote it */
            char *tdir = drv_dirname(subs[s].tmp);
            const char *slash = strrchr(subs[s].orig, '/');
            argv[k++] = owned[nowned++] =
                slash ? drv_xasprintf("-fdebug-prefix-map=%s=%.*s", tdir,
                                      (int)(slash - subs[s].orig), subs[s].orig)
                      : drv_xasprintf("-fdebug-prefix-map=%s/=", tdir);
            free(tdir);
        }
    }
    if (incdir) {
        argv[k++] = "-idirafter";
        argv[k++] = (char *)incdir;
    }
    for (int i = 0; i < cmd->nargs; i++) {
        char *a = cmd->args[i];
        for (int s = 0; s < nsubs; s++)
            if (subs[s].argi == i)
                a = (char *)subs[s].tmp;
        argv[k++] = a;
    }
    /* -E to standard output: capture it, to fix its line markers. */
    const char *captured = NULL;
    if (cmd->stage == DRV_STAGE_PREPROCESS && !cmd->output && cmd->ninputs == 1 && nsubs == 1) {
        captured = drv_tmp_path("stdout.i");
        if (!captured) {
            free(owned);
            free(argv);
            free(subs);
            drv_tmp_cleanup();
            return DCC_EINTERNAL;
        }
        argv[k++] = "-o";
        argv[k++] = (char *)captured;
    }
    argv[k] = NULL;

    if (nsubs == 0) {
        /* The translator found nothing to change: nothing to clean up
         * after the compiler either, so become it. */
        drv_tmp_cleanup();
        drv_exec(argv);
        free(owned);
        free(argv);
        free(subs);
        return DCC_EINTERNAL;
    }
    int status = drv_run(argv);
    if (status == -1) {
        rc = DCC_EINTERNAL;
    } else {
        for (int s = 0; s < nsubs; s++)
            if (drv_deps_fix(cmd, subs[s].orig, subs[s].tmp) < 0)
                rc = DCC_EINTERNAL;
        if (captured) {
            if (drv_markers_fix(captured, subs[0].orig, subs[0].tmp, stdout) < 0)
                rc = DCC_EINTERNAL;
        } else if (cmd->stage == DRV_STAGE_PREPROCESS && cmd->output &&
                   strcmp(cmd->output, "-") != 0) {
            for (int s = 0; s < nsubs; s++)
                if (drv_markers_fix(cmd->output, subs[s].orig, subs[s].tmp, NULL) < 0)
                    rc = DCC_EINTERNAL;
        }
    }
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    free(subs);
    if (rc != DCC_OK) {
        drv_tmp_cleanup();
        return rc;
    }
    drv_tmp_cleanup();
    return drv_exit_status(status);
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
            rc = run_emit(&o, &cmd);
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
                rc = run_translate(&o, cc, ncc, &cmd, want, nwant);
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

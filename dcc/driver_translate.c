/*
 * driver_translate.c — the translate and emit modes: the only part of the
 * driver that calls the translator (translate.h).  For each input that
 * mentions durable code: translate it into a private copy, run the real
 * compiler once with the copies in place of the originals, and make what
 * the compiler wrote (dependency files, -E output) name the originals.
 *
 * Not for: deciding whether to translate (main.c, the pre-filter in
 * driver.c), processes and temporary files (driver_proc.c), the text
 * rewriting itself (driver_deps.c), or libclang (behind translate.h).
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

int drv_emit(const drv_cmd *cmd, int kind)
{
    if (cmd->ninputs != 1 || strcmp(cmd->inputs[0].path, "-") == 0) {
        fprintf(stderr, "dcc: error: --emit-%s needs exactly one input file\n",
                kind == DCC_EMIT_DOT ? "dot" : kind == DCC_EMIT_JSON ? "json" : "c");
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
    int rc = dcc_translate_as(&t, (dcc_emit_kind)kind, out, &changed);
    if (rc == DCC_OK && !changed && kind == DCC_EMIT_C && copy_to(in->path, out) < 0)
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

int drv_translate_and_compile(char **cc, int ncc, const drv_cmd *cmd, const int *want, int nwant,
                              int keep)
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
        if (keep) {
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


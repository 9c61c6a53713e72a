/*
 * dcc_emit.c — a test-only front end to the translator: translate one file
 * with dcc_translate_as and print the result, without the compiler-wrapper
 * driver.  Usage: dcc_emit [--dot|--json] [-o OUT] FILE [clang flags...]
 * With -o, OUT is written only when translation succeeds.
 * Exit status: the translator's (0, 1 user error, 2 internal); a file with
 * no durable code is printed unchanged.
 */
#include "translate.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    dcc_emit_kind kind = DCC_EMIT_C;
    const char *outpath = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--dot"))
            kind = DCC_EMIT_DOT;
        else if (!strcmp(argv[i], "--json"))
            kind = DCC_EMIT_JSON;
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            outpath = argv[++i];
        else
            break;
    }
    if (i >= argc) {
        fputs("usage: dcc_emit [--dot|--json] [-o OUT] FILE [clang flags...]\n", stderr);
        return 2;
    }
    dcc_translate_opts o = {argv[i], (const char *const *)argv + i + 1, argc - i - 1};
    int changed = 0;
    FILE *out = stdout;
    char tmp[4096];
    if (outpath) {
        snprintf(tmp, sizeof tmp, "%s.tmp", outpath);
        out = fopen(tmp, "wb");
        if (!out) {
            perror(tmp);
            return 2;
        }
    }
    int rc = dcc_translate_as(&o, kind, out, &changed);
    if (rc == DCC_OK && !changed && kind == DCC_EMIT_C) {
        FILE *f = fopen(argv[i], "rb");
        char buf[4096];
        size_t n;
        if (!f)
            return 2;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, out);
        fclose(f);
    }
    if (outpath) {
        if (fclose(out) != 0 && rc == DCC_OK)
            rc = DCC_EINTERNAL;
        if (rc == DCC_OK && rename(tmp, outpath) != 0)
            rc = DCC_EINTERNAL;
        if (rc != DCC_OK)
            remove(tmp);
    }
    return rc;
}

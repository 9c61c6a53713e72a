/*
 * driver_proc.c — private temporary files, signal-safe cleanup, and running
 * the real compiler (fork/execvp, no shell).
 *
 * Invariant: every path dcc may create is registered here before it is
 * created, so a cleanup — at normal exit, on error, or from a signal
 * handler — can remove all of them.  The cleanup uses only unlink and rmdir
 * on strings built beforehand, so it is async-signal-safe.
 *
 * Not for: deciding what to run (main.c) or parsing command lines (driver.c).
 */
#define _GNU_SOURCE /* mkdtemp, pipe2 */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Temporary files
 * ---------------------------------------------------------------------- */

static char *tmp_root;                 /* <TMPDIR>/dcc-XXXXXX, or NULL */
static char **tmp_files;               /* registered file paths */
static char **tmp_dirs;                /* registered slot directories */
static int tmp_cap;
static volatile sig_atomic_t tmp_nfiles, tmp_ndirs, tmp_root_made;
static volatile pid_t child_pid;       /* the compiler being waited for */

/* Signals that stop a build: forwarded to the compiler, then we clean up. */
static const int handled_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
enum { NSIGNALS = sizeof handled_signals / sizeof handled_signals[0] };
/* Faults of dcc itself (say, inside libclang): clean up, never forward. */
static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
enum { NFAULTS = sizeof fault_signals / sizeof fault_signals[0] };

void drv_tmp_cleanup(void)
{
    for (int i = tmp_nfiles; i-- > 0;)
        unlink(tmp_files[i]);
    tmp_nfiles = 0;
    for (int i = tmp_ndirs; i-- > 0;)
        rmdir(tmp_dirs[i]);
    tmp_ndirs = 0;
    if (tmp_root_made)
        rmdir(tmp_root);
    tmp_root_made = 0;
}

/* Forward the signal to a running compiler, remove our files, and die from
 * the same signal so the parent (make, ninja) sees what happened. */
static void on_signal(int sig)
{
    if (child_pid > 0)
        kill(child_pid, sig);
    drv_tmp_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* A fault in dcc: remove our files, then fault again with the default
 * action (the signal is re-raised once the handler returns), so the crash
 * and its core dump stay what they were. */
static void on_fault(int sig)
{
    drv_tmp_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* A directory for the files: $TMPDIR unless its name holds a character
 * that dependency files escape inconsistently between compilers. */
static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    if (!t || !*t || strpbrk(t, " \t\n#$:\\%*?[]\"'") != NULL)
        return "/tmp";
    return t;
}

int drv_tmp_open(int nfiles)
{
    if (tmp_root)
        return 0;
    tmp_cap = nfiles > 0 ? nfiles : 1;
    tmp_files = drv_xmalloc((size_t)tmp_cap * sizeof *tmp_files);
    tmp_dirs = drv_xmalloc((size_t)tmp_cap * sizeof *tmp_dirs);
    const char *base = tmp_base();
    size_t len = strlen(base);
    while (len > 1 && base[len - 1] == '/')
        len--;
    tmp_root = drv_xasprintf("%.*s/dcc-XXXXXX", (int)len, base);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NSIGNALS; i++) {
        struct sigaction old;
        /* A signal ignored by our parent (nohup, a background job) stays
         * ignored, as it would for the compiler. */
        if (sigaction(handled_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(handled_signals[i], &sa, NULL);
    }
    sa.sa_handler = on_fault;
    for (int i = 0; i < NFAULTS; i++)
        sigaction(fault_signals[i], &sa, NULL);

    drv_signals_block(1); /* between mkdtemp and the flag, a signal would leak it */
    int made = mkdtemp(tmp_root) != NULL;
    int err = errno;
    tmp_root_made = made;
    drv_signals_block(0);
    if (!made) {
        fprintf(stderr, "dcc: error: cannot create a temporary directory in %s: %s\n", base,
                strerror(err));
        return -1;
    }
    return 0;
}

const char *drv_tmp_path(const char *basename)
{
    if (!tmp_root_made || tmp_ndirs >= tmp_cap) {
        fputs("dcc: internal error: temporary file slots exhausted\n", stderr);
        return NULL;
    }
    char *dir = drv_xasprintf("%s/%d", tmp_root, (int)tmp_ndirs);
    tmp_dirs[tmp_ndirs] = dir;
    tmp_ndirs = tmp_ndirs + 1; /* registered before it exists */
    if (mkdir(dir, 0700) != 0) {
        fprintf(stderr, "dcc: error: cannot create %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    char *file = drv_xasprintf("%s/%s", dir, basename);
    tmp_files[tmp_nfiles] = file;
    tmp_nfiles = tmp_nfiles + 1;
    return file;
}

/* ------------------------------------------------------------------------
 * Processes
 * ---------------------------------------------------------------------- */

void drv_signals_block(int on)
{
    static sigset_t saved; /* the mask before the critical section */
    if (on) {
        sigset_t set;
        sigemptyset(&set);
        for (int i = 0; i < NSIGNALS; i++)
            sigaddset(&set, handled_signals[i]);
        sigprocmask(SIG_BLOCK, &set, &saved);
    } else {
        sigprocmask(SIG_SETMASK, &saved, NULL);
    }
}

int drv_verbose(void)
{
    const char *v = getenv("DCC_VERBOSE");
    return v && *v && strcmp(v, "0") != 0;
}

static void put_quoted(const char *s, FILE *f)
{
    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                        "-_./=+,:@%") == strlen(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

void drv_trace(const char *what, char *const argv[])
{
    if (!drv_verbose())
        return;
    fprintf(stderr, "dcc: %s:", what);
    for (int i = 0; argv[i]; i++) {
        fputc(' ', stderr);
        put_quoted(argv[i], stderr);
    }
    fputc('\n', stderr);
}

/* Marks the environment of every compiler dcc runs, so a real compiler
 * that turns out to be dcc itself is caught instead of recursing. */
static void mark_environment(void)
{
    setenv("DCC_RUNNING", "1", 1);
}

void drv_exec(char *const argv[])
{
    drv_trace("exec", argv);
    mark_environment();
    fflush(NULL);
    execvp(argv[0], argv);
    fprintf(stderr, "dcc: error: cannot run the C compiler '%s': %s\n", argv[0], strerror(errno));
}

int drv_run(char *const argv[])
{
    drv_trace("run", argv);
    mark_environment();
    fflush(NULL);

    /* Block our signals across fork so the child never runs on_signal
     * (which would delete the parent's files); the child restores the
     * default actions before exec, the parent once child_pid is set. */
    sigset_t block, old;
    sigemptyset(&block);
    for (int i = 0; i < NSIGNALS; i++)
        sigaddset(&block, handled_signals[i]);
    sigprocmask(SIG_BLOCK, &block, &old);

    /* exec failures come back through a close-on-exec pipe. */
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "dcc: error: pipe: %s\n", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < NSIGNALS; i++) {
            struct sigaction cur;
            if (sigaction(handled_signals[i], NULL, &cur) == 0 && cur.sa_handler == on_signal)
                signal(handled_signals[i], SIG_DFL);
        }
        for (int i = 0; i < NFAULTS; i++)
            signal(fault_signals[i], SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(fds[0]);
        execvp(argv[0], argv);
        int e = errno;
        ssize_t w = write(fds[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    int fork_errno = errno;
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        sigprocmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "dcc: error: fork: %s\n", strerror(fork_errno));
        return -1;
    }
    child_pid = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);

    int exec_errno = 0;
    ssize_t got;
    do
        got = read(fds[0], &exec_errno, sizeof exec_errno);
    while (got < 0 && errno == EINTR);
    close(fds[0]);

    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "dcc: error: waitpid: %s\n", strerror(errno));
            child_pid = 0;
            return -1;
        }
    }
    child_pid = 0;
    if (got == (ssize_t)sizeof exec_errno) {
        fprintf(stderr, "dcc: error: cannot run the C compiler '%s': %s\n", argv[0],
                strerror(exec_errno));
        return -1;
    }
    return status;
}

int drv_exit_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        drv_tmp_cleanup();
        fflush(NULL);
        signal(sig, SIG_DFL);
        raise(sig);
        return 128 + sig;
    }
    return 2;
}

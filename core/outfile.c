// outfile.c: see outfile.h.
#define _XOPEN_SOURCE 700 // realpath
#include "outfile.h"

#include <errno.h>     // errno
#include <signal.h>    // sigaction, sigprocmask, raise
#include <stdbool.h>   // bool
#include <stdio.h>     // fdopen, fopen, rename
#include <stdlib.h>    // free, mkstemp, realpath, atexit
#include <string.h>    // strlen, strerror
#include <sys/stat.h>  // stat, lstat, fchmod, umask
#include <unistd.h>    // unlink, close

#include "util.h" // util_die_input, util_die, util_cleanup, mallocCheck

static outfile *pending; // outputs opened and not yet committed or discarded
static const int signals[] = {SIGINT, SIGTERM, SIGHUP};

// Unlinks every pending temporary file and forgets them (a program that goes on after a fatal
// error, as a fuzz target does, may open the same outfile again): only async-signal-safe calls,
// for the signal handler.
static void remove_pending(void)
{
    for (outfile *o = pending; o; o = o->next)
        if (o->tmp)
            unlink(o->tmp);
    pending = NULL;
}

static void on_signal(int sig)
{
    remove_pending();
    signal(sig, SIG_DFL);
    raise(sig);
}

// Installed once, at the first open: the exit and fatal-error hooks, and the signal handlers. They
// replace what a library installed before (SimGrid's SIGINT handler dumps every actor's state and
// then crashes in its exit handlers: a stopped run should end with its signal, and nothing left).
static void install_cleanup(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    util_cleanup = remove_pending;
    if (atexit(remove_pending) != 0)
        util_die("atexit failed");
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        if (sigaction(signals[i], &sa, NULL) != 0)
            util_die("sigaction: %s", strerror(errno));
    }
}

// The list is changed with the handled signals blocked, so the handler never sees it half-made.
static void block_signals(bool block)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&set, signals[i]);
    if (sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL) != 0)
        util_die("sigprocmask: %s", strerror(errno));
}

static void unlist(outfile *o)
{
    block_signals(true);
    for (outfile **p = &pending; *p; p = &(*p)->next)
        if (*p == o) {
            *p = o->next;
            break;
        }
    block_signals(false);
}

// What the output path is: false for "write through it" (FIFO, character device), true for
// "replace it" (absent or a regular file); anything else is refused. *target is the path to
// replace, a link's target when path is a symbolic link.
static bool replaceable(const char *path, char **target)
{
    struct stat st, lst;
    *target = NULL;
    if (lstat(path, &lst) != 0) {
        if (errno != ENOENT)
            util_die_input("cannot write %s: %s", path, strerror(errno));
        *target = strdup(path);
        if (*target == NULL)
            util_die("out of memory");
        return true;
    }
    if (stat(path, &st) != 0)
        util_die_input("cannot write %s: %s", path,
                       errno == ENOENT ? "a symbolic link to nothing" : strerror(errno));
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
        return false;
    if (S_ISDIR(st.st_mode))
        util_die_input("cannot write %s: it is a folder", path);
    if (!S_ISREG(st.st_mode))
        util_die_input("cannot write %s: not a regular file, a FIFO or a character device", path);
    if (S_ISLNK(lst.st_mode)) {
        *target = realpath(path, NULL);
        if (*target == NULL)
            util_die_input("cannot write %s: %s", path, strerror(errno));
    } else if ((*target = strdup(path)) == NULL) {
        util_die("out of memory");
    }
    return true;
}

void outfile_open(outfile *o, const char *path)
{
    install_cleanup();
    *o = (outfile){0};
    char *target;
    if (!replaceable(path, &target)) {
        o->f = fopen(path, "w");
        if (o->f == NULL)
            util_die_input("cannot write %s: %s", path, strerror(errno));
        o->path = mallocCheck(strlen(path) + 1);
        strcpy(o->path, path);
        return;
    }
    o->path = target;
    size_t n = strlen(target) + sizeof ".tmp.XXXXXX";
    o->tmp = mallocCheck(n);
    snprintf(o->tmp, n, "%s.tmp.XXXXXX", target);
    block_signals(true);
    int fd = mkstemp(o->tmp);
    if (fd >= 0) {
        o->next = pending;
        pending = o;
    }
    block_signals(false);
    if (fd < 0)
        util_die_input("cannot write %s: %s", path, strerror(errno));
    mode_t mask = umask(0); // mkstemp makes 0600; give the file what fopen would
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0)
        util_die("chmod %s: %s", o->tmp, strerror(errno));
    o->f = fdopen(fd, "w");
    if (o->f == NULL)
        util_die("fdopen %s: %s", o->tmp, strerror(errno));
}

// Closes o's stream, checking every write; exits 1 on an error (the cleanup then removes every
// pending temporary file).
static void finish(outfile *o)
{
    errno = 0;
    const int flushed = fflush(o->f), why = errno; // what is still buffered: the reason, if any
    const int bad = ferror(o->f);
    if (fclose(o->f) != 0 || bad || flushed != 0)
        util_die("writing %s failed%s%s", o->path, why ? ": " : "", why ? strerror(why) : "");
    o->f = NULL;
}

// Puts a finished output in place: its temporary file renamed over its path.
static void install(outfile *o)
{
    if (o->tmp && rename(o->tmp, o->path) != 0)
        util_die("cannot rename %s to %s: %s", o->tmp, o->path, strerror(errno));
    unlist(o);
    free(o->path);
    free(o->tmp);
}

void outfile_commit(outfile *o)
{
    finish(o);
    install(o);
}

void outfile_commit_all(outfile *const o[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        finish(o[i]);
    for (size_t i = 0; i < n; i++)
        install(o[i]);
}

void outfile_discard(outfile *o)
{
    fclose(o->f);
    o->f = NULL;
    if (o->tmp)
        unlink(o->tmp);
    unlist(o);
    free(o->path);
    free(o->tmp);
}

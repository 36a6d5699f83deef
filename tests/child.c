// child.c: see child.h.
#define _POSIX_C_SOURCE 200809L
#include "child.h"

#include <setjmp.h>   // jmp_buf, needed by cmocka.h
#include <stdarg.h>   // va_list, needed by cmocka.h
#include <stdio.h>    // printf, fflush
#include <stdlib.h>   // exit
#include <string.h>   // strchr, strlen, strncmp
#include <sys/wait.h> // waitpid, WIFEXITED, WEXITSTATUS
#include <unistd.h>   // fork, pipe, dup2, read, close

#include <cmocka.h> // assert_*, fail_msg

int child_run(void (*fn)(const void *arg), const void *arg, char *err, size_t errlen)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout); // nothing buffered may be written twice
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        fn(arg);
        exit(0);
    }
    close(fds[1]);
    size_t used = 0;
    ssize_t got;
    while (used < errlen - 1 && (got = read(fds[0], err + used, errlen - 1 - used)) > 0)
        used += (size_t)got;
    err[used] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void child_expect_input_error(void (*fn)(const void *arg), const void *arg, const char *prefix,
                              char *err, size_t errlen)
{
    int status = child_run(fn, arg, err, errlen);
    printf("# status %d: %s", status, err);
    assert_int_equal(status, 2);
    size_t len = strlen(err);
    assert_true(len > 0 && err[len - 1] == '\n');
    assert_ptr_equal(strchr(err, '\n'), err + len - 1); // one line
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("the error line does not start with '%s'", prefix);
}

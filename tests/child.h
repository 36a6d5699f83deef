// child.h: the cmocka tests' way to check an input error. The toolkit reports one with
// util_die_input, which prints one line and exits the process with status 2, so the call under
// test runs in a child process whose stderr is captured.
//
//   static void load(const void *arg) { mnist_set s; mnist_load(&s, arg, "train"); }
//   char err[1024];
//   child_expect_input_error(load, dir, "test_mnist: ", err, sizeof err);  // then check err
#ifndef DASO_TESTS_CHILD_H
#define DASO_TESTS_CHILD_H

#include <stddef.h> // size_t

// Runs fn(arg) in a child process (which exits 0 if fn returns); returns the child's exit status
// (-1 if it did not exit) and what it wrote on stderr, as a string of at most errlen - 1 bytes.
int child_run(void (*fn)(const void *arg), const void *arg, char *err, size_t errlen);

// child_run, then asserts status 2 and exactly one stderr line starting with `prefix` (left in
// err for further checks).
void child_expect_input_error(void (*fn)(const void *arg), const void *arg, const char *prefix,
                              char *err, size_t errlen);

#endif

// fuzz.h: what the libFuzzer targets of tests/fuzz/ share (built and run by `make fuzz`, smoke-run
// by tests/test_fuzz.sh). Each target, tests/fuzz/fuzz_NAME.c, writes the fuzzer's bytes into a
// file and hands its path to one of the toolkit's parsers, as the programs do:
//
//   static void parse(void *path) { double loss[4]; losscurve_read(path, 4, loss); }
//   int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
//   {
//       const char *path = fuzz_write("loss.txt", data, size);
//       fuzz_run(parse, (void *)path);
//       return 0;
//   }
//
// The parsers end the process on bad input (util_die_input: exit 2) and on internal failures
// (util_die: exit 1), both through the hook util_exit of core/util.h. fuzz_run() points that hook
// at a longjmp back into itself, so a refused input ends the parse instead of the fuzzer, and
// then releases what the parse left behind, which a process that exits never has to: the streams
// it opened (fopen, open_memstream; a target may register others, e.g. zlib's, with
// fuzz_opened) are closed and the memory it allocated is freed (seen through the sanitizer's
// allocation hooks). So every input starts from the same state, memory does not grow over a long
// run, and LeakSanitizer still checks what a successful parse leaves.
//
// The streams are seen by linking with -Wl,--wrap=fopen,--wrap=fclose,--wrap=open_memstream (the
// Makefile's FUZZ_WRAP; fuzz_mnist.c adds zlib's gzopen and gzclose_r the same way): only the fuzz
// build does this; the programs are not changed. The harness is compiled without coverage, so
// that its bookkeeping does not count as the parsers' code.
#ifndef DASO_TESTS_FUZZ_H
#define DASO_TESTS_FUZZ_H

#include <stddef.h> // size_t
#include <stdint.h> // uint8_t

// Runs parse(arg) with util_die_input and util_die returning here (quietly: util_quiet) and
// returns the exit status the program would have had: 0 when parse returned, else 2 (bad input)
// or 1 (internal failure), after closing the streams and freeing the memory that parse left.
int fuzz_run(void (*parse)(void *arg), void *arg);

// This process's folder for fuzz inputs: a new folder under $TMPDIR, else under /dev/shm when
// there is one (files there cost microseconds, not the milliseconds of a disk), else under /tmp;
// removed at exit.
const char *fuzz_dir(void);

// The path `name` in fuzz_dir(). The string stays valid (one per name, at most 16 names).
const char *fuzz_path(const char *name);

// Writes size bytes into fuzz_path(name), replacing what was there, and returns that path.
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);

// Cuts data at each occurrence of the line `sep` (the separator with its newline) into at most
// max parts (the last one keeps the rest): part[i], len[i]. Returns how many parts there are
// (>= 1; parts missing at the end are empty). For targets whose parser reads several files.
size_t fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **part,
                  size_t *len, size_t max);

// Registers a handle that parse opened and that fuzz_run must close if parse ends in an error;
// fuzz_closed() forgets it again (call both from --wrap wrappers of the open and close calls).
void fuzz_opened(void *handle, void (*close)(void *handle));
void fuzz_closed(void *handle);

#endif

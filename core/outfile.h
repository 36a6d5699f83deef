// outfile.h: output files that are either complete or absent, and that never destroy what their
// path names. outfile_open checks the path before any work is done (a folder, a socket, a block
// device, a dangling link or a path that cannot be inspected: one line, exit 2); a regular file,
// or an absent one, is written to a temporary file of its own next to it ("<path>.tmp.XXXXXX",
// mkstemp: two runs with the same output never share one) and renamed over it by outfile_commit
// only when the run finished, so an interrupted or failed run never leaves a half-written CSV or
// trace behind. A symbolic link is followed: the link stays and its target is replaced. A FIFO or a
// character device (/dev/stdout, /dev/null) is written through directly, on purpose.
//
// Temporary files of outputs not yet committed are removed by outfile_discard, on every fatal
// error (util_die*, through util_cleanup), at exit, and on SIGINT, SIGTERM and SIGHUP (which then
// end the process as they would have).
//
//   outfile o; outfile_open(&o, "run.csv"); fprintf(o.f, ...); outfile_commit(&o);
//   outfile *both[] = {&csv, &trace}; outfile_commit_all(both, 2); // outputs that go together
#ifndef DASO_OUTFILE_H
#define DASO_OUTFILE_H

#include <stdio.h> // FILE

typedef struct outfile {
    FILE *f;              // write here
    char *path;           // final name (a link's target)
    char *tmp;            // name while being written; NULL when writing through (FIFO, device)
    struct outfile *next; // the outputs not yet committed
} outfile;

void outfile_open(outfile *o, const char *path); // exits 2 when path cannot be an output
void outfile_commit(outfile *o); // flush, check every write, rename; exits 1 on error
// The outputs of one result committed together: every one flushed and checked before any is
// renamed, so that a write error in one leaves none of them (exit 1).
void outfile_commit_all(outfile *const o[], size_t n);
void outfile_discard(outfile *o); // remove the temporary file

#endif

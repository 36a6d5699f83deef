// outfile.h: output files that are either complete or absent. Everything is written to
// "<path>.tmp" and renamed over <path> only when the run finished, so an interrupted or failed run
// never leaves a half-written CSV or trace behind.
//
//   outfile o; outfile_open(&o, "run.csv"); fprintf(o.f, ...); outfile_commit(&o);
#ifndef DASO_OUTFILE_H
#define DASO_OUTFILE_H

#include <stdio.h> // FILE

typedef struct {
    FILE *f;    // write here
    char *path; // final name
    char *tmp;  // name while being written
} outfile;

void outfile_open(outfile *o, const char *path); // exits 2 when the directory is not writable
void outfile_commit(outfile *o);                 // flush, check every write, rename; exits 1 on error
void outfile_discard(outfile *o);                // remove the temporary file

#endif

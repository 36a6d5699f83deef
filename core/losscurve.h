// losscurve.h: reads the per-epoch training loss that drives DASO's epoch logic when no real
// training runs (daso-plan --loss-file, daso-sim --loss-curve). Two formats are accepted:
//   - one number per line ('#' lines and blank lines are skipped);
//   - a per-epoch CSV written by daso-train or daso-sim: a '#' header naming the columns, and the
//     column `train_loss` is read.
#ifndef DASO_LOSSCURVE_H
#define DASO_LOSSCURVE_H

// Reads exactly `need` losses into out[0..need). Missing file, too few values or a value that is
// not a finite number: util_die_input() with the file name and line (exit 2).
void losscurve_read(const char *path, int need, double *out);

#endif

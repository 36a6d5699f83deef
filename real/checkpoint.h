// checkpoint.h: per-rank checkpoints of a daso-train run, written after every epoch, so that
// `--resume` finishes with exactly the result of an uninterrupted run. A rank's file holds what
// that rank alone knows: the scheduler's state (identical on every rank), the run's totals, the
// parameters, the optimizer's momentum (never communicated, so different on every rank) and, on
// rank 0, the CSV rows written so far.
//
// Files: DIR/rank<r>.ckpt, replaced atomically (write, fsync, rename); the previous one is kept
// as DIR/rank<r>.prev, so that a job killed while some ranks had written epoch k and others not
// resumes from epoch k - 1 on every rank.
#ifndef DASO_CHECKPOINT_H
#define DASO_CHECKPOINT_H

#include <stdbool.h> // bool
#include <stddef.h>  // size_t
#include <stdint.h>  // uint64_t

#include "backend.h"   // driver_result
#include "scheduler.h" // sched

typedef struct {
    sched s;              // scheduler state at the start of the next epoch (s.epoch)
    driver_result res;    // totals so far
    float *params, *velocity; // n each, owned by the caller
    size_t n;
    const char *settings; // the run's settings, "name=value" lines (cli_fingerprint): a
                          // checkpoint of other settings is refused, naming the first that differs
    char *rows;           // CSV rows so far (rank 0; malloc'd, may be NULL)
} checkpoint;

void checkpoint_save(const char *dir, int rank, const checkpoint *c);

// Loads DIR/rank<r>.ckpt (prev = false) or DIR/rank<r>.prev (true) into c (params and velocity
// must hold c->n floats; the saved scheduler's configuration pointers are replaced by cfg).
// Returns false when the file does not exist; a damaged file or one of another run exits 2.
bool checkpoint_load(const char *dir, int rank, bool prev, const sched_config *cfg,
                     checkpoint *c);

// A 64-bit hash of len bytes (FNV-1a): daso-train's parameter hash.
uint64_t checkpoint_hash(const void *p, size_t len);

#endif

// driver.h: the one training loop, shared by the simulator, the real backend and the tests. For
// every epoch and batch it asks the scheduler for the plan, executes it through the backend,
// records events, and at each epoch's end feeds the world-averaged loss to the epoch logic and
// writes one CSV row (rank 0).
//
//   sched s; sched_init(&s, &cfg);                  // or a scheduler restored from a checkpoint
//   driver_output out = {.csv = f, .breakdown = NULL, .progress = true};
//   driver_result r = {0};                            // or the totals restored with it
//   driver_run(&be, &s, &ev, &out, &r);               // runs epochs s.epoch .. cfg.epochs - 1
#ifndef DASO_DRIVER_H
#define DASO_DRIVER_H

#include <stdbool.h> // bool
#include <stdio.h>   // FILE

#include "backend.h" // backend
#include "events.h"  // events
#include "scheduler.h"   // sched_config

typedef struct {
    FILE *csv;       // per-epoch rows (rank 0; NULL: none)
    FILE *breakdown; // per-batch time breakdown of rank 0 (NULL: none)
    bool progress;   // a progress line on stderr (rank 0)
} driver_output;

// The CSV header line (with '#') shared by every program that writes per-epoch rows. time_s is
// the epoch's training time, elapsed_s the training time so far (test evaluation excluded);
// compute/local_comm/global_wait are seconds per rank (mean over ranks), bytes are summed over
// ranks; gs ls S the DASO schedule of the epoch (0 0 0 for the baselines).
void driver_csv_header(FILE *f);

// The values each rank passes to the backend's stats_sum at every epoch's end: compute,
// local_comm and global_wait seconds, local and global bytes. A backend that buffers the sums
// sizes its buffer with this.
#define DRIVER_STATS 5

void driver_run(const backend *be, sched *s, events *ev, const driver_output *out,
                driver_result *res);

#endif

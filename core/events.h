// events.h: what happened on one rank, and when. Every compute, node-local communication,
// global communication wait, merge and broadcast is an event with a start and end time (the
// backend's clock: simulated or wall seconds) and the bytes it sent. Events are folded on the fly
// into per-batch and per-epoch sums (the CSV columns) and, when a trace is open, streamed into a
// Chrome trace-event JSON file (open it in Perfetto or chrome://tracing): one track per GPU, the
// same format from sim and real so the two can be laid side by side.
#ifndef DASO_EVENTS_H
#define DASO_EVENTS_H

#include <stdio.h> // FILE

typedef enum {
    EV_COMPUTE, // forward, backward, optimizer step
    EV_LOCAL,   // node-local gradient averaging and parameter broadcasts
    EV_GLOBAL,  // time blocked in communication between nodes (send, wait, merge, world collectives)
    EV_N
} event_cat;

// A Chrome trace file shared by the ranks of one process (the simulator) or owned by one rank.
typedef struct {
    FILE *f;
    long n; // events written
} trace;

void trace_begin(trace *t, FILE *f); // writes the JSON head
void trace_end(trace *t);            // writes the JSON tail (the caller closes f)
// Names the track of a rank: process "node <n>", thread "gpu <g>".
void trace_name_rank(trace *t, int rank, int gpus_per_node);

typedef struct {
    int rank, gpus_per_node;
    trace *trace; // NULL: no trace
    double batch_s[EV_N], epoch_s[EV_N];
    double epoch_bytes_local, epoch_bytes_global;
    int epoch, batch; // attached to trace events
} events;

void events_init(events *ev, int rank, int gpus_per_node, trace *t);
void events_add(events *ev, event_cat cat, const char *name, double t0, double t1,
                double bytes_local, double bytes_global);
void events_start_batch(events *ev, int epoch, int batch); // clears the batch sums
void events_start_epoch(events *ev, int epoch);            // clears the epoch sums

#endif

// global_msg.h: DASO's global message on the host, shared by the CPU and GPU backends. The
// parameters are checked for NaN (HeAT stops there too), packed in the message format, and summed
// over the group by one MPI_Iallreduce per chunk of at most chunk_elems elements (the remainder
// first, as HeAT); the chunks progress while the next batches compute (global_msg_progress
// between batches) and are merged when the schedule says so.
//
//   global_msg g; global_msg_init(&g, n);
//   global_msg_start(&g, params, FMT_FP32, 10000000, group, "epoch 3 batch 4");
//   ... global_msg_progress(&g); ...
//   global_msg_finish(&g, params, w_local, w_sum);   // params := w_local*params + w_sum*sum
#ifndef DASO_GLOBAL_MSG_H
#define DASO_GLOBAL_MSG_H

#include <stddef.h> // size_t

#include <mpi.h> // MPI_Comm, MPI_Request

#include "floatfmt.h" // floatfmt

typedef struct {
    size_t n;          // parameters
    void *buf;         // the packed message (up to 4n bytes), summed in place
    floatfmt fmt;
    MPI_Request *reqs; // one per chunk
    int n_reqs, cap;   // in flight, allocated
} global_msg;

void global_msg_init(global_msg *g, size_t n);
void global_msg_free(global_msg *g);

// Starts the sum of x over comm; `where` names the batch in the NaN message. One message at a
// time: a second start before finish is an internal error.
void global_msg_start(global_msg *g, const float *x, floatfmt fmt, size_t chunk_elems,
                      MPI_Comm comm, const char *where);
void global_msg_progress(global_msg *g); // MPI_Testall on the chunks in flight, if any
void global_msg_finish(global_msg *g, float *x, double w_local, double w_sum);

#endif

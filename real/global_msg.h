// global_msg.h: DASO's global message on the host, shared by the CPU and GPU backends. The
// parameters are checked for NaN (HeAT stops there too), packed in the message format, and summed
// over the group in chunks of at most chunk_elems elements (the remainder first, as HeAT); the
// chunks progress while the next batches compute (global_msg_progress between batches, and
// between slices of charged compute under emulation) and are merged when the schedule says so.
// Two algorithms sum a chunk:
//   - GLOBAL_IALLREDUCE: one MPI_Iallreduce per chunk; what the MPI library does (the default);
//   - GLOBAL_RING: a ring allreduce on point-to-point messages (n - 1 reduce-scatter steps, then
//     n - 1 allgather steps, each an MPI_Isend to the right and an MPI_Irecv from the left, tagged
//     with the chunk's index), advanced by every completed exchange at each progress call; the
//     chunks' rings run side by side, also while finishing. Under SimGrid's SMPI this is
//     the faithful choice: SMPI 3.32 implements MPI_Iallreduce as every rank sending its whole
//     buffer to every other (and corrupts in-place sums beyond a few thousand elements).
// Both leave bitwise identical sums on every member; they may differ from each other in the last
// bits where the sum's order matters (more than two members).
//
// The ring also serves the node-local gradient average under emulation: waiting for one ring
// (global_msg_wait) advances another one in flight, as an MPI library's progress engine would.
//
//   global_msg g; global_msg_init(&g, n, GLOBAL_RING);
//   global_msg_start(&g, params, FMT_FP32, 10000000, group, "the global sync of epoch 3 batch 4");
//   ... global_msg_progress(&g); ...
//   global_msg_finish(&g, params, w_local, w_sum);   // params := w_local*params + w_sum*sum
#ifndef DASO_GLOBAL_MSG_H
#define DASO_GLOBAL_MSG_H

#include <stdbool.h> // bool
#include <stddef.h>  // size_t

#include <mpi.h> // MPI_Comm, MPI_Request

#include "floatfmt.h" // floatfmt

typedef enum { GLOBAL_IALLREDUCE, GLOBAL_RING } global_algo;

// The algorithms' names, indexed by global_algo, NULL-terminated (daso-train's
// --global-allreduce).
extern const char *const global_algo_names[];

// The ring allreduce of one chunk.
typedef struct {
    size_t off, len;     // elements of the message
    int step;            // exchanges done, of 2 (n - 1)
    MPI_Request *req;    // the exchange in flight: receive, send (2 of global_msg's reqs)
    void *tmp;           // the received segment, before it is added (in global_msg's tmp)
} global_ring;

typedef struct {
    size_t n;            // parameters
    global_algo algo;
    void *buf;           // the packed message (up to 4n bytes), summed in place
    floatfmt fmt;
    MPI_Comm comm;       // the group of the message in flight
    int members, me;     // its size and this rank's place
    MPI_Datatype type;   // of fmt on the wire, and its sum
    MPI_Op op;
    MPI_Request *reqs;   // one per chunk (GLOBAL_IALLREDUCE) or two (GLOBAL_RING)
    global_ring *rings;  // GLOBAL_RING: one per chunk
    int n_chunks, cap;   // in flight (0: none), allocated
    void *tmp;           // GLOBAL_RING: every ring's receive space, kept between messages
    size_t tmp_bytes;    // allocated
} global_msg;

void global_msg_init(global_msg *g, size_t n, global_algo algo);
void global_msg_free(global_msg *g);

// Starts the sum of x over comm. `where` names the message and batch in the error when x holds
// a NaN (HeAT checks the parameters before a global sync too); NULL skips that check (the
// node-local gradient average, every batch: the global sync's check catches a divergence). One
// message at a time: a second start before the wait or finish is an internal error.
void global_msg_start(global_msg *g, const float *x, floatfmt fmt, size_t chunk_elems,
                      MPI_Comm comm, const char *where);
void global_msg_progress(global_msg *g); // advances the chunks in flight, if any, without waiting
bool global_msg_in_flight(const global_msg *g);
// Completes the sum (then in g->buf, in the message format), advancing `also` (another message,
// or NULL) whenever one of g's exchanges completes.
void global_msg_wait(global_msg *g, global_msg *also);
// global_msg_wait, then x := w_local * x + w_sum * sum (merge_apply).
void global_msg_finish(global_msg *g, float *x, double w_local, double w_sum);

#endif

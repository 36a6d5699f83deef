// daso.h: the scheduling core as a library, build/libdasocore.so (`make install` puts it, this
// header and daso.pc in PREFIX): the plans of DASO and of its baselines, batch by batch, for a
// training program in any language (python/daso_torch reads them through ctypes). It is the
// scheduler of daso-plan, daso-sim and daso-train, configured with their option names, so every
// hyperparameter and quirk is set the same way everywhere (docs/DASO.md).
//
//   const char *args[] = {"train", "--nodes", "2", "--gpus-per-node", "2", "--last-batch", "99",
//                         "--epochs", "10", "--staleness-weight", "2"};
//   char err[512];
//   daso_config *cfg = daso_config_new(11, args, err, sizeof err);
//   if (cfg == NULL) { fprintf(stderr, "%s\n", err); exit(2); } // "train: --staleness-...: ..."
//   daso_sched *s = daso_sched_new(cfg);                         // one per rank (process)
//   for (int e = 0; e < 10; e++) {
//       daso_plan p;
//       do {
//           daso_sched_next(s, node, local_rank, &p, err, sizeof err);
//           // backward with p.grad (p.grad_fmt), optimizer step, then p.act[0 .. p.n_actions)
//           // in order: those with .mine set are this rank's to execute
//       } while (!p.last);
//       daso_epoch next;
//       daso_sched_epoch_end(s, world_averaged_loss, &next, err, sizeof err);
//   }
//   size_t n = daso_state_size(s); // checkpoints: daso_state_save(s, buf, n), and on resume
//                                  // daso_state_load(s, buf, n, err, sizeof err)
//   daso_sched_free(s);
//   daso_config_free(cfg);
//
// Ranks are node-contiguous: rank = node * G + local_rank for N nodes of G GPUs (one process
// per GPU). The global group C_g is local rank g of every node (ranks g, G + g, ..., (N-1)G + g);
// a node's ranks are node * G .. node * G + G - 1. The plans are the same on every rank (so every
// collective matches); only the fields that name the rank asked for (mine, root, node, rank)
// differ.
//
// Errors: a function that can fail takes err and errlen (err may be NULL) and writes ONE line
// there, "<argv[0]>: <message>" as a program prints it, without newline; it returns NULL or -1
// and changes nothing. The library never prints and never ends the process. daso_config_new is
// not thread-safe (it parses with getopt_long, whose state it saves and restores); the other
// functions are safe on distinct objects. Structs are plain C types, fixed in layout for a given
// DASO_ABI_VERSION (sizes in the comments): a reader checks daso_abi_version() against the
// version it was written for.
#ifndef DASO_H
#define DASO_H

#include <stddef.h> // size_t
#include <stdint.h> // int32_t, int64_t

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define DASO_API __attribute__((visibility("default")))
#else
#define DASO_API
#endif

#define DASO_VERSION "1.0.0" // the library's version (daso.pc's)
#define DASO_ABI_VERSION 1   // changes with any change of a struct or a signature (the soname's)

// The version of the library loaded ("1.0.0") and its ABI version (DASO_ABI_VERSION as built).
DASO_API const char *daso_version(void);
DASO_API int daso_abi_version(void);

// ----------------------------------------------------------------------------
// configuration

typedef struct daso_config daso_config;

// Parses argv[1 .. argc) as the programs parse their options ("--name value" or "--name=value",
// an option given twice takes its last value), argv[0] being the program's name for error
// lines. Required: --nodes N, --gpus-per-node G, --last-batch L (batches per epoch - 1) and
// --epochs E; optional: a fixed DASO schedule (--global-skip, --local-skip and
// --batches-to-wait together, daso-plan's first form: no epoch logic) and every option of the
// programs' "Strategy, DASO hyperparameters and baseline settings" (--strategy, --warmup-epochs,
// ..., daso_config_help lists them with their defaults). Every value is checked here: NULL and
// the first problem in err ("train: unknown option '--epoch' (did you mean --epochs?) (see
// --help)"); --help and -h are refused too (daso_config_help gives the text).
DASO_API daso_config *daso_config_new(int argc, const char *const *argv, char *err,
                                      size_t errlen);
DASO_API void daso_config_free(daso_config *cfg); // NULL: nothing

// The options' help text, defaults included, as --help prints it. These text functions write at
// most len bytes, NUL included, and return the length the whole text needs (as snprintf).
DASO_API size_t daso_config_help(char *buf, size_t len);
// Every setting that changes the plans, "name=value" lines as parsed (the programs' settings
// fingerprint, shape included): what a checkpoint must match.
DASO_API size_t daso_config_settings(const daso_config *cfg, char *buf, size_t len);
// The programs' warning when warm-up and cool-down make every epoch of a DASO run blocking
// ("warning: with --warmup-epochs 4 and --cooldown-epochs 4, all 8 epochs are blocking: ..."),
// one line without the program's name; "" (length 0) when there is none.
DASO_API size_t daso_config_warning(const daso_config *cfg, char *buf, size_t len);

typedef struct {                // 56 bytes
    char strategy[16];          // "daso", "sync", "hier" or "localsgd", NUL-terminated
    int32_t nodes, gpus_per_node;
    int32_t last_batch, epochs;
    int32_t fixed;              // 1: a fixed (gs, ls, S) schedule without epoch logic
    int32_t all_blocking;       // 1: every epoch's global syncs are blocking (the warning's case)
    int64_t chunk_elems;        // --chunk-elems: the most elements of one global message
    double bucket_bytes;        // --bucket-mb in bytes: fusion bucket of GRAD_WORLD (sync)
} daso_info;

DASO_API void daso_config_info(const daso_config *cfg, daso_info *out);

// ----------------------------------------------------------------------------
// plans

enum { // gradient reduction in a batch's backward (daso_plan.grad)
    DASO_GRAD_NONE = 0,  // none: each GPU steps on its own gradients
    DASO_GRAD_NODE = 1,  // average over the node's ranks
    DASO_GRAD_WORLD = 2, // average over all ranks, bucketed (Horovod/DDP)
    DASO_GRAD_HIER = 3,  // hierarchical: node reduce-scatter, allreduce across, node allgather
};
enum { // actions after the local optimizer step (daso_action.kind)
    DASO_ACT_SEND = 0,      // group g: start a non-blocking sum of the parameters (format fmt)
    DASO_ACT_MERGE = 1,     // group g: wait for that sum, x := w_local * x + w_sum * sum
    DASO_ACT_AVG = 2,       // group g: wait for the sum just sent, x := w_sum * sum (w_local 0)
    DASO_ACT_BCAST = 3,     // every node: broadcast the parameters from its local rank g
    DASO_ACT_WORLD_AVG = 4, // every rank: blocking average of the parameters (format fmt)
};
enum { DASO_FMT_FP32 = 0, DASO_FMT_BF16 = 1, DASO_FMT_FP16 = 2 }; // message formats

#define DASO_MAX_ACTIONS 8

typedef struct {         // 48 bytes
    int32_t kind;        // DASO_ACT_*
    int32_t group;       // g (SEND, MERGE, AVG: the group C_g; BCAST: the root's local rank); -1
                         // for WORLD_AVG
    int32_t tag;         // B: batches from the send to its merge (SEND, MERGE), else 0
    int32_t fmt;         // DASO_FMT_* of the message (SEND, WORLD_AVG), else fp32
    int32_t mine;        // 1 when the rank asked for takes part: SEND, MERGE, AVG when its local
                         // rank is g; BCAST and WORLD_AVG always
    int32_t root;        // BCAST: the rank that broadcasts to this rank's node, node * G + g;
                         // else -1
    int64_t chunk_elems; // SEND: messages of at most this many elements, the remainder chunk
                         // first (HeAT's order); else 0
    double w_local;      // MERGE, AVG: the weights of the merge x := w_local * x + w_sum * sum,
    double w_sum;        // the sum being over the N members of the group; else 0
} daso_action;

typedef struct {          // 424 bytes
    int32_t epoch, batch; // the batch this plan is for
    int32_t node, local_rank, rank; // the rank asked for (rank = node * G + local_rank)
    int32_t grad;         // DASO_GRAD_*
    int32_t grad_fmt;     // DASO_FMT_* of the gradients' messages (WORLD, HIER)
    int32_t blocking;     // 1 when this epoch's global syncs are blocking (DASO with gs = 0)
    int32_t last;         // 1 on the epoch's last batch: daso_sched_epoch_end comes next
    int32_t n_actions;    // act[0 .. n_actions), in the order they must run
    daso_action act[DASO_MAX_ACTIONS];
} daso_plan;

// The trace line of a plan as daso-plan prints it (docs/DASO.md section 8, without newline):
// "2 1 on merge g0 B1; bcast g0". -1 for a plan that is not one (a kind or count out of range).
DASO_API int daso_plan_format(const daso_plan *p, char *buf, size_t len);

// ----------------------------------------------------------------------------
// the scheduler

typedef struct daso_sched daso_sched;

typedef struct {          // 32 bytes
    int32_t epoch;        // the current epoch: planned next, or whose end is due
    int32_t batch;        // the batch planned next (last_batch + 1 while the epoch's end is due)
    int32_t gs, ls, S;    // DASO's schedule of the epoch (0 0 0 for the baselines)
    int32_t blocking;     // 1 when its global syncs are blocking (DASO with gs = 0)
    int32_t end_due;      // 1 when every batch is planned and daso_sched_epoch_end comes next
    int32_t done;         // 1 when every epoch has ended (epoch = epochs)
} daso_epoch;

// A scheduler at the start of the run (its own copy of cfg: cfg may be freed); NULL when out of
// memory.
DASO_API daso_sched *daso_sched_new(const daso_config *cfg);
DASO_API void daso_sched_free(daso_sched *s); // NULL: nothing

// The plan of the next batch for the rank (node, local_rank), and the scheduler moves on. -1
// when the rank is outside the run, when the epoch's end is due, or when the run is over.
DASO_API int daso_sched_next(daso_sched *s, int node, int local_rank, daso_plan *out, char *err,
                             size_t errlen);

// After the epoch's last batch: the epoch logic with the training loss averaged over all ranks
// (the same value on every rank; NaN counts as no progress, as in the programs). The next
// epoch's schedule goes to *next (may be NULL). -1 when the epoch has batches left to plan or the
// run is over.
DASO_API int daso_sched_epoch_end(daso_sched *s, double loss, daso_epoch *next, char *err,
                                  size_t errlen);
DASO_API void daso_sched_epoch(const daso_sched *s, daso_epoch *out); // where s is now

// ----------------------------------------------------------------------------
// the scheduler's state, for checkpoints

// The state as bytes: a format version, the settings (daso_config_settings) and the position
// and DASO state, in a fixed little-endian layout, the same on every rank. daso_state_save
// writes daso_state_size(s) bytes into buf (-1 when len is smaller); daso_state_load puts a
// saved state into s, a scheduler of the same settings: -1 for bytes that are not a state of
// this format version, are damaged, or come from other settings (the first one named), s
// unchanged. A loaded scheduler plans what the saved one would have planned next.
DASO_API size_t daso_state_size(const daso_sched *s);
DASO_API int daso_state_save(const daso_sched *s, void *buf, size_t len);
DASO_API int daso_state_load(daso_sched *s, const void *buf, size_t len, char *err,
                             size_t errlen);

#ifdef __cplusplus
}
#endif

#endif

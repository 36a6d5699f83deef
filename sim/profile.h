// profile.h: model profiles of the simulator. A profile is a small text file (sim/models/*.profile,
// format in sim/models/README.md) that says what one training workload costs on one GPU: the
// parameter count (what is communicated), the per-GPU batch and data-set size (batches per
// epoch), the forward, backward and optimizer time of one per-GPU batch on a reference GPU, and
// a default per-epoch training-loss curve that drives DASO's epoch logic when no real loss is
// given.
//
//   profile p;
//   profile_load(&p, "resnet50", "sim/models");   // or a path: "my/model.profile"
//   int L = profile_epoch_of(&p, nodes * gpus_per_node, false).batches - 1;
//   double t = p.forward_s * p.ref_gpu_flops / host_speed;   // compute time on a platform host
//   double loss = profile_loss(&p, epoch);
//
// Every problem with a profile is user input: one line on stderr and exit status 2.
#ifndef DASO_PROFILE_H
#define DASO_PROFILE_H

#include <stdbool.h> // bool

typedef struct {
    char name[64];          // short name used by --model (one word)
    char description[256];  // one line of free text
    char ref_gpu[64];       // the GPU the times are for (one word)
    char precision[16];     // "tf32", "amp" or "fp32": what the times assume
    double params;          // trainable parameters (whole number >= 1)
    double samples_per_gpu; // samples per GPU per batch (whole number >= 1)
    double dataset_size;    // training samples per epoch (whole number >= 1)
    double epochs;          // epochs of a full run (whole number in [1, INT_MAX])
    double ref_gpu_flops;   // FP32 peak of ref_gpu, flop/s; times scale by ref_gpu_flops / speed
    double forward_s;       // forward time of one per-GPU batch on ref_gpu, seconds (> 0)
    double backward_s;      // backward time of one per-GPU batch, seconds (> 0)
    double optimizer_s;     // optimizer step per batch, seconds (>= 0; 0: folded into backward_s)
    double loss_start;      // default loss curve: loss(e) = floor + (start - floor) * exp(-e / tau)
    double loss_floor;      // >= 0 and < loss_start
    double loss_tau;        // epochs, > 0
} profile;

// Loads a profile into *p. `name_or_path` is a path when it contains '/' or ends in ".profile";
// otherwise it is a model name, read from <dir>/<name>.profile (dir is used only for names; it
// may be NULL with a path). Every key is required exactly once and unknown keys are rejected
// (rules in sim/models/README.md). Any problem: util_die_input("<file>:<line>: <problem>")
// (exit 2); an unknown model name gives one line that lists the models available in dir.
void profile_load(profile *p, const char *name_or_path, const char *dir);

// Where model names are looked up: $DASO_MODELS, else sim/models next to the build folder of
// the running program, else the installed share/daso/models, else "sim/models".
const char *profile_default_dir(void);

// The default training loss of epoch `epoch` (0-based): loss_floor + (loss_start - loss_floor) *
// exp(-epoch / loss_tau); loss(0) = loss_start.
double profile_loss(const profile *p, int epoch);

// Makes *p's batch `samples` per GPU (a whole number >= 1): forward_s and backward_s scale
// linearly in the samples (times samples / samples_per_gpu), optimizer_s does not (a step over
// the parameters). More than INT_MAX batches per epoch on one GPU: util_die_input (exit 2).
void profile_set_batch(profile *p, double samples);

// One epoch on every GPU, as PyTorch's loaders make it.
typedef struct {
    int batches;         // batches per epoch (>= 1)
    double last_samples; // samples of the last one (samples_per_gpu when it is full)
} profile_epoch;

// The epoch of `world` GPUs (>= 1) sharing the data set. Without drop_last, as
// DistributedSampler(drop_last=False) with DataLoader(drop_last=False): every GPU gets
// ceil(dataset_size / world) samples (the sampler pads by repeating some), in
// ceil(ceil(dataset_size / world) / samples_per_gpu) batches, the last holding what is left.
// With drop_last, as both with drop_last=True: floor(dataset_size / (samples_per_gpu * world))
// full batches, at least 1 (GPUs with fewer samples than a batch still run one full batch).
profile_epoch profile_epoch_of(const profile *p, int world, bool drop_last);

#endif

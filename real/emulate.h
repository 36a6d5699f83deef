// emulate.h: what daso-train-smpi adds to daso-train. daso-train-smpi is the same program built
// with SimGrid's smpicc and run by smpirun (through build/daso-emulate): its MPI calls are
// simulated on a platform file while its computation runs for real, so the numerics are those of
// a real run and the times those of the simulated cluster.
//
// Compute is charged honestly: SMPI runs every rank's computation on this host one after another,
// and daso-emulate switches off SMPI's charging of that host time (smpi/simulate-computation:no).
// Instead each batch charges the modelled GPU's time from a model profile (sim/models, the same
// numbers daso-sim uses): forward, backward and optimizer seconds of one per-GPU batch, executed
// as seconds x ref_gpu_flops flops on the rank's simulated host, as daso-sim charges them. The
// forward and backward seconds are scaled by --batch-size / the profile's samples_per_gpu
// (profile_set_batch, as daso-sim --batch-size); the optimizer's are not. Forward and backward
// are charged in slices with the global message advanced in between, as a GPU computes while
// the network works.
//
// Every rank of an SMPI run lives in one process, so the data set is read once and shared.
// daso-train-smpi's defaults differ from daso-train's in two places: DASO's global message and
// the node-local gradient average both use the point-to-point ring of global_msg.h (SMPI's
// MPI_Iallreduce is an all-to-all, and only the toolkit's own ring advances while the rank waits
// in the other collective).
//
//   emulate_options eo = EMULATE_DEFAULTS;
//   emulate_cli(&parser, &eo);                  // before cli_parse
//   emulate_setup(&eo, &mpi_setup);             // after --model and --batch-size are known
//   emulate_load(&train, dir, "train", 60000);   // instead of mnist_load_limit
#ifndef DASO_EMULATE_H
#define DASO_EMULATE_H

#include "cli.h"         // cli
#include "mnist.h"       // mnist_set
#include "mpi_backend.h" // mpi_setup

typedef struct {
    const char *profile; // model profile of the compute (NULL: fashion_<model>)
    int slices;          // pieces of a batch's forward-backward charge
} emulate_options;

#define EMULATE_DEFAULTS ((emulate_options){.profile = NULL, .slices = 16})

// Adds the emulation options over o to daso-train's parser.
void emulate_cli(cli *p, emulate_options *o);

// Loads the profile (an input error exits 2) and sets ms's charge, times and slices.
void emulate_setup(const emulate_options *o, mpi_setup *ms);

// mnist_load_limit, once per simulation: the first rank reads, the others share its arrays
// (which stay until the simulation ends: no mnist_free).
void emulate_load(mnist_set *s, const char *dir, const char *prefix, int max_n);

#endif

// scheduler.h: the scheduling core. A scheduler owns the configuration of a run (shape, strategy
// and every DASO hyperparameter of docs/DASO.md section 5) and produces one plan per batch. It is
// the only place where DASO's decisions are made; sim/ and real/ execute them.
//
//   sched_config c; sched_config_defaults(&c);       // HeAT's defaults
//   c.nodes = 4; c.gpus_per_node = 4; c.last_batch = 17; c.epochs = 90;
//   sched s; sched_init(&s, &c);                      // validates c (exit 2 on bad values)
//   for each epoch: for each batch: { plan_batch p; sched_plan(&s, &p); execute p; }
//                   sched_epoch_end(&s, world_averaged_loss);
//
// Deterministic, allocation-free and rank-invariant: the same configuration and losses give the
// same plans on every rank, so collectives always match.
#ifndef DASO_SCHEDULER_H
#define DASO_SCHEDULER_H

#include <stdbool.h> // bool
#include <stdio.h>   // FILE

#include "cli.h"     // cli
#include "plan.h"    // plan_batch
#include "plateau.h" // plateau

typedef enum { DOWNCAST_BLOCKING, DOWNCAST_ALWAYS, DOWNCAST_NEVER } sched_downcast;

typedef struct {
    // shape of the run
    const char *strategy; // "daso" | "sync" | "hier" | "localsgd"
    int nodes;            // N
    int gpus_per_node;    // G (>= 2 for daso)
    int last_batch;       // L = batches per epoch - 1
    int epochs;           // total epochs (cool-down counts back from here)

    // DASO hyperparameters (HeAT defaults in sched_config_defaults)
    int warmup_epochs, cooldown_epochs, max_global_skips;
    double stability_level;
    int plateau_patience, plateau_cooldown;
    plateau_mode plateau_mode;
    plateau_threshold plateau_threshold_mode;
    int skip_reduction_factor, local_skip_factor, first_global_skip;
    double staleness_weight;
    long chunk_elems;
    sched_downcast downcast; // when 16-bit global messages are used (HeAT: blocking phases only)
    floatfmt downcast_fmt;   // which 16-bit format
    bool true_staleness;     // weight a merge by the batches really waited, not by the tag B
    bool extra_bcast;        // HeAT's broadcast from the previous sender at every send step

    // fixed schedule: (gs, ls, S) given and never changed by the epoch logic (daso-plan's first form)
    bool fixed;
    int fixed_gs, fixed_ls, fixed_S;

    // baselines
    floatfmt sync_fmt;         // gradient format of sync/hier (fp16 = Horovod's fp16 compression)
    double bucket_bytes;       // fusion bucket of sync (Horovod 64 MB in 2021 versions)
    int localsgd_period;       // H: blocking parameter average every H batches (and at epoch end)
    int localsgd_warmup_epochs; // synchronous (sync) epochs before local SGD starts (post-local SGD)
} sched_config;

typedef struct sched sched;

// One strategy: a table of functions. Adding a strategy is one new file defining such a table
// and one line in scheduler.c's list.
typedef struct {
    const char *name;
    const char *summary;                          // one line for --help
    bool global_grads; // may plan gradient allreduces across nodes (GRAD_WORLD or GRAD_HIER)
    void (*start)(sched *s);                  // set the initial state (NULL: nothing to set)
    void (*plan)(sched *s, plan_batch *p);    // the current batch's plan; advances the batch
    void (*epoch_end)(sched *s, double loss); // after an epoch's last batch (NULL: no epoch logic)
    bool (*all_blocking)(const sched_config *c); // every epoch's global syncs blocking (NULL: no)
} strategy;

struct sched {
    sched_config cfg;
    const strategy *strat;
    int epoch, batch;  // position: the next plan is for (epoch, batch)
    // DASO state (docs/DASO.md section 2)
    int gs, ls, S;
    int send, prev;    // group sending next; group whose message is in flight (-1: none)
    bool pending;      // prev's message not merged yet
    int pending_tag, pending_batch;
    bool local_on;     // node-local gradient averaging in the next batch's backward
    plateau detector;
};

extern const strategy strategy_daso, strategy_sync, strategy_hier, strategy_localsgd;

void sched_config_defaults(sched_config *c);
// Every value checked; util_die_input() names the first impossible one (exit 2).
void sched_config_validate(const sched_config *c);
const strategy *sched_find_strategy(const char *name); // NULL if unknown

// The command-line options shared by every program (--strategy, the DASO hyperparameters and
// the baselines' settings), added to a program's parser over c (core/cli.h).
void sched_config_cli(cli *p, sched_config *c);

// Whether every epoch of a DASO run is blocking: warm-up and cool-down cover the whole run, so
// it never runs asynchronously. sched_warn() says so in one line on f (nothing otherwise), the
// text of sched_warning() after the program's name; sched_warning() writes it into buf (without
// newline; "" when there is nothing to say) and returns the length snprintf would need.
bool sched_all_blocking(const sched_config *c);
void sched_warn(const sched_config *c, FILE *f);
int sched_warning(const sched_config *c, char *buf, size_t len);

void sched_init(sched *s, const sched_config *c);
// For strategies: move to the next batch, and to the next epoch after the last batch.
void sched_advance(sched *s);
void sched_plan(sched *s, plan_batch *p);
void sched_epoch_end(sched *s, double loss);
// Whether the next epoch's global synchronisation is blocking (DASO with gs = 0).
bool sched_blocking(const sched *s);

#endif

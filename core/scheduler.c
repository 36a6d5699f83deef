// scheduler.c: configuration, validation and command-line options of the scheduling core, and the
// dispatch from a scheduler to its strategy (see scheduler.h). The strategies live in strategy_*.c.
#include "scheduler.h"

#include <stddef.h> // offsetof
#include <stdlib.h> // NULL
#include <string.h> // strcmp

#include "util.h" // util_die_input, util_prog

static const strategy *const strategies[] = {&strategy_daso, &strategy_sync, &strategy_hier,
                                             &strategy_localsgd};
#define N_STRATEGIES (sizeof strategies / sizeof strategies[0])

// ----------------------------------------------------------------------------
// configuration

void sched_config_defaults(sched_config *c)
{
    *c = (sched_config){
        .strategy = "daso",
        .nodes = 1,
        .gpus_per_node = 4,
        .last_batch = 0,
        .epochs = 1,
        .warmup_epochs = 4,
        .cooldown_epochs = 4,
        .max_global_skips = 8,
        .stability_level = 0.05,
        .plateau_patience = 2,
        .plateau_cooldown = 0,
        .plateau_mode = PLATEAU_MIN,
        .plateau_threshold_mode = PLATEAU_REL,
        .skip_reduction_factor = 2,
        .local_skip_factor = 4,
        .first_global_skip = 4,
        .staleness_weight = 2.0,
        .chunk_elems = 10000000,
        .downcast = DOWNCAST_BLOCKING,
        .downcast_fmt = FMT_BF16,
        .true_staleness = false,
        .extra_bcast = true,
        .fixed = false,
        .sync_fmt = FMT_FP32,
        .bucket_bytes = 64e6,
        .localsgd_period = 8,
        .localsgd_warmup_epochs = 0,
    };
}

const strategy *sched_find_strategy(const char *name)
{
    for (size_t i = 0; i < N_STRATEGIES; i++)
        if (strcmp(strategies[i]->name, name) == 0)
            return strategies[i];
    return NULL;
}

void sched_config_validate(const sched_config *c)
{
    const strategy *st = sched_find_strategy(c->strategy);
    if (st == NULL)
        util_die_input("unknown strategy '%s' (see --help)", c->strategy);
    if (c->nodes < 1)
        util_die_input("the number of nodes must be >= 1 (got %d)", c->nodes);
    if (c->gpus_per_node < 1)
        util_die_input("--gpus-per-node must be >= 1 (got %d)", c->gpus_per_node);
    if (st == &strategy_daso && c->gpus_per_node < 2)
        util_die_input("DASO needs --gpus-per-node >= 2 (got %d): its global groups rotate over the "
                       "GPUs of a node",
                       c->gpus_per_node);
    if (c->last_batch < 0)
        util_die_input("--last-batch must be >= 0 (got %d)", c->last_batch);
    if (c->epochs < 1)
        util_die_input("--epochs must be >= 1 (got %d)", c->epochs);
    if (c->fixed && (c->fixed_gs < 0 || c->fixed_ls < 0 || c->fixed_S < 0))
        util_die_input("--global-skip, --local-skip and --batches-to-wait must be >= 0");
    // the remaining ranges are enforced when options are parsed; checked again for programs that
    // fill the struct themselves
    if (c->warmup_epochs < 0 || c->cooldown_epochs < 0 || c->max_global_skips < 1 ||
        c->stability_level < 0 || c->plateau_patience < 0 || c->plateau_cooldown < 0 ||
        c->skip_reduction_factor < 2 || c->local_skip_factor < 1 || c->first_global_skip < 1 ||
        c->staleness_weight < 0 || c->chunk_elems < 1 || c->bucket_bytes <= 0 ||
        c->localsgd_period < 1 || c->localsgd_warmup_epochs < 0)
        util_die_input("a DASO or baseline hyperparameter is out of range (see --help)");
}

// ----------------------------------------------------------------------------
// command-line options

static const char *strategy_name(int i)
{
    return i >= 0 && (size_t)i < N_STRATEGIES ? strategies[i]->name : NULL;
}

static const char *strategy_summary(int i)
{
    return strategies[i]->summary;
}

static const char *const plateau_modes[] = {"min", "max", NULL},
                         *const threshold_modes[] = {"rel", "abs", NULL},
                         *const downcasts[] = {"blocking", "always", "never", NULL},
                         *const formats16[] = {"bf16", "fp16", NULL},
                         *const sync_formats[] = {"fp32", "fp16", NULL};
static const int plateau_values[] = {PLATEAU_MIN, PLATEAU_MAX},
                 threshold_values[] = {PLATEAU_REL, PLATEAU_ABS},
                 downcast_values[] = {DOWNCAST_BLOCKING, DOWNCAST_ALWAYS, DOWNCAST_NEVER},
                 format16_values[] = {FMT_BF16, FMT_FP16},
                 sync_format_values[] = {FMT_FP32, FMT_FP16};

#define NUM(name, kind, field, lo, hi, arg, help) \
    CLI_NUM(name, kind, sched_config, field, lo, hi, arg, help)
static const cli_opt options[] = {
    {.name = "strategy", .kind = CLI_NAME, .offset = offsetof(sched_config, strategy),
     .choice = strategy_name, .choice_help = strategy_summary, .help = "the strategy"},
    NUM("warmup-epochs", CLI_INT, warmup_epochs, 0, 1e6, "N", "blocking epochs at the start"),
    NUM("cooldown-epochs", CLI_INT, cooldown_epochs, 0, 1e6, "N", "blocking epochs at the end"),
    NUM("max-global-skips", CLI_INT, max_global_skips, 1, 1e6, "N",
        "global skip when the cycle restarts"),
    NUM("stability-level", CLI_DOUBLE, stability_level, 0, 1e30, "X",
        "improvement that counts as progress"),
    NUM("plateau-patience", CLI_INT, plateau_patience, 0, 1e6, "N",
        "epochs without progress tolerated"),
    NUM("plateau-cooldown", CLI_INT, plateau_cooldown, 0, 1e6, "N",
        "epochs ignored after a plateau"),
    CLI_CHOOSE("plateau-mode", sched_config, plateau_mode, "lower or higher loss is better",
               plateau_modes, plateau_values),
    CLI_CHOOSE("plateau-threshold-mode", sched_config, plateau_threshold_mode,
               "stability level relative or absolute", threshold_modes, threshold_values),
    NUM("skip-reduction-factor", CLI_INT, skip_reduction_factor, 2, 1e6, "N",
        "divides gs and ls on a plateau, never below 1"),
    NUM("local-skip-factor", CLI_INT, local_skip_factor, 1, 1e6, "N",
        "ls = S = max-global-skips / N at a reset"),
    NUM("first-global-skip", CLI_INT, first_global_skip, 1, 1e6, "N",
        "(gs, ls, S) after warm-up is (N, 1, 1)"),
    NUM("staleness-weight", CLI_DOUBLE, staleness_weight, 0, 1e6, "X",
        "weight of local parameters per waited batch"),
    NUM("chunk-elems", CLI_LONG, chunk_elems, 1, 1e15, "N", "maximum elements per global message"),
    CLI_CHOOSE("downcast", sched_config, downcast, "when global messages are 16-bit", downcasts,
               downcast_values),
    CLI_CHOOSE("downcast-format", sched_config, downcast_fmt, "16-bit format of global messages",
               formats16, format16_values),
    CLI_FLAG("true-staleness", CLI_TRUE, sched_config, true_staleness,
             "weight merges by the batches really waited"),
    CLI_FLAG("no-extra-bcast", CLI_FALSE, sched_config, extra_bcast,
             "skip HeAT's redundant broadcast at send steps"),
    CLI_CHOOSE("sync-format", sched_config, sync_fmt, "gradient format of sync and hier",
               sync_formats, sync_format_values),
    {.name = "bucket-mb", .kind = CLI_DOUBLE, .offset = offsetof(sched_config, bucket_bytes),
     .lo = 1e-6, .hi = 1e6, .scale = 1e6, .arg = "X", .help = "fusion bucket of sync, in MB"},
    NUM("localsgd-period", CLI_INT, localsgd_period, 1, 1e9, "H",
        "local SGD: parameter average every H batches"),
    NUM("localsgd-warmup-epochs", CLI_INT, localsgd_warmup_epochs, 0, 1e6, "N",
        "local SGD: synchronous epochs first"),
};
#undef NUM

void sched_config_cli(cli *p, sched_config *c)
{
    cli_add(p, "Strategy, DASO hyperparameters (HeAT's defaults in parentheses) and baseline "
               "settings:",
            options, CLI_COUNT(options), c);
}

bool sched_all_blocking(const sched_config *c)
{
    const strategy *st = sched_find_strategy(c->strategy);
    return st && st->all_blocking && st->all_blocking(c);
}

int sched_warning(const sched_config *c, char *buf, size_t len)
{
    if (!sched_all_blocking(c))
        return snprintf(buf, len, "%s", "");
    return snprintf(buf, len,
                    "warning: with --warmup-epochs %d and --cooldown-epochs %d, %s %d epoch%s "
                    "blocking: DASO runs as synchronous parameter averaging throughout (give more "
                    "epochs or shorter phases)",
                    c->warmup_epochs, c->cooldown_epochs, c->epochs > 1 ? "all" : "its", c->epochs,
                    c->epochs > 1 ? "s are" : " is");
}

void sched_warn(const sched_config *c, FILE *f)
{
    char line[512];
    if (sched_warning(c, line, sizeof line) > 0)
        fprintf(f, "%s: %s\n", util_prog, line);
}

bool sched_blocking(const sched *s)
{
    return s->strat == &strategy_daso && s->gs == 0;
}

// ----------------------------------------------------------------------------
// scheduler

void sched_init(sched *s, const sched_config *c)
{
    sched_config_validate(c);
    *s = (sched){.cfg = *c, .strat = sched_find_strategy(c->strategy), .prev = -1, .local_on = true};
    plateau_init(&s->detector, c->plateau_mode, c->plateau_threshold_mode, c->stability_level,
                 c->plateau_patience, c->plateau_cooldown);
    if (s->strat->start)
        s->strat->start(s);
}

void sched_plan(sched *s, plan_batch *p)
{
    *p = (plan_batch){.epoch = s->epoch, .batch = s->batch, .grad = GRAD_NONE, .grad_fmt = FMT_FP32};
    s->strat->plan(s, p);
}

void sched_epoch_end(sched *s, double loss)
{
    if (s->strat->epoch_end)
        s->strat->epoch_end(s, loss);
}

void sched_advance(sched *s)
{
    if (s->batch == s->cfg.last_batch) {
        s->batch = 0;
        s->epoch++;
    } else {
        s->batch++;
    }
}

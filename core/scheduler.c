// scheduler.c: configuration, validation and command-line options of the scheduling core, and the
// dispatch from a scheduler to its strategy (see scheduler.h). The strategies live in strategy_*.c.
#include "scheduler.h"

#include <stddef.h> // offsetof
#include <stdlib.h> // NULL
#include <string.h> // strcmp, strncmp, strchr, strlen

#include "util.h" // util_die_input, util_parse_long, util_parse_double

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
        util_die_input("unknown strategy '%s' (daso, sync, hier or localsgd)", c->strategy);
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

typedef enum { OPT_INT, OPT_DOUBLE, OPT_FLAG_TRUE, OPT_FLAG_FALSE, OPT_CHOICE } opt_type;

typedef struct {
    const char *name; // without the leading "--"
    opt_type type;
    size_t offset; // of the field in sched_config
    double lo, hi;
    const char *arg, *help;
    const char *choices[3]; // OPT_CHOICE: accepted names ...
    int values[3];          // ... and the enum value each one sets
} opt_spec;

#define OPT(name_, type_, field, lo_, hi_, arg_, help_)                                        \
    {.name = name_, .type = type_, .offset = offsetof(sched_config, field), .lo = lo_, .hi = hi_, \
     .arg = arg_, .help = help_}
#define CHOICE(name_, field, arg_, help_, choices_, values_)                                   \
    {.name = name_, .type = OPT_CHOICE, .offset = offsetof(sched_config, field), .arg = arg_,  \
     .help = help_, .choices = UNPAREN choices_, .values = UNPAREN values_}
#define UNPAREN(...) __VA_ARGS__
static const opt_spec options[] = {
    OPT("warmup-epochs", OPT_INT, warmup_epochs, 0, 1e6, "N",
        "blocking epochs at the start (4)"),
    OPT("cooldown-epochs", OPT_INT, cooldown_epochs, 0, 1e6, "N",
        "blocking epochs at the end (4)"),
    OPT("max-global-skips", OPT_INT, max_global_skips, 1, 1e6, "N",
        "global skip when the cycle restarts (8)"),
    OPT("stability-level", OPT_DOUBLE, stability_level, 0, 1e30, "X",
        "improvement that counts as progress (0.05)"),
    OPT("plateau-patience", OPT_INT, plateau_patience, 0, 1e6, "N",
        "epochs without progress tolerated (2)"),
    OPT("plateau-cooldown", OPT_INT, plateau_cooldown, 0, 1e6, "N",
        "epochs ignored after a plateau (0)"),
    CHOICE("plateau-mode", plateau_mode, "min|max", "lower or higher loss is better (min)",
           ({"min", "max"}), ({PLATEAU_MIN, PLATEAU_MAX})),
    CHOICE("plateau-threshold-mode", plateau_threshold_mode, "rel|abs", "stability level relative or absolute (rel)",
           ({"rel", "abs"}), ({PLATEAU_REL, PLATEAU_ABS})),
    OPT("skip-reduction-factor", OPT_INT, skip_reduction_factor, 2, 1e6, "N",
        "divides gs and ls on a plateau (2)"),
    OPT("local-skip-factor", OPT_INT, local_skip_factor, 1, 1e6, "N",
        "ls = S = max-global-skips / N at a reset (4)"),
    OPT("first-global-skip", OPT_INT, first_global_skip, 1, 1e6, "N",
        "(gs, ls, S) after warm-up is (N, 1, 1) (4)"),
    OPT("staleness-weight", OPT_DOUBLE, staleness_weight, 0, 1e6, "X",
        "weight of local parameters per waited batch (2)"),
    OPT("chunk-elems", OPT_INT, chunk_elems, 1, 1e15, "N",
        "maximum elements per global message (10000000)"),
    CHOICE("downcast", downcast, "blocking|always|never", "when global messages are 16-bit (blocking)",
           ({"blocking", "always", "never"}), ({DOWNCAST_BLOCKING, DOWNCAST_ALWAYS, DOWNCAST_NEVER})),
    CHOICE("downcast-format", downcast_fmt, "bf16|fp16", "16-bit format of global messages (bf16)",
           ({"bf16", "fp16"}), ({FMT_BF16, FMT_FP16})),
    OPT("true-staleness", OPT_FLAG_TRUE, true_staleness, 0, 0, "",
        "weight merges by the batches really waited"),
    OPT("no-extra-bcast", OPT_FLAG_FALSE, extra_bcast, 0, 0, "",
        "skip HeAT's redundant broadcast at send steps"),
    CHOICE("sync-format", sync_fmt, "fp32|fp16", "gradient format of sync and hier (fp32)",
           ({"fp32", "fp16"}), ({FMT_FP32, FMT_FP16})),
    OPT("bucket-mb", OPT_DOUBLE, bucket_bytes, 1e-6, 1e6, "X",
        "fusion bucket of sync, in MB (64)"),
    OPT("localsgd-period", OPT_INT, localsgd_period, 1, 1e9, "H",
        "local SGD: parameter average every H batches (8)"),
    OPT("localsgd-warmup-epochs", OPT_INT, localsgd_warmup_epochs, 0, 1e6, "N",
        "local SGD: synchronous epochs first (0)"),
};
#undef OPT
#undef CHOICE
#undef UNPAREN
#define N_OPTIONS (sizeof options / sizeof options[0])

int sched_config_option(sched_config *c, int argc, char **argv, int i)
{
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0)
        return 0;
    a += 2;
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    for (size_t k = 0; k < N_OPTIONS; k++) {
        const opt_spec *o = &options[k];
        if (strlen(o->name) != len || strncmp(o->name, a, len) != 0)
            continue;
        char *field = (char *)c + o->offset;
        if (o->type == OPT_FLAG_TRUE || o->type == OPT_FLAG_FALSE) {
            if (eq)
                util_die_input("--%s takes no value", o->name);
            *(bool *)field = o->type == OPT_FLAG_TRUE;
            return 1;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
        int used = eq ? 1 : 2;
        char what[64];
        snprintf(what, sizeof what, "--%s", o->name);
        switch (o->type) {
        case OPT_INT: {
            long v = util_parse_long(val, what, (long)o->lo, (long)o->hi);
            if (o->offset == offsetof(sched_config, chunk_elems))
                *(long *)field = v;
            else
                *(int *)field = (int)v;
            break;
        }
        case OPT_DOUBLE: {
            double v = util_parse_double(val, what, o->lo, o->hi);
            *(double *)field = o->offset == offsetof(sched_config, bucket_bytes) ? v * 1e6 : v;
            break;
        }
        case OPT_CHOICE: {
            if (val == NULL)
                util_die_input("%s needs a value (%s)", what, o->arg);
            int j = 0;
            while (j < 3 && !(o->choices[j] && strcmp(o->choices[j], val) == 0))
                j++;
            if (j == 3)
                util_die_input("%s: '%s' is not one of %s", what, val, o->arg);
            *(int *)field = o->values[j];
            break;
        }
        default:
            break;
        }
        return used;
    }
    return 0;
}

void sched_config_help(FILE *f)
{
    fprintf(f, "DASO hyperparameters (HeAT's defaults in parentheses) and baseline settings:\n");
    for (size_t k = 0; k < N_OPTIONS; k++) {
        char left[64];
        snprintf(left, sizeof left, "--%s %s", options[k].name, options[k].arg);
        fprintf(f, "  %-38s %s\n", left, options[k].help);
    }
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

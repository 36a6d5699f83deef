// daso.c: the library of daso.h (build/libdasocore.so) over the scheduling core (scheduler.h). A
// configuration is the programs' option tables parsed by cli_parse; a daso_sched is a sched and
// the count of epochs whose end was reported; plans are plan_batch values flattened for one
// rank. The core ends the process on bad input (util_die_input) and on internal failures
// (util_die); inside the library both come back to the call that reached them: util_report
// hands the error's line to the caller's buffer and util_exit jumps back (guarded()), as the
// fuzz harness does (tests/fuzz/fuzz.h). Only the daso_ functions are exported (the objects are
// compiled with -fvisibility=hidden), so the core's globals here are the library's own.
#define _POSIX_C_SOURCE 200809L // open_memstream
#include "daso.h"

#include <assert.h>  // static_assert
#include <getopt.h>  // optind, opterr, optopt, optarg
#include <math.h>    // isnan
#include <setjmp.h>  // jmp_buf, setjmp, longjmp
#include <stdarg.h>  // va_list
#include <stdbool.h> // bool
#include <stdio.h>   // snprintf, open_memstream
#include <stdlib.h>  // malloc, free, abort
#include <string.h>  // memcpy, memcmp, strcmp, strlen, strcspn

#include "cli.h"       // cli, cli_add, cli_parse, cli_given, cli_fingerprint, cli_help
#include "scheduler.h" // sched, sched_config, sched_init, sched_plan, sched_epoch_end
#include "util.h"      // util_report, util_exit, util_die_input

// The public values are the core's, and the structs' layouts are the ABI (daso.h).
#define SAME(a, b) ((int)(a) == (int)(b))
static_assert(SAME(DASO_GRAD_NONE, GRAD_NONE) && SAME(DASO_GRAD_NODE, GRAD_NODE) &&
                  SAME(DASO_GRAD_WORLD, GRAD_WORLD) && SAME(DASO_GRAD_HIER, GRAD_HIER),
              "daso.h's gradient reductions are plan.h's");
static_assert(SAME(DASO_ACT_SEND, ACT_SEND) && SAME(DASO_ACT_MERGE, ACT_MERGE) &&
                  SAME(DASO_ACT_AVG, ACT_AVG) && SAME(DASO_ACT_BCAST, ACT_BCAST) &&
                  SAME(DASO_ACT_WORLD_AVG, ACT_WORLD_AVG),
              "daso.h's actions are plan.h's");
static_assert(SAME(DASO_FMT_FP32, FMT_FP32) && SAME(DASO_FMT_BF16, FMT_BF16) &&
                  SAME(DASO_FMT_FP16, FMT_FP16),
              "daso.h's formats are floatfmt.h's");
#undef SAME
static_assert(DASO_MAX_ACTIONS >= PLAN_MAX_ACTIONS, "a daso_plan holds every plan");
static_assert(sizeof(daso_info) == 56 && sizeof(daso_action) == 48 && sizeof(daso_plan) == 424 &&
                  sizeof(daso_epoch) == 32,
              "the structs' sizes are daso.h's (DASO_ABI_VERSION)");

struct daso_config {
    sched_config c;
    char prog[256];      // argv[0], the name in error lines
    char settings[4096]; // cli_fingerprint of the options, then "fixed=0|1"
};

struct daso_sched {
    daso_config cfg; // its own copy
    sched s;
    int ended; // epochs whose end was reported: s.epoch, or s.epoch - 1 while an end is due
};

const char *daso_version(void)
{
    return DASO_VERSION;
}

int daso_abi_version(void)
{
    return DASO_ABI_VERSION;
}

// ----------------------------------------------------------------------------
// errors: one line in the caller's buffer, and the core's fatal errors caught

static void vput_error(char *err, size_t errlen, const char *prog, const char *fmt, va_list ap)
{
    if (err == NULL || errlen == 0)
        return;
    const int n = snprintf(err, errlen, "%s: ", prog);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    for (char *c = err; *c; c++) // one line, whatever a value held
        if (*c == '\n' || *c == '\r')
            *c = ' ';
}

// Writes "<prog>: <message>" into err; returns -1.
static int fail(char *err, size_t errlen, const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, const char *prog, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput_error(err, errlen, prog, fmt, ap);
    va_end(ap);
    return -1;
}

// The call of the core that runs on this thread under guarded(): where its error goes and where
// util_exit returns to (static storage, so that its values are defined after the jump).
static _Thread_local struct {
    jmp_buf back;
    int status;
    bool active;
    const char *prog;
    char *err;
    size_t errlen;
} call;

static void to_caller(const char *line)
{
    if (call.active)
        fail(call.err, call.errlen, call.prog, "%s", line);
}

static void jump_back(int status)
{
    if (!call.active)
        abort(); // the core reached without guarded(): a bug of this file
    call.status = status;
    longjmp(call.back, 1);
}

__attribute__((constructor)) static void catch_core_errors(void)
{
    util_report = to_caller;
    util_exit = jump_back;
}

// Runs fn(arg); returns 0, or the exit status of the core's fatal error (2: bad input, 1:
// internal), its line in err. After an error, fn's work is abandoned: fn changes only arg.
static int guarded(void (*fn)(void *arg), void *arg, const char *prog, char *err, size_t errlen)
{
    call.status = 0;
    call.prog = prog;
    call.err = err;
    call.errlen = errlen;
    call.active = true;
    if (setjmp(call.back) == 0)
        fn(arg);
    call.active = false;
    return call.status;
}

// snprintf's contract for a text of the library
static size_t copy_out(char *buf, size_t len, const char *text)
{
    const size_t n = strlen(text);
    if (buf && len > 0) {
        const size_t k = n < len ? n : len - 1;
        memcpy(buf, text, k);
        buf[k] = '\0';
    }
    return n;
}

// ----------------------------------------------------------------------------
// configuration

static const char usage[] =
    "usage: daso_config_new(argc, argv, ...) with --nodes N --gpus-per-node G --last-batch L\n"
    "       --epochs E [options]\n"
    "\n"
    "The scheduling core of daso-plan, daso-sim and daso-train as a library (core/daso.h):\n"
    "the plan of every batch for ranks = N nodes x G (node-contiguous), with the programs'\n"
    "option names and defaults.\n";

static const cli_opt shape_opts[] = {
    CLI_NUM("nodes", CLI_INT, sched_config, nodes, 1, 1e6, "N", "nodes; required",
            .flags = CLI_NO_DEFAULT),
    CLI_NUM("gpus-per-node", CLI_INT, sched_config, gpus_per_node, 1, 1e6, "G",
            "GPUs (ranks) per node (>= 2 for daso); required", .flags = CLI_NO_DEFAULT),
    CLI_NUM("last-batch", CLI_INT, sched_config, last_batch, 0, 1e9, "L",
            "index of the last batch of an epoch; required", .flags = CLI_NO_DEFAULT),
    CLI_NUM("epochs", CLI_INT, sched_config, epochs, 1, 1e6, "E",
            "epochs (the cool-down counts back from the last); required",
            .flags = CLI_NO_DEFAULT),
    CLI_NUM("global-skip", CLI_INT, sched_config, fixed_gs, 0, 1e6, "GS",
            "fixed DASO schedule: batches between global syncs", .flags = CLI_NO_DEFAULT),
    CLI_NUM("local-skip", CLI_INT, sched_config, fixed_ls, 0, 1e6, "LS",
            "fixed DASO schedule: batches between node-local averagings", .flags = CLI_NO_DEFAULT),
    CLI_NUM("batches-to-wait", CLI_INT, sched_config, fixed_S, 0, 1e6, "S",
            "fixed DASO schedule: batches a global sync waits", .flags = CLI_NO_DEFAULT),
};

static void add_options(cli *p, sched_config *c)
{
    sched_config_defaults(c);
    cli_add(p, NULL, shape_opts, CLI_COUNT(shape_opts), c);
    sched_config_cli(p, c);
}

typedef struct {
    int argc;
    char **argv;
    daso_config *cfg;
} parse_call;

static void parse(void *arg)
{
    parse_call *a = arg;
    sched_config *c = &a->cfg->c;
    cli p = {.usage = usage};
    add_options(&p, c);
    if (cli_help_asked(a->argc, (const char *const *)a->argv))
        util_die_input("--help and -h are not options of the library: daso_config_help() gives "
                       "the text");
    const int first = cli_parse(&p, a->argc, a->argv);
    if (first < a->argc)
        util_die_input("unexpected argument '%s' (see --help)", a->argv[first]);
    static const char *const required[] = {"nodes", "gpus-per-node", "last-batch", "epochs"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!cli_given(&p, required[i]))
            util_die_input("--%s is required (see --help)", required[i]);
    const int n_fixed = cli_given(&p, "global-skip") + cli_given(&p, "local-skip") +
                        cli_given(&p, "batches-to-wait");
    if (n_fixed > 0 && strcmp(c->strategy, "daso") != 0)
        util_die_input("--global-skip, --local-skip and --batches-to-wait are for --strategy daso");
    if (n_fixed > 0 && n_fixed < 3)
        util_die_input("a fixed schedule needs all of --global-skip, --local-skip and "
                       "--batches-to-wait");
    c->fixed = n_fixed == 3;
    sched_config_validate(c);
    char *s = a->cfg->settings;
    const size_t n = sizeof a->cfg->settings, len = cli_fingerprint(&p, s, n - 16);
    snprintf(s + len, n - len, "fixed=%d\n", c->fixed);
}

daso_config *daso_config_new(int argc, const char *const *argv, char *err, size_t errlen)
{
    const char *prog = argc >= 1 && argv && argv[0] ? argv[0] : "daso";
    if (argc < 1 || argv == NULL) {
        fail(err, errlen, prog, "daso_config_new needs argv[0], the program's name (argc %d)",
             argc);
        return NULL;
    }
    for (int i = 1; i < argc; i++)
        if (argv[i] == NULL) {
            fail(err, errlen, prog, "argv[%d] is NULL (argc %d)", i, argc);
            return NULL;
        }
    daso_config *cfg = malloc(sizeof *cfg);
    char **args = malloc(sizeof *args * ((size_t)argc + 1)); // getopt_long's non-const argv
    if (cfg == NULL || args == NULL) {
        free(cfg);
        free(args);
        fail(err, errlen, prog, "out of memory");
        return NULL;
    }
    for (int i = 0; i < argc; i++)
        args[i] = (char *)argv[i]; // read only: the options stop at the first argument ("+")
    args[argc] = NULL;
    snprintf(cfg->prog, sizeof cfg->prog, "%s", prog);
    // the caller's getopt state, which cli_parse starts again
    const int ind = optind, opt_err = opterr, opt = optopt;
    char *const optarg_before = optarg;
    parse_call a = {.argc = argc, .argv = args, .cfg = cfg};
    const int status = guarded(parse, &a, cfg->prog, err, errlen);
    optind = ind;
    opterr = opt_err;
    optopt = opt;
    optarg = optarg_before;
    free(args);
    if (status != 0) {
        free(cfg);
        return NULL;
    }
    return cfg;
}

void daso_config_free(daso_config *cfg)
{
    free(cfg);
}

size_t daso_config_help(char *buf, size_t len)
{
    sched_config c;
    cli p = {.usage = usage};
    add_options(&p, &c);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return copy_out(buf, len, "");
    cli_help(&p, f);
    const bool ok = fclose(f) == 0;
    const size_t n = copy_out(buf, len, ok ? text : "");
    free(text);
    return n;
}

size_t daso_config_settings(const daso_config *cfg, char *buf, size_t len)
{
    return copy_out(buf, len, cfg->settings);
}

size_t daso_config_warning(const daso_config *cfg, char *buf, size_t len)
{
    char line[512];
    sched_warning(&cfg->c, line, sizeof line);
    return copy_out(buf, len, line);
}

void daso_config_info(const daso_config *cfg, daso_info *out)
{
    const sched_config *c = &cfg->c;
    *out = (daso_info){.nodes = c->nodes, .gpus_per_node = c->gpus_per_node,
                       .last_batch = c->last_batch, .epochs = c->epochs, .fixed = c->fixed,
                       .all_blocking = sched_all_blocking(c), .chunk_elems = c->chunk_elems,
                       .bucket_bytes = c->bucket_bytes};
    snprintf(out->strategy, sizeof out->strategy, "%s", c->strategy);
}

// ----------------------------------------------------------------------------
// plans

// The plan of rank (node, local) from the rank-invariant plan p.
static void flatten(const plan_batch *p, const sched_config *c, int node, int local, bool blocking,
                    daso_plan *out)
{
    const int G = c->gpus_per_node;
    *out = (daso_plan){.epoch = p->epoch, .batch = p->batch, .node = node, .local_rank = local,
                       .rank = node * G + local, .grad = p->grad, .grad_fmt = p->grad_fmt,
                       .blocking = blocking, .last = p->batch == c->last_batch,
                       .n_actions = p->n};
    for (int i = 0; i < p->n; i++) {
        const plan_action *a = &p->act[i];
        const bool group = a->kind == ACT_SEND || a->kind == ACT_MERGE || a->kind == ACT_AVG;
        out->act[i] = (daso_action){
            .kind = a->kind, .group = a->group, .tag = a->tag, .fmt = a->fmt,
            .mine = group ? a->group == local : 1,
            .root = a->kind == ACT_BCAST ? node * G + a->group : -1,
            .chunk_elems = a->kind == ACT_SEND ? c->chunk_elems : 0,
            .w_local = a->w_local, .w_sum = a->w_sum};
    }
}

int daso_plan_format(const daso_plan *p, char *buf, size_t len)
{
    if (p->n_actions < 0 || p->n_actions > PLAN_MAX_ACTIONS || p->grad < DASO_GRAD_NONE ||
        p->grad > DASO_GRAD_HIER || p->grad_fmt < DASO_FMT_FP32 || p->grad_fmt > DASO_FMT_FP16)
        return -1;
    plan_batch b = {.epoch = p->epoch, .batch = p->batch, .grad = (plan_grad)p->grad,
                    .grad_fmt = (floatfmt)p->grad_fmt, .n = p->n_actions};
    for (int i = 0; i < p->n_actions; i++) {
        const daso_action *a = &p->act[i];
        if (a->kind < DASO_ACT_SEND || a->kind > DASO_ACT_WORLD_AVG || a->fmt < DASO_FMT_FP32 ||
            a->fmt > DASO_FMT_FP16)
            return -1;
        b.act[i] = (plan_action){.kind = (plan_kind)a->kind, .group = a->group, .tag = a->tag,
                                 .fmt = (floatfmt)a->fmt, .w_local = a->w_local,
                                 .w_sum = a->w_sum};
    }
    return plan_format(&b, buf, len);
}

// ----------------------------------------------------------------------------
// the scheduler

typedef struct {
    sched s;
    const sched_config *c;
    plan_batch p;
} sched_call;

static void start(void *arg)
{
    sched_call *a = arg;
    sched_init(&a->s, a->c);
}

static void plan(void *arg)
{
    sched_call *a = arg;
    sched_plan(&a->s, &a->p);
}

daso_sched *daso_sched_new(const daso_config *cfg)
{
    daso_sched *d = malloc(sizeof *d);
    if (d == NULL)
        return NULL;
    d->cfg = *cfg;
    d->ended = 0;
    sched_call a = {.c = &d->cfg.c};
    if (guarded(start, &a, d->cfg.prog, NULL, 0) != 0) { // validated by daso_config_new
        free(d);
        return NULL;
    }
    d->s = a.s;
    return d;
}

void daso_sched_free(daso_sched *s)
{
    free(s);
}

int daso_sched_next(daso_sched *d, int node, int local_rank, daso_plan *out, char *err,
                    size_t errlen)
{
    const sched_config *c = &d->cfg.c;
    const char *prog = d->cfg.prog;
    if (node < 0 || node >= c->nodes || local_rank < 0 || local_rank >= c->gpus_per_node)
        return fail(err, errlen, prog,
                    "node %d, local rank %d is not a rank of the run (%d nodes of %d)", node,
                    local_rank, c->nodes, c->gpus_per_node);
    if (d->ended == c->epochs)
        return fail(err, errlen, prog, "the run is over: its %d epochs have ended", c->epochs);
    if (d->s.epoch > d->ended)
        return fail(err, errlen, prog,
                    "every batch of epoch %d is planned: daso_sched_epoch_end comes next",
                    d->ended);
    sched_call a = {.s = d->s}; // planned on a copy, kept when the core did not fail
    if (guarded(plan, &a, prog, err, errlen) != 0)
        return -1;
    flatten(&a.p, c, node, local_rank, sched_blocking(&d->s), out);
    d->s = a.s;
    return 0;
}

int daso_sched_epoch_end(daso_sched *d, double loss, daso_epoch *next, char *err, size_t errlen)
{
    const sched_config *c = &d->cfg.c;
    if (d->ended == c->epochs)
        return fail(err, errlen, d->cfg.prog, "the run is over: its %d epochs have ended",
                    c->epochs);
    if (d->s.epoch == d->ended)
        return fail(err, errlen, d->cfg.prog,
                    "epoch %d has batches left to plan (batch %d of 0..%d is next)", d->ended,
                    d->s.batch, c->last_batch);
    sched_epoch_end(&d->s, loss); // the epoch logic cannot fail
    d->ended++;
    if (next)
        daso_sched_epoch(d, next);
    return 0;
}

void daso_sched_epoch(const daso_sched *d, daso_epoch *out)
{
    const sched *s = &d->s;
    const bool due = s->epoch > d->ended;
    *out = (daso_epoch){.epoch = d->ended, .batch = due ? d->cfg.c.last_batch + 1 : s->batch,
                        .gs = s->gs, .ls = s->ls, .S = s->S, .blocking = sched_blocking(s),
                        .end_due = due, .done = d->ended == d->cfg.c.epochs};
}

// ----------------------------------------------------------------------------
// the state as bytes: the magic, the format version (u32), the settings' length (u32) and text,
// STATE_INTS int32 (the fields below), the plateau detector's best loss (IEEE double), all
// little-endian

static const char state_magic[8] = {'D', 'A', 'S', 'O', 'S', 'C', 'H', 'D'};
enum { STATE_VERSION = 1, STATE_HEAD = 16, STATE_INTS = 14, STATE_TAIL = 4 * STATE_INTS + 8 };

// What changes in a daso_sched after daso_sched_new: the count of ended epochs and every
// field of sched that its strategy and epoch logic move (the rest comes from the settings).
static const char *const state_names[STATE_INTS] = {
    "ended epochs", "epoch", "batch", "gs", "ls", "S", "send", "prev", "pending", "pending tag",
    "pending batch", "local_on", "plateau's bad epochs", "plateau's cool-down"};

static void state_get(const daso_sched *d, int32_t v[STATE_INTS])
{
    const sched *s = &d->s;
    const int32_t w[STATE_INTS] = {d->ended, s->epoch, s->batch, s->gs, s->ls, s->S, s->send,
                                   s->prev, s->pending, s->pending_tag, s->pending_batch,
                                   s->local_on, s->detector.num_bad, s->detector.cooldown_left};
    memcpy(v, w, sizeof w);
}

static void state_set(daso_sched *d, const int32_t v[STATE_INTS], double best)
{
    sched *s = &d->s;
    d->ended = v[0];
    s->epoch = v[1];
    s->batch = v[2];
    s->gs = v[3];
    s->ls = v[4];
    s->S = v[5];
    s->send = v[6];
    s->prev = v[7];
    s->pending = v[8];
    s->pending_tag = v[9];
    s->pending_batch = v[10];
    s->local_on = v[11];
    s->detector.num_bad = v[12];
    s->detector.cooldown_left = v[13];
    s->detector.best = best;
}

static unsigned char *put_u32(unsigned char *p, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(x >> 8 * i);
    return p + 4;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t daso_state_size(const daso_sched *d)
{
    return STATE_HEAD + strlen(d->cfg.settings) + STATE_TAIL;
}

int daso_state_save(const daso_sched *d, void *buf, size_t len)
{
    const size_t n = strlen(d->cfg.settings);
    if (buf == NULL || len < daso_state_size(d))
        return -1;
    unsigned char *p = buf;
    memcpy(p, state_magic, sizeof state_magic);
    p = put_u32(p + sizeof state_magic, STATE_VERSION);
    p = put_u32(p, (uint32_t)n);
    memcpy(p, d->cfg.settings, n);
    p += n;
    int32_t v[STATE_INTS];
    state_get(d, v);
    for (int i = 0; i < STATE_INTS; i++)
        p = put_u32(p, (uint32_t)v[i]);
    uint64_t best;
    memcpy(&best, &d->s.detector.best, sizeof best);
    p = put_u32(p, (uint32_t)best);
    put_u32(p, (uint32_t)(best >> 32));
    return 0;
}

// The first line where the saved settings (n bytes) differ from this scheduler's, both ways.
static int other_settings(const daso_sched *d, const char *saved, size_t n, char *err,
                          size_t errlen)
{
    const char *now = d->cfg.settings;
    size_t i = 0;
    while (i < n && now[i] && saved[i] == now[i])
        i++;
    while (i > 0 && now[i - 1] != '\n')
        i--;
    size_t a = 0, b = strcspn(now + i, "\n");
    while (i + a < n && saved[i + a] != '\n')
        a++;
    return fail(err, errlen, d->cfg.prog,
                "the scheduler state is from other settings: %.*s there, %.*s here", (int)a,
                saved + i, (int)b, now + i);
}

int daso_state_load(daso_sched *d, const void *buf, size_t len, char *err, size_t errlen)
{
    const sched_config *c = &d->cfg.c;
    const char *prog = d->cfg.prog;
    const unsigned char *p = buf;
    if (buf == NULL || len < STATE_HEAD || memcmp(p, state_magic, sizeof state_magic) != 0)
        return fail(err, errlen, prog, "not a scheduler state (daso_state_save's bytes)");
    const uint32_t version = get_u32(p + 8), n = get_u32(p + 12);
    if (version != STATE_VERSION)
        return fail(err, errlen, prog,
                    "the scheduler state has format version %u; this library reads version %d",
                    (unsigned)version, STATE_VERSION);
    if (n > len - STATE_HEAD || len - STATE_HEAD - n != STATE_TAIL)
        return fail(err, errlen, prog, "the scheduler state is truncated or damaged (%zu bytes)",
                    len);
    const char *saved = (const char *)p + STATE_HEAD;
    if (n != strlen(d->cfg.settings) || memcmp(saved, d->cfg.settings, n) != 0)
        return other_settings(d, saved, n, err, errlen);
    p += STATE_HEAD + n;
    int32_t v[STATE_INTS];
    for (int i = 0; i < STATE_INTS; i++)
        v[i] = (int32_t)get_u32(p + 4 * i);
    const uint64_t bits = get_u32(p + 4 * STATE_INTS) | (uint64_t)get_u32(p + 4 * STATE_INTS + 4)
                                                             << 32;
    double best;
    memcpy(&best, &bits, sizeof best);
    // every value within what the scheduler can reach with these settings
    const int E = c->epochs, L = c->last_batch, G = c->gpus_per_node, big = 1000000;
    const int lo[STATE_INTS] = {0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0};
    const int hi[STATE_INTS] = {E, E, L, big, big, big, G - 1, G - 1, 1, L, L, 1,
                                c->plateau_patience, c->plateau_cooldown};
    for (int i = 0; i < STATE_INTS; i++)
        if (v[i] < lo[i] || v[i] > hi[i])
            return fail(err, errlen, prog,
                        "the scheduler state is damaged: %s %d is outside [%d, %d]",
                        state_names[i], (int)v[i], lo[i], hi[i]);
    const bool due = v[1] == v[0] + 1;
    if ((v[1] != v[0] && !due) || (due && v[2] != 0) || isnan(best))
        return fail(err, errlen, prog, "the scheduler state is damaged (epoch %d, ended %d)",
                    (int)v[1], (int)v[0]);
    state_set(d, v, best);
    return 0;
}

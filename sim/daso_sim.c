// daso_sim.c: build/daso-sim, the simulator. Runs the scheduling core's driver, unchanged, on one
// SimGrid actor per GPU of a platform file, and reports how long the training would take:
//
//   daso-sim --platform platforms/juwels_booster.xml --nodes 16 --model resnet50 --strategy daso
//            --out run.csv
//   daso-sim --collective allreduce --algo ring --platform F --nodes 4 --bytes 1e6,1e8
//
// See usage() and README.md for every option.
#define _POSIX_C_SOURCE 200809L // setenv, execv
#include <math.h>   // isfinite
#include <stdio.h>  // printf, fprintf
#include <stdlib.h> // free, strtod, getenv, setenv
#include <string.h> // strcmp, strncmp, strstr, strrchr, strlen
#include <unistd.h> // execv, readlink

#include <gsl/gsl_errno.h>  // gsl_set_error_handler_off
#include <simgrid/host.h>   // sg_host_get_name
#include <xbt/config.h>     // sg_cfg_set_int

#include "background.h"       // background_parse, background_apply
#include "cli.h"              // cli, cli_parse
#include "collective_bench.h" // collective_bench_run
#include "losscurve.h"        // losscurve_read
#include "outfile.h"          // outfile
#include "platform.h"         // sim_init, sim_platform_load, sim_platform_hosts
#include "sim_backend.h"      // sim_run
#include "util.h"             // util_prog, util_die_input, util_parse_long, util_parse_double

static const char usage[] =
    "usage: daso-sim --platform F --nodes N [--gpus-per-node G] --model M\n"
    "                --strategy daso|sync|hier|localsgd [--epochs E] [--loss-curve F]\n"
    "                [--fidelity flow|step] [--out run.csv] [--trace trace.json]\n"
    "                [--breakdown batches.csv] [DASO hyperparameters] [--cfg=simgrid/option:value ...]\n"
    "       daso-sim --collective allreduce|bcast --algo ring|hier --platform F --nodes N\n"
    "                [--gpus-per-node G] [--fidelity step|flow] --bytes B[,B...]\n"
    "       daso-sim --collective p2p|bidir --pair intra|inter | --collective bisection\n"
    "                --platform F --nodes N [--gpus-per-node G] --bytes B[,B...]\n"
    "       daso-sim --hostfile F --platform P --nodes N [--gpus-per-node G]\n"
    "\n"
    "Simulates data-parallel training on the first N x G hosts (GPUs, natural name order) of\n"
    "a SimGrid platform file, each run of G consecutive hosts being one node, and prints the\n"
    "simulated training time. The second form times one collective per message size, like\n"
    "nccl-tests on the simulated machine; the third one message per size between two GPUs\n"
    "(OSU's osu_bw, osu_bibw) or between the two halves of the nodes (LinkTest). The fourth\n"
    "writes the names of the N x G hosts a run uses to F, one per line: an smpirun host file\n"
    "(daso-emulate).\n";

static const char footer[] =
    "\nSimGrid's own options (taken before the others):\n"
    "  --cfg=name:value       any SimGrid option (e.g. --cfg=network/model:LV08); an unknown\n"
    "                         name or a bad value is refused; contexts/stack-size: KiB per\n"
    "                         GPU actor, at least 64 (512)\n"
    "  --log=...              SimGrid's logging\n";

typedef struct {
    const char *platform, *model, *models_dir, *loss_curve, *out, *trace, *breakdown, *collective,
        *algo, *pair, *hostfile;
    int nodes, gpus_per_node, epochs, batch_size, global_batch;
    int fidelity; // sim_fidelity
    double ddp_bucket_bytes, horovod_cycle_s, daso_pack_s, ring_step_s, step_overhead_s;
    bool quiet, exact_comm, exact_compute, drop_last;
    variability var;
    background bg;
    double sizes[64];
    int n_sizes;
} sim_options;

static void set_compute_dist(void *o, const char *v, const char *what)
{
    (void)what;
    variability_set_dist(&((sim_options *)o)->var, v);
}

static void set_gpu_speed_dist(void *o, const char *v, const char *what)
{
    (void)what;
    variability_set_gpu_dist(&((sim_options *)o)->var, v);
}

static void add_straggler(void *o, const char *v, const char *what)
{
    (void)what;
    variability_add_straggler(&((sim_options *)o)->var, v);
}

static void set_background(void *o, const char *v, const char *what)
{
    (void)what;
    background_parse(&((sim_options *)o)->bg, v);
}

static void set_bytes(void *o, const char *v, const char *what);

static const char *const fidelities[] = {"flow", "step", NULL}, *const collectives[] = {
    "allreduce", "bcast", "p2p", "bidir", "bisection", NULL}, *const algos[] = {"ring", "hier", NULL},
                  *const pairs[] = {"intra", "inter", NULL};
static const int fidelity_values[] = {FIDELITY_FLOW, FIDELITY_STEP};

#define NUM(name, kind, field, lo, hi, arg, help, ...) \
    CLI_NUM(name, kind, sim_options, field, lo, hi, arg, help, __VA_ARGS__)
#define STR(name, field, arg, help, ...) CLI_STR(name, sim_options, field, arg, help, __VA_ARGS__)
#define FLAG(name, field, help, ...) CLI_FLAG(name, CLI_TRUE, sim_options, field, help, __VA_ARGS__)
static const cli_opt sim_opts[] = {
    STR("platform", platform, "F", "SimGrid platform XML (platforms/*.xml, or any platform file)"),
    NUM("nodes", CLI_INT, nodes, 1, 1e6, "N", "nodes to use", .flags = CLI_NO_DEFAULT),
    NUM("gpus-per-node", CLI_INT, gpus_per_node, 1, 1024, "G",
        "GPUs per node (the platform's when it says, as daso-platform's\n"
        "files do; else 4); never one that splits the platform's nodes",
        .flags = CLI_NO_DEFAULT),
    STR("model", model, "M",
        "model profile: a name in the models folder (resnet50,\n"
        "resnet50_amp, hrnet_ocr_cityscapes, transformer, fashion_mlp,\n"
        "fashion_cnn) or a .profile file"),
    STR("models-dir", models_dir, "D",
        "where model names are looked up (DASO_MODELS, else the\n"
        "toolkit's sim/models)"),
    NUM("epochs", CLI_INT, epochs, 1, 1e6, "E", "epochs (the profile's)", .flags = CLI_NO_DEFAULT),
    FLAG("drop-last", drop_last,
         "drop every epoch's last partial batch: floor(D / (N x G x B))\n"
         "full batches (DistributedSampler and DataLoader with\n"
         "drop_last=True; daso-train's epochs); without it each GPU\n"
         "gets ceil(D / (N x G)) samples and the last batch the rest"),
    NUM("batch-size", CLI_INT, batch_size, 1, 2147483647, "B",
        "samples per GPU per batch, the same at every scale (weak\n"
        "scaling); forward and backward scale linearly (the profile's)",
        .flags = CLI_NO_DEFAULT),
    NUM("global-batch", CLI_INT, global_batch, 1, 2147483647, "B",
        "samples per batch over all GPUs (strong scaling): B / (N x G)\n"
        "per GPU, which must be whole; not with --batch-size",
        .flags = CLI_NO_DEFAULT),
    STR("loss-curve", loss_curve, "F",
        "training loss per epoch, one per line or a run's CSV (the\n"
        "profile's documented curve); drives DASO's epoch logic"),
    CLI_CHOOSE("fidelity", sim_options, fidelity,
               "collectives as one flow per ring edge (flow) or every ring\n"
               "step as messages (step, slow at scale)",
               fidelities, fidelity_values),
    {.name = "ddp-bucket-mb", .kind = CLI_DOUBLE, .offset = offsetof(sim_options, ddp_bucket_bytes),
     .lo = 1e-6, .hi = 1e6, .scale = 1e6, .arg = "X",
     .help = "node-local gradient buckets of daso and localsgd"},
    FLAG("exact-comm", exact_comm,
         "simulate the collectives that have closed forms message by\n"
         "message: node-local gradient allreduces, DASO's node-local\n"
         "broadcasts and global messages, sync's flat and hier's\n"
         "hierarchical gradient allreduces (same result, slower)"),
    FLAG("exact-compute", exact_compute,
         "compute as SimGrid executions instead of sleeps of the same\n"
         "length (same result, slower); automatic when the platform\n"
         "has speed, availability or state profiles or a plugin, or\n"
         "with --cfg=plugin:..."),
    CLI_FN("compute-dist", set_compute_dist, "D",
           "per-GPU, per-batch compute-time multiplier of mean 1:\n"
           "normal:CV, lognormal:SIGMA, gamma:K, hist:FILE, or\n"
           "stall:P:F (a batch F times slower with probability P) (none)"),
    CLI_FN("gpu-speed-dist", set_gpu_speed_dist, "D",
           "per-GPU compute-time multiplier of mean 1 for the whole run\n"
           "(persistent speed differences; SC22's 'Not All GPUs Are\n"
           "Created Equal': 8% on average): normal:CV, lognormal:SIGMA\n"
           "or hist:FILE (measured per-GPU batch times) (none)"),
    CLI_FN("straggler", add_straggler, "S",
           "gpu:RANK:FACTOR[:FROM:TO] or node:NODE:FACTOR[:FROM:TO],\n"
           "slower by FACTOR in epochs FROM..TO (repeatable); RANK and\n"
           "NODE within the run, FACTOR (and the product of those on one\n"
           "GPU) within [1e-6, 1e6]"),
    NUM("seed", CLI_UINT64, var.seed, 0, 2147483647, "S", "seed of the compute-time draws"),
    CLI_FN("background", set_background, "F",
           "share F of the global links' bandwidth taken by other jobs\n"
           "for the whole run (0)"),
    NUM("net-share", CLI_DOUBLE, bg.share, 1e-6, 1, "F",
        "share of every link's nominal bandwidth the run achieves"),
    STR("background-links", bg.prefix, "P",
        "which links are shared: name prefix (the links between\n"
        "cells of daso-platform's platforms)"),
    {.name = "horovod-cycle-ms", .kind = CLI_DOUBLE, .offset = offsetof(sim_options, horovod_cycle_s),
     .lo = 0, .hi = 1e6, .scale = 1e-3, .arg = "X",
     .help = "sync/hier buckets start on Horovod's cycle ticks (0: at once;\n"
             "Horovod's HOROVOD_CYCLE_TIME is 1 to 5 ms)"},
    {.name = "daso-pack-ms", .kind = CLI_DOUBLE, .offset = offsetof(sim_options, daso_pack_s),
     .lo = 0, .hi = 1e6, .scale = 1e-3, .arg = "X",
     .help = "time to pack a DASO global message, and to merge it"},
    {.name = "ring-step-us", .kind = CLI_DOUBLE, .offset = offsetof(sim_options, ring_step_s),
     .lo = 0, .hi = 1e9, .scale = 1e-6, .arg = "X",
     .help = "software time of every step of the allreduces (flat,\n"
             "hierarchical, node-local; small ones too), on top of the\n"
             "route latency (NCCL's or MPI's per-step cost), once per\n"
             "chunk of DASO's global message; not of broadcasts"},
    {.name = "step-overhead-ms", .kind = CLI_DOUBLE, .offset = offsetof(sim_options, step_overhead_s),
     .lo = 0, .hi = 1e6, .scale = 1e-3, .arg = "X",
     .help = "fixed framework time of every training step on every GPU\n"
             "(data loader, Python, launches), after the compute draws"},
    STR("out", out, "F", "per-epoch CSV", .flags = CLI_OUTPUT),
    STR("trace", trace, "F", "Chrome trace JSON, one track per GPU", .flags = CLI_OUTPUT),
    STR("breakdown", breakdown, "F", "per-batch time breakdown of GPU 0", .flags = CLI_OUTPUT),
    FLAG("quiet", quiet, "no progress line", .flags = CLI_OUTPUT),
    CLI_NUM("collective", CLI_NAME, sim_options, collective, 0, 0, NULL,
            "benchmark mode: the collective to time; p2p: one message\n"
            "GPU to GPU (osu_bw), bidir: both ways at once (osu_bibw),\n"
            "bisection: GPU k of node n and of node n + N/2 both ways,\n"
            "all pairs at once (LinkTest --bisection)",
            .choices = collectives),
    CLI_NUM("algo", CLI_NAME, sim_options, algo, 0, 0, NULL,
            "benchmark mode: the algorithm of allreduce and bcast", .choices = algos),
    CLI_NUM("pair", CLI_NAME, sim_options, pair, 0, 0, NULL,
            "benchmark mode: p2p's and bidir's GPUs, GPU 0 of node 0 and\n"
            "GPU 1 of node 0 (intra) or GPU 0 of node 1 (inter)",
            .choices = pairs),
    CLI_FN("bytes", set_bytes, "B[,B...]",
           "benchmark mode: message sizes (0: latency, p2p and bidir)"),
    STR("hostfile", hostfile, "F", "host file mode: where the host names go", .flags = CLI_OUTPUT),
};
#undef NUM
#undef STR
#undef FLAG

// --bytes: plain numbers separated by commas
static void set_bytes(void *base, const char *s, const char *what)
{
    sim_options *o = base;
    const int max = (int)(sizeof o->sizes / sizeof o->sizes[0]);
    o->n_sizes = 0;
    for (const char *p = s; *p;) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 0 || (*end != ',' && *end != '\0'))
            util_die_input("%s: '%s' is not a list of sizes >= 0 separated by commas", what,
                           s);
        if (o->n_sizes == max)
            util_die_input("%s: at most %d sizes", what, max);
        o->sizes[o->n_sizes++] = v;
        p = *end == ',' ? end + 1 : end;
    }
    if (o->n_sizes == 0)
        util_die_input("%s needs at least one size", what);
}

// Whether the command line sets SimGrid option `name` (--cfg=name:value, several options to one
// --cfg separated by spaces); its last value into out (size n; "?" if longer).
static bool cfg_value(int argc, char **argv, const char *name, char *out, size_t n)
{
    const size_t len = strlen(name);
    bool given = false;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--cfg=", 6) != 0)
            continue;
        for (const char *t = argv[i] + 6; *t;) {
            const size_t tl = strcspn(t, " ");
            if (tl > len && strncmp(t, name, len) == 0 && t[len] == ':') {
                given = true;
                const size_t vl = tl - len - 1;
                if (vl < n)
                    snprintf(out, n, "%.*s", (int)vl, t + len + 1);
                else
                    snprintf(out, n, "?");
            }
            t += tl + strspn(t + tl, " ");
        }
    }
    return given;
}

// The collectives' closed forms take a route's latency and bandwidth with the model's scalar
// factors: CM02 (SimGrid's default) and LV08 under the default host model, on links that do not
// change during the run. The command line's models (cfg_net, cfg_host: "" if not given) win over
// the platform's <config>.
static bool closed_forms_hold(const sim_platform_info *p, const char *cfg_net, const char *cfg_host)
{
    const char *net = cfg_net[0] ? cfg_net : p->network_model[0] ? p->network_model : "CM02";
    const char *host = cfg_host[0] ? cfg_host : p->host_model[0] ? p->host_model : "compound";
    return !p->links_vary && (strcmp(net, "CM02") == 0 || strcmp(net, "LV08") == 0) &&
           (strcmp(host, "compound") == 0 || strcmp(host, "default") == 0);
}

// SimGrid creates and frees objects for every activity, and a thousand actors waking at one
// simulated instant free a thousand objects of one size in a burst; glibc's per-thread cache keeps
// 7 of a size, the rest go through its slower bins (malloc_consolidate, unlink_chunk). A larger
// cache takes 13% off a 1024-GPU run and 5% off a 16-GPU one (CPU seconds, README "Benchmarks"),
// but glibc reads it from GLIBC_TUNABLES at process start only: daso-sim starts itself again once
// with it. Not when the variable already sets the cache (glibc.malloc.tcache_count=7 keeps glibc's
// default), under valgrind (its preload library), or when started through the dynamic loader
// (/proc/self/exe is then ld.so, not daso-sim).
static void tune_malloc(char **argv)
{
    const char *t = getenv("GLIBC_TUNABLES"), *pre = getenv("LD_PRELOAD");
    if ((t && (strstr(t, "glibc.malloc.tcache_count") || strlen(t) > 900)) ||
        (pre && strstr(pre, "vgpreload")))
        return;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
    if (strncmp(base, "ld-", 3) == 0)
        return;
    char v[1024];
    snprintf(v, sizeof v, "%s%sglibc.malloc.tcache_count=65535", t ? t : "", t && *t ? ":" : "");
    if (setenv("GLIBC_TUNABLES", v, 1) == 0)
        execv(exe, argv); // returns only if it failed: run with glibc's default
}

// G: the platform's when its file records one (daso-platform's do), else --gpus-per-node or its
// default.
// A G that splits the platform's nodes would put "node-local" traffic on the adapters and
// global traffic on NVLink: refused.
static int gpus_per_node(const cli *p, const sim_options *o, const sim_platform_info *info)
{
    const bool given = cli_given(p, "gpus-per-node");
    const int g = info->gpus_per_node;
    if (g == 0)
        return o->gpus_per_node; // given, or the default
    if (given && o->gpus_per_node % g != 0)
        util_die_input("--gpus-per-node %d splits the nodes of %s, which have %d GPUs: leave the "
                       "option out or give a multiple of %d",
                       o->gpus_per_node, o->platform, g, g);
    return given ? o->gpus_per_node : g;
}

static void run_hostfile(const sim_options *o, int G)
{
    sim_platform_load(o->platform);
    const int n = o->nodes * G;
    sg_host_t *hosts = sim_platform_hosts(o->platform, n);
    outfile hf;
    outfile_open(&hf, o->hostfile);
    for (int i = 0; i < n; i++)
        fprintf(hf.f, "%s\n", sg_host_get_name(hosts[i]));
    outfile_commit(&hf);
    free(hosts);
}

// Which benchmark --collective names, once its combination of options is checked.
static bench_kind bench_checked(const cli *p, const sim_options *o, int G)
{
    bench_kind k = BENCH_ALLREDUCE;
    while (strcmp(collective_bench_name(k), o->collective) != 0)
        k++;
    const bool pair_mode = k >= BENCH_P2P, two_gpus = k == BENCH_P2P || k == BENCH_BIDIR;
    if (o->n_sizes == 0)
        util_die_input("--collective needs --bytes");
    for (int i = 0; !pair_mode && i < o->n_sizes; i++)
        if (o->sizes[i] < 1)
            util_die_input("--collective %s: sizes of at least 1 byte", o->collective);
    if (pair_mode && (cli_given(p, "algo") || cli_given(p, "fidelity")))
        util_die_input("--collective %s is plain messages: no --algo or --fidelity", o->collective);
    if (!two_gpus && o->pair)
        util_die_input("--pair is for --collective p2p and bidir, not %s", o->collective);
    if (two_gpus && !o->pair)
        util_die_input("--collective %s needs --pair intra|inter", o->collective);
    if (two_gpus && strcmp(o->pair, "inter") == 0 && o->nodes < 2)
        util_die_input("--pair inter needs --nodes 2 or more");
    if (two_gpus && strcmp(o->pair, "intra") == 0 && G < 2)
        util_die_input("--pair intra needs 2 or more GPUs per node");
    if (k == BENCH_BISECTION && o->nodes % 2 != 0)
        util_die_input("--collective bisection needs an even --nodes, not %d", o->nodes);
    return k;
}

static void run_bench(const cli *p, sim_options *o, int G)
{
    const bench_kind kind = bench_checked(p, o, G);
    sim_platform_load(o->platform);
    collective_bench b = {.kind = kind, .hier = strcmp(o->algo, "hier") == 0,
                          .inter = o->pair && strcmp(o->pair, "inter") == 0, .nodes = o->nodes,
                          .gpus_per_node = G, .fidelity = (sim_fidelity)o->fidelity,
                          .hosts = sim_platform_hosts(o->platform, o->nodes * G),
                          .bytes = o->sizes, .n_sizes = o->n_sizes, .ring_step_s = o->ring_step_s};
    background_apply(&o->bg);
    collective_bench_run(&b, stdout);
    free(b.hosts);
}

// Which closed forms held, on stderr (README "closed forms").
static void say_closed_forms(const sim_result *r)
{
    const char *held[4];
    int n = 0;
    if (r->closed_local)
        held[n++] = "node-local allreduces and broadcasts";
    if (r->closed_world)
        held[n++] = "the flat gradient allreduce";
    if (r->closed_cross)
        held[n++] = "DASO's global messages";
    if (r->closed_hier)
        held[n++] = "the hierarchical gradient allreduce";
    if (n == 0)
        return;
    fprintf(stderr, "daso-sim: in closed form: ");
    for (int i = 0; i < n; i++)
        fprintf(stderr, "%s%s", held[i], i + 1 < n ? "; " : "\n");
}

// --batch-size (weak scaling) or --global-batch (strong scaling) into the profile m of `world`
// GPUs; what was chosen, for the summary line and the CSV, into text.
static void set_batch(const sim_options *o, profile *m, int world, char *text, size_t n)
{
    if (o->batch_size && o->global_batch)
        util_die_input("--batch-size (per GPU) and --global-batch (over all GPUs) exclude each "
                       "other: give one");
    if (o->global_batch) {
        if (o->global_batch % world != 0)
            util_die_input("--global-batch %d does not divide evenly over %d GPUs: give a multiple "
                           "of %d",
                           o->global_batch, world, world);
        profile_set_batch(m, o->global_batch / world);
        snprintf(text, n, "global batch %d = %.0f per GPU (strong scaling)", o->global_batch,
                 m->samples_per_gpu);
        return;
    }
    if (o->batch_size)
        profile_set_batch(m, o->batch_size);
    snprintf(text, n, "batch %.0f per GPU (weak scaling)", m->samples_per_gpu);
}

// SimGrid gives every actor a stack and a guard page below it, two memory mappings of the
// vm.max_map_count a process may have (65530 by default); a rank has up to three actors. Where
// the guard pages would not fit, they go (--cfg=contexts/guard-size, when given, is kept): a
// 16384-GPU sync run aborted with "Failed to protect stack" otherwise.
static void fit_guard_pages(long gpus)
{
    long max = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &max) != 1)
            max = 65530;
        fclose(f);
    }
    const long actors = 3 * gpus + 16, spare = 8192; // the libraries' and the heap's mappings
    if (2 * actors + spare > max)
        sg_cfg_set_int("contexts/guard-size", 0);
}

static void run_training(sim_options *o, sched_config *c, const sim_platform_info *info,
                         bool closed_forms, bool plugin)
{
    // everything is checked before the platform is loaded
    if (o->model == NULL)
        util_die_input("--model is required (see --help)");
    profile m;
    profile_load(&m, o->model, o->models_dir ? o->models_dir : profile_default_dir());
    const int world = o->nodes * c->gpus_per_node;
    char batch[128];
    set_batch(o, &m, world, batch, sizeof batch);
    c->nodes = o->nodes;
    c->epochs = o->epochs ? o->epochs : (int)m.epochs;
    const profile_epoch epoch = profile_epoch_of(&m, world, o->drop_last);
    c->last_batch = epoch.batches - 1;
    if (epoch.last_samples < m.samples_per_gpu) // an epoch's last batch, when it is partial
        snprintf(batch + strlen(batch), sizeof batch - strlen(batch), ", last batch %.0f",
                 epoch.last_samples);
    sched_config_validate(c);
    variability_check(&o->var, o->nodes, c->gpus_per_node);
    double *loss = mallocCheck(sizeof(double) * (size_t)c->epochs);
    if (o->loss_curve)
        losscurve_read(o->loss_curve, c->epochs, loss);
    else
        for (int e = 0; e < c->epochs; e++)
            loss[e] = profile_loss(&m, e);

    sim_platform_load(o->platform);
    sg_host_t *hosts = sim_platform_hosts(o->platform, world);
    background_apply(&o->bg);
    outfile csv, tr, bd;
    trace t;
    if (o->out) {
        outfile_open(&csv, o->out);
        fprintf(csv.f, "# %s\n", batch);
        driver_csv_header(csv.f);
    }
    if (o->breakdown) {
        outfile_open(&bd, o->breakdown);
        fprintf(bd.f, "# epoch batch time_s compute_s local_comm_s global_wait_s\n");
    }
    if (o->trace) {
        outfile_open(&tr, o->trace);
        trace_begin(&t, tr.f);
    }
    sim_setup s = {.cfg = *c, .model = &m, .last_batch_share = epoch.last_samples / m.samples_per_gpu,
                   .loss = loss, .hosts = hosts,
                   .fidelity = (sim_fidelity)o->fidelity, .ddp_bucket_bytes = o->ddp_bucket_bytes,
                   .closed_forms = closed_forms,
                   .exec_compute = o->exact_compute || plugin || info->needs_executions,
                   .var = &o->var, .horovod_cycle_s = o->horovod_cycle_s,
                   .daso_pack_s = o->daso_pack_s, .ring_step_s = o->ring_step_s,
                   .step_overhead_s = o->step_overhead_s,
                   .csv = o->out ? csv.f : NULL, .breakdown = o->breakdown ? bd.f : NULL,
                   .trace = o->trace ? &t : NULL, .progress = !o->quiet};
    sched_warn(c, stderr); // nothing can fail now
    double wall0 = util_wall_seconds();
    sim_result r;
    sim_run(&s, &r);
    double wall = util_wall_seconds() - wall0;
    if (o->trace) {
        trace_end(&t);
        outfile_commit(&tr);
    }
    if (o->breakdown)
        outfile_commit(&bd);
    if (o->out)
        outfile_commit(&csv);
    if (!o->quiet)
        say_closed_forms(&r);
    const long gpu_batches = r.run.batches * world;
    printf("daso-sim: %s, %s, %d nodes x %d GPUs, %s, %d epochs x %d batches: "
           "training time %.9g s (%.3g h) simulated; bytes between nodes %.9g, inside nodes %.9g; "
           "messages carried %.9g between nodes and %.9g inside; %.2f s wall, %.0f GPU-batches/s\n",
           c->strategy, m.name, o->nodes, c->gpus_per_node, batch, c->epochs, c->last_batch + 1,
           r.run.time_s, r.run.time_s / 3600, r.run.bytes_global, r.run.bytes_local,
           r.sent_global, r.sent_local, wall, gpu_batches / (wall > 0 ? wall : 1e-9));
    free(hosts);
    free(loss);
}

int main(int argc, char **argv)
{
    util_prog = "daso-sim";
    tune_malloc(argv);
    sched_config c;
    sched_config_defaults(&c);
    sim_options o = {.algo = "ring", .fidelity = FIDELITY_FLOW, .ddp_bucket_bytes = 25e6,
                     .var = {.seed = 1}, .bg = {.prefix = "gl-", .share = 1}, .gpus_per_node = 4};
    cli p = {.prog = "daso-sim", .usage = usage, .footer = footer};
    cli_add(&p, NULL, sim_opts, CLI_COUNT(sim_opts), &o);
    sched_config_cli(&p, &c);
    cli_help_if_asked(&p, argc, argv); // before SimGrid, which has a --help of its own
    gsl_set_error_handler_off();       // GSL's codes are checked instead of it aborting
    char value[64], cfg_net[32] = "", cfg_host[32] = "";
    const bool custom_stack = cfg_value(argc, argv, "contexts/stack-size", value, sizeof value);
    if (custom_stack) // 6 KiB overflow with --exact-compute and --trace: 64 leave a margin
        util_parse_long(value, "--cfg=contexts/stack-size", 64, 1 << 20);
    const bool custom_guard = cfg_value(argc, argv, "contexts/guard-size", value, sizeof value);
    const bool plugin = cfg_value(argc, argv, "plugin", value, sizeof value);
    cfg_value(argc, argv, "network/model", cfg_net, sizeof cfg_net);
    cfg_value(argc, argv, "host/model", cfg_host, sizeof cfg_host);
    sim_init(&argc, argv); // takes the --cfg= and --log= options out of argv
    if (!custom_stack)
        sg_cfg_set_int("contexts/stack-size", 512); // KiB: thousands of actors fit
    const int first = cli_parse(&p, argc, argv);
    if (first < argc)
        util_die_input("unexpected argument '%s' (see --help)", argv[first]);
    if (o.platform == NULL || o.nodes == 0)
        util_die_input("--platform and --nodes are required (see --help)");
    const sim_platform_info info = sim_platform_scan(o.platform);
    c.gpus_per_node = gpus_per_node(&p, &o, &info);
    if (o.hostfile)
        run_hostfile(&o, c.gpus_per_node);
    else if (o.collective)
        run_bench(&p, &o, c.gpus_per_node);
    else {
        if (!custom_guard)
            fit_guard_pages((long)o.nodes * c.gpus_per_node);
        run_training(&o, &c, &info,
                     !o.exact_comm && closed_forms_hold(&info, cfg_net, cfg_host), plugin);
    }
    variability_free(&o.var);
    return 0;
}

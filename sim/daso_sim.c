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

#include <simgrid/engine.h> // simgrid_init
#include <simgrid/host.h>   // sg_host_get_name
#include <xbt/config.h>     // sg_cfg_set_int

#include "background.h"       // background_parse, background_apply
#include "collective_bench.h" // collective_bench_run
#include "losscurve.h"        // losscurve_read
#include "outfile.h"          // outfile
#include "platform.h"         // sim_platform_load, sim_platform_hosts
#include "sim_backend.h"      // sim_run
#include "util.h"             // util_prog, util_die_input, util_parse_long, util_parse_double

static void usage(FILE *f)
{
    fprintf(f,
            "usage: daso-sim --platform F --nodes N [--gpus-per-node G] --model M\n"
            "                --strategy daso|sync|hier|localsgd [--epochs E] [--loss-curve F]\n"
            "                [--fidelity flow|step] [--out run.csv] [--trace trace.json]\n"
            "                [--breakdown batches.csv] [DASO hyperparameters] [--cfg=simgrid/option:value ...]\n"
            "       daso-sim --collective allreduce|bcast --algo ring|hier --platform F --nodes N\n"
            "                [--gpus-per-node G] [--fidelity step|flow] --bytes B[,B...]\n"
            "       daso-sim --hostfile F --platform P --nodes N [--gpus-per-node G]\n"
            "\n"
            "Simulates data-parallel training on the first N x G hosts (GPUs, natural name order) of\n"
            "a SimGrid platform file, each run of G consecutive hosts being one node, and prints the\n"
            "simulated training time. The second form times one collective per message size, like\n"
            "nccl-tests on the simulated machine. The third writes the names of the N x G hosts a\n"
            "run uses to F, one per line: an smpirun host file (daso-emulate).\n"
            "\n"
            "  --platform F          SimGrid platform XML (platforms/*.xml, or any platform file)\n"
            "  --nodes N             nodes to use\n"
            "  --gpus-per-node G     GPUs per node (4)\n"
            "  --model M             model profile: a name in the models folder (resnet50,\n"
            "                        hrnet_ocr_cityscapes, transformer, fashion_mlp,\n"
            "                        fashion_cnn) or a .profile file\n"
            "  --models-dir D        where model names are looked up (DASO_MODELS, else the\n"
            "                        toolkit's sim/models)\n"
            "  --strategy S          daso, sync, hier or localsgd (daso)\n"
            "  --epochs E            epochs (the profile's)\n"
            "  --loss-curve F        training loss per epoch, one per line or a run's CSV (the\n"
            "                        profile's documented curve); drives DASO's epoch logic\n"
            "  --fidelity flow|step  collectives as one flow per ring edge (flow) or every ring\n"
            "                        step as messages (step, slow at scale) (flow)\n"
            "  --ddp-bucket-mb X     node-local gradient buckets of daso and localsgd (25)\n"
            "  --exact-comm          simulate the collectives that have closed forms message by\n"
            "                        message: node-local gradient allreduces, DASO's node-local\n"
            "                        broadcasts and global messages, sync's flat and hier's\n"
            "                        hierarchical gradient allreduces (same result, slower)\n"
            "  --exact-compute       compute as SimGrid executions instead of sleeps of the same\n"
            "                        length (same result, slower); automatic when the platform\n"
            "                        has speed, availability or state profiles or a plugin, or\n"
            "                        with --cfg=plugin:...\n"
            "  --compute-dist D      per-GPU, per-batch compute-time multiplier of mean 1:\n"
            "                        normal:CV, lognormal:SIGMA, gamma:K, hist:FILE, or\n"
            "                        stall:P:F (a batch F times slower with probability P) (none)\n"
            "  --straggler S         gpu:RANK:FACTOR[:FROM:TO] or node:NODE:FACTOR[:FROM:TO],\n"
            "                        slower by FACTOR in epochs FROM..TO (repeatable)\n"
            "  --seed S              seed of the compute-time draws (1)\n"
            "  --background F        share F of the global links' bandwidth taken by other jobs\n"
            "                        for the whole run (0)\n"
            "  --background-links P  which links are shared: name prefix (gl-, the links\n"
            "                        between cells of daso-platform's platforms)\n"
            "  --horovod-cycle-ms X  sync/hier buckets start on Horovod's cycle ticks (0: at once;\n"
            "                        Horovod's HOROVOD_CYCLE_TIME is 1 to 5 ms)\n"
            "  --daso-pack-ms X      time to pack a DASO global message, and to merge it (0)\n"
            "  --ring-step-us X      software time of every step of the allreduces (flat,\n"
            "                        hierarchical, node-local; small ones too), on top of the\n"
            "                        route latency (NCCL's or MPI's per-step cost), once per\n"
            "                        chunk of DASO's global message; not of broadcasts (0)\n"
            "  --out F               per-epoch CSV\n"
            "  --trace F             Chrome trace JSON, one track per GPU\n"
            "  --breakdown F         per-batch time breakdown of GPU 0\n"
            "  --quiet               no progress line\n"
            "  --collective allreduce|bcast, --algo ring|hier, --bytes B[,B...]  benchmark mode\n"
            "  --hostfile F          host file mode\n"
            "  --cfg=name:value      any SimGrid option (e.g. --cfg=network/model:LV08)\n"
            "  --help                this text\n");
    sched_config_help(f);
}

// "1e6,1e8,256MB"-style lists are not needed: plain numbers separated by commas.
static int parse_sizes(const char *s, double *out, int max)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || v < 1 || (*end != ',' && *end != '\0'))
            util_die_input("--bytes: '%s' is not a list of sizes >= 1 separated by commas", s);
        if (n == max)
            util_die_input("--bytes: at most %d sizes", max);
        out[n++] = v;
        p = *end == ',' ? end + 1 : end;
    }
    if (n == 0)
        util_die_input("--bytes needs at least one size");
    return n;
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

int main(int argc, char **argv)
{
    util_prog = "daso-sim";
    tune_malloc(argv);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    char value[64], cfg_net[32] = "", cfg_host[32] = "";
    const bool custom_stack = cfg_value(argc, argv, "contexts/stack-size", value, sizeof value),
               plugin = cfg_value(argc, argv, "plugin", value, sizeof value);
    cfg_value(argc, argv, "network/model", cfg_net, sizeof cfg_net);
    cfg_value(argc, argv, "host/model", cfg_host, sizeof cfg_host);
    simgrid_init(&argc, argv); // takes the --cfg= and --log= options out of argv
    if (!custom_stack)
        sg_cfg_set_int("contexts/stack-size", 512); // KiB: thousands of actors fit

    sched_config c;
    sched_config_defaults(&c);
    c.gpus_per_node = 4;
    const char *platform = NULL, *model = NULL, *loss_file = NULL, *out = NULL, *trace_path = NULL,
               *breakdown = NULL, *collective = NULL, *algo = "ring", *mdir = NULL,
               *hostfile = NULL;
    double sizes[64];
    int n_sizes = 0, epochs = 0, nodes = 0;
    sim_fidelity fidelity = FIDELITY_FLOW;
    double ddp_bucket = 25e6;
    bool quiet = false, exact_comm = false, exact_compute = false;
    variability var = {.seed = 1};
    background bg = {.prefix = "gl-"};
    double horovod_cycle = 0, daso_pack = 0, ring_step = 0;
    for (int i = 1; i < argc;) {
        int used = sched_config_option(&c, argc, argv, i);
        if (used) {
            i += used;
            continue;
        }
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool *flag = strcmp(a, "--quiet") == 0           ? &quiet
                     : strcmp(a, "--exact-comm") == 0    ? &exact_comm
                     : strcmp(a, "--exact-compute") == 0 ? &exact_compute
                                                         : NULL;
        if (flag) {
            *flag = true;
            i++;
            continue;
        }
        if (strcmp(a, "--platform") == 0)
            platform = util_value(v, a);
        else if (strcmp(a, "--nodes") == 0)
            nodes = (int)util_parse_long(v, a, 1, 1000000);
        else if (strcmp(a, "--gpus-per-node") == 0)
            c.gpus_per_node = (int)util_parse_long(v, a, 1, 1024);
        else if (strcmp(a, "--model") == 0)
            model = util_value(v, a);
        else if (strcmp(a, "--models-dir") == 0)
            mdir = util_value(v, a);
        else if (strcmp(a, "--strategy") == 0)
            c.strategy = util_value(v, a);
        else if (strcmp(a, "--epochs") == 0)
            epochs = (int)util_parse_long(v, a, 1, 1000000);
        else if (strcmp(a, "--loss-curve") == 0)
            loss_file = util_value(v, a);
        else if (strcmp(a, "--fidelity") == 0) {
            if (strcmp(util_value(v, a), "flow") != 0 && strcmp(v, "step") != 0)
                util_die_input("--fidelity must be flow or step (got '%s')", v);
            fidelity = strcmp(v, "step") == 0 ? FIDELITY_STEP : FIDELITY_FLOW;
        } else if (strcmp(a, "--ddp-bucket-mb") == 0)
            ddp_bucket = util_parse_double(v, a, 1e-6, 1e6) * 1e6;
        else if (strcmp(a, "--compute-dist") == 0)
            variability_set_dist(&var, util_value(v, a));
        else if (strcmp(a, "--straggler") == 0)
            variability_add_straggler(&var, util_value(v, a));
        else if (strcmp(a, "--background") == 0)
            background_parse(&bg, util_value(v, a));
        else if (strcmp(a, "--background-links") == 0)
            bg.prefix = util_value(v, a);
        else if (strcmp(a, "--horovod-cycle-ms") == 0)
            horovod_cycle = util_parse_double(v, a, 0, 1e6) / 1e3;
        else if (strcmp(a, "--daso-pack-ms") == 0)
            daso_pack = util_parse_double(v, a, 0, 1e6) / 1e3;
        else if (strcmp(a, "--ring-step-us") == 0)
            ring_step = util_parse_double(v, a, 0, 1e9) / 1e6;
        else if (strcmp(a, "--seed") == 0)
            var.seed = (unsigned long)util_parse_long(v, a, 0, 2147483647);
        else if (strcmp(a, "--out") == 0)
            out = util_value(v, a);
        else if (strcmp(a, "--trace") == 0)
            trace_path = util_value(v, a);
        else if (strcmp(a, "--breakdown") == 0)
            breakdown = util_value(v, a);
        else if (strcmp(a, "--collective") == 0)
            collective = util_value(v, a);
        else if (strcmp(a, "--algo") == 0)
            algo = util_value(v, a);
        else if (strcmp(a, "--hostfile") == 0)
            hostfile = util_value(v, a);
        else if (strcmp(a, "--bytes") == 0)
            n_sizes = parse_sizes(util_value(v, a), sizes, 64);
        else
            util_die_input("unknown option '%s' (see --help)", a);
        i += 2;
    }
    if (platform == NULL || nodes == 0)
        util_die_input("--platform and --nodes are required (see --help)");

    // --- host file mode
    if (hostfile) {
        sim_platform_load(platform);
        const int n = nodes * c.gpus_per_node;
        sg_host_t *hosts = sim_platform_hosts(platform, n);
        outfile hf;
        outfile_open(&hf, hostfile);
        for (int i = 0; i < n; i++)
            fprintf(hf.f, "%s\n", sg_host_get_name(hosts[i]));
        outfile_commit(&hf);
        free(hosts);
        return 0;
    }

    // --- benchmark mode
    if (collective) {
        bool bcast = strcmp(collective, "bcast") == 0;
        if (!bcast && strcmp(collective, "allreduce") != 0)
            util_die_input("--collective must be allreduce or bcast (got '%s')", collective);
        if (strcmp(algo, "ring") != 0 && strcmp(algo, "hier") != 0)
            util_die_input("--algo must be ring or hier (got '%s')", algo);
        if (n_sizes == 0)
            util_die_input("--collective needs --bytes");
        sim_platform_load(platform);
        collective_bench b = {.bcast = bcast, .hier = strcmp(algo, "hier") == 0, .nodes = nodes,
                              .gpus_per_node = c.gpus_per_node, .fidelity = fidelity,
                              .hosts = sim_platform_hosts(platform, nodes * c.gpus_per_node),
                              .bytes = sizes, .n_sizes = n_sizes, .ring_step_s = ring_step};
        background_apply(&bg);
        collective_bench_run(&b, stdout);
        free(b.hosts);
        return 0;
    }

    // --- training mode: everything is checked before the platform is loaded
    if (model == NULL)
        util_die_input("--model is required (see --help)");
    profile m;
    profile_load(&m, model, mdir ? mdir : profile_default_dir());
    c.nodes = nodes;
    c.epochs = epochs ? epochs : (int)m.epochs;
    c.last_batch = profile_batches_per_epoch(&m, nodes * c.gpus_per_node) - 1;
    sched_config_validate(&c);
    double *loss = mallocCheck(sizeof(double) * (size_t)c.epochs);
    if (loss_file)
        losscurve_read(loss_file, c.epochs, loss);
    else
        for (int e = 0; e < c.epochs; e++)
            loss[e] = profile_loss(&m, e);

    sim_platform_load(platform);
    sg_host_t *hosts = sim_platform_hosts(platform, nodes * c.gpus_per_node);
    background_apply(&bg);
    outfile csv, tr, bd;
    trace t;
    if (out) {
        outfile_open(&csv, out);
        driver_csv_header(csv.f);
    }
    if (breakdown) {
        outfile_open(&bd, breakdown);
        fprintf(bd.f, "# epoch batch time_s compute_s local_comm_s global_wait_s\n");
    }
    if (trace_path) {
        outfile_open(&tr, trace_path);
        trace_begin(&t, tr.f);
    }
    const sim_platform_info info = sim_platform_scan(platform);
    sim_setup s = {.cfg = c, .model = &m, .loss = loss, .hosts = hosts, .fidelity = fidelity,
                   .ddp_bucket_bytes = ddp_bucket,
                   .closed_forms = !exact_comm && closed_forms_hold(&info, cfg_net, cfg_host),
                   .exec_compute = exact_compute || plugin || info.needs_executions,
                   .var = &var, .horovod_cycle_s = horovod_cycle, .daso_pack_s = daso_pack,
                   .ring_step_s = ring_step,
                   .csv = out ? csv.f : NULL,
                   .breakdown = breakdown ? bd.f : NULL, .trace = trace_path ? &t : NULL,
                   .progress = !quiet};
    double wall0 = util_wall_seconds();
    sim_result r;
    sim_run(&s, &r);
    double wall = util_wall_seconds() - wall0;

    if (trace_path) {
        trace_end(&t);
        outfile_commit(&tr);
    }
    if (breakdown)
        outfile_commit(&bd);
    if (out)
        outfile_commit(&csv);
    long gpu_batches = r.run.batches * nodes * c.gpus_per_node;
    if (!quiet && (r.closed_local || r.closed_world || r.closed_cross || r.closed_hier)) {
        const char *held[4]; // which closed forms held (README)
        int n = 0;
        if (r.closed_local)
            held[n++] = "node-local allreduces and broadcasts";
        if (r.closed_world)
            held[n++] = "the flat gradient allreduce";
        if (r.closed_cross)
            held[n++] = "DASO's global messages";
        if (r.closed_hier)
            held[n++] = "the hierarchical gradient allreduce";
        fprintf(stderr, "daso-sim: in closed form: ");
        for (int i = 0; i < n; i++)
            fprintf(stderr, "%s%s", held[i], i + 1 < n ? "; " : "\n");
    }
    printf("daso-sim: %s, %s, %d nodes x %d GPUs, %d epochs x %d batches: training time %.9g s "
           "(%.3g h) simulated; bytes between nodes %.9g, inside nodes %.9g; messages carried "
           "%.9g between nodes and %.9g inside; %.2f s wall, %.0f GPU-batches/s\n",
           c.strategy, m.name, nodes, c.gpus_per_node, c.epochs, c.last_batch + 1, r.run.time_s,
           r.run.time_s / 3600, r.run.bytes_global, r.run.bytes_local, r.sent_global,
           r.sent_local, wall, gpu_batches / (wall > 0 ? wall : 1e-9));
    free(hosts);
    free(loss);
    variability_free(&var);
    return 0;
}

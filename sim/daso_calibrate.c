// daso_calibrate.c: build/daso-calibrate, which turns measurements into the simulator's inputs,
// each number written with where it came from:
//
//   daso-calibrate profile --trace run.json --base fashion_mlp --name my_mlp --out my_mlp.profile
//       per-batch compute times from a daso-train Chrome trace ("forward-backward" and
//       "optimizer" events of every rank): the profile's forward/backward/optimizer times (the
//       base profile's forward:backward split), and next to it my_mlp.times, every batch's time,
//       for daso-sim --compute-dist hist:my_mlp.times (the measured distribution)
//
//   daso-calibrate platform --bench allreduce.txt --out my.xml -- [daso-platform options]
//       a ring allreduce benchmark (daso-sim --collective output, or any "bytes time_s" rows with
//       a "# collective allreduce algo ring nodes N gpus_per_node 1" header) fitted by least
//       squares (GSL) to t = 2(n-1) alpha + 2(n-1)/n S / beta, then a platform written by
//       daso-platform with --hca-bw beta and --hca-lat alpha / 2 (a route is two adapters)
#define _POSIX_C_SOURCE 200809L
#include <limits.h> // PATH_MAX
#include <math.h>   // sqrt, isfinite
#include <stdio.h>  // FILE, getline, fprintf
#include <stdlib.h> // free, strtod, realloc
#include <stdbool.h> // bool
#include <string.h> // strcmp, strncmp, strstr, strrchr, strpbrk, strncat
#include <unistd.h> // readlink, execv

#include <gsl/gsl_fit.h>        // gsl_fit_linear
#include <gsl/gsl_statistics.h> // gsl_stats_mean, gsl_stats_sd

#include "cli.h"     // cli, cli_parse
#include "outfile.h" // outfile
#include "profile.h" // profile_load
#include "util.h"    // util_prog, util_die_input, util_value, fopenCheck

static const char usage[] =
    "usage: daso-calibrate profile --trace TRACE.json --base MODEL --name NAME --out F.profile\n"
    "                      [--models-dir D]\n"
    "       daso-calibrate platform --bench BENCH.txt --out F.xml [-- daso-platform options]\n"
    "\n"
    "profile: a model profile whose compute times are the means measured in a daso-train\n"
    "trace (--trace), everything else from the base profile; also writes F.times, every\n"
    "measured batch time, for daso-sim --compute-dist hist:F.times.\n"
    "platform: fits a ring allreduce benchmark (daso-sim --collective allreduce --algo ring\n"
    "output, or rows 'bytes time_s' under '# collective allreduce algo ring nodes N\n"
    "gpus_per_node 1') to alpha-beta and writes a platform with that adapter bandwidth and\n"
    "latency through daso-platform (which must be next to this program), with the\n"
    "daso-platform options after '--' (all but --hca-bw, --hca-lat and --out, which the fit\n"
    "sets).\n"
    "\n"
    "daso-calibrate profile --help and daso-calibrate platform --help list each one's options.\n";

typedef struct {
    const char *trace, *base, *name, *out, *bench, *models_dir;
} calibrate_options;

static const cli_opt profile_opts[] = {
    CLI_STR("trace", calibrate_options, trace, "TRACE.json", "daso-train's Chrome trace"),
    CLI_STR("base", calibrate_options, base, "MODEL", "profile the rest is taken from"),
    CLI_STR("name", calibrate_options, name, "NAME", "name of the new profile"),
    CLI_STR("models-dir", calibrate_options, models_dir, "D",
            "where MODEL is looked up (DASO_MODELS, else the\ntoolkit's sim/models)"),
    CLI_STR("out", calibrate_options, out, "F.profile", "the profile written (and F.times)"),
};
static const cli_opt platform_opts[] = {
    CLI_STR("bench", calibrate_options, bench, "BENCH.txt", "ring allreduce benchmark"),
    CLI_STR("out", calibrate_options, out, "F.xml", "the platform written"),
};

// Growing array of doubles.
typedef struct {
    double *v;
    size_t n, cap;
} series;

static void push(series *s, double x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->v = realloc(s->v, sizeof(double) * s->cap);
        if (s->v == NULL)
            util_die("out of memory");
    }
    s->v[s->n++] = x;
}

// The value of "key": in a line of JSON, or NAN.
static double json_number(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? strtod(p + strlen(key), NULL) : NAN;
}

// ----------------------------------------------------------------------------
// profile

static void calibrate_profile(const char *trace, const char *base, const char *mdir,
                              const char *name, const char *out)
{
    profile m;
    profile_load(&m, base, mdir ? mdir : profile_default_dir());
    if (strlen(name) == 0 || strlen(name) >= sizeof m.name || strpbrk(name, " \t#"))
        util_die_input("--name must be one word of at most %zu characters", sizeof m.name - 1);
    FILE *f = fopenCheck(trace, "r");
    series fb = {0}, opt = {0};
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) != -1) {
        bool is_fb = strstr(line, "\"name\":\"forward-backward\"") != NULL;
        bool is_opt = strstr(line, "\"name\":\"optimizer\"") != NULL;
        if (!is_fb && !is_opt)
            continue;
        double dur = json_number(line, "\"dur\":");
        if (!isfinite(dur) || dur < 0)
            util_die_input("%s: an event without a valid \"dur\"", trace);
        push(is_fb ? &fb : &opt, dur * 1e-6);
    }
    free(line);
    fclose(f);
    if (fb.n < 2)
        util_die_input("%s has %zu forward-backward events; a daso-train --trace has one per batch "
                       "and rank",
                       trace, fb.n);
    double mean = gsl_stats_mean(fb.v, 1, fb.n), sd = gsl_stats_sd(fb.v, 1, fb.n);
    double opt_mean = opt.n ? gsl_stats_mean(opt.v, 1, opt.n) : m.optimizer_s;
    double split = m.forward_s / (m.forward_s + m.backward_s);

    char times[PATH_MAX];
    snprintf(times, sizeof times, "%s", out);
    char *dot = strrchr(times, '.');
    if (dot && strcmp(dot, ".profile") == 0)
        *dot = '\0';
    strncat(times, ".times", sizeof times - strlen(times) - 1);
    outfile o, t;
    outfile_open(&o, out);
    outfile_open(&t, times);
    fprintf(t.f, "# forward-backward seconds of every batch and rank in %s\n", trace);
    for (size_t i = 0; i < fb.n; i++)
        fprintf(t.f, "%.9g\n", fb.v[i]);
    fprintf(o.f,
            "# %s.profile: written by daso-calibrate from the measurements of %s on the model\n"
            "# profile %s (every other number is that profile's, with its sources there).\n"
            "# %zu forward-backward events: mean %.6g s, sd %.6g s (cv %.3f); their distribution is\n"
            "# in %s, for daso-sim --compute-dist hist:%s\n"
            "name            %s\n"
            "description     %s, calibrated from %s\n"
            "params          %.0f\n"
            "samples_per_gpu %.0f\n"
            "dataset_size    %.0f\n"
            "epochs          %.0f\n"
            "ref_gpu         %s\n"
            "ref_gpu_flops   %.9g  # the base profile's: set it to the speed of the platform host the\n"
            "                # measurements stand for, so that the simulated times are the measured ones\n"
            "forward_s       %.9g  # measured mean x %s's forward share %.3f\n"
            "backward_s      %.9g  # measured mean x %s's backward share %.3f\n"
            "optimizer_s     %.9g  # %s\n"
            "precision       %s\n"
            "loss_start      %.9g\n"
            "loss_floor      %.9g\n"
            "loss_tau        %.9g\n",
            name, trace, m.name, fb.n, mean, sd, sd / mean, times, times, name, m.description,
            trace, m.params, m.samples_per_gpu, m.dataset_size, m.epochs, m.ref_gpu,
            m.ref_gpu_flops, mean * split, m.name, split, mean * (1 - split), m.name, 1 - split,
            opt_mean, opt.n ? "measured mean of the optimizer events" : "the base profile's",
            m.precision, m.loss_start, m.loss_floor, m.loss_tau);
    outfile_commit(&t);
    outfile_commit(&o);
    printf("daso-calibrate: %s: forward+backward %.6g s per batch (sd %.3g s over %zu batches), "
           "optimizer %.6g s; distribution in %s\n",
           out, mean, sd, fb.n, opt_mean, times);
    free(fb.v);
    free(opt.v);
}

// ----------------------------------------------------------------------------
// platform

static void calibrate_platform(const char *bench, const char *out, int argc, char **argv)
{
    FILE *f = fopenCheck(bench, "r");
    series x = {0}, y = {0};
    int n = 0, g = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) != -1) {
        if (line[0] == '#') {
            const char *p = strstr(line, "algo ring nodes ");
            if (strstr(line, "collective allreduce") && p)
                sscanf(p, "algo ring nodes %d gpus_per_node %d", &n, &g);
            continue;
        }
        double s, t;
        if (sscanf(line, "%lf %lf", &s, &t) == 2 && s > 0 && t > 0) {
            push(&x, s);
            push(&y, t);
        }
    }
    free(line);
    fclose(f);
    if (n < 2 || g != 1)
        util_die_input("%s: no '# collective allreduce algo ring nodes N gpus_per_node 1' header "
                       "with N >= 2 (one GPU per node: every ring step crosses the network)",
                       bench);
    if (x.n < 2)
        util_die_input("%s: at least two 'bytes time_s' rows of different sizes are needed", bench);
    double c0, c1, cov00, cov01, cov11, sumsq;
    gsl_fit_linear(x.v, 1, y.v, 1, x.n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    double steps = 2.0 * (n - 1), alpha = c0 / steps, beta = steps / n / c1;
    if (!(beta > 0) || !isfinite(beta) || alpha < 0)
        util_die_input("%s: the fit gives bandwidth %g B/s and latency %g s, not a network", bench,
                       beta, alpha);
    printf("daso-calibrate: %s: %zu sizes over %d nodes: latency %.4g s per step (+-%.2g), "
           "bandwidth %.4g B/s (fit residual %.3g s^2)\n",
           bench, x.n, n, alpha, sqrt(cov00) / steps, beta, sumsq);
    free(x.v);
    free(y.v);

    // daso-platform, next to this program, writes the file
    char exe[PATH_MAX], prog[PATH_MAX + 16], bw[64], lat[64], comment[512];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0)
        util_die("cannot find where daso-calibrate is");
    exe[k] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(prog, sizeof prog, "%s/daso-platform", exe);
    snprintf(bw, sizeof bw, "%.6g", beta);
    snprintf(lat, sizeof lat, "%.6g", alpha / 2);
    snprintf(comment, sizeof comment,
             "hca-bw and hca-lat fitted by daso-calibrate to the ring allreduce of %s: %.4g B/s, "
             "%.4g s per ring step",
             bench, beta, alpha);
    char **args = mallocCheck(sizeof(char *) * (size_t)(argc + 10));
    int a = 0;
    args[a++] = prog;
    for (int i = 0; i < argc; i++)
        args[a++] = argv[i];
    const char *extra[] = {"--hca-bw", bw, "--hca-lat", lat, "--comment", comment, "--out", out};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        args[a++] = (char *)extra[i];
    args[a] = NULL;
    fflush(stdout);
    execv(prog, args);
    util_die("cannot run %s", prog);
}

int main(int argc, char **argv)
{
    util_prog = "daso-calibrate";
    cli top = {.usage = usage};
    if (argc < 2 || argv[1][0] == '-') {
        cli_help_if_asked(&top, argc, argv);
        util_die_input("the first argument must be profile or platform (see --help)");
    }
    const bool is_profile = strcmp(argv[1], "profile") == 0;
    if (!is_profile && strcmp(argv[1], "platform") != 0)
        util_die_input("the first argument must be profile or platform, not '%s' (see --help)",
                       argv[1]);
    calibrate_options o = {0};
    cli p = {.usage = is_profile ? "usage: daso-calibrate profile --trace TRACE.json --base MODEL "
                                   "--name NAME --out F.profile [--models-dir D]\n"
                                 : "usage: daso-calibrate platform --bench BENCH.txt --out F.xml "
                                   "[-- daso-platform options]\n"};
    if (is_profile)
        cli_add(&p, NULL, profile_opts, CLI_COUNT(profile_opts), &o);
    else
        cli_add(&p, NULL, platform_opts, CLI_COUNT(platform_opts), &o);
    const int first = cli_parse(&p, argc - 1, argv + 1) + 1; // argv[1] is the subcommand
    const bool dashes = first - 1 < argc && strcmp(argv[first - 1], "--") == 0;
    if (first < argc && (is_profile || !dashes))
        util_die_input("unexpected argument '%s' (see --help)", argv[first]);
    if (o.out == NULL)
        util_die_input("--out is required");
    if (is_profile) {
        if (o.trace == NULL || o.base == NULL || o.name == NULL)
            util_die_input("profile needs --trace, --base and --name");
        calibrate_profile(o.trace, o.base, o.models_dir, o.name, o.out);
        return 0;
    }
    if (o.bench == NULL)
        util_die_input("platform needs --bench");
    for (int i = first; i < argc; i++)
        if (strncmp(argv[i], "--hca-bw", 8) == 0 || strncmp(argv[i], "--hca-lat", 9) == 0 ||
            strncmp(argv[i], "--out", 5) == 0)
            util_die_input("%.*s is set by the fit (see --help)", (int)strcspn(argv[i], "="),
                           argv[i]);
    calibrate_platform(o.bench, o.out, argc - first, argv + first);
}

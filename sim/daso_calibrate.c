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
//
//   daso-calibrate scaling --measured spi.txt --platform my.xml --gpus-per-node 4 --model my_mlp
//                          --out my.opts            then: daso-sim ... $(cat my.opts)
//       seconds per iteration measured at a few scales (rows "gpus seconds_per_iteration") fitted
//       by least squares (GSL's gsl_multifit_nlinear, forward differences of daso-sim runs: one
//       epoch of every row, its rows and seeds run in parallel) in what the model cannot know:
//       --step-overhead-ms (a fixed framework cost per step), --net-share (the share of every
//       link's bandwidth achieved) and --compute-dist normal:CV (compute variability, which a
//       synchronous step pays as the slowest GPU's), or instead of it --gpu-speed-dist
//       normal:CV (persistent per-GPU speed differences; from times at a few scales the two are
//       hardly told apart, so not both); --fit chooses. Residuals are relative, so
//       every row counts alike; standard errors come from the Jacobian, scaled by the residual
//       (none when there are only as many scales as parameters)
#define _POSIX_C_SOURCE 200809L
#include <limits.h> // PATH_MAX
#include <math.h>   // sqrt, isfinite
#include <stdio.h>  // FILE, getline, fprintf
#include <stdlib.h> // free, strtod, realloc
#include <stdbool.h> // bool
#include <string.h> // strcmp, strncmp, strstr, strrchr, strpbrk, strncat
#include <sys/wait.h> // waitpid, WIFEXITED
#include <unistd.h>   // readlink, execv, fork, pipe, dup2

#include <gsl/gsl_blas.h>             // gsl_blas_ddot
#include <gsl/gsl_fit.h>              // gsl_fit_linear
#include <gsl/gsl_multifit_nlinear.h> // gsl_multifit_nlinear_driver
#include <gsl/gsl_statistics.h> // gsl_stats_mean, gsl_stats_sd

#include "cli.h"         // cli, cli_parse
#include "outfile.h"     // outfile, outfile_commit_all
#include "profile.h"     // profile_load
#include "util.h"        // util_prog, util_die_input, util_value, fopenCheck
#include "variability.h" // variability_set_dist (daso-sim's reader of --compute-dist hist:F)

static const char usage[] =
    "usage: daso-calibrate profile --trace TRACE.json --base MODEL --name NAME --out F.profile\n"
    "                      [--models-dir D]\n"
    "       daso-calibrate platform --bench BENCH.txt --out F.xml [-- daso-platform options]\n"
    "       daso-calibrate scaling --measured FILE --platform P --gpus-per-node G --model M\n"
    "                      --out OPTS [--strategy S] [--fit LIST] [--seeds K] [--models-dir D]\n"
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
    "scaling: fits what the model cannot know (framework overhead per step, achieved share of\n"
    "the network, compute-time variability per batch or per GPU) to seconds per iteration\n"
    "measured at a few scales (rows 'gpus seconds_per_iteration'), by least squares over\n"
    "daso-sim runs (next to this program), and writes the fitted daso-sim options to OPTS, one\n"
    "per line, for 'daso-sim ... $(cat OPTS)' at any scale.\n"
    "\n"
    "daso-calibrate profile --help, daso-calibrate platform --help and daso-calibrate scaling\n"
    "--help list each one's options.\n";

typedef struct {
    const char *trace, *base, *name, *out, *bench, *models_dir;
    const char *measured, *platform, *model, *strategy, *fit;
    int gpus_per_node, seeds;
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
static const cli_opt scaling_opts[] = {
    CLI_STR("measured", calibrate_options, measured, "FILE",
            "rows 'gpus seconds_per_iteration' ('#' comments);\nfewer GPUs than a node: one node "
            "of that many GPUs\n(platforms that do not record G), else whole nodes"),
    CLI_STR("platform", calibrate_options, platform, "P",
            "daso-sim's platform of the measurements"),
    CLI_NUM("gpus-per-node", CLI_INT, calibrate_options, gpus_per_node, 1, 1e6, "G",
            "GPUs per node", .flags = CLI_NO_DEFAULT),
    CLI_STR("model", calibrate_options, model, "M", "daso-sim's model profile"),
    CLI_STR("models-dir", calibrate_options, models_dir, "D", "where M is looked up (daso-sim's)"),
    CLI_STR("strategy", calibrate_options, strategy, "S", "the strategy measured"),
    CLI_STR("fit", calibrate_options, fit, "LIST",
            "the daso-sim options fitted, a comma list of\ncompute-dist (normal:CV, per GPU and "
            "batch),\ngpu-speed-dist (normal:CV, per GPU for the run;\nnot with compute-dist),\n"
            "step-overhead-ms (fixed time per step),\nnet-share (share of every "
            "link's bandwidth)\n(compute-dist,step-overhead-ms,net-share)",
            .flags = CLI_NO_DEFAULT), // the generated default would not wrap
    CLI_NUM("seeds", CLI_INT, calibrate_options, seeds, 1, 1000, "K",
            "daso-sim seeds averaged per row"),
    CLI_STR("out", calibrate_options, out, "OPTS", "the fitted daso-sim options, one per line"),
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

// The number after "key" in a line of JSON, or NAN when there is no key or no number after it
// ("dur":"x").
static double json_number(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    if (p == NULL)
        return NAN;
    p += strlen(key);
    char *end;
    const double v = strtod(p, &end);
    return end == p ? NAN : v;
}

// The path of program `name` in this program's folder, into buf.
static void sibling(char *buf, size_t len, const char *name)
{
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k <= 0)
        util_die("cannot find where daso-calibrate is");
    exe[k] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(buf, len, "%s/%s", exe, name);
}

// ----------------------------------------------------------------------------
// profile

// Reads the written profile and batch times back with daso-sim's own readers (profile_load, and
// --compute-dist hist:F's), before either is committed: what daso-sim would refuse (a zero mean
// time, batch times all alike, a description too long) ends here with one line naming the
// output, and the temporary files go (util_cleanup). Outputs written through (a FIFO, a device)
// cannot be read back and are not checked.
static void check_as_daso_sim(const outfile *o, const outfile *t)
{
    const char *prog = util_prog;
    char what[PATH_MAX + 64], path[PATH_MAX + 16];
    if (o->tmp) {
        snprintf(what, sizeof what, "%s: daso-sim would refuse %s", prog, o->path);
        util_prog = what;
        // a path to profile_load when it has a '/' (the temporary name does not end in .profile)
        snprintf(path, sizeof path, "%s%s", strchr(o->tmp, '/') ? "" : "./", o->tmp);
        profile p;
        profile_load(&p, path, NULL);
    }
    if (t->tmp) {
        snprintf(what, sizeof what, "%s: daso-sim would refuse %s", prog, t->path);
        util_prog = what;
        snprintf(path, sizeof path, "hist:%s", t->tmp);
        variability v = {0};
        variability_set_dist(&v, path);
        variability_free(&v);
    }
    util_prog = prog;
}

// The durations in seconds of the "forward-backward" and "optimizer" events of a daso-train
// Chrome trace (one event per line, as core/events.c writes them): at least 2 forward-backward.
static void read_trace(const char *trace, series *fb, series *opt)
{
    FILE *f = fopenCheck(trace, "r");
    char *line = NULL;
    size_t cap = 0;
    util_bounds bounds = UTIL_BOUNDS(trace);
    bounds.max_bytes = (size_t)1 << 36; // 64 GiB: a long run's trace, one event a line
    while (util_getline(&line, &cap, f, &bounds) != -1) {
        bool is_fb = strstr(line, "\"name\":\"forward-backward\"") != NULL;
        bool is_opt = strstr(line, "\"name\":\"optimizer\"") != NULL;
        if (!is_fb && !is_opt)
            continue;
        double dur = json_number(line, "\"dur\":");
        if (!isfinite(dur) || dur < 0)
            util_die_input("%s: an event without a valid \"dur\"", trace);
        push(is_fb ? fb : opt, dur * 1e-6);
    }
    free(line);
    fclose(f);
    if (fb->n < 2)
        util_die_input("%s has %zu forward-backward events; a daso-train --trace has one per batch "
                       "and rank",
                       trace, fb->n);
}

static void calibrate_profile(const char *trace, const char *base, const char *mdir,
                              const char *name, const char *out)
{
    profile m;
    profile_load(&m, base, mdir ? mdir : profile_default_dir());
    if (strlen(name) == 0 || strlen(name) >= sizeof m.name || strpbrk(name, " \t#"))
        util_die_input("--name must be one word of at most %zu characters", sizeof m.name - 1);
    // both outputs checked before the trace is read: F.profile and F.times
    char times[PATH_MAX];
    snprintf(times, sizeof times, "%s", out);
    char *dot = strrchr(times, '.');
    if (dot && strcmp(dot, ".profile") == 0)
        *dot = '\0';
    strncat(times, ".times", sizeof times - strlen(times) - 1);
    outfile o, t;
    outfile_open(&o, out);
    outfile_open(&t, times);
    series fb = {0}, opt = {0};
    read_trace(trace, &fb, &opt);
    double mean = gsl_stats_mean(fb.v, 1, fb.n), sd = gsl_stats_sd(fb.v, 1, fb.n);
    double opt_mean = opt.n ? gsl_stats_mean(opt.v, 1, opt.n) : m.optimizer_s;
    double split = m.forward_s / (m.forward_s + m.backward_s);

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
    if (fflush(o.f) != 0 || fflush(t.f) != 0)
        util_die("writing %s or %s failed", out, times);
    check_as_daso_sim(&o, &t);
    outfile *const both[] = {&o, &t};
    outfile_commit_all(both, 2);
    printf("daso-calibrate: %s: forward+backward %.6g s per batch (sd %.3g s over %zu batches), "
           "optimizer %.6g s; distribution in %s\n",
           out, mean, sd, fb.n, opt_mean, times);
    free(fb.v);
    free(opt.v);
}

// ----------------------------------------------------------------------------
// platform

// The rows "bytes time_s" of a ring allreduce benchmark into x and y (at least 2), and the node
// count of its header "# collective allreduce algo ring nodes N gpus_per_node 1" (N >= 2).
static int read_bench(const char *bench, series *x, series *y)
{
    FILE *f = fopenCheck(bench, "r");
    int n = 0, g = 0;
    char *line = NULL;
    size_t cap = 0;
    util_bounds bounds = UTIL_BOUNDS(bench);
    while (util_getline(&line, &cap, f, &bounds) != -1) {
        if (line[0] == '#') {
            const char *p = strstr(line, "algo ring nodes ");
            if (strstr(line, "collective allreduce") && p)
                sscanf(p, "algo ring nodes %d gpus_per_node %d", &n, &g);
            continue;
        }
        double s, t;
        if (sscanf(line, "%lf %lf", &s, &t) == 2 && s > 0 && t > 0) {
            push(x, s);
            push(y, t);
        }
    }
    free(line);
    fclose(f);
    if (n < 2 || g != 1)
        util_die_input("%s: no '# collective allreduce algo ring nodes N gpus_per_node 1' header "
                       "with N >= 2 (one GPU per node: every ring step crosses the network)",
                       bench);
    if (x->n < 2)
        util_die_input("%s: at least two 'bytes time_s' rows of different sizes are needed", bench);
    return n;
}

static void calibrate_platform(const char *bench, const char *out, int argc, char **argv)
{
    series x = {0}, y = {0};
    const int n = read_bench(bench, &x, &y);
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
    char prog[PATH_MAX + 16], bw[64], lat[64], comment[512];
    sibling(prog, sizeof prog, "daso-platform");
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

// ----------------------------------------------------------------------------
// scaling

// A daso-sim option the fit can set. The fit moves x; the option's value is value(x) = |x| (a
// coefficient of variation, milliseconds), or, for net-share, 1 / (1 + |x|), so that x is the
// relative slowdown of every transfer and the share stays in (0, 1].
typedef struct {
    const char *name; // the daso-sim option
    const char *fmt;  // its value, from the fitted number
    double x0, h;     // first guess of x, finite-difference step of x
} scaling_param;

enum { P_COMPUTE, P_GPU, P_OVERHEAD, P_NET, N_PARAMS };
static const scaling_param scaling_params[N_PARAMS] = {
    [P_COMPUTE] = {"compute-dist", "normal:%.6g", 0.05, 2e-3},
    [P_GPU] = {"gpu-speed-dist", "normal:%.6g", 0.05, 2e-3},
    [P_OVERHEAD] = {"step-overhead-ms", "%.6g", 1, 0.02},
    [P_NET] = {"net-share", "%.6g", 0.1, 5e-3},
};
#define MAX_CHILDREN 16 // daso-sim processes at a time

static double param_value(int k, double x)
{
    return k == P_NET ? 1 / (1 + fabs(x)) : fabs(x);
}

// |d value / d x|, for the standard error of the value
static double param_slope(int k, double x)
{
    return k == P_NET ? param_value(k, x) * param_value(k, x) : 1;
}

typedef struct {
    const char *sim, *platform, *model, *models_dir, *strategy;
    int gpus_per_node, seeds;
    series gpus, spi;     // the measured rows
    int fit[N_PARAMS];    // the fitted parameters, in order
    size_t p;             // how many
    size_t runs;          // daso-sim runs so far
    gsl_vector *last_x, *last_f; // the latest evaluation (the Jacobian's base point)
    outfile *out;                // discarded when a run fails
} scaling_fit;

// The measured rows of `path`: "gpus seconds_per_iteration", '#' comments and blank lines
// skipped. Rows of fewer GPUs than a node run on one node of that many GPUs; larger ones must be
// whole nodes.
static void read_measured(scaling_fit *c, const char *path)
{
    FILE *f = fopenCheck(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    util_bounds bounds = UTIL_BOUNDS(path);
    while (util_getline(&line, &cap, f, &bounds) != -1) {
        lineno++;
        const char *s = line + strspn(line, " \t\r\n");
        if (*s == '#' || *s == '\0')
            continue;
        char *end;
        double g = strtod(s, &end), t = NAN;
        if (end != s)
            t = strtod(s = end, &end);
        if (end == s || end[strspn(end, " \t\r\n")] != '\0' || !(g >= 1 && g <= 1e7) ||
            g != floor(g) || !isfinite(t) || t <= 0)
            util_die_input("%s:%d: not a row 'gpus seconds_per_iteration' (a whole number of "
                           "GPUs >= 1 and a time > 0)",
                           path, lineno);
        if (g > c->gpus_per_node && fmod(g, c->gpus_per_node) != 0)
            util_die_input("%s:%d: %g GPUs are not whole nodes of %d GPUs", path, lineno, g,
                           c->gpus_per_node);
        push(&c->gpus, g);
        push(&c->spi, t);
    }
    free(line);
    fclose(f);
}

// Starts `argv` with stdout and stderr into a pipe; returns its pid, *fd the pipe's read end.
static pid_t spawn(char **argv, int *fd)
{
    int p[2];
    if (pipe(p) != 0)
        util_die("cannot make a pipe for %s", argv[0]);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        util_die("cannot start %s", argv[0]);
    if (pid == 0) {
        close(p[0]);
        if (dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
            _exit(127);
        execv(argv[0], argv);
        fprintf(stderr, "daso-calibrate: cannot run %s\n", argv[0]);
        _exit(127);
    }
    close(p[1]);
    *fd = p[0];
    return pid;
}

// Everything a child wrote, then its exit status (-1: killed).
static int collect(pid_t pid, int fd, char *buf, size_t len)
{
    size_t n = 0;
    ssize_t k;
    while (n < len - 1 && (k = read(fd, buf + n, len - 1 - n)) > 0)
        n += (size_t)k;
    char sink[4096];
    while (read(fd, sink, sizeof sink) > 0) // what does not fit, dropped
        ;
    close(fd);
    buf[n] = '\0';
    int status;
    if (waitpid(pid, &status, 0) != pid)
        util_die("lost a daso-sim process");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Seconds per iteration simulated at every measured row with the options of x (the mean over
// the seeds), into spi.
static void simulate(scaling_fit *c, const gsl_vector *x, double *spi)
{
    char vals[N_PARAMS][96];
    for (size_t j = 0; j < c->p; j++) {
        const int k = c->fit[j];
        char v[64];
        snprintf(v, sizeof v, scaling_params[k].fmt, param_value(k, gsl_vector_get(x, j)));
        snprintf(vals[j], sizeof vals[j], "--%s=%s", scaling_params[k].name, v);
    }
    const size_t total = c->gpus.n * (size_t)c->seeds;
    for (size_t r = 0; r < c->gpus.n; r++)
        spi[r] = 0;
    for (size_t start = 0; start < total; start += MAX_CHILDREN) {
        const size_t n = total - start < MAX_CHILDREN ? total - start : MAX_CHILDREN;
        pid_t pid[MAX_CHILDREN];
        int fd[MAX_CHILDREN];
        for (size_t i = 0; i < n; i++) {
            const size_t r = (start + i) / (size_t)c->seeds;
            const int g = (int)c->gpus.v[r], seed = (int)((start + i) % (size_t)c->seeds) + 1;
            const int gpn = g < c->gpus_per_node ? g : c->gpus_per_node;
            char nodes[32], gpn_s[32], seed_s[32];
            snprintf(nodes, sizeof nodes, "--nodes=%d", g / gpn);
            snprintf(gpn_s, sizeof gpn_s, "--gpus-per-node=%d", gpn);
            snprintf(seed_s, sizeof seed_s, "--seed=%d", seed);
            char *argv[24];
            int a = 0;
            argv[a++] = (char *)c->sim;
            const char *fixed[] = {"--platform", c->platform, "--model", c->model,
                                   "--strategy", c->strategy, "--epochs", "1", "--quiet"};
            for (size_t q = 0; q < sizeof fixed / sizeof fixed[0]; q++)
                argv[a++] = (char *)fixed[q];
            if (c->models_dir) {
                argv[a++] = "--models-dir";
                argv[a++] = (char *)c->models_dir;
            }
            argv[a++] = nodes;
            argv[a++] = gpn_s;
            argv[a++] = seed_s;
            for (size_t j = 0; j < c->p; j++)
                argv[a++] = vals[j];
            argv[a] = NULL;
            pid[i] = spawn(argv, &fd[i]);
        }
        char failed[16384] = "";
        int failed_rc = 0;
        double failed_gpus = 0;
        for (size_t i = 0; i < n; i++) { // every child collected, the first failure reported
            const size_t r = (start + i) / (size_t)c->seeds;
            char out[16384];
            const int rc = collect(pid[i], fd[i], out, sizeof out);
            const char *sum = strstr(out, " batches: training time ");
            int batches = 0;
            double t = NAN;
            if (rc == 0 && sum) {
                const char *b = sum;
                while (b > out && b[-1] >= '0' && b[-1] <= '9')
                    b--;
                batches = atoi(b);
                t = strtod(sum + strlen(" batches: training time "), NULL);
            }
            if ((rc != 0 || !(batches > 0) || !(t > 0)) && failed_gpus == 0) {
                out[strcspn(out, "\n")] = '\0';
                snprintf(failed, sizeof failed, "%s", out);
                failed_rc = rc;
                failed_gpus = c->gpus.v[r];
            }
            spi[r] += t / batches / c->seeds;
            c->runs++;
        }
        if (failed_gpus > 0) {
            outfile_discard(c->out);
            if (failed_rc == 2)
                util_die_input("daso-sim at %g GPUs: %s", failed_gpus, failed);
            util_die("daso-sim at %g GPUs failed (status %d): %s", failed_gpus, failed_rc, failed);
        }
    }
}

// The residuals: simulated over measured time per iteration, minus 1.
static int scaling_f(const gsl_vector *x, void *params, gsl_vector *f)
{
    scaling_fit *c = params;
    simulate(c, x, f->data); // f is a fresh, contiguous vector of the rows
    for (size_t r = 0; r < c->gpus.n; r++)
        gsl_vector_set(f, r, gsl_vector_get(f, r) / c->spi.v[r] - 1);
    gsl_vector_memcpy(c->last_x, x);
    gsl_vector_memcpy(c->last_f, f);
    return GSL_SUCCESS;
}

// Forward differences with steps far above the simulator's printed precision (GSL's own are
// relative to machine precision).
static int scaling_df(const gsl_vector *x, void *params, gsl_matrix *J)
{
    scaling_fit *c = params;
    gsl_vector *f0 = gsl_vector_alloc(c->gpus.n), *f1 = gsl_vector_alloc(c->gpus.n),
               *xh = gsl_vector_alloc(c->p);
    if (!f0 || !f1 || !xh)
        util_die("out of memory");
    bool same = true;
    for (size_t j = 0; j < c->p; j++)
        same = same && gsl_vector_get(x, j) == gsl_vector_get(c->last_x, j);
    if (same)
        gsl_vector_memcpy(f0, c->last_f);
    else
        scaling_f(x, c, f0);
    for (size_t j = 0; j < c->p; j++) {
        const double h = scaling_params[c->fit[j]].h, xj = gsl_vector_get(x, j);
        gsl_vector_memcpy(xh, x);
        gsl_vector_set(xh, j, xj + (xj < 0 ? -h : h)); // away from the kink of |x| at 0
        scaling_f(xh, c, f1);
        for (size_t r = 0; r < c->gpus.n; r++)
            gsl_matrix_set(J, r, j,
                           (gsl_vector_get(f1, r) - gsl_vector_get(f0, r)) / (xj < 0 ? -h : h));
    }
    gsl_vector_free(f0);
    gsl_vector_free(f1);
    gsl_vector_free(xh);
    return GSL_SUCCESS;
}

// --fit's comma list into c->fit.
static void parse_fit(scaling_fit *c, const char *list)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < N_PARAMS && strcmp(t, scaling_params[k].name) != 0)
            k++;
        if (k == N_PARAMS)
            util_die_input("--fit: unknown parameter '%s' (compute-dist, gpu-speed-dist, "
                           "step-overhead-ms, net-share)",
                           t);
        for (size_t j = 0; j < c->p; j++)
            if (c->fit[j] == k)
                util_die_input("--fit: %s twice", t);
        c->fit[c->p++] = k;
    }
    if (c->p == 0)
        util_die_input("--fit needs at least one parameter");
    bool batch = false, gpu = false;
    for (size_t j = 0; j < c->p; j++) {
        batch = batch || c->fit[j] == P_COMPUTE;
        gpu = gpu || c->fit[j] == P_GPU;
    }
    if (batch && gpu) // both make the slowest GPU slower: timings at a few scales barely differ
        util_die_input("--fit: compute-dist and gpu-speed-dist cannot both be fitted (timings at "
                       "a few scales hardly tell them apart): choose one");
}

static void calibrate_scaling(scaling_fit *c, const char *measured, const char *fit,
                              const char *out)
{
    parse_fit(c, fit);
    read_measured(c, measured);
    size_t scales = 0;
    for (size_t r = 0; r < c->gpus.n; r++) {
        size_t q = 0;
        while (q < r && c->gpus.v[q] != c->gpus.v[r])
            q++;
        scales += q == r;
    }
    if (scales < c->p)
        util_die_input("%s: %zu GPU count%s for %zu parameters (%s): measure at least as many "
                       "scales as parameters, or fit fewer (--fit)",
                       measured, scales, scales == 1 ? "" : "s", c->p, fit);
    outfile o;
    outfile_open(&o, out); // before the fit: an unwritable --out fails at once
    c->out = &o;
    const size_t n = c->gpus.n, p = c->p;
    c->last_x = gsl_vector_alloc(p);
    c->last_f = gsl_vector_alloc(n);
    gsl_vector *x = gsl_vector_alloc(p);
    gsl_matrix *covar = gsl_matrix_alloc(p, p);
    if (!c->last_x || !c->last_f || !x || !covar)
        util_die("out of memory");
    for (size_t j = 0; j < p; j++)
        gsl_vector_set(x, j, scaling_params[c->fit[j]].x0);
    gsl_vector_set_all(c->last_x, NAN);

    gsl_multifit_nlinear_fdf fdf = {
        .f = scaling_f, .df = scaling_df, .n = n, .p = p, .params = c};
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, p);
    if (w == NULL)
        util_die("out of memory");
    gsl_multifit_nlinear_init(x, &fdf, w);
    int info = 0;
    const int status = gsl_multifit_nlinear_driver(40, 1e-3, 1e-8, 1e-8, NULL, NULL, &info, w);
    const gsl_vector *best = gsl_multifit_nlinear_position(w);
    const gsl_vector *res = gsl_multifit_nlinear_residual(w);
    gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, covar);
    double chisq;
    gsl_blas_ddot(res, res, &chisq);
    const double scale = n > p ? sqrt(chisq / (double)(n - p)) : NAN;

    printf("daso-calibrate: %s: %zu rows at %zu scales, strategy %s, %d seed%s: %s after %zu "
           "iterations (%zu daso-sim runs)\n",
           measured, n, scales, c->strategy, c->seeds, c->seeds == 1 ? "" : "s",
           status == GSL_SUCCESS ? "converged" : "NOT converged", gsl_multifit_nlinear_niter(w),
           c->runs);
    for (size_t j = 0; j < p; j++) {
        const int k = c->fit[j];
        const double xj = gsl_vector_get(best, j), v = param_value(k, xj);
        const double se = scale * sqrt(gsl_matrix_get(covar, j, j)) * param_slope(k, xj);
        char val[64];
        snprintf(val, sizeof val, scaling_params[k].fmt, v);
        if (isfinite(se))
            printf("  --%-18s %-16s standard error %.3g\n", scaling_params[k].name, val, se);
        else
            printf("  --%-18s %-16s standard error n/a (as many scales as parameters)\n",
                   scaling_params[k].name, val);
        fprintf(o.f, "--%s=%s\n", scaling_params[k].name, val);
    }
    printf("  %8s %14s %14s %9s\n", "gpus", "measured_s", "simulated_s", "residual");
    for (size_t r = 0; r < n; r++) {
        const double rel = gsl_vector_get(res, r);
        printf("  %8g %14.6g %14.6g %+8.2f%%\n", c->gpus.v[r], c->spi.v[r],
               c->spi.v[r] * (1 + rel), 100 * rel);
    }
    outfile_commit(&o);
    printf("daso-calibrate: %s: daso-sim options, for daso-sim ... $(cat %s)\n", out, out);
    gsl_multifit_nlinear_free(w);
    gsl_vector_free(x);
    gsl_vector_free(c->last_x);
    gsl_vector_free(c->last_f);
    gsl_matrix_free(covar);
    free(c->gpus.v);
    free(c->spi.v);
}

int main(int argc, char **argv)
{
    util_prog = "daso-calibrate";
    cli top = {.usage = usage};
    if (argc < 2 || argv[1][0] == '-') {
        cli_help_if_asked(&top, argc, argv);
        util_die_input("the first argument must be profile, platform or scaling (see --help)");
    }
    const bool is_profile = strcmp(argv[1], "profile") == 0;
    const bool is_scaling = strcmp(argv[1], "scaling") == 0;
    if (!is_profile && !is_scaling && strcmp(argv[1], "platform") != 0)
        util_die_input("the first argument must be profile, platform or scaling, not '%s' (see "
                       "--help)",
                       argv[1]);
    calibrate_options o = {.strategy = "sync", .fit = "compute-dist,step-overhead-ms,net-share",
                           .seeds = 1};
    cli p = {.usage = is_profile ? "usage: daso-calibrate profile --trace TRACE.json --base MODEL "
                                   "--name NAME --out F.profile [--models-dir D]\n"
                      : is_scaling
                          ? "usage: daso-calibrate scaling --measured FILE --platform P "
                            "--gpus-per-node G --model M\n"
                            "                              --out OPTS [--strategy S] [--fit LIST] "
                            "[--seeds K] [--models-dir D]\n"
                          : "usage: daso-calibrate platform --bench BENCH.txt --out F.xml "
                            "[-- daso-platform options]\n"};
    if (is_profile)
        cli_add(&p, NULL, profile_opts, CLI_COUNT(profile_opts), &o);
    else if (is_scaling)
        cli_add(&p, NULL, scaling_opts, CLI_COUNT(scaling_opts), &o);
    else
        cli_add(&p, NULL, platform_opts, CLI_COUNT(platform_opts), &o);
    const int first = cli_parse(&p, argc - 1, argv + 1) + 1; // argv[1] is the subcommand
    const bool dashes = first - 1 < argc && strcmp(argv[first - 1], "--") == 0;
    if (first < argc && (is_profile || is_scaling || !dashes))
        util_die_input("unexpected argument '%s' (see --help)", argv[first]);
    if (o.out == NULL)
        util_die_input("--out is required");
    if (is_profile) {
        if (o.trace == NULL || o.base == NULL || o.name == NULL)
            util_die_input("profile needs --trace, --base and --name");
        calibrate_profile(o.trace, o.base, o.models_dir, o.name, o.out);
        return 0;
    }
    if (is_scaling) {
        if (o.measured == NULL || o.platform == NULL || o.model == NULL || o.gpus_per_node == 0)
            util_die_input("scaling needs --measured, --platform, --gpus-per-node and --model");
        char sim[PATH_MAX + 16];
        sibling(sim, sizeof sim, "daso-sim");
        scaling_fit c = {.sim = sim, .platform = o.platform, .model = o.model,
                         .models_dir = o.models_dir, .strategy = o.strategy,
                         .gpus_per_node = o.gpus_per_node, .seeds = o.seeds};
        calibrate_scaling(&c, o.measured, o.fit, o.out);
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

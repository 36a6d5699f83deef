// daso_train.c: build/daso-train, real data-parallel training of a Fashion-MNIST network with the
// scheduling core's strategies over MPI, launched by mpiexec or srun (one rank per GPU, or per
// core here):
//
//   mpiexec -n 4 build/daso-train --gpus-per-node 2 --model mlp --strategy daso --epochs 8
//           --out run.csv
//
// Rank 0 prints one line per epoch and writes the outputs. See usage() and README.md.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>    // errno
#include <signal.h>   // raise, sigaction, SIGKILL, SIGUSR2
#include <inttypes.h> // PRIu64, PRIx64
#include <stdio.h>    // printf, fprintf
#include <stdlib.h>   // free, getenv
#include <string.h>   // strcmp, strlen
#include <sys/stat.h> // mkdir

#include <cblas.h> // openblas_set_num_threads
#include <mpi.h>   // MPI_Init, MPI_Finalize

#include "checkpoint.h"  // checkpoint_save, checkpoint_load
#include "cli.h"         // cli, cli_parse, cli_fingerprint
#include "driver.h"      // driver_run
#ifdef DASO_SMPI
#include "emulate.h" // emulate_option, emulate_setup, emulate_load
#endif
#include "mpi_backend.h" // mpi_backend_init
#ifdef DASO_CUDA
#include "cuda_backend.h" // cuda_backend_init
#endif
#include "mpi_check.h"   // mpiCheck
#include "mpi_fmt.h"     // mpi_fmt_init
#include "outfile.h"     // outfile
#include "util.h"        // util_prog, util_die_input, util_parse_long, util_parse_double

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#ifdef DASO_SMPI // SMPI 3.32's MPI_Iallreduce is an all-to-all (real/global_msg.h), and only
                 // the toolkit's own ring advances while another collective waits
#define DEFAULT_GLOBAL_ALGO GLOBAL_RING
#define DEFAULT_NODE_ALLREDUCE 1 // ring
#else
#define DEFAULT_GLOBAL_ALGO GLOBAL_IALLREDUCE
#define DEFAULT_NODE_ALLREDUCE 0 // mpi
#endif

static const char usage[] =
    "usage: mpiexec -n P daso-train [--gpus-per-node G] [--device cpu] --model mlp|cnn\n"
    "                 --strategy daso|sync|hier|localsgd [--epochs E] [--batch-size B]\n"
    "                 [--lr X] [--seed S] [DASO hyperparameters] [--out run.csv]\n"
    "                 [--trace trace.json] [--checkpoint DIR] [--resume]\n"
    "\n"
    "Trains a network on Fashion-MNIST with P ranks, G per node, with the toolkit's\n"
    "scheduling core deciding every communication. Rank 0 prints one line per epoch.\n";

// daso-train's own settings beside the scheduler's (sched_config) and the backend's (mpi_setup)
typedef struct {
    int device; // 0: cpu, 1: cuda
    const char *data, *out, *trace, *breakdown, *ckpt_dir;
    long train_limit, test_limit;
    bool resume, quiet;
    int node_allreduce; // 0: mpi, 1: ring
} train_options;

#ifdef DASO_SMPI
#define CHECKPOINT_HELP "write a checkpoint after every epoch"
#else
#define CHECKPOINT_HELP \
    "write a checkpoint after every epoch; SIGUSR2 ends\nthe run after the next one (exit status 3)"
#endif
static const char *const devices[] = {"cpu", "cuda", NULL}, *const node_algos[] = {"mpi", "ring",
                                                                                  NULL};

#define NUM(name, kind, type, field, lo, hi, arg, help, ...) \
    CLI_NUM(name, kind, type, field, lo, hi, arg, help, __VA_ARGS__)
static const cli_opt setup_opts[] = {
    NUM("gpus-per-node", CLI_INT, mpi_setup, gpus_per_node, 1, 1 << 20, "G",
        "ranks per node; consecutive ranks form a node, so one\n"
        "machine can stand for several (default: one node per\n"
        "shared-memory domain)", .flags = CLI_NO_DEFAULT),
    CLI_CHOOSE("model", mpi_setup, model, "784-256-128-10 MLP or a two-convolution CNN",
               net_kind_names, NULL),
    NUM("batch-size", CLI_INT, mpi_setup, batch, 1, 1 << 16, "B", "samples per rank per batch"),
    NUM("lr", CLI_FLOAT, mpi_setup, lr, 1e-9, 100, "X",
        "learning rate of one rank, scaled by P with a linear\nwarm-up"),
    NUM("lr-warmup-epochs", CLI_DOUBLE, mpi_setup, lr_warmup_epochs, 0, 1e6, "X",
        "epochs of the learning-rate warm-up"),
    NUM("momentum", CLI_FLOAT, mpi_setup, momentum, 0, 0.999999, "X", "SGD momentum"),
    NUM("weight-decay", CLI_FLOAT, mpi_setup, weight_decay, 0, 1, "X", "L2 weight decay"),
    NUM("seed", CLI_UINT64, mpi_setup, seed, 0, 2147483647, "S",
        "initial parameters and shuffling"),
    CLI_CHOOSE("global-allreduce", mpi_setup, global_allreduce,
               "how DASO's global message is summed: one\n"
               "MPI_Iallreduce per chunk, or a point-to-point ring\n"
               "progressed between batches",
               global_algo_names, NULL),
};
static const cli_opt train_opts[] = {
    CLI_CHOOSE("device", train_options, device,
               "where the network runs: cuda is cuBLAS for the\n"
               "network and NCCL inside a node, when built with CUDA",
               devices, NULL),
    CLI_CHOOSE("node-allreduce", train_options, node_allreduce,
               "how the CPU backend averages gradients inside a node:\n"
               "MPI_Allreduce, or the same ring, advancing the global\n"
               "message while it waits",
               node_algos, NULL),
    CLI_STR("data", train_options, data, "DIR", "Fashion-MNIST idx.gz files"),
    NUM("train-limit", CLI_LONG, train_options, train_limit, 1, 60000, "N",
        "use the first N training examples (all)", .flags = CLI_NO_DEFAULT),
    NUM("test-limit", CLI_LONG, train_options, test_limit, 1, 10000, "N",
        "use the first N test examples (all)", .flags = CLI_NO_DEFAULT),
    CLI_STR("out", train_options, out, "F", "per-epoch CSV (the simulator's columns)",
            .flags = CLI_OUTPUT),
    CLI_STR("trace", train_options, trace, "F", "Chrome trace JSON, one track per rank",
            .flags = CLI_OUTPUT),
    CLI_STR("breakdown", train_options, breakdown, "F", "per-batch time breakdown of rank 0",
            .flags = CLI_OUTPUT),
    CLI_STR("checkpoint", train_options, ckpt_dir, "DIR", CHECKPOINT_HELP, .flags = CLI_OUTPUT),
    CLI_FLAG("resume", CLI_TRUE, train_options, resume, "continue from the checkpoints in DIR",
             .flags = CLI_OUTPUT),
    CLI_FLAG("quiet", CLI_TRUE, train_options, quiet, "no per-epoch lines", .flags = CLI_OUTPUT),
};
static const cli_opt sched_shape_opts[] = {
    NUM("epochs", CLI_INT, sched_config, epochs, 1, 100000, "E", "epochs"),
};
#undef NUM

// What daso-train needs of a backend beyond core/backend.h: its shape, and its parameters and
// momentum on the host (checkpoints, the replica hash). One per device kind.
typedef struct {
    void *ctx;
    int nodes, gpus_per_node, batches;
    size_t n;
    float *(*params)(void *ctx);   // host view of the parameters
    float *(*velocity)(void *ctx); // and of the momentum
    void (*load)(void *ctx, const float *params, const float *velocity);
    void (*free)(void *ctx);
} device;

typedef struct {
    device dev;
    int rank;
    const char *ckpt_dir;
    const char *settings; // cli_fingerprint and the layout: what a checkpoint must match
    char *rows; // CSV rows so far (rank 0)
    size_t rows_len;
    bool quiet;
    int kill_rank, kill_epoch; // fault injection (DASO_FAULT_KILL=rank:epoch), -1: none
} train_state;

static train_state state = {.kill_rank = -1};

#ifndef DASO_SMPI
// SIGUSR2 with --checkpoint: end the run after the epoch in progress and its checkpoint (exit
// status 3), so that a job warned of its time limit loses no work and continues with --resume
// (experiments/slurm-daso-train.sbatch). MPICH keeps SIGUSR1 for itself.
static volatile sig_atomic_t stop_asked;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_asked = 1;
}

// After a checkpoint: whether any rank was asked to stop (every rank then stops at this epoch).
static void stop_if_asked(const sched *s)
{
    int mine = stop_asked, any;
    mpiCheck(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    if (!any || s->epoch >= s->cfg.epochs)
        return;
    if (state.rank == 0)
        fprintf(stderr, "daso-train: stopped by SIGUSR2 after epoch %d/%d, checkpoint in %s; "
                        "continue with --resume\n", s->epoch, s->cfg.epochs, state.ckpt_dir);
    fflush(stdout);
    MPI_Finalize();
    exit(3); // the outputs' temporary files are removed at exit
}
#endif

// --- the CPU backend as a device

static float *cpu_params(void *ctx)
{
    return net_params(((mpi_ctx *)ctx)->model);
}

static float *cpu_velocity(void *ctx)
{
    return ((mpi_ctx *)ctx)->opt.velocity;
}

static void cpu_load(void *ctx, const float *params, const float *velocity)
{
    mpi_ctx *c = ctx;
    size_t n = net_param_count(c->model);
    memmove(net_params(c->model), params, sizeof(float) * n); // may be the same buffer
    memmove(c->opt.velocity, velocity, sizeof(float) * n);
}

static void cpu_free(void *ctx)
{
    mpi_backend_free(ctx);
    free(ctx);
}

static device cpu_device(const mpi_setup *ms, backend *be)
{
    mpi_ctx *c = mallocCheck(sizeof *c);
    mpi_backend_init(c, ms, be);
    return (device){.ctx = c, .nodes = c->t.nodes, .gpus_per_node = c->t.gpus_per_node,
                    .batches = c->batches, .n = net_param_count(c->model), .params = cpu_params,
                    .velocity = cpu_velocity, .load = cpu_load, .free = cpu_free};
}

#ifdef DASO_CUDA
// --- the CUDA + NCCL backend as a device

static float *gpu_params(void *ctx)
{
    return cuda_backend_params_host(ctx);
}

static float *gpu_velocity(void *ctx)
{
    return cuda_backend_velocity_host(ctx);
}

static void gpu_load(void *ctx, const float *params, const float *velocity)
{
    cuda_backend_load_state(ctx, params, velocity);
}

static void gpu_free(void *ctx)
{
    cuda_backend_free(ctx);
}

static device gpu_device(const mpi_setup *ms, backend *be)
{
    cuda_ctx *c = cuda_backend_init(ms, be);
    return (device){.ctx = c, .nodes = be->world / be->gpus_per_node,
                    .gpus_per_node = be->gpus_per_node, .batches = cuda_backend_batches(c),
                    .n = cuda_backend_param_count(c), .params = gpu_params,
                    .velocity = gpu_velocity, .load = gpu_load, .free = gpu_free};
}
#endif

// After every epoch: rank 0's line, and the checkpoint.
static void epoch_done(void *ctx, const sched *s, const driver_result *res, const char *row)
{
    (void)ctx;
    if (state.rank == 0) {
        size_t len = strlen(row);
        state.rows = realloc(state.rows, state.rows_len + len + 1);
        if (state.rows == NULL)
            util_die("out of memory keeping the CSV rows");
        memcpy(state.rows + state.rows_len, row, len + 1);
        state.rows_len += len;
        if (!state.quiet)
            printf("epoch %3d/%d  loss %.4f  test acc %.4f  time %.4g s  MB between nodes %.1f  "
                   "next (gs,ls,S) (%d,%d,%d)%s\n",
                   s->epoch, s->cfg.epochs, res->train_loss, res->test_acc, res->time_s,
                   res->bytes_global / 1e6, s->gs, s->ls, s->S,
                   res->blocking ? "  blocking" : "");
        fflush(stdout);
    }
    if (state.ckpt_dir) {
        const device *d = &state.dev;
        checkpoint k = {.s = *s, .res = *res, .params = d->params(d->ctx),
                        .velocity = d->velocity(d->ctx), .n = d->n,
                        .settings = state.settings, .rows = state.rank == 0 ? state.rows : NULL};
        checkpoint_save(state.ckpt_dir, state.rank, &k);
#ifndef DASO_SMPI
        stop_if_asked(s);
#endif
    }
    if (state.rank == state.kill_rank && s->epoch == state.kill_epoch)
        raise(SIGKILL); // a rank dying mid-run, for the tests of abort and --resume
}

// Loads the newest checkpoint every rank has. Returns false when there is none at all.
static bool resume(sched *s, driver_result *res)
{
    const device *d = &state.dev;
    const int rank = state.rank;
    checkpoint k = {.params = d->params(d->ctx), .velocity = d->velocity(d->ctx), .n = d->n,
                    .settings = state.settings};
    // rank 0 reads first, so checkpoints of another run or format are reported once
    bool have = false;
    mpi_check_lead_begin();
    if (rank == 0)
        have = checkpoint_load(state.ckpt_dir, rank, false, &s->cfg, &k);
    mpi_check_lead_end();
    mpi_check_each_begin(); // then every other rank its own: a damaged one is named by its rank
    if (rank != 0)
        have = checkpoint_load(state.ckpt_dir, rank, false, &s->cfg, &k);
    mpi_check_each_end();
    int mine = have ? k.s.epoch : -1, lo;
    mpiCheck(MPI_Allreduce(&mine, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
    if (lo < 0) {
        free(k.rows);
        int any = have, some;
        mpiCheck(MPI_Allreduce(&any, &some, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
        if (some)
            util_die("rank %d: checkpoints in %s are incomplete (some ranks have none)", rank,
                     state.ckpt_dir);
        return false;
    }
    mpi_check_each_begin();
    if (mine > lo) { // this rank got one epoch further before the job died
        free(k.rows);
        if (!checkpoint_load(state.ckpt_dir, rank, true, &s->cfg, &k) || k.s.epoch != lo)
            util_die("rank %d: no checkpoint of epoch %d in %s", rank, lo, state.ckpt_dir);
    }
    mpi_check_each_end();
    d->load(d->ctx, k.params, k.velocity);
    *s = k.s;
    *res = k.res;
    state.rows = k.rows;
    state.rows_len = strlen(k.rows);
    return true;
}

static void load_data(mnist_set *train, mnist_set *test, const char *dir, long train_limit,
                      long test_limit)
{
#ifdef DASO_SMPI
    void (*load)(mnist_set *, const char *, const char *, int) = emulate_load;
#else
    void (*load)(mnist_set *, const char *, const char *, int) = mnist_load_limit;
#endif
    load(train, dir, "train", train_limit ? (int)train_limit : 60000);
    load(test, dir, "t10k", test_limit ? (int)test_limit : 10000);
}

// Rank 0: the ranks' trace parts PATH.rank<r> joined into one Chrome trace at PATH.
static void join_traces(const char *path, int world)
{
    outfile tr;
    outfile_open(&tr, path);
    trace whole;
    trace_begin(&whole, tr.f);
    char part[4096], buf[65536];
    for (int r = 0; r < world; r++) {
        snprintf(part, sizeof part, "%s.rank%d", path, r);
        FILE *f = fopenCheck(part, "r");
        size_t got;
        if (r > 0)
            fputs(",\n", tr.f);
        while ((got = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, got, tr.f);
        fclose(f);
        remove(part);
    }
    trace_end(&whole);
    outfile_commit(&tr);
}

// Every strategy ends an epoch with identical replicas: whether they are, bit for bit (every
// rank), and this rank's parameter hash.
static bool replicas_identical(const device *dev, uint64_t *hash)
{
    uint64_t h[2];
    h[0] = checkpoint_hash(dev->params(dev->ctx), sizeof(float) * dev->n);
    h[1] = ~h[0];
    mpiCheck(MPI_Allreduce(MPI_IN_PLACE, h, 2, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD));
    *hash = h[0];
    return h[0] == ~h[1];
}

int main(int argc, char **argv)
{
    sched_config c;
    sched_config_defaults(&c);
    c.epochs = 10;
    mpi_setup ms = {.model = NET_MLP, .batch = 64, .lr = 0.01f, .lr_warmup_epochs = 2,
                    .momentum = 0.9f, .weight_decay = 5e-4f, .seed = 1,
                    .global_allreduce = DEFAULT_GLOBAL_ALGO}; // .node_ring from --node-allreduce
    train_options o = {.data = DEFAULT_DATA, .node_allreduce = DEFAULT_NODE_ALLREDUCE};
    cli p = {.prog = "daso-train", .usage = usage};
    cli_add(&p, NULL, setup_opts, CLI_COUNT(setup_opts), &ms);
    cli_add(&p, NULL, sched_shape_opts, CLI_COUNT(sched_shape_opts), &c);
    cli_add(&p, NULL, train_opts, CLI_COUNT(train_opts), &o);
#ifdef DASO_SMPI
    emulate_options eo = EMULATE_DEFAULTS;
    emulate_cli(&p, &eo);
#endif
    sched_config_cli(&p, &c);
    cli_help_if_asked(&p, argc, argv);
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "daso-train: MPI_Init failed\n");
        return 1;
    }
    mpi_check_init();
    mpi_fmt_init();
    if (getenv("OPENBLAS_NUM_THREADS") == NULL)
        openblas_set_num_threads(1); // one rank per core: BLAS threads would only compete
    mpi_check_agreed_begin(); // option errors: every rank finds them, rank 0 says so
    const char *fault = getenv("DASO_FAULT_KILL");
    if (fault && sscanf(fault, "%d:%d", &state.kill_rank, &state.kill_epoch) != 2)
        util_die_input("DASO_FAULT_KILL must be RANK:EPOCH (got '%s')", fault);
    const int first = cli_parse(&p, argc, argv);
    if (first < argc)
        util_die_input("unexpected argument '%s' (see --help)", argv[first]);
    ms.node_ring = o.node_allreduce == 1;
    const bool use_cuda = o.device == 1, do_resume = o.resume;
    const char *data = o.data, *out = o.out, *trace_path = o.trace, *breakdown = o.breakdown;
    const long train_limit = o.train_limit, test_limit = o.test_limit;
    state.quiet = o.quiet;
    state.ckpt_dir = o.ckpt_dir;
#ifndef DASO_CUDA
    if (use_cuda)
        util_die_input("--device cuda: the CUDA/NCCL backend is not in this build (CUDA or NCCL "
                       "not found when it was built)");
#endif
    if (do_resume && state.ckpt_dir == NULL)
        util_die_input("--resume needs --checkpoint DIR");
#ifndef DASO_SMPI
    if (state.ckpt_dir) {
        struct sigaction sa = {.sa_handler = on_stop_signal, .sa_flags = SA_RESTART};
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGUSR2, &sa, NULL) != 0)
            util_die("sigaction: %s", strerror(errno));
    }
#endif
#ifdef DASO_SMPI
    emulate_setup(&eo, &ms);
#endif

    // data: rank 0 reads first, so a missing or damaged file is reported once
    int rank;
    mpiCheck(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    mnist_set train, test;
    mpi_check_agreed_end();
    mpi_check_lead_begin();
    if (rank == 0)
        load_data(&train, &test, data, train_limit, test_limit);
    mpi_check_lead_end();
    if (rank != 0) // a file only this rank cannot read is its own error: it aborts the job
        load_data(&train, &test, data, train_limit, test_limit);
    mpi_check_agreed_begin();
    ms.train = &train;
    ms.test = &test;
    backend be;
#ifdef DASO_CUDA
    state.dev = use_cuda ? gpu_device(&ms, &be) : cpu_device(&ms, &be);
#else
    state.dev = cpu_device(&ms, &be);
#endif
    const device *dev = &state.dev;
    state.rank = rank;
    c.nodes = dev->nodes;
    c.gpus_per_node = dev->gpus_per_node;
    c.last_batch = dev->batches - 1;
    sched s;
    sched_init(&s, &c); // validates every setting (exit 2 on all ranks, one line from rank 0)
    mpi_check_agreed_end();

    // rank 0 makes the checkpoint folder and opens its outputs (and its part of the trace) first,
    // so a path that cannot be written is reported once and every rank ends; then the others open
    // their parts of the trace (a failure only one of them meets aborts the job)
    outfile csv = {0}, bd = {0}, tr_rank = {0};
    char part[4096];
    if (trace_path)
        snprintf(part, sizeof part, "%s.rank%d", trace_path, rank);
    mpi_check_lead_begin();
    if (rank == 0) {
        struct stat st;
        if (state.ckpt_dir && mkdir(state.ckpt_dir, 0777) != 0 &&
            (errno != EEXIST || stat(state.ckpt_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
            util_die_input("cannot create checkpoint folder %s: %s", state.ckpt_dir,
                           errno == EEXIST ? "a file of that name exists" : strerror(errno));
        if (out)
            outfile_open(&csv, out);
        if (breakdown)
            outfile_open(&bd, breakdown);
        if (trace_path)
            outfile_open(&tr_rank, part);
    }
    mpi_check_lead_end();
    if (rank != 0 && trace_path)
        outfile_open(&tr_rank, part);

    // what a checkpoint must match: every option that changes results, and the layout
    char settings[8192];
    size_t len = cli_fingerprint(&p, settings, sizeof settings - 64);
    snprintf(settings + len, sizeof settings - len, "world=%d\nnodes=%d\nbatches=%d\n", be.world,
             c.nodes, c.last_batch + 1);
    state.settings = settings;
    if (state.ckpt_dir)
        mpiCheck(MPI_Barrier(MPI_COMM_WORLD)); // the folder exists before anyone writes
    be.epoch_done = epoch_done;

    driver_result res = {0};
    bool resumed = do_resume && resume(&s, &res);
    if (rank == 0 && !state.quiet)
        printf("daso-train: %s, %s on %s, %d ranks = %d nodes x %d, %d batches of %d per epoch%s\n",
               c.strategy, net_kind_name(ms.model), use_cuda ? "cuda" : "cpu", be.world,
               dev->nodes, dev->gpus_per_node, dev->batches, ms.batch,
               resumed ? " (resumed)" : do_resume ? " (no checkpoint: from the start)" : "");

    // outputs: rank 0 writes the CSV; every rank its part of the trace, joined at the end
    trace t = {0};
    if (rank == 0 && out) {
        driver_csv_header(csv.f);
        if (state.rows)
            fputs(state.rows, csv.f);
    }
    if (rank == 0 && breakdown)
        fprintf(bd.f, "# epoch batch time_s compute_s local_comm_s global_wait_s\n");
    if (trace_path) {
        t.f = tr_rank.f;
        trace_name_rank(&t, rank, dev->gpus_per_node);
    }
    events ev;
    events_init(&ev, rank, dev->gpus_per_node, trace_path ? &t : NULL);
    driver_output dout = {.csv = csv.f, .breakdown = bd.f, .progress = false};
    if (rank == 0)
        sched_warn(&c, stderr);
    driver_run(&be, &s, &ev, &dout, &res);

    if (trace_path) {
        outfile_commit(&tr_rank);
        mpiCheck(MPI_Barrier(MPI_COMM_WORLD));
        if (rank == 0)
            join_traces(trace_path, be.world);
    }
    uint64_t hash;
    const bool same = replicas_identical(dev, &hash);
    if (rank == 0) {
        if (out)
            outfile_commit(&csv);
        if (breakdown)
            outfile_commit(&bd);
        printf("daso-train: final test accuracy %.4f, training loss %.4f, training time %.4g s, "
               "bytes between nodes %.6g, inside nodes %.6g; replicas %s (parameter hash "
               "%016" PRIx64 ")\n",
               res.test_acc, res.train_loss, res.time_s, res.bytes_global, res.bytes_local,
               same ? "identical" : "DIFFER", hash);
    }
    free(state.rows);
    dev->free(dev->ctx);
#ifndef DASO_SMPI // an emulation's data sets are shared by its ranks (emulate_load)
    mnist_free(&train);
    mnist_free(&test);
#endif
    mpi_fmt_free();
    MPI_Finalize();
    return 0;
}

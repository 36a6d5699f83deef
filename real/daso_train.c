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
#include <signal.h>   // raise, SIGKILL
#include <inttypes.h> // PRIu64, PRIx64
#include <stdio.h>    // printf, fprintf
#include <stdlib.h>   // free, getenv
#include <string.h>   // strcmp, strlen
#include <sys/stat.h> // mkdir

#include <cblas.h> // openblas_set_num_threads
#include <mpi.h>   // MPI_Init, MPI_Finalize

#include "checkpoint.h"  // checkpoint_save, checkpoint_load
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
#define DEFAULT_GLOBAL "ring"
#define DEFAULT_GLOBAL_ALGO GLOBAL_RING
#define DEFAULT_NODE "ring"
#define DEFAULT_NODE_RING true
#else
#define DEFAULT_GLOBAL "iallreduce"
#define DEFAULT_GLOBAL_ALGO GLOBAL_IALLREDUCE
#define DEFAULT_NODE "mpi"
#define DEFAULT_NODE_RING false
#endif

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mpiexec -n P daso-train [--gpus-per-node G] [--device cpu] --model mlp|cnn\n"
            "                 --strategy daso|sync|hier|localsgd [--epochs E] [--batch-size B]\n"
            "                 [--lr X] [--seed S] [DASO hyperparameters] [--out run.csv]\n"
            "                 [--trace trace.json] [--checkpoint DIR] [--resume]\n"
            "\n"
            "Trains a network on Fashion-MNIST with P ranks, G per node, with the toolkit's\n"
            "scheduling core deciding every communication. Rank 0 prints one line per epoch.\n"
            "\n"
            "  --gpus-per-node G      ranks per node; consecutive ranks form a node, so one\n"
            "                         machine can stand for several (default: one node per\n"
            "                         shared-memory domain)\n"
            "  --device cpu|cuda      where the network runs (cpu): cuda is cuBLAS for the\n"
            "                         network and NCCL inside a node, when built with CUDA\n"
            "  --model mlp|cnn        784-256-128-10 MLP or a two-convolution CNN (mlp)\n"
            "  --strategy S           daso, sync, hier or localsgd (daso)\n"
            "  --epochs E             epochs (10)\n"
            "  --batch-size B         samples per rank per batch (64)\n"
            "  --lr X                 learning rate of one rank, scaled by P with a linear\n"
            "                         warm-up (0.01)\n"
            "  --lr-warmup-epochs X   epochs of the learning-rate warm-up (2)\n"
            "  --momentum X           (0.9)     --weight-decay X   (5e-4)\n"
            "  --seed S               initial parameters and shuffling (1)\n"
            "  --data DIR             Fashion-MNIST idx.gz files (" DEFAULT_DATA ")\n"
            "  --train-limit N        use the first N training examples (all)\n"
            "  --test-limit N         use the first N test examples (all)\n"
            "  --out F                per-epoch CSV (the simulator's columns)\n"
            "  --trace F              Chrome trace JSON, one track per rank\n"
            "  --breakdown F          per-batch time breakdown of rank 0\n"
            "  --global-allreduce A   how DASO's global message is summed: iallreduce (one\n"
            "                         MPI_Iallreduce per chunk) or ring (point-to-point ring\n"
            "                         progressed between batches) (" DEFAULT_GLOBAL ")\n"
            "  --node-allreduce A     how the CPU backend averages gradients inside a node:\n"
            "                         mpi (MPI_Allreduce) or ring (the same ring, advancing the\n"
            "                         global message while it waits) (" DEFAULT_NODE ")\n"
            "  --checkpoint DIR       write a checkpoint after every epoch\n"
            "  --resume               continue from the checkpoints in DIR\n"
            "  --quiet                no per-epoch lines\n"
            "  --help                 this text\n");
#ifdef DASO_SMPI
    emulate_help(f);
#endif
    sched_config_help(f);
}

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
    uint64_t fingerprint;
    char *rows; // CSV rows so far (rank 0)
    size_t rows_len;
    bool quiet;
    int kill_rank, kill_epoch; // fault injection (DASO_FAULT_KILL=rank:epoch), -1: none
} train_state;

static train_state state = {.kill_rank = -1};

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
                   "next (gs,ls,S) (%d,%d,%d)\n",
                   s->epoch, s->cfg.epochs, res->train_loss, res->test_acc, res->time_s,
                   res->bytes_global / 1e6, s->gs, s->ls, s->S);
        fflush(stdout);
    }
    if (state.ckpt_dir) {
        const device *d = &state.dev;
        checkpoint k = {.s = *s, .res = *res, .params = d->params(d->ctx),
                        .velocity = d->velocity(d->ctx), .n = d->n,
                        .fingerprint = state.fingerprint, .rows = state.rank == 0 ? state.rows : NULL};
        checkpoint_save(state.ckpt_dir, state.rank, &k);
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
                    .fingerprint = state.fingerprint};
    bool have = checkpoint_load(state.ckpt_dir, rank, false, &s->cfg, &k);
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
    if (mine > lo) { // this rank got one epoch further before the job died
        free(k.rows);
        if (!checkpoint_load(state.ckpt_dir, rank, true, &s->cfg, &k) || k.s.epoch != lo)
            util_die("rank %d: no checkpoint of epoch %d in %s", rank, lo, state.ckpt_dir);
    }
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

int main(int argc, char **argv)
{
    util_prog = "daso-train";
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
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

    sched_config c;
    sched_config_defaults(&c);
    c.epochs = 10;
    mpi_setup ms = {.model = NET_MLP, .batch = 64, .lr = 0.01f, .lr_warmup_epochs = 2,
                    .momentum = 0.9f, .weight_decay = 5e-4f, .seed = 1,
                    .global_allreduce = DEFAULT_GLOBAL_ALGO, .node_ring = DEFAULT_NODE_RING};
    const char *data = DEFAULT_DATA, *out = NULL, *trace_path = NULL, *breakdown = NULL;
    long train_limit = 0, test_limit = 0;
    bool do_resume = false, use_cuda = false;
#ifdef DASO_SMPI
    emulate_options eo = EMULATE_DEFAULTS;
#endif
    for (int i = 1; i < argc;) {
        int used = sched_config_option(&c, argc, argv, i);
#ifdef DASO_SMPI
        if (!used)
            used = emulate_option(&eo, argc, argv, i);
#endif
        if (used) {
            i += used;
            continue;
        }
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--resume") == 0) {
            do_resume = true;
            i++;
            continue;
        }
        if (strcmp(a, "--quiet") == 0) {
            state.quiet = true;
            i++;
            continue;
        }
        if (strcmp(a, "--gpus-per-node") == 0)
            ms.gpus_per_node = (int)util_parse_long(v, a, 1, 1 << 20);
        else if (strcmp(a, "--device") == 0) {
            if (strcmp(util_value(v, a), "cpu") != 0 && strcmp(v, "cuda") != 0)
                util_die_input("--device must be cpu or cuda (got '%s')", v);
            use_cuda = strcmp(v, "cuda") == 0;
#ifndef DASO_CUDA
            if (use_cuda)
                util_die_input("--device cuda: the CUDA/NCCL backend is not in this build (CUDA "
                               "or NCCL not found when it was built)");
#endif
        } else if (strcmp(a, "--model") == 0) {
            if (net_parse_kind(util_value(v, a), &ms.model) != 0)
                util_die_input("--model must be mlp or cnn (got '%s')", v);
        } else if (strcmp(a, "--strategy") == 0)
            c.strategy = util_value(v, a);
        else if (strcmp(a, "--epochs") == 0)
            c.epochs = (int)util_parse_long(v, a, 1, 100000);
        else if (strcmp(a, "--batch-size") == 0)
            ms.batch = (int)util_parse_long(v, a, 1, 1 << 16);
        else if (strcmp(a, "--lr") == 0)
            ms.lr = (float)util_parse_double(v, a, 1e-9, 100);
        else if (strcmp(a, "--lr-warmup-epochs") == 0)
            ms.lr_warmup_epochs = util_parse_double(v, a, 0, 1e6);
        else if (strcmp(a, "--momentum") == 0)
            ms.momentum = (float)util_parse_double(v, a, 0, 0.999999);
        else if (strcmp(a, "--weight-decay") == 0)
            ms.weight_decay = (float)util_parse_double(v, a, 0, 1);
        else if (strcmp(a, "--seed") == 0)
            ms.seed = (uint64_t)util_parse_long(v, a, 0, 2147483647);
        else if (strcmp(a, "--data") == 0)
            data = util_value(v, a);
        else if (strcmp(a, "--train-limit") == 0)
            train_limit = util_parse_long(v, a, 1, 60000);
        else if (strcmp(a, "--test-limit") == 0)
            test_limit = util_parse_long(v, a, 1, 10000);
        else if (strcmp(a, "--out") == 0)
            out = util_value(v, a);
        else if (strcmp(a, "--trace") == 0)
            trace_path = util_value(v, a);
        else if (strcmp(a, "--breakdown") == 0)
            breakdown = util_value(v, a);
        else if (strcmp(a, "--global-allreduce") == 0) {
            if (!global_algo_parse(util_value(v, a), &ms.global_allreduce))
                util_die_input("--global-allreduce must be iallreduce or ring (got '%s')", v);
        } else if (strcmp(a, "--node-allreduce") == 0) {
            if (strcmp(util_value(v, a), "mpi") != 0 && strcmp(v, "ring") != 0)
                util_die_input("--node-allreduce must be mpi or ring (got '%s')", v);
            ms.node_ring = strcmp(v, "ring") == 0;
        } else if (strcmp(a, "--checkpoint") == 0)
            state.ckpt_dir = util_value(v, a);
        else
            util_die_input("unknown option '%s' (see --help)", a);
        i += 2;
    }
    if (do_resume && state.ckpt_dir == NULL)
        util_die_input("--resume needs --checkpoint DIR");
    if (sched_find_strategy(c.strategy) == NULL)
        util_die_input("unknown strategy '%s' (daso, sync, hier or localsgd)", c.strategy);
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
    if (state.ckpt_dir && rank == 0 && mkdir(state.ckpt_dir, 0777) != 0 && errno != EEXIST)
        util_die_input("cannot create checkpoint folder %s: %s", state.ckpt_dir, strerror(errno));
    mpi_check_agreed_end();

    char settings[1024];
    snprintf(settings, sizeof settings,
             "%s %d %d %d %d %d %d %g %g %g %g %" PRIu64 " %ld %ld %d %d %d %g %d %d %d %d %d %g "
             "%ld %d %d %d %d %d %d %g %d %d %d %d",
             c.strategy, ms.model, be.world, c.gpus_per_node, c.epochs, ms.batch, c.last_batch,
             ms.lr, ms.lr_warmup_epochs, ms.momentum, ms.weight_decay, ms.seed, train_limit,
             test_limit, c.warmup_epochs, c.cooldown_epochs, c.max_global_skips,
             c.stability_level, c.plateau_patience, c.plateau_cooldown, c.plateau_mode,
             c.skip_reduction_factor, c.local_skip_factor, c.staleness_weight, c.chunk_elems,
             c.first_global_skip, c.downcast, c.downcast_fmt, c.true_staleness, c.extra_bcast,
             c.sync_fmt, c.bucket_bytes, c.localsgd_period, c.localsgd_warmup_epochs,
             (int)ms.global_allreduce, (int)ms.node_ring);
    state.fingerprint = checkpoint_fingerprint(settings, strlen(settings));
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
    outfile csv = {0}, bd = {0}, tr_rank = {0};
    trace t = {0};
    if (rank == 0 && out) {
        outfile_open(&csv, out);
        driver_csv_header(csv.f);
        if (state.rows)
            fputs(state.rows, csv.f);
    }
    if (rank == 0 && breakdown) {
        outfile_open(&bd, breakdown);
        fprintf(bd.f, "# epoch batch time_s compute_s local_comm_s global_wait_s\n");
    }
    char part[4096];
    if (trace_path) {
        snprintf(part, sizeof part, "%s.rank%d", trace_path, rank);
        outfile_open(&tr_rank, part);
        t.f = tr_rank.f;
        trace_name_rank(&t, rank, dev->gpus_per_node);
    }
    events ev;
    events_init(&ev, rank, dev->gpus_per_node, trace_path ? &t : NULL);
    driver_output dout = {.csv = csv.f, .breakdown = bd.f, .progress = false};
    driver_run(&be, &s, &ev, &dout, &res);

    if (trace_path) {
        outfile_commit(&tr_rank);
        mpiCheck(MPI_Barrier(MPI_COMM_WORLD));
        if (rank == 0) {
            outfile tr;
            outfile_open(&tr, trace_path);
            trace whole;
            trace_begin(&whole, tr.f);
            for (int r = 0; r < be.world; r++) {
                snprintf(part, sizeof part, "%s.rank%d", trace_path, r);
                FILE *f = fopenCheck(part, "r");
                char buf[65536];
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
    }
    // every strategy ends an epoch with identical replicas: check it bit for bit
    uint64_t h[2];
    h[0] = checkpoint_fingerprint(dev->params(dev->ctx), sizeof(float) * dev->n);
    h[1] = ~h[0];
    mpiCheck(MPI_Allreduce(MPI_IN_PLACE, h, 2, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD));
    if (rank == 0) {
        if (out)
            outfile_commit(&csv);
        if (breakdown)
            outfile_commit(&bd);
        printf("daso-train: final test accuracy %.4f, training loss %.4f, training time %.4g s, "
               "bytes between nodes %.6g, inside nodes %.6g; replicas %s (parameter hash "
               "%016" PRIx64 ")\n",
               res.test_acc, res.train_loss, res.time_s, res.bytes_global, res.bytes_local,
               h[0] == ~h[1] ? "identical" : "DIFFER", h[0]);
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

// mpi_backend.c: see mpi_backend.h.
#include "mpi_backend.h"

#include <math.h>   // NAN
#include <stdio.h>  // snprintf
#include <stdlib.h> // free
#include <string.h> // memmove

#include "mpi_check.h" // mpiCheck
#include "mpi_fmt.h"   // mpi_fmt_type_op
#include "util.h"      // mallocCheck, util_die, util_die_input
#include "volume.h"    // volume_allreduce, volume_ring_allreduce, volume_hier_allreduce

// ----------------------------------------------------------------------------
// collectives on the parameter or gradient vector

// Hierarchical: reduce-scatter in the node, allreduce of the slice across nodes, allgather.
static void hier_allreduce_fmt(mpi_ctx *c, float *x, size_t n, floatfmt fmt)
{
    MPI_Datatype type;
    MPI_Op op;
    mpi_fmt_type_op(fmt, &type, &op);
    const size_t esz = floatfmt_bytes(fmt);
    char *buf = fmt == FMT_FP32 ? (char *)x : c->stage;
    if (fmt != FMT_FP32)
        floatfmt_pack(fmt, x, buf, n);
    char *mine = buf + (size_t)c->displs[c->t.local] * esz;
    mpiCheck(MPI_Reduce_scatter(MPI_IN_PLACE, buf, c->counts, type, op, c->t.node_comm));
    // MPI_IN_PLACE reduce-scatter leaves the rank's slice at the start of buf
    memmove(mine, buf, (size_t)c->counts[c->t.local] * esz);
    mpiCheck(MPI_Allreduce(MPI_IN_PLACE, mine, c->counts[c->t.local], type, op, c->t.cross_comm));
    mpiCheck(MPI_Allgatherv(MPI_IN_PLACE, 0, type, buf, c->counts, c->displs, type, c->t.node_comm));
    if (fmt != FMT_FP32)
        floatfmt_unpack(fmt, buf, x, n);
}

static void scale(float *x, size_t n, float s)
{
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
}

// ----------------------------------------------------------------------------
// the backend functions

static double mpi_clock(void *ctx)
{
    return MPI_Wtime() - ((mpi_ctx *)ctx)->t0;
}

// Gathers the batch-th batch of this rank's shard of the epoch's shuffled order.
static void load_batch(mpi_ctx *c, int epoch, int batch)
{
    const mnist_set *d = c->setup.train;
    if (c->order_epoch != epoch) {
        mnist_epoch_order(d->n, c->setup.seed, epoch, c->order);
        c->order_epoch = epoch;
    }
    const int b = c->setup.batch;
    mnist_gather(d, c->order + c->shard_first + batch * b, b, c->x, c->y);
}

// Emulation: the modelled GPU's compute, in slices between which the global message advances
// (a real GPU computes while the network carries the message).
static void charge_compute(mpi_ctx *c, double seconds)
{
    if (!c->setup.charge)
        return;
    const int k = global_msg_in_flight(&c->msg) ? c->setup.charge_slices : 1;
    for (int i = 0; i < k; i++) {
        c->setup.charge(seconds / k);
        global_msg_progress(&c->msg);
    }
}

static double mpi_train_batch(void *ctx, events *ev, int epoch, int batch, plan_grad grad,
                              floatfmt fmt)
{
    mpi_ctx *c = ctx;
    c->last_epoch = epoch;
    c->last_batch = batch;
    global_msg_progress(&c->msg);
    double t0 = mpi_clock(c);
    load_batch(c, epoch, batch);
    c->opt.lr = sgd_lr_schedule(c->setup.lr, c->t.world, epoch + (double)batch / c->batches,
                                c->setup.lr_warmup_epochs);
    double loss = net_forward_backward(c->model, c->x, c->y, c->setup.batch);
    charge_compute(c, c->setup.forward_s + c->setup.backward_s);
    events_add(ev, EV_COMPUTE, "forward-backward", t0, mpi_clock(c), 0, 0);
    global_msg_progress(&c->msg);
    if (grad == GRAD_NONE)
        return loss;

    float *g = net_grads(c->model);
    const size_t n = net_param_count(c->model);
    const double bytes = (double)n * floatfmt_bytes(fmt);
    double t1 = mpi_clock(c);
    volume v;
    if (grad == GRAD_NODE) {
        if (c->setup.node_ring) { // the same sum, while the global message goes on
            global_msg_start(&c->node_msg, g, fmt, n, c->t.node_comm, NULL);
            global_msg_wait(&c->node_msg, &c->msg);
            floatfmt_unpack(fmt, c->node_msg.buf, g, n);
        } else {
            mpi_fmt_allreduce(g, n, fmt, c->stage, c->t.node_comm);
        }
        scale(g, n, 1.0f / c->t.gpus_per_node);
        v = (volume){volume_allreduce(bytes, c->t.gpus_per_node), 0};
    } else if (grad == GRAD_WORLD) {
        mpi_fmt_allreduce(g, n, fmt, c->stage, MPI_COMM_WORLD);
        scale(g, n, 1.0f / c->t.world);
        v = volume_ring_allreduce(bytes, c->t.nodes, c->t.gpus_per_node);
    } else {
        hier_allreduce_fmt(c, g, n, fmt);
        scale(g, n, 1.0f / c->t.world);
        v = volume_hier_allreduce(bytes, c->t.nodes, c->t.gpus_per_node);
    }
    events_add(ev, grad == GRAD_NODE ? EV_LOCAL : EV_GLOBAL, "gradient allreduce", t1,
               mpi_clock(c), v.local, v.global);
    return loss;
}

static void mpi_optimizer_step(void *ctx)
{
    mpi_ctx *c = ctx;
    sgd_step(&c->opt, net_params(c->model), net_grads(c->model));
    if (c->setup.charge)
        c->setup.charge(c->setup.optimizer_s);
}

static void mpi_global_start(void *ctx, floatfmt fmt, size_t chunk_elems)
{
    mpi_ctx *c = ctx;
    char where[96];
    snprintf(where, sizeof where, "the global sync of epoch %d batch %d on rank %d",
             c->last_epoch, c->last_batch, c->t.rank);
    global_msg_start(&c->msg, net_params(c->model), fmt, chunk_elems, c->t.cross_comm, where);
}

static void mpi_global_finish(void *ctx, double w_local, double w_sum)
{
    mpi_ctx *c = ctx;
    global_msg_finish(&c->msg, net_params(c->model), w_local, w_sum);
}

static void mpi_node_bcast(void *ctx, int root)
{
    mpi_ctx *c = ctx;
    mpiCheck(MPI_Bcast(net_params(c->model), mpi_fmt_count(net_param_count(c->model)), MPI_FLOAT, root,
                       c->t.node_comm));
}

static void mpi_world_param_avg(void *ctx, floatfmt fmt)
{
    mpi_ctx *c = ctx;
    float *x = net_params(c->model);
    const size_t n = net_param_count(c->model);
    hier_allreduce_fmt(c, x, n, fmt);
    scale(x, n, 1.0f / c->t.world);
}

static double mpi_world_mean(void *ctx, double x)
{
    return mpi_topo_mean(&((mpi_ctx *)ctx)->t, x);
}

static void mpi_stats_sum(void *ctx, double *v, int n)
{
    mpi_topo_sum_to_root(&((mpi_ctx *)ctx)->t, v, n);
}

// Accuracy on the test set, each rank evaluating its share (the replicas are identical at an
// epoch's end for every strategy).
static double mpi_evaluate(void *ctx)
{
    mpi_ctx *c = ctx;
    const mnist_set *t = c->setup.test;
    int first, count;
    mnist_shard(t->n, c->t.rank, c->t.world, &first, &count);
    const int px = t->rows * t->cols;
    double counts[2] = {0, (double)count};
    for (int i = 0; i < count; i += c->setup.batch) {
        int b = count - i < c->setup.batch ? count - i : c->setup.batch;
        counts[0] += net_evaluate(c->model, t->images + (size_t)(first + i) * px,
                                  t->labels + first + i, b, NULL);
    }
    mpiCheck(MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
    return counts[1] > 0 ? counts[0] / counts[1] : NAN;
}

// ----------------------------------------------------------------------------
// set-up

void mpi_backend_init(mpi_ctx *c, const mpi_setup *s, backend *be)
{
    *c = (mpi_ctx){.setup = *s, .order_epoch = -1};
    mpi_topo_init(&c->t, s->gpus_per_node);
    int shard_total = s->train->n / c->t.world;
    c->batches = shard_total / s->batch;
    if (c->batches < 1)
        util_die_input("%d training examples over %d ranks give less than one batch of %d",
                       s->train->n, c->t.world, s->batch);
    mnist_shard(s->train->n, c->t.rank, c->t.world, &c->shard_first, &c->shard_count);

    c->model = net_create(s->model, s->batch);
    net_init_params(c->model, s->seed); // identical on every rank
    const size_t n = net_param_count(c->model);
    sgd_init(&c->opt, n, s->lr, s->momentum, s->weight_decay);
    c->order = mallocCheck(sizeof(int) * (size_t)s->train->n);
    const int px = s->train->rows * s->train->cols;
    c->x = mallocCheck(sizeof(float) * (size_t)px * (size_t)s->batch);
    c->y = mallocCheck((size_t)s->batch);
    c->stage = mallocCheck(2 * n);
    global_msg_init(&c->msg, n, s->global_allreduce);
    if (s->node_ring)
        global_msg_init(&c->node_msg, n, GLOBAL_RING);
    c->counts = mallocCheck(sizeof(int) * (size_t)c->t.gpus_per_node);
    c->displs = mallocCheck(sizeof(int) * (size_t)c->t.gpus_per_node);
    for (int g = 0, off = 0; g < c->t.gpus_per_node; g++) {
        c->counts[g] = mpi_fmt_count(n / (size_t)c->t.gpus_per_node + ((size_t)g < n % (size_t)c->t.gpus_per_node));
        c->displs[g] = off;
        off += c->counts[g];
    }
    c->t0 = MPI_Wtime();
    *be = (backend){.ctx = c, .rank = c->t.rank, .world = c->t.world,
                    .gpus_per_node = c->t.gpus_per_node, .params = n, .clock = mpi_clock,
                    .train_batch = mpi_train_batch, .optimizer_step = mpi_optimizer_step,
                    .global_start = mpi_global_start, .global_finish = mpi_global_finish,
                    .node_bcast = mpi_node_bcast, .world_param_avg = mpi_world_param_avg,
                    .world_mean = mpi_world_mean, .stats_sum = mpi_stats_sum,
                    .evaluate = mpi_evaluate};
}

void mpi_backend_free(mpi_ctx *c)
{
    mpi_topo_free(&c->t);
    net_free(c->model);
    sgd_free(&c->opt);
    free(c->order);
    free(c->x);
    free(c->y);
    free(c->stage);
    global_msg_free(&c->msg);
    if (c->setup.node_ring)
        global_msg_free(&c->node_msg);
    free(c->counts);
    free(c->displs);
}

// cuda_backend.cu: see cuda_backend.h. Two streams, one per purpose: `compute` runs the network
// and the optimizer, `comm` the node-local NCCL collectives and the copies that stage MPI
// messages; each collective waits for the compute queued before it and the compute queued after
// it waits for the collective (events, no host wait), and the host waits for a stream only where
// it reads what the device wrote: a loss, a staged message, the clock.
//
// Node-local transport: NCCL when every rank of the node has a GPU of its own, else MPI over the
// node's communicator on host-staged copies (NCCL refuses two ranks on one GPU; the tests run
// 1 node x 2 ranks on a single GPU that way). Between nodes, always MPI on pinned host memory.
#define MPICH_SKIP_MPICXX // MPI's C API only, without the C++ bindings of MPICH
#define OMPI_SKIP_MPICXX  // and of Open MPI
#include <mpi.h>          // MPI_Comm, MPI_Request (before the C headers that use it)

#include <math.h>   // NAN
#include <stdio.h>  // snprintf
#include <stdlib.h> // free
#include <string.h> // memcpy, memmove, memcmp

#include <cuda_bf16.h> // __float2bfloat16_rn, __bfloat162float
#include <cuda_fp16.h> // __float2half_rn, __half2float
#include <nccl.h>      // ncclComm_t, ncclAllReduce, ncclReduceScatter, ncclAllGather, ncclBroadcast

extern "C" { // the toolkit's C headers
#include "chunk.h"       // chunk_count, chunk_get
#include "merge.h"       // merge_apply
#include "mnist.h"       // mnist_epoch_order, mnist_shard
#include "mpi_check.h"   // mpiCheck
#include "mpi_fmt.h"     // mpi_fmt_type_op, mpi_fmt_allreduce, mpi_fmt_count
#include "mpi_topo.h"    // mpi_topo_init, mpi_topo_mean, mpi_topo_sum_to_root
#include "global_msg.h"  // global_msg_start, global_msg_finish
#include "sgd.h"         // sgd_lr_schedule
#include "util.h"        // mallocCheck, callocCheck, util_die, util_die_input
#include "volume.h"      // volume_allreduce, volume_ring_allreduce, volume_hier_allreduce
}

#include "cuda_backend.h" // cuda_backend_init, cuda_ctx, mpi_setup (C, in its own extern "C")
#include "cuda_net.h"     // cuda_net, cudaCheck, cublasCheck, cuda_where, cuda_blocks

static void nccl_check_at(ncclResult_t rc, const char *call, const char *file, int line)
{
    if (rc == ncclSuccess)
        return;
    util_die_at(file, line, "%s failed on %s: %s (%s)", call, cuda_where(), ncclGetErrorString(rc),
                ncclGetLastError(NULL));
}
#define ncclCheck(call) nccl_check_at((call), #call, __FILE__, __LINE__)

struct cuda_ctx {
    mpi_setup setup;
    mpi_topo t;                     // ranks, nodes and their communicators
    double t0;                      // MPI_Wtime at the start
    int device;
    bool nccl_on;                   // node-local collectives on NCCL (each rank has its own GPU)
    ncclComm_t nccl;                // the node's ranks (when nccl_on)
    cudaStream_t compute, comm;
    cudaEvent_t computed, communicated; // the end of each stream's queue, for the other to wait on
    cuda_net *model;
    size_t n;                       // parameters
    size_t slice;                   // elements per local rank in the hierarchical allreduce:
                                    // ceil(n / G), the vector padded to G * slice
    float *velocity;                // device: the momentum
    float lr;                       // the learning rate of the current batch
    int batches;                    // per epoch
    int *order, order_epoch;        // the epoch's shuffled training indices
    int shard_first, shard_count;
    float *x;                       // device: one batch of images
    uint8_t *y;
    float *host_x;                  // pinned: the batch as gathered on the host
    uint8_t *host_y;
    void *wire;                     // device: G * slice elements of 4 bytes, the vector packed
                                    // for NCCL; the padding is never unpacked
    float *host;                    // pinned: G * slice floats, the vector staged for MPI
    void *stage;                    // G * slice 16-bit elements, its bf16/fp16 packing
    float *params_out, *velocity_out; // the copies handed out (cuda_backend_*_host)
    // the global message in flight, as in mpi_ctx
    global_msg msg;                 // DASO's global message, on the host
    int last_epoch, last_batch;     // position, for messages
};

// ----------------------------------------------------------------------------
// kernels

// PyTorch's SGD (dampening 0, no Nesterov), as sgd_step:
//     g = grad + weight_decay * param;  v = momentum * v + g;  param -= lr * v
__global__ static void sgd_kernel(float *params, float *velocity, const float *grads, size_t n,
                                  float lr, float momentum, float weight_decay)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    float g = grads[i] + weight_decay * params[i];
    float v = momentum * velocity[i] + g;
    velocity[i] = v;
    params[i] -= lr * v;
}

__global__ static void scale_kernel(float *x, size_t n, float s)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] *= s;
}

// fp32 -> bf16 or fp16 bit patterns, rounded to nearest even like floatfmt_pack.
__global__ static void pack_kernel(const float *x, uint16_t *h, size_t n, int bf16)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        h[i] = bf16 ? __bfloat16_as_ushort(__float2bfloat16_rn(x[i]))
                    : __half_as_ushort(__float2half_rn(x[i]));
}

__global__ static void unpack_kernel(const uint16_t *h, float *x, size_t n, int bf16)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] = bf16 ? __bfloat162float(__ushort_as_bfloat16(h[i]))
                    : __half2float(__ushort_as_half(h[i]));
}

// ----------------------------------------------------------------------------
// streams and copies

// The comm stream waits for the compute queued so far.
static void comm_begin(cuda_ctx *c)
{
    cudaCheck(cudaEventRecord(c->computed, c->compute));
    cudaCheck(cudaStreamWaitEvent(c->comm, c->computed, 0));
}

// The compute queued from now on waits for the communication queued so far.
static void comm_end(cuda_ctx *c)
{
    cudaCheck(cudaEventRecord(c->communicated, c->comm));
    cudaCheck(cudaStreamWaitEvent(c->compute, c->communicated, 0));
}

// Device -> host on the comm stream, waited for.
static void comm_to_host(cuda_ctx *c, void *host, const void *dev, size_t bytes)
{
    cudaCheck(cudaMemcpyAsync(host, dev, bytes, cudaMemcpyDeviceToHost, c->comm));
    cudaCheck(cudaStreamSynchronize(c->comm));
}

// Host -> device on the comm stream: the host buffer must stay as it is until the stream has
// passed the copy (every writer of c->host first waits for the comm stream).
static void comm_to_device(cuda_ctx *c, void *dev, const void *host, size_t bytes)
{
    cudaCheck(cudaMemcpyAsync(dev, host, bytes, cudaMemcpyHostToDevice, c->comm));
}

static void scale(cuda_ctx *c, float *x, float s)
{
    scale_kernel<<<cuda_blocks(c->n), CUDA_THREADS, 0, c->comm>>>(x, c->n, s);
    cudaCheck(cudaGetLastError());
}

// x (device, n floats) into c->wire in format fmt, or back, on the comm stream.
static void pack_wire(cuda_ctx *c, const float *x, floatfmt fmt)
{
    if (fmt == FMT_FP32) {
        cudaCheck(cudaMemcpyAsync(c->wire, x, sizeof(float) * c->n, cudaMemcpyDeviceToDevice,
                                  c->comm));
        return;
    }
    pack_kernel<<<cuda_blocks(c->n), CUDA_THREADS, 0, c->comm>>>(x, (uint16_t *)c->wire, c->n,
                                                                 fmt == FMT_BF16);
    cudaCheck(cudaGetLastError());
}

static void unpack_wire(cuda_ctx *c, float *x, floatfmt fmt)
{
    if (fmt == FMT_FP32) {
        cudaCheck(cudaMemcpyAsync(x, c->wire, sizeof(float) * c->n, cudaMemcpyDeviceToDevice,
                                  c->comm));
        return;
    }
    unpack_kernel<<<cuda_blocks(c->n), CUDA_THREADS, 0, c->comm>>>((const uint16_t *)c->wire, x,
                                                                   c->n, fmt == FMT_BF16);
    cudaCheck(cudaGetLastError());
}

static ncclDataType_t nccl_type(floatfmt fmt)
{
    return fmt == FMT_FP32 ? ncclFloat32 : fmt == FMT_BF16 ? ncclBfloat16 : ncclFloat16;
}

// ----------------------------------------------------------------------------
// collectives on a device vector of n floats, queued on the comm stream (between comm_begin and
// comm_end)

// x := sum over the node of x (NCCL, or MPI through the host).
static void node_allreduce(cuda_ctx *c, float *x, floatfmt fmt)
{
    if (!c->nccl_on) {
        comm_to_host(c, c->host, x, sizeof(float) * c->n);
        mpi_fmt_allreduce(c->host, c->n, fmt, c->stage, c->t.node_comm);
        comm_to_device(c, x, c->host, sizeof(float) * c->n);
    } else if (fmt == FMT_FP32) {
        ncclCheck(ncclAllReduce(x, x, c->n, ncclFloat32, ncclSum, c->nccl, c->comm));
    } else {
        pack_wire(c, x, fmt);
        ncclCheck(ncclAllReduce(c->wire, c->wire, c->n, nccl_type(fmt), ncclSum, c->nccl, c->comm));
        unpack_wire(c, x, fmt);
    }
}

// x := sum over all ranks of x, one flat MPI allreduce through the host.
static void world_allreduce(cuda_ctx *c, float *x, floatfmt fmt)
{
    comm_to_host(c, c->host, x, sizeof(float) * c->n);
    mpi_fmt_allreduce(c->host, c->n, fmt, c->stage, MPI_COMM_WORLD);
    comm_to_device(c, x, c->host, sizeof(float) * c->n);
}

// x := sum over all ranks of x, hierarchically: reduce-scatter in the node, allreduce of the
// rank's slice across nodes (MPI through the host), allgather in the node. The vector travels in
// format fmt and is cut into G equal slices of c->slice elements.
static void hier_allreduce(cuda_ctx *c, float *x, floatfmt fmt)
{
    MPI_Datatype type;
    MPI_Op op;
    mpi_fmt_type_op(fmt, &type, &op);
    const size_t esz = floatfmt_bytes(fmt), s = c->slice;
    const int count = mpi_fmt_count(s);
    if (c->nccl_on) {
        pack_wire(c, x, fmt);
        char *all = (char *)c->wire, *mine = all + c->t.local * s * esz; // in place, as NCCL wants
        ncclCheck(ncclReduceScatter(all, mine, s, nccl_type(fmt), ncclSum, c->nccl, c->comm));
        comm_to_host(c, c->host, mine, s * esz);
        mpiCheck(MPI_Allreduce(MPI_IN_PLACE, c->host, count, type, op, c->t.cross_comm));
        comm_to_device(c, mine, c->host, s * esz);
        ncclCheck(ncclAllGather(mine, all, s, nccl_type(fmt), c->nccl, c->comm));
        unpack_wire(c, x, fmt);
        return;
    }
    comm_to_host(c, c->host, x, sizeof(float) * c->n);
    char *all = fmt == FMT_FP32 ? (char *)c->host : (char *)c->stage;
    if (fmt != FMT_FP32)
        floatfmt_pack(fmt, c->host, all, c->n);
    char *mine = all + c->t.local * s * esz;
    mpiCheck(MPI_Reduce_scatter_block(MPI_IN_PLACE, all, count, type, op, c->t.node_comm));
    // MPI_IN_PLACE reduce-scatter leaves the rank's slice at the start of the buffer
    memmove(mine, all, s * esz);
    mpiCheck(MPI_Allreduce(MPI_IN_PLACE, mine, count, type, op, c->t.cross_comm));
    mpiCheck(MPI_Allgather(MPI_IN_PLACE, 0, type, all, count, type, c->t.node_comm));
    if (fmt != FMT_FP32)
        floatfmt_unpack(fmt, all, c->host, c->n);
    comm_to_device(c, x, c->host, sizeof(float) * c->n);
}

// ----------------------------------------------------------------------------
// the backend functions

// Seconds since the start, once the device has done all the work queued so far.
static double cuda_clock(void *ctx)
{
    cuda_ctx *c = (cuda_ctx *)ctx;
    cudaCheck(cudaStreamSynchronize(c->compute));
    cudaCheck(cudaStreamSynchronize(c->comm));
    return MPI_Wtime() - c->t0;
}

// Gathers the batch-th batch of this rank's shard of the epoch's shuffled order and queues its
// copy to the device (the previous batch's copy is done: its loss was waited for).
static void load_batch(cuda_ctx *c, int epoch, int batch)
{
    const mnist_set *d = c->setup.train;
    if (c->order_epoch != epoch) {
        mnist_epoch_order(d->n, c->setup.seed, epoch, c->order);
        c->order_epoch = epoch;
    }
    const int px = d->rows * d->cols, b = c->setup.batch;
    mnist_gather(d, c->order + c->shard_first + batch * b, b, c->host_x, c->host_y);
    cudaCheck(cudaMemcpyAsync(c->x, c->host_x, sizeof(float) * (size_t)px * b,
                              cudaMemcpyHostToDevice, c->compute));
    cudaCheck(cudaMemcpyAsync(c->y, c->host_y, (size_t)b, cudaMemcpyHostToDevice, c->compute));
}

static double cuda_train_batch(void *ctx, events *ev, int epoch, int batch, plan_grad grad,
                               floatfmt fmt)
{
    cuda_ctx *c = (cuda_ctx *)ctx;
    c->last_epoch = epoch;
    c->last_batch = batch;
    global_msg_progress(&c->msg);
    double t0 = cuda_clock(c);
    load_batch(c, epoch, batch);
    c->lr = sgd_lr_schedule(c->setup.lr, c->t.world, epoch + (double)batch / c->batches,
                            c->setup.lr_warmup_epochs);
    double loss = cuda_net_forward_backward(c->model, c->x, c->y, c->setup.batch);
    events_add(ev, EV_COMPUTE, "forward-backward", t0, cuda_clock(c), 0, 0);
    global_msg_progress(&c->msg);
    if (grad == GRAD_NONE)
        return loss;

    float *g = cuda_net_grads(c->model);
    const double bytes = (double)c->n * floatfmt_bytes(fmt);
    double t1 = cuda_clock(c);
    volume v;
    comm_begin(c);
    if (grad == GRAD_NODE) {
        node_allreduce(c, g, fmt);
        scale(c, g, 1.0f / c->t.gpus_per_node);
        v = volume{volume_allreduce(bytes, c->t.gpus_per_node), 0};
    } else if (grad == GRAD_WORLD) {
        world_allreduce(c, g, fmt);
        scale(c, g, 1.0f / c->t.world);
        v = volume_ring_allreduce(bytes, c->t.nodes, c->t.gpus_per_node);
    } else {
        hier_allreduce(c, g, fmt);
        scale(c, g, 1.0f / c->t.world);
        v = volume_hier_allreduce(bytes, c->t.nodes, c->t.gpus_per_node);
    }
    comm_end(c);
    events_add(ev, grad == GRAD_NODE ? EV_LOCAL : EV_GLOBAL, "gradient allreduce", t1,
               cuda_clock(c), v.local, v.global);
    return loss;
}

static void cuda_optimizer_step(void *ctx)
{
    cuda_ctx *c = (cuda_ctx *)ctx;
    sgd_kernel<<<cuda_blocks(c->n), CUDA_THREADS, 0, c->compute>>>(
        cuda_net_params(c->model), c->velocity, cuda_net_grads(c->model), c->n, c->lr,
        c->setup.momentum, c->setup.weight_decay);
    cudaCheck(cudaGetLastError());
}

static void cuda_global_start(void *ctx, floatfmt fmt, size_t chunk_elems)
{
    cuda_ctx *c = (cuda_ctx *)ctx;
    comm_begin(c);
    comm_to_host(c, c->host, cuda_net_params(c->model), sizeof(float) * c->n);
    char where[96];
    snprintf(where, sizeof where, "the global sync of epoch %d batch %d on rank %d",
             c->last_epoch, c->last_batch, c->t.rank);
    global_msg_start(&c->msg, c->host, fmt, chunk_elems, c->t.cross_comm, where);
}

// Waits for the message and merges it on the host with merge_apply, so the result is exactly
// the CPU backend's.
static void cuda_global_finish(void *ctx, double w_local, double w_sum)
{
    cuda_ctx *c = (cuda_ctx *)ctx;
    float *p = cuda_net_params(c->model);
    comm_begin(c);
    comm_to_host(c, c->host, p, sizeof(float) * c->n);
    global_msg_finish(&c->msg, c->host, w_local, w_sum);
    comm_to_device(c, p, c->host, sizeof(float) * c->n);
    comm_end(c);
}

static void cuda_node_bcast(void *ctx, int root)
{
    cuda_ctx *c = (cuda_ctx *)ctx;
    float *p = cuda_net_params(c->model);
    comm_begin(c);
    if (c->nccl_on) {
        ncclCheck(ncclBroadcast(p, p, c->n, ncclFloat32, root, c->nccl, c->comm));
    } else {
        cudaCheck(cudaStreamSynchronize(c->comm)); // c->host is free to overwrite
        if (c->t.local == root)
            comm_to_host(c, c->host, p, sizeof(float) * c->n);
        mpiCheck(MPI_Bcast(c->host, mpi_fmt_count(c->n), MPI_FLOAT, root, c->t.node_comm));
        if (c->t.local != root)
            comm_to_device(c, p, c->host, sizeof(float) * c->n);
    }
    comm_end(c);
}

static void cuda_world_param_avg(void *ctx, floatfmt fmt)
{
    cuda_ctx *c = (cuda_ctx *)ctx;
    float *p = cuda_net_params(c->model);
    comm_begin(c);
    hier_allreduce(c, p, fmt);
    scale(c, p, 1.0f / c->t.world);
    comm_end(c);
}

static double cuda_world_mean(void *ctx, double x)
{
    return mpi_topo_mean(&((cuda_ctx *)ctx)->t, x);
}

static void cuda_stats_sum(void *ctx, double *v, int n)
{
    mpi_topo_sum_to_root(&((cuda_ctx *)ctx)->t, v, n);
}

// Accuracy on the test set, each rank evaluating its share (the replicas are identical at an
// epoch's end for every strategy).
static double cuda_evaluate(void *ctx)
{
    cuda_ctx *c = (cuda_ctx *)ctx;
    const mnist_set *t = c->setup.test;
    int first, count;
    mnist_shard(t->n, c->t.rank, c->t.world, &first, &count);
    const int px = t->rows * t->cols;
    double counts[2] = {0, (double)count};
    for (int i = 0; i < count; i += c->setup.batch) {
        int b = count - i < c->setup.batch ? count - i : c->setup.batch;
        memcpy(c->host_x, t->images + (size_t)(first + i) * px, sizeof(float) * (size_t)px * b);
        memcpy(c->host_y, t->labels + first + i, (size_t)b);
        cudaCheck(cudaMemcpyAsync(c->x, c->host_x, sizeof(float) * (size_t)px * b,
                                  cudaMemcpyHostToDevice, c->compute));
        cudaCheck(cudaMemcpyAsync(c->y, c->host_y, (size_t)b, cudaMemcpyHostToDevice, c->compute));
        counts[0] += cuda_net_evaluate(c->model, c->x, c->y, b); // waits: host_x is free again
    }
    mpiCheck(MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
    return counts[1] > 0 ? counts[0] / counts[1] : NAN;
}

// ----------------------------------------------------------------------------
// set-up

// GPU (rank within the machine) % (GPUs visible): the node's local rank on a real cluster, and
// emulated nodes (--gpus-per-node) on one machine spread over all its GPUs. Every rank must see
// a GPU, else all exit 2.
static void select_device(cuda_ctx *c)
{
    int count = 0;
    char why[256] = ""; // the reason, printed when this rank is the one named
    cudaError_t rc = cudaGetDeviceCount(&count);
    if (rc != cudaSuccess) {
        count = 0;
        snprintf(why, sizeof why, " (cudaGetDeviceCount: %s)", cudaGetErrorString(rc));
    }
    struct {
        int count, rank;
    } mine = {count, c->t.rank}, least;
    mpiCheck(MPI_Allreduce(&mine, &least, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD));
    if (least.count == 0)
        util_die_input("--device cuda: no CUDA device visible to rank %d%s", least.rank,
                       least.rank == c->t.rank ? why : "");
    MPI_Comm shm;
    int machine_rank;
    mpiCheck(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, c->t.rank, MPI_INFO_NULL,
                                 &shm));
    mpiCheck(MPI_Comm_rank(shm, &machine_rank));
    mpiCheck(MPI_Comm_free(&shm));
    c->device = machine_rank % count;
    cudaCheck(cudaSetDevice(c->device));
}

// NCCL for the node when its ranks hold distinct GPUs (by UUID, so also across machines), with
// the unique id of local rank 0 sent over the node's communicator.
static void init_nccl(cuda_ctx *c)
{
    cudaDeviceProp prop;
    cudaCheck(cudaGetDeviceProperties(&prop, c->device));
    const int g = c->t.gpus_per_node;
    cudaUUID_t *uuids = (cudaUUID_t *)mallocCheck(sizeof(cudaUUID_t) * (size_t)g);
    mpiCheck(MPI_Allgather(&prop.uuid, (int)sizeof(cudaUUID_t), MPI_BYTE, uuids,
                           (int)sizeof(cudaUUID_t), MPI_BYTE, c->t.node_comm));
    c->nccl_on = true;
    for (int i = 0; i < g; i++)
        for (int j = 0; j < i; j++)
            if (memcmp(&uuids[i], &uuids[j], sizeof(cudaUUID_t)) == 0)
                c->nccl_on = false;
    free(uuids);
    if (!c->nccl_on)
        return;
    ncclUniqueId id;
    if (c->t.local == 0)
        ncclCheck(ncclGetUniqueId(&id));
    mpiCheck(MPI_Bcast(&id, (int)sizeof id, MPI_BYTE, 0, c->t.node_comm));
    ncclCheck(ncclCommInitRank(&c->nccl, g, id, c->t.local));
}

cuda_ctx *cuda_backend_init(const mpi_setup *s, backend *be)
{
    cuda_ctx *c = (cuda_ctx *)callocCheck(1, sizeof *c);
    c->setup = *s;
    c->order_epoch = -1;
    mpi_topo_init(&c->t, c->setup.gpus_per_node);
    int shard_total = s->train->n / c->t.world;
    c->batches = shard_total / s->batch;
    if (c->batches < 1)
        util_die_input("%d training examples over %d ranks give less than one batch of %d",
                       s->train->n, c->t.world, s->batch);
    mnist_shard(s->train->n, c->t.rank, c->t.world, &c->shard_first, &c->shard_count);
    select_device(c);
    init_nccl(c);
    cudaCheck(cudaStreamCreateWithFlags(&c->compute, cudaStreamNonBlocking));
    cudaCheck(cudaStreamCreateWithFlags(&c->comm, cudaStreamNonBlocking));
    cudaCheck(cudaEventCreateWithFlags(&c->computed, cudaEventDisableTiming));
    cudaCheck(cudaEventCreateWithFlags(&c->communicated, cudaEventDisableTiming));

    c->model = cuda_net_create(s->model, s->batch, s->seed, c->compute); // identical on every rank
    const size_t n = cuda_net_param_count(c->model);
    const size_t g = (size_t)c->t.gpus_per_node;
    c->n = n;
    c->slice = (n + g - 1) / g;
    cudaCheck(cudaMalloc(&c->velocity, sizeof(float) * n));
    cudaCheck(cudaMemset(c->velocity, 0, sizeof(float) * n));
    const int px = s->train->rows * s->train->cols;
    cudaCheck(cudaMalloc(&c->x, sizeof(float) * (size_t)px * s->batch));
    cudaCheck(cudaMalloc(&c->y, (size_t)s->batch));
    cudaCheck(cudaMallocHost(&c->host_x, sizeof(float) * (size_t)px * s->batch));
    cudaCheck(cudaMallocHost(&c->host_y, (size_t)s->batch));
    cudaCheck(cudaMalloc(&c->wire, sizeof(float) * g * c->slice));
    cudaCheck(cudaMemset(c->wire, 0, sizeof(float) * g * c->slice));
    cudaCheck(cudaMallocHost(&c->host, sizeof(float) * g * c->slice));
    memset(c->host, 0, sizeof(float) * g * c->slice);
    c->stage = callocCheck(g * c->slice, 2);
    c->order = (int *)mallocCheck(sizeof(int) * (size_t)s->train->n);
    global_msg_init(&c->msg, n, s->global_allreduce);
    c->params_out = (float *)mallocCheck(sizeof(float) * n);
    c->velocity_out = (float *)mallocCheck(sizeof(float) * n);
    cudaCheck(cudaDeviceSynchronize()); // initial parameters and zeros in place
    c->t0 = MPI_Wtime();

    backend b = {};
    b.ctx = c;
    b.rank = c->t.rank;
    b.world = c->t.world;
    b.gpus_per_node = c->t.gpus_per_node;
    b.params = n;
    b.clock = cuda_clock;
    b.train_batch = cuda_train_batch;
    b.optimizer_step = cuda_optimizer_step;
    b.global_start = cuda_global_start;
    b.global_finish = cuda_global_finish;
    b.node_bcast = cuda_node_bcast;
    b.world_param_avg = cuda_world_param_avg;
    b.world_mean = cuda_world_mean;
    b.stats_sum = cuda_stats_sum;
    b.evaluate = cuda_evaluate;
    *be = b;
    return c;
}

void cuda_backend_free(cuda_ctx *c)
{
    if (c == NULL)
        return;
    cudaCheck(cudaDeviceSynchronize());
    if (c->nccl_on)
        ncclCheck(ncclCommDestroy(c->nccl));
    mpi_topo_free(&c->t);
    cuda_net_free(c->model);
    cudaCheck(cudaFree(c->velocity));
    cudaCheck(cudaFree(c->x));
    cudaCheck(cudaFree(c->y));
    cudaCheck(cudaFree(c->wire));
    cudaCheck(cudaFreeHost(c->host_x));
    cudaCheck(cudaFreeHost(c->host_y));
    cudaCheck(cudaFreeHost(c->host));
    cudaCheck(cudaEventDestroy(c->computed));
    cudaCheck(cudaEventDestroy(c->communicated));
    cudaCheck(cudaStreamDestroy(c->compute));
    cudaCheck(cudaStreamDestroy(c->comm));
    free(c->stage);
    free(c->order);
    global_msg_free(&c->msg);
    free(c->params_out);
    free(c->velocity_out);
    free(c);
}

size_t cuda_backend_param_count(const cuda_ctx *c) { return c->n; }
int cuda_backend_batches(const cuda_ctx *c) { return c->batches; }

// Device -> host copy after all the work queued on either stream.
static float *copy_out(cuda_ctx *c, float *host, const float *dev)
{
    cudaCheck(cudaStreamSynchronize(c->comm));
    cudaCheck(cudaMemcpyAsync(host, dev, sizeof(float) * c->n, cudaMemcpyDeviceToHost, c->compute));
    cudaCheck(cudaStreamSynchronize(c->compute));
    return host;
}

float *cuda_backend_params_host(cuda_ctx *c)
{
    return copy_out(c, c->params_out, cuda_net_params(c->model));
}

float *cuda_backend_velocity_host(cuda_ctx *c)
{
    return copy_out(c, c->velocity_out, c->velocity);
}

void cuda_backend_load_state(cuda_ctx *c, const float *params, const float *velocity)
{
    cudaCheck(cudaStreamSynchronize(c->comm));
    cudaCheck(cudaMemcpyAsync(cuda_net_params(c->model), params, sizeof(float) * c->n,
                              cudaMemcpyHostToDevice, c->compute));
    cudaCheck(cudaMemcpyAsync(c->velocity, velocity, sizeof(float) * c->n, cudaMemcpyHostToDevice,
                              c->compute));
    cudaCheck(cudaStreamSynchronize(c->compute));
}

// cuda_net.cu: see cuda_net.h. The layers of real/net.c on the GPU: dense (affine), conv (im2col,
// then the same affine product over every output pixel) and 2x2 max-pool, ReLU fused into the
// affine layers. Each affine layer is one cuBLAS sgemm forward and two backward (weight gradient,
// input gradient; the first layer skips the input gradient); its bias gradient is one sgemv with
// a vector of ones. The kernels give every output element to one thread that gathers its inputs,
// so no sum depends on thread scheduling (col2im and the pool's backward gather instead of
// scattering).
#include "cuda_net.h"

#include <math.h>   // sqrt (device: exp, log)
#include <stdio.h>  // snprintf
#include <stdlib.h> // free
#include <string.h> // memset, strcmp
#include <unistd.h> // gethostname

#define MPICH_SKIP_MPICXX // MPI's C API only, without the C++ bindings of MPICH
#define OMPI_SKIP_MPICXX  // and of Open MPI
#include <mpi.h>          // MPI_Initialized, MPI_Comm_rank: the rank in error messages

extern "C" {
#include "util.h" // util_die, util_die_at, mallocCheck, callocCheck
}

#define NET_MAX_LAYERS 8

// ----------------------------------------------------------------------------
// checked calls

const char *cuda_where(void)
{
    static char where[320];
    char host[256] = "?";
    int rank = -1, device = -1, mpi_up = 0;
    gethostname(host, sizeof host - 1);
    MPI_Initialized(&mpi_up);
    if (mpi_up)
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    cudaGetDevice(&device); // a failure leaves -1, and the error being reported says more
    snprintf(where, sizeof where, "rank %d on %s, device %d", rank, host, device);
    return where;
}

void cuda_check_at(cudaError_t rc, const char *call, const char *file, int line)
{
    if (rc == cudaSuccess)
        return;
    util_die_at(file, line, "%s failed on %s: %s (%s)", call, cuda_where(), cudaGetErrorName(rc),
                cudaGetErrorString(rc));
}

void cublas_check_at(cublasStatus_t rc, const char *call, const char *file, int line)
{
    if (rc == CUBLAS_STATUS_SUCCESS)
        return;
    util_die_at(file, line, "%s failed on %s: %s (%s)", call, cuda_where(),
                cublasGetStatusName(rc), cublasGetStatusString(rc));
}

unsigned cuda_blocks(size_t n)
{
    return (unsigned)((n + CUDA_THREADS - 1) / CUDA_THREADS);
}

// ----------------------------------------------------------------------------
// layers, as in net.c

typedef enum { LAYER_DENSE, LAYER_CONV, LAYER_POOL } layer_kind;

typedef struct {
    int h, w, c;    // input of one example (HWC); dense: 1 x 1 x inputs
    int oh, ow, oc; // output of one example
    int k, pad;     // conv: square kernel size and zero padding (stride 1)
} shape;

typedef struct {
    layer_kind kind;
    char name[8];        // "fc1", "conv2" (affine layers)
    int relu;            // ReLU on the output
    shape s;
    int rows;            // affine: rows of the product per example (conv: oh*ow, dense: 1)
    int fan_in;          // affine: inputs per row (conv: k*k*c, dense: h*w*c)
    size_t w_off, b_off; // affine: weights [oc][fan_in] and biases [oc] in params/grads
    // device buffers
    float *out;          // output activations, max_batch x oh*ow*oc
    float *dout;         // gradient of the loss with respect to out
    float *col;          // conv: im2col rows, max_batch*oh*ow x fan_in
    float *dcol;         // conv after the first layer: gradient with respect to col
    int *argmax;         // pool: index in the input of each output's maximum
} layer;

struct cuda_net {
    int max_batch;
    int nlayers;
    layer layers[NET_MAX_LAYERS];
    size_t nparams;
    cudaStream_t stream;
    cublasHandle_t blas;
    float *params, *grads; // device
    float *ones;           // device: 1.0 for every row of the largest affine product
    double *loss;          // device: per-example loss of the last batch
    int *hit;              // device: per-example 1 when classified correctly
    double *host_loss;     // pinned copies of the two
    int *host_hit;
};

static size_t shape_in(const shape *s) { return (size_t)s->h * s->w * s->c; }
static size_t shape_out(const shape *s) { return (size_t)s->oh * s->ow * s->oc; }

// Appends a layer whose input is the previous layer's output (or the 28 x 28 x 1 image).
static layer *add_layer(cuda_net *m, layer_kind kind, const char *name, int relu)
{
    if (m->nlayers == NET_MAX_LAYERS)
        util_die("cuda_net: more than %d layers", NET_MAX_LAYERS);
    layer *l = &m->layers[m->nlayers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    snprintf(l->name, sizeof l->name, "%s", name);
    l->relu = relu;
    if (m->nlayers == 0) {
        l->s.h = 28, l->s.w = 28, l->s.c = 1; // NET_INPUTS pixels
    } else {
        const shape *p = &m->layers[m->nlayers - 1].s;
        l->s.h = p->oh, l->s.w = p->ow, l->s.c = p->oc;
    }
    m->nlayers++;
    return l;
}

// Reserves the weights and biases of an affine layer in the flat arrays.
static void place_params(cuda_net *m, layer *l)
{
    l->w_off = m->nparams;
    l->b_off = l->w_off + (size_t)l->s.oc * l->fan_in;
    m->nparams = l->b_off + (size_t)l->s.oc;
}

static void add_dense(cuda_net *m, const char *name, int outputs, int relu)
{
    layer *l = add_layer(m, LAYER_DENSE, name, relu);
    l->fan_in = (int)shape_in(&l->s);
    l->rows = 1;
    l->s.oh = 1, l->s.ow = 1, l->s.oc = outputs;
    place_params(m, l);
}

static void add_conv(cuda_net *m, const char *name, int channels, int k, int pad)
{
    layer *l = add_layer(m, LAYER_CONV, name, 1);
    shape *s = &l->s;
    s->k = k, s->pad = pad;
    s->oh = s->h + 2 * pad - k + 1, s->ow = s->w + 2 * pad - k + 1, s->oc = channels;
    l->rows = s->oh * s->ow;
    l->fan_in = k * k * s->c;
    place_params(m, l);
}

static void add_pool(cuda_net *m)
{
    layer *l = add_layer(m, LAYER_POOL, "pool", 0);
    if (l->s.h % 2 || l->s.w % 2)
        util_die("cuda_net: 2x2 max-pool on an odd %dx%d input", l->s.h, l->s.w);
    l->s.oh = l->s.h / 2, l->s.ow = l->s.w / 2, l->s.oc = l->s.c;
}

// ----------------------------------------------------------------------------
// kernels: one thread per output element

// Example, row, column and channel of element i of an NHWC tensor of h x w x c per example.
typedef struct {
    size_t n;
    int y, x, ch;
} nhwc;

__device__ static nhwc nhwc_at(size_t i, int h, int w, int c)
{
    nhwc p;
    p.ch = (int)(i % c);
    p.x = (int)(i / c % w);
    p.y = (int)(i / ((size_t)c * w) % h);
    p.n = i / ((size_t)c * w * h);
    return p;
}

// y[r][j] = relu(y[r][j] + b[j]) over count = rows * n elements
__global__ static void bias_act_kernel(float *y, const float *b, size_t count, int n, int relu)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count)
        return;
    float v = y[i] + b[i % n];
    y[i] = relu ? (v > 0.0f ? v : 0.0f) : v;
}

// The ReLU's backward: d = 0 where the output was clipped.
__global__ static void relu_backward_kernel(float *d, const float *y, size_t count)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count && !(y[i] > 0.0f))
        d[i] = 0.0f;
}

// im2col rows in (ky, kx, c) order, matching the weights [oc][ky][kx][c]; entries in the zero
// padding are written as 0.
__global__ static void im2col_kernel(const float *in, float *col, size_t count, shape s)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count)
        return;
    const int fan_in = s.k * s.k * s.c;
    const int e = (int)(i % fan_in), ch = e % s.c, kx = e / s.c % s.k, ky = e / (s.c * s.k);
    const size_t r = i / fan_in; // (n, oy, ox)
    const int ox = (int)(r % s.ow), oy = (int)(r / s.ow % s.oh);
    const size_t n = r / ((size_t)s.ow * s.oh);
    const int iy = oy + ky - s.pad, ix = ox + kx - s.pad;
    col[i] = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w
                 ? in[((n * s.h + iy) * s.w + ix) * s.c + ch]
                 : 0.0f;
}

// The adjoint of im2col: each input pixel sums the gradients of the im2col entries copied from it.
__global__ static void col2im_kernel(const float *dcol, float *din, size_t count, shape s)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count)
        return;
    const int fan_in = s.k * s.k * s.c;
    const nhwc p = nhwc_at(i, s.h, s.w, s.c);
    float sum = 0.0f;
    for (int ky = 0; ky < s.k; ky++) {
        const int oy = p.y - ky + s.pad;
        if (oy < 0 || oy >= s.oh)
            continue;
        for (int kx = 0; kx < s.k; kx++) {
            const int ox = p.x - kx + s.pad;
            if (ox < 0 || ox >= s.ow)
                continue;
            const size_t row = (p.n * s.oh + oy) * s.ow + ox;
            sum += dcol[row * fan_in + ((size_t)ky * s.k + kx) * s.c + p.ch];
        }
    }
    din[i] = sum;
}

// 2x2 max-pool, stride 2; ties go to the first candidate in (top-left, top-right, bottom-left,
// bottom-right) order, as in net.c.
__global__ static void pool_forward_kernel(const float *in, float *out, int *argmax, size_t count,
                                           shape s)
{
    size_t o = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (o >= count)
        return;
    const nhwc p = nhwc_at(o, s.oh, s.ow, s.c);
    const size_t base = ((p.n * s.h + 2 * p.y) * s.w + 2 * p.x) * s.c + p.ch;
    const size_t below = (size_t)s.w * s.c; // the next input row
    const size_t cand[4] = {base, base + s.c, base + below, base + below + s.c};
    size_t best = cand[0];
    for (int j = 1; j < 4; j++)
        if (in[cand[j]] > in[best])
            best = cand[j];
    out[o] = in[best];
    argmax[o] = (int)best;
}

// Each input of a 2x2 window gets the output's gradient when it was the maximum, else 0.
__global__ static void pool_backward_kernel(const float *dout, const int *argmax, float *din,
                                            size_t count, shape s)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= count)
        return;
    const nhwc p = nhwc_at(i, s.h, s.w, s.c);
    const size_t o = ((p.n * s.oh + p.y / 2) * s.ow + p.x / 2) * s.c + p.ch;
    din[i] = argmax[o] == (int)i ? dout[o] : 0.0f;
}

// Softmax cross-entropy of the logits in double, one example per thread, as net.c's softmax_xent:
// the example's loss, whether its arg-max (lowest class on ties) is the label, and
// d(mean loss)/d(logits) unless dlogits is NULL.
__global__ static void softmax_xent_kernel(const float *logits, const uint8_t *y, int batch,
                                           float *dlogits, double *loss, int *hit)
{
    int n = blockIdx.x * blockDim.x + threadIdx.x;
    if (n >= batch)
        return;
    const float *z = logits + (size_t)n * NET_CLASSES;
    int best = 0;
    for (int j = 1; j < NET_CLASSES; j++)
        if (z[j] > z[best])
            best = j;
    hit[n] = best == y[n];
    double sum = 0.0;
    for (int j = 0; j < NET_CLASSES; j++)
        sum += exp((double)z[j] - z[best]);
    loss[n] = log(sum) - ((double)z[y[n]] - z[best]);
    if (dlogits != NULL)
        for (int j = 0; j < NET_CLASSES; j++) {
            double p = exp((double)z[j] - z[best]) / sum;
            dlogits[(size_t)n * NET_CLASSES + j] = (float)((p - (j == y[n])) / batch);
        }
}

__global__ static void fill_kernel(float *x, size_t count, float v)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < count)
        x[i] = v;
}

// ----------------------------------------------------------------------------
// affine layers: out = relu(X W^T + b) over batch * rows rows

// Row-major C (M x N) = op(A) op(B), as cblas_sgemm(CblasRowMajor, ...) with alpha 1, beta 0:
// cuBLAS is column-major, where the row-major C is C^T = op(B)^T op(A)^T, so the operands swap.
static void gemm_rm(cuda_net *m, cublasOperation_t ta, cublasOperation_t tb, int M, int N, int K,
                    const float *A, int lda, const float *B, int ldb, float *C, int ldc)
{
    const float one = 1.0f, zero = 0.0f;
    cublasCheck(cublasSgemm(m->blas, tb, ta, N, M, K, &one, B, ldb, A, lda, &zero, C, ldc));
}

static void affine_forward(cuda_net *m, layer *l, const float *x, int batch)
{
    const int rows = batch * l->rows, n = l->s.oc, k = l->fan_in;
    const float *wt = m->params + l->w_off, *b = m->params + l->b_off;
    gemm_rm(m, CUBLAS_OP_N, CUBLAS_OP_T, rows, n, k, x, k, wt, k, l->out, n);
    const size_t count = (size_t)rows * n;
    bias_act_kernel<<<cuda_blocks(count), CUDA_THREADS, 0, m->stream>>>(l->out, b, count, n,
                                                                         l->relu);
    cudaCheck(cudaGetLastError());
}

// Weight and bias gradients from l->dout and the layer's input rows x; input gradient into dx
// unless it is NULL.
static void affine_backward(cuda_net *m, layer *l, const float *x, float *dx, int batch)
{
    const int rows = batch * l->rows, n = l->s.oc, k = l->fan_in;
    const float *wt = m->params + l->w_off;
    if (l->relu) {
        const size_t count = (size_t)rows * n;
        relu_backward_kernel<<<cuda_blocks(count), CUDA_THREADS, 0, m->stream>>>(l->dout, l->out,
                                                                                count);
        cudaCheck(cudaGetLastError());
    }
    // db[j] = sum over rows of dy[r][j]: the column-major n x rows matrix dy times ones
    const float one = 1.0f, zero = 0.0f;
    cublasCheck(cublasSgemv(m->blas, CUBLAS_OP_N, n, rows, &one, l->dout, n, m->ones, 1, &zero,
                            m->grads + l->b_off, 1));
    gemm_rm(m, CUBLAS_OP_T, CUBLAS_OP_N, n, k, rows, l->dout, n, x, k, m->grads + l->w_off, k);
    if (dx != NULL)
        gemm_rm(m, CUBLAS_OP_N, CUBLAS_OP_N, rows, k, n, l->dout, n, wt, k, dx, k);
}

// ----------------------------------------------------------------------------
// running the layers

static const float *layer_input(const cuda_net *m, int i, const float *x)
{
    return i == 0 ? x : m->layers[i - 1].out;
}

static void check_batch(const cuda_net *m, int batch)
{
    if (batch < 1 || batch > m->max_batch)
        util_die("cuda_net: batch %d outside [1, %d]", batch, m->max_batch);
}

static void forward(cuda_net *m, const float *x, int batch)
{
    cudaStream_t st = m->stream;
    for (int i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        const float *in = layer_input(m, i, x);
        const size_t col = (size_t)batch * l->rows * l->fan_in;
        const size_t out = (size_t)batch * shape_out(&l->s);
        switch (l->kind) {
        case LAYER_DENSE:
            affine_forward(m, l, in, batch);
            break;
        case LAYER_CONV:
            im2col_kernel<<<cuda_blocks(col), CUDA_THREADS, 0, st>>>(in, l->col, col, l->s);
            cudaCheck(cudaGetLastError());
            affine_forward(m, l, l->col, batch);
            break;
        case LAYER_POOL:
            pool_forward_kernel<<<cuda_blocks(out), CUDA_THREADS, 0, st>>>(in, l->out, l->argmax,
                                                                           out, l->s);
            cudaCheck(cudaGetLastError());
            break;
        }
    }
}

static void backward(cuda_net *m, const float *x, int batch)
{
    cudaStream_t st = m->stream;
    for (int i = m->nlayers - 1; i >= 0; i--) {
        layer *l = &m->layers[i];
        float *din = i > 0 ? m->layers[i - 1].dout : NULL; // the image needs no gradient
        const size_t in = (size_t)batch * shape_in(&l->s);
        switch (l->kind) {
        case LAYER_DENSE:
            affine_backward(m, l, layer_input(m, i, x), din, batch);
            break;
        case LAYER_CONV:
            affine_backward(m, l, l->col, l->dcol, batch);
            if (din) {
                col2im_kernel<<<cuda_blocks(in), CUDA_THREADS, 0, st>>>(l->dcol, din, in, l->s);
                cudaCheck(cudaGetLastError());
            }
            break;
        case LAYER_POOL:
            pool_backward_kernel<<<cuda_blocks(in), CUDA_THREADS, 0, st>>>(l->dout, l->argmax, din,
                                                                           in, l->s);
            cudaCheck(cudaGetLastError());
            break;
        }
    }
}

// Loss (and gradient of the logits unless dlogits is NULL) of the last forward, and the
// per-example results queued for copying to the host (there once the stream is waited for).
static void softmax_xent(cuda_net *m, const uint8_t *y, int batch, float *dlogits)
{
    const layer *last = &m->layers[m->nlayers - 1];
    softmax_xent_kernel<<<cuda_blocks((size_t)batch), CUDA_THREADS, 0, m->stream>>>(
        last->out, y, batch, dlogits, m->loss, m->hit);
    cudaCheck(cudaGetLastError());
    cudaCheck(cudaMemcpyAsync(m->host_loss, m->loss, sizeof(double) * batch, cudaMemcpyDeviceToHost,
                              m->stream));
    cudaCheck(cudaMemcpyAsync(m->host_hit, m->hit, sizeof(int) * batch, cudaMemcpyDeviceToHost,
                              m->stream));
}

// ----------------------------------------------------------------------------
// set-up

static float *device_floats(size_t n)
{
    float *p;
    cudaCheck(cudaMalloc(&p, sizeof(float) * (n ? n : 1)));
    return p;
}

// The same tensors at the same places as net.c's network of this kind, and its initial values.
static void init_from_host(cuda_net *m, net_kind kind, uint64_t seed)
{
    net *h = net_create(kind, 1);
    net_init_params(h, seed);
    int t = 0;
    for (int i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (l->kind == LAYER_POOL)
            continue;
        for (int j = 0; j < 2; j++, t++) {
            net_tensor ht = net_tensor_at(h, t);
            size_t off = j == 0 ? l->w_off : l->b_off;
            size_t count = j == 0 ? (size_t)l->s.oc * l->fan_in : (size_t)l->s.oc;
            char name[16];
            snprintf(name, sizeof name, "%s.%s", l->name, j == 0 ? "weight" : "bias");
            if (ht.offset != off || ht.count != count || strcmp(ht.name, name) != 0)
                util_die("cuda_net: tensor %d is %s [%zu, +%zu) in net.c but %s [%zu, +%zu) here",
                         t, ht.name, ht.offset, ht.count, name, off, count);
        }
    }
    if (t != net_tensor_count(h) || net_param_count(h) != m->nparams)
        util_die("cuda_net: %d tensors and %zu parameters, net.c has %d and %zu", t, m->nparams,
                 net_tensor_count(h), net_param_count(h));
    cudaCheck(cudaMemcpy(m->params, net_params(h), sizeof(float) * m->nparams,
                         cudaMemcpyHostToDevice));
    net_free(h);
}

// ----------------------------------------------------------------------------
// public interface

cuda_net *cuda_net_create(net_kind kind, int max_batch, uint64_t seed, cudaStream_t stream)
{
    if (max_batch < 1)
        util_die("cuda_net_create: max_batch must be >= 1 (got %d)", max_batch);
    cuda_net *m = (cuda_net *)callocCheck(1, sizeof *m);
    m->max_batch = max_batch;
    m->stream = stream;
    switch (kind) {
    case NET_MLP:
        add_dense(m, "fc1", 256, 1);
        add_dense(m, "fc2", 128, 1);
        add_dense(m, "fc3", NET_CLASSES, 0);
        break;
    case NET_CNN:
        add_conv(m, "conv1", 16, 5, 2);
        add_pool(m);
        add_conv(m, "conv2", 32, 5, 2);
        add_pool(m);
        add_dense(m, "fc1", 128, 1);
        add_dense(m, "fc2", NET_CLASSES, 0);
        break;
    default:
        util_die("cuda_net_create: unknown kind %d", (int)kind);
    }
    cublasCheck(cublasCreate(&m->blas));
    cublasCheck(cublasSetStream(m->blas, stream));
    cublasCheck(cublasSetMathMode(m->blas, CUBLAS_DEFAULT_MATH)); // fp32 products, no TF32
    m->params = device_floats(m->nparams);
    m->grads = device_floats(m->nparams);
    cudaCheck(cudaMemset(m->grads, 0, sizeof(float) * m->nparams));
    size_t max_rows = 1;
    for (int i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        size_t out = (size_t)max_batch * shape_out(&l->s);
        l->out = device_floats(out);
        l->dout = device_floats(out);
        size_t col = (size_t)max_batch * l->rows * l->fan_in;
        if (l->kind == LAYER_CONV)
            l->col = device_floats(col);
        if (l->kind == LAYER_CONV && i > 0)
            l->dcol = device_floats(col);
        if (l->kind == LAYER_POOL)
            cudaCheck(cudaMalloc(&l->argmax, sizeof(int) * out));
        if (l->kind != LAYER_POOL && (size_t)max_batch * l->rows > max_rows)
            max_rows = (size_t)max_batch * l->rows;
    }
    m->ones = device_floats(max_rows);
    fill_kernel<<<cuda_blocks(max_rows), CUDA_THREADS, 0, stream>>>(m->ones, max_rows, 1.0f);
    cudaCheck(cudaGetLastError());
    cudaCheck(cudaMalloc(&m->loss, sizeof(double) * max_batch));
    cudaCheck(cudaMalloc(&m->hit, sizeof(int) * max_batch));
    cudaCheck(cudaMallocHost(&m->host_loss, sizeof(double) * max_batch));
    cudaCheck(cudaMallocHost(&m->host_hit, sizeof(int) * max_batch));
    cudaCheck(cudaStreamSynchronize(stream)); // the ones are in place before any product
    init_from_host(m, kind, seed);
    return m;
}

void cuda_net_free(cuda_net *m)
{
    if (m == NULL)
        return;
    for (int i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        cudaCheck(cudaFree(l->out));
        cudaCheck(cudaFree(l->dout));
        cudaCheck(cudaFree(l->col)); // cudaFree(NULL) does nothing
        cudaCheck(cudaFree(l->dcol));
        cudaCheck(cudaFree(l->argmax));
    }
    cudaCheck(cudaFree(m->params));
    cudaCheck(cudaFree(m->grads));
    cudaCheck(cudaFree(m->ones));
    cudaCheck(cudaFree(m->loss));
    cudaCheck(cudaFree(m->hit));
    cudaCheck(cudaFreeHost(m->host_loss));
    cudaCheck(cudaFreeHost(m->host_hit));
    cublasCheck(cublasDestroy(m->blas));
    free(m);
}

size_t cuda_net_param_count(const cuda_net *m) { return m->nparams; }
float *cuda_net_params(cuda_net *m) { return m->params; }
float *cuda_net_grads(cuda_net *m) { return m->grads; }

float cuda_net_forward_backward(cuda_net *m, const float *x, const uint8_t *y, int batch)
{
    check_batch(m, batch);
    forward(m, x, batch);
    softmax_xent(m, y, batch, m->layers[m->nlayers - 1].dout);
    backward(m, x, batch);
    cudaCheck(cudaStreamSynchronize(m->stream));
    double loss = 0.0;
    for (int n = 0; n < batch; n++)
        loss += m->host_loss[n];
    return (float)(loss / batch);
}

int cuda_net_evaluate(cuda_net *m, const float *x, const uint8_t *y, int batch)
{
    check_batch(m, batch);
    forward(m, x, batch);
    softmax_xent(m, y, batch, NULL);
    cudaCheck(cudaStreamSynchronize(m->stream));
    int correct = 0;
    for (int n = 0; n < batch; n++)
        correct += m->host_hit[n];
    return correct;
}

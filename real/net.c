// net.c: see net.h. A network is a short list of layers run in order: dense (affine), conv
// (im2col, then the same affine product over every output pixel) and 2x2 max-pool, ReLU fused
// into the affine layers. Each affine layer is one sgemm forward and two backward (weight
// gradient, input gradient; the first layer skips the input gradient).
#include "net.h"

#include <cblas.h>  // cblas_sgemm
#include <math.h>   // exp, log, sqrt
#include <stdio.h>  // snprintf
#include <stdlib.h> // free
#include <string.h> // memcpy, memset, strcmp

#include "util.h" // util_die, mallocCheck, callocCheck

#define NET_MAX_LAYERS 8

// --- layers

typedef enum { LAYER_DENSE, LAYER_CONV, LAYER_POOL } layer_kind;

typedef struct {
    layer_kind kind;
    char name[8];             // "fc1", "conv2" (affine layers)
    int relu;                 // ReLU on the output
    int h, w, c;              // input shape of one example (HWC); dense: 1 x 1 x inputs
    int oh, ow, oc;           // output shape of one example
    int k, pad;               // conv: square kernel size and zero padding (stride 1)
    int rows;                 // affine: rows of the product per example (conv: oh*ow, dense: 1)
    int fan_in;               // affine: inputs per row (conv: k*k*c, dense: h*w*c)
    size_t w_off, b_off;      // affine: weights [oc][fan_in] and biases [oc] in params/grads
    float *out;               // output activations, max_batch x oh*ow*oc
    float *dout;              // gradient of the loss with respect to out
    float *col;               // conv: im2col rows, max_batch*oh*ow x fan_in (padding stays 0)
    float *dcol;              // conv after the first layer: gradient with respect to col
    int *argmax;              // pool: index in the input of each output's maximum
} layer;

struct net {
    int max_batch;
    int nlayers;
    layer layers[NET_MAX_LAYERS];
    size_t nparams;
    float *params, *grads;
};

static size_t layer_in_size(const layer *l) { return (size_t)l->h * l->w * l->c; }
static size_t layer_out_size(const layer *l) { return (size_t)l->oh * l->ow * l->oc; }

// Appends a layer whose input is the previous layer's output (or the 28 x 28 x 1 image).
static layer *add_layer(net *m, layer_kind kind, const char *name, int relu)
{
    if (m->nlayers == NET_MAX_LAYERS)
        util_die("net: more than %d layers", NET_MAX_LAYERS);
    layer *l = &m->layers[m->nlayers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    snprintf(l->name, sizeof l->name, "%s", name);
    l->relu = relu;
    if (m->nlayers == 0) {
        l->h = 28, l->w = 28, l->c = 1; // NET_INPUTS pixels
    } else {
        const layer *p = &m->layers[m->nlayers - 1];
        l->h = p->oh, l->w = p->ow, l->c = p->oc;
    }
    m->nlayers++;
    return l;
}

// Reserves the weights and biases of an affine layer in the flat arrays.
static void place_params(net *m, layer *l)
{
    l->w_off = m->nparams;
    l->b_off = l->w_off + (size_t)l->oc * l->fan_in;
    m->nparams = l->b_off + (size_t)l->oc;
}

static void add_dense(net *m, const char *name, int outputs, int relu)
{
    layer *l = add_layer(m, LAYER_DENSE, name, relu);
    l->fan_in = (int)layer_in_size(l);
    l->rows = 1;
    l->oh = 1, l->ow = 1, l->oc = outputs;
    place_params(m, l);
}

static void add_conv(net *m, const char *name, int channels, int k, int pad)
{
    layer *l = add_layer(m, LAYER_CONV, name, 1);
    l->k = k, l->pad = pad;
    l->oh = l->h + 2 * pad - k + 1, l->ow = l->w + 2 * pad - k + 1, l->oc = channels;
    l->rows = l->oh * l->ow;
    l->fan_in = k * k * l->c;
    place_params(m, l);
}

static void add_pool(net *m)
{
    layer *l = add_layer(m, LAYER_POOL, "pool", 0);
    if (l->h % 2 || l->w % 2)
        util_die("net: 2x2 max-pool on an odd %dx%d input", l->h, l->w);
    l->oh = l->h / 2, l->ow = l->w / 2, l->oc = l->c;
}

// --- affine layers: out = relu(X W^T + b) over batch * rows rows

static void affine_forward(const net *m, layer *l, const float *x, int batch)
{
    const int rows = batch * l->rows, n = l->oc, k = l->fan_in;
    const float *wt = m->params + l->w_off, *b = m->params + l->b_off;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, k, 1.0f, x, k, wt, k, 0.0f,
                l->out, n);
    for (int r = 0; r < rows; r++) {
        float *y = l->out + (size_t)r * n;
        if (l->relu)
            for (int j = 0; j < n; j++) {
                float v = y[j] + b[j];
                y[j] = v > 0.0f ? v : 0.0f;
            }
        else
            for (int j = 0; j < n; j++)
                y[j] += b[j];
    }
}

// Weight and bias gradients from l->dout and the layer's input rows x; input gradient into dx
// unless it is NULL.
static void affine_backward(net *m, layer *l, const float *x, float *dx, int batch)
{
    const int rows = batch * l->rows, n = l->oc, k = l->fan_in;
    float *dy = l->dout, *db = m->grads + l->b_off;
    memset(db, 0, (size_t)n * sizeof(float));
    for (int r = 0; r < rows; r++) {
        float *d = dy + (size_t)r * n;
        const float *y = l->out + (size_t)r * n;
        if (l->relu)
            for (int j = 0; j < n; j++) {
                d[j] = y[j] > 0.0f ? d[j] : 0.0f;
                db[j] += d[j];
            }
        else
            for (int j = 0; j < n; j++)
                db[j] += d[j];
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, k, rows, 1.0f, dy, n, x, k, 0.0f,
                m->grads + l->w_off, k);
    if (dx != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, k, n, 1.0f, dy, n,
                    m->params + l->w_off, k, 0.0f, dx, k);
}

// --- convolution: im2col rows in (ky, kx, c) order, matching the weights [oc][ky][kx][c]

// For output column ox, the kernel columns kx in [*kx0, *kx1) fall inside the input.
static void valid_kx(const layer *l, int ox, int *kx0, int *kx1)
{
    int ix0 = ox - l->pad;
    *kx0 = ix0 < 0 ? -ix0 : 0;
    *kx1 = l->w - ix0 < l->k ? l->w - ix0 : l->k;
}

// Writes the entries that come from inside the image; those in the zero padding sit at the same
// places in every batch, so they keep the zeros that the buffer was allocated with.
static void im2col(layer *l, const float *in, int batch)
{
    const int k = l->k, c = l->c;
    float *row = l->col;
    for (int n = 0; n < batch; n++)
        for (int oy = 0; oy < l->oh; oy++)
            for (int ox = 0; ox < l->ow; ox++, row += l->fan_in) {
                int kx0, kx1;
                valid_kx(l, ox, &kx0, &kx1);
                for (int ky = 0; ky < k; ky++) {
                    int iy = oy + ky - l->pad;
                    if (iy < 0 || iy >= l->h)
                        continue;
                    const float *src =
                        in + (((size_t)n * l->h + iy) * l->w + (ox - l->pad + kx0)) * c;
                    float *dst = row + ((size_t)ky * k + kx0) * c;
                    memcpy(dst, src, (size_t)(kx1 - kx0) * c * sizeof(float));
                }
            }
}

// The adjoint of im2col: sums the gradient of every im2col entry into the input pixel it came from.
static void col2im(const layer *l, const float *dcol, float *din, int batch)
{
    const int k = l->k, c = l->c;
    memset(din, 0, (size_t)batch * layer_in_size(l) * sizeof(float));
    const float *row = dcol;
    for (int n = 0; n < batch; n++)
        for (int oy = 0; oy < l->oh; oy++)
            for (int ox = 0; ox < l->ow; ox++, row += l->fan_in) {
                int kx0, kx1;
                valid_kx(l, ox, &kx0, &kx1);
                for (int ky = 0; ky < k; ky++) {
                    int iy = oy + ky - l->pad;
                    if (iy < 0 || iy >= l->h)
                        continue;
                    const float *src = row + ((size_t)ky * k + kx0) * c;
                    float *dst = din + (((size_t)n * l->h + iy) * l->w + (ox - l->pad + kx0)) * c;
                    for (int i = 0; i < (kx1 - kx0) * c; i++)
                        dst[i] += src[i];
                }
            }
}

// --- 2x2 max-pool, stride 2

static void pool_forward(layer *l, const float *in, int batch)
{
    const int c = l->c;
    size_t o = 0;
    for (int n = 0; n < batch; n++)
        for (int oy = 0; oy < l->oh; oy++)
            for (int ox = 0; ox < l->ow; ox++)
                for (int ch = 0; ch < c; ch++, o++) {
                    size_t base = (((size_t)n * l->h + 2 * oy) * l->w + 2 * ox) * c + ch;
                    size_t cand[4] = {base, base + c, base + (size_t)l->w * c,
                                      base + (size_t)l->w * c + c};
                    size_t best = cand[0];
                    for (int i = 1; i < 4; i++)
                        if (in[cand[i]] > in[best])
                            best = cand[i];
                    l->out[o] = in[best];
                    l->argmax[o] = (int)best;
                }
}

static void pool_backward(const layer *l, float *din, int batch)
{
    memset(din, 0, (size_t)batch * layer_in_size(l) * sizeof(float));
    for (size_t o = 0; o < (size_t)batch * layer_out_size(l); o++)
        din[l->argmax[o]] += l->dout[o];
}

// --- running the layers

static const float *layer_input(const net *m, int i, const float *x)
{
    return i == 0 ? x : m->layers[i - 1].out;
}

static void check_batch(const net *m, int batch)
{
    if (batch < 1 || batch > m->max_batch)
        util_die("net: batch %d outside [1, %d]", batch, m->max_batch);
}

static void forward(net *m, const float *x, int batch)
{
    for (int i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        const float *in = layer_input(m, i, x);
        switch (l->kind) {
        case LAYER_DENSE:
            affine_forward(m, l, in, batch);
            break;
        case LAYER_CONV:
            im2col(l, in, batch);
            affine_forward(m, l, l->col, batch);
            break;
        case LAYER_POOL:
            pool_forward(l, in, batch);
            break;
        }
    }
}

static void backward(net *m, const float *x, int batch)
{
    for (int i = m->nlayers - 1; i >= 0; i--) {
        layer *l = &m->layers[i];
        float *din = i > 0 ? m->layers[i - 1].dout : NULL; // the image needs no gradient
        switch (l->kind) {
        case LAYER_DENSE:
            affine_backward(m, l, layer_input(m, i, x), din, batch);
            break;
        case LAYER_CONV:
            affine_backward(m, l, l->col, l->dcol, batch);
            if (din)
                col2im(l, l->dcol, din, batch);
            break;
        case LAYER_POOL:
            pool_backward(l, din, batch);
            break;
        }
    }
}

// Softmax cross-entropy of the logits, in double (10 values per example: cheap, and it keeps
// the loss accurate enough for finite-difference checks). Returns the summed loss and counts
// the correct arg-maxes; writes d(mean loss)/d(logits) into dlogits unless it is NULL.
static double softmax_xent(const float *logits, const uint8_t *y, int batch, float *dlogits,
                           int *correct)
{
    double loss = 0.0;
    *correct = 0;
    for (int n = 0; n < batch; n++) {
        const float *z = logits + (size_t)n * NET_CLASSES;
        int best = 0;
        for (int j = 1; j < NET_CLASSES; j++)
            if (z[j] > z[best])
                best = j;
        *correct += best == y[n];
        double sum = 0.0;
        for (int j = 0; j < NET_CLASSES; j++)
            sum += exp((double)z[j] - z[best]);
        loss += log(sum) - ((double)z[y[n]] - z[best]);
        if (dlogits != NULL)
            for (int j = 0; j < NET_CLASSES; j++) {
                double p = exp((double)z[j] - z[best]) / sum;
                dlogits[(size_t)n * NET_CLASSES + j] = (float)((p - (j == y[n])) / batch);
            }
    }
    return loss;
}

// --- public interface

net *net_create(net_kind kind, int max_batch)
{
    if (max_batch < 1)
        util_die("net_create: max_batch must be >= 1 (got %d)", max_batch);
    net *m = callocCheck(1, sizeof *m);
    m->max_batch = max_batch;
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
        util_die("net_create: unknown kind %d", (int)kind);
    }
    m->params = callocCheck(m->nparams, sizeof(float));
    m->grads = callocCheck(m->nparams, sizeof(float));
    for (int i = 0; i < m->nlayers; i++) {
        layer *l = &m->layers[i];
        size_t out = (size_t)max_batch * layer_out_size(l);
        l->out = mallocCheck(out * sizeof(float));
        l->dout = mallocCheck(out * sizeof(float));
        size_t col = (size_t)max_batch * l->rows * l->fan_in;
        if (l->kind == LAYER_CONV)
            l->col = callocCheck(col, sizeof(float));
        if (l->kind == LAYER_CONV && i > 0)
            l->dcol = mallocCheck(col * sizeof(float));
        if (l->kind == LAYER_POOL)
            l->argmax = mallocCheck(out * sizeof(int));
    }
    return m;
}

void net_free(net *m)
{
    if (m == NULL)
        return;
    for (int i = 0; i < m->nlayers; i++) {
        free(m->layers[i].out);
        free(m->layers[i].dout);
        free(m->layers[i].col);
        free(m->layers[i].dcol);
        free(m->layers[i].argmax);
    }
    free(m->params);
    free(m->grads);
    free(m);
}

size_t net_param_count(const net *m) { return m->nparams; }
float *net_params(net *m) { return m->params; }
float *net_grads(net *m) { return m->grads; }

int net_tensor_count(const net *m)
{
    int count = 0;
    for (int i = 0; i < m->nlayers; i++)
        count += m->layers[i].kind == LAYER_POOL ? 0 : 2;
    return count;
}

net_tensor net_tensor_at(const net *m, int i)
{
    net_tensor t;
    for (int j = 0; j < m->nlayers; j++) {
        const layer *l = &m->layers[j];
        if (l->kind == LAYER_POOL)
            continue;
        if (i < 2) {
            snprintf(t.name, sizeof t.name, "%s.%s", l->name, i == 0 ? "weight" : "bias");
            t.offset = i == 0 ? l->w_off : l->b_off;
            t.count = i == 0 ? (size_t)l->oc * l->fan_in : (size_t)l->oc;
            return t;
        }
        i -= 2;
    }
    util_die("net_tensor_at: index out of range");
}

// splitmix64 (Steele, Lea, Flood 2014), the generator mnist.c shuffles with; file-local so the
// network does not depend on the data module.
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void net_init_params(net *m, uint64_t seed)
{
    uint64_t state = seed;
    for (int i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (l->kind == LAYER_POOL)
            continue;
        float bound = (float)sqrt(6.0 / l->fan_in);
        float *wt = m->params + l->w_off;
        for (size_t j = 0; j < (size_t)l->oc * l->fan_in; j++) {
            float u = (float)(splitmix64(&state) >> 40) * 0x1.0p-24f; // 24 random bits in [0, 1)
            wt[j] = (2.0f * u - 1.0f) * bound;
        }
        memset(m->params + l->b_off, 0, (size_t)l->oc * sizeof(float));
    }
}

float net_forward_backward(net *m, const float *x, const uint8_t *y, int batch)
{
    check_batch(m, batch);
    forward(m, x, batch);
    const layer *last = &m->layers[m->nlayers - 1];
    int correct;
    double loss = softmax_xent(last->out, y, batch, last->dout, &correct);
    backward(m, x, batch);
    return (float)(loss / batch);
}

int net_evaluate(net *m, const float *x, const uint8_t *y, int batch, double *loss_sum)
{
    check_batch(m, batch);
    forward(m, x, batch);
    int correct;
    double loss = softmax_xent(m->layers[m->nlayers - 1].out, y, batch, NULL, &correct);
    if (loss_sum != NULL)
        *loss_sum += loss;
    return correct;
}

double net_flops_per_sample(const net *m)
{
    double flops = 0.0;
    for (int i = 0; i < m->nlayers; i++) {
        const layer *l = &m->layers[i];
        if (l->kind == LAYER_POOL)
            continue;
        double gemm = 2.0 * l->rows * l->oc * l->fan_in;
        flops += gemm * (i == 0 ? 2 : 3); // forward, weight gradient, input gradient
    }
    return flops;
}

const char *const net_kind_names[] = {[NET_MLP] = "mlp", [NET_CNN] = "cnn", NULL};

const char *net_kind_name(net_kind kind) { return net_kind_names[kind]; }

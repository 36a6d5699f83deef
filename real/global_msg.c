// global_msg.c: see global_msg.h.
#include "global_msg.h"

#include <limits.h> // INT_MAX
#include <stdlib.h> // free
#include <string.h> // strcmp

#include "chunk.h"     // chunk_count, chunk_get
#include "merge.h"     // merge_apply
#include "mpi_check.h" // mpiCheck
#include "mpi_fmt.h"   // mpi_fmt_type_op, mpi_fmt_count
#include "util.h"      // mallocCheck, util_die

const char *const global_algo_names[] = {[GLOBAL_IALLREDUCE] = "iallreduce",
                                          [GLOBAL_RING] = "ring", NULL};

void global_msg_init(global_msg *g, size_t n, global_algo algo)
{
    *g = (global_msg){.n = n, .algo = algo, .buf = mallocCheck(4 * n)};
}

void global_msg_free(global_msg *g)
{
    free(g->buf);
    free(g->reqs);
    free(g->rings);
    free(g->tmp);
}

// ----------------------------------------------------------------------------
// the ring allreduce of one chunk

// Segment i of the chunk's n segments: the first len % n segments hold one element more.
static void segment(const global_ring *r, int n, int i, size_t *off, size_t *len)
{
    const size_t base = r->len / (size_t)n, rem = r->len % (size_t)n, k = (size_t)i;
    *off = r->off + k * base + (k < rem ? k : rem);
    *len = base + (k < rem);
}

static int wrap(int i, int n)
{
    return ((i % n) + n) % n;
}

// The segments sent and received in exchange `step`: reduce-scatter steps s < n - 1 pass
// segment me - s on and receive me - s - 1 (to add); allgather steps t = s - (n - 1) pass the
// finished segment me + 1 - t on and receive me - t (to keep).
static void exchange_segments(const global_msg *g, int step, int *send, int *recv)
{
    const int n = g->members, me = g->me;
    const int t = step < n - 1 ? step : step - (n - 1);
    *send = wrap(step < n - 1 ? me - t : me + 1 - t, n);
    *recv = wrap(step < n - 1 ? me - t - 1 : me - t, n);
}

static void ring_post(global_msg *g, global_ring *r, int tag)
{
    const int n = g->members;
    const size_t esz = floatfmt_bytes(g->fmt);
    int send, recv;
    exchange_segments(g, r->step, &send, &recv);
    size_t s_off, s_len, r_off, r_len;
    segment(r, n, send, &s_off, &s_len);
    segment(r, n, recv, &r_off, &r_len);
    void *into = r->step < n - 1 ? r->tmp : (char *)g->buf + r_off * esz;
    mpiCheck(MPI_Irecv(into, mpi_fmt_count(r_len), g->type, wrap(g->me - 1, n), tag, g->comm,
                       &r->req[0]));
    mpiCheck(MPI_Isend((char *)g->buf + s_off * esz, mpi_fmt_count(s_len), g->type,
                       wrap(g->me + 1, n), tag, g->comm, &r->req[1]));
}

// Advances the ring as far as completed exchanges allow, without waiting. True when done.
static bool ring_advance(global_msg *g, global_ring *r, int tag)
{
    const int n = g->members, steps = 2 * (n - 1);
    while (r->step < steps) {
        int done = 0;
        mpiCheck(MPI_Testall(2, r->req, &done, MPI_STATUSES_IGNORE));
        if (!done)
            return false;
        if (r->step < n - 1) { // add the received segment to ours
            int send, recv;
            exchange_segments(g, r->step, &send, &recv);
            size_t off, len;
            segment(r, n, recv, &off, &len);
            mpiCheck(MPI_Reduce_local(r->tmp, (char *)g->buf + off * floatfmt_bytes(g->fmt),
                                      mpi_fmt_count(len), g->type, g->op));
        }
        if (++r->step < steps)
            ring_post(g, r, tag);
    }
    return true;
}

// ----------------------------------------------------------------------------

void global_msg_start(global_msg *g, const float *x, floatfmt fmt, size_t chunk_elems,
                      MPI_Comm comm, const char *where)
{
    if (g->n_chunks != 0)
        util_die("a message is already in flight at %s", where ? where : "a node-local average");
    long bad = where ? floatfmt_find_nan(x, g->n) : -1;
    if (bad >= 0)
        util_die("value %ld is NaN before %s: training diverged (try a lower --lr)", bad, where);
    floatfmt_pack(fmt, x, g->buf, g->n);
    g->fmt = fmt;
    g->comm = comm;
    mpiCheck(MPI_Comm_size(comm, &g->members));
    mpiCheck(MPI_Comm_rank(comm, &g->me));
    mpi_fmt_type_op(fmt, &g->type, &g->op);
    const size_t k = chunk_count(g->n, chunk_elems), esz = floatfmt_bytes(fmt);
    if (k > INT_MAX / 2) // requests are counted in ints, two per chunk
        util_die("%zu chunks of the global message are too many: raise --chunk-elems", k);
    if (g->algo == GLOBAL_RING) { // each chunk's messages carry its index as their tag
        int *tag_ub, flag;
        mpiCheck(MPI_Comm_get_attr(comm, MPI_TAG_UB, &tag_ub, &flag));
        if (flag && k > (size_t)*tag_ub)
            util_die("%zu chunks of the global message exceed MPI's largest tag (%d): raise "
                     "--chunk-elems",
                     k, *tag_ub);
    }
    if ((int)k > g->cap) {
        free(g->reqs);
        free(g->rings);
        g->reqs = mallocCheck(sizeof(MPI_Request) * 2 * k);
        g->rings = callocCheck(k, sizeof(global_ring));
        g->cap = (int)k;
    }
    // a ring receives one segment of at most len / members + 1 elements at a time; the space
    // stays allocated, since the node-local average starts a message every batch
    const size_t tmp_bytes = (g->n / (size_t)g->members + k) * esz;
    if (g->algo == GLOBAL_RING && tmp_bytes > g->tmp_bytes) {
        free(g->tmp);
        g->tmp = mallocCheck(tmp_bytes);
        g->tmp_bytes = tmp_bytes;
    }
    char *tmp = g->tmp;
    for (size_t i = 0; i < k; i++) {
        size_t off, len;
        chunk_get(g->n, chunk_elems, i, &off, &len);
        if (g->algo == GLOBAL_IALLREDUCE) {
            mpiCheck(MPI_Iallreduce(MPI_IN_PLACE, (char *)g->buf + off * esz, mpi_fmt_count(len),
                                    g->type, g->op, comm, &g->reqs[i]));
            continue;
        }
        global_ring *r = &g->rings[i];
        *r = (global_ring){.off = off, .len = len, .req = &g->reqs[2 * i], .tmp = tmp};
        tmp += (len / (size_t)g->members + 1) * esz;
        r->req[0] = r->req[1] = MPI_REQUEST_NULL;
        if (g->members > 1)
            ring_post(g, r, (int)i);
    }
    g->n_chunks = (int)k;
}

// Every chunk as far as it goes (wait: to the end; the rings side by side, each advanced as soon
// as one of its exchanges completes, and `also` too).
static void advance(global_msg *g, bool wait, global_msg *also)
{
    if (g->algo == GLOBAL_IALLREDUCE) {
        if (wait) {
            mpiCheck(MPI_Waitall(g->n_chunks, g->reqs, MPI_STATUSES_IGNORE));
        } else {
            int done = 0;
            mpiCheck(MPI_Testall(g->n_chunks, g->reqs, &done, MPI_STATUSES_IGNORE));
        }
        return;
    }
    for (;;) {
        bool all = true;
        for (int i = 0; i < g->n_chunks; i++)
            all &= ring_advance(g, &g->rings[i], i);
        if (all || !wait)
            return;
        int which;
        mpiCheck(MPI_Waitany(2 * g->n_chunks, g->reqs, &which, MPI_STATUS_IGNORE));
        if (also)
            global_msg_progress(also);
    }
}

void global_msg_progress(global_msg *g)
{
    if (g->n_chunks > 0)
        advance(g, false, NULL);
}

bool global_msg_in_flight(const global_msg *g)
{
    return g->n_chunks > 0;
}

void global_msg_wait(global_msg *g, global_msg *also)
{
    if (g->n_chunks == 0)
        util_die("a wait without a message in flight");
    advance(g, true, also);
    g->n_chunks = 0;
}

void global_msg_finish(global_msg *g, float *x, double w_local, double w_sum)
{
    global_msg_wait(g, NULL);
    merge_apply(x, g->buf, g->fmt, g->n, w_local, w_sum);
}

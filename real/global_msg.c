// global_msg.c: see global_msg.h.
#include "global_msg.h"

#include <stdlib.h> // free

#include "chunk.h"     // chunk_count, chunk_get
#include "merge.h"     // merge_apply
#include "mpi_check.h" // mpiCheck
#include "mpi_fmt.h"   // mpi_fmt_type_op, mpi_fmt_count
#include "util.h"      // mallocCheck, util_die

void global_msg_init(global_msg *g, size_t n)
{
    *g = (global_msg){.n = n, .buf = mallocCheck(4 * n)};
}

void global_msg_free(global_msg *g)
{
    free(g->buf);
    free(g->reqs);
}

void global_msg_start(global_msg *g, const float *x, floatfmt fmt, size_t chunk_elems,
                      MPI_Comm comm, const char *where)
{
    if (g->n_reqs != 0)
        util_die("a global message is already in flight at %s", where);
    long bad = floatfmt_find_nan(x, g->n);
    if (bad >= 0)
        util_die("parameter %ld is NaN before the global sync of %s: training diverged (try a "
                 "lower --lr)",
                 bad, where);
    floatfmt_pack(fmt, x, g->buf, g->n);
    g->fmt = fmt;
    MPI_Datatype type;
    MPI_Op op;
    mpi_fmt_type_op(fmt, &type, &op);
    const size_t k = chunk_count(g->n, chunk_elems), esz = floatfmt_bytes(fmt);
    if ((int)k > g->cap) {
        free(g->reqs);
        g->reqs = mallocCheck(sizeof(MPI_Request) * k);
        g->cap = (int)k;
    }
    for (size_t i = 0; i < k; i++) {
        size_t off, len;
        chunk_get(g->n, chunk_elems, i, &off, &len);
        mpiCheck(MPI_Iallreduce(MPI_IN_PLACE, (char *)g->buf + off * esz, mpi_fmt_count(len), type,
                                op, comm, &g->reqs[i]));
    }
    g->n_reqs = (int)k;
}

void global_msg_progress(global_msg *g)
{
    if (g->n_reqs == 0)
        return;
    int done = 0;
    mpiCheck(MPI_Testall(g->n_reqs, g->reqs, &done, MPI_STATUSES_IGNORE));
}

void global_msg_finish(global_msg *g, float *x, double w_local, double w_sum)
{
    if (g->n_reqs == 0)
        util_die("global finish without a message in flight");
    mpiCheck(MPI_Waitall(g->n_reqs, g->reqs, MPI_STATUSES_IGNORE));
    g->n_reqs = 0;
    merge_apply(x, g->buf, g->fmt, g->n, w_local, w_sum);
}

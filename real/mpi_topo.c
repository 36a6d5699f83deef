// mpi_topo.c: see mpi_topo.h.
#include "mpi_topo.h"

#include <stdlib.h> // free

#include "mpi_check.h" // mpiCheck
#include "util.h"      // util_die_input, mallocCheck

void mpi_topo_init(mpi_topo *t, int gpus_per_node)
{
    mpiCheck(MPI_Comm_rank(MPI_COMM_WORLD, &t->rank));
    mpiCheck(MPI_Comm_size(MPI_COMM_WORLD, &t->world));
    if (gpus_per_node > 0) {
        t->gpus_per_node = gpus_per_node;
        if (t->world % gpus_per_node != 0)
            util_die_input("%d ranks cannot form nodes of --gpus-per-node %d (not a multiple)",
                           t->world, gpus_per_node);
    } else {
        MPI_Comm shm;
        mpiCheck(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, t->rank, MPI_INFO_NULL,
                                     &shm));
        int size, local, ok;
        mpiCheck(MPI_Comm_size(shm, &size));
        mpiCheck(MPI_Comm_rank(shm, &local));
        mpiCheck(MPI_Comm_free(&shm));
        int placed = local == t->rank % size && t->world % size == 0;
        int sizes[2] = {size, -size};
        mpiCheck(MPI_Allreduce(MPI_IN_PLACE, sizes, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
        mpiCheck(MPI_Allreduce(&placed, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
        if (sizes[0] != -sizes[1] || !ok)
            util_die_input("ranks are not placed node by node with the same count on every node; "
                           "use a block placement or --gpus-per-node");
        t->gpus_per_node = size;
    }
    t->nodes = t->world / t->gpus_per_node;
    t->node = t->rank / t->gpus_per_node;
    t->local = t->rank % t->gpus_per_node;
    mpiCheck(MPI_Comm_split(MPI_COMM_WORLD, t->node, t->local, &t->node_comm));
    mpiCheck(MPI_Comm_split(MPI_COMM_WORLD, t->local, t->node, &t->cross_comm));
}

void mpi_topo_free(mpi_topo *t)
{
    mpiCheck(MPI_Comm_free(&t->node_comm));
    mpiCheck(MPI_Comm_free(&t->cross_comm));
}

double mpi_topo_mean(const mpi_topo *t, double x)
{
    double *all = mallocCheck(sizeof(double) * (size_t)t->world), sum = 0;
    mpiCheck(MPI_Allgather(&x, 1, MPI_DOUBLE, all, 1, MPI_DOUBLE, MPI_COMM_WORLD));
    for (int r = 0; r < t->world; r++)
        sum += all[r];
    free(all);
    return sum / t->world;
}

void mpi_topo_sum_to_root(const mpi_topo *t, double *v, int n)
{
    if (t->rank == 0)
        mpiCheck(MPI_Reduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD));
    else
        mpiCheck(MPI_Reduce(v, NULL, n, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD));
}

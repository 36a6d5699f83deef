// mpi_check.c: see mpi_check.h.
#include "mpi_check.h"

#include <stdbool.h> // bool
#include <stdio.h>   // fprintf, fopen, fclose
#include <stdlib.h>  // exit, getenv

#include "util.h" // util_prog, util_exit, util_quiet

static bool agreed; // inside mpi_check_agreed_begin/end
static bool leading; // rank 0 inside mpi_check_lead_begin/end
static bool each;    // inside mpi_check_each_begin/end

// Tells the ranks waiting in mpi_check_lead_end() how rank 0's section ended.
static void lead_status(int *status)
{
    MPI_Bcast(status, 1, MPI_INT, 0, MPI_COMM_WORLD);
}

// Tells every rank in mpi_check_each_end() the worst status of the section.
static void each_status(int *status)
{
    MPI_Allreduce(MPI_IN_PLACE, status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
}

#ifdef DASO_SMPI
// SMPI's MPI_Abort ends the simulation without its error code (smpirun then exits 0), so the
// status is written to the file $DASO_EMULATE_STATUS names, which daso-emulate exits with. When
// it cannot be written, daso-emulate still sees the abort in SimGrid's log (and exits 1).
static void record_status(int status)
{
    const char *path = getenv("DASO_EMULATE_STATUS");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "%d\n", status);
        fclose(f);
    }
}
#endif

static void abort_job(int status)
{
    bool clean = agreed; // every rank leaves through MPI_Finalize
    if (leading && status == 2) {
        leading = false;
        lead_status(&status);
        clean = true;
    }
    if (each && status == 2) {
        each = false;
        each_status(&status);
        clean = true;
    }
    if (clean && status == 2) {
        MPI_Finalize();
        exit(2);
    }
    fflush(stderr);
#ifdef DASO_SMPI
    record_status(status);
#endif
    MPI_Abort(MPI_COMM_WORLD, status);
    exit(status); // not reached
}

void mpi_check_init(void)
{
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    util_exit = abort_job;
}

void mpi_check_at(int rc, const char *call, const char *file, int line)
{
    if (rc == MPI_SUCCESS)
        return;
    char msg[MPI_MAX_ERROR_STRING], host[MPI_MAX_PROCESSOR_NAME];
    int len = 0, rank = -1;
    MPI_Error_string(rc, msg, &len);
    MPI_Get_processor_name(host, &len);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    fprintf(stderr, "%s: rank %d on %s: %s:%d: %s failed: %s\n", util_prog, rank, host, file, line,
            call, msg);
    agreed = false;
    abort_job(1);
}

void mpi_check_agreed_begin(void)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    agreed = true;
    util_quiet = rank != 0;
}

void mpi_check_agreed_end(void)
{
    agreed = false;
    util_quiet = false;
}

void mpi_check_lead_begin(void)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    leading = rank == 0;
}

void mpi_check_lead_end(void)
{
    int status = 0;
    leading = false;
    lead_status(&status);
    if (status != 0) { // rank 0 has said what is wrong
        MPI_Finalize();
        exit(status);
    }
}

void mpi_check_each_begin(void)
{
    each = true;
}

void mpi_check_each_end(void)
{
    int status = 0;
    each = false;
    each_status(&status);
    if (status != 0) { // a rank has said what is wrong
        MPI_Finalize();
        exit(status);
    }
}

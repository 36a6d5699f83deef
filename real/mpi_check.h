// mpi_check.h: every MPI call of the real backend goes through mpiCheck(), which reports the
// failing call with file, line, rank and host and aborts the whole job (MPI_Abort), so that no
// rank is left waiting in a collective.
//
//   mpiCheck(MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_FLOAT, MPI_SUM, comm));
//
// mpi_check_init() must run right after MPI_Init: it makes MPI return error codes instead of
// aborting silently, and routes the toolkit's fatal errors (util_die*) to MPI_Abort. Under SMPI
// (daso-train-smpi), whose MPI_Abort drops its error code, the status of an abort is first
// written to the file $DASO_EMULATE_STATUS names (set by daso-emulate, which exits with it).
#ifndef DASO_MPI_CHECK_H
#define DASO_MPI_CHECK_H

#include <mpi.h> // MPI_Comm

void mpi_check_at(int rc, const char *call, const char *file, int line);
#define mpiCheck(call) mpi_check_at((call), #call, __FILE__, __LINE__)

void mpi_check_init(void);

// For errors every rank finds alike (bad options): rank 0 alone prints, every rank leaves
// through MPI_Finalize with exit status 2, without MPI_Abort's noise. Ends with
// mpi_check_agreed_end().
void mpi_check_agreed_begin(void);
void mpi_check_agreed_end(void);

// For errors rank 0 finds first (a missing or damaged data set): rank 0 runs the section between
// mpi_check_lead_begin() and mpi_check_lead_end() while the others wait in
// mpi_check_lead_end(); an input error there is printed once and every rank exits 2 through
// MPI_Finalize. Collective: every rank calls both.
void mpi_check_lead_begin(void);
void mpi_check_lead_end(void);

// For errors any rank may find in what is its own (its checkpoint file): every rank runs the
// section between mpi_check_each_begin() and mpi_check_each_end(); an input error there is
// printed by the rank that found it, and every rank exits 2 through MPI_Finalize. Collective.
void mpi_check_each_begin(void);
void mpi_check_each_end(void);

#endif

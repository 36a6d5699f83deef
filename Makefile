# Makefile of the DASO toolkit: one file for set-up, build, tests, demo, benchmarks and figures.
#
#   make demo      install what is missing (deps), build, run the demonstration
#   make test      install what is missing (deps), build, run every test; ends with
#                  "N passed, N failed, N skipped"
#   make all       build what the detected components allow, into build/
#   make deps      install the missing Debian packages (as root), or print the command to run
#   make golden    rewrite the expected outputs of tests/golden/*.tesh (checked by make test with
#                  SimGrid's tesh) from the current programs; review the change with git diff
#   make fuzz      build a libFuzzer target per input parser (tests/fuzz/, with clang) into
#                  build/fuzz/ and run each for FUZZ_S seconds (60); fails on any crash, kept as
#                  build/fuzz/NAME/crash-* (make test runs each for 3 s: tests/test_fuzz.sh)
#   make sanitize  build everything with AddressSanitizer and UBSan into build-san/ and run the
#                  tests on it (daso-train-smpi, the SMPI emulation, stays unsanitized)
#   make install   programs, platforms, model profiles, and the scheduling core's library with
#                  its header and pkg-config file [PREFIX=/usr/local LIBDIR=PREFIX/lib DESTDIR=]
#   make bench, figures, paper, clean
#
# Overrides: CC, MPICC, SMPICC, FUZZ_CC (clang), CUDA_HOME (/usr/local/cuda), NO_CUDA=1, NO_SIM=1,
# NO_MPI=1, SANITIZE (compiler and linker flags added to every program and test; make sanitize
# sets them).
# Each component is detected by compiling and linking a small probe, never by package names or
# fixed paths; a missing optional component is skipped with one line, never a broken build.

CC        ?= cc
MPICC     ?= mpicc
SMPICC    ?= smpicc
CUDA_HOME ?= /usr/local/cuda
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BUILD     := build

CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 -Wall -Wextra -Werror=implicit-function-declaration -MMD -MP $(SANITIZE)
CPPFLAGS  += -Icore
LDFLAGS   += $(SANITIZE)

DEBIAN_PACKAGES := libsimgrid-dev mpich libmpich-dev libgsl-dev libopenblas-dev zlib1g-dev \
                   libcmocka-dev gnuplot-nox dataset-fashion-mnist pkg-config clang libclang-rt-dev \
                   slurm-wlm slurm-client munge python3-torch

.DEFAULT_GOAL := all
.SECONDARY: # keep object files that only serve as steps
.PHONY: all deps test check golden demo bench bench-sim bench-real figures paper install clean banner \
        fuzz fuzz-build sanitize

# ----------------------------------------------------------------------------
# detection: each probe runs once, the first time its result is needed

# $(call probe,program,link-flags[,compiler]) -> "yes" when the program compiles and links. The
# programs are variables so that their commas do not split the call's arguments.
probe = $(shell printf '$(1)\n' | $(if $(3),$(3),$(CC)) -x c - -o /dev/null $(2) >/dev/null 2>&1 && echo yes)
# memoise a lazily computed variable: $(call once,NAME,expression)
once = $(eval $(1) := $(2))$($(1))

CUDA_FLAGS := -I$(CUDA_HOME)/include -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64
P_SIMGRID := \#include <simgrid/engine.h>\nint main(int c, char **v) { simgrid_init(&c, v); return 0; }
P_MPI     := \#include <mpi.h>\nint main(void) { return MPI_Init(0, 0); }
P_SMPI    := \#include <mpi.h>\nint main(int c, char **v) { MPI_Init(&c, &v); return MPI_Finalize(); }
P_GSL     := \#include <gsl/gsl_statistics.h>\nint main(void) { double x[2] = {1, 2}; return (int)gsl_stats_mean(x, 1, 2); }
P_BLAS    := \#include <cblas.h>\nint main(void) { float a = 1; return (int)cblas_sdot(1, &a, 1, &a, 1); }
P_ZLIB    := \#include <zlib.h>\nint main(void) { return gzopen("x", "rb") != 0; }
P_CMOCKA  := \#include <stdarg.h>\n\#include <stddef.h>\n\#include <stdint.h>\n\#include <setjmp.h>\n\#include <cmocka.h>\nint main(void) { return _cmocka_run_group_tests("p", 0, 0, 0, 0); }
P_CUDA    := \#include <cuda_runtime.h>\nint main(void) { int n; return cudaGetDeviceCount(&n); }
P_NCCL    := \#include <nccl.h>\nint main(void) { int v; return ncclGetVersion(&v); }
P_FUZZER  := \#include <stddef.h>\n\#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return d && n; }

SIMGRID_FLAGS = $(call once,SIMGRID_FLAGS,$(shell pkg-config --cflags --libs simgrid 2>/dev/null))
HAVE_SIMGRID  = $(if $(NO_SIM),off,$(call once,HAVE_SIMGRID,$(call probe,$(P_SIMGRID),$(SIMGRID_FLAGS))))
HAVE_MPI      = $(if $(NO_MPI),off,$(call once,HAVE_MPI,$(call probe,$(P_MPI),,$(MPICC))))
HAVE_SMPI     = $(if $(NO_SIM),off,$(call once,HAVE_SMPI,$(call probe,$(P_SMPI),,$(SMPICC))))
HAVE_GSL      = $(call once,HAVE_GSL,$(call probe,$(P_GSL),-lgsl -lgslcblas -lm))
HAVE_BLAS     = $(call once,HAVE_BLAS,$(call probe,$(P_BLAS),-lopenblas))
HAVE_ZLIB     = $(call once,HAVE_ZLIB,$(call probe,$(P_ZLIB),-lz))
HAVE_CMOCKA   = $(call once,HAVE_CMOCKA,$(call probe,$(P_CMOCKA),-lcmocka))
HAVE_GNUPLOT  = $(call once,HAVE_GNUPLOT,$(shell command -v gnuplot >/dev/null 2>&1 && echo yes))
HAVE_TESH     = $(call once,HAVE_TESH,$(shell command -v tesh >/dev/null 2>&1 && echo yes))
HAVE_TORCH    = $(call once,HAVE_TORCH,$(shell for p in python3 /usr/bin/python3; do "$$p" -c 'import torch' >/dev/null 2>&1 && { echo yes; break; }; done))
HAVE_PKGCONFIG = $(call once,HAVE_PKGCONFIG,$(shell command -v pkg-config >/dev/null 2>&1 && echo yes))
# SLURM's daemons and commands, and munged: the live cluster of tests/test_slurm.sh and
# tests/test_slurm_run.sh
HAVE_SLURM    = $(call once,HAVE_SLURM,$(shell PATH="$$PATH:/usr/sbin"; for p in slurmctld slurmd munged sbatch srun scontrol; do command -v $$p >/dev/null 2>&1 || exit; done; echo yes))
HAVE_CLANG    = $(call once,HAVE_CLANG,$(call probe,$(P_FUZZER),$(FUZZ_LINK),$(FUZZ_CC)))
HAVE_CUDA     = $(if $(NO_CUDA),off,$(call once,HAVE_CUDA,$(if $(wildcard $(CUDA_HOME)/bin/nvcc),$(call probe,$(P_CUDA),$(CUDA_FLAGS) -lcudart))))
HAVE_NCCL     = $(if $(NO_CUDA),off,$(if $(HAVE_CUDA),$(call once,HAVE_NCCL,$(call probe,$(P_NCCL),$(CUDA_FLAGS) -lnccl -lcudart))))

# one banner line: $(call status,Name,$(HAVE_X),what it enables)
status = printf '  %-9s %-13s %s\n' '$(1)' '$(if $(filter off,$(2)),switched off,$(if $(2),found,not found))' '$(3)';

banner:
	@echo "DASO toolkit: components"
	@$(call status,SimGrid,$(HAVE_SIMGRID),daso-sim (simulated clusters; with GSL))
	@$(call status,MPI,$(HAVE_MPI),daso-train (real training over MPI))
	@$(call status,SMPI,$(HAVE_SMPI),daso-train-smpi (emulation on simulated clusters))
	@$(call status,GSL,$(HAVE_GSL),analysis statistics)
	@$(call status,OpenBLAS,$(HAVE_BLAS),networks of daso-train)
	@$(call status,zlib,$(HAVE_ZLIB),Fashion-MNIST reader)
	@$(call status,cmocka,$(HAVE_CMOCKA),unit tests)
	@$(call status,gnuplot,$(HAVE_GNUPLOT),figures)
	@$(call status,tesh,$(HAVE_TESH),golden-output tests (tests/golden))
	@$(call status,torch,$(HAVE_TORCH),python/daso_torch tests (Debian package python3-torch))
	@$(call status,pkgconfig,$(HAVE_PKGCONFIG),daso.pc test (the scheduling core as a library))
	@$(call status,SLURM,$(HAVE_SLURM),tests on a live local cluster (as root))
	@$(call status,clang,$(HAVE_CLANG),fuzz targets of the input parsers (libFuzzer; make fuzz))
	@$(call status,CUDA,$(HAVE_CUDA),GPU backend ($(CUDA_HOME)))
	@$(call status,NCCL,$(HAVE_NCCL),node-local GPU collectives)

# ----------------------------------------------------------------------------
# sources

CORE_SRC := core/util.c core/cli.c core/floatfmt.c core/chunk.c core/plateau.c core/plan.c core/merge.c \
            core/scheduler.c core/strategy_daso.c core/strategy_sync.c core/strategy_hier.c \
            core/strategy_localsgd.c core/losscurve.c core/volume.c core/events.c \
            core/outfile.c core/driver.c
CORE_LIB := $(BUILD)/libdasocore.a
WORKLOAD_OBJ := $(BUILD)/real/mnist.o $(BUILD)/real/net.o $(BUILD)/real/sgd.o

SIM_SRC := sim/comm.c sim/platform.c sim/profile.c sim/variability.c sim/background.c \
           sim/sim_backend.c \
           sim/collective_bench.c sim/daso_sim.c
HAVE_SIM = $(if $(filter yes,$(HAVE_SIMGRID)),$(filter yes,$(HAVE_GSL)))

REAL_SRC := real/mpi_check.c real/mpi_fmt.c real/mpi_topo.c real/global_msg.c real/mpi_backend.c \
            real/checkpoint.c \
            real/daso_train.c
HAVE_REAL = $(if $(filter yes,$(HAVE_MPI)),$(if $(filter yes,$(HAVE_BLAS)),$(filter yes,$(HAVE_ZLIB))))
# emulation: daso-train under SMPI, placed on a platform by daso-sim's host list
HAVE_EMU  = $(if $(HAVE_SIM),$(if $(filter yes,$(HAVE_BLAS)),$(if $(filter yes,$(HAVE_ZLIB)),$(filter yes,$(HAVE_SMPI)))))

PROGRAMS = $(BUILD)/daso-plan $(BUILD)/daso-platform $(if $(HAVE_SIM),$(BUILD)/daso-sim) \
           $(if $(filter yes,$(HAVE_GSL)),$(BUILD)/daso-stats $(BUILD)/daso-calibrate) \
           $(if $(HAVE_REAL),$(BUILD)/daso-train) \
           $(if $(HAVE_EMU),$(BUILD)/daso-train-smpi $(BUILD)/daso-emulate)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_SRC:%.c=$(BUILD)/%.o)
	$(AR) rcs $@ $^
# the 16-bit sums of DASO's messages (the user-defined MPI reductions) vectorize at -O3:
# bf16 1.5 -> 4.0 GB/s here
$(BUILD)/core/floatfmt.o $(BUILD)/smpi/core/floatfmt.o: CFLAGS += -O3

$(BUILD)/daso-plan: $(BUILD)/core/daso_plan.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lm

$(BUILD)/daso-platform: $(BUILD)/platforms/daso_platform.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lm

# the scheduling core as a shared library (core/daso.h): the scheduler's sources and core/daso.c
# compiled again position-independent into $(BUILD)/pic/, every symbol but daso.h's hidden; the
# file is named by its soname (the ABI version), libdasocore.so links to it
LIBDASO_SRC := core/util.c core/cli.c core/floatfmt.c core/plateau.c core/plan.c core/merge.c \
               core/scheduler.c core/strategy_daso.c core/strategy_sync.c core/strategy_hier.c \
               core/strategy_localsgd.c core/daso.c
LIBDASO_ABI     := $(shell sed -n 's/^\#define DASO_ABI_VERSION \([0-9]*\).*/\1/p' core/daso.h)
LIBDASO_VERSION := $(shell sed -n 's/^\#define DASO_VERSION "\([^"]*\)".*/\1/p' core/daso.h)
LIBDASO_SONAME  := libdasocore.so.$(LIBDASO_ABI)
LIBDASO         := $(BUILD)/libdasocore.so
# a folder in daso.pc: below the prefix as ${prefix}/..., as pkg-config files write it
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@
$(BUILD)/$(LIBDASO_SONAME): $(LIBDASO_SRC:%.c=$(BUILD)/pic/%.o)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(LIBDASO_SONAME) -o $@ $^ -lm
$(LIBDASO): $(BUILD)/$(LIBDASO_SONAME)
	ln -sf $(LIBDASO_SONAME) $@

# real/: the MPI programs compile with $(MPICC); the workload (net, mnist, sgd) is plain C
MPI_OBJ := $(REAL_SRC:%.c=$(BUILD)/%.o)
$(MPI_OBJ): CC := $(MPICC)
$(MPI_OBJ): CPPFLAGS += -Ireal
# GCC 12 reads MPICH's MPI_STATUSES_IGNORE (a pointer constant) as a zero-sized array
$(MPI_OBJ): CFLAGS += -Wno-stringop-overflow
# the CUDA + NCCL backend of daso-train (--device cuda), when both are found
HAVE_GPU   = $(if $(filter yes,$(HAVE_CUDA)),$(filter yes,$(HAVE_NCCL)))
NVCC      := $(CUDA_HOME)/bin/nvcc
NVCCFLAGS ?= -O2
NVCCFLAGS += -std=c++17 -Xcompiler -Wall,-Wextra -gencode arch=compute_80,code=sm_80 \
             -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
CUDA_OBJ  := $(BUILD)/real/cuda_backend.o $(BUILD)/real/cuda_net.o
$(BUILD)/real/%.o: real/%.cu
	@mkdir -p $(@D)
	$(NVCC) $(NVCCFLAGS) -Icore -Ireal $(filter -I%,$(shell $(MPICC) -show)) -MMD -MP -c $< -o $@
$(BUILD)/real/daso_train.o: CPPFLAGS += $(if $(HAVE_GPU),-DDASO_CUDA)

$(BUILD)/daso-train: $(MPI_OBJ) $(WORKLOAD_OBJ) $(CORE_LIB) $(if $(HAVE_GPU),$(CUDA_OBJ))
	$(MPICC) $(LDFLAGS) -o $@ $^ -lopenblas -lz -lm \
	  $(if $(HAVE_GPU),$(CUDA_FLAGS) -lcudart -lcublas -lnccl -lstdc++)

$(BUILD)/real/bench_real.o: CC := $(MPICC)
$(BUILD)/real/bench_real.o: CFLAGS += -Wno-stringop-overflow
$(BUILD)/bench-real: $(BUILD)/real/bench_real.o $(BUILD)/real/bench_data.o $(BUILD)/real/mpi_check.o \
                     $(BUILD)/real/mpi_fmt.o $(WORKLOAD_OBJ) $(CORE_LIB)
	$(MPICC) $(LDFLAGS) -o $@ $^ -lopenblas -lz -lm

# MPI test programs (run by tests/test_real.sh under mpiexec)
MPI_TESTS := $(BUILD)/tests/mpi_fmt_check $(BUILD)/tests/global_msg_check
$(MPI_TESTS:%=%.o): CC := $(MPICC)
$(MPI_TESTS:%=%.o): CPPFLAGS += -Ireal
$(MPI_TESTS:%=%.o): CFLAGS += -Wno-stringop-overflow
$(BUILD)/tests/mpi_fmt_check: $(BUILD)/tests/mpi_fmt_check.o $(BUILD)/real/mpi_check.o \
                              $(BUILD)/real/mpi_fmt.o $(CORE_LIB)
	$(MPICC) $(LDFLAGS) -o $@ $^ -lm
$(BUILD)/tests/global_msg_check: $(BUILD)/tests/global_msg_check.o $(BUILD)/real/global_msg.o \
                                 $(BUILD)/real/mpi_check.o $(BUILD)/real/mpi_fmt.o $(CORE_LIB)
	$(MPICC) $(LDFLAGS) -o $@ $^ -lm

# daso-train-smpi: daso-train built with SimGrid's smpicc for emulation (run by daso-emulate).
# Every source compiles again with smpicc, for SMPI's mpi.h and its wrappers of exit, sleep and
# the clocks; SMPI's malloc interception stays off (no shared allocations are wanted).
SMPI_SRC := $(CORE_SRC) real/mnist.c real/net.c real/sgd.c $(REAL_SRC) real/emulate.c sim/profile.c
SMPI_OBJ := $(SMPI_SRC:%.c=$(BUILD)/smpi/%.o)
$(BUILD)/smpi/%.o: %.c
	@mkdir -p $(@D)
	$(SMPICC) $(CPPFLAGS) -Ireal -Isim -DDASO_SMPI -DSMPI_NO_OVERRIDE_MALLOC $(CFLAGS) \
	  -Wno-stringop-overflow -c $< -o $@
$(BUILD)/daso-train-smpi: $(SMPI_OBJ)
	$(SMPICC) $(LDFLAGS) -o $@ $^ -lopenblas -lz -lm
# never sanitized (make sanitize): SimGrid runs the SMPI ranks in its own contexts in one
# process, whose stack switches and privatized globals the sanitizers do not follow; objects
# inherit this from the target (override: make sanitize gives SANITIZE on its command line)
$(BUILD)/daso-train-smpi: override SANITIZE :=
$(BUILD)/daso-emulate: real/daso-emulate
	install -m 755 $< $@

$(BUILD)/daso-calibrate: $(BUILD)/sim/daso_calibrate.o $(BUILD)/sim/profile.o \
                         $(BUILD)/sim/variability.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lgsl -lgslcblas -lm

$(BUILD)/daso-stats: $(BUILD)/analysis/daso_stats.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lgsl -lgslcblas -lm

$(BUILD)/sim/%.o: CPPFLAGS += -Isim $(filter -I%,$(SIMGRID_FLAGS))
$(BUILD)/daso-sim: $(SIM_SRC:%.c=$(BUILD)/%.o) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SIMGRID_FLAGS) -lgsl -lgslcblas -lm

# ----------------------------------------------------------------------------
# tests: tests/test_X.c is a cmocka program linked with the core library; one that needs more
# says so here (TEST_NEEDS: components, TEST_OBJS: objects, TEST_LIBS: libraries). A test whose
# components are missing is reported as skipped, with the reason.

TEST_NAMES := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))
TEST_NEEDS_test_platform := SIMGRID
TEST_OBJS_test_profile   := $(BUILD)/sim/profile.o $(BUILD)/tests/child.o
$(BUILD)/tests/test_profile.o: CPPFLAGS += -Isim
TEST_LIBS_test_platform   = $(SIMGRID_FLAGS)
TEST_NEEDS_test_sim_stats := SIMGRID GSL
TEST_OBJS_test_sim_stats  := $(BUILD)/sim/comm.o $(BUILD)/sim/variability.o $(BUILD)/tests/child.o
$(BUILD)/tests/test_sim_stats.o: CPPFLAGS += -Isim $(filter -I%,$(SIMGRID_FLAGS))
TEST_LIBS_test_sim_stats   = $(SIMGRID_FLAGS) -lgsl -lgslcblas
TEST_NEEDS_test_net      := BLAS ZLIB
TEST_OBJS_test_net       := $(WORKLOAD_OBJ)
TEST_LIBS_test_net       := -lopenblas -lz
TEST_NEEDS_test_mnist    := BLAS ZLIB
TEST_OBJS_test_mnist     := $(WORKLOAD_OBJ) $(BUILD)/tests/child.o
TEST_LIBS_test_mnist     := -lopenblas -lz
$(BUILD)/tests/test_net.o $(BUILD)/tests/test_mnist.o: CPPFLAGS += -Ireal
TEST_OBJS_test_bench_data := $(BUILD)/real/bench_data.o
$(BUILD)/tests/test_bench_data.o: CPPFLAGS += -Ireal
# test_libdaso uses the library as its users do: linked with the .so alone (found next to it)
$(BUILD)/tests/test_libdaso: $(BUILD)/tests/test_libdaso.o $(LIBDASO)
	$(CC) $(LDFLAGS) -o $@ $< -L$(BUILD) -ldasocore -Wl,-rpath,'$$ORIGIN/..' -lcmocka -lm

missing = $(strip $(foreach n,CMOCKA $(TEST_NEEDS_$(1)),$(if $(filter yes,$(HAVE_$(n))),,$(n))))
RUNNABLE_TESTS = $(foreach t,$(TEST_NAMES),$(if $(call missing,$(t)),,$(BUILD)/tests/$(t)))
comma := ,
empty :=
space := $(empty) $(empty)
TEST_ARGS = $(foreach t,$(TEST_NAMES),$(if $(call missing,$(t)),SKIP:$(t):$(subst $(space),$(comma),$(call missing,$(t))),$(BUILD)/tests/$(t))) \
            tests/test_cli.sh $(if $(filter yes,$(HAVE_TESH)),tests/test_golden.sh,SKIP:test_golden.sh:TESH) \
            $(if $(filter yes,$(HAVE_PKGCONFIG)),tests/test_libdaso.sh,SKIP:test_libdaso.sh:PKGCONFIG) \
            $(if $(filter yes,$(HAVE_TORCH)),tests/test_torch.sh,SKIP:test_torch.sh:TORCH) \
            $(if $(filter yes,$(HAVE_CLANG)),tests/test_fuzz.sh,SKIP:test_fuzz.sh:CLANG) \
            $(if $(HAVE_SIM),tests/test_sim.sh,SKIP:test_sim.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_SIM),tests/test_sim_var.sh,SKIP:test_sim_var.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_SIM),tests/test_measured.sh,SKIP:test_measured.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_SIM),tests/test_calibrate_scaling.sh,SKIP:test_calibrate_scaling.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_SIM),tests/test_outputs.sh,SKIP:test_outputs.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_SIM),tests/test_bad_inputs_tools.sh,SKIP:test_bad_inputs_tools.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_SIM),tests/test_bad_inputs_sim.sh,SKIP:test_bad_inputs_sim.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_SIM),tests/test_epochs.sh,SKIP:test_epochs.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_REAL),tests/test_real.sh,SKIP:test_real.sh:MPI$(comma)BLAS$(comma)ZLIB) \
            $(if $(HAVE_REAL),$(if $(filter yes,$(HAVE_SLURM)),tests/test_slurm.sh,SKIP:test_slurm.sh:SLURM),SKIP:test_slurm.sh:MPI$(comma)BLAS$(comma)ZLIB) \
            $(if $(HAVE_EMU),$(if $(HAVE_REAL),$(if $(filter yes,$(HAVE_SLURM)),tests/test_slurm_run.sh,SKIP:test_slurm_run.sh:SLURM),SKIP:test_slurm_run.sh:MPI),SKIP:test_slurm_run.sh:SMPI$(comma)SIMGRID$(comma)GSL$(comma)BLAS$(comma)ZLIB) \
            $(if $(filter yes,$(HAVE_GSL)),tests/test_analysis.sh,SKIP:test_analysis.sh:GSL) \
            $(if $(HAVE_GPU),tests/test_cuda.sh,SKIP:test_cuda.sh:CUDA$(comma)NCCL) \
            $(if $(HAVE_EMU),$(if $(HAVE_REAL),tests/test_emulate.sh,SKIP:test_emulate.sh:MPI),SKIP:test_emulate.sh:SMPI$(comma)SIMGRID$(comma)BLAS$(comma)ZLIB) \
            $(if $(HAVE_SIM),$(if $(HAVE_REAL),tests/test_experiments.sh,SKIP:test_experiments.sh:MPI$(comma)BLAS$(comma)ZLIB),SKIP:test_experiments.sh:SIMGRID$(comma)GSL) \
            $(if $(HAVE_EMU),$(if $(HAVE_REAL),tests/test_readme.sh,SKIP:test_readme.sh:MPI),SKIP:test_readme.sh:SMPI$(comma)SIMGRID$(comma)GSL$(comma)BLAS$(comma)ZLIB)

all: banner $(PROGRAMS) $(LIBDASO) $(RUNNABLE_TESTS) $(if $(HAVE_REAL),$(MPI_TESTS) $(BUILD)/bench-real)

.SECONDEXPANSION:
$(BUILD)/tests/%: $(BUILD)/tests/%.o $$(TEST_OBJS_$$*) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS_$*) -lcmocka -lm

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ----------------------------------------------------------------------------
# fuzzing: tests/fuzz/fuzz_NAME.c is a libFuzzer target of one input parser (the harness:
# tests/fuzz/fuzz.h), linked with the parser's sources (FUZZ_SRC_NAME), the core library and
# libraries (FUZZ_LIBS_NAME) when its components (FUZZ_NEEDS_NAME) are found. Every source
# compiles again with clang, coverage-instrumented and sanitized, into build/fuzz/obj/ (the
# harness without coverage: its bookkeeping is not the parsers'). make fuzz runs each target for
# FUZZ_S seconds (tests/fuzz/run); make test, each for 3 s (tests/test_fuzz.sh).

FUZZ_CC     ?= clang
FUZZ_S      ?= 60
FUZZ        := $(BUILD)/fuzz
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LINK   := -fsanitize=fuzzer,address,undefined
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -std=c11 -Wall -Wextra \
               -Werror=implicit-function-declaration -MMD -MP -Icore -Isim -Ireal -Ianalysis \
               -Itests/fuzz
# the harness closes the streams that a refused input leaves open: it sees them through these
FUZZ_WRAP   := -Wl,--wrap=fopen,--wrap=fclose,--wrap=open_memstream

FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SRC_profile      := sim/profile.c
FUZZ_SRC_platform     := sim/platform.c
FUZZ_NEEDS_platform   := SIMGRID
FUZZ_LIBS_platform     = $(SIMGRID_FLAGS)
$(FUZZ)/obj/sim/platform.o $(FUZZ)/obj/tests/fuzz/fuzz_platform.o: \
  FUZZ_CFLAGS += $(filter -I%,$(SIMGRID_FLAGS))
FUZZ_SRC_mnist        := real/mnist.c
FUZZ_NEEDS_mnist      := ZLIB
FUZZ_LIBS_mnist       := -lz -Wl,--wrap=gzopen,--wrap=gzclose_r
FUZZ_SRC_checkpoint   := real/checkpoint.c
FUZZ_NEEDS_checkpoint := ZLIB
FUZZ_LIBS_checkpoint  := -lz
FUZZ_SRC_times        := sim/variability.c
FUZZ_NEEDS_times      := GSL
FUZZ_LIBS_times       := -lgsl -lgslcblas
FUZZ_SRC_calibrate    := sim/profile.c sim/variability.c
FUZZ_NEEDS_calibrate  := GSL
FUZZ_LIBS_calibrate   := -lgsl -lgslcblas
FUZZ_NEEDS_stats      := GSL
FUZZ_LIBS_stats       := -lgsl -lgslcblas
# the programs compiled into fuzz_calibrate.c and fuzz_stats.c: main() renamed, so no longer
# main's implicit return 0, and unused; clang's notes on their long strings
$(FUZZ)/obj/tests/fuzz/fuzz_calibrate.o $(FUZZ)/obj/tests/fuzz/fuzz_stats.o: \
  FUZZ_CFLAGS += -Wno-unused-function -Wno-return-type -Wno-string-concatenation

fuzz_missing = $(strip $(foreach n,CLANG $(FUZZ_NEEDS_$(1)),$(if $(filter yes,$(HAVE_$(n))),,$(n))))
FUZZ_TARGETS = $(foreach t,$(FUZZ_NAMES),$(if $(call fuzz_missing,$(t)),,$(FUZZ)/fuzz_$(t)))

$(FUZZ)/obj/tests/fuzz/fuzz.o: tests/fuzz/fuzz.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -c $< -o $@
$(FUZZ)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@
$(FUZZ)/libdasocore.a: $(CORE_SRC:%.c=$(FUZZ)/obj/%.o)
	$(AR) rcs $@ $^
fuzz_objs = $(patsubst %.c,$(FUZZ)/obj/%.o,$(FUZZ_SRC_$(1)))
$(FUZZ)/fuzz_%: $(FUZZ)/obj/tests/fuzz/fuzz_%.o $(FUZZ)/obj/tests/fuzz/fuzz.o \
                $$(call fuzz_objs,$$*) $(FUZZ)/libdasocore.a
	$(FUZZ_CC) $(FUZZ_LINK) $(FUZZ_WRAP) -o $@ $^ $(FUZZ_LIBS_$*) -lm

fuzz-build: $(FUZZ_TARGETS)

fuzz:
	@$(if $(filter yes,$(HAVE_CLANG)),,echo "fuzz: needs clang with libFuzzer \
	  ($(FUZZ_CC) -fsanitize=fuzzer): make deps installs it"; exit 2)
	@$(MAKE) --no-print-directory fuzz-build
	@$(foreach t,$(FUZZ_NAMES),$(if $(call fuzz_missing,$(t)),\
	  echo "fuzz $(t): skipped (needs $(call fuzz_missing,$(t)))";))
	@FUZZ_S=$(FUZZ_S) tests/fuzz/run $(FUZZ_TARGETS)

# ----------------------------------------------------------------------------
# set-up: install what is missing from Debian's packages

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "deps: missing Debian packages:$$missing"; \
	  echo "deps: run:  sudo apt-get update && sudo apt-get install -y$$missing"; exit 2; \
	fi; \
	echo "deps: installing$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends$$missing >/dev/null \
	  || { echo "deps: apt-get install failed"; exit 1; }

# ----------------------------------------------------------------------------
# the README's two commands; each re-reads this file after deps so the probes see new packages

test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory check

check: all $(if $(filter yes,$(HAVE_CLANG)),fuzz-build)
	@BUILD=$(BUILD) DASO_PLATFORM_BIN=$(BUILD)/daso-platform tests/run $(TEST_ARGS)

# the programs and tests built again with AddressSanitizer and UBSan (an error ends the program
# with a report) into build-san/, and the tests run on them; only daso-train-smpi stays
# unsanitized (see its rule), so the emulation's tests run as they are
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# The sanitizers' reports go to build-san/asan.PID, not to the programs' stderr (that a test
# compares): every sanitized daso-sim run notes there that SimGrid switches stacks; a report of
# an ERROR fails the target (the failing test too, by its exit status) and is shown.
sanitize:
	@$(MAKE) --no-print-directory deps
	@rm -f build-san/asan.*
	@ASAN_OPTIONS=log_path=$(CURDIR)/build-san/asan UBSAN_OPTIONS=print_stacktrace=1:log_path=$(CURDIR)/build-san/asan \
	  $(MAKE) --no-print-directory BUILD=build-san SANITIZE="$(SAN_FLAGS)" check; rc=$$?; \
	  bad=$$(grep -l -E 'ERROR|runtime error' build-san/asan.* 2>/dev/null); \
	  for f in $$bad; do echo "sanitize: $$f:"; head -n 30 "$$f"; done; \
	  [ $$rc -eq 0 ] && [ -z "$$bad" ]

# the expected outputs of tests/golden/*.tesh, rewritten from the current programs, then checked
golden: all
	@BUILD=$(BUILD) tests/test_golden.sh --regenerate
	@$(if $(filter yes,$(HAVE_TESH)),BUILD=$(BUILD) tests/run tests/test_golden.sh)

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) experiments/demo

bench: bench-sim bench-real

bench-real: all
	@BUILD=$(BUILD) experiments/bench-real

bench-sim: all
	@BUILD=$(BUILD) experiments/bench-sim

figures: all
	@BUILD=$(BUILD) analysis/figures

# every study of experiments/ (resumable: finished runs are kept), then every figure
PAPER_STUDIES := resnet50-juwels hrnet-cityscapes-juwels jupiter-resnet50 \
                 sensitivity-max-global-skips sensitivity-staleness sensitivity-bandwidth \
                 fashion-mnist-convergence sim-vs-real sim-vs-real-cnn \
                 $(if $(HAVE_EMU),emulation-fashion-juwels) \
                 validate-ddp-v100 validate-ddp-v100-1node validate-dgxa100 validate-dgxa100-amp \
                 validate-goyal-p100
paper: all
	@failed=0; for e in $(PAPER_STUDIES); do \
	  BUILD=$(BUILD) experiments/run experiments/$$e.exp || failed=1; done; \
	  BUILD=$(BUILD) experiments/explain || failed=1; \
	  BUILD=$(BUILD) analysis/figures; exit $$failed

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/daso/platforms
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 platforms/*.xml $(DESTDIR)$(PREFIX)/share/daso/platforms
	install -d $(DESTDIR)$(PREFIX)/share/daso/models
	install -m 644 sim/models/*.profile $(DESTDIR)$(PREFIX)/share/daso/models
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 755 $(BUILD)/$(LIBDASO_SONAME) $(DESTDIR)$(LIBDIR)
	ln -sf $(LIBDASO_SONAME) $(DESTDIR)$(LIBDIR)/libdasocore.so
	install -m 644 core/daso.h $(DESTDIR)$(INCLUDEDIR)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|' -e 's|@VERSION@|$(LIBDASO_VERSION)|' \
	    core/daso.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/daso.pc

clean:
	rm -rf $(BUILD) build-san

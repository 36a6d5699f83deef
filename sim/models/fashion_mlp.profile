# fashion_mlp.profile: the MLP of daso-train (784-256-128-10, ReLU) on Fashion-MNIST, one MPI rank
# per "GPU" on one core of this machine (Debian 12, 2-core AMD EPYC VM, OpenBLAS with one thread
# per rank). For the simulated-against-measured study (experiments/sim-vs-real.exp): simulated on
# platforms/local_2core.xml, whose host speed is this profile's ref_gpu_flops, so the compute
# times below apply unchanged and a simulated batch costs what a real one measured here.
# Format and conventions in sim/models/README.md.
#
# Sources (every number below names one of them, or says "assumption"):
#   [NET]  real/net.h: the MLP has 235,146 parameters (784x256+256 + 256x128+128 + 128x10+10).
#   [TRN]  build/daso-train --help: 64 samples per rank per batch, 10 epochs by default.
#   [FM]   Fashion-MNIST (Debian's dataset-fashion-mnist): 60,000 training images.
#   [PLAT] platforms/local_2core.xml: gpu-speed 95e9 flop/s per host ("95Gf"; sgemm 1024^3 on one
#          core, platforms/README.md).
#   [BR]   mpiexec -n 2 build/bench-real (real/bench_real.c), first table, row "mlp": median
#          of 30 forward+backward passes of a batch of 64 real images on rank 0, one BLAS
#          thread, while rank 1 busy-polls on the other core (as in training, both cores busy).
#          14 runs on 2026-11-25: 0.897, 0.905, 0.907, 0.908, 0.911, 0.919, 0.919, 0.924,
#          0.931, 0.935, 0.967, 0.978, 0.982, 1.001 ms; median 0.921 ms. (Other jobs used the
#          machine during some of them; with both cores otherwise idle: 0.897-0.924 ms.)
#   [ST]   /tmp/meas/step_times2.c (kept outside the repository): net_forward_backward and
#          sgd_step(235,146 parameters, momentum 0.9, weight decay 5e-4) timed one by one with
#          CLOCK_MONOTONIC, one BLAS thread, 400 steps on 128 different synthetic batches and
#          4000 optimizer steps, no MPI:
#              cc -O2 -std=c11 -Icore -Ireal -o /tmp/meas/step_times2 /tmp/meas/step_times2.c \
#                 build/real/net.o build/real/sgd.o build/libdasocore.a -lopenblas -lm
#              /tmp/meas/step_times2 400
#          3 runs: forward+backward median 0.776-0.779 ms (the other core idle, hence below
#          [BR]); sgd_step median 0.150-0.152 ms (4 earlier runs: 0.150-0.170).
#   [DT]   cross-check of the sum, real training with 2 ranks (no more ranks than cores):
#              MPIR_CVAR_POLLS_BEFORE_YIELD=1 mpiexec -n 2 build/daso-train --gpus-per-node 2 \
#                  --strategy sync --epochs 2 --quiet --out /tmp/meas/mlp2r.csv
#          compute_s / 468 batches = 1.104 and 1.113 ms per batch, and 1.144 ms in a 1-epoch run
#          with --train-limit 12800 on an idle machine (compute_s holds forward+backward, the
#          optimizer and the batch assembly), against 0.307 + 0.614 + 0.150 = 1.071 ms here
#          (3-6% less: the batch assembly is not in the profile).
#   [LC]   loss curve: least-squares fit (grid search: start +-0.1 by 0.002, floor by 0.002, tau
#          0.2-10 by 0.02) to the mean train_loss per epoch of two 10-epoch runs,
#              MPIR_CVAR_POLLS_BEFORE_YIELD=1 mpiexec -n 4 build/daso-train --gpus-per-node 2 \
#                  --strategy daso --epochs 10 --max-global-skips 4 --stability-level 0.05 \
#                  --warmup-epochs 1 --cooldown-epochs 1 --out /tmp/meas/mlp_daso4.csv
#              (the same with -n 8 --strategy sync: /tmp/meas/mlp_sync8.csv)
#          mean: 0.763 0.477 0.409 0.373 0.347 0.328 0.314 0.307 0.298 0.283; fit: start 0.741,
#          floor 0.282, tau 1.60 (rms 0.024; the real curve keeps falling slowly where the
#          exponential flattens). Cross-check, the 6-epoch run of the issue (mpiexec -n 4 ...
#          --strategy sync --epochs 6): 0.687 0.443 0.398 0.357 0.337 0.316, fit start 0.681,
#          floor 0.314, tau 1.16.
#
# Per-batch time. 0.921 ms forward+backward [BR], split forward : backward = 1 : 2 (assumption,
# the convention of the other profiles). For this MLP it overstates the backward: net.c skips the
# input gradient of the first layer, which holds 85% of the weights, so the backward's sgemm
# flops are 1.15 x the forward's (forward 2 x 64 x 234,752 = 30.0 MFLOP; backward 30.0 + 4.4).
# Only the sum matters here: the gradients (0.94 MB) fit in one bucket, ready at the end of the
# backward either way. Optimizer 0.150 ms [ST].
# Not modelled: with more ranks than cores (4 or 8 ranks on 2 cores) each rank gets a fraction of
# a core in the real runs; the platform gives every rank a full core (platforms/README.md).

name            fashion_mlp
description     Fashion-MNIST MLP 784-256-128-10 of daso-train, 64 images per rank, fp32, one core per rank (OpenBLAS, 1 thread)
params          235146          # [NET]
samples_per_gpu 64              # [TRN] --batch-size default
dataset_size    60000           # [FM]
epochs          10              # [TRN] --epochs default
ref_gpu         EPYC-core-1thread  # one core of this machine's AMD EPYC VM, one BLAS thread
ref_gpu_flops   95e9            # [PLAT] the host speed of platforms/local_2core.xml
forward_s       0.000307        # [BR] 0.921 ms / 3; assumption: forward : backward = 1 : 2
backward_s      0.000614        # [BR] 0.921 ms x 2 / 3; same assumption
optimizer_s     0.000150        # [ST] sgd_step over 235,146 parameters, median
precision       fp32            # daso-train computes in fp32
loss_start      0.74            # [LC] fit
loss_floor      0.28            # [LC] fit
loss_tau        1.6             # [LC] fit

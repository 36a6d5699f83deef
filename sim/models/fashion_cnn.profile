# fashion_cnn.profile: the CNN of daso-train (conv 5x5 1->16, maxpool 2, conv 5x5 16->32, maxpool
# 2, fc 1568->128, fc 128->10; ReLU) on Fashion-MNIST, one MPI rank per "GPU" on one core of this
# machine (Debian 12, 2-core AMD EPYC VM, OpenBLAS with one thread per rank). For the
# simulated-against-measured study (experiments/sim-vs-real-cnn.exp): simulated on
# platforms/local_2core.xml, whose host speed is this profile's ref_gpu_flops, so the compute
# times below apply unchanged. Format and conventions in sim/models/README.md; the measurement
# programs and commands are those of fashion_mlp.profile.
#
# Sources (every number below names one of them, or says "assumption"):
#   [NET]  real/net.h: the CNN has 215,370 parameters.
#   [TRN]  build/daso-train --help: 64 samples per rank per batch, 10 epochs by default.
#   [FM]   Fashion-MNIST (Debian's dataset-fashion-mnist): 60,000 training images.
#   [PLAT] platforms/local_2core.xml: gpu-speed 95e9 flop/s per host.
#   [BR]   mpiexec -n 2 build/bench-real, first table, row "cnn": median of 30 forward+backward
#          passes of a batch of 64 (convolutions as im2col + sgemm), one BLAS thread, rank 1
#          busy-polling on the other core. 10 runs on 2026-11-25: 28.865, 29.331, 29.470,
#          29.750, 29.978, 31.594, 31.655, 31.888, 34.068, 36.776 ms; median 30.79 ms. (4 more
#          runs while other jobs used both cores, 46-122 ms, are left out.)
#   [ST]   /tmp/meas/step_times2 400 (see fashion_mlp.profile): forward+backward median
#          27.26-27.38 ms with the other core idle (cross-check of [BR]); sgd_step over 215,370
#          parameters median 0.133-0.134 ms (3 runs, and 0.133-0.135 in 3 earlier ones).
#   [DT]   cross-check of the sum, real training with 2 ranks on an idle machine:
#              MPIR_CVAR_POLLS_BEFORE_YIELD=1 mpiexec -n 2 build/daso-train --gpus-per-node 2 \
#                  --model cnn --strategy sync --epochs 1 --train-limit 12800 --test-limit 500 \
#                  --quiet --out /tmp/meas/cnn2r.csv
#          compute_s / 100 batches = 30.9 and 32.3 ms per batch (forward+backward, optimizer,
#          batch assembly), against 10.26 + 20.53 + 0.13 = 30.92 ms here.
#   [LC]   loss curve: least-squares fit (the grid search of fashion_mlp.profile) to the
#          train_loss per epoch of one 10-epoch run,
#              MPIR_CVAR_POLLS_BEFORE_YIELD=1 mpiexec -n 4 build/daso-train --gpus-per-node 2 \
#                  --model cnn --strategy daso --epochs 10 --max-global-skips 4 \
#                  --stability-level 0.05 --warmup-epochs 1 --cooldown-epochs 1 \
#                  --out /tmp/meas/cnn_daso4.csv
#          0.634 0.389 0.321 0.279 0.258 0.235 0.224 0.213 0.199 0.183 (final test accuracy
#          0.908); fit: start 0.610, floor 0.182, tau 1.90 (rms 0.022). Cross-check, 6 epochs of
#          sync (mpiexec -n 4 ... --model cnn --strategy sync --epochs 6): 0.613 0.355 0.304
#          0.264 0.243 0.219, fit start 0.607, floor 0.218, tau 1.16.
#
# Per-batch time. 30.79 ms forward+backward [BR], split forward : backward = 1 : 2 (assumption,
# the convention of the other profiles; net.c skips the input gradient of the first convolution,
# and pooling, im2col and col2im are not sgemm work, so the true split is not measured).
# Optimizer 0.133 ms [ST]. About 30 times the MLP's compute for slightly fewer parameters: the
# communication is the same, the compute share much larger.
# Not modelled: with more ranks than cores (4 or 8 ranks on 2 cores) each rank gets a fraction of
# a core in the real runs; the platform gives every rank a full core (platforms/README.md).

name            fashion_cnn
description     Fashion-MNIST CNN (two 5x5 convolutions, two dense layers) of daso-train, 64 images per rank, fp32, one core per rank
params          215370          # [NET]
samples_per_gpu 64              # [TRN] --batch-size default
dataset_size    60000           # [FM]
epochs          10              # [TRN] --epochs default
ref_gpu         EPYC-core-1thread  # one core of this machine's AMD EPYC VM, one BLAS thread
ref_gpu_flops   95e9            # [PLAT] the host speed of platforms/local_2core.xml
forward_s       0.01026         # [BR] 30.79 ms / 3; assumption: forward : backward = 1 : 2
backward_s      0.02053         # [BR] 30.79 ms x 2 / 3; same assumption
optimizer_s     0.000133        # [ST] sgd_step over 215,370 parameters, median
precision       fp32            # daso-train computes in fp32
loss_start      0.61            # [LC] fit
loss_floor      0.18            # [LC] fit
loss_tau        1.9             # [LC] fit

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

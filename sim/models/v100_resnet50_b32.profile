# v100_resnet50_b32.profile: torchvision ResNet-50 trained in FP32 with 32 images per GPU on one
# V100 of a DGX-1, as in PyTorch's DDP benchmark (benchmarks/distributed/ddp). It exists for the
# validation study experiments/validate-ddp-v100.exp (README "How close to reality"), which
# predicts that benchmark's 2-16 GPU iteration times from its 1-GPU time; format and conventions
# in sim/models/README.md.
#
# Sources (every number below names one of them, or says "assumption"):
#   [DDP]  pytorch/pytorch benchmarks/distributed/ddp/README.md @ bf69c149b872 ("Benchmark:
#          resnet50 with batch size 32"): PyTorch 1.4.0a0, CUDA 10.0, NCCL, DGX-1 machines with
#          8 V100 each; p50 0.097 s per iteration for 1 GPU without DDP ("no ddp"). The
#          benchmark (benchmark.py in the same folder) times forward, loss, backward and
#          torch.optim.SGD (momentum 0.9, weight decay 1e-4) on one fixed random batch already on
#          the GPU, with a torch.cuda.synchronize() per iteration: no data loading.
#   [TV]   torchvision model card of resnet50: 25,557,032 parameters.
#   [IN]   ILSVRC-2012 (ImageNet-1k) training set: 1,281,167 images.
#   [V100] NVIDIA Tesla V100 datasheet: V100 SXM2, 15.7 TFLOP/s FP32 peak, 900 GB/s HBM2.
#
# Per-batch time: the measured 1-GPU time without DDP, 0.097 s [DDP], is the compute input of the
# validation (the measurement's own smallest scale). Assumption: 0.003 s of it is the optimizer
# step (the same per-tensor loop over 161 tensors as in resnet50.profile; the memory traffic,
# about 0.5 GB at 900 GB/s, adds 0.6 ms), and the remaining 0.094 s is split forward : backward
# = 1 : 2 as in resnet50.profile. 0.031333 + 0.062667 + 0.003 = 0.097 s.
# FP32: [DDP] runs PyTorch 1.4 without AMP on V100, which has no TF32.
#
# dataset_size and epochs only set how many iterations a run has; the benchmark itself repeats
# one batch. The loss curve is the shape of resnet50.profile (the validation compares time per
# iteration, not the loss).

name            v100_resnet50_b32
description     ResNet-50, FP32, 32 images per V100 (DGX-1), PyTorch DDP benchmark's 1-GPU time
params          25557032        # [TV]
samples_per_gpu 32              # [DDP] batch size 32
dataset_size    1281167         # [IN]
epochs          1               # assumption: a validation run needs only steady-state iterations
ref_gpu         V100-SXM2       # [DDP] DGX-1 with V100
ref_gpu_flops   15.7e12         # [V100] FP32 peak
forward_s       0.031333333     # [DDP] 0.097 s + assumption: (0.097 - optimizer_s) / 3
backward_s      0.062666667     # [DDP] 0.097 s + assumption: 2 x forward_s
optimizer_s     0.003           # assumption, see above
precision       fp32            # [DDP] PyTorch 1.4, no AMP
loss_start      6.9             # ln(1000), as in resnet50.profile
loss_floor      1.1             # as in resnet50.profile (not used by the comparison)
loss_tau        15              # as in resnet50.profile (not used by the comparison)

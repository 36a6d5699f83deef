# resnet50.profile: ResNet-50 v1.5 trained on ImageNet-1k as in HeAT's examples/nn/imagenet-DASO.py,
# the first workload of the DASO paper (Coquelin et al., J Big Data 9, 14, 2022). The simulator
# loads it with --model resnet50; format and conventions in sim/models/README.md.
#
# Sources (every number below names one of them, or says "assumption"):
#   [TV]   torchvision model card of resnet50 (ResNet50_Weights.IMAGENET1K_V1): 25,557,032
#          parameters, 4.09 "GFLOPS" per 224x224 image (multiply-adds).
#   [IN]   ILSVRC-2012 (ImageNet-1k) training set: 1,281,167 images, 1,000 classes.
#   [HEAT] HeAT examples/nn/imagenet-DASO.py defaults: 256 images per process and batch, 90 epochs,
#          SGD with momentum 0.9, no AMP (helmholtz-analytics/heat, examples/nn/imagenet-DASO.py;
#          heat/optim/dp_optimizer.py unchanged in substance since commit c5450eb01, 2021-03-30).
#   [DLE]  NVIDIA DeepLearningExamples, PyTorch/Classification/ConvNets/resnet50v1.5/README.md,
#          "Training performance: NVIDIA DGX A100 (8x A100 80GB)", pytorch-21.03 container, 1 GPU,
#          batch 256 (configs.yml, DGXA100 TF32 and AMP): 938 img/s TF32, 2470 img/s mixed
#          precision. These figures include data loading and the optimizer step; 1 GPU, so no
#          communication.
#   [A100] NVIDIA A100 Tensor Core GPU datasheet: 19.5 TFLOP/s FP32, 156 TFLOP/s TF32 tensor core
#          (dense), 1,555 GB/s HBM2 on the 40 GB SXM4 part.
#
# Precision. HeAT's script does not use AMP, so on an A100 PyTorch runs ResNet-50 in TF32: from
# PyTorch 1.7 to 1.11 TF32 is on by default for matrix products and cuDNN convolutions, and from
# 1.12 still for cuDNN convolutions (which are nearly all of ResNet-50's work). Hence the TF32
# figure of [DLE], not the mixed-precision one (which would give 256 / 2470 = 0.104 s per batch).
#
# Per-batch time. 256 images / 938 img/s = 0.2729 s per batch of 256 on one A100 [DLE].
# Assumption: 0.003 s of it is the optimizer step (see optimizer_s below), and the remaining
# 0.270 s is split forward : backward = 1 : 2, since the backward pass computes the gradients of
# both the activations and the weights, about twice the forward's multiply-adds.
# 0.090 + 0.180 + 0.003 = 0.273 s, i.e. 938 img/s.
# Cross-check: 3 passes x 2 flop x 4.09 G multiply-adds [TV] x 938 img/s = 23 TFLOP/s, above the
# FP32 peak and 15% of the TF32 tensor-core peak [A100]: TF32 tensor cores do the work.
#
# Loss curve. The exponential below only gives a plausible shape for the per-epoch training loss
# of plain cross-entropy: ln(1000) = 6.9 for an untrained 1000-class classifier, about 1.9 at
# epoch 30 and about 1.1 at epoch 90. It is not fitted to a log. A real ResNet-50 curve has
# steps where the learning rate drops (epochs 30 and 60 with the classic step schedule; at
# data-dependent epochs with HeAT's ReduceLROnPlateau on the training loss) and a fast fall in
# the first epochs; the exponential ignores both. Pass a real curve with --loss-curve to drive
# DASO's plateau detection with it.

name            resnet50
description     ResNet-50 v1.5 on ImageNet-1k, SGD, TF32, as in HeAT's imagenet-DASO.py
params          25557032        # [TV]
samples_per_gpu 256             # [HEAT] per-process batch
dataset_size    1281167         # [IN]
epochs          90              # [HEAT]
ref_gpu         A100-SXM4-40GB  # JUWELS Booster's GPU; assumption: as fast as [DLE]'s 80 GB part
ref_gpu_flops   19.5e12         # [A100] FP32 peak
forward_s       0.090           # [DLE] + assumption: (256 / 938 - optimizer_s) / 3, see above
backward_s      0.180           # [DLE] + assumption: 2 x forward_s, see above
optimizer_s     0.003           # assumption, see below
precision       tf32            # [HEAT] no AMP; PyTorch's default on A100, see above
loss_start      6.9             # ln(1000): cross-entropy of an untrained 1000-class classifier
loss_floor      1.1             # assumption: a 90-epoch run ends at a training loss of 1.0-1.3
loss_tau        15              # assumption: gives 1.9 at epoch 30 and 1.12 at epoch 89

# optimizer_s (assumption): torch.optim.SGD with momentum and weight decay runs a loop over the
# 161 parameter tensors (PyTorch's default before 2.0), about 3 kernels of about 5 us launch
# time each = 2.4 ms, plus the memory traffic of 25.6M fp32 parameters, gradients and momenta
# (about 0.5 GB at 1,555 GB/s = 0.3 ms): about 3 ms.
#
# ref_gpu (assumption): [DLE] measured the A100 80 GB; the 40 GB SXM4 part of JUWELS Booster has
# the same 108 SMs and clocks and slower memory (1,555 vs 2,039 GB/s), which matters little for
# a compute-bound convolutional network.

# resnet50_amp.profile: ResNet-50 v1.5 trained on ImageNet-1k in automatic mixed precision (AMP),
# 256 images per GPU: resnet50.profile's workload with NVIDIA's mixed-precision throughput in
# place of its TF32 one. The simulator loads it with --model resnet50_amp; format and
# conventions in sim/models/README.md.
#
# Sources (every number below names one of them, or says "assumption"):
#   [TV]   torchvision model card of resnet50 (ResNet50_Weights.IMAGENET1K_V1): 25,557,032
#          parameters.
#   [IN]   ILSVRC-2012 (ImageNet-1k) training set: 1,281,167 images, 1,000 classes.
#   [DLE]  NVIDIA DeepLearningExamples at commit 291f0d0 (291f0d02e815b148fa5c2b81bf07aa3552142895),
#          PyTorch/Classification/ConvNets/resnet50v1.5/README.md, "Training performance: NVIDIA
#          DGX A100 (8x A100 80GB)", pytorch-21.03 NGC container, 1 GPU, batch 256 (configs.yml,
#          DGXA100 AMP): 2470 img/s mixed precision; its 90-epoch recipe. The figure includes data
#          loading and the optimizer step; 1 GPU, so no communication.
#   [A100] NVIDIA A100 Tensor Core GPU datasheet: 19.5 TFLOP/s FP32 peak (40 GB and 80 GB SXM4).
#
# Per-batch time. 256 images / 2470 img/s = 0.103643724696 s per batch of 256 on one A100 80GB
# [DLE]. The split follows resnet50.profile's convention: assumption: 0.003 s of it is the
# optimizer step (as there: a loop over the 161 parameter tensors, whose launches do not get
# faster with AMP), and the remaining 0.100643724696 s is split forward : backward = 1 : 2 (the
# backward computes the gradients of both the activations and the weights, about twice the
# forward's multiply-adds). forward_s + backward_s + optimizer_s = 256 / 2470 s to 12 decimals
# (tests/test_profile.c).
#
# Loss curve: resnet50.profile's shape (see its comments); AMP reaches the same accuracy in 90
# epochs [DLE: 77.12 top-1 AMP against 76.95 TF32], so the same shape is kept. It is not fitted to
# a log; pass a real curve with --loss-curve to drive DASO's plateau detection with it.

name            resnet50_amp
description     ResNet-50 v1.5 on ImageNet-1k, SGD, AMP, NVIDIA's 2470 img/s on one A100
params          25557032        # [TV]
samples_per_gpu 256             # [DLE] batch 256 per GPU
dataset_size    1281167         # [IN]
epochs          90              # [DLE] 90-epoch recipe
ref_gpu         A100-SXM4-80GB  # [DLE] the GPU measured
ref_gpu_flops   19.5e12         # [A100] FP32 peak (the platforms' convention)
forward_s       0.0335479082321188  # [DLE] + assumption: (256 / 2470 - optimizer_s) / 3
backward_s      0.0670958164642375  # [DLE] + assumption: 2 x forward_s
optimizer_s     0.003           # assumption: as in resnet50.profile
precision       amp             # [DLE] mixed precision
loss_start      6.9             # ln(1000): cross-entropy of an untrained 1000-class classifier
loss_floor      1.1             # assumption: as in resnet50.profile
loss_tau        15              # assumption: as in resnet50.profile

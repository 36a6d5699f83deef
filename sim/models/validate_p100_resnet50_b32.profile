# validate_p100_resnet50_b32.profile: ResNet-50 in FP32 with 32 images per P100, as in Goyal et
# al.'s Caffe2 runs on Facebook's Big Basin servers. It exists for the validation study
# experiments/validate-goyal-p100.exp (README "How close to reality"), which predicts the scaling
# efficiency from 8 to 256 GPUs from the 8-GPU training time; format in sim/models/README.md.
#
# Sources (every number below names one of them, or says "assumption"):
#   [GOYAL] P. Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour",
#           arXiv 1706.02677 (2017): ResNet-50 on ImageNet-1k, 90 epochs, 32 images per GPU
#           (minibatch 256 on 8 GPUs, 8192 on 256), P100 GPUs, no mixed precision.
#   [NVB]   NVIDIA developer news "Facebook trains ImageNet in 1 hour"
#           (developer.nvidia.com/facebook-trains-imagenet-1-hour), on [GOYAL]: "reduced the
#           training time ... from 29 hours to one", 29 hours being one 8-GPU system.
#   [TV]    torchvision model card of resnet50: 25,557,032 parameters (Caffe2's ResNet-50 has the
#           same layers).
#   [IN]    ILSVRC-2012 training set: 1,281,167 images.
#   [P100]  NVIDIA Tesla P100 SXM2 datasheet: 10.6 TFLOP/s FP32 peak.
#
# Per-batch time: 29 h for 90 epochs of floor(1281167 / 256) = 5004 iterations on 8 GPUs [NVB]
# = 0.23181 s per iteration, the compute input of the validation (the measurement's own smallest
# scale). It is an upper bound of one GPU's compute: it already holds the 8 GPUs' allreduce
# inside the server, data loading and whatever else the 29 hours counted. Assumption: 0.003 s of
# it is the optimizer step (as in resnet50.profile), the remaining 0.22881 s is split
# forward : backward = 1 : 2. 0.07627 + 0.15254 + 0.003 = 0.23181 s.
# The loss curve is the shape of resnet50.profile (the comparison is of time per iteration).

name            validate_p100_resnet50_b32
description     ResNet-50, FP32, 32 images per P100 (Big Basin), Goyal et al.'s 8-GPU time per iteration
params          25557032        # [TV]
samples_per_gpu 32              # [GOYAL] 32 images per GPU
dataset_size    1281167         # [IN]
epochs          1               # assumption: a validation run needs only steady-state iterations
ref_gpu         P100-SXM2       # [GOYAL] Tesla P100 with NVLink
ref_gpu_flops   10.6e12         # [P100] FP32 peak
forward_s       0.076271516     # [NVB] 29 h / (90 x 5004) + assumption: (that - optimizer_s) / 3
backward_s      0.152543032     # [NVB] + assumption: 2 x forward_s
optimizer_s     0.003           # assumption, as in resnet50.profile
precision       fp32            # [GOYAL]
loss_start      6.9             # ln(1000), as in resnet50.profile
loss_floor      1.1             # as in resnet50.profile (not used by the comparison)
loss_tau        15              # as in resnet50.profile (not used by the comparison)

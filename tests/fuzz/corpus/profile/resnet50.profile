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

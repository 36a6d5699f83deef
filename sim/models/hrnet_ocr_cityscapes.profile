# hrnet_ocr_cityscapes.profile: hierarchical multi-scale attention segmentation network
# (HRNetV2-W48 + OCR + scale attention, NVIDIA's ocrnet.HRNet_Mscale) trained on Cityscapes, the
# second workload of the DASO paper (Coquelin et al., J Big Data 9, 14, 2022). The simulator loads
# it with --model hrnet_ocr_cityscapes; format and conventions in sim/models/README.md.
#
# THE TIMES ARE AN ESTIMATE, NOT A MEASUREMENT: no published training throughput of this network
# on an A100 was found. They are derived from the network's multiply-adds and an assumed
# efficiency (below); expect an error of +-50%. Replace them by measured values when you have them.
#
# Sources (every number below names one of them, or says "assumption"):
#   [TAO]  A. Tao, K. Sapra, B. Catanzaro, "Hierarchical Multi-Scale Attention for Semantic
#          Segmentation", arXiv 2005.10821 (2020): the network.
#   [NSS]  NVIDIA/semantic-segmentation, scripts/train_cityscapes.yml: arch ocrnet.HRNet_Mscale,
#          crop_size 1024,2048, bs_trn 1, max_epoch 175, apex AMP (fp16: true), syncbn: true,
#          rmi_loss, lr 5e-3 with poly_exp 2, cv 0, Mapillary-pretrained snapshot ("Requires 32GB
#          GPU"). This is the configuration HeAT's port (coquelin77/nvidia-semantic-segmentation)
#          starts from (coquelin77/nvidia-semantic-segmentation, paper-time commit bc2efaf,
#          2021-01-29); whether the paper's runs used exactly these values is unverified.
#   [CODE] NVIDIA/semantic-segmentation network/hrnetv2.py, ocrnet.py, ocr_utils.py and
#          make_attn_head: HRNetV2-W48 (stage channels 48/96/192/384), OCR block (512 mid, 256 key
#          channels, auxiliary head), scale-attention head (256 bottleneck channels), 19 classes.
#          In training, MscaleOCR.two_scale_forward runs the network at scales 0.5 and 1.0.
#   [CS]   Cityscapes, gtFine: 2,975 training images of 2048x1024, 19 evaluated classes.
#   [HEAT] HeAT's training script for this network uses AMP (GradScaler via DASO.add_scaler) and
#          1 image per GPU (coquelin77/nvidia-semantic-segmentation, commit bc2efaf).
#   [DLE]  NVIDIA DeepLearningExamples ResNet-50 v1.5 PyTorch, DGX A100, 1 GPU: 2470 img/s with
#          AMP (see resnet50.profile).
#   [A100] NVIDIA A100 datasheet: 19.5 TFLOP/s FP32.
#
# Parameters. Counted from the layer shapes of [CODE] (every convolution weight and bias, every
# BatchNorm weight and bias; running statistics are buffers, not parameters): backbone
# 65,325,120 + OCR block with auxiliary head 5,047,558 + scale-attention head 1,770,752 =
# 72,143,430. The backbone plus HRNetV2's own 1x1 segmentation head gives 65.86M, consistent
# with the 65.9M usually quoted for HRNetV2-W48 (Wang et al., TPAMI 2020; not re-checked here).
#
# Per-batch time (one 1024x2048 crop per GPU). Counted from the same layer shapes, the forward
# costs 1,530 G multiply-adds at scale 1.0 plus 382 G at scale 0.5 (convolutions and OCR matrix
# products; BatchNorm, activations, upsampling and the RMI loss not counted) = 3.82 TFLOP; the
# backward about twice that. Assumption: the A100 with AMP sustains 24 TFLOP/s on this network,
# 40% of the 61 TFLOP/s ResNet-50 reaches with AMP in [DLE] (2470 img/s x 3 passes x 2 flop x
# 4.09 G multiply-adds per image), because HRNet's many narrow high-resolution branches, the
# bilinear upsampling in every fuse layer and the RMI loss are memory-bound.
# 3.82 TFLOP / 24 TFLOP/s = 0.16 s forward, 0.32 s backward.
# Not included: SyncBatchNorm's per-layer all-reduces (syncbn: true in [NSS]) and data loading.
#
# Loss curve. Only a plausible shape, not fitted to a log: starts at ln(19) = 2.9, the
# cross-entropy of a freshly initialised 19-class classifier, and ignores the RMI term and the
# auxiliary and multi-scale loss weights, so the absolute level is not the logged one. The poly
# schedule lowers the learning rate smoothly (no steps), but its late drop towards zero is not
# captured. Pass a real curve with --loss-curve to drive DASO's plateau detection with it.

name            hrnet_ocr_cityscapes
description     HRNetV2-W48 + OCR + multi-scale attention (ocrnet.HRNet_Mscale) on Cityscapes, AMP
params          72143430        # [CODE] counted from the layer shapes, see above
samples_per_gpu 1               # [NSS] bs_trn 1, [HEAT]
dataset_size    2975            # [CS] gtFine train; assumption: see below
epochs          175             # [NSS] max_epoch
ref_gpu         A100-SXM4-40GB  # JUWELS Booster's GPU (the times are an estimate for it)
ref_gpu_flops   19.5e12         # [A100] FP32 peak
forward_s       0.16            # assumption: 3.82 TFLOP [CODE] at 24 TFLOP/s, see above
backward_s      0.32            # assumption: 2 x forward_s
optimizer_s     0.015           # assumption, see below
precision       amp             # [NSS] apex AMP, [HEAT] torch GradScaler
loss_start      2.9             # ln(19): cross-entropy of an untrained 19-class classifier
loss_floor      0.2             # assumption
loss_tau        15              # assumption: gives 0.33 at epoch 45, 0.2 at the end

# dataset_size (assumption): no coarse or auto-labelled extra data (cv 0: the 2,975 gtFine
# training images), and NVIDIA's class-uniform sampling changes which crops are drawn, not how
# many make an epoch.
#
# optimizer_s (assumption): SGD with momentum as a loop over the 955 parameter tensors (counted
# from [CODE]), about 3 kernels of about 5 us launch time each = 14 ms, plus the memory traffic
# of 72M fp32 parameters, gradients and momenta (about 1.4 GB at 1,555 GB/s = 1 ms).
#
# loss_start (assumption): the classifier is not taken from the pretrained snapshot.

# transformer.profile: GPT-2 small (124M parameters, 12 layers, 768 wide, 1024-token context)
# trained from scratch on OpenWebText with karpathy/nanoGPT's config/train_gpt2.py. Not a workload
# of the DASO paper: a transformer to compare with its two convolutional networks. The simulator
# loads it with --model transformer; format and conventions in sim/models/README.md.
#
# Sources (every number below names one of them, or says "assumption"):
#   [CFG]  nanoGPT config/train_gpt2.py: batch_size 12 sequences of block_size 1024 tokens,
#          gradient_accumulation_steps 5 * 8 on 8 GPUs ("12 batch size * 1024 block size * 5
#          gradaccum * 8 GPUs = 491,520" tokens per step), max_iters 600,000 ("total number of
#          tokens be 300B"), "loss of ~2.85 on 1 node of 8X A100 40GB".
#   [DATA] nanoGPT data/openwebtext/prepare.py: "train has ~9B tokens (9,035,582,198)".
#   [NG]   nanoGPT README: reproduces GPT-2 (124M) on OpenWebText "on a single 8XA100 40GB node in
#          about 4 days of training"; torch.compile cuts "iteration time from ~250ms / iter to
#          135ms / iter" (written in December 2022, before nanoGPT used flash attention; the
#          README does not say which script or GPU, see "Per-batch time").
#   [GPT2] GPT-2 small architecture (Radford et al. 2019): 12 layers, d_model 768, 12 heads,
#          context 1024, vocabulary 50,257 (nanoGPT pads it to 50,304), tied input/output
#          embedding, biases in linear layers and LayerNorms.
#   [A100] NVIDIA A100 datasheet: 19.5 TFLOP/s FP32, 312 TFLOP/s BF16 tensor core (dense),
#          1,555 GB/s HBM2 on the 40 GB SXM4 part.
#
# Parameters (from [GPT2] with nanoGPT's padded vocabulary; nanoGPT trains the padded model):
# token embedding 50,304 x 768 = 38,633,472 (shared with the output layer) + position embedding
# 1,024 x 768 = 786,432 + 12 blocks x 7,087,872 (2 LayerNorms 3,072; attention 768 x 2,304 +
# 2,304 and 768 x 768 + 768; MLP 768 x 3,072 + 3,072 and 3,072 x 768 + 768) + final LayerNorm
# 1,536 = 124,475,904. (Unpadded, as in Hugging Face's GPT-2: 124,439,808.)
#
# Batch. DDP in nanoGPT all-reduces gradients once per optimizer step, after 5 micro-batches of
# 12 sequences on every GPU, so one simulated per-GPU batch is 60 sequences of 1,024 tokens.
# Note: only the last micro-batch's backward can overlap the all-reduce, not the whole backward_s.
#
# Per-batch time. Assumption: [NG]'s 135 ms are one forward, backward and optimizer step of one
# micro-batch (12 x 1,024 tokens, as in bench.py) on one A100 40 GB. They cannot be a whole
# step of 5 micro-batches: at about 6 x 124M + 12 x 12 x 768 x 1,024 = 0.86 GFLOP per token,
# 61,440 tokens in 135 ms would need 390 TFLOP/s, above the 312 TFLOP/s peak [A100]; one
# micro-batch needs 78 TFLOP/s (25% of peak). Of the 135 ms, 0.003 s is the optimizer step
# (assumption, see optimizer_s below) -> 5 x 0.132 = 0.66 s of forward + backward per batch,
# split forward : backward = 1 : 2 (assumption: the backward computes the gradients of both
# activations and weights). Cross-check with [NG]'s "about 4 days": 600,000 steps x 0.663 s =
# 4.6 days.
#
# Loss curve. Only a shape, not fitted to a log: ln(50257) = 10.8 for the untrained model, ~2.85
# at the end [CFG]. A language model's loss falls most in the first fraction of the first epoch
# and then creeps down roughly as a power law; a single exponential cannot follow both, so tau is
# short and the curve is nearly flat after about 8 epochs. Pass a real curve with --loss-curve.

name            transformer
description     GPT-2 small (124M) on OpenWebText as in nanoGPT's config/train_gpt2.py, bf16, AdamW
params          124475904       # [GPT2] with nanoGPT's vocabulary padded to 50,304, see above
samples_per_gpu 60              # [CFG] 12 sequences x 5 accumulated micro-batches per GPU
dataset_size    8823810         # [DATA] floor(9,035,582,198 tokens / 1,024 per sequence)
epochs          32              # [CFG] + assumption: 32.6 passes rounded down, see below
ref_gpu         A100-SXM4-40GB  # [NG] 8XA100 40GB node
ref_gpu_flops   19.5e12         # [A100] FP32 peak
forward_s       0.22            # [NG] + assumption: 5 x (0.135 - optimizer_s) / 3, see above
backward_s      0.44            # [NG] + assumption: 2 x forward_s
optimizer_s     0.003           # assumption, see below
precision       amp             # [NG] bfloat16 autocast
loss_start      10.8            # ln(50257): cross-entropy of an untrained model over the vocabulary
loss_floor      2.85            # [CFG] "loss of ~2.85" at the end of training
loss_tau        1.5             # assumption: gives 3.9 at epoch 3, 2.9 at epoch 8

# epochs (assumption): [CFG] trains 600,000 steps x 491,520 tokens = 294.9B tokens, 32.6 passes
# over the 9.04B training tokens of [DATA]; nanoGPT samples random windows and has no epochs,
# so the run is modelled as 32 whole epochs of 8,823,810 sequences.
#
# optimizer_s (assumption): nanoGPT uses PyTorch's fused AdamW, which is memory-bound: about 28
# bytes per parameter (fp32 parameter, gradient and two moments read; parameter and moments
# written) x 124.5M parameters at 1,555 GB/s = 2.2 ms, plus gradient clipping: about 3 ms.

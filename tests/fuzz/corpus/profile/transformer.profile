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

# tabs, CRLF, comments, any order
loss_tau	2
name x
precision amp # c
description  free  text  
params 2.5e7
samples_per_gpu 1
dataset_size 9007199254740992
epochs 2147483647
ref_gpu g
ref_gpu_flops 1e13
forward_s 1e-3
backward_s 2e-3
optimizer_s 0
loss_start 1
loss_floor 0

// strategy_sync.c: the Horovod/DDP baseline. Every batch, gradients are averaged over all GPUs by
// a flat allreduce, fused into buckets that start as soon as their gradients are ready during
// backward (the backend overlaps them); optional fp16 compression (--sync-format fp16).
#include "scheduler.h" // sched, strategy

static void sync_plan(sched *s, plan_batch *p)
{
    p->grad = GRAD_WORLD;
    p->grad_fmt = s->cfg.sync_fmt;
    sched_advance(s);
}

const strategy strategy_sync = {
    .name = "sync",
    .summary = "Horovod/DDP: bucketed gradient allreduce over all GPUs every batch",
    .global_grads = true,
    .plan = sync_plan,
};

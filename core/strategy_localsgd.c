// strategy_localsgd.c: local SGD / post-local SGD (Lin et al., ICLR 2020). Gradients are averaged
// inside the node every batch; parameters are averaged over all GPUs, blocking, every H batches
// (--localsgd-period) and at the last batch of every epoch, so that every epoch ends with identical
// replicas as in DASO. The first --localsgd-warmup-epochs epochs are fully synchronous (sync).
#include "scheduler.h" // sched, strategy

static void localsgd_plan(sched *s, plan_batch *p)
{
    const sched_config *c = &s->cfg;
    if (s->epoch < c->localsgd_warmup_epochs) {
        p->grad = GRAD_WORLD;
        p->grad_fmt = c->sync_fmt;
    } else {
        p->grad = GRAD_NODE;
        if ((s->batch + 1) % c->localsgd_period == 0 || s->batch == c->last_batch)
            plan_add(p, (plan_action){.kind = ACT_WORLD_AVG, .group = -1, .fmt = FMT_FP32});
    }
    sched_advance(s);
}

const strategy strategy_localsgd = {
    .name = "localsgd",
    .summary = "local SGD: node-local gradients, blocking average every H batches",
    .global_grads = true, // its synchronous warm-up epochs allreduce gradients over all GPUs
    .plan = localsgd_plan,
};

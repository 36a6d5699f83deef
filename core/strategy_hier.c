// strategy_hier.c: Horovod's hierarchical allreduce baseline. Every batch, gradients are
// reduce-scattered inside the node, each slice is allreduced across nodes by all local ranks in
// parallel, and the result is allgathered inside the node; blocking.
#include "scheduler.h" // sched, strategy

static void hier_plan(sched *s, plan_batch *p)
{
    p->grad = GRAD_HIER;
    p->grad_fmt = s->cfg.sync_fmt;
    sched_advance(s);
}

const strategy strategy_hier = {
    .name = "hier",
    .summary = "Horovod's hierarchical gradient allreduce (node, across, node)",
    .global_grads = true,
    .plan = hier_plan,
};

// strategy_daso.c: DASO's per-batch schedule and epoch logic, exactly as docs/DASO.md sections 2-4
// (HeAT's DASO.step, _global_sync and epoch_loss_logic), with HeAT's quirks by default and the
// options of section 7 (see sched_config).
#include "merge.h" // merge_weights
#include "scheduler.h" // sched, strategy, plan_batch

static void set_skips(sched *s, int gs, int ls, int S)
{
    s->gs = gs;
    s->ls = ls;
    s->S = S;
}

static void daso_start(sched *s)
{
    if (s->cfg.fixed)
        set_skips(s, s->cfg.fixed_gs, s->cfg.fixed_ls, s->cfg.fixed_S);
    else
        set_skips(s, 0, 0, 0); // the first epoch is always blocking
}

// ----------------------------------------------------------------------------
// per batch

// The members of C_prev wait for their message and merge it with their fresh parameters.
static void merge_prev(sched *s, plan_batch *p, int batch)
{
    int waited = s->cfg.true_staleness ? batch - s->pending_batch : s->pending_tag;
    plan_action a = {.kind = ACT_MERGE, .group = s->prev, .tag = s->pending_tag};
    merge_weights(s->cfg.nodes, waited, s->cfg.staleness_weight, &a.w_local, &a.w_sum);
    plan_add(p, a);
    s->pending = false;
}

static void bcast(plan_batch *p, int group)
{
    plan_add(p, (plan_action){.kind = ACT_BCAST, .group = group});
}

// docs/DASO.md section 3 step 2: a send batch (every gs batches, every batch when blocking, and the
// epoch's last batch).
static void send_step(sched *s, plan_batch *p, int b, int B)
{
    const sched_config *c = &s->cfg;
    bool small = c->downcast == DOWNCAST_ALWAYS || (c->downcast == DOWNCAST_BLOCKING && s->gs == 0);
    plan_add(p, (plan_action){.kind = ACT_SEND, .group = s->send, .tag = B,
                              .fmt = small ? c->downcast_fmt : FMT_FP32});
    if (s->S != 0 && s->prev >= 0) {
        bool merged = s->pending;
        if (merged)
            merge_prev(s, p, b);
        if (merged || c->extra_bcast)
            bcast(p, s->prev);
    }
    if (b == c->last_batch || s->S == 0) { // blocking completion
        plan_add(p, (plan_action){.kind = ACT_AVG, .group = s->send, .w_local = 0,
                                  .w_sum = 1.0 / c->nodes});
        bcast(p, s->send);
        s->prev = -1;
        if (b == c->last_batch) {
            s->epoch++;
            s->batch = 0;
            s->send = 0;
            return;
        }
    } else {
        s->prev = s->send;
        s->pending = true;
        s->pending_tag = B;
        s->pending_batch = b;
    }
    s->batch++;
    s->send = (s->send + 1) % c->gpus_per_node;
}

static void daso_plan(sched *s, plan_batch *p)
{
    const int b = s->batch, L = s->cfg.last_batch, gs = s->gs, ls = s->ls;
    const int gmod = gs > 0 ? b % gs : 0, lmod = ls > 0 ? b % ls : 0;
    const int B = s->S + b <= L ? s->S : L - b; // the wait is clipped at the epoch end
    p->grad = s->local_on ? GRAD_NODE : GRAD_NONE;

    if (b == L || gmod == 0) {
        send_step(s, p, b, B);
        return;
    }
    s->batch++;
    if ((b + 1) % gs == 0) { // the batch before a send
        s->local_on = true;
        return;
    }
    if (gmod < B) { // message in flight
        if (b + 1 == L)
            s->local_on = true;
        return;
    }
    if (gmod == B) { // the receive batch
        if (s->pending)
            merge_prev(s, p, b);
        if (s->prev >= 0)
            bcast(p, s->prev);
        if (ls > 1)
            s->local_on = false;
    }
    // step 6: node-local averaging every ls batches
    if (ls == 1 && b + 1 != L) {
        s->local_on = true;
        return;
    }
    if (lmod == 0)
        s->local_on = false;
    else if ((b + 1) % ls == 0)
        s->local_on = true;
    if (b + 1 == L)
        s->local_on = true;
}

// ----------------------------------------------------------------------------
// per epoch

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

// The blocking epochs at the start. HeAT never leaves blocking mode when warmup_epochs = 0 (its
// `epoch == warmup` test cannot hold once epoch >= 1); here cycling starts after the first,
// always blocking, epoch.
static int warmup_epochs(const sched_config *c)
{
    return max_int(c->warmup_epochs, 1);
}

// Warm-up and cool-down cover every epoch (a fixed schedule has no phases).
static bool daso_all_blocking(const sched_config *c)
{
    return !c->fixed && warmup_epochs(c) + c->cooldown_epochs >= c->epochs;
}

static void daso_epoch_end(sched *s, double loss)
{
    const sched_config *c = &s->cfg;
    if (c->fixed)
        return;
    const int warmup = warmup_epochs(c);
    const int e = s->epoch; // already incremented at the last batch
    if (e < warmup) {
        set_skips(s, 0, 0, 0);
        return;
    }
    if (e == warmup)
        set_skips(s, c->first_global_skip, 1, 1);
    if (e >= c->epochs - c->cooldown_epochs) {
        set_skips(s, 0, 0, 0);
        return;
    }
    bool plateau = plateau_update(&s->detector, loss);
    if (plateau && s->gs > 1) {
        // HeAT divides gs and ls by the factor; with a factor of 3 or more gs could reach 0 and
        // stay there (a blocking sync every batch, with S batches of staleness, for good), so
        // here nothing goes below 1: the cycle reaches gs = 1 and restarts as with the factor 2,
        // for which this is HeAT's rule exactly.
        int f = c->skip_reduction_factor;
        set_skips(s, max_int(s->gs / f, 1), max_int(s->ls / f, 1), max_int(s->S - 1, 1));
    } else if (plateau && s->gs == 1) {
        int k = c->max_global_skips / c->local_skip_factor;
        set_skips(s, c->max_global_skips, k, k);
    }
}

const strategy strategy_daso = {
    .name = "daso",
    .summary = "DASO: node-local gradients, rotating non-blocking parameter sync",
    .start = daso_start,
    .plan = daso_plan,
    .epoch_end = daso_epoch_end,
    .all_blocking = daso_all_blocking,
};

// sim_backend.c: see sim_backend.h.
#include "sim_backend.h"

#include <math.h>   // ceil, NAN
#include <stdlib.h> // free

#include <simgrid/actor.h>     // sg_actor_init, sg_actor_execute, sg_actor_set_host
#include <simgrid/engine.h>    // simgrid_run, simgrid_get_clock
#include <simgrid/host.h>      // sg_host_get_speed
#include <simgrid/semaphore.h> // sg_sem_init, sg_sem_acquire, sg_sem_release

#include "chunk.h"  // chunk_count
#include "util.h"   // mallocCheck, callocCheck, util_die
#include "volume.h" // volume_allreduce, volume_ring_allreduce, volume_hier_allreduce

// ----------------------------------------------------------------------------
// state shared by the actors of one run

typedef struct sim_rank sim_rank;

typedef struct {
    const sim_setup *setup;
    sim_net net;
    sim_comms c;
    sim_rank *ranks;
    double *ready;   // [rank * max_buckets + i]: when bucket i of the rank's gradients was ready
                     // in its last batch (analytic_local)
    int max_buckets;
    bool analytic_local; // setup's closed forms, where the nodes' links are their own
                         // (sim_comms_local_private)
    bool analytic_world; // the flat gradient allreduce in closed form (sim_comms_rings_independent)
    bool analytic_cross; // DASO's global messages in closed form (sim_comms_rings_independent)
    bool analytic_hier;  // the hierarchical gradient allreduce in closed form (the same)
    bool used_local, used_world, used_cross, used_hier; // ... and whether they ran
    bool shared_host;    // every main actor runs on hosts[0] (sim_run)
    double stats[DRIVER_STATS]; // the epoch's sums (sim_stats_sum) ...
    int stats_in;       // ... and the ranks that have added to them
    bool stats_waiting; // rank 0 waits on stats_done for the last of this epoch's ranks
    sg_sem_t stats_done;
    driver_result result;
} sim_state;

// Requests a main actor hands to one of its communication actors: a gradient bucket's allreduce
// over the node, the world or hierarchically; DASO's global message, allreduced over the cross
// communicator as its chunks' rings side by side (sim_allreduce_rings).
typedef enum { REQ_NODE, REQ_WORLD, REQ_HIER, REQ_MESSAGE, REQ_STOP } req_kind;
typedef struct {
    req_kind kind;
    double bytes; // a bucket's, a message's
    double rings; // REQ_MESSAGE: its chunks, one allreduce each
    bool last;    // the main actor waits for this one (a batch's last bucket, a message): the
                  // helper signals the completion of these only
} sim_req;

typedef struct {
    sim_rank *owner;
    sim_channel base; // CH_GRAD_NODE or CH_PARAM_NODE
    sim_req *q;       // FIFO of cap requests
    int cap, head, count;
    sg_sem_t ready;   // released per request posted
    sg_sem_t done;    // released per `last` request completed
} sim_helper;

#define MAX_PENDING 8 // global messages in flight per rank (DASO has at most one)

struct sim_rank {
    sim_state *st;
    int rank, node, local;
    sim_helper grad, param;
    gsl_rng *rng;                    // this GPU's compute-time draws
    double gpu;                      // its persistent multiplier (--gpu-speed-dist)
    double slow;                     // the multiplier of the batch being computed (its draw of
                                     // variability, times its share of a full batch)
    double speed;                    // its host's flop/s
    int n_pending;                   // global messages in flight
    events ev;
    backend be;
};

// ----------------------------------------------------------------------------
// communication actors

static void helper_post(sim_helper *h, sim_req q)
{
    if (h->count == h->cap)
        util_die("rank %d: more than %d communication requests queued", h->owner->rank, h->cap);
    h->q[(h->head + h->count) % h->cap] = q;
    h->count++;
    sg_sem_release(h->ready);
}

// Waits until the helper has completed the next `last` request (and so every one before it).
static void helper_wait(sim_helper *h)
{
    sg_sem_acquire(h->done);
}

static void helper_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sim_helper *h = sg_actor_self_get_data();
    sim_rank *r = h->owner;
    sim_state *st = r->st;
    for (;;) {
        sg_sem_acquire(h->ready);
        sim_req q = h->q[h->head];
        h->head = (h->head + 1) % h->cap;
        h->count--;
        const double cycle = st->setup->horovod_cycle_s;
        if (cycle > 0 && (q.kind == REQ_WORLD || q.kind == REQ_HIER)) {
            // Horovod's background thread negotiates and fuses tensors once per cycle
            double now = simgrid_get_clock();
            sim_sleep(&st->net, sim_cycle_tick(now, cycle) - now);
        }
        switch (q.kind) {
        case REQ_STOP:
            return;
        case REQ_NODE:
            sim_allreduce(&st->net, &st->c.node[r->node], r->local, h->base + CH_NODE, q.bytes,
                          !q.last);
            break;
        case REQ_WORLD:
            sim_allreduce(&st->net, &st->c.world, r->rank, h->base + CH_WORLD, q.bytes, !q.last);
            break;
        case REQ_HIER:
            sim_hier_allreduce(&st->net, &st->c.node[r->node], r->local, &st->c.cross[r->local],
                               r->node, h->base + CH_NODE, q.bytes, !q.last);
            break;
        case REQ_MESSAGE:
            sim_allreduce_rings(&st->net, &st->c.cross[r->local], r->node, h->base + CH_CROSS,
                                q.bytes, q.rings);
            break;
        }
        if (q.last)
            sg_sem_release(h->done);
    }
}

static void helper_start(sim_helper *h, sim_rank *r, sim_channel base, int cap, const char *kind)
{
    *h = (sim_helper){.owner = r, .base = base, .cap = cap, .ready = sg_sem_init(0),
                      .done = sg_sem_init(0)};
    h->q = mallocCheck(sizeof(sim_req) * (size_t)cap);
    char name[32];
    snprintf(name, sizeof name, "%s-%d", kind, r->rank);
    sg_actor_t a = sg_actor_init(name, r->st->setup->hosts[r->rank]);
    sg_actor_set_data(a, h);
    sg_actor_start(a, helper_main, 0, NULL);
}

// ----------------------------------------------------------------------------
// the backend functions, running in a rank's main actor

static double sim_clock(void *ctx)
{
    (void)ctx;
    return simgrid_get_clock();
}

// Runs `seconds` of the reference GPU's compute on this rank's host (nothing for 0 seconds: an
// empty execution would still cost the simulator an activity): an execution, or a sleep of the
// length it would take (sim_backend.h).
static void compute(sim_rank *r, double seconds)
{
    if (seconds <= 0)
        return;
    const double flops = seconds * r->st->setup->model->ref_gpu_flops;
    if (r->st->setup->exec_compute)
        sg_actor_execute(flops);
    else
        sim_sleep(&r->st->net, flops / r->speed);
}

// Forward and backward of this batch, scaled by r->slow (its draw and its share of a full batch).
static void compute_pass(sim_rank *r, double seconds)
{
    compute(r, seconds * r->slow);
}

// Forward and backward, and when each of the k gradient buckets was ready: this rank's row of
// st->ready. With sleeps, at once (one activity instead of k + 1; backward starts where the
// forward's share of the pass ends); with executions, bucket by bucket, since the host's speed may
// change meanwhile. Returns when backward ended.
static double grads_ready(sim_rank *r, events *ev, double t0, double bytes, double bucket, int k)
{
    const profile *m = r->st->setup->model;
    double *mine = r->st->ready + (size_t)r->rank * r->st->max_buckets;
    if (r->st->setup->exec_compute) {
        compute_pass(r, m->forward_s);
        for (int i = 0; i < k; i++) {
            compute_pass(r, m->backward_s * sim_bucket_bytes(bytes, bucket, k, i) / bytes);
            mine[i] = simgrid_get_clock();
        }
    } else {
        compute_pass(r, m->forward_s + m->backward_s);
        const double t1 = simgrid_get_clock(),
                     bwd = (t1 - t0) * m->backward_s / (m->forward_s + m->backward_s);
        double at = t1 - bwd;
        for (int i = 0; i < k; i++) {
            at += bwd * sim_bucket_bytes(bytes, bucket, k, i) / bytes;
            mine[i] = at;
        }
    }
    const double t1 = simgrid_get_clock();
    events_add(ev, EV_COMPUTE, "forward-backward", t0, t1, 0, 0);
    return t1;
}

// Backward with the node-local bucketed allreduce in closed form (sim_backend.h).
static void node_grads_analytic(sim_rank *r, events *ev, double t0, double bytes)
{
    sim_state *st = r->st;
    sim_comm *node = &st->c.node[r->node];
    const double bucket = st->setup->ddp_bucket_bytes;
    const int k = (int)ceil(bytes / bucket);
    const double t1 = grads_ready(r, ev, t0, bytes, bucket, k);
    st->used_local = true;
    for (int i = 0; i < k; i++) // what the ring carries
        st->net.sent_local[r->rank] += 2.0 * (node->n - 1) / node->n * sim_bucket_bytes(bytes, bucket, k, i);
    // a bucket's allreduce starts when every GPU of the node has it ready. The members meet; the
    // last to arrive reads everyone's times, sleeps until the last bucket is reduced and only then
    // joins the meeting, which releases all at that instant: one simcall for the others, not a
    // meeting and a sleep. No member writes its times again before the last has read them.
    if (sim_comm_last(node, CH_GRAD_NODE)) {
        double done = 0;
        for (int i = 0; i < k; i++) {
            double ready = 0;
            for (int m = 0; m < node->n; m++) {
                double t = st->ready[(size_t)node->rank[m] * st->max_buckets + i];
                ready = t > ready ? t : ready;
            }
            done = (ready > done ? ready : done) +
                   sim_allreduce_time(&st->net, node, sim_bucket_bytes(bytes, bucket, k, i));
        }
        sim_sleep(&st->net, done - simgrid_get_clock());
    }
    sim_comm_meet(node, CH_GRAD_NODE);
    events_add(ev, EV_LOCAL, "gradient allreduce (exposed)", t1, simgrid_get_clock(),
               volume_allreduce(bytes, node->n), 0);
}

// Backward with the bucketed gradient allreduce across nodes in closed form, flat (sync, local
// SGD's synchronous epochs) or hierarchical (hier), where its flows cannot slow one another
// (sim_backend.h).
static void global_grads_analytic(sim_rank *r, events *ev, double t0, double bytes, bool hier)
{
    sim_state *st = r->st;
    const sim_setup *s = st->setup;
    const double bucket = s->cfg.bucket_bytes;
    const double t1 = grads_ready(r, ev, t0, bytes, bucket, (int)ceil(bytes / bucket));
    const int nodes = s->cfg.nodes, g = s->cfg.gpus_per_node;
    volume v;
    if (hier) {
        st->used_hier = true;
        sim_hier_buckets_analytic(&st->net, &st->c, r->rank, CH_GRAD_WORLD, st->ready,
                                  st->max_buckets, bytes, bucket, s->horovod_cycle_s);
        v = volume_hier_allreduce(bytes, nodes, g);
    } else {
        st->used_world = true;
        sim_allreduce_buckets_analytic(&st->net, &st->c.world, r->rank, CH_GRAD_WORLD, st->ready,
                                       st->max_buckets, bytes, bucket, s->horovod_cycle_s);
        v = volume_ring_allreduce(bytes, nodes, g);
    }
    events_add(ev, EV_GLOBAL, "gradient allreduce (exposed)", t1, simgrid_get_clock(), v.local,
               v.global);
}

static double sim_train_batch(void *ctx, events *ev, int epoch, int batch, plan_grad grad,
                              floatfmt fmt)
{
    sim_rank *r = ctx;
    const sim_setup *s = r->st->setup;
    const profile *m = s->model;
    if (s->step_overhead_s > 0) { // data loader, Python, launches: before the pass, not slowed
        const double at = simgrid_get_clock();
        sim_sleep(&r->st->net, s->step_overhead_s); // host time: not scaled by the GPU's speed
        events_add(ev, EV_COMPUTE, "step overhead", at, simgrid_get_clock(), 0, 0);
    }
    double t0 = simgrid_get_clock(); // the pass's start: grads_ready splits what follows
    // the batch's draws, and the share of a full batch's samples the epoch's last one holds
    r->slow = r->gpu * variability_factor(s->var, r->rng, r->rank, s->cfg.gpus_per_node, epoch) *
              (batch == s->cfg.last_batch ? s->last_batch_share : 1);
    if (grad == GRAD_NONE) {
        compute_pass(r, m->forward_s + m->backward_s);
        events_add(ev, EV_COMPUTE, "forward-backward", t0, simgrid_get_clock(), 0, 0);
        return s->loss[epoch];
    }
    const double bytes = m->params * floatfmt_bytes(fmt);
    if (grad == GRAD_NODE && r->st->analytic_local) {
        node_grads_analytic(r, ev, t0, bytes);
        return s->loss[epoch];
    }
    if ((grad == GRAD_WORLD && r->st->analytic_world) ||
        (grad == GRAD_HIER && r->st->analytic_hier)) {
        global_grads_analytic(r, ev, t0, bytes, grad == GRAD_HIER);
        return s->loss[epoch];
    }
    // backward in buckets; each bucket's reduction starts as soon as its gradients are ready. The
    // k posts stay back to back and of one kind: the gradient actor's allreduces rely on it
    // (sim_allreduce's `more`)
    compute_pass(r, m->forward_s);
    const double bucket = grad == GRAD_NODE ? s->ddp_bucket_bytes : s->cfg.bucket_bytes;
    const int k = (int)ceil(bytes / bucket);
    const req_kind kind = grad == GRAD_NODE ? REQ_NODE : grad == GRAD_WORLD ? REQ_WORLD : REQ_HIER;
    for (int i = 0; i < k; i++) {
        double b = sim_bucket_bytes(bytes, bucket, k, i);
        compute_pass(r, m->backward_s * b / bytes);
        helper_post(&r->grad, (sim_req){.kind = kind, .bytes = b, .last = i == k - 1});
    }
    double t1 = simgrid_get_clock();
    events_add(ev, EV_COMPUTE, "forward-backward", t0, t1, 0, 0);
    helper_wait(&r->grad);
    const int nodes = s->cfg.nodes, g = s->cfg.gpus_per_node;
    volume v = grad == GRAD_NODE    ? (volume){volume_allreduce(bytes, g), 0}
               : grad == GRAD_WORLD ? volume_ring_allreduce(bytes, nodes, g)
                                    : volume_hier_allreduce(bytes, nodes, g);
    events_add(ev, grad == GRAD_NODE ? EV_LOCAL : EV_GLOBAL, "gradient allreduce (exposed)", t1,
               simgrid_get_clock(), v.local, v.global);
    return s->loss[epoch];
}

static void sim_optimizer_step(void *ctx)
{
    sim_rank *r = ctx;
    compute(r, r->st->setup->model->optimizer_s);
}

static void sim_global_start(void *ctx, floatfmt fmt, size_t chunk_elems)
{
    sim_rank *r = ctx;
    if (r->n_pending == MAX_PENDING)
        util_die("rank %d: more than %d global messages in flight", r->rank, MAX_PENDING);
    sim_state *st = r->st;
    compute(r, st->setup->daso_pack_s);
    // HeAT posts one non-blocking allreduce per chunk, back to back
    const size_t params = (size_t)st->setup->model->params;
    const double bytes = params * floatfmt_bytes(fmt), rings = (double)chunk_count(params, chunk_elems);
    if (st->analytic_cross) {
        st->used_cross = true;
        sim_iallreduce_analytic_start(&st->net, &st->c.cross[r->local], r->node, bytes, rings);
    } else
        helper_post(&r->param, (sim_req){.kind = REQ_MESSAGE, .bytes = bytes, .rings = rings,
                                         .last = true});
    r->n_pending++;
}

static void sim_global_finish(void *ctx, double w_local, double w_sum)
{
    (void)w_local;
    (void)w_sum;
    sim_rank *r = ctx;
    if (r->n_pending == 0)
        util_die("rank %d: global finish without a message in flight", r->rank);
    if (r->st->analytic_cross)
        sim_iallreduce_analytic_wait(&r->st->net, &r->st->c.cross[r->local], r->node);
    else
        helper_wait(&r->param);
    compute(r, r->st->setup->daso_pack_s); // the merge reads and writes every parameter too
    r->n_pending--;
}

static void sim_node_bcast(void *ctx, int root)
{
    sim_rank *r = ctx;
    sim_state *st = r->st;
    const double bytes = st->setup->model->params * 4;
    if (st->analytic_local)
        sim_bcast_analytic(&st->net, &st->c.node[r->node], r->local, root, bytes);
    else
        sim_bcast(&st->net, &st->c.node[r->node], r->local, root, CH_MAIN_NODE, bytes);
}

static void sim_world_param_avg(void *ctx, floatfmt fmt)
{
    sim_rank *r = ctx;
    sim_state *st = r->st;
    if (st->shared_host) // its messages leave from its GPU
        sg_actor_set_host(sg_actor_self(), st->setup->hosts[r->rank]);
    sim_hier_allreduce(&st->net, &st->c.node[r->node], r->local, &st->c.cross[r->local], r->node,
                       CH_MAIN_NODE, st->setup->model->params * floatfmt_bytes(fmt), false);
    if (st->shared_host)
        sg_actor_set_host(sg_actor_self(), st->setup->hosts[0]);
}

static double sim_world_mean(void *ctx, double x)
{
    sim_rank *r = ctx;
    sim_small_allreduce(&r->st->net, &r->st->c.world, r->rank, CH_MAIN_WORLD);
    return x; // every simulated rank reports the same loss of the curve
}

// Sums over ranks in shared memory, at no simulated time. Only rank 0 waits, for the last rank to
// add its values; the others go on. Rank 0 reads and clears the sums before the next epoch's loss
// allreduce, which every rank must pass before it adds to them again.
static void sim_stats_sum(void *ctx, double *v, int n)
{
    sim_rank *r = ctx;
    sim_state *st = r->st;
    if (n < 0 || n > DRIVER_STATS)
        util_die("stats_sum: %d values, the buffer holds %d (DRIVER_STATS)", n, DRIVER_STATS);
    for (int i = 0; i < n; i++)
        st->stats[i] += v[i];
    if (++st->stats_in == r->be.world && st->stats_waiting)
        sg_sem_release(st->stats_done);
    if (r->rank != 0)
        return;
    if (st->stats_in < r->be.world) {
        st->stats_waiting = true;
        sg_sem_acquire(st->stats_done);
        st->stats_waiting = false;
    }
    st->stats_in = 0;
    for (int i = 0; i < n; i++) {
        v[i] = st->stats[i];
        st->stats[i] = 0;
    }
}

static double sim_evaluate(void *ctx)
{
    (void)ctx;
    return NAN; // no model is trained: accuracy comes from daso-train
}

// ----------------------------------------------------------------------------
// actors and the run

static void rank_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    sim_rank *r = sg_actor_self_get_data();
    const sim_setup *s = r->st->setup;
    bool rank0 = r->rank == 0;
    driver_output out = {.csv = rank0 ? s->csv : NULL, .breakdown = rank0 ? s->breakdown : NULL,
                         .progress = s->progress};
    sched sc;
    sched_init(&sc, &s->cfg);
    driver_result res = {0};
    driver_run(&r->be, &sc, &r->ev, &out, &res);
    if (rank0)
        r->st->result = res;
    if (r->grad.q)
        helper_post(&r->grad, (sim_req){.kind = REQ_STOP});
    if (r->param.q)
        helper_post(&r->param, (sim_req){.kind = REQ_STOP});
}

void sim_run(const sim_setup *s, sim_result *res)
{
    const int nodes = s->cfg.nodes, g = s->cfg.gpus_per_node, world = nodes * g;
    const strategy *strat = sched_find_strategy(s->cfg.strategy);
    const bool daso = strat == &strategy_daso;
    sim_state st = {.setup = s};
    sim_net_init(&st.net, world, g, s->fidelity, s->hosts);
    st.net.step_s = s->ring_step_s;

    sim_comms_init(&st.c, nodes, g);
    simgrid_run(); // no actor yet: seals the platform, so that routes can be queried (a plugin
                   // such as host_energy reports this empty run too)
    st.analytic_local = s->closed_forms && sim_comms_local_private(&st.net, &st.c);
    st.analytic_world = s->closed_forms && s->fidelity == FIDELITY_FLOW && strat->global_grads &&
                        world > 1 && sim_comms_rings_independent(&st.net, &st.c.world, 1);
    // DASO's cross rings carry nothing but its global messages, its node-local traffic keeping to
    // the nodes' own links (analytic_local): where their flows cannot slow one another, a message
    // takes what its flows take alone
    st.analytic_cross = daso && st.analytic_local && s->fidelity == FIDELITY_FLOW &&
                        sim_comms_rings_independent(&st.net, st.c.cross, g);
    // hier's cross rings likewise carry nothing but its slices
    st.analytic_hier = !daso && strat->global_grads && st.analytic_local &&
                       s->fidelity == FIDELITY_FLOW &&
                       sim_comms_rings_independent(&st.net, st.c.cross, g);
    // gradient actors carry bucketed allreduces; node-local ones in closed form need none
    const bool grad_actors = strat->global_grads || !st.analytic_local;
    // A main actor that computes in sleeps and whose node-local collectives are closed forms
    // sends nothing itself (but in world_param_avg) and nothing watches its host: all run on one
    // host, so that SimGrid's bookkeeping of every sleep and wait (an action on the host's CPU, a
    // check that the host is on) touches one host's objects instead of one per GPU: -10% CPU at
    // 1024 GPUs. Its compute still takes its own GPU's speed (compute()).
    st.shared_host = !s->exec_compute && st.analytic_local;
    st.stats_done = sg_sem_init(0);

    // queue capacities: every gradient bucket of a batch, every global message in flight
    const double max_bucket = s->ddp_bucket_bytes < s->cfg.bucket_bytes ? s->ddp_bucket_bytes
                                                                        : s->cfg.bucket_bytes;
    const int grad_cap = (int)ceil(s->model->params * 4 / max_bucket) + 1;
    st.max_buckets = grad_cap;
    st.ready = mallocCheck(sizeof(double) * (size_t)world * (size_t)grad_cap);
    const int param_cap = MAX_PENDING + 1;

    st.ranks = callocCheck((size_t)world, sizeof(sim_rank));
    double *gpu = variability_gpu_factors(s->var, world);
    for (int i = 0; i < world; i++) {
        sim_rank *r = &st.ranks[i];
        *r = (sim_rank){.st = &st, .rank = i, .node = i / g, .local = i % g,
                        .speed = sg_host_get_speed(s->hosts[i]), .rng = variability_rng(s->var, i),
                        .gpu = gpu[i]};
        r->be = (backend){.ctx = r, .rank = i, .world = world, .gpus_per_node = g,
                          .params = (size_t)s->model->params, .clock = sim_clock,
                          .train_batch = sim_train_batch, .optimizer_step = sim_optimizer_step,
                          .global_start = sim_global_start, .global_finish = sim_global_finish,
                          .node_bcast = sim_node_bcast, .world_param_avg = sim_world_param_avg,
                          .world_mean = sim_world_mean, .stats_sum = sim_stats_sum,
                          .evaluate = sim_evaluate};
        events_init(&r->ev, i, g, s->trace);
        if (s->trace)
            trace_name_rank(s->trace, i, g);
        char name[32];
        snprintf(name, sizeof name, "gpu-%d", i);
        sg_actor_t a = sg_actor_init(name, s->hosts[st.shared_host ? 0 : i]);
        sg_actor_set_data(a, r);
        sg_actor_start(a, rank_main, 0, NULL);
        if (grad_actors)
            helper_start(&r->grad, r, CH_GRAD_NODE, grad_cap, "grad");
        if (daso && !st.analytic_cross)
            helper_start(&r->param, r, CH_PARAM_NODE, param_cap, "param");
    }
    free(gpu);

    simgrid_run();

    *res = (sim_result){.run = st.result, .closed_local = st.used_local,
                        .closed_world = st.used_world, .closed_cross = st.used_cross,
                        .closed_hier = st.used_hier};
    for (int i = 0; i < world; i++) {
        res->sent_local += st.net.sent_local[i];
        res->sent_global += st.net.sent_global[i];
        gsl_rng_free(st.ranks[i].rng);
        sim_helper *helpers[2] = {&st.ranks[i].grad, &st.ranks[i].param};
        for (int k = 0; k < 2; k++) {
            sim_helper *h = helpers[k];
            if (h->q) {
                sg_sem_destroy(h->ready);
                sg_sem_destroy(h->done);
                free(h->q);
            }
        }
    }
    free(st.ranks);
    free(st.ready);
    sim_comms_free(&st.c);
    sg_sem_destroy(st.stats_done);
    sim_net_free(&st.net);
}

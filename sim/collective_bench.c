// collective_bench.c: see collective_bench.h.
#include "collective_bench.h"

#include <stdlib.h> // free

#include <simgrid/actor.h>   // sg_actor_init, sg_actor_start
#include <simgrid/barrier.h> // sg_barrier_wait
#include <simgrid/comm.h>    // sg_comm_wait_all
#include <simgrid/engine.h>  // simgrid_run, simgrid_get_clock
#include <simgrid/mailbox.h> // sg_mailbox_put_async, sg_mailbox_get_async

#include "util.h" // mallocCheck

typedef struct {
    const collective_bench *b;
    sim_net net;
    sim_comms c;
    sg_bar_t barrier;
    double *start, *end; // per size: common start, completion of the last GPU
    int *peer;           // pair modes, per rank: the rank it exchanges with (-1: none) ...
    bool *sends, *recvs; // ... whether it sends to it, receives from it
} bench_state;

typedef struct {
    bench_state *st;
    int rank;
} bench_rank;

static const char *const bench_names[] = {"allreduce", "bcast", "p2p", "bidir", "bisection"};

const char *collective_bench_name(bench_kind kind)
{
    return bench_names[kind];
}

// Completion of the caller's part of size i: the last GPU's is the measurement's end.
static void bench_done(bench_state *st, int i)
{
    double now = simgrid_get_clock();
    if (now > st->end[i])
        st->end[i] = now;
}

// A pair mode's GPU: per size, after a common start, its message to its peer and the peer's to it
// at once, as it sends and receives.
static void pair_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    static char payload; // messages carry no data, only their simulated size
    static void *got;    // the payload pointer is never read
    bench_rank *me = sg_actor_self_get_data();
    bench_state *st = me->st;
    const int peer = st->peer[me->rank];
    sg_mailbox_t to = st->net.mbox[peer * SIM_CHANNELS + CH_MAIN_WORLD],
                 from = st->net.mbox[me->rank * SIM_CHANNELS + CH_MAIN_WORLD];
    for (int i = 0; i < st->b->n_sizes; i++) {
        sg_barrier_wait(st->barrier);
        st->start[i] = simgrid_get_clock(); // the same for every GPU
        sg_comm_t io[2];
        size_t k = 0;
        if (st->sends[me->rank])
            io[k++] = sg_mailbox_put_async(to, &payload, (long)st->b->bytes[i]);
        if (st->recvs[me->rank])
            io[k++] = sg_mailbox_get_async(from, &got);
        sg_comm_wait_all(io, k);
        bench_done(st, i);
    }
}

static void bench_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    bench_rank *me = sg_actor_self_get_data();
    bench_state *st = me->st;
    const collective_bench *b = st->b;
    const bool bcast = b->kind == BENCH_BCAST;
    const int g = b->gpus_per_node, node = me->rank / g, local = me->rank % g;
    for (int i = 0; i < b->n_sizes; i++) {
        sg_barrier_wait(st->barrier);
        if (me->rank == 0)
            st->start[i] = simgrid_get_clock();
        double bytes = b->bytes[i];
        if (!bcast && !b->hier)
            sim_allreduce(&st->net, &st->c.world, me->rank, CH_MAIN_WORLD, bytes, false);
        else if (!bcast)
            sim_hier_allreduce(&st->net, &st->c.node[node], local, &st->c.cross[local], node,
                               CH_MAIN_NODE, bytes, false);
        else if (!b->hier)
            sim_ring_bcast(&st->net, &st->c.world, me->rank, CH_MAIN_WORLD, bytes);
        else { // across nodes among the GPUs 0, then inside every node
            if (local == 0)
                sim_ring_bcast(&st->net, &st->c.cross[0], node, CH_MAIN_CROSS, bytes);
            sim_bcast(&st->net, &st->c.node[node], local, 0, CH_MAIN_NODE, bytes);
        }
        bench_done(st, i);
    }
}

// A pair mode's exchanges: rank a sends to b, and b to a if both ways.
static void pair_set(bench_state *st, int a, int b, bool both_ways)
{
    st->peer[a] = b;
    st->peer[b] = a;
    st->sends[a] = st->recvs[b] = true;
    st->sends[b] = st->recvs[a] = both_ways;
}

// Which GPUs exchange with which in a pair mode; returns how many take part.
static int pairs_init(bench_state *st)
{
    const collective_bench *b = st->b;
    const int g = b->gpus_per_node, world = b->nodes * g;
    st->peer = mallocCheck(sizeof(int) * (size_t)world);
    st->sends = callocCheck((size_t)world, sizeof(bool));
    st->recvs = callocCheck((size_t)world, sizeof(bool));
    for (int r = 0; r < world; r++)
        st->peer[r] = -1;
    if (b->kind != BENCH_BISECTION) {
        pair_set(st, 0, b->inter ? g : 1, b->kind == BENCH_BIDIR);
        return 2;
    }
    for (int r = 0; r < world / 2; r++)
        pair_set(st, r, r + world / 2, true);
    return world;
}

static void write_results(const bench_state *st, FILE *out)
{
    const collective_bench *b = st->b;
    const int g = b->gpus_per_node, nodes = b->nodes, world = nodes * g;
    const bool pairs = b->kind >= BENCH_P2P;
    if (!pairs)
        fprintf(out, "# collective %s algo %s nodes %d gpus_per_node %d fidelity %s\n",
                bench_names[b->kind], b->hier ? "hier" : "ring", nodes, g,
                b->fidelity == FIDELITY_STEP ? "step" : "flow");
    else if (b->kind == BENCH_BISECTION)
        fprintf(out, "# collective bisection pairs %d nodes %d gpus_per_node %d\n", world / 2,
                nodes, g);
    else
        fprintf(out, "# collective %s pair %s nodes %d gpus_per_node %d\n", bench_names[b->kind],
                b->inter ? "inter" : "intra", nodes, g);
    fprintf(out, pairs ? "# bytes time_s GBps\n" : "# bytes time_s algbw_GBps busbw_GBps\n");
    // bytes counted per row: every message of every direction and pair
    const double messages = b->kind == BENCH_P2P ? 1 : b->kind == BENCH_BIDIR ? 2 : world;
    for (int i = 0; i < b->n_sizes; i++) {
        double t = st->end[i] - st->start[i];
        double bw = t > 0 ? (pairs ? messages : 1) * b->bytes[i] / t / 1e9 : 0;
        if (pairs)
            fprintf(out, "%.0f %.9g %.6g\n", b->bytes[i], t, bw);
        else
            fprintf(out, "%.0f %.9g %.6g %.6g\n", b->bytes[i], t, bw,
                    bw * (b->kind == BENCH_BCAST ? 1.0 : 2.0 * (world - 1) / world));
    }
}

void collective_bench_run(const collective_bench *b, FILE *out)
{
    const int g = b->gpus_per_node, nodes = b->nodes, world = nodes * g;
    const bool pairs = b->kind >= BENCH_P2P;
    bench_state st = {.b = b};
    sim_net_init(&st.net, world, g, b->fidelity, b->hosts);
    st.net.step_s = b->ring_step_s;
    sim_comms_init(&st.c, nodes, g);
    const int taking_part = pairs ? pairs_init(&st) : world;
    st.barrier = sg_barrier_init((unsigned)taking_part);
    st.start = callocCheck((size_t)b->n_sizes, sizeof(double));
    st.end = callocCheck((size_t)b->n_sizes, sizeof(double));
    bench_rank *rk = mallocCheck(sizeof(bench_rank) * (size_t)world);
    for (int i = 0; i < world; i++) {
        if (pairs && st.peer[i] < 0)
            continue;
        rk[i] = (bench_rank){&st, i};
        char name[32];
        snprintf(name, sizeof name, "gpu-%d", i);
        sg_actor_t a = sg_actor_init(name, b->hosts[i]);
        sg_actor_set_data(a, &rk[i]);
        sg_actor_start(a, pairs ? pair_main : bench_main, 0, NULL);
    }
    simgrid_run();
    write_results(&st, out);
    free(rk);
    free(st.start);
    free(st.end);
    free(st.peer);
    free(st.sends);
    free(st.recvs);
    sg_barrier_destroy(st.barrier);
    sim_comms_free(&st.c);
    sim_net_free(&st.net);
}

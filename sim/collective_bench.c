// collective_bench.c: see collective_bench.h.
#include "collective_bench.h"

#include <stdlib.h> // free

#include <simgrid/actor.h>   // sg_actor_init, sg_actor_start
#include <simgrid/barrier.h> // sg_barrier_wait
#include <simgrid/engine.h>  // simgrid_run, simgrid_get_clock

#include "util.h" // mallocCheck

typedef struct {
    const collective_bench *b;
    sim_net net;
    sim_comms c;
    sg_bar_t barrier;
    double *start, *end; // per size: common start, completion of the last GPU
} bench_state;

typedef struct {
    bench_state *st;
    int rank;
} bench_rank;

static void bench_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    bench_rank *me = sg_actor_self_get_data();
    bench_state *st = me->st;
    const collective_bench *b = st->b;
    const int g = b->gpus_per_node, node = me->rank / g, local = me->rank % g;
    for (int i = 0; i < b->n_sizes; i++) {
        sg_barrier_wait(st->barrier);
        if (me->rank == 0)
            st->start[i] = simgrid_get_clock();
        double bytes = b->bytes[i];
        if (!b->bcast && !b->hier)
            sim_allreduce(&st->net, &st->c.world, me->rank, CH_MAIN_WORLD, bytes, false);
        else if (!b->bcast)
            sim_hier_allreduce(&st->net, &st->c.node[node], local, &st->c.cross[local], node,
                               CH_MAIN_NODE, bytes, false);
        else if (!b->hier)
            sim_ring_bcast(&st->net, &st->c.world, me->rank, CH_MAIN_WORLD, bytes);
        else { // across nodes among the GPUs 0, then inside every node
            if (local == 0)
                sim_ring_bcast(&st->net, &st->c.cross[0], node, CH_MAIN_CROSS, bytes);
            sim_bcast(&st->net, &st->c.node[node], local, 0, CH_MAIN_NODE, bytes);
        }
        double now = simgrid_get_clock();
        if (now > st->end[i])
            st->end[i] = now;
    }
}

void collective_bench_run(const collective_bench *b, FILE *out)
{
    const int g = b->gpus_per_node, nodes = b->nodes, world = nodes * g;
    bench_state st = {.b = b};
    sim_net_init(&st.net, world, g, b->fidelity, b->hosts);
    st.net.step_s = b->ring_step_s;
    sim_comms_init(&st.c, nodes, g);
    st.barrier = sg_barrier_init((unsigned)world);
    st.start = callocCheck((size_t)b->n_sizes, sizeof(double));
    st.end = callocCheck((size_t)b->n_sizes, sizeof(double));
    bench_rank *rk = mallocCheck(sizeof(bench_rank) * (size_t)world);
    for (int i = 0; i < world; i++) {
        rk[i] = (bench_rank){&st, i};
        char name[32];
        snprintf(name, sizeof name, "gpu-%d", i);
        sg_actor_t a = sg_actor_init(name, b->hosts[i]);
        sg_actor_set_data(a, &rk[i]);
        sg_actor_start(a, bench_main, 0, NULL);
    }
    simgrid_run();

    fprintf(out, "# collective %s algo %s nodes %d gpus_per_node %d fidelity %s\n",
            b->bcast ? "bcast" : "allreduce", b->hier ? "hier" : "ring", nodes, g,
            b->fidelity == FIDELITY_STEP ? "step" : "flow");
    fprintf(out, "# bytes time_s algbw_GBps busbw_GBps\n");
    for (int i = 0; i < b->n_sizes; i++) {
        double t = st.end[i] - st.start[i];
        double algbw = t > 0 ? b->bytes[i] / t / 1e9 : 0;
        double factor = b->bcast ? 1.0 : 2.0 * (world - 1) / world;
        fprintf(out, "%.0f %.9g %.6g %.6g\n", b->bytes[i], t, algbw, algbw * factor);
    }
    free(rk);
    free(st.start);
    free(st.end);
    sg_barrier_destroy(st.barrier);
    sim_comms_free(&st.c);
    sim_net_free(&st.net);
}

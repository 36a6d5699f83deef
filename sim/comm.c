// comm.c: see comm.h.
#include "comm.h"

#include <math.h>   // ceil, log2, INFINITY
#include <stdio.h>  // snprintf
#include <stdlib.h> // free

#include <simgrid/actor.h>   // sg_actor_sleep_for
#include <simgrid/barrier.h> // sg_barrier_init, sg_barrier_wait
#include <simgrid/comm.h>    // sg_comm_wait_all
#include <simgrid/host.h>    // sg_host_get_route_latency
#include <simgrid/mailbox.h> // sg_mailbox_put_async, sg_mailbox_get_async

#include <xbt/config.h>        // sg_cfg_get_double

#include "util.h" // mallocCheck

static char payload; // messages carry no data, only their simulated size

#define SMALL_BYTES 8.0 // a small allreduce's message: one double

void sim_net_init(sim_net *w, int world, int gpus_per_node, sim_fidelity fidelity,
                  sg_host_t *hosts)
{
    w->world = world;
    w->gpus_per_node = gpus_per_node;
    w->fidelity = fidelity;
    w->host = hosts;
    w->mbox = mallocCheck(sizeof(sg_mailbox_t) * (size_t)world * SIM_CHANNELS);
    for (int r = 0; r < world; r++)
        for (int ch = 0; ch < SIM_CHANNELS; ch++) {
            char name[32];
            snprintf(name, sizeof name, "r%d-c%d", r, ch);
            w->mbox[r * SIM_CHANNELS + ch] = sg_mailbox_by_name(name);
        }
    w->sent_local = callocCheck((size_t)world, sizeof(double));
    w->sent_global = callocCheck((size_t)world, sizeof(double));
    w->step_s = 0;
}

void sim_net_free(sim_net *w)
{
    free(w->mbox);
    free(w->sent_local);
    free(w->sent_global);
}

void sim_comm_init(sim_comm *c, int n, const int *ranks)
{
    c->n = n;
    c->rank = mallocCheck(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        c->rank[i] = ranks[i];
    c->routes_known = false;
    c->edge_lat = mallocCheck(sizeof(double) * (size_t)n);
    c->edge_bw = mallocCheck(sizeof(double) * (size_t)n);
    c->max_lat = 0;
    c->min_bw = INFINITY;
    for (int k = 0; k < SIM_ACTOR_KINDS; k++)
        c->bar[k] = sg_barrier_init((unsigned)n);
}

void sim_comm_meet(sim_comm *c, sim_channel ch)
{
    if (c->n > 1)
        sg_barrier_wait(c->bar[ch / SIM_ACTOR_KINDS]);
}

void sim_comm_free(sim_comm *c)
{
    for (int k = 0; k < SIM_ACTOR_KINDS; k++)
        sg_barrier_destroy(c->bar[k]);
    free(c->rank);
    free(c->edge_lat);
    free(c->edge_bw);
}

void sim_comms_init(sim_comms *t, int nodes, int gpus_per_node)
{
    const int g = gpus_per_node, world = nodes * g;
    t->nodes = nodes;
    t->gpus_per_node = g;
    int *ranks = mallocCheck(sizeof(int) * (size_t)world);
    for (int i = 0; i < world; i++)
        ranks[i] = i;
    sim_comm_init(&t->world, world, ranks);
    t->node = mallocCheck(sizeof(sim_comm) * (size_t)nodes);
    for (int n = 0; n < nodes; n++)
        sim_comm_init(&t->node[n], g, ranks + n * g);
    t->cross = mallocCheck(sizeof(sim_comm) * (size_t)g);
    for (int l = 0; l < g; l++) {
        for (int n = 0; n < nodes; n++)
            ranks[n] = n * g + l;
        sim_comm_init(&t->cross[l], nodes, ranks);
    }
    free(ranks);
}

void sim_comms_free(sim_comms *t)
{
    for (int n = 0; n < t->nodes; n++)
        sim_comm_free(&t->node[n]);
    for (int l = 0; l < t->gpus_per_node; l++)
        sim_comm_free(&t->cross[l]);
    sim_comm_free(&t->world);
    free(t->node);
    free(t->cross);
}

// ----------------------------------------------------------------------------
// point to point

static void count_sent(sim_net *w, int from, int to, double bytes)
{
    if (from / w->gpus_per_node == to / w->gpus_per_node)
        w->sent_local[from] += bytes;
    else
        w->sent_global[from] += bytes;
}

static sg_comm_t put(sim_net *w, int from, int to, sim_channel ch, double bytes)
{
    count_sent(w, from, to, bytes);
    return sg_mailbox_put_async(w->mbox[to * SIM_CHANNELS + ch], &payload, (long)ceil(bytes));
}

static sg_comm_t get(sim_net *w, int me, sim_channel ch)
{
    static void *got; // the payload pointer is never read
    return sg_mailbox_get_async(w->mbox[me * SIM_CHANNELS + ch], &got);
}

// Routes can only be queried once the simulation runs (SimGrid 3.32 crashes on Dijkstra zones
// before): done by the first member that needs them. The network model's latency and bandwidth
// factors (--cfg=network/latency-factor, network/bandwidth-factor; LV08 sets its own) apply as
// they do to every message.
static void ring_routes(sim_net *w, sim_comm *c)
{
    if (c->routes_known)
        return;
    const double lat_factor = sg_cfg_get_double("network/latency-factor");
    const double bw_factor = sg_cfg_get_double("network/bandwidth-factor");
    for (int i = 0; i < c->n; i++) {
        sg_host_t from = w->host[c->rank[i]], to = w->host[c->rank[(i + 1) % c->n]];
        double l = sg_host_get_route_latency(from, to) * lat_factor;
        double b = sg_host_get_route_bandwidth(from, to) * bw_factor;
        c->edge_lat[(i + 1) % c->n] = l;
        c->edge_bw[(i + 1) % c->n] = b;
        if (l > c->max_lat)
            c->max_lat = l;
        if (b < c->min_bw)
            c->min_bw = b;
    }
    c->routes_known = true;
}

static double ring_latency(sim_net *w, sim_comm *c)
{
    ring_routes(w, c);
    return c->max_lat;
}

double sim_allreduce_time(sim_net *w, sim_comm *c, double bytes)
{
    if (c->n < 2)
        return 0;
    ring_routes(w, c);
    return 2.0 * (c->n - 1) * (c->max_lat + w->step_s + bytes / c->n / c->min_bw);
}

// `steps` ring steps of `chunk` bytes to the right neighbour, receiving as many from the left.
static void ring_pass(sim_net *w, sim_comm *c, int me, sim_channel ch, double chunk, int steps)
{
    if (c->n < 2 || steps < 1)
        return;
    const int self = c->rank[me], right = c->rank[(me + 1) % c->n];
    if (w->fidelity == FIDELITY_STEP) {
        for (int s = 0; s < steps; s++) {
            sg_comm_t io[2] = {put(w, self, right, ch, chunk), get(w, self, ch)};
            sg_comm_wait_all(io, 2); // releases both handles
            if (w->step_s > 0)
                sg_actor_sleep_for(w->step_s);
        }
        return;
    }
    sim_comm_meet(c, ch);
    sg_comm_t io[2] = {put(w, self, right, ch, chunk * steps), get(w, self, ch)};
    sg_comm_wait_all(io, 2);
    // the flow paid one route latency; a ring step waits for its slowest edge every step
    sg_actor_sleep_for((steps - 1) * ring_latency(w, c) + steps * w->step_s);
}

// ----------------------------------------------------------------------------
// collectives

void sim_allreduce(sim_net *w, sim_comm *c, int me, sim_channel ch, double bytes)
{
    ring_pass(w, c, me, ch, bytes / c->n, 2 * (c->n - 1));
}

void sim_hier_allreduce(sim_net *w, sim_comm *node, int me_node, sim_comm *cross, int me_cross,
                        sim_channel ch, double bytes)
{
    const int g = node->n;
    ring_pass(w, node, me_node, ch, bytes / g, g - 1); // reduce-scatter
    sim_allreduce(w, cross, me_cross, ch - CH_NODE + CH_CROSS, bytes / g);
    ring_pass(w, node, me_node, ch, bytes / g, g - 1); // allgather
}

void sim_bcast(sim_net *w, sim_comm *c, int me, int root, sim_channel ch, double bytes)
{
    const int self = c->rank[me];
    if (c->n < 2)
        return;
    if (me != root) {
        sg_comm_t in = get(w, self, ch);
        sg_comm_wait(in);
        return;
    }
    sg_comm_t out[c->n - 1];
    int k = 0;
    for (int i = 0; i < c->n; i++)
        if (i != root)
            out[k++] = put(w, self, c->rank[i], ch, bytes);
    sg_comm_wait_all(out, (size_t)k);
}

void sim_ring_bcast(sim_net *w, sim_comm *c, int me, sim_channel ch, double bytes)
{
    const int n = c->n, self = c->rank[me], right = c->rank[(me + 1) % n];
    if (n < 2)
        return;
    const bool last = me == n - 1;
    if (w->fidelity == FIDELITY_FLOW) { // every edge streams at once; the pipeline fills in
        sg_comm_t io[2];                  // n - 1 latencies, paid by the last member
        size_t k = 0;
        if (me > 0)
            io[k++] = get(w, self, ch);
        if (!last)
            io[k++] = put(w, self, right, ch, bytes);
        sg_comm_wait_all(io, k);
        if (last)
            sg_actor_sleep_for((n - 2) * ring_latency(w, c));
        return;
    }
    // step: the message cut in n chunks, each forwarded as soon as it arrives
    for (int k = 0; k < n; k++) {
        if (me > 0)
            sg_comm_wait(get(w, self, ch));
        if (!last)
            sg_comm_wait(put(w, self, right, ch, bytes / n));
    }
}

void sim_small_allreduce(sim_net *w, sim_comm *c, int me, sim_channel ch)
{
    if (c->n < 2)
        return;
    const int self = c->rank[me], right = c->rank[(me + 1) % c->n];
    const int steps = 2 * (int)ceil(log2(c->n));
    ring_routes(w, c);
    sim_comm_meet(c, ch);
    count_sent(w, self, right, SMALL_BYTES);
    const int out = (me + 1) % c->n;
    const double in_s = c->edge_lat[me] + SMALL_BYTES / c->edge_bw[me];
    const double out_s = c->edge_lat[out] + SMALL_BYTES / c->edge_bw[out];
    sg_actor_sleep_for((in_s > out_s ? in_s : out_s) + (steps - 1) * c->max_lat + steps * w->step_s);
}

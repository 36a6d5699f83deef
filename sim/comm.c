// comm.c: see comm.h.
#include "comm.h"

#include <math.h>   // ceil, log2, isnan, INFINITY, NAN
#include <stdio.h>  // snprintf
#include <stdint.h> // uintptr_t
#include <stdlib.h> // free, bsearch

#include <simgrid/actor.h>     // sg_actor_sleep_for
#include <simgrid/barrier.h>   // sg_barrier_init, sg_barrier_wait
#include <simgrid/comm.h>      // sg_comm_wait_all
#include <simgrid/engine.h>    // simgrid_get_clock
#include <simgrid/host.h>      // sg_host_get_route, sg_host_get_route_latency
#include <simgrid/link.h>      // sg_link_is_shared
#include <simgrid/mailbox.h>   // sg_mailbox_put_async, sg_mailbox_get_async
#include <simgrid/semaphore.h> // sg_sem_init, sg_sem_acquire, sg_sem_release

#include <xbt/config.h> // sg_cfg_get_double
#include <xbt/dynar.h>  // xbt_dynar_new, xbt_dynar_get_as, xbt_dynar_push_as (routes' link lists)

#include "util.h" // mallocCheck, callocCheck, util_die

static char payload; // messages carry no data, only their simulated size

#define SMALL_BYTES 8.0 // a small allreduce's message: one double

// With network/crosstraffic a flow also loads the links of its reverse route, with 1/20 (5%) of
// its rate (SimGrid's CM02).
#define CROSSTRAFFIC_BACK 20

// Broadcasts of one communicator in progress at once, at most. DASO has at most 3 between two
// node-wide meetings (a receive batch's, then a send batch's two) and a send batch always has a
// node-local allreduce; a schedule that needed more stops with a message, it cannot go wrong.
#define BCAST_SLOTS 4

// Allreduces of sim_iallreduce_analytic in progress at once, at most: a member posts its next only
// after it has waited for its last, which needed every member's post; so two (some members still
// leaving one, others entering the next).
#define IALLREDUCE_SLOTS 2

// One allreduce of sim_iallreduce_analytic, from its first post to the last member's wait.
struct sim_iallreduce_slot {
    long seq;          // which allreduce of the communicator (-1: free)
    double bytes, rings;
    double t_start;    // when the last member posted: the flows start
    int posted, left;  // members that have posted, that have waited
    int waiting;       // members blocked until the last posts
    sg_sem_t all_here;
};

// One broadcast of sim_bcast_analytic, from the first member that enters it to the last that
// leaves it.
struct sim_bcast_slot {
    long seq;          // which broadcast of the communicator (-1: free)
    double t_root;     // when the root arrived (NAN: not yet)
    double *t;         // [member]: when it arrived
    int arrived, left; // receivers arrived, members gone
    int waiting;       // receivers blocked until the root arrives
    bool root_waits;   // the root is blocked until every receiver has arrived
    sg_sem_t root_here, all_here;
};

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
    w->min_sleep_s = sg_cfg_get_double("surf/precision");
    w->crosstraffic = sg_cfg_get_boolean("network/crosstraffic");
}

void sim_sleep(const sim_net *w, double seconds)
{
    if (seconds >= w->min_sleep_s)
        sg_actor_sleep_for(seconds);
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
    c->edge_late = callocCheck((size_t)n, sizeof(double));
    c->edge_alone = callocCheck((size_t)n, sizeof(double));
    c->max_lat = 0;
    c->min_bw = INFINITY;
    c->pair_lat = c->pair_bw = NULL;
    c->last_start = 0;
    c->islot = NULL;
    c->slot = NULL;
    c->entered = NULL;
    for (int k = 0; k < SIM_ACTOR_KINDS; k++) {
        c->bar[k] = sg_barrier_init((unsigned)n);
        c->arrived[k] = 0;
    }
}

bool sim_comm_last(sim_comm *c, sim_channel ch)
{
    const int kind = ch / SIM_ACTOR_KINDS;
    if (++c->arrived[kind] < c->n)
        return false;
    c->arrived[kind] = 0;
    return true;
}

void sim_comm_meet(sim_comm *c, sim_channel ch)
{
    if (c->n > 1)
        sg_barrier_wait(c->bar[ch / SIM_ACTOR_KINDS]);
}

void sim_comm_free(sim_comm *c)
{
    for (int k = 0; k < SIM_ACTOR_KINDS; k++) {
        if (c->arrived[k] != 0) // a sim_comm_last round that not every member joined
            util_die("%d of %d members left a meeting unfinished", c->arrived[k], c->n);
        sg_barrier_destroy(c->bar[k]);
    }
    if (c->islot) {
        for (int k = 0; k < IALLREDUCE_SLOTS; k++) {
            if (c->islot[k].seq >= 0)
                util_die("allreduce %ld of %d members left unfinished", c->islot[k].seq, c->n);
            sg_sem_destroy(c->islot[k].all_here);
        }
        free(c->islot);
        free(c->posted);
        free(c->waited);
    }
    free(c->rank);
    free(c->edge_lat);
    free(c->edge_bw);
    free(c->edge_late);
    free(c->edge_alone);
    if (c->slot) {
        for (int k = 0; k < BCAST_SLOTS; k++) {
            sg_sem_destroy(c->slot[k].root_here);
            sg_sem_destroy(c->slot[k].all_here);
            free(c->slot[k].t);
        }
        free(c->slot);
        free(c->pair_lat);
        free(c->pair_bw);
        free(c->entered);
    }
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
    t->when = NULL;
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
    free(t->when);
}

// ----------------------------------------------------------------------------
// are the nodes' links their own?

static int link_order(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const sg_link_t *)a, y = (uintptr_t) * (const sg_link_t *)b;
    return (x > y) - (x < y);
}

// Sorts the links of `d` and says whether none appears twice and none is in `sorted_other`.
static bool links_own(xbt_dynar_t d, xbt_dynar_t sorted_other)
{
    const unsigned long n = xbt_dynar_length(d), m = xbt_dynar_length(sorted_other);
    if (n == 0)
        return true;
    xbt_dynar_sort(d, link_order);
    const sg_link_t *l = xbt_dynar_get_ptr(d, 0);
    for (unsigned long i = 0; i < n; i++) {
        if (i > 0 && l[i] == l[i - 1])
            return false;
        if (m > 0 && bsearch(&l[i], xbt_dynar_get_ptr(sorted_other, 0), m, sizeof(sg_link_t),
                             link_order))
            return false;
    }
    return true;
}

// Appends the links that a flow from rank `from` to rank `to` loads to d: its route's, and with
// network/crosstraffic (SimGrid's default, off in daso-platform's files) the reverse route's too.
static void route_links(const sim_net *w, int from, int to, xbt_dynar_t d)
{
    sg_host_get_route(w->host[from], w->host[to], d);
    if (w->crosstraffic)
        sg_host_get_route(w->host[to], w->host[from], d);
}

// Appends the links of every edge of c's ring (none for one member) to d.
static void ring_edge_links(const sim_net *w, const sim_comm *c, xbt_dynar_t d)
{
    for (int i = 0; c->n > 1 && i < c->n; i++)
        route_links(w, c->rank[i], c->rank[(i + 1) % c->n], d);
}

bool sim_comms_local_private(sim_net *w, sim_comms *t)
{
    xbt_dynar_t cross = xbt_dynar_new(sizeof(sg_link_t), NULL);
    xbt_dynar_t d = xbt_dynar_new(sizeof(sg_link_t), NULL);
    for (int l = 0; l < t->gpus_per_node; l++)
        ring_edge_links(w, &t->cross[l], cross);
    xbt_dynar_sort(cross, link_order);
    bool own = true;
    for (int n = 0; own && n < t->nodes; n++) {
        const sim_comm *c = &t->node[n];
        if (c->n < 2)
            continue;
        xbt_dynar_reset(d); // the ring's edges at once (a node-local allreduce)
        ring_edge_links(w, c, d);
        own = links_own(d, cross);
        for (int root = 0; own && root < c->n; root++) { // a broadcast's messages at once
            xbt_dynar_reset(d);
            for (int i = 0; i < c->n; i++)
                if (i != root)
                    route_links(w, c->rank[root], c->rank[i], d);
            own = links_own(d, cross);
        }
    }
    xbt_dynar_free(&cross);
    xbt_dynar_free(&d);
    return own;
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

// Latency and bandwidth of the route from rank `from` to rank `to` as a message on idle links
// sees them: the bandwidth capped by CM02's TCP window (network/TCP-gamma over twice the route's
// latency) and, with crosstraffic, by 20 times the reverse route's, then both with the network
// model's factors (--cfg=network/latency-factor,
// bandwidth-factor; LV08 sets its own). Routes can only be queried once the simulation runs
// (SimGrid 3.32 crashes on Dijkstra zones before).
static void route(sim_net *w, int from, int to, double *lat, double *bw)
{
    sg_host_t a = w->host[from], b = w->host[to];
    const double l = sg_host_get_route_latency(a, b), gamma = sg_cfg_get_double("network/TCP-gamma");
    double cap = sg_host_get_route_bandwidth(a, b);
    if (gamma > 0 && l > 0 && gamma / (2 * l) < cap)
        cap = gamma / (2 * l);
    if (w->crosstraffic) { // the reverse route's links may be what limits the flow
        const double back = CROSSTRAFFIC_BACK * sg_host_get_route_bandwidth(b, a);
        cap = back < cap ? back : cap;
    }
    *lat = l * sg_cfg_get_double("network/latency-factor");
    *bw = cap * sg_cfg_get_double("network/bandwidth-factor");
}

// The ring's routes, found by the first member that needs them.
static void ring_routes(sim_net *w, sim_comm *c)
{
    if (c->routes_known)
        return;
    for (int i = 0; i < c->n; i++) {
        const int to = (i + 1) % c->n;
        route(w, c->rank[i], c->rank[to], &c->edge_lat[to], &c->edge_bw[to]);
        c->edge_late[to] = 0;
        if (c->edge_lat[to] > c->max_lat)
            c->max_lat = c->edge_lat[to];
        if (c->edge_bw[to] < c->min_bw)
            c->min_bw = c->edge_bw[to];
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

// `bytes` to the right neighbour and as many from the left: one ring step, or in flow fidelity
// all of them at once (the flows then paid one route latency; the time still to wait is
// ring_tail()).
static void ring_flows(sim_net *w, sim_comm *c, int me, sim_channel ch, double bytes)
{
    sg_comm_t io[2] = {put(w, c->rank[me], c->rank[(me + 1) % c->n], ch, bytes),
                       get(w, c->rank[me], ch)};
    sg_comm_wait_all(io, 2); // releases both handles
}

// A ring step waits for its slowest edge every step: the latencies the flows did not pay, and
// the software time of each of the `rings` rings' step.
static double ring_tail(sim_net *w, sim_comm *c, int steps, double rings)
{
    return (steps - 1) * ring_latency(w, c) + steps * (rings * w->step_s);
}

// `steps` ring steps of `chunk` bytes to the right neighbour, receiving as many from the left,
// for `rings` rings side by side (`chunk` is their bytes together); `more` as for sim_allreduce.
static void ring_pass(sim_net *w, sim_comm *c, int me, sim_channel ch, double chunk, int steps,
                      double rings, bool more)
{
    if (c->n < 2 || steps < 1)
        return;
    if (w->fidelity == FIDELITY_STEP) {
        for (int s = 0; s < steps; s++) {
            ring_flows(w, c, me, ch, chunk);
            sim_sleep(w, rings * w->step_s);
        }
        return;
    }
    sim_comm_meet(c, ch);
    ring_flows(w, c, me, ch, chunk * steps);
    // the tail is the same for every member: with a meeting next, the last to get here sleeps it
    // and the others wait for it there (that meeting releases everyone at the same instant)
    if (more && !sim_comm_last(c, ch))
        return;
    sim_sleep(w, ring_tail(w, c, steps, rings));
}

// ----------------------------------------------------------------------------
// collectives

void sim_allreduce(sim_net *w, sim_comm *c, int me, sim_channel ch, double bytes, bool more)
{
    ring_pass(w, c, me, ch, bytes / c->n, 2 * (c->n - 1), 1, more);
}

void sim_allreduce_rings(sim_net *w, sim_comm *c, int me, sim_channel ch, double bytes,
                         double rings)
{
    ring_pass(w, c, me, ch, bytes / c->n, 2 * (c->n - 1), rings, false);
}

void sim_hier_allreduce(sim_net *w, sim_comm *node, int me_node, sim_comm *cross, int me_cross,
                        sim_channel ch, double bytes, bool more)
{
    const int g = node->n;
    ring_pass(w, node, me_node, ch, bytes / g, g - 1, 1, false); // reduce-scatter
    sim_allreduce(w, cross, me_cross, ch - CH_NODE + CH_CROSS, bytes / g, false);
    ring_pass(w, node, me_node, ch, bytes / g, g - 1, 1, more); // allgather: the next starts on node
}

// One edge's flow of `bytes` (from member e - 1 to member e) on idle links.
static double edge_flow(const sim_comm *c, int e, double bytes)
{
    const double late = c->edge_late[e], r = c->edge_bw[e];
    if (late == 0)
        return c->edge_lat[e] + bytes / r;
    // the others on its links start `late` earlier at the same rate r: it runs at r from its
    // start until they end, then alone; or alone from the start when they end before it starts
    const double early = c->edge_lat[e] - late;
    if (bytes < r * late)
        return c->edge_lat[e] + bytes / c->edge_alone[e];
    return early + bytes / r + r * late / c->edge_alone[e];
}

// When the slowest of member me's two ring edges on c ends, for flows of `b` bytes started at t0
// (t0 itself for a ring of one member: no flows).
static double ring_edges_end(const sim_comm *c, int me, double b, double t0)
{
    if (c->n < 2)
        return t0;
    const double in = edge_flow(c, me, b), out = edge_flow(c, (me + 1) % c->n, b);
    return t0 + (in > out ? in : out);
}

// When the slowest edge of c's ring ends, for flows of `b` bytes started at t0.
static double ring_all_end(const sim_comm *c, double b, double t0)
{
    double end = t0;
    for (int e = 0; c->n > 1 && e < c->n; e++) {
        const double t = t0 + edge_flow(c, e, b);
        end = t > end ? t : end;
    }
    return end;
}

void sim_allreduce_buckets_analytic(sim_net *w, sim_comm *c, int me, sim_channel ch,
                                    const double *ready, int stride, double bytes, double bucket,
                                    double cycle)
{
    const int n = c->n, steps = 2 * (n - 1), k = (int)ceil(bytes / bucket);
    for (int i = 0; i < k; i++) // what this member's flows would carry to its right neighbour
        count_sent(w, c->rank[me], c->rank[(me + 1) % n],
                   sim_bucket_bytes(bytes, bucket, k, i) / n * steps);
    ring_routes(w, c);
    const double tail = ring_tail(w, c, steps, 1);
    if (sim_comm_last(c, ch)) { // everyone's gradients are known: the buckets one after another
        double done = 0;
        for (int i = 0; i < k; i++) {
            double start = done;
            for (int m = 0; m < n; m++) {
                const double t = ready[(size_t)c->rank[m] * stride + i];
                start = t > start ? t : start;
            }
            c->last_start = start = sim_cycle_tick(start, cycle);
            done = ring_all_end(c, sim_bucket_bytes(bytes, bucket, k, i) / n * steps, start) + tail;
        }
    }
    sim_comm_meet(c, ch);
    // the last bucket's flows end for this member when its own two edges are done
    const double b = sim_bucket_bytes(bytes, bucket, k, k - 1) / n * steps;
    sim_sleep(w, ring_edges_end(c, me, b, c->last_start) + tail - simgrid_get_clock());
}

void sim_hier_buckets_analytic(sim_net *w, sim_comms *t, int rank, sim_channel ch,
                               const double *ready, int stride, double bytes, double bucket,
                               double cycle)
{
    const int N = t->nodes, G = t->gpus_per_node, W = N * G, k = (int)ceil(bytes / bucket);
    const int node = rank / G, local = rank % G;
    sim_comm *nc = &t->node[node], *cc = &t->cross[local];
    for (int i = 0; i < k; i++) { // what this member's flows would carry, in their order
        const double slice = sim_bucket_bytes(bytes, bucket, k, i) / G;
        if (G > 1)
            count_sent(w, rank, nc->rank[(local + 1) % G], slice * (G - 1));
        if (N > 1)
            count_sent(w, rank, cc->rank[(node + 1) % N], slice / N * (2 * (N - 1)));
        if (G > 1)
            count_sent(w, rank, nc->rank[(local + 1) % G], slice * (G - 1));
    }
    if (t->when == NULL)
        t->when = mallocCheck(sizeof(double) * 4 * (size_t)W);
    // per GPU: its reduce-scatter's end, its cross allreduce's end, its batch's end; per node:
    // when its previous allgather is done (the next bucket's reduce-scatter may start)
    double *rs = t->when, *ar = rs + W, *end = ar + W, *done = end + W;
    if (sim_comm_last(&t->world, ch)) {
        for (int n = 0; n < N; n++) {
            ring_routes(w, &t->node[n]);
            done[n] = 0;
        }
        for (int g = 0; g < G; g++)
            ring_routes(w, &t->cross[g]);
        for (int i = 0; i < k; i++) {
            const double slice = sim_bucket_bytes(bytes, bucket, k, i) / G,
                         nb = slice * (G - 1), cb = slice / N * (2 * (N - 1));
            for (int n = 0; n < N; n++) { // reduce-scatter: every GPU of the node has it ready
                sim_comm *c = &t->node[n];
                double start = done[n];
                for (int j = 0; j < G; j++) {
                    const double r = ready[(size_t)(n * G + j) * stride + i];
                    start = r > start ? r : start;
                }
                start = sim_cycle_tick(start, cycle);
                const double tail = G > 1 ? ring_tail(w, c, G - 1, 1) : 0;
                for (int j = 0; j < G; j++)
                    rs[n * G + j] = ring_edges_end(c, j, nb, start) + tail;
            }
            for (int g = 0; g < G; g++) { // across nodes: every node's GPU g has reduced its slice
                sim_comm *c = &t->cross[g];
                double start = 0;
                for (int n = 0; n < N; n++)
                    start = rs[n * G + g] > start ? rs[n * G + g] : start;
                const double tail = N > 1 ? ring_tail(w, c, 2 * (N - 1), 1) : 0;
                for (int n = 0; n < N; n++)
                    ar[n * G + g] = N > 1 ? ring_edges_end(c, n, cb, start) + tail : rs[n * G + g];
            }
            for (int n = 0; n < N; n++) { // allgather: every GPU of the node has its slice
                sim_comm *c = &t->node[n];
                double start = 0;
                for (int j = 0; j < G; j++)
                    start = ar[n * G + j] > start ? ar[n * G + j] : start;
                const double tail = G > 1 ? ring_tail(w, c, G - 1, 1) : 0;
                done[n] = ring_all_end(c, nb, start) + tail;
                for (int j = 0; j < G; j++)
                    end[n * G + j] = ring_edges_end(c, j, nb, start) + tail;
            }
        }
    }
    sim_comm_meet(&t->world, ch);
    sim_sleep(w, end[rank] - simgrid_get_clock());
}

typedef struct {
    sg_link_t link;
    double bw;    // the bandwidth of the ring edge whose route crosses it, on idle links
    int ring, to; // that edge: cs[ring]'s, from member to - 1 to member to
    bool back;    // the reverse route's load (crosstraffic)
    double part;  // where the edges oversubscribe the link: its bandwidth over their number
} link_use;

static int link_use_order(const void *a, const void *b)
{
    return link_order(&((const link_use *)a)->link, &((const link_use *)b)->link);
}

// The loads that the edges of the rings cs[0..n) put on links that limit a flow (not FATPIPE).
static xbt_dynar_t ring_link_uses(sim_net *w, sim_comm *cs, int n)
{
    xbt_dynar_t use = xbt_dynar_new(sizeof(link_use), NULL);
    xbt_dynar_t d = xbt_dynar_new(sizeof(sg_link_t), NULL);
    for (int k = 0; k < n; k++) {
        sim_comm *c = &cs[k];
        if (c->n < 2)
            continue;
        ring_routes(w, c);
        for (int i = 0; i < c->n; i++) {
            const int to = (i + 1) % c->n;
            for (int back = 0; back <= (int)w->crosstraffic; back++) { // the route, its reverse
                xbt_dynar_reset(d);
                sg_host_get_route(w->host[c->rank[back ? to : i]], w->host[c->rank[back ? i : to]],
                                  d);
                for (unsigned long j = 0; j < xbt_dynar_length(d); j++) {
                    link_use u = {.link = xbt_dynar_get_as(d, j, sg_link_t),
                                  .bw = back ? c->edge_bw[to] / CROSSTRAFFIC_BACK : c->edge_bw[to],
                                  .ring = k, .to = to, .back = back};
                    if (sg_link_is_shared(u.link))
                        xbt_dynar_push(use, &u);
                }
            }
        }
    }
    xbt_dynar_free(&d);
    xbt_dynar_sort(use, link_use_order);
    return use;
}

// How the flows u[0..m) of one link that they oversubscribe share it. They must be one ring's
// edges (the same bytes, started together) on the model's own bandwidth (factor 1, CM02's
// sharing: a flow's penalty is its route latency, no reverse loads); then 'p' when all pay the
// same route latency (they reach the link together and share it in equal parts from start to
// end), 'm' when all but one do and that one pays more (*lo: the others' latency); 0 otherwise.
static char share_kind(const sim_comm *cs, const link_use *u, unsigned long m, double *lo)
{
    if (sg_cfg_get_double("network/bandwidth-factor") != 1 ||
        sg_cfg_get_double("network/weight-S") != 0)
        return 0;
    double low = INFINITY;
    for (unsigned long j = 0; j < m; j++) {
        if (u[j].back || u[j].ring != u[0].ring)
            return 0;
        const double l = cs[u[j].ring].edge_lat[u[j].to];
        low = l < low ? l : low;
    }
    unsigned long late = 0;
    for (unsigned long j = 0; j < m; j++)
        late += cs[u[j].ring].edge_lat[u[j].to] != low;
    *lo = low;
    return late == 0 ? 'p' : late == 1 && m > 1 ? 'm' : 0;
}

// What each edge meets on the oversubscribed links it crosses.
typedef struct {
    bool pure;  // a link whose flows all pay its latency: they hold it at its part
    bool late;  // a link where it pays more than the others (lo)
    bool early; // a link where another flow pays more
    double lo, alone;
} edge_share;

bool sim_comms_rings_independent(sim_net *w, sim_comm *cs, int n)
{
    xbt_dynar_t uses = ring_link_uses(w, cs, n);
    const unsigned long count = xbt_dynar_length(uses);
    link_use *u = count > 0 ? xbt_dynar_get_ptr(uses, 0) : NULL;
    const double f = sg_cfg_get_double("network/bandwidth-factor");
    int *first = mallocCheck(sizeof(int) * (size_t)(n + 1)); // edge (k, e) is first[k] + e
    first[0] = 0;
    for (int k = 0; k < n; k++)
        first[k + 1] = first[k] + cs[k].n;
    edge_share *st = callocCheck((size_t)first[n] + 1, sizeof(edge_share));
    for (int k = 0; k < n; k++)
        for (int e = 0; e < cs[k].n; e++)
            st[first[k] + e].alone = cs[k].edge_bw[e];
    // a link that the flows ask for more than it has: each gets an equal part, where that holds
    bool independent = true;
    for (unsigned long i = 0; independent && i < count;) {
        double sum = 0;
        unsigned long j = i;
        for (; j < count && u[j].link == u[i].link; j++)
            sum += u[j].bw;
        const double cap = sg_link_get_bandwidth(u[i].link);
        if (sum > cap * (f < 1 ? f : 1) * (1 + 1e-12)) {
            double lo = 0;
            const char kind = share_kind(cs, &u[i], j - i, &lo);
            independent = kind != 0;
            for (unsigned long m = i; independent && m < j; m++) {
                u[m].part = cap / (double)(j - i);
                edge_share *e = &st[first[u[m].ring] + u[m].to];
                const bool later = cs[u[m].ring].edge_lat[u[m].to] > lo;
                if (kind == 'p')
                    e->pure = true;
                else if (!later)
                    e->early = true;
                else if (e->late && e->lo != lo)
                    independent = false; // later than two different latencies
                else
                    *e = (edge_share){.pure = e->pure, .late = true, .early = e->early,
                                      .lo = lo, .alone = e->alone};
            }
        }
        i = j;
    }
    // each edge's rate: its own, or the least of its parts ...
    for (unsigned long i = 0; independent && i < count; i++) {
        double *r = &cs[u[i].ring].edge_bw[u[i].to];
        if (u[i].part > 0 && u[i].part < *r)
            *r = u[i].part;
    }
    // ... and the parts stay equal only if no flow of a shared link is held below its part
    // elsewhere (the others would take what it leaves)
    for (unsigned long i = 0; independent && i < count; i++)
        independent = u[i].part == 0 || cs[u[i].ring].edge_bw[u[i].to] == u[i].part;
    // An edge that reaches a shared link after the others there (its route is longer: a ring
    // edge leaving a cell) runs at its part from its start until they end, then alone, unless a
    // link of its own kind holds it at its part all along. The others must be held at their
    // part all along by a link whose flows start together, or they would take more while it
    // has not started.
    for (int k = 0; independent && k < n; k++)
        for (int e = 0; independent && e < cs[k].n; e++) {
            const edge_share *x = &st[first[k] + e];
            independent = !x->early || x->pure;
            if (x->late && !x->pure) {
                cs[k].edge_late[e] = cs[k].edge_lat[e] - x->lo;
                cs[k].edge_alone[e] = x->alone;
            }
        }
    for (int k = 0; k < n; k++) { // where this fails, the routes are found afresh on next use
        sim_comm *c = &cs[k];
        if (c->n < 2)
            continue;
        c->routes_known = independent;
        c->min_bw = INFINITY;
        for (int e = 0; independent && e < c->n; e++)
            c->min_bw = c->edge_bw[e] < c->min_bw ? c->edge_bw[e] : c->min_bw;
    }
    free(st);
    free(first);
    xbt_dynar_free(&uses);
    return independent;
}

static void iallreduce_state_init(sim_comm *c)
{
    c->posted = callocCheck((size_t)c->n, sizeof(long));
    c->waited = callocCheck((size_t)c->n, sizeof(long));
    c->islot = mallocCheck(sizeof(sim_iallreduce_slot) * IALLREDUCE_SLOTS);
    for (int k = 0; k < IALLREDUCE_SLOTS; k++)
        c->islot[k] = (sim_iallreduce_slot){.seq = -1, .all_here = sg_sem_init(0)};
}

void sim_iallreduce_analytic_start(sim_net *w, sim_comm *c, int me, double bytes, double rings)
{
    if (c->n < 2)
        return;
    if (c->islot == NULL)
        iallreduce_state_init(c);
    const long seq = c->posted[me]++;
    sim_iallreduce_slot *s = &c->islot[seq % IALLREDUCE_SLOTS];
    if (s->seq != seq) { // the first member to post it
        if (s->seq >= 0)
            util_die("member %d posted allreduce %ld while allreduce %ld of its group was still "
                     "in progress",
                     c->rank[me], seq, s->seq);
        *s = (sim_iallreduce_slot){.seq = seq, .bytes = bytes, .rings = rings,
                                   .all_here = s->all_here};
    }
    count_sent(w, c->rank[me], c->rank[(me + 1) % c->n], bytes / c->n * (2 * (c->n - 1)));
    if (++s->posted == c->n) {
        s->t_start = simgrid_get_clock();
        for (; s->waiting > 0; s->waiting--)
            sg_sem_release(s->all_here);
    }
}

void sim_iallreduce_analytic_wait(sim_net *w, sim_comm *c, int me)
{
    if (c->n < 2)
        return;
    const long seq = c->waited[me]++;
    sim_iallreduce_slot *s = &c->islot[seq % IALLREDUCE_SLOTS];
    if (s->seq != seq)
        util_die("member %d waits for allreduce %ld, which it has not posted", c->rank[me], seq);
    if (s->posted < c->n) {
        s->waiting++;
        sg_sem_acquire(s->all_here);
    }
    ring_routes(w, c);
    const int steps = 2 * (c->n - 1);
    const double done =
        ring_edges_end(c, me, s->bytes / c->n * steps, s->t_start) + ring_tail(w, c, steps, s->rings);
    if (++s->left == c->n) // every member has read what it needs
        s->seq = -1;
    sim_sleep(w, done - simgrid_get_clock());
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

// Time of a message from member `from` to member `to` on idle links.
static double pair_transfer(sim_net *w, sim_comm *c, int from, int to, double bytes)
{
    const size_t k = (size_t)from * (size_t)c->n + (size_t)to;
    if (isnan(c->pair_lat[k]))
        route(w, c->rank[from], c->rank[to], &c->pair_lat[k], &c->pair_bw[k]);
    return c->pair_lat[k] + bytes / c->pair_bw[k];
}

static void bcast_state_init(sim_comm *c)
{
    const size_t pairs = (size_t)c->n * (size_t)c->n;
    c->pair_lat = mallocCheck(sizeof(double) * pairs);
    c->pair_bw = mallocCheck(sizeof(double) * pairs);
    for (size_t k = 0; k < pairs; k++)
        c->pair_lat[k] = NAN;
    c->entered = callocCheck((size_t)c->n, sizeof(long));
    c->slot = mallocCheck(sizeof(sim_bcast_slot) * BCAST_SLOTS);
    for (int k = 0; k < BCAST_SLOTS; k++)
        c->slot[k] = (sim_bcast_slot){.seq = -1,
                                      .t = mallocCheck(sizeof(double) * (size_t)c->n),
                                      .root_here = sg_sem_init(0), .all_here = sg_sem_init(0)};
}

void sim_bcast_analytic(sim_net *w, sim_comm *c, int me, int root, double bytes)
{
    if (c->n < 2)
        return;
    if (c->slot == NULL)
        bcast_state_init(c);
    const long seq = c->entered[me]++;
    sim_bcast_slot *s = &c->slot[seq % BCAST_SLOTS];
    if (s->seq != seq) { // the first member here
        if (s->seq >= 0)
            util_die("member %d entered broadcast %ld while broadcast %ld of its group was still "
                     "in progress (at most %d at once)",
                     c->rank[me], seq, s->seq, BCAST_SLOTS);
        *s = (sim_bcast_slot){.seq = seq, .t_root = NAN, .t = s->t, .root_here = s->root_here,
                              .all_here = s->all_here};
    }
    const double now = simgrid_get_clock();
    double done;
    if (me == root) {
        s->t_root = now;
        for (; s->waiting > 0; s->waiting--)
            sg_sem_release(s->root_here);
        if (s->arrived < c->n - 1) {
            s->root_waits = true;
            sg_sem_acquire(s->all_here);
        }
        done = now;
        for (int i = 0; i < c->n; i++)
            if (i != root) {
                double t = (s->t[i] > now ? s->t[i] : now) + pair_transfer(w, c, root, i, bytes);
                done = t > done ? t : done;
                count_sent(w, c->rank[root], c->rank[i], bytes);
            }
    } else {
        s->t[me] = now;
        if (++s->arrived == c->n - 1 && s->root_waits)
            sg_sem_release(s->all_here);
        if (isnan(s->t_root)) {
            s->waiting++;
            sg_sem_acquire(s->root_here);
        }
        done = (s->t_root > now ? s->t_root : now) + pair_transfer(w, c, root, me, bytes);
    }
    if (++s->left == c->n) // every member has read what it needs
        s->seq = -1;
    sim_sleep(w, done - simgrid_get_clock());
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
            sim_sleep(w, (n - 2) * ring_latency(w, c));
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
    const int steps = 2 * (int)ceil(log2(c->n));
    count_sent(w, c->rank[me], c->rank[(me + 1) % c->n], SMALL_BYTES);
    if (sim_comm_last(c, ch)) { // everyone is here: the slowest first step, then the others
        ring_routes(w, c); // every edge carries one member's message out and the next one's in
        sim_sleep(w, ring_all_end(c, SMALL_BYTES, 0) + ring_tail(w, c, steps, 1));
    }
    sim_comm_meet(c, ch);
}

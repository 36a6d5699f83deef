// comm.h: collective communication between simulated GPUs (SimGrid actors), over the links of the
// platform. A communicator is a ring of ranks; a collective is entered by every member, each in
// its own actor. Two fidelities:
//   - step: every step of a ring algorithm is one message per member (2(n-1) steps for an
//     allreduce), exact and O(n) messages per member;
//   - flow: one message per ring edge carrying all the steps' bytes, then the remaining steps'
//     latency slept explicitly (by the last member only when another allreduce follows, see
//     sim_allreduce), O(1) messages per member; agrees with step within a few percent
//     (tests/test_sim.c) and is what long runs use.
// Every message goes to a mailbox owned by (receiver, channel); a channel is used by one actor
// kind of a rank and one communicator kind, so on each mailbox messages come from one sender in
// order and can never be matched with the wrong collective.
// A reduction needs every member's data: in flow fidelity a collective first waits for all its
// members (a barrier, free in simulated time), so a late member delays everyone as in a real
// ring; step fidelity gets this from the steps themselves.
#ifndef DASO_SIM_COMM_H
#define DASO_SIM_COMM_H

#include <math.h>    // ceil (sim_cycle_tick)
#include <stdbool.h> // bool

#include <simgrid/forward.h> // sg_host_t, sg_mailbox_t, sg_bar_t

typedef enum { FIDELITY_FLOW, FIDELITY_STEP } sim_fidelity;

// The actor kinds of a rank times the communicator kinds.
typedef enum {
    CH_MAIN_NODE, CH_MAIN_CROSS, CH_MAIN_WORLD,    // the rank's training loop
    CH_GRAD_NODE, CH_GRAD_CROSS, CH_GRAD_WORLD,    // its gradient-reduction actor
    CH_PARAM_NODE, CH_PARAM_CROSS, CH_PARAM_WORLD, // its global parameter-sync actor
    SIM_CHANNELS
} sim_channel;
#define CH_NODE 0 // add to a kind's first channel to pick the communicator kind
#define CH_CROSS 1
#define CH_WORLD 2
#define SIM_ACTOR_KINDS 3 // main, grad, param: channel / SIM_ACTOR_KINDS

typedef struct {
    int world, gpus_per_node;
    sim_fidelity fidelity;
    sg_host_t *host;      // host of each rank
    sg_mailbox_t *mbox;   // mbox[rank * SIM_CHANNELS + channel]
    double *sent_local;   // bytes each rank has put to a rank of its node
    double *sent_global;  // ... and to a rank of another node
    double step_s;        // software time of every allreduce step (ring passes and the small
                          // allreduce; not broadcasts): NCCL's or MPI's per-step cost at scale,
                          // on top of the route latency; 0 after sim_net_init
    double min_sleep_s;   // SimGrid's timing precision (surf/precision), see sim_sleep
    bool crosstraffic;    // network/crosstraffic: a flow also loads its reverse route's links
} sim_net;

typedef struct sim_bcast_slot sim_bcast_slot;
typedef struct sim_iallreduce_slot sim_iallreduce_slot;

typedef struct {
    int n;          // members
    int *rank;      // world ranks, in ring order
    double *edge_lat, *edge_bw; // [i]: route latency and bandwidth from member i - 1 to i,
                                // found on first use, ...
    double *edge_late, *edge_alone; // [i]: for an edge whose flow reaches the links it shares
                                    // after the others there (a longer route), how much later,
                                    // and its bandwidth once they are done (0: not such an edge)
    double max_lat; // ... their largest latency ...
    double min_bw;  // ... and smallest bandwidth
    bool routes_known;
    double last_start; // sim_allreduce_buckets_analytic: when the last bucket's flows start
    sg_bar_t bar[SIM_ACTOR_KINDS]; // members of one actor kind meet here
    int arrived[SIM_ACTOR_KINDS];  // ... members of it counted in so far (sim_comm_last)
    // sim_bcast_analytic's state, allocated on first use:
    double *pair_lat, *pair_bw; // [from * n + to]: route latency and bandwidth (NAN: not known)
    sim_bcast_slot *slot;       // broadcasts in progress
    long *entered;              // [member]: broadcasts it has entered
    // sim_iallreduce_analytic's state, allocated on first use:
    sim_iallreduce_slot *islot; // allreduces in progress
    long *posted, *waited;      // [member]: allreduces it has posted, waited for
} sim_comm;

void sim_net_init(sim_net *w, int world, int gpus_per_node, sim_fidelity fidelity,
                  sg_host_t *hosts);
void sim_net_free(sim_net *w);

// Sleeps `seconds` of simulated time. Shorter than SimGrid's timing precision (1e-9 s by default;
// less than that happens on platforms of zero latency and unbounded bandwidth, or as rounding
// residue) the sleep is skipped: SimGrid would stretch it to the precision, or twice that.
void sim_sleep(const sim_net *w, double seconds);

void sim_comm_init(sim_comm *c, int n, const int *ranks);
void sim_comm_free(sim_comm *c);

// The communicators of N nodes x G GPUs: all ranks node by node, each node's G GPUs, and for each
// local rank g the GPUs g of every node (DASO's global group C_g).
typedef struct {
    sim_comm world;
    sim_comm *node;  // [N]
    sim_comm *cross; // [G]
    int nodes, gpus_per_node;
    double *when;    // [4 x world]: sim_hier_buckets_analytic's times, allocated on first use
} sim_comms;

void sim_comms_init(sim_comms *t, int nodes, int gpus_per_node);
void sim_comms_free(sim_comms *t);

// Whether every node's collectives keep to links of their own, so that they can be computed in
// closed form (sim_allreduce_time, sim_bcast_analytic): the edges of a node's ring share no link,
// nor do a member's routes to the others, and none of these links is on a route between nodes
// (a cross ring's edge). True on daso-platform's platforms (NVLink pairs); false on a SimGrid
// <cluster> (one link per host for everything) or for a "node" larger than the platform's.
// Routes must be queryable: after a first simgrid_run().
bool sim_comms_local_private(sim_net *w, sim_comms *t);

// Whether the rings of the communicators cs[0..n) can run their flows at any moment, together,
// at rates known in advance: no link that limits a flow (not FATPIPE) is asked for more than its
// bandwidth by the flows of all ring edges that cross it, each at its own route's bandwidth (the
// model's bandwidth factor and CM02's TCP window included; with crosstraffic, 1/20 of it on the
// reverse route's links), or, where it is, those flows are one ring's, pay the same route latency
// and are held nowhere below an equal part of it (an adapter's cap on both directions together,
// which a cross ring's edge in and edge out share): then they share it in equal parts from start
// to end, and those parts become the edges' bandwidths. One flow of such a link may pay a longer
// route latency (a ring edge leaving a cell) when the others are held at their part by a link of
// their own: it runs at its part until they end, then alone (edge_late, edge_alone). Every flow
// then ends when these rates say (sim_allreduce_buckets_analytic, sim_iallreduce_analytic_*,
// sim_hier_buckets_analytic). Nothing else may use these links: the caller knows.
bool sim_comms_rings_independent(sim_net *w, sim_comm *cs, int n);

// The collectives; `me` is the caller's index in the communicator, `ch` its channel.
// Ring allreduce of `bytes` (reduce-scatter then allgather). `more`: every member's next
// collective on c and ch is another allreduce (the next gradient bucket of the batch), which
// starts with a meeting; in flow fidelity the ring's latency tail, the same for all, is then
// slept by the last member only, and the others wait for it at that meeting: the same times,
// fewer simcalls.
void sim_allreduce(sim_net *w, sim_comm *c, int me, sim_channel ch, double bytes, bool more);
// `rings` ring allreduces of `bytes` in all, side by side on c: a message posted as several
// non-blocking allreduces back to back, each advanced as soon as it can (HeAT's chunked global
// message, real/global_msg.c). On every edge they share the bandwidth and each step moves every
// ring's segment, so they take one allreduce of `bytes` whose latency tail is paid once and
// whose steps cost `rings` times the software time (step_s).
void sim_allreduce_rings(sim_net *w, sim_comm *c, int me, sim_channel ch, double bytes,
                         double rings);
// Bucket i of the k = ceil(bytes / bucket) buckets of `bucket` bytes that `bytes` of gradients
// make (the last the rest).
static inline double sim_bucket_bytes(double bytes, double bucket, int k, int i)
{
    return i < k - 1 ? bucket : bytes - bucket * (k - 1);
}

// When a collective waiting for Horovod's cycle ticks (every `cycle` seconds; none if 0) starts,
// once it is ready at t.
static inline double sim_cycle_tick(double t, double cycle)
{
    const double tick = cycle > 0 ? ceil(t / cycle) * cycle : t;
    return tick > t ? tick : t;
}

// The allreduces of a batch's gradient buckets (sim_bucket_bytes), each started when every member
// has bucket i ready (ready[rank * stride + i] for the member's world rank, written by each
// member before it calls this) and the previous one is done (and at Horovod's next cycle tick:
// sim_cycle_tick), in closed form: what sim_allreduce's flow fidelity takes on c when its flows
// cannot slow one another and nothing else uses its links (sim_comms_rings_independent): each
// edge's flow as alone on its route, the slowest ending the flows, then the latency tail; for the
// last bucket the caller's own two edges. Returns when the caller is done; counts the bytes as
// the flows would.
void sim_allreduce_buckets_analytic(sim_net *w, sim_comm *c, int me, sim_channel ch,
                                    const double *ready, int stride, double bytes, double bucket,
                                    double cycle);
// A non-blocking sim_allreduce_rings in closed form, where c's flows run as if alone
// (sim_comms_rings_independent): _start posts this member's part and returns; the flows start
// when the last member has posted; _wait returns when this member's two ring edges and then the
// latency tail are done, as sim_allreduce_rings's flows and tail on idle links. A member waits
// for each allreduce it posted, in order. Counts the bytes as the flows would.
void sim_iallreduce_analytic_start(sim_net *w, sim_comm *c, int me, double bytes, double rings);
void sim_iallreduce_analytic_wait(sim_net *w, sim_comm *c, int me);
// sim_allreduce_buckets_analytic for the hierarchical allreduce of each bucket (sim_hier_allreduce:
// reduce-scatter in the node, allreduce of the slice across nodes, allgather in the node), on
// every GPU of t (the caller is world rank `rank`), where every node's ring is private and the
// cross rings run as if alone (sim_comms_local_private, sim_comms_rings_independent). Meets on
// t's world communicator, channel ch.
void sim_hier_buckets_analytic(sim_net *w, sim_comms *t, int rank, sim_channel ch,
                               const double *ready, int stride, double bytes, double bucket,
                               double cycle);
// Hierarchical allreduce: reduce-scatter in `node`, allreduce of the 1/G slice in `cross` (the
// GPUs of the caller's local rank on every node), allgather in `node`. ch is a *_NODE channel.
// `more`: another hierarchical allreduce on the same channel follows (sim_allreduce's `more`,
// for the allgather).
void sim_hier_allreduce(sim_net *w, sim_comm *node, int me_node, sim_comm *cross, int me_cross,
                        sim_channel ch, double bytes, bool more);
// Broadcast from member `root`, sent directly to every member (NVLink pairs are all-to-all).
void sim_bcast(sim_net *w, sim_comm *c, int me, int root, sim_channel ch, double bytes);
// The same broadcast in closed form, for members whose routes from the root nothing else uses
// while it runs (a node's NVLink pairs): member i has the data at max(root's arrival, its own) +
// route latency + bytes / route bandwidth from the root, and the root returns when the last
// member has it, as sim_bcast's messages take on idle links (tests/test_sim.sh compares them).
// The members meet in shared memory: a receiver waits for the root only, the root for every
// receiver. Counts the bytes as sim_bcast does. Exact where sim_comms_local_private() holds.
void sim_bcast_analytic(sim_net *w, sim_comm *c, int me, int root, double bytes);
// Pipelined ring broadcast from member 0 (collective benchmark mode).
void sim_ring_bcast(sim_net *w, sim_comm *c, int me, sim_channel ch, double bytes);
// Waits until every member of c of the actor kind of `ch` has arrived (no simulated time).
void sim_comm_meet(sim_comm *c, sim_channel ch);
// Counts the caller in and says whether it is the last member of c's actor kind of `ch` to arrive
// in this round (then a new round starts). With a meeting after it: the last member can sleep a
// time that every member would sleep before the meeting, and the others wait there (one simcall
// each instead of two, the same release instant).
bool sim_comm_last(sim_comm *c, sim_channel ch);

// The alpha-beta time of a ring allreduce of `bytes` over c when nothing else uses its links:
// 2(n-1) steps of (largest neighbour latency + step_s + bytes/n / smallest neighbour bandwidth).
// Equals what sim_allreduce() simulates on uncontended links (tests/test_sim.sh).
double sim_allreduce_time(sim_net *w, sim_comm *c, double bytes);

// Allreduce of a few bytes (a loss): only latency matters, 2 ceil(log2 n) steps (recursive
// doubling). In closed form, since its 8-byte messages change nothing on the links: once every
// member has arrived, the first step takes as long as the slowest member's messages to and from
// its neighbours on idle links (route latency + 8 bytes at the route's bandwidth), every further
// step the largest neighbour latency, and all members have the result at the end of the last
// step. Counted as 8 bytes sent to the right neighbour.
void sim_small_allreduce(sim_net *w, sim_comm *c, int me, sim_channel ch);

#endif

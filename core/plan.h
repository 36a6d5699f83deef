// plan.h: what a strategy decides for one batch, in the order a backend must execute it.
//
// A plan has two parts: how gradients are reduced during this batch's backward (`grad`), and the
// actions that follow the local optimizer step (`act`). The driver executes plans through the
// backend interface; daso-plan prints them in the trace format of docs/DASO.md section 8:
//
//     <epoch> <batch> <on|off> <action>[; <action>]...      ("-" when there is no action)
//
// Plans are plain values: no pointers, no allocation, identical on every rank.
#ifndef DASO_PLAN_H
#define DASO_PLAN_H

#include <stddef.h> // size_t

#include "floatfmt.h" // floatfmt

typedef enum {
    GRAD_NONE,  // no gradient averaging (each GPU steps on its own gradients)
    GRAD_NODE,  // average over the GPUs of the node (NVLink/NCCL)
    GRAD_WORLD, // flat allreduce over all GPUs (Horovod/DDP), bucketed, overlapped with backward
    GRAD_HIER,  // hierarchical allreduce: node reduce-scatter, global allreduce of slices, node allgather
} plan_grad;

typedef enum {
    ACT_SEND,      // members of group g pack parameters (format fmt) and start a non-blocking sum
    ACT_MERGE,     // members of group g wait for their message: x := w_local*x + w_sum*sum
    ACT_AVG,       // members of group g wait for the message just sent: x := sum / N (w_local = 0)
    ACT_BCAST,     // every node broadcasts parameters from its local rank g
    ACT_WORLD_AVG, // blocking average of parameters over all GPUs (local SGD)
} plan_kind;

typedef struct {
    plan_kind kind;
    int group;      // global group C_g = the GPU of local rank g on every node (-1: not a group action)
    int tag;        // B: batches until the message is merged (ACT_SEND, ACT_MERGE)
    floatfmt fmt;   // message format (ACT_SEND, ACT_WORLD_AVG)
    double w_local; // merge weight of the fresh local parameters (ACT_MERGE, ACT_AVG)
    double w_sum;   // weight of the received sum (ACT_MERGE, ACT_AVG)
} plan_action;

#define PLAN_MAX_ACTIONS 6

typedef struct {
    int epoch, batch;
    plan_grad grad;   // gradient reduction in this batch's backward
    floatfmt grad_fmt; // format of gradient messages (fp16 compression of the sync baseline)
    int n;            // number of actions
    plan_action act[PLAN_MAX_ACTIONS];
} plan_batch;

// Appends an action; the plan must have room (PLAN_MAX_ACTIONS bounds every strategy's plans).
void plan_add(plan_batch *p, plan_action a);

// Writes the trace line of p (without newline) into buf; returns the length snprintf would need.
int plan_format(const plan_batch *p, char *buf, size_t len);

#endif

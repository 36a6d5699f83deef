// driver.c: see driver.h.
#include "driver.h"

#include <assert.h> // static_assert
#include <stdio.h>  // fprintf
#include <unistd.h> // isatty

#include "util.h"   // util_wall_seconds
#include "volume.h" // volume_allreduce, volume_bcast, volume_hier_allreduce

void driver_csv_header(FILE *f)
{
    fprintf(f, "# epoch strategy nodes gpus_per_node time_s elapsed_s compute_s local_comm_s "
               "global_wait_s bytes_local bytes_global gs ls S train_loss test_acc\n");
}

// Executes one action of a plan on this rank and records it.
static void run_action(const backend *be, const sched_config *cfg, events *ev,
                       const plan_action *a)
{
    void *ctx = be->ctx;
    const int local = be->rank % be->gpus_per_node, nodes = cfg->nodes, g = cfg->gpus_per_node;
    const double param_bytes = (double)be->params * 4;
    char name[32] = ""; // the event's name, written only for a trace (it costs a formatted print)
    double t0 = be->clock(ctx);
    switch (a->kind) {
    case ACT_SEND:
        if (a->group != local)
            return;
        be->global_start(ctx, a->fmt, (size_t)cfg->chunk_elems);
        if (ev->trace)
            snprintf(name, sizeof name, "send g%d B%d", a->group, a->tag);
        events_add(ev, EV_GLOBAL, name, t0, be->clock(ctx), 0,
                   volume_allreduce((double)be->params * floatfmt_bytes(a->fmt), nodes));
        return;
    case ACT_MERGE:
    case ACT_AVG:
        if (a->group != local)
            return;
        be->global_finish(ctx, a->w_local, a->w_sum);
        if (ev->trace)
            snprintf(name, sizeof name, "%s g%d", a->kind == ACT_MERGE ? "merge" : "avg", a->group);
        events_add(ev, EV_GLOBAL, name, t0, be->clock(ctx), 0, 0);
        return;
    case ACT_BCAST:
        be->node_bcast(ctx, a->group);
        if (ev->trace)
            snprintf(name, sizeof name, "bcast g%d", a->group);
        events_add(ev, EV_LOCAL, name, t0, be->clock(ctx), volume_bcast(param_bytes, g), 0);
        return;
    case ACT_WORLD_AVG: {
        be->world_param_avg(ctx, a->fmt);
        volume v = volume_hier_allreduce((double)be->params * floatfmt_bytes(a->fmt), nodes, g);
        events_add(ev, EV_GLOBAL, "avg world", t0, be->clock(ctx), v.local, v.global);
        return;
    }
    }
}

static void progress_line(int epoch, int epochs, int batch, int batches, double sim_t, bool done)
{
    fprintf(stderr, "\r  epoch %d/%d  batch %d/%d  clock %.1f s%s", epoch + 1, epochs, batch + 1,
            batches, sim_t, done ? "\n" : "");
}

void driver_run(const backend *be, sched *s, events *ev, const driver_output *out,
                driver_result *res)
{
    void *ctx = be->ctx;
    const sched_config *cfg = &s->cfg;
    const bool rank0 = be->rank == 0;
    const bool progress = out->progress && rank0 && isatty(2);
    const int batches = cfg->last_batch + 1;
    double wall_last = util_wall_seconds();

    for (int e = s->epoch; e < cfg->epochs; e++) {
        const int gs = s->gs, ls = s->ls, S = s->S;
        res->blocking = sched_blocking(s);
        events_start_epoch(ev, e);
        double t_epoch = be->clock(ctx), loss_sum = 0;
        for (int b = 0; b < batches; b++) {
            plan_batch p;
            sched_plan(s, &p);
            events_start_batch(ev, e, b);
            double t_batch = be->clock(ctx);
            loss_sum += be->train_batch(ctx, ev, e, b, p.grad, p.grad_fmt);
            double t0 = be->clock(ctx);
            be->optimizer_step(ctx);
            events_add(ev, EV_COMPUTE, "optimizer", t0, be->clock(ctx), 0, 0);
            for (int i = 0; i < p.n; i++)
                run_action(be, cfg, ev, &p.act[i]);
            if (out->breakdown && rank0)
                fprintf(out->breakdown, "%d %d %.9g %.9g %.9g %.9g\n", e, b,
                        be->clock(ctx) - t_batch, ev->batch_s[EV_COMPUTE], ev->batch_s[EV_LOCAL],
                        ev->batch_s[EV_GLOBAL]);
            if (progress && util_wall_seconds() - wall_last > 0.5) {
                wall_last = util_wall_seconds();
                progress_line(e, cfg->epochs, b, batches, be->clock(ctx), false);
            }
        }
        double t0 = be->clock(ctx);
        double loss = be->world_mean(ctx, loss_sum / batches);
        events_add(ev, EV_GLOBAL, "loss allreduce", t0, be->clock(ctx), 0, 0);
        sched_epoch_end(s, loss);
        const double epoch_s = be->clock(ctx) - t_epoch;
        double acc = be->evaluate(ctx); // not part of the training time

        double v[] = {ev->epoch_s[EV_COMPUTE], ev->epoch_s[EV_LOCAL], ev->epoch_s[EV_GLOBAL],
                      ev->epoch_bytes_local, ev->epoch_bytes_global};
        static_assert(sizeof v / sizeof v[0] == DRIVER_STATS, "DRIVER_STATS counts v");
        be->stats_sum(ctx, v, DRIVER_STATS);
        res->time_s += epoch_s;
        res->train_loss = loss;
        res->test_acc = acc;
        res->bytes_local += v[3];
        res->bytes_global += v[4];
        res->batches += batches;
        char row[512]; // rank 0's: the sums of stats_sum are only there
        if (rank0)
            snprintf(row, sizeof row,
                     "%d %s %d %d %.9g %.9g %.9g %.9g %.9g %.15g %.15g %d %d %d %.9g %.9g\n", e,
                     cfg->strategy, cfg->nodes, cfg->gpus_per_node, epoch_s, res->time_s,
                     v[0] / be->world, v[1] / be->world, v[2] / be->world, v[3], v[4], gs, ls, S,
                     loss, acc);
        if (out->csv && rank0)
            fputs(row, out->csv);
        if (be->epoch_done)
            be->epoch_done(ctx, s, res, rank0 ? row : NULL);
    }
    if (progress)
        progress_line(cfg->epochs - 1, cfg->epochs, batches - 1, batches, res->time_s, true);
}

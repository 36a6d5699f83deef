// events.c: see events.h.
#include "events.h"

#include <string.h> // memset

static const char *const cat_name[EV_N] = {"compute", "local", "global"};

void trace_begin(trace *t, FILE *f)
{
    t->f = f;
    t->n = 0;
    fputs("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n", f);
}

void trace_end(trace *t)
{
    fputs("\n]}\n", t->f);
}

static void trace_sep(trace *t)
{
    if (t->n++ > 0)
        fputs(",\n", t->f);
}

void trace_name_rank(trace *t, int rank, int gpus_per_node)
{
    int node = rank / gpus_per_node, gpu = rank % gpus_per_node;
    trace_sep(t);
    fprintf(t->f,
            "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"tid\":%d,"
            "\"args\":{\"name\":\"node %d\"}},\n",
            node, gpu, node);
    fprintf(t->f,
            "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,"
            "\"args\":{\"name\":\"gpu %d\"}}",
            node, gpu, gpu);
}

void events_init(events *ev, int rank, int gpus_per_node, trace *t)
{
    memset(ev, 0, sizeof *ev);
    ev->rank = rank;
    ev->gpus_per_node = gpus_per_node;
    ev->trace = t;
}

void events_start_batch(events *ev, int epoch, int batch)
{
    ev->epoch = epoch;
    ev->batch = batch;
    memset(ev->batch_s, 0, sizeof ev->batch_s);
}

void events_start_epoch(events *ev, int epoch)
{
    ev->epoch = epoch;
    memset(ev->epoch_s, 0, sizeof ev->epoch_s);
    ev->epoch_bytes_local = ev->epoch_bytes_global = 0;
}

void events_add(events *ev, event_cat cat, const char *name, double t0, double t1,
                double bytes_local, double bytes_global)
{
    double d = t1 - t0;
    ev->batch_s[cat] += d;
    ev->epoch_s[cat] += d;
    ev->epoch_bytes_local += bytes_local;
    ev->epoch_bytes_global += bytes_global;
    if (ev->trace == NULL)
        return;
    trace *t = ev->trace;
    trace_sep(t);
    fprintf(t->f,
            "{\"ph\":\"X\",\"name\":\"%s\",\"cat\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%.3f,"
            "\"dur\":%.3f,\"args\":{\"epoch\":%d,\"batch\":%d,\"bytes\":%.0f}}",
            name, cat_name[cat], ev->rank / ev->gpus_per_node, ev->rank % ev->gpus_per_node,
            t0 * 1e6, d * 1e6, ev->epoch, ev->batch, bytes_local + bytes_global);
}

// daso_plan.c: build/daso-plan, the schedule inspector. Prints, batch by batch, what a strategy
// does in the trace format of docs/DASO.md section 8, so a schedule can be checked against HeAT's
// timelines before anything is simulated or run:
//
//   daso-plan --gpus-per-node 4 --global-skip 4 --local-skip 1 --batches-to-wait 1 --last-batch 17
//   daso-plan --gpus-per-node 4 --last-batch 17 --epochs 30 --loss-file losses.txt
//   daso-plan --strategy localsgd --gpus-per-node 4 --last-batch 17 --localsgd-period 4
#include <stdio.h>  // printf, puts
#include <stdlib.h> // free
#include <string.h> // strcmp

#include "cli.h"       // cli, cli_parse, cli_given
#include "losscurve.h" // losscurve_read
#include "scheduler.h" // sched, sched_config, sched_config_cli, plan_format
#include "util.h"      // util_die_input, mallocCheck

static const char usage[] =
    "usage: daso-plan --gpus-per-node G --global-skip GS --local-skip LS --batches-to-wait S\n"
    "                 --last-batch L [--epochs E] [--nodes N]\n"
    "       daso-plan --gpus-per-node G --last-batch L --epochs E --loss-file F\n"
    "                 [--nodes N] [DASO hyperparameters]\n"
    "       daso-plan --strategy sync|hier|localsgd --gpus-per-node G --last-batch L\n"
    "                 [--epochs E] [baseline settings]\n"
    "\n"
    "Prints the per-batch plan of a strategy, one line per batch:\n"
    "  <epoch> <batch> <on|off> <action>[; <action>]...   ('-' when there is none)\n"
    "on|off: node-local gradient averaging in this batch's backward. Actions: send g<k> B<n>\n"
    "<fp32|bf16|fp16>, merge g<k> B<n>, avg g<k> (blocking average), bcast g<k> (node\n"
    "broadcast from local rank k), avg world <fmt>, allreduce-grads world|hier <fmt>.\n"
    "Each epoch starts with '# epoch <e> gs <gs> ls <ls> S <S>' (daso; ' blocking' follows\n"
    "when gs is 0: a blocking global average every batch) or '# epoch <e> strategy <name>'\n"
    "(the baselines).\n"
    "\n"
    "The first form prints a fixed (gs, ls, S) schedule without epoch logic; the second runs\n"
    "DASO's epoch logic on the losses of F (one world-averaged training loss per epoch, one\n"
    "per line, or a per-epoch CSV with a train_loss column).\n";

typedef struct {
    const char *loss_file;
} plan_options;

static const cli_opt shape_opts[] = {
    CLI_NUM("gpus-per-node", CLI_INT, sched_config, gpus_per_node, 1, 1e6, "G",
            "GPUs per node (>= 2 for daso); required", .flags = CLI_NO_DEFAULT),
    CLI_NUM("nodes", CLI_INT, sched_config, nodes, 1, 1e6, "N", "nodes; sets the merge weights only"),
    CLI_NUM("last-batch", CLI_INT, sched_config, last_batch, 0, 1e9, "L",
            "index of the last batch of an epoch; required", .flags = CLI_NO_DEFAULT),
    CLI_NUM("epochs", CLI_INT, sched_config, epochs, 1, 1e6, "E", "epochs to print"),
    CLI_NUM("global-skip", CLI_INT, sched_config, fixed_gs, 0, 1e6, "GS",
            "fixed DASO schedule: batches between global syncs", .flags = CLI_NO_DEFAULT),
    CLI_NUM("local-skip", CLI_INT, sched_config, fixed_ls, 0, 1e6, "LS",
            "fixed DASO schedule: batches between node-local averagings", .flags = CLI_NO_DEFAULT),
    CLI_NUM("batches-to-wait", CLI_INT, sched_config, fixed_S, 0, 1e6, "S",
            "fixed DASO schedule: batches a global sync waits", .flags = CLI_NO_DEFAULT),
};
static const cli_opt plan_opts[] = {
    CLI_STR("loss-file", plan_options, loss_file, "F", "losses that drive the epoch logic"),
};

int main(int argc, char **argv)
{
    sched_config c;
    sched_config_defaults(&c);
    c.nodes = 2;
    plan_options o = {0};
    cli p = {.prog = "daso-plan", .usage = usage};
    cli_add(&p, NULL, shape_opts, CLI_COUNT(shape_opts), &c);
    cli_add(&p, NULL, plan_opts, CLI_COUNT(plan_opts), &o);
    sched_config_cli(&p, &c);
    const int first = cli_parse(&p, argc, argv);
    if (first < argc)
        util_die_input("unexpected argument '%s' (see --help)", argv[first]);
    if (!cli_given(&p, "gpus-per-node") || !cli_given(&p, "last-batch"))
        util_die_input("--gpus-per-node and --last-batch are required (see --help)");
    const int n_fixed = cli_given(&p, "global-skip") + cli_given(&p, "local-skip") +
                        cli_given(&p, "batches-to-wait");
    const char *loss_file = o.loss_file;
    const int is_daso = strcmp(c.strategy, "daso") == 0;
    if (is_daso) {
        if (n_fixed > 0 && n_fixed < 3)
            util_die_input("a fixed schedule needs all of --global-skip, --local-skip and "
                           "--batches-to-wait");
        if (n_fixed == 3 && loss_file)
            util_die_input("give either a fixed schedule or --loss-file, not both");
        if (n_fixed == 0 && loss_file == NULL)
            util_die_input("DASO needs a fixed schedule (--global-skip ...) or --loss-file with "
                           "--epochs");
        if (loss_file && !cli_given(&p, "epochs"))
            util_die_input("--loss-file needs --epochs");
        c.fixed = n_fixed == 3;
    } else if (n_fixed > 0 || loss_file) {
        util_die_input("--global-skip, --local-skip, --batches-to-wait and --loss-file are for "
                       "--strategy daso");
    }
    sched s;
    sched_init(&s, &c); // validates every setting before anything is printed
    double *loss = mallocCheck(sizeof(double) * (size_t)c.epochs);
    for (int e = 0; e < c.epochs; e++)
        loss[e] = 0;
    if (loss_file)
        losscurve_read(loss_file, c.epochs, loss);
    sched_warn(&c, stderr);

    char line[512];
    plan_batch pb;
    for (int e = 0; e < c.epochs; e++) {
        if (is_daso)
            printf("# epoch %d gs %d ls %d S %d%s\n", e, s.gs, s.ls, s.S,
                   sched_blocking(&s) ? " blocking" : "");
        else
            printf("# epoch %d strategy %s\n", e, c.strategy);
        for (int b = 0; b <= c.last_batch; b++) {
            sched_plan(&s, &pb);
            plan_format(&pb, line, sizeof line);
            puts(line);
        }
        sched_epoch_end(&s, loss[e]);
    }
    free(loss);
    if (fflush(stdout) != 0 || ferror(stdout))
        util_die("writing the plan to stdout failed");
    return 0;
}

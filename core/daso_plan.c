// daso_plan.c: build/daso-plan, the schedule inspector. Prints, batch by batch, what a strategy
// does in the trace format of docs/DASO.md section 8, so a schedule can be checked against HeAT's
// timelines before anything is simulated or run:
//
//   daso-plan --gpus-per-node 4 --global-skip 4 --local-skip 1 --batches-to-wait 1 --last-batch 17
//   daso-plan --gpus-per-node 4 --last-batch 17 --epochs 30 --loss-file losses.txt
//   daso-plan --strategy localsgd --gpus-per-node 4 --last-batch 17 --localsgd-period 4
#include <stdio.h>  // printf, fprintf
#include <stdlib.h> // free
#include <string.h> // strcmp

#include "losscurve.h" // losscurve_read
#include "scheduler.h"     // sched, sched_config, plan_format
#include "util.h"      // util_prog, util_parse_long, util_die_input, mallocCheck

static void usage(FILE *f)
{
    fprintf(f,
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
            "Each epoch starts with '# epoch <e> gs <gs> ls <ls> S <S>' (daso) or\n"
            "'# epoch <e> strategy <name>' (the baselines).\n"
            "\n"
            "The first form prints a fixed (gs, ls, S) schedule without epoch logic; the second runs\n"
            "DASO's epoch logic on the losses of F (one world-averaged training loss per epoch, one\n"
            "per line, or a per-epoch CSV with a train_loss column).\n"
            "\n"
            "  --strategy daso|sync|hier|localsgd     strategy to plan (daso)\n"
            "  --gpus-per-node G                      GPUs per node (>= 2 for daso)\n"
            "  --nodes N                              nodes; sets the merge weights only (2)\n"
            "  --last-batch L                         index of the last batch of an epoch (>= 0)\n"
            "  --epochs E                             epochs to print (1)\n"
            "  --global-skip GS, --local-skip LS, --batches-to-wait S   fixed DASO schedule\n"
            "  --loss-file F                          losses that drive the epoch logic\n"
            "  --help                                 this text\n");
    sched_config_help(f);
}

int main(int argc, char **argv)
{
    util_prog = "daso-plan";
    sched_config c;
    sched_config_defaults(&c);
    c.nodes = 2;
    const char *loss_file = NULL;
    int have_gpus = 0, have_last = 0, have_epochs = 0, n_fixed = 0;
    for (int i = 1; i < argc;) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used = sched_config_option(&c, argc, argv, i);
        if (used) {
            i += used;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--strategy") == 0) {
            if (v == NULL || sched_find_strategy(v) == NULL)
                util_die_input("--strategy must be daso, sync, hier or localsgd (got '%s')",
                               v ? v : "");
            c.strategy = v;
        } else if (strcmp(a, "--gpus-per-node") == 0) {
            c.gpus_per_node = (int)util_parse_long(v, a, -1000000, 1000000);
            have_gpus = 1;
        } else if (strcmp(a, "--nodes") == 0) {
            c.nodes = (int)util_parse_long(v, a, -1000000, 1000000);
        } else if (strcmp(a, "--last-batch") == 0) {
            c.last_batch = (int)util_parse_long(v, a, -1000000000, 1000000000);
            have_last = 1;
        } else if (strcmp(a, "--epochs") == 0) {
            c.epochs = (int)util_parse_long(v, a, -1000000, 1000000);
            have_epochs = 1;
        } else if (strcmp(a, "--global-skip") == 0) {
            c.fixed_gs = (int)util_parse_long(v, a, -1000000, 1000000);
            n_fixed++;
        } else if (strcmp(a, "--local-skip") == 0) {
            c.fixed_ls = (int)util_parse_long(v, a, -1000000, 1000000);
            n_fixed++;
        } else if (strcmp(a, "--batches-to-wait") == 0) {
            c.fixed_S = (int)util_parse_long(v, a, -1000000, 1000000);
            n_fixed++;
        } else if (strcmp(a, "--loss-file") == 0) {
            loss_file = util_value(v, a);
        } else {
            util_die_input("unknown option '%s' (see --help)", a);
        }
        i += 2;
    }
    if (!have_gpus || !have_last)
        util_die_input("--gpus-per-node and --last-batch are required (see --help)");
    int is_daso = strcmp(c.strategy, "daso") == 0;
    if (is_daso) {
        if (n_fixed > 0 && n_fixed < 3)
            util_die_input("a fixed schedule needs all of --global-skip, --local-skip and "
                           "--batches-to-wait");
        if (n_fixed == 3 && loss_file)
            util_die_input("give either a fixed schedule or --loss-file, not both");
        if (n_fixed == 0 && loss_file == NULL)
            util_die_input("DASO needs a fixed schedule (--global-skip ...) or --loss-file with "
                           "--epochs");
        if (loss_file && !have_epochs)
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

    char line[512];
    plan_batch p;
    for (int e = 0; e < c.epochs; e++) {
        if (is_daso)
            printf("# epoch %d gs %d ls %d S %d\n", e, s.gs, s.ls, s.S);
        else
            printf("# epoch %d strategy %s\n", e, c.strategy);
        for (int b = 0; b <= c.last_batch; b++) {
            sched_plan(&s, &p);
            plan_format(&p, line, sizeof line);
            puts(line);
        }
        sched_epoch_end(&s, loss[e]);
    }
    free(loss);
    if (fflush(stdout) != 0 || ferror(stdout))
        util_die("writing the plan to stdout failed");
    return 0;
}

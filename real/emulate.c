// emulate.c: see emulate.h. Built only into daso-train-smpi (smpicc).
#include "emulate.h"

#include <stdio.h> // snprintf

#include <smpi/smpi.h> // smpi_execute_flops, smpi_shared_known_call, smpi_shared_get_call,
                       // smpi_shared_set_call

#include "cli.h"     // cli_add, CLI_STR, CLI_NUM
#include "profile.h" // profile_load, profile_default_dir, profile_set_batch
#include "util.h"    // mallocCheck

static double flops_per_s; // the profile's reference GPU rate

static void charge(double seconds)
{
    if (seconds > 0)
        smpi_execute_flops(seconds * flops_per_s);
}

static const cli_opt options[] = {
    CLI_STR("compute-profile", emulate_options, profile, "P",
            "model profile whose forward, backward and optimizer\n"
            "times are charged per batch, scaled to --batch-size\n"
            "(fashion_mlp or fashion_cnn, after --model); a name in\n"
            "$DASO_MODELS or a .profile file"),
    CLI_NUM("charge-slices", CLI_INT, emulate_options, slices, 1, 1 << 20, "K",
            "pieces of each batch's forward-backward charge, the global\n"
            "message advancing in between"),
};

void emulate_cli(cli *p, emulate_options *o)
{
    cli_add(p, "Emulation (this build runs under smpirun; use daso-emulate):", options,
            CLI_COUNT(options), o);
}

void emulate_setup(const emulate_options *o, mpi_setup *ms)
{
    char name[32];
    snprintf(name, sizeof name, "fashion_%s", net_kind_name(ms->model));
    profile p;
    profile_load(&p, o->profile ? o->profile : name, profile_default_dir());
    profile_set_batch(&p, ms->batch); // daso-sim --batch-size's scaling
    flops_per_s = p.ref_gpu_flops;
    ms->charge = charge;
    ms->forward_s = p.forward_s;
    ms->backward_s = p.backward_s;
    ms->optimizer_s = p.optimizer_s;
    ms->charge_slices = o->slices;
}

void emulate_load(mnist_set *s, const char *dir, const char *prefix, int max_n)
{
    char key[4200];
    snprintf(key, sizeof key, "%s/%s/%d", dir, prefix, max_n);
    if (smpi_shared_known_call("mnist", key)) {
        *s = *(mnist_set *)smpi_shared_get_call("mnist", key);
        return;
    }
    mnist_set *shared = mallocCheck(sizeof *shared);
    mnist_load_limit(shared, dir, prefix, max_n);
    smpi_shared_set_call("mnist", key, shared);
    *s = *shared;
}

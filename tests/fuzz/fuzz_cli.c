// fuzz_cli.c: libFuzzer target of core/cli.c, the option parser of every program: the bytes cut
// at newlines into argv (at most 64 arguments), parsed against a table with an option of every
// kind (numbers with bounds and a scale, strings, flags, choices, names, a list handler), once
// with options first and once with arguments anywhere; then what the programs do with the
// result (cli_given, cli_value, the settings fingerprint, --help's text with the values as
// defaults, suggestions for every argument). Inputs with --help or -h are skipped: the help
// exits 0 by design. Seeds: tests/fuzz/corpus/cli/. Run by `make fuzz` (see fuzz.h).
#define _GNU_SOURCE // memmem
#include <stdbool.h> // bool
#include <stdint.h>  // uint8_t, uint64_t
#include <stdio.h>   // FILE, fopen, fclose
#include <stdlib.h>  // abort
#include <string.h>  // memcpy, strcmp

#include "cli.h"  // cli, cli_opt, cli_add, cli_parse, cli_fingerprint, cli_help, cli_suggest
#include "fuzz.h" // fuzz_run
#include "util.h" // util_parse_long, util_die_input

typedef struct {
    int i, mode;
    long l;
    uint64_t u;
    double d, rate;
    float f;
    bool yes, no;
    const char *s, *name, *model;
    long list[4];
    int n_list;
} opts;

static const char *const modes[] = {"flow", "step", "packet", NULL};
static const int mode_values[] = {1, 2, 4};

static const char *model(int i)
{
    static const char *const names[] = {"resnet50", "hrnet", "fashion_mlp"};
    return i >= 0 && i < 3 ? names[i] : NULL;
}

static const char *model_help(int i)
{
    return i == 1 ? "segmentation" : "classification";
}

// --list A[,B...]: up to 4 whole numbers in [0, 100]
static void set_list(void *base, const char *v, const char *what)
{
    opts *o = base;
    o->n_list = 0;
    for (const char *p = v; *p;) {
        char item[32];
        size_t len = strcspn(p, ",");
        if (o->n_list == 4 || len >= sizeof item)
            util_die_input("%s: at most 4 short items (got '%s')", what, v);
        memcpy(item, p, len);
        item[len] = '\0';
        o->list[o->n_list++] = util_parse_long(item, what, 0, 100);
        p += len + (p[len] == ',');
    }
}

static const cli_opt table[] = {
    CLI_NUM("nodes", CLI_INT, opts, i, 1, 1e6, "N", "nodes"),
    CLI_NUM("seed", CLI_LONG, opts, l, -1e9, 1e9, "S", "seed"),
    CLI_NUM("bytes", CLI_UINT64, opts, u, 0, 1e15, "B", "bytes", .flags = CLI_NO_DEFAULT),
    CLI_NUM("bw", CLI_DOUBLE, opts, d, 0, 1e15, "GB/s", "bandwidth\nin GB/s", .scale = 1e9,
            .flags = CLI_ABOVE),
    CLI_NUM("rate", CLI_DOUBLE, opts, rate, -1, 1, "R", "rate"),
    CLI_NUM("lr", CLI_FLOAT, opts, f, 0, 10, "LR", "learning rate"),
    CLI_FLAG("quiet", CLI_TRUE, opts, yes, "no progress lines", .flags = CLI_OUTPUT),
    CLI_FLAG("no-overlap", CLI_FALSE, opts, no, "overlap off"),
    CLI_STR("out", opts, s, "F", "output", .flags = CLI_OUTPUT),
    CLI_CHOOSE("fidelity", opts, mode, "how", modes, mode_values),
    {.name = "strategy", .kind = CLI_NAME, .offset = offsetof(opts, name), .help = "strategy",
     .choices = (const char *const[]){"daso", "sync", "hier", NULL}},
    {.name = "model", .kind = CLI_NAME, .offset = offsetof(opts, model), .help = "model",
     .choice = model, .choice_help = model_help},
    CLI_FN("list", set_list, "A[,B...]", "a list"),
};

#define MAX_ARGS 64

static struct {
    int argc;
    char *argv[MAX_ARGS + 1];
} cmd;

static void parse(void *anywhere)
{
    opts o = {.i = 4, .l = 1, .d = 25e9, .f = 0.1f, .no = true, .mode = 1, .name = "daso"};
    cli p = {.prog = "daso-fuzz", .usage = "usage: daso-fuzz [options] [FILE...]\n",
             .anywhere = *(bool *)anywhere};
    cli_add(&p, "Options:", table, 6, &o);
    cli_add(&p, NULL, table + 6, CLI_COUNT(table) - 6, &o);
    int first = cli_parse(&p, cmd.argc, cmd.argv);
    if (first < 0 || first > cmd.argc)
        abort();
    cli_given(&p, "bw");
    cli_value(&p, "list");
    char buf[1 << 14], hint[128];
    cli_fingerprint(&p, buf, sizeof buf);
    for (int i = 1; i < cmd.argc; i++)
        cli_suggest(&p, cmd.argv[i] + (strncmp(cmd.argv[i], "--", 2) == 0 ? 2 : 0), hint,
                    sizeof hint);
    FILE *f = fopen("/dev/null", "w");
    if (f == NULL)
        abort();
    cli_help(&p, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[1 << 16];
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (bool anywhere = false;; anywhere = true) {
        cmd.argc = 0;
        cmd.argv[cmd.argc++] = "daso-fuzz";
        for (char *a = text, *end = text + size; a <= end && cmd.argc < MAX_ARGS;) {
            char *nl = memchr(a, '\n', (size_t)(end - a));
            if (nl)
                *nl = '\0';
            if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
                return 0; // cli_help_if_asked prints the help and exits 0
            cmd.argv[cmd.argc++] = a;
            if (nl == NULL)
                break;
            a = nl + 1;
        }
        cmd.argv[cmd.argc] = NULL;
        fuzz_run(parse, &anywhere);
        if (anywhere)
            break;
        memcpy(text, data, size); // getopt_long permuted argv; cut again
    }
    return 0;
}

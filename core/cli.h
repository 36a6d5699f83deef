// cli.h: the command-line layer of every program of the toolkit. A program describes its options
// as tables over its own structs; getopt_long parses them, so every option takes "--name value"
// and "--name=value", names must be given whole (a near miss gets "did you mean --epochs?"), and
// --help and -h print a text generated from the same tables, defaults included.
//
//   typedef struct { int epochs; const char *out; } opts;
//   static const cli_opt my_opts[] = {
//       CLI_NUM("epochs", CLI_INT, opts, epochs, 1, 1e6, "E", "epochs"),
//       CLI_STR("out", opts, out, "F", "per-epoch CSV", CLI_OUTPUT),
//   };
//   opts o = {.epochs = 10};
//   cli p = {.prog = "daso-x", .usage = "usage: daso-x [options]\n\nWhat it does.\n"};
//   cli_add(&p, NULL, my_opts, CLI_COUNT(my_opts), &o);
//   int first = cli_parse(&p, argc, argv); // first argument that is not an option
//
// Bad values and unknown options exit 2 with one line (util_die_input). An option given twice
// takes its last value, as getopt_long's programs do (--help says so); CLI_CALL options decide
// for themselves (lists add up). cli_fingerprint() writes
// every setting that changes a run's results as text, for checkpoints to compare.
#ifndef DASO_CLI_H
#define DASO_CLI_H

#include <stdbool.h> // bool
#include <stddef.h>  // size_t, offsetof
#include <stdio.h>   // FILE

typedef enum {
    CLI_INT,    // int, within [lo, hi]
    CLI_LONG,   // long, within [lo, hi]
    CLI_UINT64, // uint64_t, within [lo, hi]
    CLI_DOUBLE, // double, within [lo, hi], stored times `scale` when it is not 0
    CLI_FLOAT,  // float, within [lo, hi]
    CLI_STRING, // const char * (argv's own string)
    CLI_TRUE,   // bool set true; takes no value
    CLI_FALSE,  // bool set false; takes no value
    CLI_CHOICE, // int: values[i] for the i-th name of `choices`
    CLI_NAME,   // const char *: one of `choices` (or of `choice(i)`), stored as given
    CLI_CALL,   // call(base, value, "--name"): lists, repeatable options, own syntax
} cli_kind;

enum {
    CLI_OUTPUT = 1u << 0, // where results go or how they are shown: not in the fingerprint
    CLI_NO_DEFAULT = 1u << 1, // --help shows no "(default)" (required, or described in the text)
    CLI_ABOVE = 1u << 2,      // numbers: lo itself is refused (a value must be > lo)
};

typedef struct {
    const char *name; // without the leading "--"
    cli_kind kind;
    size_t offset; // of the field in the table's struct
    double lo, hi, scale;
    const char *arg;  // the value's placeholder in --help ("N", "F"); choices are generated
    const char *help; // one line, or several separated by '\n'
    const char *const *choices; // CLI_CHOICE, CLI_NAME: names, NULL-terminated
    const int *values;          // CLI_CHOICE: the value stored for each name (NULL: its index)
    const char *(*choice)(int i); // CLI_NAME without `choices`: the i-th name, NULL past the end
    const char *(*choice_help)(int i); // CLI_NAME: a line of --help for the i-th name (or NULL)
    void (*call)(void *base, const char *value, const char *what); // CLI_CALL
    unsigned flags;
} cli_opt;

#define CLI_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define CLI_NUM(name_, kind_, type, field, lo_, hi_, arg_, help_, ...)                          \
    {.name = name_, .kind = kind_, .offset = offsetof(type, field), .lo = lo_, .hi = hi_,        \
     .arg = arg_, .help = help_, __VA_ARGS__}
#define CLI_STR(name_, type, field, arg_, help_, ...)                                          \
    {.name = name_, .kind = CLI_STRING, .offset = offsetof(type, field), .arg = arg_,            \
     .help = help_, __VA_ARGS__}
#define CLI_FLAG(name_, kind_, type, field, help_, ...)                                        \
    {.name = name_, .kind = kind_, .offset = offsetof(type, field), .help = help_, __VA_ARGS__}
#define CLI_CHOOSE(name_, type, field, help_, choices_, values_, ...)                          \
    {.name = name_, .kind = CLI_CHOICE, .offset = offsetof(type, field), .help = help_,          \
     .choices = choices_, .values = values_, __VA_ARGS__}
#define CLI_FN(name_, fn, arg_, help_, ...)                                                    \
    {.name = name_, .kind = CLI_CALL, .call = fn, .arg = arg_, .help = help_, __VA_ARGS__}

typedef struct {
    const char *title; // heading in --help (NULL: none)
    const cli_opt *opts;
    size_t n;
    void *base; // the struct the offsets point into
} cli_table;

#define CLI_MAX_TABLES 6
#define CLI_MAX_OPTS 192

typedef struct {
    const char *prog;   // name in messages ("daso-sim"); util_prog is used when NULL
    const char *usage;  // printed by --help before the options: usage lines and what it does
    const char *footer; // printed after the options (NULL: nothing)
    bool anywhere;      // arguments that are not options may stand between options (they are
                        // moved to the end); else the first one ends the options
    cli_table tables[CLI_MAX_TABLES];
    int n_tables;
    // filled by cli_parse
    const char *given[CLI_MAX_OPTS]; // per option in table order: its last value text
                                     // ("" for flags), NULL when not given
} cli;

void cli_add(cli *p, const char *title, const cli_opt *opts, size_t n, void *base);

// Parses argv from argv[1] on, stopping at the first argument that is not an option (or after
// "--"; with `anywhere`, at the end, the other arguments moved behind the options); returns the
// index of the first argument that is not an option. --help or -h anywhere before that prints the help and exits 0.
int cli_parse(cli *p, int argc, char **argv);

// --help or -h before any "--": print the help and exit 0 (cli_parse does it too; a program that
// hands argv to a library first calls this before).
void cli_help_if_asked(const cli *p, int argc, char **argv);
// Whether argv asks for the help as cli_help_if_asked sees it (--help or -h before any "--").
bool cli_help_asked(int argc, const char *const *argv);

// Whether option `name` was given; its last value text (or NULL).
bool cli_given(const cli *p, const char *name);
const char *cli_value(const cli *p, const char *name);

void cli_help(const cli *p, FILE *f);

// "name=value\n" for every option without CLI_OUTPUT, in table order, values as parsed (or the
// defaults), numbers to 17 digits: what a checkpoint must match to be resumed. Returns the length
// (exits 1 if buf is too small).
size_t cli_fingerprint(const cli *p, char *buf, size_t n);

// "did you mean --NAME?" for the option nearest to `typed` (without "--"), or "" if none is near.
const char *cli_suggest(const cli *p, const char *typed, char *buf, size_t n);

#endif

// cli.c: see cli.h.
#define _GNU_SOURCE // getopt_long
#include "cli.h"

#include <getopt.h> // getopt_long, struct option, optind, optarg, optopt, opterr
#include <stdint.h> // uint64_t
#include <stdlib.h> // exit
#include <string.h> // strcmp, strncmp, strlen, strchr, strcspn

#include "util.h" // util_die_input, util_die, util_parse_long, util_parse_double

void cli_add(cli *p, const char *title, const cli_opt *opts, size_t n, void *base)
{
    if (p->n_tables == CLI_MAX_TABLES)
        util_die("more than %d option tables", CLI_MAX_TABLES);
    p->tables[p->n_tables++] = (cli_table){.title = title, .opts = opts, .n = n, .base = base};
}

// The k-th option over all tables (k in table order), its table's base in *base.
static const cli_opt *nth(const cli *p, int k, void **base)
{
    for (int t = 0; t < p->n_tables; t++) {
        if ((size_t)k < p->tables[t].n) {
            *base = p->tables[t].base;
            return &p->tables[t].opts[k];
        }
        k -= (int)p->tables[t].n;
    }
    return NULL;
}

static int count(const cli *p)
{
    int n = 0;
    for (int t = 0; t < p->n_tables; t++)
        n += (int)p->tables[t].n;
    return n;
}

static int find(const cli *p, const char *name)
{
    void *base;
    for (int k = 0; k < count(p); k++)
        if (strcmp(nth(p, k, &base)->name, name) == 0)
            return k;
    return -1;
}

static const char *choice_name(const cli_opt *o, int i)
{
    return o->choices ? o->choices[i] : o->choice(i);
}

// "a|b|c" of a choice option
static void choices_text(const cli_opt *o, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int i = 0; choice_name(o, i); i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", i ? "|" : "", choice_name(o, i));
    }
}

// ----------------------------------------------------------------------------
// suggestions

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (la >= 63 || lb >= 63)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cli_suggest(const cli *p, const char *typed, char *buf, size_t n)
{
    size_t best = 3, len = strcspn(typed, "=");
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(len < 63 ? len : 63), typed);
    const char *pick = NULL;
    void *base;
    for (int k = 0; k < count(p); k++) {
        const char *name = nth(p, k, &base)->name;
        size_t d = edit_distance(word, name);
        if (len > 0 && strncmp(name, word, len) == 0 && d > 1)
            d = 1; // a prefix of the name
        if (d < best) {
            best = d;
            pick = name;
        }
    }
    if (pick == NULL)
        buf[0] = '\0';
    else
        snprintf(buf, n, " (did you mean --%s?)", pick);
    return buf;
}

// ----------------------------------------------------------------------------
// parsing

static void set_value(const cli_opt *o, void *base, const char *v)
{
    char what[80];
    snprintf(what, sizeof what, "--%s", o->name);
    char *field = (char *)base + o->offset;
    switch (o->kind) {
    case CLI_INT:
        *(int *)field = (int)util_parse_long(v, what, (long)o->lo, (long)o->hi);
        break;
    case CLI_LONG:
        *(long *)field = util_parse_long(v, what, (long)o->lo, (long)o->hi);
        break;
    case CLI_UINT64:
        *(uint64_t *)field = (uint64_t)util_parse_long(v, what, (long)o->lo, (long)o->hi);
        break;
    case CLI_DOUBLE: {
        const double x = util_parse_double(v, what, o->lo, o->hi);
        if ((o->flags & CLI_ABOVE) && !(x > o->lo))
            util_die_input("%s must be > %g (got %s)", what, o->lo, v);
        *(double *)field = x * (o->scale ? o->scale : 1);
        break;
    }
    case CLI_FLOAT:
        *(float *)field = (float)util_parse_double(v, what, o->lo, o->hi);
        break;
    case CLI_STRING:
        *(const char **)field = v;
        break;
    case CLI_TRUE:
    case CLI_FALSE:
        *(bool *)field = o->kind == CLI_TRUE;
        break;
    case CLI_CHOICE:
    case CLI_NAME: {
        int i = 0;
        while (choice_name(o, i) && strcmp(choice_name(o, i), v) != 0)
            i++;
        if (choice_name(o, i) == NULL) {
            char list[256];
            choices_text(o, list, sizeof list);
            util_die_input("%s must be %s (got '%s')", what, list, v);
        }
        if (o->kind == CLI_CHOICE)
            *(int *)field = o->values ? o->values[i] : i;
        else
            *(const char **)field = choice_name(o, i);
        break;
    }
    case CLI_CALL:
        o->call(base, v, what);
        break;
    }
}

static void die_unknown(const cli *p, const char *arg)
{
    char hint[96] = "";
    if (strncmp(arg, "--", 2) == 0)
        cli_suggest(p, arg + 2, hint, sizeof hint);
    util_die_input("unknown option '%.*s'%s (see --help)", (int)strcspn(arg, "="), arg, hint);
}

bool cli_help_asked(int argc, const char *const *argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

void cli_help_if_asked(const cli *p, int argc, char **argv)
{
    if (cli_help_asked(argc, (const char *const *)argv)) {
        cli_help(p, stdout);
        if (fflush(stdout) != 0)
            util_die("writing the help failed");
        exit(0);
    }
}

int cli_parse(cli *p, int argc, char **argv)
{
    if (p->prog)
        util_prog = p->prog;
    cli_help_if_asked(p, argc, argv);
    const int n = count(p);
    if (n > CLI_MAX_OPTS)
        util_die("more than %d options", CLI_MAX_OPTS);
    struct option longopts[CLI_MAX_OPTS + 1];
    void *base;
    for (int k = 0; k < n; k++) {
        const cli_opt *o = nth(p, k, &base);
        const bool flag = o->kind == CLI_TRUE || o->kind == CLI_FALSE;
        longopts[k] = (struct option){o->name, flag ? no_argument : required_argument, NULL,
                                      256 + k};
    }
    longopts[n] = (struct option){0};
    for (int k = 0; k < n; k++)
        p->given[k] = NULL;
    opterr = 0;
    optind = 0; // glibc: start again from argv[1] (a program may parse twice: subcommands)
    for (;;) {
        // the argument getopt takes next (past the arguments it moves, with `anywhere`): every
        // option is long, and -h alone was handled above, so "-x" or "-hq" is refused here, whole
        // (getopt would report one letter of it, name the argument before it, and take -hq for -h)
        int next = optind > 0 ? optind : 1;
        while (p->anywhere && next < argc && (argv[next][0] != '-' || argv[next][1] == '\0'))
            next++;
        if (next < argc && argv[next][0] == '-' && argv[next][1] != '-' && argv[next][1] != '\0')
            die_unknown(p, argv[next]);
        const int c = getopt_long(argc, argv, p->anywhere ? ":" : "+:", longopts, NULL);
        if (c == -1)
            break;
        // the option as typed: the last argument taken, or the one before its separate value
        const char *typed = argv[optind - 1];
        if (c >= 256 && optarg == typed && optind >= 2)
            typed = argv[optind - 2];
        if (c == '?' && optopt >= 256) {
            util_die_input("--%s takes no value", nth(p, optopt - 256, &base)->name);
        } else if (c == '?') {
            die_unknown(p, typed);
        } else if (c == ':') {
            if (optopt < 256)
                die_unknown(p, typed);
            util_die_input("--%s needs a value", nth(p, optopt - 256, &base)->name);
        }
        const int k = c - 256;
        const cli_opt *o = nth(p, k, &base);
        const size_t len = strlen(o->name);
        if (strncmp(typed + 2, o->name, len) != 0 || (typed[len + 2] != '\0' && typed[len + 2] != '='))
            die_unknown(p, typed); // getopt_long's abbreviation: names are given whole
        set_value(o, base, optarg ? optarg : "");
        p->given[k] = optarg ? optarg : "";
    }
    return optind;
}

bool cli_given(const cli *p, const char *name)
{
    return cli_value(p, name) != NULL;
}

const char *cli_value(const cli *p, const char *name)
{
    int k = find(p, name);
    if (k < 0)
        util_die("no option --%s", name);
    return p->given[k];
}

// ----------------------------------------------------------------------------
// help and fingerprint

// The option's value as text (its default before parsing); "" where there is none to show.
static void value_text(const cli_opt *o, const void *base, char *buf, size_t n, bool exact)
{
    const char *field = (const char *)base + o->offset;
    const char *fmt = exact ? "%.17g" : "%g";
    buf[0] = '\0';
    switch (o->kind) {
    case CLI_INT:
        snprintf(buf, n, "%d", *(const int *)field);
        break;
    case CLI_LONG:
        snprintf(buf, n, "%ld", *(const long *)field);
        break;
    case CLI_UINT64:
        snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)field);
        break;
    case CLI_DOUBLE:
        snprintf(buf, n, fmt, *(const double *)field / (o->scale ? o->scale : 1));
        break;
    case CLI_FLOAT:
        snprintf(buf, n, fmt, (double)*(const float *)field);
        break;
    case CLI_STRING:
    case CLI_NAME:
        snprintf(buf, n, "%s", *(const char *const *)field ? *(const char *const *)field : "");
        break;
    case CLI_TRUE:
    case CLI_FALSE:
        if (exact)
            snprintf(buf, n, "%d", *(const bool *)field);
        break;
    case CLI_CHOICE:
        for (int i = 0; choice_name(o, i); i++)
            if ((o->values ? o->values[i] : i) == *(const int *)field)
                snprintf(buf, n, "%s", choice_name(o, i));
        break;
    case CLI_CALL:
        break;
    }
}

void cli_help(const cli *p, FILE *f)
{
    fputs(p->usage, f);
    for (int t = 0; t < p->n_tables; t++) {
        const cli_table *tb = &p->tables[t];
        if (t == 0 || tb->title) // untitled tables continue the list before them
            fprintf(f, "\n%s%s", tb->title ? tb->title : "", tb->title ? "\n" : "");
        for (size_t k = 0; k < tb->n; k++) {
            const cli_opt *o = &tb->opts[k];
            char arg[256] = "", left[320], def[256] = "";
            if (o->kind == CLI_CHOICE || o->kind == CLI_NAME)
                choices_text(o, arg, sizeof arg);
            else if (o->arg)
                snprintf(arg, sizeof arg, "%s", o->arg);
            snprintf(left, sizeof left, "--%s%s%s", o->name, arg[0] ? " " : "", arg);
            if (!(o->flags & CLI_NO_DEFAULT))
                value_text(o, tb->base, def, sizeof def, false);
            // the help text line by line, the default after its last line
            const char *h = o->help;
            for (bool first = true;; first = false) {
                size_t len = strcspn(h, "\n");
                const bool last = h[len] == '\0';
                if (first && strlen(left) > 22)
                    fprintf(f, "  %s\n  %-22s %.*s", left, "", (int)len, h);
                else
                    fprintf(f, "  %-22s %.*s", first ? left : "", (int)len, h);
                if (last && def[0])
                    fprintf(f, " (%s)", def);
                fputc('\n', f);
                if (last)
                    break;
                h += len + 1;
            }
            for (int i = 0; o->choice_help && choice_name(o, i); i++)
                fprintf(f, "    %-9s %s\n", choice_name(o, i), o->choice_help(i));
        }
    }
    fprintf(f, "\n  %-22s %s\n", "--help, -h", "this text");
    fputs("\nAn option given twice takes its last value (so that a script's defaults can be\n"
          "overridden after them); one marked repeatable adds up.\n",
          f);
    if (p->footer)
        fputs(p->footer, f);
}

size_t cli_fingerprint(const cli *p, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int t = 0; t < p->n_tables; t++)
        for (size_t k = 0; k < p->tables[t].n; k++) {
            const cli_opt *o = &p->tables[t].opts[k];
            if (o->flags & CLI_OUTPUT)
                continue;
            char v[512];
            if (o->kind == CLI_CALL) {
                const char *g = cli_value(p, o->name);
                snprintf(v, sizeof v, "%s", g ? g : "");
            } else {
                value_text(o, p->tables[t].base, v, sizeof v, true);
            }
            int w = snprintf(buf + len, n - len, "%s=%s\n", o->name, v);
            if (w < 0 || (size_t)w >= n - len)
                util_die("settings fingerprint longer than %zu bytes", n);
            len += (size_t)w;
        }
    return len;
}

// test_libdaso.c: the scheduling core's library (core/daso.h) as its users see it: linked with
// build/libdasocore.so alone. Four schedulers, the ranks of 2 nodes x 2 GPUs, plan runs of every
// strategy (DASO driven by a loss curve, with its quirks' options, with a fixed schedule; sync,
// hier, localsgd), batch by batch equal to daso-plan's output for the same options, with each
// rank's fields (mine, root, chunking, merge weights) checked; bad options give NULL and one line
// of text, print nothing, and the process goes on; the state saved as bytes resumes a scheduler
// exactly, and damaged or foreign states are refused; calls out of order are refused.
//
//   make build/tests/test_libdaso && BUILD=build build/tests/test_libdaso   (from the root)
#define _POSIX_C_SOURCE 200809L // popen, pclose, mkstemp, dup
#include <fcntl.h>    // open
#include <getopt.h>   // optind
#include <math.h>     // fabs
#include <setjmp.h>   // cmocka
#include <stdarg.h>   // cmocka
#include <stdbool.h>  // bool
#include <stddef.h>   // cmocka
#include <stdint.h>   // cmocka
#include <stdio.h>    // popen, fgets, snprintf
#include <stdlib.h>   // getenv, malloc, free
#include <string.h>   // strcmp, strlen, strstr, strchr
#include <sys/stat.h> // fstat
#include <unistd.h>   // dup, dup2, close, unlink

#include <cmocka.h>

#include "daso.h"

enum { NODES = 2, G = 2, RANKS = NODES * G, MAX_ARGS = 64, MAX_LINES = 2048 };

static const char *prog = "test_libdaso";

// progress, then plateaus: the epoch logic halves gs and restarts its cycle
static const double curve[] = {5, 4, 3, 2.9, 2.9, 2.9, 2.9, 2.9, 2.9, 2.8, 2.8, 2.8};
#define CURVE_EPOCHS ((int)(sizeof curve / sizeof curve[0]))

static char loss_file[] = "/tmp/test_libdaso_loss_XXXXXX";

static const char *build_dir(void)
{
    const char *b = getenv("BUILD");
    return b && b[0] ? b : "build";
}

// argv of the library: the program's name, then the words of `args` (cut at blanks, in buf).
static int split(const char *args, char *buf, size_t len, const char **argv)
{
    snprintf(buf, len, "%s", args);
    int argc = 0;
    argv[argc++] = prog;
    for (char *w = strtok(buf, " "); w && argc < MAX_ARGS; w = strtok(NULL, " "))
        argv[argc++] = w;
    return argc;
}

static daso_config *config(const char *args, char *err, size_t errlen)
{
    char buf[1024];
    const char *argv[MAX_ARGS];
    int argc = split(args, buf, sizeof buf, argv);
    return daso_config_new(argc, argv, err, errlen);
}

static daso_config *config_ok(const char *args)
{
    char err[512] = "";
    daso_config *c = config(args, err, sizeof err);
    if (c == NULL)
        fail_msg("%s: %s", args, err);
    return c;
}

// daso-plan's stdout for the same options: its lines into lines[] (newlines removed).
static int daso_plan_lines(const char *args, bool losses, char **lines)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/daso-plan %s%s%s 2>/dev/null", build_dir(), args,
             losses ? " --loss-file " : "", losses ? loss_file : "");
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f) && n < MAX_LINES) {
        line[strcspn(line, "\n")] = '\0';
        lines[n] = malloc(strlen(line) + 1);
        assert_non_null(lines[n]);
        strcpy(lines[n++], line);
    }
    if (pclose(f) != 0)
        fail_msg("%s failed", cmd);
    return n;
}

static void assert_close(double a, double b, double tolerance)
{
    if (!(fabs(a - b) <= tolerance))
        fail_msg("%.17g is not %.17g", a, b);
}

typedef struct {
    const char *args;        // the options (the shape included) of the library and of daso-plan
    bool losses;             // the epoch logic driven by the curve (daso-plan --loss-file)
    double staleness_weight; // merge weights checked against w*B / (N + w*B); 0: not by the tag
} setting;

// One action of rank r's plan against the plan's meaning (daso.h) and the run's settings.
static void check_action(const daso_plan *p, const daso_action *a, const daso_info *info,
                         const setting *st)
{
    const int N = info->nodes;
    switch (a->kind) {
    case DASO_ACT_SEND:
    case DASO_ACT_MERGE:
    case DASO_ACT_AVG:
        assert_int_equal(a->mine, a->group == p->local_rank);
        assert_int_equal(a->root, -1);
        break;
    case DASO_ACT_BCAST:
        assert_int_equal(a->mine, 1);
        assert_int_equal(a->root, p->node * G + a->group);
        break;
    case DASO_ACT_WORLD_AVG:
        assert_int_equal(a->mine, 1);
        assert_int_equal(a->group, -1);
        break;
    default:
        fail_msg("action kind %d", a->kind);
    }
    assert_int_equal(a->chunk_elems, a->kind == DASO_ACT_SEND ? info->chunk_elems : 0);
    if (a->kind == DASO_ACT_AVG) {
        assert_true(a->w_local == 0 && a->w_sum == 1.0 / N);
    } else if (a->kind == DASO_ACT_MERGE) {
        assert_close(a->w_local + N * a->w_sum, 1, 1e-15);
        if (st->staleness_weight > 0) {
            const double numer = st->staleness_weight * a->tag;
            assert_close(a->w_sum, 1 / (N + numer), 1e-15);
            assert_close(a->w_local, numer / (N + numer), 1e-15);
        }
    } else {
        assert_true(a->w_local == 0 && a->w_sum == 0);
    }
}

// The ranks' plans of a whole run equal daso-plan's lines, epoch headers included.
static void run_against_daso_plan(const setting *st)
{
    char *lines[MAX_LINES];
    const int n_lines = daso_plan_lines(st->args, st->losses, lines);
    daso_config *cfg = config_ok(st->args);
    daso_info info;
    daso_config_info(cfg, &info);
    assert_int_equal(info.nodes, NODES);
    assert_int_equal(info.gpus_per_node, G);
    daso_sched *s[RANKS];
    for (int r = 0; r < RANKS; r++)
        assert_non_null(s[r] = daso_sched_new(cfg));
    daso_config_free(cfg); // the schedulers hold their own copies
    const bool is_daso = strcmp(info.strategy, "daso") == 0;
    char err[512], got[1024], header[128];
    int k = 0;
    for (int e = 0; e < info.epochs; e++) {
        daso_epoch ep;
        daso_sched_epoch(s[0], &ep);
        assert_int_equal(ep.epoch, e);
        if (is_daso)
            snprintf(header, sizeof header, "# epoch %d gs %d ls %d S %d%s", e, ep.gs, ep.ls, ep.S,
                     ep.blocking ? " blocking" : "");
        else
            snprintf(header, sizeof header, "# epoch %d strategy %s", e, info.strategy);
        assert_true(k < n_lines);
        assert_string_equal(header, lines[k++]);
        for (int b = 0; b <= info.last_batch; b++) {
            assert_true(k < n_lines);
            for (int r = 0; r < RANKS; r++) {
                daso_plan p;
                if (daso_sched_next(s[r], r / G, r % G, &p, err, sizeof err) != 0)
                    fail_msg("%s: epoch %d batch %d rank %d: %s", st->args, e, b, r, err);
                assert_int_equal(p.epoch, e);
                assert_int_equal(p.batch, b);
                assert_int_equal(p.node, r / G);
                assert_int_equal(p.local_rank, r % G);
                assert_int_equal(p.rank, r);
                assert_int_equal(p.last, b == info.last_batch);
                assert_int_equal(p.blocking, ep.blocking);
                assert_true(daso_plan_format(&p, got, sizeof got) > 0);
                if (strcmp(got, lines[k]) != 0)
                    fail_msg("%s, rank %d: '%s', daso-plan '%s'", st->args, r, got, lines[k]);
                for (int i = 0; i < p.n_actions; i++)
                    check_action(&p, &p.act[i], &info, st);
            }
            k++;
        }
        const double loss = st->losses ? curve[e] : 0;
        daso_epoch next[RANKS];
        for (int r = 0; r < RANKS; r++) {
            if (daso_sched_epoch_end(s[r], loss, &next[r], err, sizeof err) != 0)
                fail_msg("%s: end of epoch %d: %s", st->args, e, err);
            assert_memory_equal(&next[r], &next[0], sizeof next[0]);
        }
        assert_int_equal(next[0].epoch, e + 1);
        assert_int_equal(next[0].done, e + 1 == info.epochs);
    }
    assert_int_equal(k, n_lines);
    for (int r = 0; r < RANKS; r++)
        daso_sched_free(s[r]);
    for (int i = 0; i < n_lines; i++)
        free(lines[i]);
}

#define SHAPE "--nodes 2 --gpus-per-node 2 "

static void test_plans_equal_daso_plan(void **state)
{
    (void)state;
    static const setting settings[] = {
        {SHAPE "--last-batch 5 --epochs 12 --warmup-epochs 2 --cooldown-epochs 1 "
               "--plateau-patience 1",
         true, 2},
        {SHAPE "--last-batch 6 --epochs 12 --warmup-epochs 1 --cooldown-epochs 2 "
               "--true-staleness --no-extra-bcast --downcast always --downcast-format fp16 "
               "--staleness-weight 1.5 --max-global-skips 4 --local-skip-factor 2 "
               "--first-global-skip 2 --chunk-elems 1000 --plateau-patience 0 "
               "--stability-level 0.01",
         true, 0},
        {SHAPE "--last-batch 7 --epochs 3 --global-skip 4 --local-skip 2 --batches-to-wait 2",
         false, 2},
        {SHAPE "--last-batch 3 --epochs 2 --strategy sync --sync-format fp16", false, 2},
        {SHAPE "--last-batch 3 --epochs 2 --strategy hier", false, 2},
        {SHAPE "--last-batch 4 --epochs 3 --strategy localsgd --localsgd-period 3 "
               "--localsgd-warmup-epochs 1",
         false, 2},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        run_against_daso_plan(&settings[i]);
}

// ----------------------------------------------------------------------------
// bad options

// args are refused with exactly `expected` as the error line, and nothing is printed.
static void expect_refused(const char *args, const char *expected)
{
    char tmp[] = "/tmp/test_libdaso_err_XXXXXX";
    const int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    fflush(stderr);
    fflush(stdout);
    const int saved_err = dup(2), saved_out = dup(1);
    assert_true(saved_err >= 0 && saved_out >= 0);
    assert_true(dup2(fd, 2) == 2 && dup2(fd, 1) == 1);
    char err[512] = "unchanged";
    daso_config *c = config(args, err, sizeof err);
    fflush(stderr);
    fflush(stdout);
    assert_true(dup2(saved_err, 2) == 2 && dup2(saved_out, 1) == 1);
    close(saved_err);
    close(saved_out);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    unlink(tmp);
    assert_null(c);
    assert_int_equal(st.st_size, 0); // nothing printed
    assert_null(strchr(err, '\n'));
    assert_string_equal(err, expected);
}

static void test_bad_options(void **state)
{
    (void)state;
    const char *ok = SHAPE "--last-batch 3 --epochs 8";
    char args[512], want[512];
    static const struct {
        const char *extra, *message;
    } cases[] = {
        {"--epoch 3", "unknown option '--epoch' (did you mean --epochs?) (see --help)"},
        {"--staleness-weight -1", "--staleness-weight must be in [0, 1e+06] (got -1)"},
        {"--staleness-weight=x", "--staleness-weight: 'x' is not a finite number"},
        {"--gpus-per-node 1", "DASO needs --gpus-per-node >= 2 (got 1): its global groups rotate "
                              "over the GPUs of a node"},
        {"--strategy ddp", "--strategy must be daso|sync|hier|localsgd (got 'ddp')"},
        {"--help", "--help and -h are not options of the library: daso_config_help() gives the "
                   "text"},
        {"-h", "--help and -h are not options of the library: daso_config_help() gives the text"},
        {"--global-skip 4", "a fixed schedule needs all of --global-skip, --local-skip and "
                            "--batches-to-wait"},
        {"--strategy sync --global-skip 4 --local-skip 1 --batches-to-wait 1",
         "--global-skip, --local-skip and --batches-to-wait are for --strategy daso"},
        {"extra", "unexpected argument 'extra' (see --help)"},
        {"--true-staleness=1", "--true-staleness takes no value"},
        {"--nodes", "--nodes needs a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "%s %s", ok, cases[i].extra);
        snprintf(want, sizeof want, "%s: %s", prog, cases[i].message);
        expect_refused(args, want);
    }
    snprintf(want, sizeof want, "%s: --last-batch is required (see --help)", prog);
    expect_refused(SHAPE "--epochs 8", want);
    snprintf(want, sizeof want, "%s: --nodes is required (see --help)", prog);
    expect_refused("--gpus-per-node 2 --last-batch 3 --epochs 8", want);

    // a value with a newline still gives one line
    const char *argv[] = {prog, "--nodes", "2", "--gpus-per-node", "2", "--last-batch", "3",
                          "--epochs", "8", "--strategy", "da\nso"};
    char err[512];
    assert_null(daso_config_new(11, argv, err, sizeof err));
    assert_null(strchr(err, '\n'));
    assert_non_null(strstr(err, "(got 'da so')"));
    // no buffer, a short one, no argv[0]
    assert_null(daso_config_new(11, argv, NULL, 0));
    char small[10];
    assert_null(daso_config_new(11, argv, small, sizeof small));
    assert_string_equal(small, "test_libd");
    assert_null(daso_config_new(0, argv, err, sizeof err));
    assert_string_equal(err, "daso: daso_config_new needs argv[0], the program's name (argc 0)");

    // the process goes on, and so does the caller's getopt state
    optind = 5;
    daso_config *c = config_ok(ok);
    assert_int_equal(optind, 5);
    optind = 1;
    daso_sched *s = daso_sched_new(c);
    assert_non_null(s);
    daso_plan p;
    assert_int_equal(daso_sched_next(s, 1, 1, &p, err, sizeof err), 0);
    daso_sched_free(s);
    daso_config_free(c);
}

// ----------------------------------------------------------------------------
// the state as bytes

static const char *const loss_args =
    SHAPE "--last-batch 5 --epochs 12 --warmup-epochs 2 --cooldown-epochs 1 --plateau-patience 1";

// Plans and ends epochs until (epoch, batch) is next (batch last_batch + 1: the end is due).
static void advance(daso_sched *s, int epoch, int batch)
{
    char err[512];
    daso_epoch ep;
    for (;;) {
        daso_sched_epoch(s, &ep);
        if (ep.epoch == epoch && ep.batch == batch)
            return;
        daso_plan p;
        if (ep.end_due)
            assert_int_equal(daso_sched_epoch_end(s, curve[ep.epoch], NULL, err, sizeof err), 0);
        else
            assert_int_equal(daso_sched_next(s, 1, 0, &p, err, sizeof err), 0);
    }
}

// a and b plan the same to the end of the run.
static void expect_same_future(daso_sched *a, daso_sched *b)
{
    char err[512];
    for (;;) {
        daso_epoch ea, eb;
        daso_sched_epoch(a, &ea);
        daso_sched_epoch(b, &eb);
        assert_memory_equal(&ea, &eb, sizeof ea);
        if (ea.done)
            return;
        if (ea.end_due) {
            assert_int_equal(daso_sched_epoch_end(a, curve[ea.epoch], NULL, err, sizeof err), 0);
            assert_int_equal(daso_sched_epoch_end(b, curve[ea.epoch], NULL, err, sizeof err), 0);
            continue;
        }
        daso_plan pa, pb;
        assert_int_equal(daso_sched_next(a, 0, 1, &pa, err, sizeof err), 0);
        assert_int_equal(daso_sched_next(b, 0, 1, &pb, err, sizeof err), 0);
        assert_memory_equal(&pa, &pb, sizeof pa);
    }
}

static unsigned char *saved_state(const daso_sched *s, size_t *n)
{
    *n = daso_state_size(s);
    unsigned char *buf = malloc(*n);
    assert_non_null(buf);
    assert_int_equal(daso_state_save(s, buf, *n - 1), -1);
    assert_int_equal(daso_state_save(s, buf, *n), 0);
    return buf;
}

static void test_state_round_trip(void **state)
{
    (void)state;
    daso_config *cfg = config_ok(loss_args);
    char err[512];
    // mid-epoch (a merge pending) after the plateau's halving, and with an epoch's end due
    static const int points[][2] = {{5, 3}, {6, 1}, {7, 6}, {0, 0}, {12, 0}};
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        daso_sched *a = daso_sched_new(cfg), *b = daso_sched_new(cfg), *twin = daso_sched_new(cfg);
        assert_true(a && b && twin);
        advance(a, points[i][0], points[i][1]);
        advance(twin, points[i][0], points[i][1]);
        size_t n, n_twin;
        unsigned char *buf = saved_state(a, &n), *buf_twin = saved_state(twin, &n_twin);
        assert_int_equal(n, n_twin); // the same bytes on every rank
        assert_memory_equal(buf, buf_twin, n);
        if (daso_state_load(b, buf, n, err, sizeof err) != 0)
            fail_msg("%s", err);
        expect_same_future(a, b);
        free(buf);
        free(buf_twin);
        daso_sched_free(a);
        daso_sched_free(b);
        daso_sched_free(twin);
    }
    daso_config_free(cfg);
}

// A state that is refused with `message` leaves s at the start of the run.
static void expect_load_refused(daso_sched *s, const unsigned char *buf, size_t n,
                                const char *message)
{
    char err[512], want[512];
    assert_int_equal(daso_state_load(s, buf, n, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: %s", prog, message);
    assert_string_equal(err, want);
    daso_epoch ep;
    daso_sched_epoch(s, &ep);
    assert_true(ep.epoch == 0 && ep.batch == 0 && !ep.end_due);
}

static void test_state_refused(void **state)
{
    (void)state;
    daso_config *cfg = config_ok(loss_args);
    char other_args[512];
    snprintf(other_args, sizeof other_args, "%s --staleness-weight 3", loss_args);
    daso_config *other = config_ok(other_args);
    daso_sched *a = daso_sched_new(cfg), *b = daso_sched_new(cfg), *c = daso_sched_new(other);
    assert_true(a && b && c);
    advance(a, 4, 2);
    size_t n;
    unsigned char *buf = saved_state(a, &n);
    const size_t n_settings = daso_config_settings(cfg, NULL, 0);
    assert_int_equal(n, 16 + n_settings + 4 * 14 + 8);

    expect_load_refused(c, buf, n, "the scheduler state is from other settings: "
                                   "staleness-weight=2 there, staleness-weight=3 here");
    char message[128];
    snprintf(message, sizeof message, "the scheduler state is truncated or damaged (%zu bytes)",
             n - 1);
    expect_load_refused(b, buf, n - 1, message);
    unsigned char *bad = malloc(n);
    assert_non_null(bad);
    memcpy(bad, buf, n);
    bad[0] = 'X';
    expect_load_refused(b, bad, n, "not a scheduler state (daso_state_save's bytes)");
    memcpy(bad, buf, n);
    bad[8] = 2;
    expect_load_refused(b, bad, n,
                        "the scheduler state has format version 2; this library reads version 1");
    memcpy(bad, buf, n);
    bad[16 + n_settings + 4 * 6] = 7; // send: the group sending next
    expect_load_refused(b, bad, n, "the scheduler state is damaged: send 7 is outside [0, 1]");
    memcpy(bad, buf, n);
    bad[16 + n_settings + 4 * 0] = 9; // 9 epochs ended, epoch 4 next
    expect_load_refused(b, bad, n, "the scheduler state is damaged (epoch 4, ended 9)");
    assert_int_equal(daso_state_load(b, buf, n, NULL, 0), 0); // the good one still loads
    expect_same_future(a, b);
    free(bad);
    free(buf);
    daso_sched_free(a);
    daso_sched_free(b);
    daso_sched_free(c);
    daso_config_free(cfg);
    daso_config_free(other);
}

// ----------------------------------------------------------------------------
// calls out of order, texts, version

static void test_order(void **state)
{
    (void)state;
    daso_config *cfg = config_ok(SHAPE "--last-batch 1 --epochs 2 --strategy sync");
    daso_sched *s = daso_sched_new(cfg);
    assert_non_null(s);
    char err[512], want[512];
    daso_plan p;
    daso_epoch ep;
    assert_int_equal(daso_sched_next(s, 2, 0, &p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: node 2, local rank 0 is not a rank of the run (2 nodes of 2)",
             prog);
    assert_string_equal(err, want);
    assert_int_equal(daso_sched_next(s, 0, -1, &p, err, sizeof err), -1);
    assert_int_equal(daso_sched_next(s, 0, 0, &p, err, sizeof err), 0);
    assert_int_equal(p.last, 0);
    assert_int_equal(daso_sched_epoch_end(s, 1, &ep, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: epoch 0 has batches left to plan (batch 1 of 0..1 is next)",
             prog);
    assert_string_equal(err, want);
    assert_int_equal(daso_sched_next(s, 0, 0, &p, err, sizeof err), 0);
    assert_int_equal(p.last, 1);
    daso_sched_epoch(s, &ep);
    assert_true(ep.epoch == 0 && ep.batch == 2 && ep.end_due && !ep.done);
    assert_int_equal(daso_sched_next(s, 0, 0, &p, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s: every batch of epoch 0 is planned: daso_sched_epoch_end comes next", prog);
    assert_string_equal(err, want);
    assert_int_equal(daso_sched_epoch_end(s, 1, &ep, err, sizeof err), 0);
    assert_true(ep.epoch == 1 && ep.batch == 0 && !ep.end_due && !ep.done);
    advance(s, 1, 2);
    assert_int_equal(daso_sched_epoch_end(s, 1, &ep, err, sizeof err), 0);
    assert_true(ep.epoch == 2 && ep.done);
    snprintf(want, sizeof want, "%s: the run is over: its 2 epochs have ended", prog);
    assert_int_equal(daso_sched_next(s, 0, 0, &p, err, sizeof err), -1);
    assert_string_equal(err, want);
    assert_int_equal(daso_sched_epoch_end(s, 1, &ep, err, sizeof err), -1);
    assert_string_equal(err, want);
    // a plan that is not one is not formatted
    p.n_actions = DASO_MAX_ACTIONS + 1;
    assert_int_equal(daso_plan_format(&p, err, sizeof err), -1);
    daso_sched_free(s);
    daso_config_free(cfg);
}

static void test_texts_and_version(void **state)
{
    (void)state;
    assert_string_equal(daso_version(), DASO_VERSION);
    assert_int_equal(daso_abi_version(), DASO_ABI_VERSION);

    const size_t n = daso_config_help(NULL, 0);
    char *help = malloc(n + 1);
    assert_non_null(help);
    assert_int_equal(daso_config_help(help, n + 1), n);
    assert_non_null(strstr(help, "--nodes N"));
    assert_non_null(strstr(help, "--batches-to-wait S"));
    assert_non_null(strstr(help, "weight of local parameters per waited batch (2)"));
    assert_non_null(strstr(help, "--localsgd-period H"));
    char small[6];
    assert_int_equal(daso_config_help(small, sizeof small), n);
    assert_string_equal(small, "usage");
    free(help);

    daso_config *cfg = config_ok(SHAPE "--last-batch 3 --epochs 8");
    char text[8192];
    assert_true(daso_config_settings(cfg, text, sizeof text) < sizeof text);
    assert_non_null(strstr(text, "nodes=2\ngpus-per-node=2\nlast-batch=3\nepochs=8\n"));
    assert_non_null(strstr(text, "\nstaleness-weight=2\n"));
    assert_non_null(strstr(text, "\nfixed=0\n"));
    daso_info info;
    daso_config_info(cfg, &info);
    assert_string_equal(info.strategy, "daso");
    assert_true(info.last_batch == 3 && info.epochs == 8 && !info.fixed && info.all_blocking);
    assert_true(info.chunk_elems == 10000000 && info.bucket_bytes == 64e6);

    // the warning is daso-plan's, without the program's name
    const size_t len = daso_config_warning(cfg, text, sizeof text);
    assert_int_equal(len, strlen(text));
    char cmd[1024], line[1024] = "";
    snprintf(cmd, sizeof cmd, "%s/daso-plan " SHAPE "--last-batch 3 --epochs 8 --loss-file %s 2>&1 "
             ">/dev/null", build_dir(), loss_file);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(pclose(f), 0);
    line[strcspn(line, "\n")] = '\0';
    assert_non_null(strstr(text, "warning: with --warmup-epochs 4 and --cooldown-epochs 4, all 8 "
                                 "epochs are blocking"));
    assert_string_equal(line + strlen("daso-plan: "), text);
    daso_config_free(cfg);
    cfg = config_ok(loss_args);
    assert_int_equal(daso_config_warning(cfg, text, sizeof text), 0);
    assert_string_equal(text, "");
    daso_config_free(cfg);
}

static int write_curve(void **state)
{
    (void)state;
    const int fd = mkstemp(loss_file);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL)
        return -1;
    for (int e = 0; e < CURVE_EPOCHS; e++)
        fprintf(f, "%.17g\n", curve[e]);
    return fclose(f);
}

static int remove_curve(void **state)
{
    (void)state;
    return unlink(loss_file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plans_equal_daso_plan), cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_state_round_trip),      cmocka_unit_test(test_state_refused),
        cmocka_unit_test(test_order),                 cmocka_unit_test(test_texts_and_version),
    };
    return cmocka_run_group_tests_name("libdaso", tests, write_curve, remove_curve);
}

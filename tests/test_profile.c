// test_profile.c: checks sim/profile: the shipped profiles load by name and by path with their
// documented values (ResNet-50: 25,557,032 parameters, 79 batches per epoch on 64 GPUs, the last
// of 51 images, or floor(1281167 / (256 * 64)) = 78 with the partial batch dropped; its AMP
// variant, whose batch takes 256 / 2470 s; HRNet-OCR; GPT-2 small), the epochs of
// profile_epoch_of with and without drop_last, profile_set_batch, the default loss curve, the
// format's details (comments, blank lines, any key order, tabs, CRLF, free-text description),
// and that
// every kind of bad profile (missing, duplicate or unknown key, a value that is not a number or
// breaks its rule, a missing file, an unknown model name) is refused with exit status 2 and one
// line on stderr naming the file and line. Bad profiles are written into a temporary directory
// and loaded in a fork()ed child.
//
// The models directory is $DASO_MODELS (default sim/models: run from the repository root).
//
// Build and run from the repository root (one command line):
//     cc -std=c11 -O2 -Wall -Wextra -Werror -Icore -Isim -o /tmp/test_profile tests/test_profile.c
//         sim/profile.c core/util.c -lcmocka -lm && /tmp/test_profile
#define _XOPEN_SOURCE 700
#include <ftw.h>      // nftw, FTW_DEPTH, FTW_PHYS
#include <math.h>     // exp, fabs
#include <setjmp.h>   // jmp_buf, needed by cmocka.h
#include <stdarg.h>   // va_list, needed by cmocka.h
#include <stddef.h>   // size_t, needed by cmocka.h
#include <stdio.h>    // FILE, fopen, fputs, fprintf, printf, snprintf, fflush, remove
#include <stdlib.h>   // getenv, mkdtemp
#include <string.h>   // strchr, strcspn, strlen, strncmp, strstr
#include <sys/stat.h> // mkdir, struct stat
#include <unistd.h>   // chdir, getcwd

#include <cmocka.h> // cmocka_unit_test, assert_*, fail_msg

#include "child.h" // child_expect_input_error
#include "profile.h"
#include "util.h" // util_prog

static const char *models_dir; // $DASO_MODELS or sim/models
static char tmp_dir[256];      // this run's temporary directory

// ----------------------------------------------------------------------------
// helpers

#define assert_near(a, b, tol)                                                                 \
    do {                                                                                       \
        double a_ = (a), b_ = (b);                                                             \
        if (!(fabs(a_ - b_) <= (tol)))                                                         \
            fail_msg("%s = %.17g, want %.17g (+-%g)", #a, a_, b_, (double)(tol));              \
    } while (0)

// A valid hand-written profile; the bad cases below change one line of it.
static const char *const base[] = {
    "# a hand-written profile for the tests", // line 1
    "",
    "name            tiny",
    "description     a small model, for tests   # trailing comment",
    "params          1000", // line 5
    "samples_per_gpu 8",
    "dataset_size    100",
    "epochs          3",
    "ref_gpu         test-gpu",
    "ref_gpu_flops   1e12", // line 10
    "forward_s       0.5",
    "backward_s      1",
    "optimizer_s     0.25",
    "precision       fp32",
    "loss_start      5", // line 15
    "loss_floor      1",
    "loss_tau        10",
};
#define N_BASE (int)(sizeof base / sizeof base[0])

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

// Length of the first word of a line (its key).
static size_t key_len(const char *line) { return strcspn(line, " \t"); }

// Writes the base profile to `path`, leaving out the line of key `drop`, replacing the line with
// the same key as `replace` by it, and adding `append` at the end (each may be NULL). Returns the
// number of the replaced or added line, 0 when there is none.
static int write_variant(const char *path, const char *drop, const char *replace,
                         const char *append)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    int line = 0, changed = 0;
    for (int i = 0; i < N_BASE; i++) {
        const char *text = base[i];
        size_t klen = key_len(text);
        if (drop && klen == strlen(drop) && strncmp(text, drop, klen) == 0)
            continue;
        if (replace && klen > 0 && klen == key_len(replace) && strncmp(text, replace, klen) == 0)
            text = replace, changed = line + 1;
        fprintf(f, "%s\n", text);
        line++;
    }
    if (append) {
        fprintf(f, "%s\n", append);
        changed = ++line;
    }
    assert_int_equal(fclose(f), 0);
    return changed;
}

typedef struct {
    const char *name_or_path, *dir;
} load_args;

static void load(const void *arg)
{
    const load_args *a = arg;
    profile p;
    profile_load(&p, a->name_or_path, a->dir);
}

// The load must fail with status 2 and exactly one line "test_profile: ..." containing `want`
// and `want2` (if not NULL).
static void expect_rejected(const char *name_or_path, const char *dir, const char *want,
                            const char *want2)
{
    char err[2048];
    printf("# %s\n", name_or_path);
    child_expect_input_error(load, &(load_args){name_or_path, dir}, "test_profile: ", err,
                             sizeof err);
    if (strstr(err, want) == NULL)
        fail_msg("error line lacks '%s'", want);
    if (want2 && strstr(err, want2) == NULL)
        fail_msg("error line lacks '%s'", want2);
}

// Batches per epoch with the last partial batch dropped (--drop-last).
static int dropped(const profile *p, int world)
{
    const profile_epoch e = profile_epoch_of(p, world, true);
    assert_true(e.last_samples == p->samples_per_gpu); // dropped batches are full
    return e.batches;
}

// ceil(ceil(D / W) / B) batches, the last of ceil(D / W) - (batches - 1) * B samples
static void expect_epoch(const profile *p, int world, int batches, double last)
{
    const profile_epoch e = profile_epoch_of(p, world, false);
    if (e.batches != batches || e.last_samples != last)
        fail_msg("D %.0f B %.0f W %d: %d batches, the last %.0f; want %d and %.0f", p->dataset_size,
                 p->samples_per_gpu, world, e.batches, e.last_samples, batches, last);
}

static void load_shipped(profile *p, const char *name)
{
    profile_load(p, name, models_dir);
    assert_string_equal(p->name, name);
}

// ----------------------------------------------------------------------------
// the shipped profiles

static void test_resnet50(void **state)
{
    (void)state;
    profile p;
    load_shipped(&p, "resnet50");
    assert_true(p.params == 25557032); // torchvision
    assert_true(p.samples_per_gpu == 256);
    assert_true(p.dataset_size == 1281167); // ImageNet-1k train
    assert_true(p.epochs == 90);
    assert_string_equal(p.ref_gpu, "A100-SXM4-40GB");
    assert_true(p.ref_gpu_flops == 19.5e12);
    assert_string_equal(p.precision, "tf32");
    assert_true(p.forward_s == 0.090 && p.backward_s == 0.180 && p.optimizer_s == 0.003);
    // one batch of 256 at NVIDIA's 938 img/s TF32
    assert_near(p.forward_s + p.backward_s + p.optimizer_s, 256.0 / 938, 0.001);
    assert_true(p.loss_start == 6.9 && p.loss_floor == 1.1 && p.loss_tau == 15);
    assert_int_equal(dropped(&p, 64), 78); // floor(1281167 / 16384)
    assert_int_equal(dropped(&p, 1), 5004);
    assert_int_equal(dropped(&p, 8), 625);
    assert_int_equal(dropped(&p, 256), 19);
    assert_int_equal(dropped(&p, 3744), 1); // all of JUWELS Booster
    expect_epoch(&p, 64, 79, 51);  // 20019 images per GPU: 78 x 256 + 51
    expect_epoch(&p, 1, 5005, 143);
    expect_epoch(&p, 256, 20, 141);
    expect_epoch(&p, 3744, 2, 87); // 343 per GPU
}

// resnet50's workload at NVIDIA's mixed-precision throughput: the same model and data, a batch of
// 256 in 256 / 2470 s (DeepLearningExamples 291f0d0, 1 A100 80GB, AMP)
static void test_resnet50_amp(void **state)
{
    (void)state;
    profile p, tf32;
    load_shipped(&p, "resnet50_amp");
    load_shipped(&tf32, "resnet50");
    assert_true(p.params == tf32.params && p.dataset_size == tf32.dataset_size);
    assert_true(p.samples_per_gpu == 256 && p.epochs == 90);
    assert_string_equal(p.ref_gpu, "A100-SXM4-80GB");
    assert_string_equal(p.precision, "amp");
    assert_true(p.optimizer_s == tf32.optimizer_s); // the same split convention
    assert_near(p.forward_s + p.backward_s + p.optimizer_s, 256.0 / 2470, 1e-12);
    assert_true(p.loss_start == tf32.loss_start && p.loss_floor == tf32.loss_floor &&
                p.loss_tau == tf32.loss_tau);
}

static void test_hrnet_ocr_cityscapes(void **state)
{
    (void)state;
    profile p;
    load_shipped(&p, "hrnet_ocr_cityscapes");
    assert_true(p.params == 72143430); // counted from NVIDIA's layer shapes
    assert_true(p.samples_per_gpu == 1);
    assert_true(p.dataset_size == 2975); // Cityscapes gtFine train
    assert_true(p.epochs == 175);
    assert_string_equal(p.precision, "amp");
    assert_true(p.forward_s == 0.16 && p.backward_s == 0.32 && p.optimizer_s == 0.015);
    assert_int_equal(dropped(&p, 16), 185);
    assert_int_equal(dropped(&p, 64), 46);
    assert_int_equal(dropped(&p, 2975), 1);
    assert_int_equal(dropped(&p, 4096), 1); // more GPUs than images
    expect_epoch(&p, 16, 186, 1);             // batches of one image: 186 per GPU, padded
    expect_epoch(&p, 4096, 1, 1);
}

static void test_transformer(void **state)
{
    (void)state;
    profile p;
    load_shipped(&p, "transformer");
    assert_true(p.params == 124475904); // GPT-2 small, vocabulary padded to 50,304
    assert_true(p.params == 50304.0 * 768 + 1024 * 768 + 12 * 7087872.0 + 1536);
    assert_true(p.samples_per_gpu == 60); // 12 x 5 micro-batches
    assert_true(p.dataset_size == 8823810); // 9,035,582,198 tokens / 1,024
    assert_true(p.epochs == 32);
    assert_string_equal(p.precision, "amp");
    assert_near(p.forward_s + p.backward_s, 5 * (0.135 - 0.003), 1e-9);
    assert_int_equal(dropped(&p, 8), 18382); // nanoGPT's 8 GPUs
    assert_true(p.loss_start == 10.8 && p.loss_floor == 2.85);
}

// The validation study's V100 profile (experiments/validate-ddp-v100.exp): its compute is PyTorch's
// DDP benchmark's 1-GPU time without DDP, 0.097 s for 32 images, on a host as fast as the V100
// platform's (platforms/dgx1_v100.xml).
static void test_v100_resnet50_b32(void **state)
{
    (void)state;
    profile p;
    load_shipped(&p, "v100_resnet50_b32");
    assert_true(p.params == 25557032); // torchvision, as resnet50
    assert_true(p.samples_per_gpu == 32);
    assert_true(p.ref_gpu_flops == 15.7e12); // V100 SXM2 FP32 peak
    assert_string_equal(p.precision, "fp32");
    assert_near(p.forward_s + p.backward_s + p.optimizer_s, 0.097, 1e-9);
    assert_near(p.backward_s / p.forward_s, 2.0, 1e-6);
    assert_int_equal(profile_epoch_of(&p, 8, true).batches, 5004);  // floor(1281167 / 256)
    assert_int_equal(profile_epoch_of(&p, 16, true).batches, 2502); // the benchmark's 2 machines
}

// The validation study's P100 profile (experiments/validate-goyal-p100.exp): Goyal et al.'s 8-GPU
// time per iteration, 29 hours for 90 epochs of 5004 iterations.
static void test_validate_p100_resnet50_b32(void **state)
{
    (void)state;
    profile p;
    load_shipped(&p, "validate_p100_resnet50_b32");
    assert_true(p.samples_per_gpu == 32);
    assert_true(p.ref_gpu_flops == 10.6e12); // P100 SXM2 FP32 peak
    assert_int_equal(profile_epoch_of(&p, 8, true).batches, 5004);
    assert_near(p.forward_s + p.backward_s + p.optimizer_s, 29 * 3600.0 / (90 * 5004), 1e-8);
    assert_near(p.backward_s / p.forward_s, 2.0, 1e-6);
    assert_int_equal(profile_epoch_of(&p, 256, true).batches, 156); // 32 servers
}

// What all shipped profiles share: the A100 FP32 peak the platforms use, backward about twice
// the forward, and a loss curve that falls from loss_start towards loss_floor.
static void test_shipped_common(void **state)
{
    (void)state;
    const char *names[] = {"resnet50", "resnet50_amp", "hrnet_ocr_cityscapes", "transformer"};
    for (int i = 0; i < 4; i++) {
        profile p;
        load_shipped(&p, names[i]);
        assert_true(p.ref_gpu_flops == 19.5e12);
        assert_near(p.backward_s / p.forward_s, 2.0, 1e-9);
        assert_true(p.optimizer_s < 0.1 * (p.forward_s + p.backward_s));
        assert_true(profile_loss(&p, 0) == p.loss_start);
        for (int e = 1; e < (int)p.epochs; e++)
            assert_true(profile_loss(&p, e) < profile_loss(&p, e - 1) &&
                        profile_loss(&p, e) > p.loss_floor);
    }
}

static void test_load_by_path(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/resnet50.profile", models_dir);
    profile by_path, by_name;
    profile_load(&by_path, path, NULL); // dir is not needed for a path
    profile_load(&by_name, "resnet50", models_dir);
    assert_memory_equal(&by_path, &by_name, sizeof by_path);

    // a name ending in .profile is a path, relative to the working directory
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(path, sizeof path, "%s/tiny.profile", tmp_dir);
    write_variant(path, NULL, NULL, NULL);
    assert_int_equal(chdir(tmp_dir), 0);
    profile p;
    profile_load(&p, "tiny.profile", "no-such-dir");
    assert_int_equal(chdir(cwd), 0);
    assert_string_equal(p.name, "tiny");
}

// ----------------------------------------------------------------------------
// the format and the derived quantities

static void test_format_details(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/details.profile", tmp_dir);
    // keys in another order, tabs, CRLF, comments after values, whole numbers in e-notation,
    // zero where it is allowed
    write_text(path, "\t# leading comment\r\n"
                     "loss_tau 10\r\n"
                     "loss_floor\t0   # may be 0\r\n"
                     "   loss_start 5\r\n"
                     "\r\n"
                     "precision amp\r\n"
                     "optimizer_s 0\r\n"
                     "backward_s 2e-1\r\n"
                     "forward_s .1\r\n"
                     "ref_gpu_flops 19.5e12\r\n"
                     "ref_gpu  H100\t\r\n"
                     "epochs 1\r\n"
                     "dataset_size 1.5e3\r\n"
                     "samples_per_gpu 1\r\n"
                     "params 2.5557032e7\r\n"
                     "description \t two  spaces\tand a tab, kept inside   \r\n"
                     "name details\r\n");
    profile p;
    profile_load(&p, path, NULL);
    assert_string_equal(p.name, "details");
    assert_string_equal(p.description, "two  spaces\tand a tab, kept inside");
    assert_string_equal(p.ref_gpu, "H100");
    assert_string_equal(p.precision, "amp");
    assert_true(p.params == 25557032 && p.dataset_size == 1500 && p.samples_per_gpu == 1);
    assert_true(p.epochs == 1 && p.ref_gpu_flops == 19.5e12);
    assert_true(p.forward_s == 0.1 && p.backward_s == 0.2 && p.optimizer_s == 0);
    assert_true(p.loss_start == 5 && p.loss_floor == 0 && p.loss_tau == 10);

    // the base profile of the bad cases is valid
    snprintf(path, sizeof path, "%s/base.profile", tmp_dir);
    write_variant(path, NULL, NULL, NULL);
    profile_load(&p, path, NULL);
    assert_string_equal(p.description, "a small model, for tests");
    assert_string_equal(p.precision, "fp32");
    assert_true(p.params == 1000 && p.optimizer_s == 0.25);
}

static void test_loss_curve(void **state)
{
    (void)state;
    profile p = {.loss_start = 5, .loss_floor = 1, .loss_tau = 10};
    assert_true(profile_loss(&p, 0) == 5);
    assert_near(profile_loss(&p, 10), 1 + 4 * exp(-1), 1e-12);
    assert_near(profile_loss(&p, 20), 1 + 4 * exp(-2), 1e-12);
    assert_near(profile_loss(&p, 1000), 1, 1e-12);

    load_shipped(&p, "resnet50");
    assert_near(profile_loss(&p, 0), 6.9, 1e-12);
    assert_near(profile_loss(&p, 15), 1.1 + 5.8 * exp(-1), 1e-12);
    assert_near(profile_loss(&p, 30), 1.885, 0.001); // about 1.9 at the first LR step
    assert_near(profile_loss(&p, 89), 1.115, 0.001); // about 1.1 at the end
}

// profile_set_batch: forward and backward linear in the samples, the optimizer step not; the
// epoch follows the new batch
static void test_set_batch(void **state)
{
    (void)state;
    profile p = {.name = "t", .dataset_size = 100, .samples_per_gpu = 8, .forward_s = 0.5,
                 .backward_s = 1, .optimizer_s = 0.25};
    profile_set_batch(&p, 2);
    assert_true(p.samples_per_gpu == 2 && p.forward_s == 0.125 && p.backward_s == 0.25 &&
                p.optimizer_s == 0.25);
    expect_epoch(&p, 1, 50, 2);
    profile_set_batch(&p, 24);
    assert_true(p.forward_s == 1.5 && p.backward_s == 3 && p.optimizer_s == 0.25);
    expect_epoch(&p, 1, 5, 4); // 4 x 24 + 4
}

static void set_batch_1(const void *arg)
{
    profile p = {.name = "big", .dataset_size = 4e9, .samples_per_gpu = 256, .forward_s = 1,
                 .backward_s = 2};
    (void)arg;
    profile_set_batch(&p, 1);
}

static void test_set_batch_too_many(void **state)
{
    (void)state;
    char err[2048];
    child_expect_input_error(set_batch_1, NULL, "test_profile: ", err, sizeof err);
    if (strstr(err, "more than 2147483647 batches") == NULL)
        fail_msg("error line lacks 'more than 2147483647 batches'");
}

static void test_batches_per_epoch(void **state)
{
    (void)state;
    profile p = {.dataset_size = 100, .samples_per_gpu = 8};
    assert_int_equal(dropped(&p, 1), 12); // the last 4 samples dropped
    expect_epoch(&p, 1, 13, 4);           // ... or their own batch
    assert_int_equal(dropped(&p, 6), 2);
    expect_epoch(&p, 6, 3, 1); // 17 per GPU (2 of them padding): 8 + 8 + 1
    assert_int_equal(dropped(&p, 12), 1); // 96 of 100
    expect_epoch(&p, 12, 2, 1);           // 9 per GPU
    assert_int_equal(dropped(&p, 13), 1); // fewer samples than one round
    expect_epoch(&p, 13, 1, 8);           // 8 per GPU: one full batch
    assert_int_equal(dropped(&p, 2147483647), 1);
    expect_epoch(&p, 2147483647, 1, 1);
    p = (profile){.dataset_size = 4096, .samples_per_gpu = 256};
    assert_int_equal(dropped(&p, 16), 1); // exact multiple: the same either way
    expect_epoch(&p, 16, 1, 256);
    assert_int_equal(dropped(&p, 4), 4);
    expect_epoch(&p, 4, 4, 256);
    p = (profile){.dataset_size = 9007199254740992.0, .samples_per_gpu = 8388608}; // 2^53, 2^23
    assert_int_equal(dropped(&p, 1), 1073741824);                                // exact: 2^30
    expect_epoch(&p, 1, 1073741824, 8388608);
    assert_int_equal(dropped(&p, 3), 357913941);
    expect_epoch(&p, 3, 357913942, 2796203); // ceil(2^53 / 3) = 3002399751580331 per GPU
    assert_int_equal(dropped(&p, 1073741824), 1);
    expect_epoch(&p, 1073741824, 1, 8388608);
}

// ----------------------------------------------------------------------------
// bad profiles

typedef struct {
    const char *label;
    const char *drop;    // key whose line is left out
    const char *replace; // replaces the base line with the same key
    const char *append;  // added at the end
    const char *want;    // part of the error line
} bad_case;

#define C10 "0123456789"
#define C100 C10 C10 C10 C10 C10 C10 C10 C10 C10 C10
static bad_case bad[] = {
    {"rejects a missing key", "epochs", NULL, NULL, "missing key 'epochs'"},
    {"rejects a duplicate key", NULL, NULL, "params 2000",
     "duplicate key 'params' (first on line 5)"},
    {"rejects an unknown key", NULL, NULL, "batch_size 8", "unknown key 'batch_size'"},
    {"rejects a key without value", NULL, "ref_gpu    # none", NULL, "ref_gpu has no value"},
    {"rejects a word that is not a number", NULL, "forward_s fast", NULL,
     "forward_s: 'fast' is not a finite number"},
    {"rejects a number with trailing junk", NULL, "backward_s 1.5s", NULL,
     "backward_s: '1.5s' is not a finite number"},
    {"rejects inf", NULL, "ref_gpu_flops inf", NULL, "'inf' is not a finite number"},
    {"rejects nan", NULL, "loss_tau nan", NULL, "'nan' is not a finite number"},
    {"rejects an overflowing number", NULL, "ref_gpu_flops 1e999", NULL,
     "'1e999' is not a finite number"},
    {"rejects a negative time", NULL, "backward_s -0.2", NULL,
     "backward_s must be > 0 (got -0.2)"},
    {"rejects a zero time", NULL, "forward_s 0", NULL, "forward_s must be > 0 (got 0)"},
    {"rejects a negative optimizer time", NULL, "optimizer_s -1", NULL,
     "optimizer_s must be >= 0 (got -1)"},
    {"rejects a negative loss floor", NULL, "loss_floor -0.5", NULL,
     "loss_floor must be >= 0 (got -0.5)"},
    {"rejects a zero loss_tau", NULL, "loss_tau 0", NULL, "loss_tau must be > 0 (got 0)"},
    {"rejects a floor not below the start", NULL, "loss_floor 5", NULL,
     "loss_floor (5) must be below loss_start (5)"},
    {"rejects a fractional batch", NULL, "samples_per_gpu 2.5", NULL,
     "samples_per_gpu must be a whole number >= 1 (got 2.5)"},
    {"rejects zero epochs", NULL, "epochs 0", NULL, "epochs must be a whole number >= 1 (got 0)"},
    {"rejects negative parameters", NULL, "params -1000", NULL,
     "params must be a whole number >= 1 (got -1000)"},
    {"rejects a whole number above 2^53", NULL, "params 1e17", NULL,
     "params must be a whole number >= 1 (got 1e17)"},
    {"rejects more epochs than an int holds", NULL, "epochs 3e9", NULL,
     "epochs must be at most 2147483647"},
    {"rejects more batches than an int holds", NULL, "dataset_size 1e12", NULL,
     "must be at most 2147483647 batches"},
    {"rejects an unknown precision", NULL, "precision bf16", NULL,
     "precision must be tf32, amp or fp32 (got 'bf16')"},
    {"rejects a two-word name", NULL, "name tiny model", NULL,
     "name must be one word (got 'tiny model')"},
    {"rejects a too long description", NULL, "description " C100 C100 C100, NULL,
     "description is longer than 255 characters"},
};
#define N_BAD (sizeof bad / sizeof bad[0])

static void test_bad_profile(void **state)
{
    const bad_case *c = *state;
    char path[512], where[600];
    snprintf(path, sizeof path, "%s/case-%02d.profile", tmp_dir, (int)(c - bad));
    int line = write_variant(path, c->drop, c->replace, c->append);
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d: ", path, line);
    else
        snprintf(where, sizeof where, "%s: ", path);
    expect_rejected(path, NULL, where, c->want);
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/nothing-here.profile", tmp_dir);
    expect_rejected(path, NULL, "cannot open", path);
}

static void test_directory_as_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/a-directory.profile", tmp_dir);
    assert_int_equal(mkdir(path, 0700), 0);
    expect_rejected(path, NULL, path, "cannot read");
}

static void test_unknown_model(void **state)
{
    (void)state;
    char want[512];
    snprintf(want, sizeof want, "unknown model 'resnet' (available in %s: ", models_dir);
    expect_rejected("resnet", models_dir, want, "hrnet_ocr_cityscapes, resnet50, resnet50_amp, transformer");
    expect_rejected("", models_dir, "unknown model ''", "resnet50");

    // a directory with no profiles: hidden files and other names do not count
    char empty[512], path[600];
    snprintf(empty, sizeof empty, "%s/empty", tmp_dir);
    assert_int_equal(mkdir(empty, 0700), 0);
    snprintf(path, sizeof path, "%s/.hidden.profile", empty);
    write_variant(path, NULL, NULL, NULL);
    snprintf(path, sizeof path, "%s/resnet50.profile.txt", empty);
    write_variant(path, NULL, NULL, NULL);
    expect_rejected("resnet50", empty, "unknown model 'resnet50' (no .profile files in", empty);
    expect_rejected("resnet50", "/nonexistent-daso-models",
                    "unknown model 'resnet50' (cannot list /nonexistent-daso-models", NULL);
}

// ----------------------------------------------------------------------------

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int make_tmp_dir(void **state)
{
    (void)state;
    const char *base_dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmp_dir, sizeof tmp_dir, "%s/test_profile.XXXXXX", base_dir);
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int remove_tmp_dir(void **state)
{
    (void)state;
    return nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    util_prog = "test_profile";
    models_dir = getenv("DASO_MODELS") ? getenv("DASO_MODELS") : "sim/models";
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_resnet50),
        cmocka_unit_test(test_resnet50_amp),
        cmocka_unit_test(test_hrnet_ocr_cityscapes),
        cmocka_unit_test(test_v100_resnet50_b32),
        cmocka_unit_test(test_validate_p100_resnet50_b32),
        cmocka_unit_test(test_transformer),
        cmocka_unit_test(test_shipped_common),
        cmocka_unit_test(test_load_by_path),
        cmocka_unit_test(test_format_details),
        cmocka_unit_test(test_loss_curve),
        cmocka_unit_test(test_batches_per_epoch),
        cmocka_unit_test(test_set_batch),
        cmocka_unit_test(test_set_batch_too_many),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory_as_file),
        cmocka_unit_test(test_unknown_model),
    };
    enum { N_FIXED = sizeof fixed / sizeof fixed[0] };
    struct CMUnitTest tests[N_FIXED + N_BAD];
    for (size_t i = 0; i < N_FIXED; i++)
        tests[i] = fixed[i];
    for (size_t i = 0; i < N_BAD; i++)
        tests[N_FIXED + i] = (struct CMUnitTest){
            .name = bad[i].label, .test_func = test_bad_profile, .initial_state = &bad[i]};
    return cmocka_run_group_tests(tests, make_tmp_dir, remove_tmp_dir);
}

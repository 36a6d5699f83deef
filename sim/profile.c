// profile.c: reads and checks model profiles (see profile.h; format in sim/models/README.md).
#define _POSIX_C_SOURCE 200809L
#include "profile.h"

#include <dirent.h>  // scandir, alphasort, struct dirent
#include <errno.h>   // errno, ERANGE
#include <limits.h>  // INT_MAX, PATH_MAX
#include <math.h>    // ceil, exp, floor, isfinite
#include <stddef.h>  // offsetof, size_t
#include <stdint.h>  // uint64_t
#include <stdio.h>   // FILE, snprintf
#include <stdlib.h>  // free, strtod, getenv
#include <string.h>  // memcpy, strchr, strcmp, strcspn, strerror, strlen, strspn, strrchr
#include <unistd.h>  // access, readlink

#include "util.h" // util_die_input, util_die, mallocCheck, fopenCheck

#define WHITE " \t\r\n\v\f"
#define MAX_WHOLE 9007199254740992.0 // 2^53: whole numbers above it are not exact in a double

// ----------------------------------------------------------------------------
// the keys

typedef enum {
    KEY_WORD,     // one word of text
    KEY_TEXT,     // the rest of the line, spaces included
    KEY_WHOLE,    // whole number in [1, 2^53]
    KEY_POSITIVE, // finite number > 0
    KEY_NONNEG,   // finite number >= 0
} key_kind;

typedef struct {
    const char *key;
    key_kind kind;
    size_t offset; // of the field in profile
    size_t size;   // of the field (text: the buffer, terminating NUL included)
} key_spec;

#define KEY(field, kind) {#field, kind, offsetof(profile, field), sizeof(((profile *)0)->field)}
static const key_spec keys[] = {
    KEY(name, KEY_WORD),
    KEY(description, KEY_TEXT),
    KEY(params, KEY_WHOLE),
    KEY(samples_per_gpu, KEY_WHOLE),
    KEY(dataset_size, KEY_WHOLE),
    KEY(epochs, KEY_WHOLE),
    KEY(ref_gpu, KEY_WORD),
    KEY(ref_gpu_flops, KEY_POSITIVE),
    KEY(forward_s, KEY_POSITIVE),
    KEY(backward_s, KEY_POSITIVE),
    KEY(optimizer_s, KEY_NONNEG),
    KEY(precision, KEY_WORD),
    KEY(loss_start, KEY_POSITIVE),
    KEY(loss_floor, KEY_NONNEG),
    KEY(loss_tau, KEY_POSITIVE),
};
#undef KEY
#define N_KEYS (sizeof keys / sizeof keys[0])

static int key_index(const char *key)
{
    for (size_t k = 0; k < N_KEYS; k++)
        if (strcmp(keys[k].key, key) == 0)
            return (int)k;
    return -1;
}

// Stores `value` (already stripped of the comment and of surrounding white space) into the
// field of keys[k], or dies naming <path>:<line>.
static void set_field(profile *p, size_t k, const char *value, const char *path, int line)
{
    const key_spec *s = &keys[k];
    char *field = (char *)p + s->offset;
    if (s->kind == KEY_WORD || s->kind == KEY_TEXT) {
        if (s->kind == KEY_WORD && value[strcspn(value, WHITE)] != '\0')
            util_die_input("%s:%d: %s must be one word (got '%s')", path, line, s->key, value);
        if (strlen(value) >= s->size)
            util_die_input("%s:%d: %s is longer than %zu characters", path, line, s->key,
                           s->size - 1);
        memcpy(field, value, strlen(value) + 1);
        return;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    if (end == value || *end != '\0' || errno == ERANGE || !isfinite(v))
        util_die_input("%s:%d: %s: '%s' is not a finite number", path, line, s->key, value);
    if (s->kind == KEY_WHOLE && (v < 1 || v > MAX_WHOLE || v != floor(v)))
        util_die_input("%s:%d: %s must be a whole number >= 1 (got %s)", path, line, s->key,
                       value);
    if (s->kind == KEY_POSITIVE && !(v > 0))
        util_die_input("%s:%d: %s must be > 0 (got %s)", path, line, s->key, value);
    if (s->kind == KEY_NONNEG && !(v >= 0))
        util_die_input("%s:%d: %s must be >= 0 (got %s)", path, line, s->key, value);
    *(double *)field = v;
}

// ----------------------------------------------------------------------------
// finding the file

static int is_profile_entry(const struct dirent *e)
{
    size_t len = strlen(e->d_name);
    return e->d_name[0] != '.' && len > 8 && strcmp(e->d_name + len - 8, ".profile") == 0;
}

// Dies with one line naming the models available in dir (file names without ".profile").
static void die_unknown_model(const char *name, const char *dir)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, is_profile_entry, alphasort);
    if (n < 0)
        util_die_input("unknown model '%s' (cannot list %s: %s)", name, dir, strerror(errno));
    if (n == 0)
        util_die_input("unknown model '%s' (no .profile files in %s)", name, dir);
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(list[i]->d_name) + 2;
    char *names = mallocCheck(len), *at = names;
    for (int i = 0; i < n; i++) {
        size_t stem = strlen(list[i]->d_name) - 8;
        at += snprintf(at, len - (size_t)(at - names), "%s%.*s", i ? ", " : "", (int)stem,
                       list[i]->d_name);
        free(list[i]);
    }
    free(list);
    util_die_input("unknown model '%s' (available in %s: %s)", name, dir, names);
}

static int is_path(const char *s)
{
    size_t len = strlen(s);
    return strchr(s, '/') != NULL || (len >= 8 && strcmp(s + len - 8, ".profile") == 0);
}

// ----------------------------------------------------------------------------
// loading

void profile_load(profile *p, const char *name_or_path, const char *dir)
{
    char *path;
    if (is_path(name_or_path)) {
        size_t len = strlen(name_or_path) + 1;
        path = mallocCheck(len);
        memcpy(path, name_or_path, len);
    } else {
        size_t len = strlen(dir) + strlen(name_or_path) + sizeof "/.profile";
        path = mallocCheck(len);
        snprintf(path, len, "%s/%s.profile", dir, name_or_path);
        if (access(path, F_OK) != 0)
            die_unknown_model(name_or_path, dir);
    }
    FILE *f = fopenCheck(path, "r");

    *p = (profile){0};
    int seen[N_KEYS] = {0}; // line where each key was set, 0 = not yet
    char *buf = NULL;
    size_t cap = 0;
    util_bounds bounds = UTIL_BOUNDS(path);
    int line = 0;
    while (util_getline(&buf, &cap, f, &bounds) != -1) {
        line++;
        buf[strcspn(buf, "#")] = '\0'; // comment
        char *key = buf + strspn(buf, WHITE);
        if (*key == '\0')
            continue;
        char *value = key + strcspn(key, WHITE);
        if (*value != '\0')
            *value++ = '\0';
        value += strspn(value, WHITE);
        size_t vlen = strlen(value);
        while (vlen > 0 && strchr(WHITE, value[vlen - 1]) != NULL)
            value[--vlen] = '\0';

        int k = key_index(key);
        if (k < 0)
            util_die_input("%s:%d: unknown key '%s'", path, line, key);
        if (seen[k])
            util_die_input("%s:%d: duplicate key '%s' (first on line %d)", path, line, key,
                           seen[k]);
        if (vlen == 0)
            util_die_input("%s:%d: %s has no value", path, line, key);
        set_field(p, (size_t)k, value, path, line);
        seen[k] = line;
    }
    free(buf);
    fclose(f);

    for (size_t k = 0; k < N_KEYS; k++)
        if (!seen[k])
            util_die_input("%s: missing key '%s'", path, keys[k].key);
    if (strcmp(p->precision, "tf32") != 0 && strcmp(p->precision, "amp") != 0 &&
        strcmp(p->precision, "fp32") != 0)
        util_die_input("%s:%d: precision must be tf32, amp or fp32 (got '%s')", path,
                       seen[key_index("precision")], p->precision);
    if (p->epochs > INT_MAX)
        util_die_input("%s:%d: epochs must be at most %d (got %.0f)", path,
                       seen[key_index("epochs")], INT_MAX, p->epochs);
    if (ceil(p->dataset_size / p->samples_per_gpu) > INT_MAX)
        util_die_input("%s:%d: dataset_size / samples_per_gpu must be at most %d batches", path,
                       seen[key_index("dataset_size")], INT_MAX);
    if (!(p->loss_floor < p->loss_start))
        util_die_input("%s:%d: loss_floor (%g) must be below loss_start (%g)", path,
                       seen[key_index("loss_floor")], p->loss_floor, p->loss_start);
    free(path);
}

// ----------------------------------------------------------------------------
// derived quantities

double profile_loss(const profile *p, int epoch)
{
    return p->loss_floor + (p->loss_start - p->loss_floor) * exp(-(double)epoch / p->loss_tau);
}

void profile_set_batch(profile *p, double samples)
{
    if (!(samples >= 1 && samples <= MAX_WHOLE && samples == floor(samples)))
        util_die("profile_set_batch: %g is not a whole number of samples >= 1", samples);
    if (ceil(p->dataset_size / samples) > INT_MAX)
        util_die_input("a batch of %.0f: the %.0f samples of %s make more than %d batches", samples,
                       p->dataset_size, p->name, INT_MAX);
    const double scale = samples / p->samples_per_gpu;
    p->forward_s *= scale;
    p->backward_s *= scale;
    p->samples_per_gpu = samples;
}

profile_epoch profile_epoch_of(const profile *p, int world, bool drop_last)
{
    if (world < 1)
        util_die("profile_epoch_of: world must be >= 1 (got %d)", world);
    // whole numbers <= 2^53 (checked on load), so exact in uint64_t; the batch counts are at
    // most ceil(dataset_size / samples_per_gpu) <= INT_MAX (checked on load)
    const uint64_t samples = (uint64_t)p->dataset_size, per_batch = (uint64_t)p->samples_per_gpu,
                   w = (uint64_t)world;
    if (drop_last) {
        const uint64_t batches = samples / w / per_batch; // floor(floor(D / W) / B)
        return (profile_epoch){batches > 0 ? (int)batches : 1, p->samples_per_gpu};
    }
    const uint64_t per_gpu = (samples + w - 1) / w; // ceil(D / W), padded
    const uint64_t batches = (per_gpu + per_batch - 1) / per_batch;
    return (profile_epoch){(int)batches, (double)(per_gpu - (batches - 1) * per_batch)};
}

const char *profile_default_dir(void)
{
    static char dir[PATH_MAX + 32];
    const char *env = getenv("DASO_MODELS");
    if (env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        snprintf(dir, sizeof dir, "%s/../sim/models", exe);
        if (access(dir, R_OK) == 0)
            return dir;
        snprintf(dir, sizeof dir, "%s/../share/daso/models", exe);
        if (access(dir, R_OK) == 0)
            return dir;
    }
    return "sim/models";
}

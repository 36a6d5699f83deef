// test_platform.c: tests of the platform generator (build/daso-platform) and of the platforms it
// writes, loaded in SimGrid 3.32: host count and order, host speed, and the links, bandwidth and
// latency of the same-node, same-cell and other-cell routes; bad inputs; the shipped files.
//
//   cc -std=c11 -O2 -Wall -Wextra -Icore -o /tmp/test_platform tests/test_platform.c core/util.c
//      $(pkg-config --cflags --libs simgrid) -lcmocka -lm
//   /tmp/test_platform [path/to/daso-platform]      (or env DASO_PLATFORM_BIN; build/daso-platform)
//
// Run from the repository root (the shipped files are read from platforms/, or env
// DASO_PLATFORM_DIR). SimGrid can be initialised only once per process, so every platform is
// loaded by a fresh child, this same program re-executed in probe mode:
//
//   test_platform --probe FILE [--hosts] [SRC DST]...
//
// which loads FILE, calls simgrid_run() once without actors (needed before route queries with
// Dijkstra zones) and prints "load_s", "hosts", "prop daso:command", optionally every host with its
// speed, and for each SRC DST pair "route SRC DST <links> <bandwidth> <latency> <link names>".
// Prints the 936-node generation and load times it measures.
#define _GNU_SOURCE // strverscmp, mkdtemp, memmem
#include "util.h"

// cmocka needs these first
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <simgrid/engine.h> // simgrid_init, simgrid_load_platform, simgrid_run
#include <simgrid/host.h>   // sg_host_*, sg_host_get_route*
#include <simgrid/link.h>   // sg_link_get_name
#include <simgrid/zone.h>   // sg_zone_get_root, sg_zone_get_property_value
#include <xbt/dynar.h>      // xbt_dynar_t for sg_host_get_route
#include <xbt/sysdep.h>     // xbt_free

#include <dirent.h>   // opendir, readdir
#include <errno.h>    // errno
#include <fcntl.h>    // open
#include <math.h>     // fabs
#include <stdio.h>    // FILE, printf
#include <stdlib.h>   // getenv, free
#include <string.h>   // strcmp, strstr
#include <sys/stat.h> // stat
#include <sys/wait.h> // waitpid
#include <unistd.h>   // fork, execv, dup2

// --- probe mode (child process): load one platform in SimGrid and describe it ------------------

static int probe_main(int argc, char **argv)
{
    // argv: prog --probe FILE [--hosts] [SRC DST]...
    const char *file = argv[2];
    int list_hosts = argc > 3 && strcmp(argv[3], "--hosts") == 0;
    int first_pair = 3 + list_hosts;
    int sg_argc = 2;
    char *sg_argv[] = {argv[0], "--log=root.thres:warning", NULL};
    simgrid_init(&sg_argc, sg_argv);
    double t0 = util_wall_seconds();
    simgrid_load_platform(file);
    double t1 = util_wall_seconds();
    simgrid_run(); // no actors: returns at once, but seals the platform (Dijkstra routes)
    double t2 = util_wall_seconds();
    printf("load_s %.3f\nrun_s %.3f\nhosts %zu\n", t1 - t0, t2 - t1, sg_host_count());
    const char *cmd = sg_zone_get_property_value(sg_zone_get_root(), "daso:command");
    printf("prop daso:command %s\n", cmd ? cmd : "(none)");
    if (list_hosts) {
        // sg_host_count() walks every zone of the platform each call (SimGrid 3.32): once only
        size_t nhosts = sg_host_count();
        sg_host_t *hosts = sg_host_list(); // sorted by name with strcmp
        for (size_t i = 0; i < nhosts; i++)
            printf("host %s %.17g\n", sg_host_get_name(hosts[i]), sg_host_get_speed(hosts[i]));
        xbt_free(hosts);
    }
    for (int i = first_pair; i + 1 < argc; i += 2) {
        sg_host_t src = sg_host_by_name(argv[i]), dst = sg_host_by_name(argv[i + 1]);
        if (src == NULL || dst == NULL) {
            printf("route %s %s missing-host\n", argv[i], argv[i + 1]);
            continue;
        }
        xbt_dynar_t links = xbt_dynar_new(sizeof(sg_link_t), NULL);
        sg_host_get_route(src, dst, links);
        printf("route %s %s %lu %.17g %.17g", argv[i], argv[i + 1], xbt_dynar_length(links),
               sg_host_get_route_bandwidth(src, dst), sg_host_get_route_latency(src, dst));
        for (unsigned long k = 0; k < xbt_dynar_length(links); k++)
            printf(" %s", sg_link_get_name(xbt_dynar_get_as(links, k, sg_link_t)));
        printf("\n");
        xbt_dynar_free(&links);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

// --- running programs --------------------------------------------------------------------------

static const char *g_self;         // this program, for probe children
static const char *g_bin;          // the generator
static const char *g_platform_dir; // where the shipped files are
static char g_tmp[256];            // scratch directory

typedef struct {
    int status; // exit code, or 128 + signal
    char *out, *err;
    double wall_s;
} run_result;

static char *read_file_all(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) // not /dev/full: it never ends
        return NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *s = mallocCheck(cap);
    size_t got;
    while ((got = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0) {
            cap *= 2;
            char *t = realloc(s, cap);
            if (t == NULL)
                util_die("out of memory");
            s = t;
        }
    }
    s[len] = '\0';
    fclose(f);
    return s;
}

// Runs argv (NULL-terminated); stdout goes to `out_path` if given (kept), else is captured.
static run_result run_argv(char *const argv[], const char *out_path)
{
    char out_file[300], err_file[300];
    snprintf(out_file, sizeof out_file, "%s/.stdout", g_tmp);
    snprintf(err_file, sizeof err_file, "%s/.stderr", g_tmp);
    if (out_path == NULL)
        out_path = out_file;
    double t0 = util_wall_seconds();
    pid_t pid = fork();
    if (pid < 0)
        util_die("fork: %s", strerror(errno));
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    if (waitpid(pid, &st, 0) < 0)
        util_die("waitpid: %s", strerror(errno));
    run_result r = {0};
    r.wall_s = util_wall_seconds() - t0;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = read_file_all(out_path);
    r.err = read_file_all(err_file);
    if (r.out == NULL)
        r.out = strdup("");
    if (r.err == NULL)
        r.err = strdup("");
    return r;
}

static void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

// Runs the generator with the given arguments (NULL-terminated), --out FILE if out != NULL.
static run_result run_gen(const char *out, const char *const args[])
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)g_bin;
    for (int i = 0; args[i] != NULL; i++)
        argv[n++] = (char *)args[i];
    if (out != NULL) {
        argv[n++] = "--out";
        argv[n++] = (char *)out;
    }
    argv[n] = NULL;
    return run_argv(argv, NULL);
}

static char *tmp_path(const char *name)
{
    char *p = mallocCheck(strlen(g_tmp) + strlen(name) + 2);
    sprintf(p, "%s/%s", g_tmp, name);
    return p;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

// Entries of the scratch directory whose name starts with `prefix`.
static int count_entries(const char *prefix)
{
    DIR *d = opendir(g_tmp);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

// --- probing a platform (child process) --------------------------------------------------------

typedef struct {
    char src[64], dst[64];
    unsigned long nlinks;
    double bw, lat;
    char links[512]; // space-separated names
} route_info;

typedef struct {
    double load_s;
    long hosts;
    char command[16384]; // daso:command (platforms/jupiter.xml's is about 4,900 characters)
    int nlisted;
    char (*names)[64];
    double *speeds;
    int nroutes;
    route_info routes[16];
} probe_info;

static probe_info *probe(const char *file, int list_hosts, const char *const pairs[])
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)g_self;
    argv[n++] = "--probe";
    argv[n++] = (char *)file;
    if (list_hosts)
        argv[n++] = "--hosts";
    for (int i = 0; pairs != NULL && pairs[i] != NULL; i++)
        argv[n++] = (char *)pairs[i];
    argv[n] = NULL;
    run_result r = run_argv(argv, NULL);
    if (r.status != 0)
        fprintf(stderr, "probe of %s failed (status %d):\n%s\n", file, r.status, r.err);
    assert_int_equal(r.status, 0);
    probe_info *p = callocCheck(1, sizeof *p);
    p->hosts = -1;
    p->names = callocCheck(count_lines(r.out) + 1, sizeof *p->names);
    p->speeds = callocCheck(count_lines(r.out) + 1, sizeof *p->speeds);
    for (char *line = strtok(r.out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (sscanf(line, "load_s %lf", &p->load_s) == 1)
            continue;
        if (sscanf(line, "hosts %ld", &p->hosts) == 1)
            continue;
        if (strncmp(line, "prop daso:command ", 18) == 0) {
            snprintf(p->command, sizeof p->command, "%s", line + 18);
        } else if (strncmp(line, "host ", 5) == 0) {
            int k = p->nlisted++;
            assert_int_equal(sscanf(line, "host %63s %lf", p->names[k], &p->speeds[k]), 2);
        } else if (strncmp(line, "route ", 6) == 0 && p->nroutes < 16) {
            route_info *ri = &p->routes[p->nroutes++];
            int used = 0;
            assert_int_equal(sscanf(line, "route %63s %63s %lu %lf %lf %n", ri->src, ri->dst,
                                    &ri->nlinks, &ri->bw, &ri->lat, &used),
                             5);
            snprintf(ri->links, sizeof ri->links, "%s", line + used);
        }
    }
    run_free(&r);
    return p;
}

static void probe_free(probe_info *p)
{
    free(p->names);
    free(p->speeds);
    free(p);
}

static const route_info *find_route(const probe_info *p, const char *src, const char *dst)
{
    for (int i = 0; i < p->nroutes; i++)
        if (strcmp(p->routes[i].src, src) == 0 && strcmp(p->routes[i].dst, dst) == 0)
            return &p->routes[i];
    fail_msg("no route %s -> %s in the probe output", src, dst);
    return NULL;
}

#define assert_close(a, b) assert_true(fabs((a) - (b)) <= 1e-12 * fabs(b))

static void check_route(const probe_info *p, const char *src, const char *dst, unsigned long nlinks,
                        double bw, double lat, const char *links)
{
    const route_info *r = find_route(p, src, dst);
    if (r->nlinks != nlinks || strcmp(r->links, links) != 0 || fabs(r->bw - bw) > 1e-12 * bw ||
        fabs(r->lat - lat) > 1e-12 * lat)
        fail_msg("route %s -> %s: got %lu links [%s] bw %.17g lat %.17g; want %lu [%s] bw %.17g "
                 "lat %.17g",
                 src, dst, r->nlinks, r->links, r->bw, r->lat, nlinks, links, bw, lat);
}

// --- the small platform: 4 nodes x 4 GPUs, 2 nodes per cell, non-default numbers ---------------

static const char *const SMALL_ARGS[] = {
    "--nodes", "4", "--gpus-per-node", "4", "--nodes-per-cell", "2", "--gpu-speed", "1e13",
    "--nvlink-bw", "80e9", "--nvlink-lat", "2e-6", "--hca-bw", "20e9", "--hca-lat", "1.5e-6",
    "--global-links", "3", "--global-link-bw", "4e9", "--global-lat", "5e-7",
    "--name", "small test platform", NULL};
#define SMALL_NVL_BW 80e9
#define SMALL_NVL_LAT 2e-6
#define SMALL_HCA_BW 20e9
#define SMALL_HCA_LAT 1.5e-6
#define SMALL_CELL_BW (3 * 4e9) // 12e9 < hca-bw: the cell link is the bottleneck across cells
#define SMALL_GL_LAT 5e-7

static probe_info *g_small;
static char *g_small_file;
static char g_small_cmd[2048];

static int setup_small(void **state)
{
    (void)state;
    g_small_file = tmp_path("small.xml");
    run_result r = run_gen(g_small_file, SMALL_ARGS);
    if (r.status != 0) {
        fprintf(stderr, "generator failed (%d): %s", r.status, r.err);
        run_free(&r);
        return -1;
    }
    run_free(&r);
    // the command line the generator must record
    snprintf(g_small_cmd, sizeof g_small_cmd, "%s", g_bin);
    for (int i = 0; SMALL_ARGS[i] != NULL; i++) {
        int quote = strchr(SMALL_ARGS[i], ' ') != NULL;
        snprintf(g_small_cmd + strlen(g_small_cmd), sizeof g_small_cmd - strlen(g_small_cmd),
                 quote ? " '%s'" : " %s", SMALL_ARGS[i]);
    }
    snprintf(g_small_cmd + strlen(g_small_cmd), sizeof g_small_cmd - strlen(g_small_cmd),
             " --out %s", g_small_file);
    static const char *const pairs[] = {
        "n0000-g0", "n0000-g3", // same node
        "n0000-g3", "n0000-g0", // same node, back
        "n0002-g1", "n0002-g2", // same node, other node
        "n0000-g1", "n0001-g2", // same cell
        "n0001-g2", "n0000-g1", // same cell, back
        "n0000-g3", "n0003-g0", // other cell
        "n0003-g0", "n0000-g3", // other cell, back
        "n0001-g0", "n0002-g0", // other cell, same GPU index
        NULL};
    g_small = probe(g_small_file, 1, pairs);
    return 0;
}

static int teardown_small(void **state)
{
    (void)state;
    if (g_small)
        probe_free(g_small);
    free(g_small_file);
    return 0;
}

static void test_small_host_count(void **state)
{
    (void)state;
    assert_int_equal(g_small->hosts, 4 * 4);
    assert_int_equal(g_small->nlisted, 16);
}

static void test_small_host_names_natural_order(void **state)
{
    (void)state;
    // sg_host_list() sorts with strcmp: that order must be node-major, GPU-minor ...
    for (int i = 0; i < g_small->nlisted; i++) {
        char want[64];
        snprintf(want, sizeof want, "n%04d-g%d", i / 4, i % 4);
        assert_string_equal(g_small->names[i], want);
    }
    // ... and the same as the natural (version) order
    for (int i = 0; i + 1 < g_small->nlisted; i++)
        assert_true(strverscmp(g_small->names[i], g_small->names[i + 1]) < 0);
}

static void test_small_host_speed(void **state)
{
    (void)state;
    for (int i = 0; i < g_small->nlisted; i++)
        assert_close(g_small->speeds[i], 1e13);
}

static void test_small_route_same_node(void **state)
{
    (void)state;
    check_route(g_small, "n0000-g0", "n0000-g3", 1, SMALL_NVL_BW, SMALL_NVL_LAT, "n0000-nvl03_UP");
    check_route(g_small, "n0000-g3", "n0000-g0", 1, SMALL_NVL_BW, SMALL_NVL_LAT,
                "n0000-nvl03_DOWN");
    check_route(g_small, "n0002-g1", "n0002-g2", 1, SMALL_NVL_BW, SMALL_NVL_LAT, "n0002-nvl12_UP");
}

static void test_small_route_same_cell(void **state)
{
    (void)state;
    check_route(g_small, "n0000-g1", "n0001-g2", 4, SMALL_HCA_BW, 2 * SMALL_HCA_LAT,
                "n0000-hca1_UP n0000-v n0001-v n0001-hca2_DOWN");
    check_route(g_small, "n0001-g2", "n0000-g1", 4, SMALL_HCA_BW, 2 * SMALL_HCA_LAT,
                "n0001-hca2_UP n0001-v n0000-v n0000-hca1_DOWN");
}

static void test_small_route_other_cell(void **state)
{
    (void)state;
    double lat = 2 * SMALL_HCA_LAT + SMALL_GL_LAT;
    check_route(g_small, "n0000-g3", "n0003-g0", 5, SMALL_CELL_BW, lat,
                "n0000-hca3_UP n0000-v gl-00-01_UP n0003-v n0003-hca0_DOWN");
    check_route(g_small, "n0003-g0", "n0000-g3", 5, SMALL_CELL_BW, lat,
                "n0003-hca0_UP n0003-v gl-00-01_DOWN n0000-v n0000-hca3_DOWN");
    check_route(g_small, "n0001-g0", "n0002-g0", 5, SMALL_CELL_BW, lat,
                "n0001-hca0_UP n0001-v gl-00-01_UP n0002-v n0002-hca0_DOWN");
}

static void test_small_records_command_line(void **state)
{
    (void)state;
    assert_string_equal(g_small->command, g_small_cmd);
    char *xml = read_file_all(g_small_file);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "Platform: small test platform\n"));
    assert_non_null(strstr(xml, "    hca-bw          2e+10 B/s per direction per GPU (20GBps)\n"));
    assert_non_null(strstr(xml, "    hca-lat         1.5e-06 s (1.5us)\n"));
    assert_non_null(strstr(xml, "    global-links    3 per pair of cells\n"));
    // an XML comment cannot hold "--": the command line in the comment has "- -"
    char *c0 = strstr(xml, "<!--"), *c1 = strstr(xml, "-->");
    assert_non_null(c0);
    assert_non_null(c1);
    *c1 = '\0';
    assert_null(strstr(c0 + 4, "--"));
    assert_non_null(strstr(c0, "- -nodes 4 - -gpus-per-node 4"));
    free(xml);
}

// --- other shapes: 1 GPU per node, more than 10 GPUs per node, one node ------------------------

static void test_one_gpu_per_node(void **state)
{
    (void)state;
    char *file = tmp_path("g1.xml");
    static const char *const args[] = {"--nodes", "3", "--gpus-per-node", "1", NULL};
    run_result r = run_gen(file, args);
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *xml = read_file_all(file);
    assert_null(strstr(xml, "<link id=\"n0000-nvl"));    // no NVLink link
    assert_null(strstr(xml, "<link id=\"gl-"));          // one cell: no cell link
    assert_non_null(strstr(xml, "<link id=\"n0002-hca0")); // but the HCA links
    free(xml);
    static const char *const pairs[] = {"n0000-g0", "n0002-g0", NULL};
    probe_info *p = probe(file, 1, pairs);
    assert_int_equal(p->hosts, 3);
    assert_string_equal(p->names[2], "n0002-g0");
    check_route(p, "n0000-g0", "n0002-g0", 4, 25e9, 2e-6,
                "n0000-hca0_UP n0000-v n0002-v n0002-hca0_DOWN");
    probe_free(p);
    free(file);
}

static void test_twelve_gpus_per_node(void **state)
{
    (void)state;
    char *file = tmp_path("g12.xml");
    static const char *const args[] = {"--nodes", "2", "--gpus-per-node", "12", "--nodes-per-cell",
                                       "1", NULL};
    run_result r = run_gen(file, args);
    assert_int_equal(r.status, 0);
    run_free(&r);
    static const char *const pairs[] = {"n0000-g02", "n0000-g11", "n0000-g11", "n0001-g10", NULL};
    probe_info *p = probe(file, 1, pairs);
    assert_int_equal(p->hosts, 24);
    for (int i = 0; i < 24; i++) {
        char want[64];
        snprintf(want, sizeof want, "n%04d-g%02d", i / 12, i % 12);
        assert_string_equal(p->names[i], want);
    }
    check_route(p, "n0000-g02", "n0000-g11", 1, 100e9, 1e-6, "n0000-nvl02-11_UP");
    check_route(p, "n0000-g11", "n0001-g10", 5, 25e9, 3e-6,
                "n0000-hca11_UP n0000-v gl-00-01_UP n0001-v n0001-hca10_DOWN");
    probe_free(p);
    char *xml = read_file_all(file);
    int nvl = 0;
    for (char *s = xml; (s = strstr(s, "<link id=\"n0001-nvl")) != NULL; s++)
        nvl++;
    assert_int_equal(nvl, 12 * 11 / 2);
    free(xml);
    free(file);
}

static void test_single_node_to_stdout(void **state)
{
    (void)state;
    char *file = tmp_path("stdout.xml");
    char *argv[] = {(char *)g_bin, "--nodes", "1", NULL};
    run_result r = run_argv(argv, file); // stdout into the file
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_true(strncmp(r.out, "<?xml version='1.0'?>\n", 22) == 0);
    size_t len = strlen(r.out);
    assert_true(len > 12 && strcmp(r.out + len - 12, "</platform>\n") == 0);
    run_free(&r);
    static const char *const pairs[] = {"n0000-g1", "n0000-g2", NULL};
    probe_info *p = probe(file, 0, pairs);
    assert_int_equal(p->hosts, 4);
    check_route(p, "n0000-g1", "n0000-g2", 1, 100e9, 1e-6, "n0000-nvl12_UP");
    probe_free(p);
    free(file);
}

// --- caps on both directions together: a SHARED link beside each NVLink and HCA link ------------

static void test_bidir_caps(void **state)
{
    (void)state;
    char *file = tmp_path("caps.xml");
    static const char *const args[] = {"--nodes", "2", "--gpus-per-node", "2", "--nodes-per-cell",
                                       "2", "--nvlink-bw", "80e9", "--nvlink-bidir-bw", "60e9",
                                       "--hca-bw", "20e9", "--hca-bidir-bw", "30e9", NULL};
    run_result r = run_gen(file, args);
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *xml = read_file_all(file);
    assert_non_null(strstr(xml, "<link id=\"n0001-nvl01-bi\" bandwidth=\"60GBps\" latency=\"0\" "
                                "sharing_policy=\"SHARED\"/>"));
    assert_non_null(strstr(xml, "<link id=\"n0000-hca1-bi\" bandwidth=\"30GBps\" latency=\"0\" "
                                "sharing_policy=\"SHARED\"/>"));
    assert_non_null(strstr(xml, "    hca-bidir-bw    3e+10 B/s both directions together"));
    free(xml);
    static const char *const pairs[] = {"n0000-g0", "n0000-g1", "n0000-g1", "n0000-g0",
                                        "n0000-g1", "n0001-g0", "n0001-g0", "n0000-g1", NULL};
    probe_info *p = probe(file, 0, pairs);
    // the cap below the per-direction rate limits one message; both ways, the same link
    check_route(p, "n0000-g0", "n0000-g1", 2, 60e9, 1e-6, "n0000-nvl01_UP n0000-nvl01-bi");
    check_route(p, "n0000-g1", "n0000-g0", 2, 60e9, 1e-6, "n0000-nvl01-bi n0000-nvl01_DOWN");
    check_route(p, "n0000-g1", "n0001-g0", 6, 20e9, 2e-6,
                "n0000-hca1_UP n0000-hca1-bi n0000-v n0001-v n0001-hca0-bi n0001-hca0_DOWN");
    check_route(p, "n0001-g0", "n0000-g1", 6, 20e9, 2e-6,
                "n0001-hca0_UP n0001-hca0-bi n0001-v n0000-v n0000-hca1-bi n0000-hca1_DOWN");
    probe_free(p);
    // --hca-bidir-share: the cap as a share of both directions' rate, following --hca-bw
    static const char *const share[] = {"--nodes", "2", "--gpus-per-node", "2", "--hca-bw", "20e9",
                                        "--hca-bidir-share", "0.75", NULL};
    r = run_gen(file, share);
    assert_int_equal(r.status, 0);
    run_free(&r);
    xml = read_file_all(file);
    assert_non_null(strstr(xml, "<link id=\"n0001-hca0-bi\" bandwidth=\"30GBps\" latency=\"0\" "
                                "sharing_policy=\"SHARED\"/>"));
    free(xml);
    // without the options: no cap link, nothing shared
    static const char *const plain[] = {"--nodes", "2", "--gpus-per-node", "2", NULL};
    r = run_gen(file, plain);
    assert_int_equal(r.status, 0);
    run_free(&r);
    xml = read_file_all(file);
    assert_null(strstr(xml, "-bi\""));
    assert_null(strstr(xml, "SHARED"));
    assert_null(strstr(xml, "bidir"));
    free(xml);
    free(file);
}

// --- command-line behaviour --------------------------------------------------------------------

static void test_help(void **state)
{
    (void)state;
    static const char *const args[] = {"--help", NULL};
    run_result r = run_gen(NULL, args);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: daso-platform --nodes N"));
    assert_non_null(strstr(r.out, "--global-link-bw"));
    assert_string_equal(r.err, "");
    run_free(&r);
}

typedef struct {
    const char *what; // the test's name
    const char *args[8];
} bad_case;

static const bad_case BAD[] = {
    {"bad input: nodes 0", {"--nodes", "0"}},
    {"bad input: gpus -1", {"--nodes", "2", "--gpus-per-node", "-1"}},
    {"bad input: hca-bw abc", {"--nodes", "2", "--hca-bw", "abc"}},
    {"bad input: unknown option", {"--nodes", "2", "--bogus", "1"}},
    {"bad input: missing --nodes", {"--gpus-per-node", "4"}},
    {"bad input: missing value", {"--nodes"}},
    {"bad input: nodes 2.5", {"--nodes", "2.5"}},
    {"bad input: gpu-speed nan", {"--nodes", "2", "--gpu-speed", "nan"}},
    {"bad input: nvlink-bw inf", {"--nodes", "2", "--nvlink-bw", "inf"}},
    {"bad input: hca-bw 0", {"--nodes", "2", "--hca-bw", "0"}},
    {"bad input: global-link-bw -1", {"--nodes", "2", "--global-link-bw=-1"}},
    {"bad input: hca-lat -1e-6", {"--nodes", "2", "--hca-lat", "-1e-6"}},
    {"bad input: hca-bidir-bw -1", {"--nodes", "2", "--hca-bidir-bw", "-1"}},
    {"bad input: hca-bidir-share 0", {"--nodes", "2", "--hca-bidir-share", "0"}},
    {"bad input: hca-bidir-share 1.5", {"--nodes", "2", "--hca-bidir-share", "1.5"}},
    {"bad input: hca-bidir-bw and -share",
     {"--nodes", "2", "--hca-bidir-bw", "30e9", "--hca-bidir-share", "0.5"}},
    {"bad input: nvlink-bidir-bw nan", {"--nodes", "2", "--nvlink-bidir-bw", "nan"}},
    {"bad input: nodes-per-cell 0", {"--nodes", "2", "--nodes-per-cell", "0"}},
    {"bad input: global-links 0", {"--nodes", "2", "--global-links", "0"}},
    {"bad input: positional argument", {"--nodes", "2", "extra"}},
};

static void test_bad_input(void **state)
{
    const bad_case *c = *state;
    char *file = tmp_path("bad.xml");
    run_result r = run_gen(file, c->args);
    if (r.status != 2 || count_lines(r.err) != 1)
        fail_msg("%s: status %d, stderr [%s]", c->what, r.status, r.err);
    assert_true(strncmp(r.err, "daso-platform: ", 15) == 0);
    assert_string_equal(r.out, "");
    assert_false(file_exists(file));
    assert_int_equal(count_entries("bad.xml"), 0); // no temporary file left either
    run_free(&r);
    free(file);
}

static void test_bad_input_keeps_existing_file(void **state)
{
    (void)state;
    char *file = tmp_path("keep.xml");
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("keep\n", f);
    fclose(f);
    static const char *const args[] = {"--nodes", "-3", NULL};
    run_result r = run_gen(file, args);
    assert_int_equal(r.status, 2);
    run_free(&r);
    char *s = read_file_all(file);
    assert_string_equal(s, "keep\n");
    free(s);
    assert_int_equal(count_entries("keep.xml"), 1);
    free(file);
}

static void test_bad_output_directory(void **state)
{
    (void)state;
    char *file = tmp_path("no-such-dir/x.xml");
    static const char *const args[] = {"--nodes", "2", NULL};
    run_result r = run_gen(file, args);
    assert_int_equal(r.status, 2);
    assert_int_equal(count_lines(r.err), 1);
    run_free(&r);
    free(file);
}

static void test_write_error_exits_1(void **state)
{
    (void)state;
    if (!file_exists("/dev/full"))
        skip();
    char *argv[] = {(char *)g_bin, "--nodes", "2", NULL};
    run_result r = run_argv(argv, "/dev/full");
    assert_int_equal(r.status, 1);
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "daso_platform.c:")); // file:line of the failed write
    run_free(&r);
}

// --- scale: the 936-node JUWELS Booster file ---------------------------------------------------

static void test_generate_936_nodes(void **state)
{
    (void)state;
    char *file = tmp_path("jb936.xml");
    static const char *const args[] = {"--nodes", "936", NULL};
    run_result r = run_gen(file, args);
    assert_int_equal(r.status, 0);
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    printf("# generation of 936 nodes x 4 GPUs: %.3f s wall, %.2f MB\n", r.wall_s,
           (double)st.st_size / 1e6);
    assert_true(r.wall_s < 5.0);
    run_free(&r);
    static const char *const pairs[] = {"n0000-g0", "n0935-g3", NULL};
    probe_info *p = probe(file, 0, pairs);
    printf("# SimGrid load of the generated 936-node file: %.3f s\n", p->load_s);
    assert_int_equal(p->hosts, 3744);
    check_route(p, "n0000-g0", "n0935-g3", 5, 25e9, 3e-6,
                "n0000-hca0_UP n0000-v gl-00-19_UP n0935-v n0935-hca3_DOWN");
    probe_free(p);
    free(file);
}

static char *shipped(const char *name)
{
    char *p = mallocCheck(strlen(g_platform_dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", g_platform_dir, name);
    return p;
}

// Splits a command line written by the generator (words, '...' quoting, '\'' escapes).
static int split_command(char *s, char *words[], int max)
{
    int n = 0;
    char *w = s;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        assert_true(n < max);
        words[n++] = w;
        while (*s && *s != ' ') {
            if (*s == '\'') {
                s++;
                while (*s && *s != '\'')
                    *w++ = *s++;
                assert_int_equal(*s, '\'');
                s++;
            } else if (s[0] == '\\' && s[1] == '\'') {
                *w++ = '\'';
                s += 2;
            } else {
                *w++ = *s++;
            }
        }
        int more = *s != '\0'; // (the terminator may overwrite the separator)
        *w++ = '\0';
        if (more)
            s++;
    }
    return n;
}

// Lines of `s` that do not record the command line.
static char *strip_command_lines(const char *s)
{
    char *r = mallocCheck(strlen(s) + 1), *w = r;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s + 1) : strlen(s);
        // (memmem looks in this line only: strstr would scan the rest of the file at every
        // indented line, quadratic in the file's size)
        int is_cmd = strncmp(s, "    <prop id=\"daso:command\"", 27) == 0 ||
                     (len > 4 && strncmp(s, "    ", 4) == 0 &&
                      memmem(s, len, " - -nodes ", 10) != NULL);
        if (!is_cmd) {
            memcpy(w, s, len);
            w += len;
        }
        s += len;
    }
    *w = '\0';
    return r;
}

// Fails unless `file` is what its recorded command line (`command`, the daso:command property)
// writes with today's generator: runs it with --out in the scratch directory and compares all
// but the lines that record the command line (they name the other --out).
static void assert_regenerates(const char *file, const char *command)
{
    char *cmd = mallocCheck(strlen(command) + 1);
    strcpy(cmd, command);
    char *words[128];
    int n = split_command(cmd, words, 127);
    assert_true(n > 2);
    char *fresh = tmp_path("regen.xml");
    char *argv[128];
    int k = 0;
    argv[k++] = (char *)g_bin;
    for (int i = 1; i < n; i++) {
        argv[k++] = words[i];
        if (strcmp(words[i], "--out") == 0 && i + 1 < n)
            argv[k++] = fresh, i++;
    }
    argv[k] = NULL;
    run_result r = run_argv(argv, NULL);
    assert_int_equal(r.status, 0);
    run_free(&r);
    char *a = read_file_all(file), *b = read_file_all(fresh);
    assert_non_null(a);
    assert_non_null(b);
    char *sa = strip_command_lines(a), *sb = strip_command_lines(b);
    if (strcmp(sa, sb) != 0)
        fail_msg("%s differs from a fresh run of its recorded command line: regenerate it", file);
    unlink(fresh);
    free(a), free(b), free(sa), free(sb), free(fresh), free(cmd);
}

static void test_shipped_juwels_booster(void **state)
{
    (void)state;
    char *file = shipped("juwels_booster.xml");
    if (!file_exists(file))
        fail_msg("%s is missing (run from the repository root or set DASO_PLATFORM_DIR)", file);
    static const char *const pairs[] = {"n0000-g0", "n0000-g1", "n0000-g0", "n0047-g0",
                                        "n0000-g0", "n0935-g3", NULL};
    probe_info *p = probe(file, 1, pairs);
    printf("# SimGrid load of %s: %.3f s\n", file, p->load_s);
    assert_int_equal(p->hosts, 3744);
    assert_string_equal(p->names[0], "n0000-g0");
    assert_string_equal(p->names[3743], "n0935-g3");
    for (int i = 0; i < p->nlisted; i++)
        assert_close(p->speeds[i], 19.5e12);
    // the measured network (platforms/README.md): each NVLink and HCA link with its cap
    check_route(p, "n0000-g0", "n0000-g1", 2, 90.5e9, 0.65e-6, "n0000-nvl01_UP n0000-nvl01-bi");
    check_route(p, "n0000-g0", "n0047-g0", 6, 24.7e9, 2e-6,
                "n0000-hca0_UP n0000-hca0-bi n0000-v n0047-v n0047-hca0-bi n0047-hca0_DOWN");
    check_route(p, "n0000-g0", "n0935-g3", 7, 24.7e9, 3e-6,
                "n0000-hca0_UP n0000-hca0-bi n0000-v gl-00-19_UP n0935-v n0935-hca3-bi "
                "n0935-hca3_DOWN");
    assert_regenerates(file, p->command);
    probe_free(p);
    free(file);
}

// platforms/jupiter.xml (platforms/README.md): 6000 nodes x 4 GH200 in cells of 240, compute
// 1.929 x the A100 profiles' reference, the network of JUWELS Booster's measured shares.
static void test_shipped_jupiter(void **state)
{
    (void)state;
    char *file = shipped("jupiter.xml");
    if (!file_exists(file))
        fail_msg("%s is missing (run from the repository root or set DASO_PLATFORM_DIR)", file);
    static const char *const pairs[] = {"n0000-g0", "n0000-g1", "n0000-g0", "n0239-g3",
                                        "n0000-g0", "n0240-g0", "n5999-g3", "n0000-g0", NULL};
    probe_info *p = probe(file, 1, pairs);
    printf("# SimGrid load of %s: %.3f s\n", file, p->load_s);
    assert_int_equal(p->hosts, 24000);
    assert_int_equal(p->nlisted, 24000);
    assert_string_equal(p->names[0], "n0000-g0");
    assert_string_equal(p->names[23999], "n5999-g3");
    for (int i = 0; i < p->nlisted; i++)
        assert_close(p->speeds[i], 37.6e12);
    check_route(p, "n0000-g0", "n0000-g1", 2, 135.75e9, 0.65e-6, "n0000-nvl01_UP n0000-nvl01-bi");
    check_route(p, "n0000-g0", "n0239-g3", 6, 24.7e9, 2e-6,
                "n0000-hca0_UP n0000-hca0-bi n0000-v n0239-v n0239-hca3-bi n0239-hca3_DOWN");
    check_route(p, "n0000-g0", "n0240-g0", 7, 24.7e9, 3e-6,
                "n0000-hca0_UP n0000-hca0-bi n0000-v gl-00-01_UP n0240-v n0240-hca0-bi "
                "n0240-hca0_DOWN");
    check_route(p, "n5999-g3", "n0000-g0", 7, 24.7e9, 3e-6,
                "n5999-hca3_UP n5999-hca3-bi n5999-v gl-00-24_DOWN n0000-v n0000-hca0-bi "
                "n0000-hca0_DOWN");
    assert_regenerates(file, p->command);
    probe_free(p);
    free(file);
}

static void test_shipped_local_2core(void **state)
{
    (void)state;
    char *file = shipped("local_2core.xml");
    if (!file_exists(file))
        fail_msg("%s is missing", file);
    static const char *const pairs[] = {"n0000-g0", "n0000-g1", "n0000-g0", "n0001-g1", NULL};
    probe_info *p = probe(file, 1, pairs);
    assert_int_equal(p->hosts, 8); // 4 nodes x 2 ranks
    assert_string_equal(p->names[7], "n0003-g1");
    // on one machine every pair of ranks talks through shared memory: same bandwidth and latency
    const route_info *a = find_route(p, "n0000-g0", "n0000-g1");
    const route_info *b = find_route(p, "n0000-g0", "n0001-g1");
    assert_close(a->bw, b->bw);
    assert_close(a->lat, b->lat);
    assert_true(p->speeds[0] > 1e9 && p->speeds[0] < 1e12);
    probe_free(p);
    free(file);
}

// --- main --------------------------------------------------------------------------------------

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    util_prog = "test_platform";
    if (argc >= 3 && strcmp(argv[1], "--probe") == 0)
        return probe_main(argc, argv);

    g_self = "/proc/self/exe";
    static char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
        self[len] = '\0';
        g_self = self;
    }
    g_bin = argc > 1 ? argv[1] : getenv("DASO_PLATFORM_BIN");
    if (g_bin == NULL)
        g_bin = "build/daso-platform";
    if (access(g_bin, X_OK) != 0)
        util_die_input("generator %s not found or not executable (argv[1] or DASO_PLATFORM_BIN)",
                       g_bin);
    g_platform_dir = getenv("DASO_PLATFORM_DIR");
    if (g_platform_dir == NULL)
        g_platform_dir = "platforms";
    snprintf(g_tmp, sizeof g_tmp, "%s/test_platform.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(g_tmp) == NULL)
        util_die("mkdtemp %s: %s", g_tmp, strerror(errno));

    const struct CMUnitTest small_tests[] = {
        cmocka_unit_test(test_small_host_count),
        cmocka_unit_test(test_small_host_names_natural_order),
        cmocka_unit_test(test_small_host_speed),
        cmocka_unit_test(test_small_route_same_node),
        cmocka_unit_test(test_small_route_same_cell),
        cmocka_unit_test(test_small_route_other_cell),
        cmocka_unit_test(test_small_records_command_line),
    };
    const struct CMUnitTest first[] = {
        cmocka_unit_test(test_one_gpu_per_node),
        cmocka_unit_test(test_twelve_gpus_per_node),
        cmocka_unit_test(test_single_node_to_stdout),
        cmocka_unit_test(test_bidir_caps),
        cmocka_unit_test(test_help),
    };
    const struct CMUnitTest last[] = {
        cmocka_unit_test(test_bad_input_keeps_existing_file),
        cmocka_unit_test(test_bad_output_directory),
        cmocka_unit_test(test_write_error_exits_1),
        cmocka_unit_test(test_generate_936_nodes),
        cmocka_unit_test(test_shipped_juwels_booster),
        cmocka_unit_test(test_shipped_jupiter),
        cmocka_unit_test(test_shipped_local_2core),
    };
    enum { NFIRST = sizeof first / sizeof first[0], NBAD = sizeof BAD / sizeof BAD[0],
           NLAST = sizeof last / sizeof last[0] };
    struct CMUnitTest tests[NFIRST + NBAD + NLAST];
    int nt = 0;
    for (int i = 0; i < NFIRST; i++)
        tests[nt++] = first[i];
    for (int i = 0; i < NBAD; i++) // one named test per bad input
        tests[nt++] = (struct CMUnitTest){BAD[i].what, test_bad_input, NULL, NULL, (void *)&BAD[i]};
    for (int i = 0; i < NLAST; i++)
        tests[nt++] = last[i];
    int failed = cmocka_run_group_tests_name("platform: small 4x4 platform", small_tests,
                                             setup_small, teardown_small);
    failed += cmocka_run_group_tests_name("platform: generator", tests, NULL, NULL);
    remove_tree(g_tmp);
    return failed == 0 ? 0 : 1;
}

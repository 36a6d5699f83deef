// platform.c: see platform.h.
#define _GNU_SOURCE // strverscmp
#include "platform.h"

#include <errno.h>  // errno
#include <signal.h> // signal, SIGABRT
#include <stdio.h>  // tmpfile, fgets, fileno, getline
#include <stdlib.h> // qsort, free
#include <string.h> // strverscmp, strstr, strchr, strerror, memcpy
#include <unistd.h> // dup, dup2, _exit, write

#include <simgrid/engine.h> // simgrid_load_platform
#include <simgrid/host.h>   // sg_host_list, sg_host_count, sg_host_get_name

#include "util.h" // util_die_input, util_prog, mallocCheck

static FILE *captured;      // SimGrid's stderr while the platform loads
static int saved_stderr;    // the real stderr
static const char *loading; // the file being loaded

// SimGrid's last error line, without its "[time] file:line: [category/LEVEL] " prefix.
static void last_error(char *out, size_t len)
{
    char line[1024];
    out[0] = '\0';
    rewind(captured);
    while (fgets(line, sizeof line, captured)) {
        char *msg = strstr(line, "ERROR] ");
        if (msg == NULL)
            msg = strstr(line, "CRITICAL] Uncaught exception ");
        if (msg == NULL || strstr(line, "Exiting now") || strstr(line, "Current backtrace"))
            continue;
        msg = strchr(msg, ']') + 2;
        if (out[0] == '\0' || strstr(line, "ERROR] ")) // the first informative line wins
            snprintf(out, len, "%.*s", (int)strcspn(msg, "\n"), msg);
    }
}

static void on_abort(int sig)
{
    (void)sig;
    char why[700], line[900];
    last_error(why, sizeof why);
    int n = snprintf(line, sizeof line, "%s: cannot load platform %s: %s\n", util_prog, loading,
                     why[0] ? why : "SimGrid rejected it");
    if (write(saved_stderr, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1)) < 0)
        _exit(2);
    _exit(2);
}

void sim_platform_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        util_die_input("cannot open platform %s: %s", path, strerror(errno));
    fclose(f);
    captured = tmpfile();
    saved_stderr = dup(2);
    if (captured == NULL || saved_stderr < 0 || dup2(fileno(captured), 2) < 0)
        util_die("cannot capture SimGrid's messages while loading %s", path);
    loading = path;
    signal(SIGABRT, on_abort);
    simgrid_load_platform(path);
    signal(SIGABRT, SIG_DFL);
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    // pass on what SimGrid said, but its notes on the platform's <config> settings
    char line[1024];
    rewind(captured);
    while (fgets(line, sizeof line, captured))
        if (strstr(line, "[xbt_cfg/INFO] Configuration change") == NULL)
            fputs(line, stderr);
    fclose(captured);
}

static int natural_order(const void *a, const void *b)
{
    return strverscmp(sg_host_get_name(*(const sg_host_t *)a),
                      sg_host_get_name(*(const sg_host_t *)b));
}

sg_host_t *sim_platform_hosts(const char *path, int count)
{
    size_t n = sg_host_count();
    if ((size_t)count > n)
        util_die_input("platform %s has %zu hosts (GPUs); the run needs %d", path, n, count);
    sg_host_t *all = sg_host_list();
    qsort(all, n, sizeof *all, natural_order);
    sg_host_t *hosts = mallocCheck(sizeof(sg_host_t) * (size_t)count);
    for (int i = 0; i < count; i++)
        hosts[i] = all[i];
    free(all); // sg_host_list() memory is xbt_malloc'd: plain free
    return hosts;
}

// Copies the value="..." (or '...') that follows `key` on `line` into out (size n), if any.
static void prop_value(const char *line, const char *key, char *out, size_t n)
{
    const char *p = strstr(line, key), *v = p ? strstr(p, "value=") : NULL;
    if (v == NULL || (v[6] != '"' && v[6] != '\''))
        return;
    const char quote = v[6], *end = strchr(v + 7, quote);
    size_t len = end ? (size_t)(end - (v + 7)) : 0;
    if (len == 0 || len >= n)
        return;
    memcpy(out, v + 7, len);
    out[len] = '\0';
}

sim_platform_info sim_platform_scan(const char *path)
{
    static const char *const host_profiles[] = {"speed_file", "availability_file", "state_file",
                                                "trace_connect", "id=\"plugin\"", "id='plugin'"};
    static const char *const link_profiles[] = {"bandwidth_file", "latency_file", "state_file",
                                                "trace_connect"};
    FILE *f = fopen(path, "r");
    if (f == NULL)
        util_die_input("cannot open platform %s: %s", path, strerror(errno));
    sim_platform_info info = {0};
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) != -1) {
        for (size_t i = 0; i < sizeof host_profiles / sizeof *host_profiles; i++)
            info.needs_executions |= strstr(line, host_profiles[i]) != NULL;
        for (size_t i = 0; i < sizeof link_profiles / sizeof *link_profiles; i++)
            info.links_vary |= strstr(line, link_profiles[i]) != NULL;
        prop_value(line, "network/model", info.network_model, sizeof info.network_model);
    }
    free(line);
    fclose(f);
    return info;
}

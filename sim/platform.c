// platform.c: see platform.h.
#define _GNU_SOURCE // strverscmp
#include "platform.h"

#include <ctype.h>    // isspace
#include <errno.h>    // errno
#include <signal.h>   // sigaction, SIGABRT, SIGSEGV
#include <stdio.h>    // tmpfile, fgets, fileno, getline, snprintf
#include <stdlib.h>   // qsort, free, realloc
#include <string.h>   // strverscmp, strstr, strchr, strncmp, strerror, memcpy, memset
#include <sys/stat.h> // fstat, S_ISDIR
#include <unistd.h>   // dup, dup2, _exit, write

#include <simgrid/engine.h> // simgrid_init, simgrid_load_platform
#include <simgrid/host.h>   // sg_host_list, sg_host_count, sg_host_get_name

#include "util.h" // util_die_input, util_prog, mallocCheck

static FILE *captured;      // SimGrid's stderr while a guarded call runs
static int saved_stderr;    // the real stderr
static const char *context; // the error line's first part (NULL: sim_init's options)
static struct sigaction saved_abrt, saved_segv;

// SimGrid's reason into out (size len; "" if it gave none): its first ERROR line, else its first
// CRITICAL one that is not about the backtrace or exiting, without the "[time] file:line:
// [category/LEVEL] " prefix (nor "Uncaught exception std::out_of_range: " and the like). Returns
// whether that was an uncaught exception (thrown where SimGrid parses an option, for one).
static bool last_error(char *out, size_t len)
{
    char line[1024];
    bool exception = false;
    out[0] = '\0';
    rewind(captured);
    while (fgets(line, sizeof line, captured)) {
        char *msg = strstr(line, "ERROR] ");
        const bool error = msg != NULL;
        if (msg == NULL)
            msg = strstr(line, "CRITICAL] ");
        if (msg == NULL || strstr(line, "Exiting now") || strstr(line, "Current backtrace") ||
            (out[0] && !error))
            continue;
        msg = strchr(msg, ']') + 2;
        exception = strncmp(msg, "Uncaught exception ", 19) == 0;
        if (exception) { // then a C++ type, a::b, and ": "
            msg += 19;
            char *type_end = strstr(msg, ": ");
            if (type_end && strstr(msg, "::") != NULL && strstr(msg, "::") < type_end)
                msg = type_end + 2;
        }
        snprintf(out, len, "%.*s", (int)strcspn(msg, "\n"), msg);
        if (error)
            break;
    }
    return exception;
}

// K:V of SimGrid's last note "Configuration change: Set 'K' to 'V'" into out (size len; "" if
// none).
static void last_setting(char *out, size_t len)
{
    char line[1024];
    out[0] = '\0';
    rewind(captured);
    while (fgets(line, sizeof line, captured)) {
        const char *set = strstr(line, "Configuration change: Set '"), *to;
        if (set && (to = strstr(set + 27, "' to '")) != NULL)
            snprintf(out, len, "%.*s:%.*s", (int)(to - set - 27), set + 27,
                     (int)strcspn(to + 6, "'\n"), to + 6);
    }
}

// SimGrid aborted (a bad option or file) or crashed (a file it does not check) in a guarded call:
// one line from what it said, exit 2.
static void on_fatal(int sig)
{
    char why[700], setting[300] = "", line[1200];
    const bool exception = last_error(why, sizeof why);
    if (why[0] == '\0')
        snprintf(why, sizeof why, "%s",
                 sig == SIGABRT ? "SimGrid rejected it"
                 : context      ? "SimGrid crashed reading it (a <zoneRoute> given twice is one "
                                  "known cause)"
                                : "SimGrid crashed");
    // sim_init: SimGrid takes --log= first, then each --cfg= in turn, announcing it; one it cannot
    // parse throws there (what it checks later, such as contexts/factory, names itself)
    if (context == NULL && exception)
        last_setting(setting, sizeof setting);
    int n = context ? snprintf(line, sizeof line, "%s: %s: %s\n", util_prog, context, why)
            : setting[0]
                ? snprintf(line, sizeof line, "%s: bad SimGrid option --cfg=%s: %s\n", util_prog,
                           setting, why)
                : snprintf(line, sizeof line, "%s: bad SimGrid option: %s\n", util_prog, why);
    if (write(saved_stderr, line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1)) < 0)
        _exit(2);
    _exit(2);
}

// From here to guard_end(), SimGrid's messages go to a temporary file, and an abort or a
// segmentation fault ends the process with one line "PROG: WHAT: <SimGrid's reason>" (what NULL:
// "PROG: bad SimGrid option[ --cfg=K:V]: <reason>"), exit 2.
static void guard_begin(const char *what)
{
    context = what;
    struct sigaction fatal = {.sa_handler = on_fatal};
    if (sigemptyset(&fatal.sa_mask) != 0 || sigaction(SIGABRT, &fatal, &saved_abrt) != 0 ||
        sigaction(SIGSEGV, &fatal, &saved_segv) != 0)
        util_die("cannot catch SimGrid's aborts");
    fflush(stderr);
    captured = tmpfile();
    saved_stderr = dup(2);
    if (captured == NULL || saved_stderr < 0 || dup2(fileno(captured), 2) < 0)
        util_die("cannot capture SimGrid's messages");
}

// Restores stderr and the signal handlers SimGrid had, and passes on what SimGrid said (but
// its notes on configuration changes, when drop_config_notes).
static void guard_end(bool drop_config_notes)
{
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    if (sigaction(SIGABRT, &saved_abrt, NULL) != 0 || sigaction(SIGSEGV, &saved_segv, NULL) != 0)
        util_die("cannot restore SimGrid's signal handlers");
    char line[1024];
    rewind(captured);
    while (fgets(line, sizeof line, captured))
        if (!drop_config_notes || strstr(line, "[xbt_cfg/INFO] Configuration change") == NULL)
            fputs(line, stderr);
    fclose(captured);
}

void sim_init(int *argc, char **argv)
{
    guard_begin(NULL);
    simgrid_init(argc, argv);
    guard_end(false);
}

// The platform file, open for reading; exit 2 with one line if it cannot be read or is a folder.
static FILE *open_platform(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        util_die_input("cannot open platform %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        util_die_input("cannot read platform %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        util_die_input("cannot read platform %s: it is a folder", path);
    return f;
}

void sim_platform_load(const char *path)
{
    fclose(open_platform(path));
    static char what[4200];
    snprintf(what, sizeof what, "cannot load platform %s", path);
    guard_begin(what);
    simgrid_load_platform(path);
    guard_end(true); // the platform's <config> settings are not the user's news
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

// Copies into out (size n) the value of attribute `name` (name="..." or '...') of the element
// text [p, end); "?" if it is there but unreadable, unchanged if absent.
static void attr(const char *p, const char *end, const char *name, char *out, size_t n)
{
    const size_t len = strlen(name);
    for (const char *a = p; (a = strstr(a, name)) != NULL && a < end; a += len) {
        if (a == p || !isspace((unsigned char)a[-1]))
            continue; // part of a longer name
        const char *v = a + len;
        while (isspace((unsigned char)*v))
            v++;
        if (*v++ != '=')
            continue;
        while (isspace((unsigned char)*v))
            v++;
        const char *close = (*v == '"' || *v == '\'') ? strchr(v + 1, *v) : NULL;
        if (close == NULL || close > end || (size_t)(close - v - 1) >= n) {
            snprintf(out, n, "?");
            return;
        }
        memcpy(out, v + 1, (size_t)(close - v - 1));
        out[close - v - 1] = '\0';
        return;
    }
}

// The network and host models that the <config> block sets: each <prop id=".." value=".."/>,
// attributes in any order, over several lines, comments left out.
static void config_models(char *config, sim_platform_info *info)
{
    for (char *c; (c = strstr(config, "<!--")) != NULL;) { // blank out comments
        char *e = strstr(c, "-->");
        memset(c, ' ', e ? (size_t)(e + 3 - c) : strlen(c));
    }
    for (const char *p = config; (p = strstr(p, "<prop")) != NULL; p++) {
        const char *end = strchr(p, '>');
        if (end == NULL)
            end = p + strlen(p);
        char id[64] = "", value[32] = "";
        attr(p, end, "id", id, sizeof id);
        attr(p, end, "value", value, sizeof value);
        char *model = strcmp(id, "network/model") == 0 ? info->network_model
                      : strcmp(id, "host/model") == 0  ? info->host_model
                                                        : NULL;
        if (model) // set twice to different values: which one SimGrid takes is not ours to guess
            snprintf(model, sizeof info->network_model, "%s",
                     model[0] && strcmp(model, value) != 0 ? "?" : value);
    }
}

sim_platform_info sim_platform_scan(const char *path)
{
    static const char *const host_profiles[] = {"speed_file", "availability_file", "state_file",
                                                "trace_connect", "id=\"plugin\"", "id='plugin'"};
    static const char *const link_profiles[] = {"bandwidth_file", "latency_file", "state_file",
                                                "trace_connect"};
    FILE *f = open_platform(path);
    sim_platform_info info = {0};
    char *line = NULL, *config = NULL;
    size_t cap = 0, config_len = 0;
    bool in_config = false;
    util_bounds bounds = UTIL_BOUNDS(path);
    while (util_getline(&line, &cap, f, &bounds) != -1) {
        for (size_t i = 0; i < sizeof host_profiles / sizeof *host_profiles; i++)
            info.needs_executions |= strstr(line, host_profiles[i]) != NULL;
        for (size_t i = 0; i < sizeof link_profiles / sizeof *link_profiles; i++)
            info.links_vary |= strstr(line, link_profiles[i]) != NULL;
        const char *g = strstr(line, "\"daso:gpus-per-node\"");
        if (g && strstr(line, "<prop") && strchr(g, '>')) {
            char value[16] = "";
            attr(strstr(line, "<prop"), strchr(g, '>'), "value", value, sizeof value);
            char *end;
            long v = strtol(value, &end, 10);
            info.gpus_per_node = end != value && *end == '\0' && v > 0 && v < 1 << 20 ? (int)v : 0;
        }
        in_config |= strstr(line, "<config") != NULL;
        if (in_config) { // the <config> block, kept whole
            const size_t len = strlen(line);
            char *grown = realloc(config, config_len + len + 1);
            if (grown == NULL)
                util_die("out of memory reading %s", path);
            config = grown;
            memcpy(config + config_len, line, len + 1);
            config_len += len;
            in_config = strstr(line, "</config>") == NULL;
        }
    }
    if (config)
        config_models(config, &info);
    free(config);
    free(line);
    fclose(f);
    return info;
}

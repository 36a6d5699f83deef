// daso_platform.c: writes a SimGrid (3.32, XML v4.1) platform of N nodes x G GPUs, each GPU one
// host, in the layout that loads 936 JUWELS-Booster-like nodes in about a tenth of a second:
//
//   world (DijkstraCache)
//     links (None)  every link, declared before any other zone (SimGrid checks a new link's
//                   name against every zone created before it):
//                   nNNNN-nvlAB  one SPLITDUPLEX NVLink link per GPU pair of node NNNN,
//                   nNNNN-hcaK   one SPLITDUPLEX HCA link per GPU, to the node's nic router,
//                   nNNNN-nvlAB-bi, nNNNN-hcaK-bi  with --nvlink-bidir-bw, --hca-bidir-bw: a
//                                SHARED link beside each, on the route both ways, that caps
//                                both directions together (what an adapter delivers both
//                                ways at once, less than twice one way),
//                   nNNNN-v      a FATPIPE dummy for the node -> cell zoneRoute (empty routes are
//                                forbidden),
//                   gl-AA-BB     one SPLITDUPLEX link per pair of cells, K x global-link-bw
//     nNNNN (Full)  hosts nNNNN-gK, router nNNNN-nic, the routes over the node's NVLink and HCA
//     cNN   (Full)  one router cNN-sw (a DragonFly+ cell, its fat tree abstracted as a crossbar)
//
// Routes: same node = 1 NVLink link; same cell = hca up, dummy, dummy, hca down; other cell = the
// same with the cell-pair link in the middle; each NVLink or HCA link followed by its cap if any. Names are zero-padded so that SimGrid's strcmp-sorted
// host list is the natural order (node-major, then GPU).
//
//   build/daso-platform --nodes 936 --out platforms/juwels_booster.xml
//   build/daso-platform --help
//
// Bad input: one line on stderr, exit 2, nothing written. I/O failure: exit 1 with file:line.
// With --out, the XML goes to a temporary file next to it that is renamed at the end, so no
// half-written platform is ever left behind. Pure C11 + POSIX + core/util, no SimGrid needed.
#define _POSIX_C_SOURCE 200809L
#include "cli.h"  // cli, cli_parse
#include "outfile.h" // outfile_open, outfile_commit
#include "util.h"

#include <errno.h>     // errno
#include <float.h>     // DBL_MAX
#include <math.h>      // isfinite
#include <stdarg.h>    // va_list
#include <stdio.h>     // FILE, vfprintf
#include <stdlib.h>    // strtod
#include <string.h>    // strcmp, strncmp, strlen, strerror

// --- parameters --------------------------------------------------------------------------------

#define MAX_NODES 1000000L
#define MAX_GPUS 1024L
#define MAX_CELLS 4096L // cell-pair links grow as cells^2 / 2
#define MAX_GLOBAL_LINKS 1000000L
#define MAX_COMMENTS 64

typedef struct {
    long nodes, gpus, nodes_per_cell, global_links;
    double gpu_speed;      // flop/s per GPU host
    double nvlink_bw;      // B/s per direction per GPU pair
    double nvlink_lat;     // s
    double hca_bw;         // B/s per direction per GPU
    double hca_lat;        // s
    double nvlink_bidir_bw; // B/s both directions together per GPU pair (0: no cap)
    double hca_bidir_bw;    // B/s both directions together per GPU's HCA (0: no cap)
    double hca_bidir_share; // or that cap as a share of 2 x hca_bw (0: not given)
    double global_link_bw; // B/s per direction per global link
    double global_lat;     // s
    const char *name;      // optional one-line description
    const char *comments[MAX_COMMENTS];
    int ncomments;
    const char *out; // NULL: stdout
} platform_params;

static void params_default(platform_params *p)
{
    *p = (platform_params){
        .nodes = 0, .gpus = 4, .nodes_per_cell = 48, .global_links = 10,
        .gpu_speed = 19.5e12, .nvlink_bw = 100e9, .nvlink_lat = 1e-6,
        .hca_bw = 25e9, .hca_lat = 1e-6, .global_link_bw = 25e9, .global_lat = 1e-6,
    };
}

static void add_comment(void *base, const char *v, const char *what)
{
    platform_params *p = base;
    if (p->ncomments == MAX_COMMENTS)
        util_die_input("at most %d %s options", MAX_COMMENTS, what);
    p->comments[p->ncomments++] = v;
}

#define LONG(name, field, hi, arg, help, ...) \
    CLI_NUM(name, CLI_LONG, platform_params, field, 1, hi, arg, help, __VA_ARGS__)
#define POSITIVE(name, field, arg, help) \
    CLI_NUM(name, CLI_DOUBLE, platform_params, field, 0, DBL_MAX, arg, help, .flags = CLI_ABOVE)
#define LATENCY(name, field, help) \
    CLI_NUM(name, CLI_DOUBLE, platform_params, field, 0, DBL_MAX, "S", help)
static const cli_opt options[] = {
    LONG("nodes", nodes, MAX_NODES, "N", "nodes (required)", .flags = CLI_NO_DEFAULT),
    LONG("gpus-per-node", gpus, MAX_GPUS, "G", "GPUs per node"),
    POSITIVE("gpu-speed", gpu_speed, "F", "flop/s per GPU host (A100 FP32)"),
    POSITIVE("nvlink-bw", nvlink_bw, "B", "B/s per direction per GPU pair"),
    LATENCY("nvlink-lat", nvlink_lat, "s"),
    POSITIVE("hca-bw", hca_bw, "B", "B/s per direction per GPU (one HDR200 per GPU)"),
    LATENCY("hca-lat", hca_lat, "s"),
    CLI_NUM("nvlink-bidir-bw", CLI_DOUBLE, platform_params, nvlink_bidir_bw, 0, DBL_MAX, "B",
            "B/s both directions together per GPU pair: a shared link\n"
            "beside the per-direction one (0: none)"),
    CLI_NUM("hca-bidir-bw", CLI_DOUBLE, platform_params, hca_bidir_bw, 0, DBL_MAX, "B",
            "B/s both directions together per GPU's HCA (0: none)"),
    CLI_NUM("hca-bidir-share", CLI_DOUBLE, platform_params, hca_bidir_share, 0, 1, "F",
            "the same cap as a share of 2 x --hca-bw, so that it follows\n"
            "--hca-bw in a sweep (JUWELS Booster measured: 0.7186)",
            .flags = CLI_ABOVE | CLI_NO_DEFAULT),
    LONG("nodes-per-cell", nodes_per_cell, MAX_NODES, "C", "nodes per DragonFly+ cell"),
    LONG("global-links", global_links, MAX_GLOBAL_LINKS, "K", "links per pair of cells"),
    POSITIVE("global-link-bw", global_link_bw, "B", "B/s per direction per global link"),
    LATENCY("global-lat", global_lat, "s"),
    CLI_STR("name", platform_params, name, "TEXT",
            "one-line description, written in the header comment"),
    CLI_FN("comment", add_comment, "TEXT",
           "a further header comment line (repeatable, e.g. sources)"),
    CLI_STR("out", platform_params, out, "FILE",
            "output file (default: stdout, also '-'); written atomically",
            .flags = CLI_NO_DEFAULT),
};
#undef LONG
#undef POSITIVE
#undef LATENCY

static const char usage[] =
    "usage: daso-platform --nodes N [options]\n"
    "Writes a SimGrid 3.32 platform (XML v4.1) of N nodes x G GPUs; each GPU is one host\n"
    "named nNNNN-gK. Numbers are plain (1e9, 25e9), no unit suffixes.\n";

// Parses argv into p; exits 2 on any bad or unknown option, 0 after --help.
static void parse_args(int argc, char **argv, platform_params *p)
{
    cli c = {.prog = "daso-platform", .usage = usage};
    cli_add(&c, NULL, options, CLI_COUNT(options), p);
    const int first = cli_parse(&c, argc, argv);
    if (first < argc)
        util_die_input("unexpected argument '%s' (see --help)", argv[first]);
    if (!cli_given(&c, "nodes"))
        util_die_input("--nodes is required (see --help)");
    if (p->out && p->out[0] == '\0')
        util_die_input("--out needs a file name");
    if (p->out && strcmp(p->out, "-") == 0)
        p->out = NULL;
    long cells = (p->nodes + p->nodes_per_cell - 1) / p->nodes_per_cell;
    if (cells > MAX_CELLS)
        util_die_input("%ld cells of %ld nodes: at most %ld cells (raise --nodes-per-cell)", cells,
                       p->nodes_per_cell, MAX_CELLS);
    if (cli_given(&c, "hca-bidir-share")) {
        if (cli_given(&c, "hca-bidir-bw"))
            util_die_input("--hca-bidir-bw and --hca-bidir-share set the same cap: give one");
        p->hca_bidir_bw = p->hca_bidir_share * 2 * p->hca_bw;
    }
    if (!isfinite(p->global_link_bw * (double)p->global_links))
        util_die_input("--global-links x --global-link-bw overflows");
}

// --- checked output ----------------------------------------------------------------------------

static FILE *g_out;
static const char *g_out_name = "stdout";

static void out_at(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_at(int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vfprintf(g_out, fmt, ap);
    va_end(ap);
    if (r < 0)
        util_die_at(__FILE__, line, "writing %s: %s", g_out_name, strerror(errno));
}
#define W(...) out_at(__LINE__, __VA_ARGS__)

// Writes text inside an XML comment: no "--", no trailing '-', no control characters.
static void out_comment_text(const char *s)
{
    char prev = ' ';
    for (; *s; s++) {
        char c = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
        if (c == '-' && prev == '-')
            W(" ");
        W("%c", c);
        prev = c;
    }
    if (prev == '-')
        W(" ");
}

// Writes text as an XML attribute value (without the quotes).
static void out_attr_text(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': W("&amp;"); break;
        case '<': W("&lt;"); break;
        case '>': W("&gt;"); break;
        case '"': W("&quot;"); break;
        case '\'': W("&apos;"); break;
        default:
            if (c < 0x20)
                W("&#%u;", c);
            else
                W("%c", c);
        }
    }
}

// Returns argv as one shell command line, single-quoting the arguments that need it (malloc'd).
static char *command_line(int argc, char **argv)
{
    size_t size = 1;
    for (int i = 0; i < argc; i++)
        size += 4 * strlen(argv[i]) + 3; // worst case: every character a quote ('\'')
    char *s = mallocCheck(size), *w = s;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = a[0] != '\0';
        for (const char *c = a; *c; c++)
            if (!(('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') ||
                  ('0' <= *c && *c <= '9') || strchr("_./=:,+-@%", *c)))
                plain = 0;
        if (i > 0)
            *w++ = ' ';
        if (!plain)
            *w++ = '\'';
        for (const char *c = a; *c; c++) {
            if (!plain && *c == '\'') {
                memcpy(w, "'\\''", 4);
                w += 4;
            } else {
                *w++ = *c;
            }
        }
        if (!plain)
            *w++ = '\'';
    }
    *w = '\0';
    return s;
}

// --- number formatting -------------------------------------------------------------------------

typedef struct {
    const char *suffix;
    double scale; // as SimGrid 3.32 computes it (xbt_parse_units.cpp: 1000.0 multiplied up)
} unit_t;

static const unit_t UNITS_BW[] = {{"EBps", 1e18}, {"PBps", 1e15}, {"TBps", 1e12}, {"GBps", 1e9},
                                  {"MBps", 1e6},  {"kBps", 1e3},  {"Bps", 1.0},   {NULL, 0}};
static const unit_t UNITS_SPEED[] = {{"Ef", 1e18}, {"Pf", 1e15}, {"Tf", 1e12}, {"Gf", 1e9},
                                     {"Mf", 1e6},  {"kf", 1e3},  {"f", 1.0},   {NULL, 0}};
static const unit_t UNITS_TIME[] = {{"s", 1.0},   {"ms", 1e-3}, {"us", 1e-6},
                                    {"ns", 1e-9}, {"ps", 1e-12}, {NULL, 0}};

// Shortest "%g" text that reads back as exactly v.
static const char *fmt_exact(char *buf, size_t size, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

// Formats v (> 0, or 0 for times) as "<mantissa><unit>" in its natural unit (mantissa >= 1) when
// that reads back exactly as SimGrid computes it (strtod(mantissa) * scale): "100GBps", "19.5Tf",
// "1us". Otherwise the shortest exact number in the base unit: "2e-07s" (0.2 x 1e-6 != 2e-7).
static const char *fmt_unit(char *buf, size_t size, double v, const unit_t *units)
{
    if (v == 0) {
        snprintf(buf, size, "0");
        return buf;
    }
    const unit_t *base = units;
    while (base->scale != 1.0)
        base++;
    for (const unit_t *u = units; u->suffix; u++) {
        if (v < u->scale && u[1].suffix != NULL)
            continue;
        char m[64];
        snprintf(m, sizeof m, "%.15g", v / u->scale);
        if (strtod(m, NULL) * u->scale == v) {
            snprintf(buf, size, "%s%s", m, u->suffix);
            return buf;
        }
        break;
    }
    char m[64];
    snprintf(buf, size, "%s%s", fmt_exact(m, sizeof m, v), base->suffix);
    return buf;
}

static int digits(long v) // decimal digits of v >= 0
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

// --- the platform ------------------------------------------------------------------------------

// Writes the name of node n's NVLink link between GPUs a < b (nw, gw: number widths of nodes and
// GPUs; G GPUs per node).
static void out_nvl_name(int nw, int gw, long G, long n, long a, long b)
{
    if (G <= 10)
        W("n%0*ld-nvl%ld%ld", nw, n, a, b);
    else
        W("n%0*ld-nvl%0*ld-%0*ld", nw, n, gw, a, gw, b);
}

static void write_platform(const platform_params *p, int argc, char **argv)
{
    const long N = p->nodes, G = p->gpus, C = p->nodes_per_cell;
    const long cells = (N + C - 1) / C;
    const int nw = digits(N - 1) < 4 ? 4 : digits(N - 1); // node number width
    const int gw = digits(G - 1);                          // GPU number width
    const int cw = digits(cells - 1) < 2 ? 2 : digits(cells - 1);
    const double cell_bw = (double)p->global_links * p->global_link_bw;
    double max_bw = p->nvlink_bw > p->hca_bw ? p->nvlink_bw : p->hca_bw;
    if (cell_bw > max_bw)
        max_bw = cell_bw;
    if (p->nvlink_bidir_bw > max_bw)
        max_bw = p->nvlink_bidir_bw;
    if (p->hca_bidir_bw > max_bw)
        max_bw = p->hca_bidir_bw;
    const double dummy_bw = 1000.0 * max_bw > 1e13 ? 1000.0 * max_bw : 1e13;

    char speed[64], nvl_bw[64], nvl_lat[64], hca_bw[64], hca_lat[64], gl_bw[64], gl_lat[64],
        v_bw[64], nvl_bi[64], hca_bi[64];
    fmt_unit(speed, sizeof speed, p->gpu_speed, UNITS_SPEED);
    fmt_unit(nvl_bw, sizeof nvl_bw, p->nvlink_bw, UNITS_BW);
    fmt_unit(nvl_lat, sizeof nvl_lat, p->nvlink_lat, UNITS_TIME);
    fmt_unit(hca_bw, sizeof hca_bw, p->hca_bw, UNITS_BW);
    fmt_unit(hca_lat, sizeof hca_lat, p->hca_lat, UNITS_TIME);
    fmt_unit(gl_bw, sizeof gl_bw, cell_bw, UNITS_BW);
    fmt_unit(gl_lat, sizeof gl_lat, p->global_lat, UNITS_TIME);
    fmt_unit(v_bw, sizeof v_bw, dummy_bw, UNITS_BW);
    fmt_unit(nvl_bi, sizeof nvl_bi, p->nvlink_bidir_bw, UNITS_BW);
    fmt_unit(hca_bi, sizeof hca_bi, p->hca_bidir_bw, UNITS_BW);
    const bool nvl_cap = p->nvlink_bidir_bw > 0 && G > 1, hca_cap = p->hca_bidir_bw > 0;

    // header: command line and every parameter
    W("<?xml version='1.0'?>\n");
    W("<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n");
    W("<!--\n  SimGrid 3.32 platform written by daso-platform (DASO toolkit, "
      "platforms/daso_platform.c).\n");
    W("  Do not edit: regenerate it. Command line (each double hyphen written as \"- -\", which an\n"
      "  XML comment cannot hold; the exact text is the value of <prop id=\"daso:command\"> "
      "below):\n    ");
    char *cmd = command_line(argc, argv);
    out_comment_text(cmd);
    W("\n");
    if (p->name) {
        W("  Platform: ");
        out_comment_text(p->name);
        W("\n");
    }
    for (int i = 0; i < p->ncomments; i++) {
        W("  ");
        out_comment_text(p->comments[i]);
        W("\n");
    }
    W("  Parameters:\n");
    W("    nodes           %ld\n", N);
    W("    gpus-per-node   %ld   (hosts: %ld, one per GPU, named n%0*d-g%0*d .. n%0*ld-g%0*ld)\n",
      G, N * G, nw, 0, gw, 0, nw, N - 1, gw, G - 1);
    char x[64];
    const char *no_nvl = G == 1 ? ": unused, one GPU per node" : "";
    const char *no_gl = cells == 1 ? ": unused, one cell" : "";
    W("    gpu-speed       %s flop/s per GPU host (%s)\n", fmt_exact(x, sizeof x, p->gpu_speed),
      speed);
    W("    nvlink-bw       %s B/s per direction per GPU pair (%s)%s\n",
      fmt_exact(x, sizeof x, p->nvlink_bw), nvl_bw, no_nvl);
    W("    nvlink-lat      %s s (%s)%s\n", fmt_exact(x, sizeof x, p->nvlink_lat), nvl_lat, no_nvl);
    W("    hca-bw          %s B/s per direction per GPU (%s)\n", fmt_exact(x, sizeof x, p->hca_bw),
      hca_bw);
    W("    hca-lat         %s s (%s)\n", fmt_exact(x, sizeof x, p->hca_lat), hca_lat);
    if (nvl_cap) // the lines of the caps only when set: files without them stay as they were
        W("    nvlink-bidir-bw %s B/s both directions together per GPU pair (%s, links "
          "nNNNN-nvlAB-bi)\n",
          fmt_exact(x, sizeof x, p->nvlink_bidir_bw), nvl_bi);
    if (hca_cap)
        W("    hca-bidir-bw    %s B/s both directions together per GPU (%s, links nNNNN-hcaK-bi)\n",
          fmt_exact(x, sizeof x, p->hca_bidir_bw), hca_bi);
    W("    nodes-per-cell  %ld   (cells: %ld)\n", C, cells);
    W("    global-links    %ld per pair of cells%s\n", p->global_links, no_gl);
    W("    global-link-bw  %s B/s per direction per link (per pair of cells: %s)%s\n",
      fmt_exact(x, sizeof x, p->global_link_bw), gl_bw, no_gl);
    W("    global-lat      %s s (%s)%s\n", fmt_exact(x, sizeof x, p->global_lat), gl_lat, no_gl);
    W("  Routes: same node = 1 NVLink link (nvlink-lat); same cell = hca up, nNNNN-v, nNNNN-v,\n"
      "  hca down (2 x hca-lat); other cell = same plus the cell-pair link gl-AA-BB (2 x hca-lat +\n"
      "  global-lat). nNNNN-v are %s FATPIPE dummies (SimGrid forbids empty routes).\n", v_bw);
    if (nvl_cap || hca_cap)
        W("  Each %s link is followed on its routes, both ways, by its SHARED cap *-bi.\n",
          nvl_cap && hca_cap ? "NVLink and HCA" : nvl_cap ? "NVLink" : "HCA");
    W("-->\n");

    W("<platform version=\"4.1\">\n");
    W("  <config>\n");
    W("    <prop id=\"network/model\" value=\"CM02\"/>\n");
    W("    <prop id=\"network/crosstraffic\" value=\"0\"/>\n");
    W("  </config>\n");
    W("  <zone id=\"world\" routing=\"DijkstraCache\">\n");
    W("    <prop id=\"daso:command\" value=\"");
    out_attr_text(cmd);
    W("\"/>\n");
    free(cmd);
    if (p->name) {
        W("    <prop id=\"daso:name\" value=\"");
        out_attr_text(p->name);
        W("\"/>\n");
    }
    W("    <prop id=\"daso:gpus-per-node\" value=\"%ld\"/>\n", G);

    // every link first, in a zone of its own: SimGrid checks each new link's name against the
    // links of every zone created before it, which costs the whole load time when node zones
    // come first (0.85 s instead of 0.1 s for 936 nodes). Routes find links by name anywhere.
    W("    <zone id=\"links\" routing=\"None\">\n");
    for (long n = 0; n < N; n++) {
        for (long a = 0; a < G; a++)
            for (long b = a + 1; b < G; b++) {
                W("      <link id=\"");
                out_nvl_name(nw, gw, G, n, a, b);
                W("\" bandwidth=\"%s\" latency=\"%s\" sharing_policy=\"SPLITDUPLEX\"/>\n", nvl_bw,
                  nvl_lat);
                if (nvl_cap) {
                    W("      <link id=\"");
                    out_nvl_name(nw, gw, G, n, a, b);
                    W("-bi\" bandwidth=\"%s\" latency=\"0\" sharing_policy=\"SHARED\"/>\n", nvl_bi);
                }
            }
        for (long g = 0; g < G; g++) {
            W("      <link id=\"n%0*ld-hca%0*ld\" bandwidth=\"%s\" latency=\"%s\""
              " sharing_policy=\"SPLITDUPLEX\"/>\n",
              nw, n, gw, g, hca_bw, hca_lat);
            if (hca_cap)
                W("      <link id=\"n%0*ld-hca%0*ld-bi\" bandwidth=\"%s\" latency=\"0\""
                  " sharing_policy=\"SHARED\"/>\n",
                  nw, n, gw, g, hca_bi);
        }
        W("      <link id=\"n%0*ld-v\" bandwidth=\"%s\" latency=\"0\" sharing_policy=\"FATPIPE\"/>\n",
          nw, n, v_bw);
    }
    for (long a = 0; a < cells; a++)
        for (long b = a + 1; b < cells; b++)
            W("      <link id=\"gl-%0*ld-%0*ld\" bandwidth=\"%s\" latency=\"%s\""
              " sharing_policy=\"SPLITDUPLEX\"/>\n",
              cw, a, cw, b, gl_bw, gl_lat);
    W("    </zone>\n");
    // one Full zone per node
    for (long n = 0; n < N; n++) {
        W("    <zone id=\"n%0*ld\" routing=\"Full\">\n", nw, n);
        for (long g = 0; g < G; g++)
            W("      <host id=\"n%0*ld-g%0*ld\" speed=\"%s\"/>\n", nw, n, gw, g, speed);
        W("      <router id=\"n%0*ld-nic\"/>\n", nw, n);
        for (long a = 0; a < G; a++)
            for (long b = a + 1; b < G; b++) {
                W("      <route src=\"n%0*ld-g%0*ld\" dst=\"n%0*ld-g%0*ld\"><link_ctn id=\"", nw, n,
                  gw, a, nw, n, gw, b);
                out_nvl_name(nw, gw, G, n, a, b);
                W("\" direction=\"UP\"/>");
                if (nvl_cap) {
                    W("<link_ctn id=\"");
                    out_nvl_name(nw, gw, G, n, a, b);
                    W("-bi\"/>");
                }
                W("</route>\n");
            }
        for (long g = 0; g < G; g++) {
            W("      <route src=\"n%0*ld-g%0*ld\" dst=\"n%0*ld-nic\">"
              "<link_ctn id=\"n%0*ld-hca%0*ld\" direction=\"UP\"/>",
              nw, n, gw, g, nw, n, nw, n, gw, g);
            if (hca_cap)
                W("<link_ctn id=\"n%0*ld-hca%0*ld-bi\"/>", nw, n, gw, g);
            W("</route>\n");
        }
        W("    </zone>\n");
    }
    // one zone per cell, holding its switch
    for (long c = 0; c < cells; c++)
        W("    <zone id=\"c%0*ld\" routing=\"Full\"><router id=\"c%0*ld-sw\"/></zone>\n", cw, c, cw,
          c);
    for (long n = 0; n < N; n++)
        W("    <zoneRoute src=\"n%0*ld\" dst=\"c%0*ld\" gw_src=\"n%0*ld-nic\" gw_dst=\"c%0*ld-sw\">"
          "<link_ctn id=\"n%0*ld-v\"/></zoneRoute>\n",
          nw, n, cw, n / C, nw, n, cw, n / C, nw, n);
    for (long a = 0; a < cells; a++)
        for (long b = a + 1; b < cells; b++)
            W("    <zoneRoute src=\"c%0*ld\" dst=\"c%0*ld\" gw_src=\"c%0*ld-sw\""
              " gw_dst=\"c%0*ld-sw\"><link_ctn id=\"gl-%0*ld-%0*ld\" direction=\"UP\"/></zoneRoute>\n",
              cw, a, cw, b, cw, a, cw, b, cw, a, cw, b);
    W("  </zone>\n");
    W("</platform>\n");
}

// --- main --------------------------------------------------------------------------------------

int main(int argc, char **argv)
{
    util_prog = "daso-platform";
    platform_params p;
    params_default(&p);
    parse_args(argc, argv, &p); // exits on bad input: nothing has been created yet

    static char buffer[1 << 20];
    outfile o;
    if (p.out == NULL) {
        g_out = stdout;
    } else {
        outfile_open(&o, p.out); // a temporary file next to it, renamed at the end
        g_out = o.f;
        g_out_name = p.out;
    }
    if (setvbuf(g_out, buffer, _IOFBF, sizeof buffer) != 0)
        util_die("setvbuf failed");

    write_platform(&p, argc, argv);

    if (fflush(g_out) != 0 || ferror(g_out))
        util_die("writing %s: %s", g_out_name, strerror(errno));
    if (p.out != NULL)
        outfile_commit(&o);
    return 0;
}

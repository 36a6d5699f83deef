// background.c: see background.h.
#include "background.h"

#include <stdlib.h> // free
#include <string.h> // strncmp, strlen

#include <simgrid/link.h> // sg_link_list, sg_link_set_bandwidth

#include "util.h" // util_die_input, util_parse_double

void background_parse(background *b, const char *spec)
{
    b->fraction = util_parse_double(spec, "--background", 0, 0.999);
}

void background_apply(const background *b)
{
    if (b->fraction == 0 && b->share == 1)
        return;
    size_t all = sg_link_count(), hit = 0;
    sg_link_t *links = sg_link_list();
    for (size_t i = 0; i < all; i++) {
        double f = b->share;
        if (strncmp(sg_link_get_name(links[i]), b->prefix, strlen(b->prefix)) == 0) {
            f *= 1 - b->fraction;
            hit++;
        }
        if (f != 1)
            sg_link_set_bandwidth(links[i], sg_link_get_bandwidth(links[i]) * f);
    }
    free(links);
    if (b->fraction > 0 && hit == 0)
        util_die_input("--background: no link of the platform is named %s... (see "
                       "--background-links)",
                       b->prefix);
}

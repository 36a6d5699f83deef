// background.h: traffic of other jobs on shared links. The global links of a platform (by
// default those whose name starts with "gl-", the links between DragonFly+ cells of the
// generated platforms) lose a share of their capacity to other jobs for the whole run:
//
//   --background F              F of each such link's bandwidth is taken (0 <= F < 1)
//   --background-links PREFIX   which links are shared (gl-)
//
// Bursts are not modelled: SimGrid 3.32 ignores bandwidth changes made while a flow is in
// progress (sg_link_set_bandwidth between flows works, during one it has no effect), so a burst
// model needs real competing flows.
#ifndef DASO_SIM_BACKGROUND_H
#define DASO_SIM_BACKGROUND_H

typedef struct {
    double fraction;    // of the bandwidth taken, 0 = none
    const char *prefix; // links affected
} background;

void background_parse(background *b, const char *spec); // exit 2 on a bad share

// After the platform is loaded and before simgrid_run(): lowers the links' bandwidth. Exit 2
// when no link has the prefix.
void background_apply(const background *b);

#endif

// background.h: traffic of other jobs on shared links. The global links of a platform (by
// default those whose name starts with "gl-", the links between DragonFly+ cells of the
// generated platforms) lose a share of their capacity to other jobs for the whole run:
//
//   --background F              F of each such link's bandwidth is taken (0 <= F < 1)
//   --background-links PREFIX   which links are shared (gl-)
//   --net-share S               every link delivers S of its bandwidth (0 < S <= 1): what a
//                               library achieves of the nominal rate (daso-calibrate scaling)
//
// Bursts are not modelled. In SimGrid 3.32 (CM02), lowering a link's bandwidth during a flow
// slows the flow, and raising it again speeds it up; but a flow that starts while the link is
// lowered keeps the lowered rate when the link is raised (measured: 1 GB over a 25 GB/s link
// lowered to 6.25 GB/s for its first 20 ms takes 160 ms, not 55 ms). Bursts made by changing
// the bandwidth would so be wrong for every flow that starts inside one; a burst model needs
// real competing flows.
#ifndef DASO_SIM_BACKGROUND_H
#define DASO_SIM_BACKGROUND_H

typedef struct {
    double fraction;    // of the bandwidth taken, 0 = none
    const char *prefix; // links affected
    double share;       // of every link's bandwidth the run achieves (--net-share), 1 = all
} background;

void background_parse(background *b, const char *spec); // exit 2 on a bad share

// After the platform is loaded and before simgrid_run(): lowers the links' bandwidth. Exit 2
// when --background is given and no link has the prefix.
void background_apply(const background *b);

#endif

// plateau.h: loss-plateau detector in the manner of ReduceLROnPlateau (HeAT's DetectMetricPlateau).
// DASO asks it once per epoch, with the world-averaged training loss, whether training has
// stopped improving; a "yes" makes the scheduler synchronise more often.
//
//   plateau p; plateau_init(&p, PLATEAU_MIN, PLATEAU_REL, 0.05, 2, 0);
//   if (plateau_update(&p, loss)) ... // third consecutive epoch without a 5% improvement
//
// O(1) state, no allocation.
#ifndef DASO_PLATEAU_H
#define DASO_PLATEAU_H

#include <stdbool.h> // bool

typedef enum { PLATEAU_MIN, PLATEAU_MAX } plateau_mode;     // lower is better / higher is better
typedef enum { PLATEAU_REL, PLATEAU_ABS } plateau_threshold; // threshold relative to best, or absolute

typedef struct {
    plateau_mode mode;
    plateau_threshold threshold_mode;
    double threshold; // improvement that counts as progress (0.05 = 5% with PLATEAU_REL)
    int patience;     // non-improving values tolerated before a plateau is reported
    int cooldown;     // values ignored after a plateau report
    double best;      // best value so far (+inf for MIN, -inf for MAX at the start)
    int num_bad;      // consecutive non-improving values
    int cooldown_left;
} plateau;

void plateau_init(plateau *p, plateau_mode mode, plateau_threshold threshold_mode, double threshold,
                  int patience, int cooldown);
void plateau_reset(plateau *p);
bool plateau_is_better(const plateau *p, double x); // would x count as progress over best?
bool plateau_update(plateau *p, double x);          // feed one value; true when a plateau is detected

#endif

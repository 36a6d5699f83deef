// plateau.c: see plateau.h. Follows HeAT's heat/optim/utils.py DetectMetricPlateau exactly.
#include "plateau.h"

#include <math.h> // INFINITY

void plateau_init(plateau *p, plateau_mode mode, plateau_threshold threshold_mode, double threshold,
                  int patience, int cooldown)
{
    p->mode = mode;
    p->threshold_mode = threshold_mode;
    p->threshold = threshold;
    p->patience = patience;
    p->cooldown = cooldown;
    plateau_reset(p);
}

void plateau_reset(plateau *p)
{
    p->best = p->mode == PLATEAU_MIN ? INFINITY : -INFINITY;
    p->num_bad = 0;
    p->cooldown_left = 0;
}

bool plateau_is_better(const plateau *p, double x)
{
    double t = p->threshold, best = p->best;
    if (p->threshold_mode == PLATEAU_ABS)
        return p->mode == PLATEAU_MIN ? x < best - t : x > best + t;
    // relative: the margin scales with |best|, so a negative best must move the other way
    if (p->mode == PLATEAU_MIN)
        return best >= 0 ? x < best * (1 - t) : x < best * (1 + t);
    return best >= 0 ? x > best * (1 + t) : x > best * (1 - t);
}

bool plateau_update(plateau *p, double x)
{
    if (plateau_is_better(p, x)) {
        p->best = x;
        p->num_bad = 0;
    } else {
        p->num_bad++;
    }
    if (p->cooldown_left > 0) {
        p->cooldown_left--;
        p->num_bad = 0; // bad epochs are ignored while cooling down
    }
    if (p->num_bad > p->patience) {
        p->cooldown_left = p->cooldown;
        p->num_bad = 0;
        return true;
    }
    return false;
}

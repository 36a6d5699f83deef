// plan.c: see plan.h.
#include "plan.h"

#include <stdarg.h> // va_list
#include <stdio.h>  // vsnprintf

#include "util.h" // util_die

void plan_add(plan_batch *p, plan_action a)
{
    if (p->n >= PLAN_MAX_ACTIONS)
        util_die("plan of epoch %d batch %d has more than %d actions", p->epoch, p->batch,
                 PLAN_MAX_ACTIONS);
    p->act[p->n++] = a;
}

// Appends to buf at *pos; like snprintf, *pos keeps counting what would not fit.
static void appendf(char *buf, size_t len, int *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t len, int *pos, const char *fmt, ...)
{
    size_t at = (size_t)*pos < len ? (size_t)*pos : len;
    va_list ap;
    va_start(ap, fmt);
    *pos += vsnprintf(buf + at, len - at, fmt, ap);
    va_end(ap);
}
#define APPEND(...) appendf(buf, len, &pos, __VA_ARGS__)

int plan_format(const plan_batch *p, char *buf, size_t len)
{
    int pos = 0;
    APPEND("%d %d %s", p->epoch, p->batch, p->grad == GRAD_NONE ? "off" : "on");
    int n = 0;
    if (p->grad == GRAD_WORLD || p->grad == GRAD_HIER)
        APPEND("%sallreduce-grads %s %s", n++ ? "; " : " ", p->grad == GRAD_WORLD ? "world" : "hier",
               floatfmt_name(p->grad_fmt));
    for (int i = 0; i < p->n; i++) {
        const plan_action *a = &p->act[i];
        const char *sep = n++ ? "; " : " ";
        switch (a->kind) {
        case ACT_SEND:
            APPEND("%ssend g%d B%d %s", sep, a->group, a->tag, floatfmt_name(a->fmt));
            break;
        case ACT_MERGE:
            APPEND("%smerge g%d B%d", sep, a->group, a->tag);
            break;
        case ACT_AVG:
            APPEND("%savg g%d", sep, a->group);
            break;
        case ACT_BCAST:
            APPEND("%sbcast g%d", sep, a->group);
            break;
        case ACT_WORLD_AVG:
            APPEND("%savg world %s", sep, floatfmt_name(a->fmt));
            break;
        }
    }
    if (n == 0)
        APPEND(" -");
    return pos;
}

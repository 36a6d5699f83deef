# schedule.gp: DASO's (gs, ls, S) per epoch: gs, batches between global syncs (0: a blocking
# sync every batch, the warm-up and cool-down epochs); ls, batches between node-local gradient
# averagings; S, batches a global sync's result waits before it is merged. One panel per study
# (the first seed of its largest node count).
# Data: schedule.dat (epoch gs ls S). Variables: see style.gp.
width = 900
height = 90 + 280 * nb
load 'style.gp'
set multiplot layout nb, 1 title heading("DASO's schedule (gs, ls, S) over epochs")
set xlabel 'epoch'
set ylabel 'batches'
set key outside right top vertical
set lmargin at screen 0.09
set rmargin at screen 0.77
do for [i=1:nb] {
    # stats leaves out the points outside the current ranges (a one-column stats: the y range),
    # so the ranges of the previous panel go before each
    set xrange [*:*]
    set yrange [*:*]
    stats dat index i-1 using 2 nooutput
    gs_max = STATS_max
    stats dat index i-1 using 1 nooutput
    set xrange [STATS_min - 0.5 : STATS_max + 0.5]
    set yrange [-0.5 : gs_max + 1]
    if (STATS_max - STATS_min <= 20) { set xtics 1 } else { set xtics autofreq }
    set title title_of(i)
    if (i > 1) { unset key }
    # ls wide and light underneath, S dashed on top: both stay visible where they are equal
    plot dat index i-1 using 1:3 with histeps lc rgb '#9ACFEF' lw 7 title 'ls', \
         '' index i-1 using 1:2 with histeps lc rgb '#000000' lw 2.5 title 'gs (0: blocking)', \
         '' index i-1 using 1:4 with histeps lc rgb '#D55E00' lw 2 dt 2 title 'S'
}
unset multiplot

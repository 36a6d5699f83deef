# breakdown.gp: where each epoch's time goes, per strategy (and study) at its largest node count:
# stacked bars of computing, node-local communication and waiting on communication between nodes
# (seconds per epoch, mean over GPUs and seeds), one panel per strategy; each panel's title gives
# the shares over the whole run.
# Data: breakdown.dat (epoch compute_s compute_ci local_comm_s local_comm_ci global_wait_s
# global_wait_ci time_s n). Variables: see style.gp.
width = 900
height = 90 + 260 * nb
load 'style.gp'
set multiplot layout nb, 1 title heading('Time per epoch: compute, node-local communication, wait between nodes')
set boxwidth 0.8 relative
set xlabel 'epoch'
set ylabel 's per epoch'
set key outside right top vertical
set lmargin at screen 0.09
set rmargin at screen 0.76
set grid noxtics
# every stats before the ranges are set: stats leaves out the points outside them
stats dat using 1 nooutput
e_lo = STATS_min
e_hi = STATS_max
if (e_hi - e_lo <= 20) { set xtics 1 }
# outlined bars for a few epochs; for many, borders would hide the bars
if (e_hi - e_lo <= 30) {
    set style fill solid 0.9 border lc rgb '#444444'
} else {
    set style fill solid 0.9 noborder
    set boxwidth 1.0 relative
}
do for [i=1:nb] {
    set xrange [*:*]
    set yrange [*:*]
    stats dat index i-1 using 2 nooutput
    c = STATS_sum
    stats dat index i-1 using 4 nooutput
    l = STATS_sum
    stats dat index i-1 using 6 nooutput
    g = STATS_sum
    t = c + l + g > 0 ? c + l + g : 1
    set xrange [e_lo - 0.6 : e_hi + 0.6]
    set yrange [0:*]
    set title sprintf('%s: compute %.3g%%, node-local %.3g%%, wait between nodes %.3g%%', \
                      title_of(i), 100 * c / t, 100 * l / t, 100 * g / t)
    if (i > 1) { unset key }
    plot dat index i-1 using 1:($2 + $4 + $6) with boxes lc rgb '#D55E00' title 'wait between nodes', \
         '' index i-1 using 1:($2 + $4) with boxes lc rgb '#E69F00' title 'node-local comm.', \
         '' index i-1 using 1:2 with boxes lc rgb '#56B4E9' title 'compute'
}
unset multiplot

# time_vs_nodes.gp: total training time against nodes, one curve per strategy (and study), mean
# and 95% confidence interval over seeds; log-log when the times span more than a factor of 10
# (perfect scaling is then a line of slope -1), else a linear time axis. A strategy that ran one
# node count is a point, not a curve.
# Data: time_vs_nodes.dat (nodes gpus time_s time_ci n). Variables: see style.gp.
load 'style.gp'
stats dat using 1 nooutput
n_lo = STATS_min
n_hi = STATS_max
stats dat using ($3 - $4 > 0 ? $3 - $4 : $3) nooutput
t_lo = STATS_min
stats dat using ($3 + $4) nooutput
t_hi = STATS_max
set xrange [n_lo / 1.4 : n_hi * 1.4]
set logscale x 2
if (t_hi > 10 * t_lo) {
    set logscale y
    set yrange [t_lo / 1.25 : t_hi * 1.25]
    set ytics 1, 10  # labels at 1, 2 and 5 times each power of ten
    do for [k = floor(log10(t_lo)) : ceil(log10(t_hi))] {
        set ytics add (2 * 10.0**k, 5 * 10.0**k)
    }
} else {
    set yrange [0 : t_hi * 1.1]
}
set format y '%g'
set title heading('Training time against nodes')
set xlabel 'nodes'
set ylabel 'training time (s)'
set key bottom left
# a curve per block with several node counts, a point with its bar for one node count
eval 'plot ' . errorcurves('1:3:4')

# bytes.gp: bytes sent between nodes over the whole run against nodes, one curve per strategy
# (and study), mean and 95% confidence interval over seeds, in GB: what DASO saves by syncing
# globally only every gs batches. Log-log when the volumes span more than a factor of 10. A
# strategy that ran one node count (above 1) is a point, not a curve.
# Data: bytes.dat (nodes gpus bytes_global bytes_global_ci n). Variables: see style.gp.
load 'style.gp'
stats dat using 1 nooutput
n_lo = STATS_min
n_hi = STATS_max
stats dat using ($3 - $4 > 0 ? $3 - $4 : $3) nooutput
b_lo = STATS_min / 1e9
stats dat using ($3 + $4) nooutput
b_hi = STATS_max / 1e9
set xrange [n_lo / 1.4 : n_hi * 1.4]
set logscale x 2
if (b_lo > 0 && b_hi > 10 * b_lo) {
    set logscale y
    set yrange [b_lo / 1.25 : b_hi * 1.25]
} else {
    set yrange [0 : (b_hi > 0 ? b_hi : 1) * 1.1]
}
set format y '%g'
set title heading('Bytes between nodes against nodes')
set xlabel 'nodes'
set ylabel 'sent between nodes over the run (GB)'
set key top left
eval 'plot ' . errorcurves('1:($3 / 1e9):($4 / 1e9)')

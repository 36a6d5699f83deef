# reduction.gp: DASO's reduction of training time against each baseline at equal nodes,
# 1 - T_daso / T_baseline in percent, with its 95% confidence interval; above 0: DASO is faster.
# One node count is a point, not a curve.
# Data: reduction.dat (nodes gpus daso_s daso_ci baseline_s baseline_ci reduction reduction_ci
# n_daso n_baseline paired). Variables: see style.gp.
load 'style.gp'
stats dat using 1 nooutput
n_lo = STATS_min
n_hi = STATS_max
stats dat using (100 * ($7 - $8)) nooutput
lo = STATS_min < 0 ? STATS_min : 0
stats dat using (100 * ($7 + $8)) nooutput
hi = STATS_max > 0 ? STATS_max : 0
set xrange [n_lo / 1.4 : n_hi * 1.4]
pad = (hi - lo) > 0 ? 0.15 * (hi - lo) : 5
set yrange [lo - pad : hi + pad]
set logscale x 2
set xzeroaxis lt -1 lw 1
set title heading("DASO's reduction of training time")
set xlabel 'nodes'
set ylabel 'reduction of training time, 1 - T(DASO) / T(baseline) (%)'
set key top left
eval 'plot ' . errorcurves('1:(100 * $7):(100 * $8)')

# efficiency.gp: speedup S(n) = T(n0) / T(n) against the fewest nodes n0 each strategy ran, and
# scaling efficiency S(n) n0 / n, side by side; the thin dotted lines are perfect scaling
# (speedup n / n0 of each curve's own n0, efficiency 1). A strategy that ran one node count is a
# point (analysis/figures skips the figure when every strategy did).
# Data: efficiency.dat (nodes gpus speedup speedup_ci efficiency efficiency_ci n0).
# Variables: see style.gp.
width = 1200
height = 540
load 'style.gp'
stats dat using 1 nooutput
n_lo = STATS_min
n_hi = STATS_max
stats dat using ($3 + $4) nooutput
s_hi = STATS_max
stats dat using ($5 + $6) nooutput
e_hi = STATS_max
set multiplot layout 1, 2 title heading('Scaling')
set logscale x 2
set xrange [n_lo / 1.4 : n_hi * 1.4]
set xlabel 'nodes'
set key top left
set title 'speedup over the fewest nodes'
set ylabel 'speedup T(n0) / T(n)'
set logscale y 2
set yrange [0.7 : (n_hi / n_lo > s_hi ? n_hi / n_lo : s_hi) * 1.4]
set format y '%g'
eval "plot NaN with lines lc rgb '#777777' dt 3 lw 1.5 title 'perfect, n / n0', " . \
     "for [i=1:nb] dat index i-1 using 1:($1 / $7) with lines lt lt_of(i) dt 3 lw 1 notitle, " . \
     errorcurves('1:3:4')
unset logscale y
set title 'scaling efficiency'
set ylabel 'efficiency S(n) n0 / n'
set yrange [0 : (e_hi > 1 ? e_hi : 1) * 1.15]
set key bottom left
eval "plot 1 with lines lc rgb '#777777' dt 3 lw 1.5 title 'perfect', " . errorcurves('1:5:6')
unset multiplot

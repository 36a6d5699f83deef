# sim_vs_real.gp: simulated against measured (or emulated) mean epoch time of the same
# configurations (strategy, nodes, GPUs per node, model, options), with their 95% confidence
# intervals; each label gives the ratio simulated / measured (or emulated).
# Data: sim_vs_real.dat (strategy nodes gpus sim_epoch_s sim_epoch_ci real_epoch_s real_epoch_ci
# sim_time_s sim_time_ci real_time_s real_time_ci ratio n_sim n_real label).
# Variables: see style.gp (no blocks); trained: what the other side is (measured, emulated).
load 'style.gp'
set style data histograms
set style histogram errorbars gap 1.5 lw 1.5
set style fill solid 0.85 border lc rgb '#444444'
set boxwidth 0.9
set yrange [0:*]
set grid noxtics
set bmargin 6
set title heading('Simulated against '.trained.' time per epoch')
set ylabel 'time per epoch (s)'
set key top left
plot dat using 4:5:xticlabels(sprintf("%s\nn%d\n%.2f", strcol(1), $2, $12)) \
         lc rgb '#56B4E9' title 'simulated', \
     '' using 6:7 lc rgb '#D55E00' title trained

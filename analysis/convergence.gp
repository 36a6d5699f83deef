# convergence.gp: measured training loss or test accuracy against epoch or training time, one
# curve per strategy (and study) at its largest node count, the band its 95% confidence interval
# over seeds. analysis/figures draws four figures with it: loss_vs_epoch, acc_vs_epoch,
# loss_vs_time, acc_vs_time.
# Data: curves.dat (epoch elapsed_s elapsed_ci train_loss train_loss_ci test_acc test_acc_ci n).
# Variables: those of style.gp, and xaxis ('epoch' or 'time'), yaxis ('loss' or 'acc').
load 'style.gp'
xc = xaxis eq 'time' ? 2 : 1
yc = yaxis eq 'acc' ? 6 : 4
set title heading((yaxis eq 'acc' ? 'Test accuracy' : 'Training loss') . ' against ' . \
                  (xaxis eq 'time' ? 'training time' : 'epoch'))
set xlabel (xaxis eq 'time' ? 'training time (s)' : 'epoch')
set ylabel (yaxis eq 'acc' ? 'test accuracy' : 'training loss')
if (yaxis eq 'acc') { set key bottom right } else { set key top right }
stats dat using 1 nooutput
if (xaxis eq 'epoch' && STATS_max <= 20) { set xtics 1 }
plot for [i=1:nb] dat index i-1 using xc:(column(yc) - column(yc + 1)):(column(yc) + column(yc + 1)) \
         with filledcurves fs transparent solid 0.18 noborder lt lt_of(i) notitle, \
     for [i=1:nb] dat index i-1 using xc:yc with linespoints lt lt_of(i) dt dt_of(i) pi -1 \
         title title_of(i)

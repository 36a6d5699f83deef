# convergence.gp: measured (or emulated) training loss or test accuracy against epoch or training
# time (acc_vs_time: time to accuracy), one curve per strategy (and study) at its largest node
# count, the band its 95% confidence interval over seeds; a block without the quantity is left out.
# analysis/figures draws four figures with it: loss_vs_epoch, acc_vs_epoch, loss_vs_time,
# acc_vs_time.
# Data: curves.dat (epoch elapsed_s elapsed_ci train_loss train_loss_ci test_acc test_acc_ci n).
# Variables: those of style.gp, and xaxis ('epoch' or 'time'), yaxis ('loss' or 'acc').
load 'style.gp'
xc = xaxis eq 'time' ? 2 : 1
yc = yaxis eq 'acc' ? 6 : 4
set title heading((yaxis eq 'acc' ? 'Test accuracy' : 'Training loss') . ' against ' . \
                  (xaxis eq 'time' ? 'training time' : 'epoch') . \
                  (yaxis eq 'acc' && xaxis eq 'time' ? ' (time to accuracy)' : ''))
set xlabel (xaxis eq 'time' ? 'training time (s)' : 'epoch')
set ylabel (yaxis eq 'acc' ? 'test accuracy' : 'training loss')
if (yaxis eq 'acc') { set key bottom right } else { set key top right }
stats dat using 1 nooutput
if (xaxis eq 'epoch' && STATS_max <= 20) { set xtics 1 }
# a band and a curve per block that has the quantity (a study without it is left out)
p = ''
do for [i=1:nb] {
    if (npts_of(i) > 0) {
        p = p . sprintf("dat index %d using xc:(column(yc) - column(yc + 1)):(column(yc) + " . \
                        "column(yc + 1)) with filledcurves fs transparent solid 0.18 noborder " . \
                        "lt %d notitle, ", i - 1, lt_of(i)) . \
                sprintf("dat index %d using xc:yc with linespoints lt %d dt %d pi -1 " . \
                        "title word(titles, %d), ", i - 1, lt_of(i), dt_of(i), i)
    }
}
eval 'plot ' . p[1 : strlen(p) - 2]

# style.gp: the look every figure of analysis/ shares, loaded by each script first. The caller
# (analysis/figures) sets, with gnuplot -e:
#   fmt      'png' or 'svg'            out      the file to write
#   pngterm  'pngcairo' or 'png'       dat      the data file (daso-stats' output)
#   subject  what every curve shares (model, platform, GPUs per node, ...), the title's 2nd line
#   nb, titles, lts, dts, npts   the data file's blocks: how many, and for block i (1-based) its
#            title word(titles, i), line type word(lts, i), dash type word(dts, i) and number of
#            points word(npts, i) (rows with a number in the figure's main column)
# and optionally width and height in pixels.
if (!exists("width")) width = 960
if (!exists("height")) height = 560
if (fmt eq 'svg') {
    set terminal svg size width, height dynamic noenhanced font 'Helvetica,13' background rgb 'white'
} else {
    if (pngterm eq 'pngcairo') {
        set terminal pngcairo size width, height noenhanced font 'Helvetica,11' background rgb 'white'
    } else {
        set terminal png size width, height noenhanced background rgb 'white'
    }
}
set output out

# one colour and point per strategy, the same in every figure (Okabe-Ito, colour-blind safe):
# 1 daso, 2 sync, 3 hier, 4 localsgd, 5 and up: other strategies in order of appearance
set linetype 1 lc rgb '#D55E00' lw 2 pt 7 ps 1.2
set linetype 2 lc rgb '#0072B2' lw 2 pt 5 ps 1.1
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 1.4
set linetype 4 lc rgb '#CC79A7' lw 2 pt 11 ps 1.4
set linetype 5 lc rgb '#E69F00' lw 2 pt 13 ps 1.3
set linetype 6 lc rgb '#56B4E9' lw 2 pt 15 ps 1.3
set linetype 7 lc rgb '#000000' lw 2 pt 3 ps 1.2
set linetype 8 lc rgb '#999999' lw 2 pt 1 ps 1.2
set linetype cycle 8

set grid lc rgb '#d9d9d9' lw 1 dt 1
set border lw 1.2
set key opaque box lc rgb '#bbbbbb' samplen 3 spacing 1.2
set tics out nomirror

# block i (1-based) of the data file
title_of(i) = word(titles, i)
lt_of(i) = int(word(lts, i))
dt_of(i) = int(word(dts, i))
npts_of(i) = exists("npts") ? int(word(npts, i)) : 2
# the plot element of block i with 95% CI error bars, `cols` its 'using' columns (x:y:ci): a
# curve through several points, a point with its bar alone (no line through one point)
errorcurve(i, cols) = sprintf("dat index %d using %s with %s lt %d dt %d title word(titles, %d)", \
                              i - 1, cols, npts_of(i) > 1 ? "yerrorlines" : "yerrorbars", \
                              lt_of(i), dt_of(i), i)
# the plot elements of every block with points, separated by commas (eval 'plot ' . it)
errorcurves_from(i, cols) = i > nb ? "" : \
    (npts_of(i) == 0 ? "" : errorcurve(i, cols) . ", ") . errorcurves_from(i + 1, cols)
errorcurves(cols) = (ec_ = errorcurves_from(1, cols), ec_[1 : strlen(ec_) - 2])
# a two-line title: what the figure shows, then its subject
heading(what) = subject eq '' ? what : what . "\n" . subject

#!/bin/sh
# Build repro.cpp in each Debian chroot against its own libdnnl-dev, run it there, collect outputs here.
# trixie: oneDNN 3.7.2 (libdnnl3.6 3.7.2+ds-2), sid: oneDNN 3.12.1 (libdnnl3.6 3.12.1+ds-3)
set -e
cd "$(dirname "$0")"
for s in trixie sid; do
    mkdir -p /srv/$s/tmp/onednn-repro
    cp repro.cpp /srv/$s/tmp/onednn-repro/
    chroot /srv/$s sh -c 'cd /tmp/onednn-repro && nice -n 19 g++ -O2 -std=c++17 -Wall repro.cpp -o repro -ldnnl'
    mount -t proc proc /srv/$s/proc
    trap "umount /srv/$s/proc" EXIT
    run_in() { chroot /srv/$s sh -c "cd /tmp/onednn-repro && $1"; }
    { uname -m; grep -m1 'model name' /proc/cpuinfo; run_in 'dpkg -l libdnnl3.6 libdnnl-dev g++ | tail -3'; } > out-$s-info.txt
    run_in 'OMP_NUM_THREADS=1 nice -n 19 ./repro'     > out-$s-nt1-fillnan.txt 2>&1
    run_in 'OMP_NUM_THREADS=1 nice -n 19 ./repro 0'   > out-$s-nt1-fill0.txt 2>&1
    run_in 'OMP_NUM_THREADS=2 nice -n 19 ./repro'     > out-$s-nt2-fillnan.txt 2>&1
    run_in 'OMP_NUM_THREADS=2 nice -n 19 ./repro 0'   > out-$s-nt2-fill0.txt 2>&1
    run_in 'OMP_NUM_THREADS=1 ONEDNN_MAX_CPU_ISA=AVX2 nice -n 19 ./repro' > out-$s-nt1-avx2.txt 2>&1
    run_in 'OMP_NUM_THREADS=1 ONEDNN_VERBOSE=1 nice -n 19 ./repro' > out-$s-nt1-verbose.txt 2>&1
    umount /srv/$s/proc
    trap - EXIT
done

#!/bin/bash
# The allocator measurement of docs/allocators/README.md: one example run (the memory soak, 600
# steps) and four bench cases, on DJL's PyTorch engine with one thread, under glibc's malloc with
# its defaults and with three tunables, and under Debian's jemalloc (apt-get install libjemalloc2).
# Usage: docs/allocators/measure.sh [out-dir]   (after mvn -B -ntp -DskipTests package)
set -u
out=${1:-out/allocators}
jar=examples/target/djl-gan-examples.jar
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
configs=(
  "glibc-default:"
  "arena-max-2:MALLOC_ARENA_MAX=2"
  "mmap-threshold-64k:MALLOC_MMAP_THRESHOLD_=65536"
  "mmap-threshold-4m:MALLOC_MMAP_THRESHOLD_=4194304"
  "trim-threshold-0:MALLOC_TRIM_THRESHOLD_=0"
  "jemalloc:LD_PRELOAD=$jemalloc"
)
for config in "${configs[@]}"; do
  name=${config%%:*}
  env=${config#*:}
  mkdir -p "$out/$name"
  echo "== $name ($env)"
  /usr/bin/time -f "%e s wall, max RSS %M KiB" env $env java -Dai.djl.pytorch.num_threads=1 -jar "$jar" \
      soak --engine PyTorch --steps 600 --every 100 --max-growth 100 --out "$out/$name/soak" \
      2>&1 | grep -E "^soak|wall"
  env $env java -jar "$jar" bench --engines PyTorch --threads 1 \
      --cases mbd_small,lbn,gan_step,mbd_large --out "$out/$name/bench" 2>&1 | grep -E "^PyTorch "
done

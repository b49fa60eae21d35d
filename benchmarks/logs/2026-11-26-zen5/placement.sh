#!/usr/bin/env bash
# Throw-away: per start, sample every 0.2 s which CPU the two busiest threads of `vae train --threads 2` are on.
n=${1:-6}
for i in $(seq 1 $n); do
  dotnet /work/main/src/Vae.Cli/bin/Release/net10.0/vae.dll train --epochs 5 --threads 2 --quiet --force --out /tmp/plrun >/dev/null &
  pid=$!
  sleep 1.5
  same=0; total=0
  while kill -0 $pid 2>/dev/null; do
    # threads with recent CPU: tid, processor, utime+stime
    line=$(for t in /proc/$pid/task/*; do awk '{print $1, $39, $14+$15}' $t/stat 2>/dev/null; done | sort -k3 -n -r | head -2 | awk '{printf "%s ", $2}')
    set -- $line
    if [ -n "$2" ]; then total=$((total+1)); [ "$1" = "$2" ] && same=$((same+1)); fi
    sleep 0.2
  done
  wait $pid
  r=$(python3 -c "import json; e=json.load(open('/tmp/plrun/metrics.json'))['epochs']; print(' '.join(str(round(x['samples_per_second'])) for x in e))")
  echo "start $i | rates $r | samples with both busiest threads on one CPU: $same of $total"
done

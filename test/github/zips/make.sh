#!/usr/bin/env bash
# Regenerates the zips in this folder with Info-ZIP's `zip` (apt-get install zip), so the unzip is tested
# against archives another tool wrote: data descriptors (-fd, and a pipe), zip64 fields and end record (-fz).
set -euo pipefail
cd "$(dirname "$0")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  printf '{"exit_code": 0, "timed_out": false, "seconds": 300, "model_bytes": 3000}\n' > run.json
  for i in $(seq 1 399); do echo "step:$i/400 train_loss:2.$i"; done > train.log
  echo "final_int8_zlib_roundtrip_exact val_loss:2.07269931 val_bpb:1.22436570" >> train.log
  mkdir -p modal-out/seed-1
  head -c 3000 /dev/zero | tr '\0' 'm' > modal-out/seed-1/final_model.int8.ptz
  zip -q -X -fd fd.zip run.json train.log
  zip -q -X -fz fz.zip run.json train.log
  zip -q -X -fd -r fd-dirs.zip modal-out run.json
  zip -q -X -fd - - < train.log | cat > pipe.zip
)
cp "$work"/{fd,fz,fd-dirs,pipe}.zip .

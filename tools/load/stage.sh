#!/usr/bin/env bash
# Stage the pinned oha for the load image (tools/load/Dockerfile): built once outside the clone by
# scripts/install-ci-tools.sh load, copied to dist/load/oha, the one file the image build may read.
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
bash scripts/install-ci-tools.sh load
mkdir -p dist/load
cp -L "$TRADING_BIN/oha" dist/load/oha
echo "dist/load/oha: $(dist/load/oha --version)"

#!/bin/sh
# Render the state machines of examples/checkout as docs/checkout-states.svg,
# from the real output of `dcc --emit-dot` (Graphviz's dot does the drawing).
#   sh tools/render-states.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
"$build/dcc/dcc" --emit-dot examples/checkout/checkout.c -I runtime/include > docs/checkout-states.dot
dot -Tsvg docs/checkout-states.dot -o docs/checkout-states.svg
echo "wrote docs/checkout-states.dot and docs/checkout-states.svg"

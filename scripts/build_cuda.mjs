#!/usr/bin/env node
// Builds the CUDA backend, build/cuda/sparsetickets_cuda.node, from native/cuda/ (run by `npm install` after
// node-gyp, and by `npm run build:cuda`). Where no nvcc is found it prints one line and exits 0: the CUDA backend is
// optional. cuBLAS and cuDNN are not needed here (they are loaded at run time); the CUDA runtime is linked
// statically, so the module runs on any machine with an NVIDIA driver for CUDA 13.
//
// nvcc: $SPARSETICKETS_NVCC, then PATH, $CUDA_HOME/bin, /usr/local/cuda/bin.
// Node's headers: $SPARSETICKETS_NODE_INCLUDE, then <node>/../include/node, /usr/include/node, node-gyp's cache.
// Targets: SASS for compute capability 9.0 (H100, H200) and its PTX, which the driver compiles for newer GPUs.
// Objects newer than their sources and every header are reused (pass --force to rebuild everything).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'cuda');
const out = join(root, 'build', 'cuda');
const objDir = join(out, 'obj');
const target = join(out, 'sparsetickets_cuda.node');
const force = process.argv.includes('--force');

function skip(reason) {
  console.log(`sparsetickets: ${reason}; the CUDA backend is skipped (the CPU backends are unaffected)`);
  process.exit(0);
}

function findNvcc() {
  const candidates = [];
  if (process.env.SPARSETICKETS_NVCC) candidates.push(process.env.SPARSETICKETS_NVCC);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'nvcc'));
  if (process.env.CUDA_HOME) candidates.push(join(process.env.CUDA_HOME, 'bin', 'nvcc'));
  candidates.push('/usr/local/cuda/bin/nvcc');
  return candidates.find((p) => existsSync(p));
}

function findNodeInclude() {
  const candidates = [];
  if (process.env.SPARSETICKETS_NODE_INCLUDE) candidates.push(process.env.SPARSETICKETS_NODE_INCLUDE);
  candidates.push(join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node');
  const version = process.versions.node;
  for (const cache of [join(homedir(), '.cache', 'node-gyp'), join(homedir(), '.node-gyp')])
    candidates.push(join(cache, version, 'include', 'node'));
  return candidates.find((p) => existsSync(join(p, 'node_api.h')));
}

if (process.env.SPARSETICKETS_SKIP_CUDA === '1') skip('SPARSETICKETS_SKIP_CUDA=1');
const nvcc = findNvcc();
if (!nvcc) skip('nvcc not found (looked at $SPARSETICKETS_NVCC, PATH, $CUDA_HOME/bin, /usr/local/cuda/bin)');
const nodeInclude = findNodeInclude();
if (!nodeInclude)
  skip("Node's C headers (node_api.h) not found; set SPARSETICKETS_NODE_INCLUDE to their folder to build it");
const addonApi = resolve(root, createRequire(join(root, 'package.json'))('node-addon-api').include_dir);
// The toolkit's libraries: beside nvcc (which may be a wrapper script elsewhere), or $CUDA_HOME, /usr/local/cuda.
const homes = [resolve(dirname(realpathSync(nvcc)), '..'), process.env.CUDA_HOME, '/usr/local/cuda'].filter(Boolean);
const libDir = homes
  .flatMap((h) => [join(h, 'lib64'), join(h, 'targets', 'x86_64-linux', 'lib')])
  .find((d) => existsSync(join(d, 'libcudart_static.a')));
if (!libDir) skip(`libcudart_static.a not found (looked in ${homes.join(', ')})`);

const gencode = ['-gencode', 'arch=compute_90,code=sm_90', '-gencode', 'arch=compute_90,code=compute_90'];
const common = ['-std=c++17', '-O3', '-Xcompiler', '-fPIC', `-I${src}`];
const hostFlags = [
  '-Xcompiler',
  '-fexceptions,-Wall,-Wextra,-Wno-unused-parameter',
  '-DNAPI_CPP_EXCEPTIONS',
  '-DNAPI_VERSION=8',
  `-I${nodeInclude}`,
  `-I${addonApi}`,
];

const sources = readdirSync(src).filter((f) => f.endsWith('.cu') || f.endsWith('.cc'));
const headers = readdirSync(src).filter((f) => f.endsWith('.h') || f.endsWith('.cuh'));
const newestInput = Math.max(
  statSync(fileURLToPath(import.meta.url)).mtimeMs,
  ...headers.map((h) => statSync(join(src, h)).mtimeMs),
);
mkdirSync(objDir, { recursive: true });

function compile(file) {
  const obj = join(objDir, file.replace(/\.(cu|cc)$/, '.o'));
  const upToDate =
    !force && existsSync(obj) && statSync(obj).mtimeMs > Math.max(newestInput, statSync(join(src, file)).mtimeMs);
  if (upToDate) return Promise.resolve(obj);
  const args = file.endsWith('.cu')
    ? [...common, ...gencode, '-c', join(src, file), '-o', obj]
    : [...common, ...hostFlags, '-c', join(src, file), '-o', obj];
  return new Promise((ok, fail) => {
    const child = spawn(nvcc, args, { stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok(obj) : fail(new Error(`nvcc failed on ${file} (exit ${code})`))));
  });
}

async function compileAll() {
  const queue = [...sources];
  const objects = [];
  const jobs = Math.max(1, Math.min(cpus().length, queue.length));
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (queue.length) objects.push(await compile(queue.shift()));
    }),
  );
  return objects.sort();
}

try {
  const started = Date.now();
  const objects = await compileAll();
  // No relocatable device code, so the host compiler links: the CUDA runtime statically, nothing of cuBLAS/cuDNN.
  const link = spawnSync(
    'g++',
    [
      '-shared',
      '-o',
      target,
      ...objects,
      `-L${libDir}`,
      '-lcudart_static',
      '-ldl',
      '-lpthread',
      '-lrt',
      '-Wl,--exclude-libs,ALL',
    ],
    { stdio: 'inherit' },
  );
  if (link.status !== 0) throw new Error(`linking ${target} failed`);
  console.log(`sparsetickets: built ${target} with ${nvcc} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
} catch (e) {
  console.error(`sparsetickets: building the CUDA backend failed: ${e.message}`);
  process.exit(1);
}

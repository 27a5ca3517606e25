// Measured training-step times that `reproduce --list` turns run counts into hours with (estimate.ts). Each table
// says where its numbers come from; `reproduce --list --measure` times this machine's CPU again with `bench`.

export interface StepTime {
  /** Milliseconds per training step (forward, cross-entropy, backward, SGD with momentum) of `batch` examples. */
  ms: number;
  batch: number;
  /** How the number was obtained when it was not measured as such. */
  note?: string;
}

export interface StepTimeTable {
  device: string;
  source: string;
  models: Record<string, StepTime>;
}

/** This project's engine on this project's machine: `sparsetickets bench --model M --batch 128 --threads 2
 * --steps 2 --warmup 1 --json` (dense step, median of 2), 2-core AMD EPYC (Zen 5, AVX-512), while other jobs
 * shared the two cores (load average about 11): slower than the idle machine of docs/BENCHMARKS.md (vgg16 1004 ms,
 * resnet18 1931 ms there). */
export const CPU_STEP_TIMES: StepTimeTable = {
  device: 'CPU (this machine, 2 threads)',
  source:
    'sparsetickets bench --batch 128 --threads 2 --steps 2 on this 2-core AMD EPYC, shared with other jobs (load ~11); idle, docs/BENCHMARKS.md has vgg16 1004 ms and resnet18 1931 ms',
  models: {
    resnet20: { ms: 1536, batch: 128 },
    resnet32: { ms: 1898, batch: 128 },
    vgg16: { ms: 8282, batch: 128 },
    resnet18: { ms: 12911, batch: 128 },
    resnet34: { ms: 40632, batch: 128 },
    resnet50: { ms: 41781, batch: 128 },
    mobilenet: { ms: 3695, batch: 128 },
    'wrn-28-10': { ms: 145552, batch: 128 },
  },
};

/** PyTorch eager fp32 (cuDNN, TF32 convolutions as PyTorch's default) on one H100, the zoo's models
 * (python/zoo.py) and torchvision's ImageNet ResNets, random batches, SGD with momentum; there is no GPU backend
 * in this project yet, so these hours are what the authors' PyTorch code would take. */
export const GPU_STEP_TIMES: StepTimeTable = {
  device: 'GPU (one H100, PyTorch eager fp32)',
  source: 'PyTorch eager fp32 training steps measured on one H100 (python/zoo.py models at 32×32, batch 128)',
  models: {
    resnet20: { ms: 11, batch: 128 },
    resnet32: { ms: 17.8, batch: 128 },
    vgg16: { ms: 10.2, batch: 128 },
    resnet18: { ms: 18.2, batch: 128 },
    'wrn-28-10': { ms: 102, batch: 128 },
  },
};

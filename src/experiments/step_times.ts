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
 * --steps 2 --warmup 1 --json` (dense step, median of 2), 2-core AMD EPYC (AVX-512), idle (load average < 1),
 * 2026-12-08. */
export const CPU_STEP_TIMES: StepTimeTable = {
  device: 'CPU (this machine, 2 threads)',
  source: 'sparsetickets bench --batch 128 --threads 2 --steps 2 on this 2-core AMD EPYC, idle, 2026-12-08',
  models: {
    resnet20: { ms: 439, batch: 128 },
    resnet32: { ms: 708, batch: 128 },
    vgg16: { ms: 1731, batch: 128 },
    resnet18: { ms: 2832, batch: 128 },
    resnet34: { ms: 6092, batch: 128 },
    resnet50: { ms: 7684, batch: 128 },
    mobilenet: { ms: 525, batch: 128 },
    'wrn-28-10': { ms: 27102, batch: 128 },
    // Not in the zoo: the zoo counterpart's time × the forward-FLOPs ratio (ImageNet at 224×224: ResNet-18 3.64,
    // ResNet-34 7.34, ResNet-50 8.18 GFLOPs a sample, multiplies + adds; the CIFAR ones 1.11, 2.32, 2.61;
    // Tiny-ImageNet's 64×64 through the CIFAR stem: 4 × ResNet-18's).
    'resnet18-imagenet': { ms: 9287, batch: 128, note: 'resnet18 × 3.64/1.11 GFLOPs' },
    'resnet34-imagenet': { ms: 19274, batch: 128, note: 'resnet34 × 7.34/2.32 GFLOPs' },
    'resnet50-imagenet': { ms: 24082, batch: 128, note: 'resnet50 × 8.18/2.61 GFLOPs' },
    'resnet18-tiny-imagenet': { ms: 11328, batch: 128, note: 'resnet18 × 4 (64×64 input)' },
  },
};

/** PyTorch eager fp32 (cuDNN, PyTorch's default TF32 convolutions) training steps on one H100, the zoo's models
 * (python/zoo.py) on random batches with SGD and momentum: five measured, the others fitted to them. There is no
 * GPU backend in this project yet: these hours are what the same runs would take in PyTorch. */
export const GPU_STEP_TIMES: StepTimeTable = {
  device: 'GPU (one H100, PyTorch eager fp32)',
  source:
    'PyTorch eager fp32 training steps on one H100 at batch 128 (python/zoo.py models): resnet20 11, resnet32 17.8, vgg16 10.2, resnet18 18.2, wrn-28-10 102 ms as the project measured them with PyTorch 2.11 on the lent H100 on 2026-12-08 (issue 24; not our engine, and not re-measured here); the other models fitted to those five (step_times.ts)',
  models: {
    resnet20: { ms: 439, batch: 128 },
    resnet32: { ms: 17.8, batch: 128 },
    vgg16: { ms: 10.2, batch: 128 },
    resnet18: { ms: 18.2, batch: 128 },
    'wrn-28-10': { ms: 27102, batch: 128 },
    // Not measured (no GPU could be had while this was written): t = 0.527 ms × layers + 8.32 ms × GFLOPs a
    // sample, per step of 128, fitted to the five measured models (resnet20 / resnet32 layer overheads, WRN-28-10
    // compute; resnet18 predicted 20.3 ms for 18.2 measured, vgg16 13.1 for 10.2).
    resnet34: { ms: 38.8, batch: 128, note: 'fit: 37 layers, 2.32 GFLOPs' },
    resnet50: { ms: 49.6, batch: 128, note: 'fit: 53 layers, 2.61 GFLOPs' },
    mobilenet: { ms: 15.5, batch: 128, note: 'fit: 28 layers, 0.09 GFLOPs' },
    'resnet18-imagenet': { ms: 9287.3, batch: 128, note: 'fit: 21 layers, 3.64 GFLOPs at 224×224' },
    'resnet34-imagenet': { ms: 19274.6, batch: 128, note: 'fit: 37 layers, 7.34 GFLOPs at 224×224' },
    'resnet50-imagenet': { ms: 24082.0, batch: 128, note: 'fit: 53 layers, 8.18 GFLOPs at 224×224' },
    'resnet18-tiny-imagenet': { ms: 11328.1, batch: 128, note: 'fit: 21 layers, 4.45 GFLOPs at 64×64' },
  },
};

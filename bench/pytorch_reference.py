#!/usr/bin/python3
"""The PyTorch anchor of every speed comparison: the training-step time of a zoo model (python/zoo.py, the same
networks as src/models) in PyTorch, dense or masked as the authors' sparse-training code runs (dense weights times
a binary mask after every step, and a RigL update every --update-interval steps, timed apart and amortised into the
step time as `sparsetickets bench` does), on the CPU or a CUDA GPU. One JSON
line per case on stdout.

    /usr/bin/python3 bench/pytorch_reference.py --model vgg16 resnet18 --sparsity 0 0.9 --threads 2
    python3 bench/pytorch_reference.py --device cuda --model resnet20 vgg16 --precision fp32 tf32 bf16 --compile

CPU: Debian's /usr/bin/python3 has torch. OpenBLAS misdetects some virtual CPUs and then runs its SSE code, so the
core type is set from the CPU flags before torch loads (PyTorch at its best).
GPU: every step is timed with CUDA events on random data resident on the card (never zeros); --compile adds
torch.compile with CUDA graphs (mode reduce-overhead), PyTorch's fastest way to run these small networks.
Precision: fp32 (TF32 off), tf32 (TF32 matmul and cuDNN convolution), bf16 (autocast to bfloat16, fp32 master
weights and optimiser state, as the project's --precision bf16).
"""
import argparse
import json
import os
import statistics
import sys
import time


def cpu_flags():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    return set(line.split(':', 1)[1].split())
    except OSError:
        pass
    return set()


if 'OPENBLAS_CORETYPE' not in os.environ:
    _flags = cpu_flags()
    if 'avx512f' in _flags:
        os.environ['OPENBLAS_CORETYPE'] = 'SkylakeX'
    elif 'avx2' in _flags:
        os.environ['OPENBLAS_CORETYPE'] = 'Haswell'

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'python'))
from zoo import MODEL_NAMES, create_model, input_shape  # noqa: E402


def prunable(model):
    """The masked weights of the project's sparse methods: every conv and linear weight."""
    return {n: p for n, p in model.named_parameters() if p.dim() in (2, 4)}


class RigLMasks:
    """Masks at a uniform random density, applied as the reference code does; every `interval` steps a RigL update:
    drop the k smallest |w| of the kept weights, grow the k largest |grad| of the others (k = drop_fraction·nnz)."""

    def __init__(self, model, sparsity, interval, drop_fraction=0.3):
        self.weights = prunable(model)
        self.masks = {n: (torch.rand_like(p) >= sparsity).to(p.dtype) for n, p in self.weights.items()}
        self.interval, self.drop_fraction = interval, drop_fraction
        self.apply()

    @torch.no_grad()
    def apply(self):
        for n, p in self.weights.items():
            p.mul_(self.masks[n])

    @torch.no_grad()
    def mask_grads(self):
        for n, p in self.weights.items():
            p.grad.mul_(self.masks[n])

    @torch.no_grad()
    def update(self, dense_grads):
        for n, p in self.weights.items():
            m = self.masks[n].view(-1)
            k = int(self.drop_fraction * int(m.sum().item()))
            if k == 0:
                continue
            kept = torch.where(m > 0, p.abs().view(-1), torch.full_like(m, float('inf')))
            drop = torch.topk(kept, k, largest=False).indices
            m[drop] = 0
            free = torch.where(m > 0, torch.full_like(m, -1.0), dense_grads[n].abs().view(-1))
            grow = torch.topk(free, k).indices
            m[grow] = 1
            p.view(-1)[grow] = 0


def make_step(model, opt, masks, x, y, precision, device):
    autocast = precision == 'bf16'

    def forward_backward():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=autocast):
            loss = F.cross_entropy(model(x), y)
        loss.backward()

    def step():
        forward_backward()
        if masks is not None:
            masks.mask_grads()
        opt.step()
        if masks is not None:
            masks.apply()

    def update():
        forward_backward()
        masks.update({n: p.grad for n, p in masks.weights.items()})

    return step, update


def set_precision(precision, device):
    if device.type == 'cuda':
        tf32 = precision == 'tf32'
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = True


def timed_steps(step, steps, device):
    """Per-step times in ms: CUDA events around each step on the GPU, the host clock on the CPU."""
    times = []
    for _ in range(steps):
        if device.type == 'cuda':
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            step()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t = time.perf_counter()
            step()
            times.append((time.perf_counter() - t) * 1000)
    return times


def measure(a, name, sparsity, precision, compiled):
    device = torch.device(a.device)
    torch.manual_seed(0)
    set_precision(precision, device)
    model = create_model(name, width=a.width).to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    masks = RigLMasks(model, sparsity, a.update_interval) if sparsity > 0 else None
    x = torch.randn(a.batch, *input_shape(name), device=device)
    y = torch.randint(0, 10, (a.batch,), device=device)
    if compiled:
        model = torch.compile(model, mode='reduce-overhead')
    step, update = make_step(model, opt, masks, x, y, precision, device)
    heavy = name not in ('lenet300', 'lenet5', 'mlp-cifar')
    warmup = a.warmup or (20 if device.type == 'cuda' else 3)
    steps = a.steps or (200 if device.type == 'cuda' else (5 if heavy else 50))
    timed_steps(step, warmup, device)
    times = timed_steps(step, steps, device)
    step_ms = statistics.median(times)
    # The update (with the backward pass that gives it the dense gradient) once, amortised over ΔT steps.
    update_ms = statistics.median(timed_steps(update, 3, device)) if masks and a.update_interval else 0.0
    ms = step_ms + (update_ms / a.update_interval if update_ms else 0.0)
    row = {'engine': 'pytorch', 'torch': torch.__version__, 'device': a.device, 'model': name, 'width': a.width,
           'batch': a.batch, 'sparsity': sparsity, 'mode': 'masked' if sparsity > 0 else 'dense',
           'precision': precision, 'compiled': compiled, 'steps': steps, 'ms_per_step': round(ms, 4),
           'step_ms': round(step_ms, 4), 'update_ms': round(update_ms, 4), 'update_interval': a.update_interval,
           'samples_per_s': round(a.batch / ms * 1000, 1)}
    if device.type == 'cuda':
        row['card'] = torch.cuda.get_device_name(device)
    else:
        row['threads'] = torch.get_num_threads()
        row['openblas_coretype'] = os.environ.get('OPENBLAS_CORETYPE')
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', nargs='+', default=['lenet300'], choices=MODEL_NAMES)
    ap.add_argument('--width', type=float, default=1.0)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--sparsity', type=float, nargs='+', default=[0.0])
    ap.add_argument('--update-interval', type=int, default=100, help='RigL ΔT of the masked runs (0: masks fixed)')
    ap.add_argument('--device', default='cpu', help='cpu | cuda | cuda:N')
    ap.add_argument('--precision', nargs='+', default=['fp32'], choices=['fp32', 'tf32', 'bf16'])
    ap.add_argument('--compile', action='store_true', help='also time torch.compile(mode=reduce-overhead)')
    ap.add_argument('--threads', type=int, default=os.cpu_count(), help='CPU threads')
    ap.add_argument('--steps', type=int, default=0, help='timed steps (median reported); 0 = by model and device')
    ap.add_argument('--warmup', type=int, default=0, help='untimed steps first; 0 = by device')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for name in a.model:
        for sparsity in a.sparsity:
            for precision in a.precision:
                for compiled in ([False, True] if a.compile else [False]):
                    print(json.dumps(measure(a, name, sparsity, precision, compiled)), flush=True)


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Writes the PyTorch reference data the TypeScript tests compare against (run from the repository root with
Debian's Python, the one that has torch):

    /usr/bin/python3 scripts/make_fixtures.py

test/fixtures/<model>.safetensors, for vgg16 and resnet18 at width 1/8 (one training step's worth of data):
    state.<name>   the model's state dict before the step (float32; BN weights, biases and running statistics
                   randomised so that nothing is at its default; num_batches_tracked int64)
    input          a batch of 8 images [8, 3, 32, 32] (float32)      target  its labels [8] (int64)
    logits         the output in train mode [8, 10]                   loss    mean cross-entropy, float64 scalar
    grad.<param>   every parameter gradient after loss.backward()
    after.<buffer> the BN buffers after the forward (running statistics updated, num_batches_tracked + 1)
The step is computed in float64 from the float32 state and input, and stored as float32 (loss as float64),
so the reference carries no float32 rounding of its own; the metadata records how far PyTorch's own float32
step is from it (torch_float32_error).

test/fixtures/zoo_shapes.json: for every zoo model at a few widths and class counts, the state dict as
[[name, shape, 'param' | 'buffer'], ...] in state_dict order.
"""
import copy
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'python'))
from zoo import MODEL_NAMES, create_model, input_shape  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')
DTYPES = {np.dtype('float32'): 'F32', np.dtype('float64'): 'F64', np.dtype('int64'): 'I64',
          np.dtype('int32'): 'I32', np.dtype('uint8'): 'U8'}


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, numpy array); written in that order, via a temporary file and a rename."""
    header, offset, blobs = {'__metadata__': metadata}, 0, []
    for name, a in tensors:
        a = np.array(a, order='C', copy=False)  # (ascontiguousarray would turn 0-d into 1-d)
        blob = a.astype(a.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': DTYPES[a.dtype], 'shape': list(a.shape), 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def randomise_batchnorm(model, gen):
    """Moves BN affine parameters and running statistics away from their defaults, so the test sees them."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.weight.copy_(1 + 0.2 * torch.randn(n, generator=gen))
                m.bias.copy_(0.2 * torch.randn(n, generator=gen))
                m.running_mean.copy_(0.1 * torch.randn(n, generator=gen))
                m.running_var.copy_(1 + 0.5 * torch.rand(n, generator=gen))
                m.num_batches_tracked.fill_(7)


def numpy32(t):
    return t.detach().cpu().numpy().astype(np.int64 if t.dtype == torch.int64 else np.float32)


def float32_error(model, x, y, logits64, ref64):
    """PyTorch's own float32 error on this step: the largest max-norm relative error of the logits and of the
    non-vanishing gradients against the float64 step. The TypeScript tolerance (1e-4) must sit well above it,
    which is why the batch is 8: at batch 4, BatchNorm over so few values makes VGG16's float32 gradients
    ill-conditioned (PyTorch itself then deviates by up to 2.5e-4). The seed matters too: one whose step
    puts a ReLU input within float32 rounding of zero makes every float32 engine's gradient fragile."""
    m32 = copy.deepcopy(model)
    logits = m32(x)
    F.cross_entropy(logits, y).backward()
    rel = lambda a, b: ((a.double() - b).abs().max() / b.abs().max()).item()
    g64 = dict(ref64.named_parameters())
    top = max(p.grad.abs().max().item() for p in g64.values())
    errors = [rel(logits.detach(), logits64.detach())]
    errors += [rel(p.grad, g64[k].grad) for k, p in m32.named_parameters() if g64[k].grad.abs().max() > 1e-9 * top]
    return max(errors)


def training_step_fixture(name, width, batch=8, num_classes=10, seed=1):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = create_model(name, width=width, num_classes=num_classes)
    randomise_batchnorm(model, gen)
    model.train()
    x = torch.randn(batch, *input_shape(name), generator=gen)
    y = torch.randint(0, num_classes, (batch,), generator=gen)
    state = [(f'state.{k}', numpy32(v)) for k, v in model.state_dict().items()]

    ref = copy.deepcopy(model).double()
    logits = ref(x.double())
    loss = F.cross_entropy(logits, y)
    loss.backward()
    f32_error = float32_error(model, x, y, logits, ref)
    if f32_error > 5e-5:  # e.g. a ReLU input within float32 rounding of 0: any float32 engine may flip it
        raise SystemExit(f'{name}: PyTorch float32 deviates by {f32_error:.2e} on seed {seed}; choose another seed')

    tensors = state + [('input', numpy32(x)), ('target', y.numpy().astype(np.int64)),
                       ('logits', numpy32(logits)), ('loss', np.array(loss.item(), dtype=np.float64))]
    tensors += [(f'grad.{k}', numpy32(p.grad)) for k, p in ref.named_parameters()]
    tensors += [(f'after.{k}', numpy32(b)) for k, b in ref.named_buffers()]
    metadata = {'model': name, 'width': repr(width), 'num_classes': str(num_classes), 'batch': str(batch),
                'seed': str(seed), 'torch': torch.__version__, 'generator': 'scripts/make_fixtures.py',
                'torch_float32_error': f'{f32_error:.3e}'}
    path = os.path.join(FIXTURES, f'{name}.safetensors')
    write_safetensors(path, tensors, metadata)
    print(f'{path}: {len(tensors)} tensors, {os.path.getsize(path)} bytes, loss {loss.item():.6f}, '
          f'PyTorch float32 error {f32_error:.2e}')


def zoo_shapes():
    configs = [(1.0, 10), (0.3, 100), (0.125, 10)]
    out = []
    for name in MODEL_NAMES:
        for width, classes in configs:
            model = create_model(name, width=width, num_classes=classes)
            params = {k for k, _ in model.named_parameters()}
            state = [[k, list(v.shape), 'param' if k in params else 'buffer'] for k, v in model.state_dict().items()]
            out.append({'model': name, 'width': width, 'num_classes': classes, 'state': state})
    path = os.path.join(FIXTURES, 'zoo_shapes.json')
    with open(path + '.tmp', 'w') as f:  # one configuration per line, for readable diffs
        f.write('[\n' + ',\n'.join(json.dumps(entry, separators=(',', ':')) for entry in out) + '\n]\n')
    os.replace(path + '.tmp', path)
    print(f'{path}: {len(out)} model configurations')


if __name__ == '__main__':
    os.makedirs(FIXTURES, exist_ok=True)
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    for model_name in ('vgg16', 'resnet18'):
        training_step_fixture(model_name, 0.125)
    zoo_shapes()

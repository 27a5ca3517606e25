#!/usr/bin/python3
"""PyTorch side of the interop test: load a sparsetickets checkpoint into the zoo's PyTorch module with
load_state_dict(strict=True) and print the eval-mode logits of a given input as JSON.

    /usr/bin/python3 python/interop_check.py CHECKPOINT INPUT.f32 --model resnet20 --width 0.25 --shape 4 3 32 32
    /usr/bin/python3 python/interop_check.py T.safetensors INPUT.f32 --model resnet18 --activation swish --extra-skips ...

The checkpoint's masks ('<param>.mask'), optimiser state ('optimizer.*') and hook state (listed in the metadata's
'hook_tensors'; 'sparse.*' in older files) are not model state and are set aside; every other tensor must
match the module's state_dict exactly (strict). With --no-filter (ticket files, runs/<name>/model.safetensors)
nothing is set aside: the file is the state dict."""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zoo import create_model  # noqa: E402

DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64, 'I32': torch.int32, 'U8': torch.uint8}


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        begin, end = info['data_offsets']
        buf = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(buf, dtype=DTYPES[info['dtype']]) if buf else torch.empty(0, dtype=DTYPES[info['dtype']])
        tensors[name] = t.reshape(info['shape'])
    return tensors, header.get('__metadata__', {})


def is_model_state(name, hook_tensors=()):
    """Whether a checkpoint tensor belongs to the model (what load_state_dict takes)."""
    return not (name.endswith('.mask') or name.startswith('optimizer.') or name.startswith('sparse.')
                or name in hook_tensors)


def load_file(path):
    """safetensors.torch.load_file when the package is installed (it is not in Debian), else this file's reader."""
    try:
        from safetensors.torch import load_file as st_load_file
    except ImportError:
        return read_safetensors(path)[0]
    return st_load_file(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checkpoint')
    ap.add_argument('input')
    ap.add_argument('--model', required=True)
    ap.add_argument('--width', type=float, default=1.0)
    ap.add_argument('--classes', type=int, default=10)
    ap.add_argument('--shape', type=int, nargs=4, required=True)
    ap.add_argument('--no-filter', action='store_true', help='load every tensor of the file (tickets)')
    ap.add_argument('--activation', default='relu', help='relu | swish | mish (the AT tweak, SPEC §9)')
    ap.add_argument('--extra-skips', action='store_true', help="the BasicBlocks' jump paths (SPEC §9)")
    a = ap.parse_args()
    if a.no_filter:
        # A ticket or model.safetensors: every tensor must be model state, exactly as a user's
        # model.load_state_dict(safetensors.torch.load_file(path), strict=True).
        state = load_file(a.checkpoint)
    else:
        tensors, metadata = read_safetensors(a.checkpoint)
        hook_tensors = set(json.loads(metadata.get('hook_tensors', '[]')))
        state = {k: v for k, v in tensors.items() if is_model_state(k, hook_tensors)}
    model = create_model(a.model, width=a.width, num_classes=a.classes, shape=tuple(a.shape[1:]),
                         activation=a.activation, extra_skips=a.extra_skips)
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.from_numpy(np.fromfile(a.input, dtype='<f4')).reshape(a.shape)
    with torch.no_grad():
        logits = model(x)
    print(json.dumps({'logits': logits.flatten().tolist(), 'shape': list(logits.shape)}))


if __name__ == '__main__':
    main()

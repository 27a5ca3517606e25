#!/usr/bin/python3
"""The PyTorch side of the training comparison (docs/RESULTS.md): trains a zoo model (python/zoo.py) on
CIFAR-10 binary batches with the recipe of `sparsetickets train` — SGD momentum 0.9, weight decay, batch 128,
multistep ×0.1 at 50% and 75% of the iterations (stepped per iteration), random crop (zero padding 4) and
horizontal flip, the same normalisation, the last 10% of train held out — and prints one JSON line per epoch.

    /usr/bin/python3 scripts/pytorch_train.py --data-dir ../shared/datasets/cifar10-jpeg --model resnet20 \
        --epochs 15 --threads 2 --seed 0
"""
import argparse, gzip, json, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'python'))
from zoo import create_model  # noqa: E402

MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
STD = torch.tensor([0.2023, 0.1994, 0.201]).view(1, 3, 1, 1)


def read_batches(paths):
    data = []
    for p in paths:
        raw = gzip.open(p).read() if p.endswith('.gz') else open(p, 'rb').read()
        data.append(np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3073))
    d = np.concatenate(data)
    return torch.from_numpy(d[:, 1:].reshape(-1, 3, 32, 32).copy()), torch.from_numpy(d[:, 0].astype(np.int64))


def find(dir, name):
    for c in (os.path.join(dir, name), os.path.join(dir, name + '.gz')):
        if os.path.exists(c):
            return c
    raise SystemExit(f'{dir}: {name} not found')


def normalise(x):
    return (x.float() / 255 - MEAN) / STD


def augment(x, gen):
    n = x.shape[0]
    padded = F.pad(x, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=gen)
    dx = torch.randint(0, 9, (n,), generator=gen)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + 32, dx[i]:dx[i] + 32] for i in range(n)])
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def evaluate(model, x, y):
    model.eval()
    correct, nll = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(x), 500):
            logits = model(normalise(x[i:i + 500]))
            nll += F.cross_entropy(logits, y[i:i + 500], reduction='sum').item()
            correct += (logits.argmax(1) == y[i:i + 500]).sum().item()
    model.train()
    return correct / len(x), nll / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data-dir', required=True)
    ap.add_argument('--model', default='resnet20')
    ap.add_argument('--width', type=float, default=1.0)
    ap.add_argument('--epochs', type=int, default=15)
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=0.1)
    ap.add_argument('--weight-decay', type=float, default=5e-4)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    x, y = read_batches([find(a.data_dir, f'data_batch_{i}.bin') for i in range(1, 6)])
    xt, yt = read_batches([find(a.data_dir, 'test_batch.bin')])
    n_val = round(len(x) * 0.1)
    xv, yv, x, y = x[-n_val:], y[-n_val:], x[:-n_val], y[:-n_val]
    model = create_model(a.model, width=a.width)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=a.weight_decay)
    iters = (len(x) + a.batch - 1) // a.batch
    total = a.epochs * iters
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [round(0.5 * total), round(0.75 * total)], 0.1)
    start = time.time()
    for epoch in range(a.epochs):
        t0 = time.time()
        perm = torch.randperm(len(x), generator=gen)
        loss_sum = 0.0
        for b in range(iters):
            idx = perm[b * a.batch:(b + 1) * a.batch]
            xb = normalise(augment(x[idx], gen))
            loss = F.cross_entropy(model(xb), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(idx)
        val_acc, val_nll = evaluate(model, xv, yv)
        test_acc, test_nll = evaluate(model, xt, yt)
        print(json.dumps({'engine': 'pytorch', 'torch': torch.__version__, 'epoch': epoch + 1, 'train_loss': loss_sum / len(x),
                          'val_accuracy': val_acc, 'test_accuracy': test_acc, 'test_nll': test_nll,
                          'epoch_seconds': time.time() - t0, 'wall_seconds': time.time() - start}), flush=True)


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""A PyTorch transcription of GradInit as the TRT tweak runs it (SPEC §9; src/nn/gradinit.ts), for the tests:
independent of the TypeScript engine in how it differentiates. Every scale is a leaf tensor alpha_i with
theta_i = alpha_i * w_i, and autograd gives d/d alpha of the objective exactly: the gradient norm ||g|| through
create_graph (the constraint step, where the TypeScript side takes a finite difference of gradients), or
L(theta - eta * g/||g|| held constant; S~) / eta (the objective step). The scales then move by the scalar Adam
of the reference (RescaleAdam: clip, separate moments for both kinds of step, floor).

    /usr/bin/python3 python/gradinit_check.py REQUEST.json

REQUEST: {"model", "width", "classes", "shape": [C, H, W], "activation", "extra_skips", "state": FILE
(safetensors, the model's state dict), "batches": FILE (safetensors x0, y0, x1, y1, ...; consumed in order, two
per constraint step and three per objective step), "settings": {iterations, lr, eta, minScale, gamma, gradClip}}.
Prints JSON {"scales": {name: alpha}, "steps": [{"kind", "loss", "gnorm", "lookahead"?}]}, in float64."""
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.utils.stateless import functional_call

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_check import read_safetensors  # noqa: E402
from zoo import create_model  # noqa: E402

BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    s = req['settings']
    torch.set_default_dtype(torch.float64)
    model = create_model(req['model'], width=req['width'], num_classes=req['classes'], shape=tuple(req['shape']),
                         activation=req['activation'], extra_skips=req['extra_skips']).double()
    state, _ = read_safetensors(req['state'])
    model.load_state_dict({k: v.double() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    model.train()  # BatchNorm on batch statistics; the zoo's models used here have no dropout
    tensors, _ = read_safetensors(req['batches'])
    batches = iter([(tensors[f'x{i}'].double(), tensors[f'y{i}'].long()) for i in range(len(tensors) // 2)])

    names = [n for n, _ in model.named_parameters()]
    w = {n: p.detach().clone() for n, p in model.named_parameters()}
    norm = {n: w[n].norm().item() for n in names}
    alpha = {n: 1.0 for n in names}
    floor = {n: 0.0 if n.endswith('bias') else s['minScale'] for n in names}
    moments = {kind: {n: [0, 0.0, 0.0] for n in names} for kind in ('constraint', 'objective')}

    def loss_at(theta, batch):
        return F.cross_entropy(functional_call(model, theta, (batch[0],)), batch[1])

    steps = []
    for _ in range(s['iterations']):
        b0, b1 = next(batches), next(batches)
        S = (torch.cat([b0[0], b1[0]]), torch.cat([b0[1], b1[1]]))
        a = {n: torch.tensor(alpha[n], requires_grad=True) for n in names}
        theta = {n: a[n] * w[n] for n in names}
        loss = loss_at(theta, S)
        g = torch.autograd.grad(loss, [theta[n] for n in names], create_graph=True)
        gnorm = torch.sqrt(sum((x * x).sum() for x in g))
        step = {'loss': loss.item(), 'gnorm': gnorm.item()}
        if gnorm.item() > s['gamma']:
            step['kind'] = 'constraint'
            objective = gnorm
        else:
            step['kind'] = 'objective'
            ahead = {n: theta[n] - s['eta'] * (x / gnorm).detach() for n, x in zip(names, g)}
            b2 = next(batches)
            lookahead = loss_at(ahead, (torch.cat([b0[0], b2[0]]), torch.cat([b0[1], b2[1]])))
            step['lookahead'] = lookahead.item()
            objective = lookahead / s['eta']
        grads = torch.autograd.grad(objective, [a[n] for n in names], allow_unused=True)
        for n, c in zip(names, grads):
            if norm[n] == 0 or alpha[n] == 0:
                continue
            c = 0.0 if c is None else max(-s['gradClip'], min(s['gradClip'], c.item()))
            st = moments[step['kind']][n]
            st[0] += 1
            st[1] = BETA1 * st[1] + (1 - BETA1) * c
            st[2] = BETA2 * st[2] + (1 - BETA2) * c * c
            denom = (st[2] / (1 - BETA2 ** st[0])) ** 0.5 + EPS
            alpha[n] = max(alpha[n] - s['lr'] / (1 - BETA1 ** st[0]) * st[1] / denom, floor[n])
        steps.append(step)
    print(json.dumps({'scales': {n: alpha[n] for n in names if norm[n] > 0}, 'steps': steps}))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Independent computations for the evaluation-suite tests (test/eval/suite.test.ts). One JSON request on stdin,
one JSON answer on stdout. Kinds:
  metrics   ECE (15 bins, numpy), ROC-AUC (sklearn.metrics.roc_auc_score), KS (scipy.stats.ks_2samp exact),
            disagreement / KL (scipy.special.rel_entr) of given arrays
  fgsm      PyTorch input gradient of the mean cross-entropy of a checkpoint's model on a batch -> FGSM pixels
  hessian   top Hessian eigenvalue by power iteration on PyTorch's exact double-backward HVP
  blur      scipy.ndimage.gaussian_filter (mode nearest, truncate 4) of a plane
  zoom      the benchmark's clipped_zoom with scipy.ndimage.zoom(order=1)
  defocus   the anti-aliased disk filter with scipy.ndimage.correlate (mode mirror = OpenCV REFLECT_101)
  npy / mat write a .npy / MATLAB v5 file for the readers"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def ece(probs, labels, bins=15):
    conf = probs.max(1)
    pred = probs.argmax(1)
    acc = (pred == labels).astype(float)
    total = 0.0
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if sel.any():
            total += sel.mean() * abs(acc[sel].mean() - conf[sel].mean())
    return total


def metrics(req):
    from scipy.special import rel_entr
    from scipy.stats import ks_2samp
    from sklearn.metrics import roc_auc_score
    C = req['classes']
    probs = np.array(req['probs'], dtype=np.float64).reshape(-1, C)
    labels = np.array(req['labels'])
    out = {'ece': ece(probs, labels)}
    pos, neg = np.array(req['pos']), np.array(req['neg'])
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    out['auroc'] = roc_auc_score(y, np.r_[pos, neg])
    out['ks'] = []
    for a, b in req['ks']:
        r = ks_2samp(a, b, method='exact')
        out['ks'].append([float(r.statistic), float(r.pvalue)])
    members = [np.array(m, dtype=np.float64).reshape(-1, C) for m in req['members']]
    M = len(members)
    dis = np.zeros((M, M))
    kl = np.zeros((M, M))
    for i in range(M):
        for j in range(M):
            if i != j:
                dis[i, j] = 1 - np.mean(members[i].argmax(1) == members[j].argmax(1))
                kl[i, j] = rel_entr(members[j], members[i]).sum(1).mean()
    out['disagreement'] = dis.tolist()
    out['kl'] = kl.tolist()
    return out


def load_model(req):
    import torch
    from interop_check import is_model_state, load_file
    from zoo import create_model
    tensors = load_file(req['checkpoint'])
    model = create_model(req['model'], width=req['width'], num_classes=req.get('classes', 10))
    model.load_state_dict({k: v for k, v in tensors.items() if is_model_state(k)}, strict=True)
    model.eval()
    model.double() if req.get('double') else None
    return model, torch


def fgsm(req):
    model, torch = load_model(req)
    shape = req['shape']
    px = torch.tensor(req['pixels'], dtype=torch.float32).reshape(shape)
    mean = torch.tensor(req['mean']).reshape(1, -1, 1, 1)
    std = torch.tensor(req['std']).reshape(1, -1, 1, 1)
    x = ((px - mean) / std).requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(model(x), torch.tensor(req['labels']))
    (g,) = torch.autograd.grad(loss, x)
    adv = (px + req['eps'] * g.sign()).clamp(0, 1)
    return {'adv': adv.reshape(-1).tolist(), 'grad': g.reshape(-1).tolist()}


def hessian(req):
    req['double'] = True
    model, torch = load_model(req)
    x = torch.tensor(req['x'], dtype=torch.float64).reshape(req['shape'])
    y = torch.tensor(req['labels'])
    params = [p for p in model.parameters() if p.requires_grad]
    loss = torch.nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    gen = torch.Generator().manual_seed(0)
    v = [torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in params]
    norm = torch.sqrt(sum((a * a).sum() for a in v))
    v = [a / norm for a in v]
    eig = None
    for _ in range(req.get('iterations', 300)):
        hv = torch.autograd.grad(grads, params, grad_outputs=v, retain_graph=True)
        new = float(sum((a * b).sum() for a, b in zip(hv, v)))
        norm = torch.sqrt(sum((a * a).sum() for a in hv))
        v = [a / norm for a in hv]
        if eig is not None and abs(new - eig) / (abs(eig) + 1e-6) < 1e-6:
            eig = new
            break
        eig = new
    return {'eigenvalue': eig}


def blur(req):
    from scipy.ndimage import gaussian_filter
    p = np.array(req['plane'], dtype=np.float64).reshape(req['h'], req['w'])
    return {'out': gaussian_filter(p, req['sigma'], mode='nearest', truncate=4.0).reshape(-1).tolist()}


def zoom(req):
    from scipy.ndimage import zoom as scizoom
    h = req['h']
    img = np.array(req['plane'], dtype=np.float64).reshape(h, h, 1)
    z = req['z']
    ch = int(np.ceil(h / z))
    top = (h - ch) // 2
    img = scizoom(img[top:top + ch, top:top + ch], (z, z, 1), order=1)
    trim_top = (img.shape[0] - h) // 2
    return {'out': img[trim_top:trim_top + h, trim_top:trim_top + h].reshape(-1).tolist()}


def defocus(req):
    from scipy.ndimage import correlate
    radius, alias = req['radius'], req['alias']
    L = np.arange(-8, 9)
    X, Y = np.meshgrid(L, L)
    disk = ((X ** 2 + Y ** 2) <= radius ** 2).astype(np.float64)
    disk /= disk.sum()
    g = np.exp(-np.arange(-1, 2) ** 2 / (2 * alias ** 2))
    g /= g.sum()
    k = correlate(correlate(disk, g[None, :], mode='mirror'), g[:, None], mode='mirror')
    p = np.array(req['plane'], dtype=np.float64).reshape(req['h'], req['w'])
    return {'out': correlate(p, k, mode='mirror').reshape(-1).tolist(), 'kernel': k.reshape(-1).tolist()}


def npy(req):
    arr = np.array(req['data'], dtype=req['dtype']).reshape(req['shape'])
    np.save(req['path'], arr)
    return {}


def mat(req):
    from scipy.io import savemat
    X = np.array(req['X'], dtype=np.uint8).reshape(req['shape'], order='C')
    y = np.array(req['y'], dtype=np.uint8).reshape(-1, 1)
    savemat(req['path'], {'X': X, 'y': y}, do_compression=req['compress'])
    return {}


if __name__ == '__main__':
    request = json.load(sys.stdin)
    print(json.dumps(globals()[request['kind']](request)))

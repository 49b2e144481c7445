#!/usr/bin/env python3
"""PyTorch peer for `npm run bench -- train`: trains the same models on the same MNIST IDX
files for one epoch and prints a JSON line with the wall and CPU seconds.
Usage: /usr/bin/python3 torch_train.py (mlp|cnn) BATCH THREADS IDX_DIR [LIMIT [SEED EPOCHS [SCHEDULE]]]
With SEED the weights start as Keras starts them (glorot_uniform kernels, zero biases), the
model trains EPOCHS epochs and the line also carries the test accuracy: a reference for
the accuracy actlab's Keras-equivalent recipe reaches (see bench/README.md, MNIST accuracy).
SCHEDULE is constant (default) or cosine: the learning rate decays from 1e-3 to 0 over all
the steps, as actlab's schedules.cosineDecay (stepped after every batch)."""
import json, struct, sys, time
import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    ndim = magic & 0xff
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    kind, batch, threads, idx_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else 60000
    seed = int(sys.argv[6]) if len(sys.argv) > 6 else None
    epochs = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    schedule = sys.argv[8] if len(sys.argv) > 8 else 'constant'
    if schedule not in ('constant', 'cosine'):
        sys.exit(f'torch_train.py: SCHEDULE must be constant or cosine, got {schedule}')
    torch.set_num_threads(threads)
    torch.manual_seed(0 if seed is None else seed)
    x = torch.from_numpy(read_idx(f'{idx_dir}/train-images-idx3-ubyte')[:limit].astype(np.float32) / 255.0)
    y = torch.from_numpy(read_idx(f'{idx_dir}/train-labels-idx1-ubyte')[:limit].astype(np.int64))
    if kind == 'mlp':
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    else:
        x = x.unsqueeze(1)
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64 * 3 * 3, 64), nn.ReLU(), nn.Linear(64, 10))
    if seed is not None:
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                # Keras glorot_uniform: fans of a [out, in, kh, kw] kernel are in*kh*kw and out*kh*kw
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    steps = epochs * ((x.shape[0] + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.0) if schedule == 'cosine' else None
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        perm = torch.randperm(x.shape[0])
        for start in range(0, x.shape[0], batch):
            idx = perm[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out = {'peer': f'pytorch {torch.__version__}', 'kind': kind, 'batch': batch, 'threads': threads,
           'samples': int(x.shape[0]), 'wall_s': wall / epochs, 'cpu_s': cpu / epochs, 'loss': float(loss)}
    if seed is not None:
        xt = torch.from_numpy(read_idx(f'{idx_dir}/t10k-images-idx3-ubyte').astype(np.float32) / 255.0)
        yt = torch.from_numpy(read_idx(f'{idx_dir}/t10k-labels-idx1-ubyte').astype(np.int64))
        if kind != 'mlp':
            xt = xt.unsqueeze(1)
        with torch.no_grad():
            out['seed'], out['epochs'], out['schedule'] = seed, epochs, schedule
            out['test_accuracy'] = float((model(xt).argmax(1) == yt).float().mean())
    print(json.dumps(out))


if __name__ == '__main__':
    main()

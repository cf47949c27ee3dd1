"""One PyTorch measurement (one model, one mode) in this process; prints one `RESULT {json}` line.

Adapted from ../../../shared/reference/bench_torch.py, with the same protocol as bench_keras.py
here (a pool of POOL random images cycled, WARMUP untimed steps, STEPS timed steps, each step
timed; images_per_second = batch / median step, images_per_second_mean = overall):

  * torch.set_num_threads(--threads); denormals flushed (torch.set_flush_denormal(True)), as
    TensorFlow runs its kernels: without it LeNet5's sigmoid gradients go denormal and PyTorch
    trains ~3x slower after a while (see the reference README); FLUSH_DENORMAL=0 turns it off;
  * train: model.train(), Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-7) (Keras's defaults), loss
    = sparse CE on the softmax output with Keras's clipping to [1e-7, 1 - 1e-7], plus
    ResNet18's l2 term; the accuracy metric is computed each step as Keras does;
  * predict: model.eval() under torch.inference_mode(), one batch per step.

    python bench_torch.py --model LeNet5 --mode train --batch-size 32 --steps 200 --warmup 10
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time


def rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return float('nan')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', required=True)
    ap.add_argument('--mode', choices=['train', 'predict'], default='train')
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--steps', type=int, default=100, help='timed steps')
    ap.add_argument('--warmup', type=int, default=5, help='untimed steps first')
    ap.add_argument('--pool', type=int, default=1024, help='distinct images, cycled')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()

    import numpy as np
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(a.threads)
    flush = os.environ.get('FLUSH_DENORMAL', '1') == '1'
    if flush:
        torch.set_flush_denormal(True)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_models
    rss_import = rss_mb()

    bs = a.batch_size
    pool = max(bs, a.pool // bs * bs)
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((pool, 32, 32, 3), dtype=np.float32)).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(rng.integers(0, 10, size=(pool,)).astype(np.int64))

    torch.manual_seed(0)
    model = torch_models.MODELS[a.model]()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    reg = getattr(model, 'regularization_loss', None)
    per_pass = pool // bs

    def batches(count):
        """Indices of `count` batches, cycling over the pool, reshuffled each pass."""
        done = 0
        while done < count:
            perm = torch.randperm(pool) if a.mode == 'train' else torch.arange(pool)
            for i in range(min(per_pass, count - done)):
                yield perm[i * bs:(i + 1) * bs]
            done += min(per_pass, count - done)

    def train_step(b):
        xb, yb = x[b], y[b]
        probs = model(xb)
        loss = F.nll_loss(torch.log(probs.clamp(1e-7, 1 - 1e-7)), yb)
        if reg is not None:
            loss = loss + reg()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            _ = int((probs.argmax(1) == yb).sum())
        return loss.detach().item()

    def predict_step(b):
        with torch.inference_mode():
            return model(x[b])

    if a.mode == 'train':
        model.train()
        step = train_step
    else:
        model.eval()
        step = predict_step

    for b in batches(a.warmup):
        step(b)
    stamps = [time.perf_counter()]
    for b in batches(a.steps):
        step(b)
        stamps.append(time.perf_counter())
    total = stamps[-1] - stamps[0]
    steps = [t1 - t0 for t0, t1 in zip(stamps, stamps[1:])]
    median = statistics.median(steps)
    cuda_kb = 0  # resident pages of CUDA libraries PyPI's torch wheel loads even on a CPU
    mapping = ''
    with open('/proc/self/smaps') as f:
        for line in f:
            fields = line.split()
            if fields and '-' in fields[0] and len(fields) >= 5:
                mapping = fields[5] if len(fields) > 5 else ''
            elif fields and fields[0] == 'Rss:' and ('/nvidia/' in mapping or '_cuda' in mapping
                                                    or 'cudnn' in mapping or 'triton' in mapping):
                cuda_kb += int(fields[1])
    result = {
        'framework': 'torch', 'model': a.model, 'mode': a.mode, 'batch_size': bs,
        'steps': len(steps), 'warmup': a.warmup, 'pool': pool,
        'images_per_second': bs / median,
        'images_per_second_mean': bs * len(steps) / total,
        'ms_per_step': median * 1e3,
        'mean_ms_per_step': total / len(steps) * 1e3,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        'rss_after_import_mb': rss_import,
        'cuda_libs_rss_mb': cuda_kb / 1024.0,
        'threads': torch.get_num_threads(), 'flush_denormal': flush,
        'torch': torch.__version__,
    }
    print('RESULT ' + json.dumps(result), flush=True)


if __name__ == '__main__':
    main()

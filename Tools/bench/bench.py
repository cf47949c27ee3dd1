"""SwiftCNN against Keras and PyTorch on the CPU, side by side, interleaved.

For every model and mode, R rounds of: SwiftCNN, Keras, PyTorch (A B C A B C ...), each one
measurement in its own fresh process, all on the same synthetic CIFAR-shaped data (random
float32 in [0, 1], labels 0..9), the same batch size, the same number of warm-up and timed
steps, and the same number of threads. Prints every measurement as it comes, then a table
of medians over the rounds: images/second per framework, SwiftCNN / max(Keras, PyTorch),
and peak resident memory. The "paired" ratio is the median over rounds of each round's own
ratio: on a VM whose speed drifts between runs (these 2-vCPU machines alternate between two
speeds about 1.5× apart) it compares runs made moments apart instead of medians that may
come from different phases. `--replay FILE` rebuilds the tables from a saved `--out` file.

Usually started through run.sh (virtualenv, release build); directly:

    python Tools/bench/bench.py --swiftcnn .build/release/swiftcnn [--models LeNet5,VGG16]
        [--modes train,predict] [--rounds 3] [--scale 1.0] [--markdown out.md] [--out r.jsonl]

Images/second is batch / median step time for all three (what `swiftcnn bench` reports);
the Python workers also report the overall mean, kept in --out.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))

MODELS = ['Baseline', 'LeNet5', 'AlexNet8', 'VGG16', 'Inception10', 'ResNet18']
FRAMEWORKS = ['swiftcnn', 'keras', 'torch']
LABEL = {'swiftcnn': 'SwiftCNN', 'keras': 'Keras', 'torch': 'PyTorch'}
BATCH = {'train': 32, 'predict': 256, 'latency': 1}
# `latency` is prediction at batch 1, one image per call, what `swiftcnn predict photo.jpg`
# and a server do; its images/second is 1 / the median time per image.
WORKER_MODE = {'train': 'train', 'predict': 'predict', 'latency': 'predict'}

# (timed steps, warm-up steps) per model and mode. Timed steps are chosen so that one
# measurement by Keras or PyTorch takes roughly 5-15 s on a 2-core Zen 4 (rates from issue 5:
# e.g. ResNet18 trains at ~40-47 images/s, so 10 steps of 32 take ~7-8 s).
STEPS = {
    'train': {
        'Baseline': (1000, 20), 'LeNet5': (1000, 20), 'AlexNet8': (50, 5),
        'VGG16': (20, 3), 'Inception10': (150, 10), 'ResNet18': (10, 3),
    },
    'predict': {
        'Baseline': (400, 8), 'LeNet5': (400, 8), 'AlexNet8': (20, 2),
        'VGG16': (8, 2), 'Inception10': (40, 4), 'ResNet18': (5, 1),
    },
    'latency': {
        'Baseline': (2000, 50), 'LeNet5': (2000, 50), 'AlexNet8': (300, 20),
        'VGG16': (150, 10), 'Inception10': (500, 20), 'ResNet18': (150, 10),
    },
}


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, timeout=60).stdout.strip()
    except Exception:  # noqa: BLE001
        return ''


def machine():
    model = ''
    for line in sh('lscpu').splitlines():
        if line.startswith('Model name:'):
            model = line.split(':', 1)[1].strip()
    cpus = os.cpu_count()
    flags = ''
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    flags = line
                    break
    except OSError:
        pass
    isa = 'AVX-512' if ' avx512f' in flags else ('AVX2' if ' avx2' in flags else '')
    mem = ''
    try:
        with open('/proc/meminfo') as f:
            kb = int(f.readline().split()[1])
            mem = f'{kb / 2**20:.0f} GiB'
    except (OSError, ValueError, IndexError):
        pass
    parts = [model or platform.processor() or platform.machine(), f'{cpus} CPUs']
    if isa:
        parts.append(isa)
    if mem:
        parts.append(mem + ' RAM')
    return ', '.join(parts)


# --isa avx2 times all three on AVX2 (with FMA) code alone, as on an AVX2-only CPU such as a
# Zen 3, on a machine that has AVX-512: oneDNN (TensorFlow's and PyTorch's convolutions) reads
# ONEDNN_MAX_CPU_ISA, PyTorch's own kernels ATEN_CPU_CAPABILITY and its MKL
# MKL_ENABLE_INSTRUCTIONS, OpenBLAS (SwiftCNN's SGEMM) OPENBLAS_CORETYPE; SwiftCNN's kernels
# are capped at build time (-Xcc -DSWIFTCNN_MAX_ISA_AVX2, which run.sh --isa avx2 passes).
ISA_ENVIRONMENT = {
    'native': {'swiftcnn': {}, 'keras': {}, 'torch': {}},
    'avx2': {
        'swiftcnn': {'OPENBLAS_CORETYPE': 'Haswell'},
        'keras': {'ONEDNN_MAX_CPU_ISA': 'AVX2'},
        'torch': {'ONEDNN_MAX_CPU_ISA': 'AVX2', 'ATEN_CPU_CAPABILITY': 'avx2',
                  'MKL_ENABLE_INSTRUCTIONS': 'AVX2'},
    },
}
# The `kernel_isa` an --isa run's swiftcnn must report.
ISA_KERNELS = {'avx2': 'x86-64-v3'}


def run_one(framework, model, mode, steps, warmup, a):
    bs = BATCH[mode]
    if framework == 'swiftcnn':
        cmd = [a.swiftcnn, 'bench', '--model', model, '--mode', WORKER_MODE[mode], '--batch-size', str(bs),
               '--steps', str(steps), '--warmup', str(warmup), '--json']
    else:
        script = 'bench_keras.py' if framework == 'keras' else 'bench_torch.py'
        cmd = [sys.executable, os.path.join(HERE, script), '--model', model, '--mode', WORKER_MODE[mode],
               '--batch-size', str(bs), '--steps', str(steps), '--warmup', str(warmup),
               '--pool', str(a.pool), '--threads', str(a.threads)]
        if framework == 'keras' and a.tf_inter_op:
            cmd += ['--inter-op', str(a.tf_inter_op)]
    env = dict(os.environ)
    env.update(ISA_ENVIRONMENT[a.isa][framework])
    if framework == 'keras':
        env['TF_CPP_MIN_LOG_LEVEL'] = env.get('TF_CPP_MIN_LOG_LEVEL', '2')
        if a.keras == 'legacy':
            env['TF_USE_LEGACY_KERAS'] = '1'
        else:
            env.pop('TF_USE_LEGACY_KERAS', None)
    if a.cpus:
        cpus = {int(c) for c in a.cpus.split(',')}
        preexec = lambda: os.sched_setaffinity(0, cpus)  # noqa: E731
    else:
        preexec = None
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           preexec_fn=preexec, timeout=a.timeout)
    except subprocess.TimeoutExpired:
        return {'error': f'timed out after {a.timeout} s', 'cmd': cmd}
    except OSError as e:
        return {'error': str(e), 'cmd': cmd}
    wall = time.perf_counter() - t0
    result = None
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith('RESULT '):
            line = line[7:]
        if line.startswith('{'):
            try:
                result = json.loads(line)
            except json.JSONDecodeError:
                pass
    if p.returncode != 0 or result is None:
        tail = (p.stderr or p.stdout).strip().splitlines()[-5:]
        return {'error': f'exit {p.returncode}: ' + ' | '.join(tail), 'cmd': cmd}
    want = ISA_KERNELS.get(a.isa)
    if framework == 'swiftcnn' and want and result.get('kernel_isa') != want:
        return {'error': f"--isa {a.isa}: {a.swiftcnn} runs {result.get('kernel_isa')} kernels, not {want} "
                         "(build it with -Xcc -DSWIFTCNN_MAX_ISA_AVX2, as run.sh --isa avx2 does)", 'cmd': cmd}
    result['framework'] = framework
    result['wall_s'] = wall
    result['cmd'] = cmd
    return result


def versions(a, results):
    v = {}
    git = sh(f'git -C {shlex.quote(ROOT)} rev-parse --short HEAD')
    dirty = sh(f'git -C {shlex.quote(ROOT)} status --porcelain --untracked-files=no')
    v['SwiftCNN'] = f'git {git}{"+dirty" if dirty else ""}' if git else ''
    swift = sh('swift --version 2>&1 | head -1')
    m = re.search(r'Swift version (\S+)', swift)
    v['Swift'] = m.group(1) if m else swift
    for r in results:
        if r.get('framework') == 'keras' and 'tensorflow' in r:
            v['TensorFlow'] = r['tensorflow']
            v['Keras'] = f"{r['keras']} ({r['keras_line']})"
        if r.get('framework') == 'torch' and 'torch' in r:
            v['PyTorch'] = r['torch']
        if r.get('framework') == 'swiftcnn' and r.get('openblas_core'):
            coretype = ISA_ENVIRONMENT[getattr(a, 'isa', 'native')]['swiftcnn'].get(
                'OPENBLAS_CORETYPE', os.environ.get('OPENBLAS_CORETYPE'))
            v['OpenBLAS kernels'] = r['openblas_core'] + (f" (OPENBLAS_CORETYPE={coretype})" if coretype else '')
        if r.get('framework') == 'swiftcnn' and r.get('kernel_isa'):
            v['SwiftCNN kernels'] = r['kernel_isa']
    v['Python'] = platform.python_version()
    try:
        import numpy
        v['NumPy'] = numpy.__version__
    except ImportError:
        pass
    return {k: s for k, s in v.items() if s}


def fmt_rate(x):
    if x is None:
        return '—'
    return f'{x:,.0f}' if x >= 100 else f'{x:,.1f}'


def fmt_ratio(x):
    return '—' if x is None else f'{x:.2f}×'


def paired_ratio(results, model, mode):
    """Median over rounds of SwiftCNN / max(Keras, PyTorch) within the round."""
    ratios = []
    for rnd in sorted({r['round'] for r in results if r['model'] == model and r['mode'] == mode}):
        here = {r['framework']: r['images_per_second'] for r in results
                if r['model'] == model and r['mode'] == mode and r['round'] == rnd and 'error' not in r}
        others = [here[fw] for fw in ('keras', 'torch') if fw in here]
        if 'swiftcnn' in here and others:
            ratios.append(here['swiftcnn'] / max(others))
    return statistics.median(ratios) if ratios else None


def summarize(results, models, modes, frameworks):
    """Rows of medians: (model, mode, {fw: (ips, rss)}, ratio, paired ratio, rss_ratio)."""
    rows = []
    for model in models:
        for mode in modes:
            cell = {}
            for fw in frameworks:
                ok = [r for r in results if r['model'] == model and r['mode'] == mode
                      and r['framework'] == fw and 'error' not in r]
                if ok:
                    cell[fw] = (statistics.median(r['images_per_second'] for r in ok),
                                statistics.median(r['peak_rss_mb'] for r in ok), len(ok))
            others = [cell[fw][0] for fw in ('keras', 'torch') if fw in cell]
            ratio = cell['swiftcnn'][0] / max(others) if 'swiftcnn' in cell and others else None
            rss_others = [cell[fw][1] for fw in ('keras', 'torch') if fw in cell]
            rss_ratio = cell['swiftcnn'][1] / min(rss_others) if 'swiftcnn' in cell and rss_others else None
            rows.append((model, mode, cell, ratio, paired_ratio(results, model, mode), rss_ratio))
    return rows


def text_table(rows, frameworks):
    head = ['model', 'mode'] + [f'{LABEL[f]} img/s' for f in frameworks] + ['ratio', 'paired']
    head += [f'{LABEL[f]} MB' for f in frameworks] + ['RSS ratio']
    lines = [head]
    for model, mode, cell, ratio, paired, rss_ratio in rows:
        line = [model, f'{mode} {BATCH[mode]}']
        line += [fmt_rate(cell[f][0]) if f in cell else '—' for f in frameworks]
        line.append(fmt_ratio(ratio))
        line.append(fmt_ratio(paired))
        line += [f'{cell[f][1]:,.0f}' if f in cell else '—' for f in frameworks]
        line.append(fmt_ratio(rss_ratio))
        lines.append(line)
    widths = [max(len(str(l[i])) for l in lines) for i in range(len(head))]
    out = []
    for k, l in enumerate(lines):
        out.append('  '.join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                             for i, (c, w) in enumerate(zip(l, widths))))
        if k == 0:
            out.append('  '.join('-' * w for w in widths))
    return '\n'.join(out)


def markdown(rows, frameworks, a, info, command):
    out = []
    out.append(f"Measured {info['date']} on {info['machine']}; {a.threads} threads each "
               f"(Keras: TF intra-op {a.threads}, inter-op {a.tf_inter_op or a.threads}), "
               f"median of {a.rounds} interleaved rounds, each framework in its own process. "
               'Images/second = batch / median step time; training with Adam at batch 32, '
               'prediction at batch 256; latency = prediction at batch 1 (img/s = 1 / median '
               'time per image; Keras times each batch inside one `predict` call, SwiftCNN and '
               'PyTorch each call); random CIFAR-shaped data. '
               'Ratio = SwiftCNN / the faster of Keras and PyTorch (of the medians); paired = the '
               'median over rounds of that ratio within each round; RSS ratio = SwiftCNN\'s '
               'peak resident memory / the lighter one\'s.'
               + (f' Instruction sets capped at {a.isa} for all three (bench.py ISA_ENVIRONMENT).'
                  if getattr(a, 'isa', 'native') != 'native' else ''))
    out.append('')
    out.append('Versions: ' + ', '.join(f'{k} {v}' for k, v in info['versions'].items()) + '.')
    out.append('')
    head = ['model', 'mode'] + [f'{LABEL[f]} img/s' for f in frameworks] + ['ratio', 'paired']
    head += [f'{LABEL[f]} peak MB' for f in frameworks] + ['RSS ratio']
    out.append('| ' + ' | '.join(head) + ' |')
    out.append('|' + '|'.join(['---', '---'] + ['---:'] * (len(head) - 2)) + '|')
    for model, mode, cell, ratio, paired, rss_ratio in rows:
        line = [model, f'{mode} {BATCH[mode]}']
        line += [fmt_rate(cell[f][0]) if f in cell else '—' for f in frameworks]
        line.append(f'**{fmt_ratio(ratio)}**' if ratio is not None else '—')
        line.append(fmt_ratio(paired))
        line += [f'{cell[f][1]:,.0f}' if f in cell else '—' for f in frameworks]
        line.append(fmt_ratio(rss_ratio))
        out.append('| ' + ' | '.join(line) + ' |')
    out.append('')
    out.append('Reproduce with:')
    out.append('')
    out.append('```')
    out.append(command)
    out.append('```')
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--swiftcnn', default=os.environ.get('SWIFTCNN_BIN')
                    or os.path.join(ROOT, '.build', 'release', 'swiftcnn'),
                    help='the swiftcnn executable (default: $SWIFTCNN_BIN, else .build/release/swiftcnn)')
    ap.add_argument('--models', default=','.join(MODELS), help='comma list (default: all six)')
    ap.add_argument('--modes', default='train,predict,latency',
                    help='comma list of train, predict (batch 256), latency (predict at batch 1)')
    ap.add_argument('--frameworks', default=','.join(FRAMEWORKS),
                    help='subset of swiftcnn,keras,torch')
    ap.add_argument('--rounds', type=int, default=3, help='interleaved rounds (default 3)')
    ap.add_argument('--scale', type=float, default=1.0,
                    help='multiply the default timed steps (e.g. 0.05 for a quick check)')
    ap.add_argument('--steps', type=int, help='timed steps for every model and mode')
    ap.add_argument('--warmup', type=int, help='warm-up steps for every model and mode')
    ap.add_argument('--threads', type=int, default=2, help='threads for Keras and PyTorch (2)')
    ap.add_argument('--tf-inter-op', type=int, default=None,
                    help="TF inter-op threads (default: --threads, TF's default on that many cores)")
    ap.add_argument('--keras', choices=['3', 'legacy'], default='3',
                    help='Keras 3 (default) or tf-keras via TF_USE_LEGACY_KERAS=1')
    ap.add_argument('--pool', type=int, default=1024, help='distinct images held by Keras/PyTorch')
    ap.add_argument('--cpus', default=None,
                    help='pin every run to these CPUs, e.g. 0,1 (default: pin to the first '
                         '--threads CPUs when the machine has more, else no pinning)')
    ap.add_argument('--isa', choices=sorted(ISA_ENVIRONMENT), default='native',
                    help='native (default): each framework uses the best the CPU has; avx2: all three '
                         'capped at AVX2 with FMA, as on an AVX2-only CPU (see ISA_ENVIRONMENT)')
    ap.add_argument('--timeout', type=float, default=900, help='seconds per measurement')
    ap.add_argument('--markdown', help='write the table as markdown here')
    ap.add_argument('--out', help='append every measurement as a JSON line here')
    ap.add_argument('--replay', help='rebuild the tables from this --out file instead of measuring')
    a = ap.parse_args()
    if a.replay:
        return replay(a)

    models = [m.strip() for m in a.models.split(',') if m.strip()]
    modes = [m.strip() for m in a.modes.split(',') if m.strip()]
    frameworks = [f.strip().lower() for f in a.frameworks.split(',') if f.strip()]
    for m in models:
        if m not in MODELS:
            ap.error(f'unknown model {m}; known: {", ".join(MODELS)}')
    for m in modes:
        if m not in BATCH:
            ap.error(f'unknown mode {m}; known: train, predict, latency')
    for f in frameworks:
        if f not in FRAMEWORKS:
            ap.error(f'unknown framework {f}; known: {", ".join(FRAMEWORKS)}')
    if 'swiftcnn' in frameworks and not os.access(a.swiftcnn, os.X_OK):
        ap.error(f'no swiftcnn executable at {a.swiftcnn} (build it, or pass --swiftcnn / SWIFTCNN_BIN)')
    if a.cpus is None and (os.cpu_count() or 1) > a.threads:
        a.cpus = ','.join(str(c) for c in sorted(os.sched_getaffinity(0))[:a.threads])

    info = {
        'date': datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z'),
        'machine': machine(),
    }
    command = os.environ.get('BENCH_COMMAND') or ' '.join(
        shlex.quote(s) for s in ['Tools/bench/run.sh'] + sys.argv[1:])
    print(f"{info['date']} · {info['machine']} · threads {a.threads}"
          f"{' · pinned to CPUs ' + a.cpus if a.cpus else ''} · Keras "
          f"{'3' if a.keras == '3' else 'legacy (tf-keras)'} · {a.rounds} rounds"
          f"{' · instruction sets capped at ' + a.isa if a.isa != 'native' else ''}", flush=True)

    load = os.getloadavg()[0]
    if load > 0.5:
        print(f'warning: load average {load:.1f} before starting; other processes on these CPUs '
              'make the numbers noisy (PyTorch with 2 OpenMP threads slows down several-fold '
              'when a core is taken)', flush=True)

    results = []
    for model in models:
        for mode in modes:
            steps, warmup = STEPS[mode][model]
            steps = a.steps or max(3, round(steps * a.scale))
            warmup = a.warmup if a.warmup is not None else max(1, min(warmup, steps))
            print(f'\n{model} {mode} (batch {BATCH[mode]}, {steps} timed steps after {warmup} warm-up)',
                  flush=True)
            for rnd in range(1, a.rounds + 1):
                for fw in frameworks:
                    r = run_one(fw, model, mode, steps, warmup, a)
                    r.update({'framework': fw, 'model': model, 'mode': mode, 'round': rnd})
                    results.append(r)
                    if 'error' in r:
                        print(f'  round {rnd}  {LABEL[fw]:<8}  FAILED {r["error"]}', flush=True)
                    else:
                        mean = r.get('images_per_second_mean')
                        extra = f'  (mean {fmt_rate(mean)})' if mean else ''
                        print(f'  round {rnd}  {LABEL[fw]:<8} {fmt_rate(r["images_per_second"]):>9} img/s'
                              f'  {r["ms_per_step"]:9.2f} ms/step  peak {r["peak_rss_mb"]:6.0f} MB'
                              f'  {r["wall_s"]:5.1f} s{extra}', flush=True)
                    if a.out:
                        with open(a.out, 'a') as f:
                            f.write(json.dumps({**r, 'date': info['date'], 'machine': info['machine']}) + '\n')

    info['versions'] = versions(a, results)
    rows = summarize(results, models, modes, frameworks)
    print(f'\nMedians of {a.rounds} rounds (images/second; ratio = SwiftCNN / max(Keras, PyTorch); '
          'peak RSS in MB; RSS ratio = SwiftCNN / min(Keras, PyTorch))\n')
    print(text_table(rows, frameworks))
    print('\n' + ', '.join(f'{k} {v}' for k, v in info['versions'].items()))
    if a.markdown:
        with open(a.markdown, 'w') as f:
            f.write(markdown(rows, frameworks, a, info, command))
        print(f'markdown table written to {a.markdown}')
    failed = [r for r in results if 'error' in r]
    return 1 if failed else 0


def replay(a):
    """The tables of a finished run, from its --out file (its first date and machine)."""
    with open(a.replay) as f:
        results = [json.loads(line) for line in f if line.strip()]
    if not results:
        sys.exit(f'{a.replay}: no measurements')
    models = [m for m in MODELS if any(r['model'] == m for r in results)]
    modes = [m for m in BATCH if any(r['mode'] == m for r in results)]
    frameworks = [f for f in FRAMEWORKS if any(r['framework'] == f for r in results)]
    a.rounds = max(r['round'] for r in results)
    info = {'date': results[0].get('date', '?'), 'machine': results[0].get('machine', '?'),
            'versions': versions(a, results)}
    command = os.environ.get('BENCH_COMMAND') or 'Tools/bench/run.sh'
    rows = summarize(results, models, modes, frameworks)
    print(text_table(rows, frameworks))
    if a.markdown:
        with open(a.markdown, 'w') as f:
            f.write(markdown(rows, frameworks, a, info, command))
        print(f'markdown table written to {a.markdown}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

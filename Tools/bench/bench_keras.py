"""One Keras measurement (one model, one mode) in this process; prints one `RESULT {json}` line.

Adapted from ../../../shared/reference/bench_keras.py (the protocol behind the figures in the
issues), changed so that the three frameworks measure the same thing as `swiftcnn bench`:

  * data: a pool of POOL random CIFAR-shaped images (float32 in [0, 1], labels 0..9), cycled
    (reshuffled each pass) for as many steps as asked, so the process's peak RSS is the
    framework's, not a large data array's;
  * train: compile as the course does (Adam, SparseCategoricalCrossentropy(from_logits=False),
    sparse_categorical_accuracy), fit WARMUP steps untimed, then fit STEPS timed steps;
  * predict: model.predict(batch_size=BATCH) over WARMUP batches untimed, then STEPS batches;
  * every step is timed (batch-end to batch-end, from a callback): images_per_second is
    batch / median step, as swiftcnn bench reports it; images_per_second_mean is
    steps * batch / total time.

Keras 3 (TF 2.21's default `tf.keras`) unless TF_USE_LEGACY_KERAS=1 is set with tf-keras
installed (the Keras 2 line, the course's API). Threads: --threads sets TensorFlow's intra-op
pool, --inter-op its inter-op pool (default: the same number, which is TF's own default on a
machine with that many cores).

    python bench_keras.py --model LeNet5 --mode train --batch-size 32 --steps 200 --warmup 10
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
    ap.add_argument('--inter-op', type=int, default=None, help='default: --threads')
    a = ap.parse_args()

    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.inter_op or a.threads)
    keras = tf.keras
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import keras_models
    rss_import = rss_mb()

    legacy = os.environ.get('TF_USE_LEGACY_KERAS') == '1'
    try:
        if legacy:
            import tf_keras as keras_package
        else:
            import keras as keras_package
        keras_version = keras_package.__version__
    except (ImportError, AttributeError):
        keras_version = '?'

    bs = a.batch_size
    pool = max(bs, a.pool // bs * bs)
    rng = np.random.default_rng(0)
    x = rng.random((pool, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 10, size=(pool, 1)).astype(np.int64)

    model = keras_models.build(a.model)
    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=['sparse_categorical_accuracy'])

    class StepTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.stamps = []

        def _stamp(self):
            self.stamps.append(time.perf_counter())

        def on_train_begin(self, logs=None):
            self._stamp()

        def on_predict_begin(self, logs=None):
            self._stamp()

        def on_train_batch_end(self, batch, logs=None):
            self._stamp()

        def on_predict_batch_end(self, batch, logs=None):
            self._stamp()

    if a.mode == 'train':
        ds = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(pool, seed=0)
              .batch(bs, drop_remainder=True).repeat().prefetch(2))
        if a.warmup > 0:
            model.fit(ds, epochs=1, steps_per_epoch=a.warmup, shuffle=False, verbose=0)
        timer = StepTimer()
        t0 = time.perf_counter()
        model.fit(ds, epochs=1, steps_per_epoch=a.steps, shuffle=False, verbose=0,
                  callbacks=[timer])
        total = time.perf_counter() - t0
    else:
        ds = tf.data.Dataset.from_tensor_slices(x).batch(bs, drop_remainder=True).repeat().prefetch(2)
        if a.warmup > 0:
            model.predict(ds, steps=a.warmup, verbose=0)
        timer = StepTimer()
        t0 = time.perf_counter()
        model.predict(ds, steps=a.steps, verbose=0, callbacks=[timer])
        total = time.perf_counter() - t0

    steps = [b - a_ for a_, b in zip(timer.stamps, timer.stamps[1:])]
    median = statistics.median(steps)
    result = {
        'framework': 'keras', 'model': a.model, 'mode': a.mode, 'batch_size': bs,
        'steps': len(steps), 'warmup': a.warmup, 'pool': pool,
        'images_per_second': bs / median,
        'images_per_second_mean': bs * len(steps) / total,
        'ms_per_step': median * 1e3,
        'mean_ms_per_step': total / len(steps) * 1e3,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        'rss_after_import_mb': rss_import,
        'threads': a.threads, 'inter_op': a.inter_op or a.threads,
        'tensorflow': tf.__version__, 'keras': str(keras_version),
        'keras_line': 'tf-keras (legacy Keras 2)' if legacy else 'Keras 3',
    }
    print('RESULT ' + json.dumps(result), flush=True)


if __name__ == '__main__':
    main()

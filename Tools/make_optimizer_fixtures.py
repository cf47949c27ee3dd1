"""Writes the optimizer, schedule and callback fixtures of Tests/SwiftCNNTests/Fixtures/keras
(optim_*.json, schedules.json, callbacks.json) and two Keras 3 weight files with optimizer
state (Fixtures/checkpoints/keras3/optim_*.weights.h5), with Keras 3 itself (keras 3.15,
TensorFlow 2.21; run with the venv's python):

    /work/venv/bin/python Tools/make_optimizer_fixtures.py Tests/SwiftCNNTests/Fixtures

optim_<case>.json: a Dense(5, relu) -> Dense(3, softmax) model on 6 samples of 4 features,
its initial trainable weights and, per train_on_batch step, the learning rate the step used
(the optimizer's `learning_rate` before it), the loss and the weights after it.
schedules.json: schedule values at steps 0..12. callbacks.json: the learning rate, stop
flag and restored weights of each callback driven over a fixed list of epoch logs.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import json  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402
from keras.optimizers import schedules  # noqa: E402

opt = keras.optimizers

OPTIMIZERS = {
    "rmsprop_default": (lambda: opt.RMSprop(), 4),
    "rmsprop_momentum": (lambda: opt.RMSprop(learning_rate=0.01, momentum=0.9), 4),
    "rmsprop_centered_momentum": (
        lambda: opt.RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, epsilon=1e-6, centered=True), 4),
    "adamw_default": (lambda: opt.AdamW(), 4),
    "adamw_decay": (lambda: opt.AdamW(learning_rate=0.01, weight_decay=0.1, beta_1=0.8), 4),
    "adam_exponential": (lambda: opt.Adam(schedules.ExponentialDecay(0.01, 2, 0.5)), 5),
    "adam_exponential_staircase": (lambda: opt.Adam(schedules.ExponentialDecay(0.01, 2, 0.5, staircase=True)), 5),
    "sgd_cosine_warmup": (
        lambda: opt.SGD(schedules.CosineDecay(0.05, 3, alpha=0.1, warmup_target=0.1, warmup_steps=2), momentum=0.9), 7),
    "adamw_cosine": (lambda: opt.AdamW(schedules.CosineDecay(0.01, 4), weight_decay=0.05), 6),
    "rmsprop_exponential": (lambda: opt.RMSprop(schedules.ExponentialDecay(0.01, 3, 0.7), momentum=0.5), 4),
}

SCHEDULES = {
    "exponential": lambda: schedules.ExponentialDecay(0.1, 3, 0.96),
    "exponential_staircase": lambda: schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True),
    "cosine": lambda: schedules.CosineDecay(0.1, 10),
    "cosine_alpha": lambda: schedules.CosineDecay(0.2, 7, alpha=0.25),
    "cosine_warmup": lambda: schedules.CosineDecay(0.0, 6, alpha=0.1, warmup_target=0.3, warmup_steps=4),
}


def tensor(a):
    a = np.asarray(a, dtype=np.float32)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="relu"), layers.Dense(3, activation="softmax")])
    return m


def data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0, 2])
    return x, y


def optimizer_fixture(name, make, steps, directory):
    m = model()
    x, y = data()
    m.compile(optimizer=make(), loss="sparse_categorical_crossentropy")
    fixture = {"initial": [tensor(w) for w in m.get_weights()], "input": tensor(x), "labels": tensor(y), "steps": []}
    for _ in range(steps):
        rate = float(np.asarray(m.optimizer.learning_rate))
        loss = m.train_on_batch(x, y)
        fixture["steps"].append({"learning_rate": rate, "loss": float(loss), "weights": [tensor(w) for w in m.get_weights()]})
    with open(os.path.join(directory, "keras", f"optim_{name}.json"), "w") as f:
        json.dump(fixture, f)
    return m


def schedules_fixture(directory):
    out = {name: [float(np.asarray(make()(step))) for step in range(13)] for name, make in SCHEDULES.items()}
    with open(os.path.join(directory, "keras", "schedules.json"), "w") as f:
        json.dump(out, f, indent=1)


VAL_LOSS = [1.0, 0.9, 0.895, 0.9, 0.91, 0.85, 0.86, 0.849, 0.87, 0.88, 0.89, 0.9, 0.95, 0.7]
VAL_ACC = [0.1, 0.3, 0.35, 0.34, 0.36, 0.36, 0.2, 0.5, 0.5, 0.49, 0.48, 0.47, 0.6, 0.6]


def drive(callback, logs_per_epoch, lr=0.01):
    """fit's callback calls over these epoch logs; the kernel of the first layer is filled
    with epoch + 1 before each epoch ends, so restored weights name their epoch."""
    m = model()
    m.compile(optimizer=opt.SGD(lr), loss="sparse_categorical_crossentropy")
    callback.set_model(m)
    callback.on_train_begin()
    rates, stopped = [], None
    for epoch, logs in enumerate(logs_per_epoch):
        callback.on_epoch_begin(epoch)
        weights = m.get_weights()
        weights[0] = np.full_like(weights[0], epoch + 1)
        m.set_weights(weights)
        callback.on_epoch_end(epoch, dict(logs))
        rates.append(float(np.asarray(m.optimizer.learning_rate)))
        if m.stop_training:
            stopped = epoch
            break
    callback.on_train_end()
    return {"learning_rates": rates, "stopped_epoch": stopped, "final_marker": float(m.get_weights()[0].reshape(-1)[0])}


def callbacks_fixture(directory):
    losses = [{"val_loss": v, "loss": v + 0.1} for v in VAL_LOSS]
    accuracies = [{"val_acc": a, "loss": 1.0} for a in VAL_ACC]
    cases = {
        "reduce_default_patience2": (lambda: keras.callbacks.ReduceLROnPlateau(patience=2), losses, {"patience": 2}),
        "reduce_factor_cooldown_minlr": (
            lambda: keras.callbacks.ReduceLROnPlateau(
                factor=0.5, patience=1, min_delta=0.01, cooldown=2, min_lr=0.003), losses,
            {"factor": 0.5, "patience": 1, "min_delta": 0.01, "cooldown": 2, "min_lr": 0.003}),
        "reduce_max_mode": (
            lambda: keras.callbacks.ReduceLROnPlateau(monitor="val_acc", mode="max", factor=0.2, patience=1), accuracies,
            {"monitor": "val_acc", "mode": "max", "factor": 0.2, "patience": 1}),
        "early_patience2": (lambda: keras.callbacks.EarlyStopping(patience=2), losses, {"patience": 2}),
        "early_restore_min_delta": (
            lambda: keras.callbacks.EarlyStopping(patience=3, min_delta=0.01, restore_best_weights=True), losses,
            {"patience": 3, "min_delta": 0.01, "restore_best_weights": True}),
        "early_baseline": (
            lambda: keras.callbacks.EarlyStopping(patience=2, baseline=0.86, restore_best_weights=True), losses,
            {"patience": 2, "baseline": 0.86, "restore_best_weights": True}),
        "early_start_from_epoch": (
            lambda: keras.callbacks.EarlyStopping(patience=1, start_from_epoch=4, restore_best_weights=True), losses,
            {"patience": 1, "start_from_epoch": 4, "restore_best_weights": True}),
        "early_max_mode": (
            lambda: keras.callbacks.EarlyStopping(monitor="val_acc", mode="max", patience=2, restore_best_weights=True),
            accuracies, {"monitor": "val_acc", "mode": "max", "patience": 2, "restore_best_weights": True}),
        "early_patience0": (lambda: keras.callbacks.EarlyStopping(), losses, {}),
        "scheduler_step": (
            lambda: keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.9), losses,
            {"schedule": "lr if epoch < 2 else lr * 0.9"}),
    }
    out = {}
    for name, (make, logs, arguments) in cases.items():
        result = drive(make(), logs)
        result["arguments"] = arguments
        result["logs"] = logs
        out[name] = result
    with open(os.path.join(directory, "keras", "callbacks.json"), "w") as f:
        json.dump(out, f, indent=1)


def main(directory):
    for name, (make, steps) in OPTIMIZERS.items():
        m = optimizer_fixture(name, make, steps, directory)
        if name in ("rmsprop_centered_momentum", "adamw_decay"):
            m.save_weights(os.path.join(directory, "checkpoints", "keras3", f"optim_{name}.weights.h5"))
    schedules_fixture(directory)
    callbacks_fixture(directory)


if __name__ == "__main__":
    main(sys.argv[1])

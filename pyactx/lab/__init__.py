"""Experiment code behind the notebooks and ``python -m pyactx demo``.

Everything here is plain NumPy plus pyactx (no deep-learning framework): a
multi-layer perceptron with a hand-written backward pass that accepts any
activation of the registry, two optimisers, a gradient-flow probe for deep
stacks, softmax / sigmoid output heads, gated feed-forward layers, an LSTM
cell, and two small data sets that need no network access.

Optional packages are imported only by the functions that need them:
scikit-learn (:func:`load_digits`), matplotlib (the ``plot_*`` helpers),
SciPy and PyTorch (the peers of :func:`speed_table`, skipped when missing).

Every function that draws random numbers takes a ``seed`` (default
:data:`SEED`), so each result is reproducible run to run.

The code lives in modules of one purpose each; every name the notebooks, the
demo and the tests use is re-exported here, so ``pyactx.lab.<name>`` works:

    activations    registry activations as (f, f') pairs, init rules, SEED, CORE
    data           the digits and the pydoc character data sets
    heads          softmax / sigmoid output heads: loss and gradient from the logits
    models         MLP, GatedMLP, layer_norm, ResidualMLP
    optim          SGD, Adam, the cosine learning-rate schedule
    training       train, fit, evaluate, the validation split, BLAS threads
    gradcheck      central differences and the check of a backward pass
    compare        tuned (fair) and plain comparisons of models
    depth          the depth sweep: plain against residual + LayerNorm
    gradient_flow  gradient probes of deep stacks
    zero_centred   zero-centred outputs and the zig-zag of gradient descent
    output_layer   naive softmax / BCE and the vocabulary logits
    lstm           an LSTM cell and its memory
    speed          the speed table against NumPy, SciPy and PyTorch
    text           plain-text tables and the progress bar
    plots          the ``plot_*`` figures
    transformer    the tiny character-level transformer of notebook 08
                   (not imported here: ``from pyactx.lab import transformer``)

``import pyactx`` imports none of this.
"""

from .activations import (CORE, SEED, activation_names, activation_pair, activation_params, default_init,
                          init_std, plot_domain, properties_table)
from .compare import (Comparison, TunedComparison, compare_activations, compare_gates, compare_models,
                      loss_concentration, n_params_str, tuned_activations, tuned_comparison, tuned_gates)
from .data import (CHAR_VOCAB, Dataset, binary_digits, char_corpus, char_ids, load_chars, load_digits,
                   unigram_entropy)
from .depth import DepthSweep, depth_sweep, tune_depth_lrs
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .gradient_flow import Probe, gradient_probe, layer_table, probe_table
from .heads import HEADS, predict_labels, sigmoid_cross_entropy, softmax_cross_entropy
from .lstm import LSTMCell, lstm_memory
from .models import (MLP, GatedMLP, ResidualMLP, gate_pair, layer_norm, layer_norm_backward, make_mlp,
                     n_parameters)
from .optim import SGD, Adam, adam_update_, cosine_lr, make_optimizer
from .output_layer import (mse_sigmoid_grad, naive_bce, naive_log_softmax, naive_softmax, vocabulary_logits,
                           with_warnings)
from .plots import (plot_bce, plot_comparison, plot_depth_sweep, plot_gallery, plot_gates, plot_jacobian,
                    plot_lr_curves, plot_lstm, plot_output_hist, plot_paired, plot_probes, plot_speed,
                    plot_tuned_curves, plot_vocab_outputs, plot_zigzag)
from .speed import machine_info, speed_table, speed_text
from .text import Progress, format_table
from .training import (blas_threads, evaluate, fit, flatten_params_, loss_and_grads, split_validation,
                       train)
from .zero_centred import ZigZag, output_stats, zigzag

from . import compare as _compare, plots as _plots, speed as _speed

# private helpers reached for from outside: lab._pm (notebook 06), lab._plt and lab._peers (the demo)
_mean_std, _pm = _compare._mean_std, _compare._pm
_plt, _peers = _plots._plt, _speed._peers

__all__ = [
    "SEED", "CORE", "activation_params", "activation_pair", "activation_names", "plot_domain", "default_init",
    "init_std", "properties_table",
    "Dataset", "load_digits", "binary_digits", "CHAR_VOCAB", "char_corpus", "char_ids",
    "load_chars", "unigram_entropy",
    "HEADS", "softmax_cross_entropy", "sigmoid_cross_entropy", "predict_labels",
    "MLP", "gate_pair", "GatedMLP", "layer_norm", "layer_norm_backward", "ResidualMLP", "make_mlp",
    "n_parameters",
    "SGD", "Adam", "adam_update_", "make_optimizer", "cosine_lr",
    "blas_threads", "loss_and_grads", "evaluate", "train", "flatten_params_", "split_validation", "fit",
    "numerical_gradient", "relative_error", "gradient_check",
    "TunedComparison", "loss_concentration", "n_params_str", "tuned_comparison", "tuned_activations",
    "tuned_gates", "Comparison", "compare_models", "compare_activations", "compare_gates",
    "DepthSweep", "tune_depth_lrs", "depth_sweep",
    "Probe", "gradient_probe", "layer_table", "probe_table",
    "output_stats", "ZigZag", "zigzag",
    "naive_softmax", "naive_log_softmax", "with_warnings", "vocabulary_logits", "naive_bce", "mse_sigmoid_grad",
    "LSTMCell", "lstm_memory",
    "machine_info", "speed_table", "speed_text",
    "format_table", "Progress",
    "plot_lr_curves", "plot_tuned_curves", "plot_paired", "plot_depth_sweep", "plot_gallery", "plot_probes",
    "plot_output_hist", "plot_zigzag", "plot_comparison", "plot_speed", "plot_vocab_outputs", "plot_jacobian",
    "plot_lstm", "plot_gates", "plot_bce",
]

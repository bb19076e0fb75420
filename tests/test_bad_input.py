"""Bad input as new users give it: every case exits 2 with exactly one line on stderr naming the key, file or
option and what was expected, with no traceback, before Ray starts, leaving a stored sweep byte-identical."""

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.io

from latentsweep import cli
from latentsweep.orchestrator import session

from .data.files import write_idx_folder, write_npz
from .data.idx_files import idx_bytes

BASE = """
name = "stored"
seeds = 1

[data]
dataset = "digits"

[[representations]]
kind = "dense-vae"
latent_dim = 3
epochs = 1
hidden = [16]

[classifier]
hidden = [16]
epochs = 1
batch_size = 20

[budget]
initial = 20
batch = 10
iterations = 1

[[strategies.list]]
uncertainty = "margin"
"""

TUNE = """
name = "stored"
seeds = 1
[data]
dataset = "digits"
[[representations]]
kind = "pixels"
[budget]
initial = 20
batch = 10
iterations = 1
[tune]
trials = 2
[tune.fixed]
batch = "greedy"
representativeness = "density-cosine"
[tune.space]
gamma = [0.0, 1.0]
"""

INITIAL = """
name = "table1"
samplers = ["random"]
sizes = [20]
variants = ["balanced"]
[data]
dataset = "digits"
[[autoencoders]]
kind = "cae"
epochs = 1
width = 0.125
"""


@pytest.fixture(scope="module")
def stored_sweep(tmp_path_factory):
    """A real finished sweep (named 'stored'), run once; every case gets a copy of its results folder."""
    from .conftest import start_local_ray

    start_local_ray()
    folder = tmp_path_factory.mktemp("stored")
    config = folder / "stored.toml"
    config.write_text(textwrap.dedent(BASE))
    assert cli.main(["run", str(config), "--results", str(folder / "results"), "--quiet"]) == 0
    return folder / "results"


def checksums(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def edit(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def config_case(text, *changes, command="run", name="bad.toml"):
    """A case whose input is a config file (BASE edited); returns (files, argv builder)."""

    def build(tmp):
        path = tmp / name
        path.write_text(textwrap.dedent(edit(textwrap.dedent(text), *changes)))
        return [command, str(path)]

    return build


def data(extra: str, dataset: str, path_writer, config=BASE, command="run"):
    """A sweep (or the `command` of another config) on data files written by `path_writer(tmp) -> path`."""

    def build(tmp):
        path = path_writer(tmp)
        text = edit(textwrap.dedent(config), ('dataset = "digits"', f'dataset = "{dataset}"\npath = "{path}"\n{extra}'))
        config_path = tmp / "bad.toml"
        config_path.write_text(text)
        return [command, str(config_path)]

    return build


def raw(content: bytes, command="run"):
    def build(tmp):
        path = tmp / "bad.toml"
        path.write_bytes(content)
        return [command, str(path)]

    return build


def plugin(source: str, entry: str | None = None):
    def build(tmp):
        (tmp / "plug.py").write_text(source)
        name = entry or "plug.py"
        config = tmp / "bad.toml"
        config.write_text(f'plugins = ["{name}"]\n' + textwrap.dedent(BASE))
        return ["run", str(config)]

    return build


def idx_folder(mutate):
    def writer(tmp):
        folder = write_idx_folder(tmp / "idx")
        mutate(folder)
        return folder

    return writer


def npz_file(**arrays):
    def writer(tmp):
        path = tmp / "data.npz"
        np.savez(path, **arrays)
        return path

    return writer


def file_bytes(name, content: bytes):
    def writer(tmp):
        path = tmp / name
        path.write_bytes(content)
        return path

    return writer


def svhn_folder(train=None, test=True):
    def writer(tmp):
        folder = tmp / "svhn"
        folder.mkdir()
        if train is not None:
            scipy.io.savemat(folder / "train_32x32.mat", train)
        if test:
            images = np.zeros((32, 32, 3, 4), np.uint8)
            scipy.io.savemat(folder / "test_32x32.mat", {"X": images, "y": np.arange(1, 5).reshape(4, 1)})
        return folder

    return writer


def embeddings_file(**arrays):
    def writer(tmp):
        path = tmp / "vectors.npz"
        base = {"pool": np.random.default_rng(0).random((60, 4)), "pool_labels": np.arange(60) % 3}
        base.update(arrays)
        np.savez(path, **{k: v for k, v in base.items() if v is not None})
        return path

    return writer


def parquet_file(table):
    def writer(tmp):
        path = tmp / "vectors.parquet"
        pq.write_table(table, path)
        return path

    return writer


def damaged(mutate, command="run"):
    """A case on the stored sweep with one of its files damaged (the damage itself is the user's)."""

    def build(tmp):
        mutate(tmp / "results")
        config = tmp / "stored.toml"
        config.write_text(textwrap.dedent(BASE))
        return [command, str(config)]

    return build


def truncate_trials(root):
    path = next((root / "stored" / "trials").glob("*.parquet"))
    path.write_bytes(path.read_bytes()[:40])


def cache_meta(root, content):
    meta = next((root / ".cache" / "representations").glob("*/meta.json"))
    meta.write_text(content)


def options(*argv):
    return lambda tmp: list(argv)


def with_config(*argv, text=BASE):
    def build(tmp):
        config = tmp / "stored.toml"
        config.write_text(textwrap.dedent(text))
        return [a.replace("{config}", str(config)).replace("{tmp}", str(tmp)) for a in argv]

    return build


sorted_npz = lambda tmp: write_npz(tmp / "sorted.npz")  # noqa: E731


def odd_side(tmp):
    """conv-vae on 7x7 images."""
    argv = data("", "npz", npz_file(x=np.zeros((200, 7, 7), np.uint8), y=np.arange(200) % 2))(tmp)
    config = tmp / "bad.toml"
    config.write_text(config.read_text().replace('"dense-vae"', '"conv-vae"'))
    return argv


def huge_labels(folder):
    labels = np.full(297, 10**9, dtype=">i4")
    header = bytes([0, 0, 0x0C, 1]) + (297).to_bytes(4, "big")
    (folder / "t10k-labels-idx1-ubyte").write_bytes(header + labels.tobytes())


greedy = '[[strategies.list]]\nuncertainty = "margin"\nbatch = "greedy"\n'

CASES = {
    # the config file itself
    "missing config": (options("run", "/no/such/config.toml"), "config file not found"),
    "a folder as config": (lambda tmp: ["run", str(tmp)], "is a folder, expected a TOML config file"),
    "a folder as initial config": (lambda tmp: ["initial", str(tmp)], "is a folder, expected a TOML config file"),
    "latin-1 config": (raw('name = "caf\xe9"\n'.encode("latin-1")), "not UTF-8 text (byte 0xe9 on line 1)"),
    "latin-1 plan": (raw('name = "caf\xe9"\n'.encode("latin-1"), "plan"), "not UTF-8 text"),
    "latin-1 initial": (raw('name = "caf\xe9"\n'.encode("latin-1"), "initial"), "not UTF-8 text"),
    "utf-16 config": (raw('name = "x"\n'.encode("utf-16")), "is UTF-16 text; save it as UTF-8"),
    "utf-16 tune": (raw('name = "x"\n'.encode("utf-16"), "tune"), "is UTF-16 text"),
    "gzip config": (raw(gzip.compress(BASE.encode())), "is gzip-compressed"),
    "gzip initial": (raw(gzip.compress(BASE.encode()), "initial"), "is gzip-compressed"),
    "invalid toml": (raw(b"name = \n"), "not valid TOML"),
    "empty config": (raw(b""), "name: missing"),
    "a tune config to run": (config_case(TUNE), "a tune config; run it with `latentsweep tune`"),
    "an initial config to run": (config_case(INITIAL), "a initial config; run it with `latentsweep initial`"),
    "a sweep config to tune": (config_case(BASE, command="tune"), "a sweep config; run it with `latentsweep run`"),
    # top level
    "unknown key": (config_case(BASE, ('name = "stored"', 'name = "stored"\ncolour = "red"')), "colour: unknown key"),
    "missing name": (config_case(BASE, ('name = "stored"\n', "")), "name: missing"),
    "name with ..": (config_case(BASE, ('"stored"', '"../elsewhere"')), "name = '../elsewhere': expected"),
    "absolute name": (config_case(BASE, ('"stored"', '"/tmp/x"')), "name = '/tmp/x': expected"),
    "name with a space": (config_case(BASE, ('"stored"', '"a b"')), "name = 'a b': expected"),
    "empty name": (config_case(BASE, ('"stored"', '""')), "name = '': expected"),
    "name a number": (config_case(BASE, ('"stored"', "3")), "name = 3: expected a string"),
    "seeds a string": (config_case(BASE, ("seeds = 1", 'seeds = "x"')), "seeds = 'x': expected a count >= 1"),
    "seeds zero": (config_case(BASE, ("seeds = 1", "seeds = 0")), "seeds = 0: expected an integer in 1..100000"),
    "negative seed": (config_case(BASE, ("seeds = 1", "seeds = [-5]")), "seeds[0] = -5: expected an integer in 0.."),
    "huge seed": (
        config_case(BASE, ("seeds = 1", "seeds = [1180591620717411303424]")),
        "seeds[0] = 1180591620717411303424: expected an integer in 0..",
    ),
    "repeated seeds": (config_case(BASE, ("seeds = 1", "seeds = [1, 1]")), "expected distinct seeds"),
    "no seeds": (config_case(BASE, ("seeds = 1", "seeds = []")), "seeds = []: expected a count"),
    "fractional seed": (config_case(BASE, ("seeds = 1", "seeds = [1.5]")), "seeds[0] = 1.5: expected an integer"),
    "plugins not a list": (
        config_case(BASE, ("seeds = 1", 'seeds = 1\nplugins = "x.py"')),
        "plugins = 'x.py': expected a list",
    ),
    "empty plugin": (
        config_case(BASE, ("seeds = 1", 'seeds = 1\nplugins = [""]')),
        "plugins[0] = '': expected a module name",
    ),
    "relative plugin module": (plugin("", ".relative"), "plugins: '.relative': expected a module name"),
    "missing plugin file": (plugin("", "missing.py"), "missing.py: file not found"),
    "plugin raising": (plugin("raise RuntimeError('broken plugin')"), "plug.py: RuntimeError: broken plugin"),
    "plugin exiting": (plugin("import sys\nsys.exit(3)"), "plug.py: exited with code 3 while being imported"),
    "plugin with a syntax error": (plugin("def (:\n"), "plug.py: SyntaxError"),
    "plugin importing nothing": (plugin("", "no_such_module_xyz"), "No module named 'no_such_module_xyz'"),
    "unknown baseline": (
        config_case(BASE, ("seeds = 1", 'seeds = 1\nbaselines = ["oracle"]')),
        "baselines[0] = 'oracle'",
    ),
    # [data]
    "data not a table": (config_case(BASE, ('[data]\ndataset = "digits"', "data = 3")), "data = 3: expected a table"),
    "dataset missing": (config_case(BASE, ('dataset = "digits"', "")), "data.dataset: missing"),
    "unknown dataset": (config_case(BASE, ('"digits"', '"cifar"')), "data.dataset = 'cifar': expected one of"),
    "mnist without path": (config_case(BASE, ('"digits"', '"mnist"')), "data.path: missing; data set 'mnist'"),
    "missing path": (
        config_case(BASE, ('"digits"', '"npz"\npath = "/no/such.npz"')),
        "data.path = '/no/such.npz': no such",
    ),
    "path a number": (config_case(BASE, ('"digits"', '"npz"\npath = 5')), "data.path = 5: expected a string"),
    "validation size a string": (
        config_case(BASE, ('"digits"', '"digits"\nvalidation_size = "10"')),
        "data.validation_size = '10'",
    ),
    "validation size zero": (
        config_case(BASE, ('"digits"', '"digits"\nvalidation_size = 0')),
        "data.validation_size = 0",
    ),
    "validation size negative": (
        config_case(BASE, ('"digits"', '"digits"\nvalidation_size = -3')),
        "data.validation_size = -3",
    ),
    "validation size 1.5": (
        config_case(BASE, ('"digits"', '"digits"\nvalidation_size = 1.5')),
        "data.validation_size = 1.5",
    ),
    "validation larger than the data": (
        config_case(BASE, ('"digits"', '"digits"\nvalidation_size = 5000')),
        "validation size 5000 must lie in 1..1436",
    ),
    "validation too small for the classes": (
        config_case(BASE, ('"digits"', '"digits"\nvalidation_size = 3')),
        "the validation part lacks class(es)",
    ),
    "unknown split": (
        config_case(BASE, ('"digits"', '"digits"\nsplit = "random"')),
        "data.split = 'random': expected one of first, last, stratified",
    ),
    "negative split seed": (config_case(BASE, ('"digits"', '"digits"\nsplit_seed = -1')), "data.split_seed = -1"),
    "test fraction 2": (config_case(BASE, ('"digits"', '"digits"\ntest_fraction = 2.0')), "data.test_fraction = 2.0"),
    "unknown data key": (config_case(BASE, ('"digits"', '"digits"\nfolder = "x"')), "data.folder: unknown key"),
    # [[representations]]
    "representations missing": (
        config_case(BASE, ('[[representations]]\nkind = "dense-vae"\nlatent_dim = 3\nepochs = 1\nhidden = [16]\n', "")),
        "representations: missing",
    ),
    "representations empty": (
        config_case(
            BASE,
            ('[[representations]]\nkind = "dense-vae"\nlatent_dim = 3\nepochs = 1\nhidden = [16]\n', ""),
            ("seeds = 1", "seeds = 1\nrepresentations = []"),
        ),
        "representations = []: expected one or more",
    ),
    "kind missing": (config_case(BASE, ('kind = "dense-vae"\n', "")), "representations[0].kind: missing"),
    "unknown kind": (config_case(BASE, ('"dense-vae"', '"gan"')), "representations[0].kind = 'gan': expected one of"),
    "latent dim zero": (config_case(BASE, ("latent_dim = 3", "latent_dim = 0")), "representations[0].latent_dim = 0"),
    "latent dim 10^12": (
        config_case(BASE, ("latent_dim = 3", "latent_dim = 1000000000000")),
        "representations[0].latent_dim = 1000000000000",
    ),
    "latent dim a string": (
        config_case(BASE, ("latent_dim = 3", 'latent_dim = "x"')),
        "representations[0].latent_dim = 'x'",
    ),
    "negative epochs": (
        config_case(BASE, ("epochs = 1\nhidden = [16]", "epochs = -1\nhidden = [16]")),
        "representations[0].epochs = -1",
    ),
    "hidden zero": (
        config_case(BASE, ("hidden = [16]\n\n[classifier]", "hidden = [0]\n\n[classifier]")),
        "representations[0].hidden[0] = 0",
    ),
    "infinite learning rate": (
        config_case(BASE, ("hidden = [16]\n\n[classifier]", "hidden = [16]\nlearning_rate = inf\n\n[classifier]")),
        "representations[0].learning_rate = inf: expected a finite number",
    ),
    "negative kl weight": (
        config_case(BASE, ("hidden = [16]\n\n[classifier]", "hidden = [16]\nkl_weight = -1\n\n[classifier]")),
        "representations[0].kl_weight = -1",
    ),
    "perplexity 1": (
        config_case(BASE, ("hidden = [16]\n\n[classifier]", "hidden = [16]\nperplexity = 1\n\n[classifier]")),
        "representations[0].perplexity = 1",
    ),
    "unknown representation init": (
        config_case(BASE, ("hidden = [16]\n\n[classifier]", 'hidden = [16]\ninit = "jax"\n\n[classifier]')),
        "representations[0].init = 'jax': expected one of keras, torch",
    ),
    "unknown representation key": (
        config_case(BASE, ("latent_dim = 3", "latent_dim = 3\nlatnt = 2")),
        "representations[0].latnt: unknown key",
    ),
    "embeddings kind on images": (
        config_case(BASE, ('"dense-vae"', '"embeddings"')),
        "representations[0].kind = 'embeddings': needs vectors",
    ),
    "conv vae on an odd side": (
        odd_side,
        "representations[0].kind = 'conv-vae': needs square images of an even side >= 4; npz has 7x7",
    ),
    # [classifier]
    "classifier hidden empty": (
        config_case(BASE, ("[classifier]\nhidden = [16]", "[classifier]\nhidden = []")),
        "classifier.hidden = []",
    ),
    "dropout 1": (config_case(BASE, ("batch_size = 20", "batch_size = 20\ndropout = 1.0")), "classifier.dropout = 1.0"),
    "negative dropout": (
        config_case(BASE, ("batch_size = 20", "batch_size = 20\ndropout = -0.1")),
        "classifier.dropout = -0.1",
    ),
    "classifier epochs zero": (
        config_case(BASE, ("epochs = 1\nbatch_size = 20", "epochs = 0\nbatch_size = 20")),
        "classifier.epochs = 0",
    ),
    "batch size zero": (config_case(BASE, ("batch_size = 20", "batch_size = 0")), "classifier.batch_size = 0"),
    "classifier learning rate inf": (
        config_case(BASE, ("batch_size = 20", "batch_size = 20\nlearning_rate = inf")),
        "classifier.learning_rate = inf",
    ),
    "unknown classifier init": (
        config_case(BASE, ("batch_size = 20", "batch_size = 20\ninit = 'glorot'")),
        "classifier.init = 'glorot': expected one of keras, torch",
    ),
    "unknown classifier key": (
        config_case(BASE, ("batch_size = 20", "batch_size = 20\nlayers = 2")),
        "classifier.layers: unknown key",
    ),
    "classifier grid not lists": (
        config_case(BASE, ("batch_size = 20", "batch_size = 20\n[classifier.grid]\nhidden = 3")),
        "classifier.grid.hidden = 3: expected a list",
    ),
    # [classifier] kinds
    "unknown classifier kind": (
        config_case(BASE, ("[classifier]", "[classifier]\nkind = 'svm'")),
        "classifier.kind = 'svm': expected one of ensemble, logistic, mlp, self-training, sklearn",
    ),
    "a classifier key its kind does not use": (
        config_case(BASE, ("[classifier]", "[classifier]\nkind = 'logistic'")),
        "classifier.hidden: not used by classifier kind 'logistic'",
    ),
    "an ensemble of one": (
        config_case(BASE, ("[classifier]", "[classifier]\nkind = 'ensemble'\nmembers = 1")),
        "classifier.members = 1: expected an integer in [2, 100]",
    ),
    "an estimator that does not import": (
        config_case(
            BASE,
            (
                "[classifier]\nhidden = [16]\nepochs = 1\nbatch_size = 20",
                "[classifier]\nkind = 'sklearn'\nestimator = 'sklearn.svm.SVCX'",
            ),
        ),
        "classifier.estimator = 'sklearn.svm.SVCX': sklearn.svm has no class SVCX",
    ),
    "an estimator of a module that is not installed": (
        config_case(
            BASE,
            (
                "[classifier]\nhidden = [16]\nepochs = 1\nbatch_size = 20",
                "[classifier]\nkind = 'sklearn'\nestimator = 'xgboostx.XGBClassifier'",
            ),
        ),
        "classifier.estimator = 'xgboostx.XGBClassifier': cannot import xgboostx",
    ),
    "an estimator that is not a classifier": (
        config_case(
            BASE,
            (
                "[classifier]\nhidden = [16]\nepochs = 1\nbatch_size = 20",
                "[classifier]\nkind = 'sklearn'\nestimator = 'sklearn.linear_model.Ridge'",
            ),
        ),
        "classifier.estimator = 'sklearn.linear_model.Ridge': not a scikit-learn classifier",
    ),
    "an estimator without predict_proba": (
        config_case(
            BASE,
            (
                "[classifier]\nhidden = [16]\nepochs = 1\nbatch_size = 20",
                "[classifier]\nkind = 'sklearn'\nestimator = 'sklearn.svm.SVC'",
            ),
        ),
        "classifier.estimator = 'sklearn.svm.SVC': has no predict_proba (set probability = true)",
    ),
    "an estimator argument it does not take": (
        config_case(
            BASE,
            (
                "[classifier]\nhidden = [16]\nepochs = 1\nbatch_size = 20",
                "[classifier]\nkind = 'sklearn'\nestimator = 'sklearn.ensemble.RandomForestClassifier'\n"
                "params = { trees = 5 }",
            ),
        ),
        "classifier.params: sklearn.ensemble.RandomForestClassifier does not accept them",
    ),
    "an estimator argument out of range": (
        config_case(
            BASE,
            (
                "[classifier]\nhidden = [16]\nepochs = 1\nbatch_size = 20",
                "[classifier]\nkind = 'sklearn'\nestimator = 'sklearn.ensemble.RandomForestClassifier'\n"
                "params = { n_estimators = 0 }",
            ),
        ),
        "classifier.params: The 'n_estimators' parameter of RandomForestClassifier must be",
    ),
    "estimator for the mlp": (
        config_case(BASE, ("[classifier]", "[classifier]\nestimator = 'sklearn.svm.SVC'")),
        "classifier.estimator: not used by classifier kind 'mlp'",
    ),
    "BADGE with an SVC": (
        config_case(
            BASE,
            (
                "[classifier]\nhidden = [16]\nepochs = 1\nbatch_size = 20",
                "[classifier]\nkind = 'sklearn'\nestimator = 'sklearn.svm.SVC'\nparams = { probability = true }",
            ),
            ('uncertainty = "margin"', 'batch = "badge"'),
        ),
        "strategies: badge needs gradient_embedding, which classifier (SVC(probability=True), kind 'sklearn') does "
        "not provide",
    ),
    "vote entropy without a committee": (
        config_case(BASE, ('uncertainty = "margin"', 'uncertainty = "vote-entropy"')),
        "strategies: vote-entropy/top-k needs ensemble_probabilities, which classifier (MLP 16, dropout 0.2, kind "
        "'mlp') does not provide",
    ),
    "tune: vote entropy without a committee": (
        config_case(
            TUNE, ("gamma = [0.0, 1.0]", "gamma = [0.0, 1.0]\nuncertainty = ['margin', 'vote-entropy']"), command="tune"
        ),
        "tune: uncertainty 'vote-entropy' needs ensemble_probabilities, which the classifier",
    ),
    "tune: a classifier field the kind does not use": (
        config_case(
            TUNE,
            ("gamma = [0.0, 1.0]", "gamma = [0.0, 1.0]\n[tune.space.classifier]\nmembers = [2, 4]"),
            command="tune",
        ),
        "tune.space.classifier.members: unknown key",
    ),
    # [budget]
    "initial zero": (config_case(BASE, ("initial = 20", "initial = 0")), "budget.initial = 0"),
    "batch zero": (config_case(BASE, ("batch = 10", "batch = 0")), "budget.batch = 0"),
    "negative iterations": (config_case(BASE, ("iterations = 1", "iterations = -1")), "budget.iterations = -1"),
    "fractional iterations": (config_case(BASE, ("iterations = 1", "iterations = 2.5")), "budget.iterations = 2.5"),
    "budget larger than the pool": (
        config_case(BASE, ("initial = 20", "initial = 5000")),
        "budget: 5000 + 1 x 10 = 5010 labels, but the pool of digits has 1137",
    ),
    "unknown budget key": (
        config_case(BASE, ("iterations = 1", "iterations = 1\nrounds = 2")),
        "budget.rounds: unknown key",
    ),
    "negative paid validation": (
        config_case(BASE, ("iterations = 1", "iterations = 1\nvalidation = -5")),
        "budget.validation = -5: expected an integer in [0, 10000000]",
    ),
    "paid validation beyond the pool": (
        config_case(BASE, ("iterations = 1", "iterations = 1\nvalidation = 1120")),
        "budget: 20 + 1 x 10 = 30 labels + 1120 paid validation, but the pool of digits has 1137",
    ),
    "budget and budgets": (
        config_case(BASE, ("[budget]", "[[budgets]]\nname = 'low'\ninitial = 10\n[budget]")),
        "budget: give one [budget] table or [[budgets]] tables, not both",
    ),
    "budgets without a name": (
        config_case(BASE, ("[budget]", "[[budgets]]")),
        "budgets[0].name: missing",
    ),
    "budgets with a bad name": (
        config_case(BASE, ("[budget]", "[[budgets]]\nname = 'a b'")),
        "budgets[0].name = 'a b': expected a name of 1-40 letters",
    ),
    "budgets with one name twice": (
        config_case(BASE, ("[budget]", "[[budgets]]\nname = 'low'\ninitial = 10\n[[budgets]]\nname = 'low'\n#")),
        "budgets[1].name = 'low': budgets[0] has that name already",
    ),
    "budgets buying the same labels": (
        config_case(
            BASE,
            (
                "[budget]",
                "[[budgets]]\nname = 'low'\ninitial = 20\nbatch = 10\niterations = 1\n[[budgets]]\nname = 'other'\n#",
            ),
        ),
        "budgets[1]: the same labels as budgets[0] ('low')",
    ),
    "a budget of the regimes beyond the pool": (
        config_case(
            BASE,
            ("[budget]", "[[budgets]]\nname = 'low'\ninitial = 10\niterations = 1\n[[budgets]]\nname = 'huge'"),
            ("initial = 20", "initial = 2000"),
        ),
        "budgets[1]: 2000 + 1 x 10 = 2010 labels, but the pool of digits has 1137",
    ),
    "unknown budgets key": (
        config_case(BASE, ("[budget]", "[[budgets]]\nname = 'low'\nsize = 3\n#")),
        "budgets[0].size: unknown key",
    ),
    # [data.imbalance]
    "imbalance without a rule": (
        config_case(BASE, ('dataset = "digits"', 'dataset = "digits"\n[data.imbalance]\nratio = 10')),
        "data.imbalance.rule: missing; expected one of paper, long-tail",
    ),
    "unknown imbalance rule": (
        config_case(BASE, ('dataset = "digits"', 'dataset = "digits"\n[data.imbalance]\nrule = "zipf"')),
        "data.imbalance.rule = 'zipf': expected one of paper, long-tail",
    ),
    "a long-tail ratio below 1": (
        config_case(
            BASE, ('dataset = "digits"', 'dataset = "digits"\n[data.imbalance]\nrule = "long-tail"\nratio = 0.5')
        ),
        "data.imbalance.ratio = 0.5: expected a number in [1, 1e+06]",
    ),
    "a key of the other imbalance rule": (
        config_case(
            BASE, ('dataset = "digits"', 'dataset = "digits"\n[data.imbalance]\nrule = "long-tail"\nper_class = 5')
        ),
        "data.imbalance.per_class: unknown key",
    ),
    "unknown long-tail order": (
        config_case(
            BASE, ('dataset = "digits"', 'dataset = "digits"\n[data.imbalance]\nrule = "long-tail"\norder = "size"')
        ),
        "data.imbalance.order = 'size': expected one of label, shuffle",
    ),
    "the paper's imbalance removing more than a class has": (
        config_case(
            BASE, ('dataset = "digits"', 'dataset = "digits"\n[data.imbalance]\nrule = "paper"\nper_class = 500')
        ),
        "data.imbalance.per_class = 500: digits: class 1 has",
    ),
    "imbalance in an initial config": (
        config_case(
            INITIAL, ('dataset = "digits"', 'dataset = "digits"\n[data.imbalance]\nrule = "paper"'), command="initial"
        ),
        "data.imbalance: unknown key",
    ),
    # [report] and metrics
    "unknown report metric": (
        config_case(BASE, ("[budget]", "[report]\nmetric = 'f1'\n[budget]")),
        "report.metric = 'f1': expected one of accuracy, balanced_accuracy, macro_f1",
    ),
    "unknown report key": (
        config_case(BASE, ("[budget]", "[report]\nbaseline = 'random'\n[budget]")),
        "report.baseline: unknown key",
    ),
    "unknown tune metric": (
        config_case(TUNE, ("trials = 2", "trials = 2\nmetric = 'auc'"), command="tune"),
        "tune.metric = 'auc': expected one of accuracy, balanced_accuracy, macro_f1",
    ),
    "report metric not a choice": (
        with_config("report", "{tmp}/results/stored", "--metric", "recall"),
        "--metric: invalid choice: 'recall'",
    ),
    # [strategies]
    "strategies missing": (
        config_case(BASE, ('[[strategies.list]]\nuncertainty = "margin"\n', "")),
        "strategies: missing",
    ),
    "strategies empty": (
        config_case(BASE, ('[[strategies.list]]\nuncertainty = "margin"\n', "[strategies]\n")),
        "strategies: expected a [strategies.grid]",
    ),
    "unknown uncertainty": (
        config_case(BASE, ('"margin"', '"margn"')),
        "strategies.list[0].uncertainty = 'margn': unknown name",
    ),
    "gamma 2": (config_case(BASE, ('"margin"', '"margin"\ngamma = 2')), "strategies.list[0].gamma = 2.0"),
    "negative gamma": (config_case(BASE, ('"margin"', '"margin"\ngamma = -0.1')), "strategies.list[0].gamma = -0.1"),
    "subsample zero": (
        config_case(BASE, ('"margin"', '"margin"\nsubsample = 0')),
        "strategies.list[0].subsample = 0.0",
    ),
    "subsample 1.5": (
        config_case(BASE, ('"margin"', '"margin"\nsubsample = 1.5')),
        "strategies.list[0].subsample = 1.5",
    ),
    "alpha + beta above 1": (
        config_case(
            BASE,
            ('"margin"', '"margin"\nbatch = "greedy"\nrepresentativeness = "density-cosine"\nalpha = 0.7\nbeta = 0.5'),
        ),
        "strategies.list[0].alpha + beta = 1.2",
    ),
    "beta without a measure": (
        config_case(BASE, ('"margin"', '"margin"\nbatch = "greedy"\nbeta = 0.5')),
        "beta = 0.5: a representativeness term needs",
    ),
    "unknown distance": (
        config_case(BASE, ('"margin"', '"margin"\nbatch = "greedy"\ndistance = "manhattan"')),
        "distance = 'manhattan': unknown name",
    ),
    "unknown batch rule": (config_case(BASE, ('"margin"', '"margin"\nbatch = "best"')), "batch = 'best': unknown name"),
    "unknown measure": (
        config_case(BASE, ('"margin"', '"margin"\nrepresentativeness = "nope"\ngamma = 0.5')),
        "representativeness = 'nope': unknown name",
    ),
    "unknown initial sampler": (
        config_case(BASE, ('"margin"', '"margin"\ninitial = "nope"')),
        "initial = 'nope': unknown name",
    ),
    "unknown strategy key": (
        config_case(BASE, ('"margin"', '"margin"\ncolour = "red"')),
        "strategies.list[0].colour: unknown key",
    ),
    "strategies list a table": (
        config_case(BASE, ('[[strategies.list]]\nuncertainty = "margin"', '[strategies.list]\nuncertainty = "margin"')),
        "strategies.list = a table: expected an array of tables",
    ),
    "gamma_end 2": (
        config_case(BASE, ('"margin"', '"margin"\nrepresentativeness = "density-cosine"\ngamma_end = 2')),
        "gamma_end = 2.0",
    ),
    "ends above 1": (
        config_case(
            BASE,
            (
                '"margin"',
                '"margin"\nbatch = "greedy"\nrepresentativeness = "density-cosine"\nalpha_end = 0.7\nbeta_end = 0.6',
            ),
        ),
        "alpha_end + beta_end = 1.3",
    ),
    "empty grid axis": (
        config_case(BASE, ('[[strategies.list]]\nuncertainty = "margin"', "[strategies.grid]\nuncertainty = []")),
        "strategies.grid.uncertainty = []",
    ),
    "posterior measure on pixels": (
        config_case(
            BASE, ('"dense-vae"', '"pixels"'), ('"margin"', '"margin"\nrepresentativeness = "kl-to-prior"\ngamma = 0.5')
        ),
        "needs posterior variances, which representations[0] (pixels)",
    ),
    "ae-error on pixels": (
        config_case(BASE, ('"dense-vae"', '"pixels"'), ('"margin"', '"margin"\ninitial = "ae-error"')),
        "needs an autoencoder's reconstruction errors",
    ),
    "greedy j-divergence on pixels": (
        config_case(
            BASE, ('"dense-vae"', '"pixels"'), ('uncertainty = "margin"', greedy + 'distance = "j-divergence"')
        ),
        "needs posterior variances",
    ),
    # [ray]
    "ray address garbage": (
        config_case(BASE, ("seeds = 1", 'seeds = 1\n[ray]\naddress = "garbage"')),
        "ray.address = 'garbage': expected 'auto', HOST:PORT",
    ),
    "ray address a number": (
        config_case(BASE, ("seeds = 1", "seeds = 1\n[ray]\naddress = 5")),
        "ray.address = 5: expected a string",
    ),
    "cpus per worker zero": (
        config_case(BASE, ("seeds = 1", "seeds = 1\n[ray]\ncpus_per_worker = 0")),
        "ray.cpus_per_worker = 0",
    ),
    "gpus per worker lots": (
        config_case(BASE, ("seeds = 1", 'seeds = 1\n[ray]\ngpus_per_worker = "lots"')),
        "ray.gpus_per_worker = 'lots': expected 'auto' or",
    ),
    "pack size zero": (config_case(BASE, ("seeds = 1", "seeds = 1\n[ray]\npack_size = 0")), "ray.pack_size = 0"),
    "max attempts zero": (
        config_case(BASE, ("seeds = 1", "seeds = 1\n[ray]\nmax_attempts = 0")),
        "ray.max_attempts = 0",
    ),
    "workers zero": (config_case(BASE, ("seeds = 1", "seeds = 1\n[ray]\nworkers = 0")), "ray.workers = 0"),
    "unknown ray key": (config_case(BASE, ("seeds = 1", "seeds = 1\n[ray]\ngpus = 1")), "ray.gpus: unknown key"),
    # data files
    "corrupt gz idx": (
        data(
            "validation_size = 300",
            "mnist",
            idx_folder(
                lambda f: (
                    (f / "train-labels-idx1-ubyte").unlink()
                    or (f / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
                )
            ),
        ),
        "train-labels-idx1-ubyte.gz: a damaged gzip file",
    ),
    "idx header claiming 2^31": (
        data(
            "validation_size = 300",
            "idx",
            idx_folder(
                lambda f: (f / "train-images-idx3-ubyte").write_bytes(
                    bytes([0, 0, 8, 3]) + (2**31).to_bytes(4, "big") * 2 + (4).to_bytes(4, "big")
                )
            ),
        ),
        "train-images-idx3-ubyte: truncated",
    ),
    "idx wrong magic": (
        data(
            "validation_size = 300",
            "idx",
            idx_folder(lambda f: (f / "train-images-idx3-ubyte").write_bytes(b"\x12\x34\x08\x03" + bytes(20))),
        ),
        "wrong IDX magic number",
    ),
    "idx trailing bytes": (
        data(
            "validation_size = 300",
            "idx",
            idx_folder(lambda f: (f / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(297)) + b"xx")),
        ),
        "t10k-labels-idx1-ubyte: 2 bytes after the data",
    ),
    "idx label count": (
        data(
            "validation_size = 300",
            "idx",
            idx_folder(lambda f: (f / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(1499)))),
        ),
        "train-labels-idx1-ubyte: 1499 labels for 1500 examples",
    ),
    "idx labels of 10^9": (
        data("validation_size = 300", "idx", idx_folder(huge_labels)),
        "t10k-labels-idx1-ubyte: label 1e+09 is out of range 0..99999",
    ),
    "idx train and test sizes differ": (
        data(
            "validation_size = 300",
            "idx",
            idx_folder(lambda f: (f / "t10k-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((297, 9, 9))))),
        ),
        "t10k-images-idx3-ubyte: images of (9, 9) pixels, but train-images-idx3-ubyte holds (8, 8)",
    ),
    "idx file missing": (
        data("validation_size = 300", "idx", idx_folder(lambda f: (f / "train-images-idx3-ubyte").unlink())),
        "train-images-idx3-ubyte[.gz]: file not found",
    ),
    "idx path a file": (data("", "idx", file_bytes("file.bin", b"x")), "data directory not found"),
    "random bytes as npz": (
        data("", "npz", file_bytes("data.npz", np.random.default_rng(0).bytes(300))),
        "data.npz: not an .npz archive",
    ),
    "npy as npz": (
        data("", "npz", lambda tmp: (np.save(tmp / "x.npy", np.zeros(3)), tmp / "x.npy")[1]),
        "x.npy: not an .npz archive (a single .npy array",
    ),
    "npz object arrays": (
        data("", "npz", npz_file(x=np.array([object()] * 3, dtype=object), y=np.zeros(3))),
        "data.npz: Object arrays cannot be loaded",
    ),
    "npz missing y": (data("", "npz", npz_file(x=np.zeros((10, 4, 4)))), "data.npz: missing the array 'y'"),
    "npz pixels above 1": (
        data("", "npz", npz_file(x=np.full((10, 4, 4), 2.0), y=np.zeros(10))),
        "float pixel values must lie in [0, 1]",
    ),
    "npz int32 images": (
        data("", "npz", npz_file(x=np.zeros((10, 4, 4), np.int32), y=np.zeros(10))),
        "expected uint8 or float images",
    ),
    "npz nan pixels": (
        data("", "npz", npz_file(x=np.full((10, 4, 4), np.nan), y=np.zeros(10))),
        "float pixel values must lie in [0, 1]",
    ),
    "npz fractional labels": (
        data("", "npz", npz_file(x=np.zeros((10, 4, 4)), y=np.full(10, 0.5))),
        "expected integer labels, got fractional values",
    ),
    "npz labels of 10^9": (
        data("", "npz", npz_file(x=np.zeros((10, 4, 4), np.uint8), y=np.full(10, 10**9))),
        "'y': label 1e+09 is out of range 0..99999",
    ),
    "npz x_test alone": (
        data("", "npz", npz_file(x=np.zeros((10, 4, 4)), y=np.zeros(10), x_test=np.zeros((2, 4, 4)))),
        "x_test and y_test must be given together",
    ),
    "npz test images of another size": (
        data(
            "", "npz", npz_file(x=np.zeros((10, 4, 4)), y=np.zeros(10), x_test=np.zeros((2, 5, 5)), y_test=np.zeros(2))
        ),
        "'x_test' images are (5, 5), 'x' images (4, 4)",
    ),
    "sorted npz with the first rule": (
        data('split = "first"\nvalidation_size = 200', "npz", sorted_npz),
        "the validation part lacks class(es)",
    ),
    "npz of flattened images": (
        data("", "npz", npz_file(x=np.zeros((60, 49), np.uint8), y=np.arange(60) % 3)),
        "got shape (60, 49) (flattened 7x7 images? save x.reshape(-1, 7, 7)",
    ),
    "npz of colour images": (
        data("", "npz", npz_file(x=np.zeros((60, 8, 8, 3), np.uint8), y=np.arange(60) % 3)),
        "got shape (60, 8, 8, 3) (colour images: convert them to greyscale first)",
    ),
    "npz of one class": (
        data("", "npz", npz_file(x=np.zeros((60, 4, 4), np.uint8), y=np.full(60, 3))),
        "npz: the pool holds only label 3; a classifier needs at least 2 classes",
    ),
    "embeddings of one class": (
        data("", "embeddings", embeddings_file(pool_labels=np.zeros(60, np.int64))),
        "the pool holds only label 0; a classifier needs at least 2 classes",
    ),
    "a study on embeddings of one class": (
        data("", "embeddings", embeddings_file(pool_labels=np.ones(60, np.int64)), config=TUNE, command="tune"),
        "the pool holds only label 1; a classifier needs at least 2 classes",
    ),
    "svhn train file missing": (data("", "svhn", svhn_folder()), "train_32x32.mat: file not found"),
    "svhn corrupt mat": (
        data(
            "",
            "svhn",
            lambda tmp: (svhn_folder()(tmp), (tmp / "svhn" / "train_32x32.mat").write_bytes(b"garbage"), tmp / "svhn")[
                2
            ],
        ),
        "train_32x32.mat: not a readable MATLAB file",
    ),
    "svhn wrong shape": (
        data("", "svhn", svhn_folder({"X": np.zeros((32, 32, 4)), "y": np.ones((4, 1))})),
        "'X' must have shape [H, W, 3, N]",
    ),
    "embeddings with nan": (
        data("", "embeddings", embeddings_file(pool=np.full((60, 4), np.nan))),
        "'pool': 240 values are NaN or infinite",
    ),
    "embeddings rows and labels differ": (
        data("", "embeddings", embeddings_file(pool_labels=np.arange(59) % 3)),
        "'pool_labels': 59 labels for 60 examples",
    ),
    "embeddings dimensions differ": (
        data("", "embeddings", embeddings_file(test=np.zeros((5, 3)), test_labels=np.zeros(5))),
        "'test' vectors have 3 dimensions, 'pool' has 4",
    ),
    "embeddings logvar shape": (
        data("", "embeddings", embeddings_file(pool_logvar=np.zeros((60, 3)))),
        "'pool_logvar' has shape (60, 3)",
    ),
    "embeddings unknown array": (
        data("", "embeddings", embeddings_file(features=np.zeros(3))),
        "unexpected array 'features'",
    ),
    "embeddings a single npy": (
        data("", "embeddings", lambda tmp: (np.save(tmp / "e.npy", np.zeros((3, 2))), tmp / "e.npy")[1]),
        "a single .npy holds one array",
    ),
    "embeddings empty folder": (
        data("", "embeddings", lambda tmp: (tmp / "empty").mkdir() or tmp / "empty"),
        "no .npy files",
    ),
    "parquet without labels": (
        data("", "embeddings", parquet_file(pa.table({"a": [1.0, 2.0]}))),
        "missing the column 'label'",
    ),
    "parquet ragged vectors": (
        data("", "embeddings", parquet_file(pa.table({"label": [0, 1], "v": [[1.0, 2.0], [1.0]]}))),
        "holds vectors of different lengths",
    ),
    "parquet bad split": (
        data(
            "", "embeddings", parquet_file(pa.table({"label": [0, 1], "split": ["pool", "train"], "v": [[1.0], [2.0]]}))
        ),
        "column 'split' holds 'train'",
    ),
    "parquet text column": (
        data("", "embeddings", parquet_file(pa.table({"label": [0, 1], "a": ["x", "y"]}))),
        "column 'a' is string, expected numbers",
    ),
    "an autoencoder on embeddings": (
        data("validation_size = 10", "embeddings", embeddings_file()),
        "representations[0].kind = 'dense-vae': needs images; data set 'embeddings' holds vectors",
    ),
    # options
    "workers zero option": (options("run", "x.toml", "--workers", "0"), "argument --workers: '0' must be at least 1"),
    "workers not a number": (
        options("run", "x.toml", "--workers", "x"),
        "argument --workers: 'x' is not a whole number",
    ),
    "unknown option": (options("run", "x.toml", "--colour"), "unrecognized arguments: --colour"),
    "no config argument": (options("run"), "the following arguments are required: config"),
    "no command": (options(), "the following arguments are required: command"),
    "unknown command": (options("walk"), "invalid choice: 'walk'"),
    "results a file": (with_config("run", "{config}", "--results", "{config}"), "the results folder is a file"),
    "results a file for plan": (
        with_config("plan", "{config}", "--results", "{config}"),
        "the results folder is a file",
    ),
    "address garbage": (
        with_config("run", "{config}", "--address", "garbage"),
        "--address = 'garbage': expected 'auto', HOST:PORT",
    ),
    "address with a bad port": (with_config("run", "{config}", "--address", "host:99999"), "--address = 'host:99999'"),
    "storage not a URL": (
        with_config("tune", "{config}", "--storage", "study.db", text=TUNE),
        "--storage study.db: expected a database URL",
    ),
    "at not numbers": (options("report", "/tmp", "--at", "x"), "argument --at: 'x': expected label counts"),
    "fraction above 1": (options("report", "/tmp", "--fraction", "2"), "argument --fraction: '2': expected a fraction"),
    "report on no folder": (options("report", "/no/such/sweep"), "/no/such/sweep: no such sweep folder"),
    "report on a folder that is not a sweep": (lambda tmp: ["report", str(tmp)], "not a sweep folder (no sweep.json)"),
    "report against a strategy the sweep lacks": (
        lambda tmp: ["report", str(tmp / "results" / "stored"), "--baseline", "marginn"],
        "--baseline 'marginn': no such strategy in",
    ),
    "report at a label count no curve has": (
        lambda tmp: ["report", str(tmp / "results" / "stored"), "--at", "15"],
        "--at 15: no learning curve has 15 labels; they have 20, 30",
    ),
    "explore an unknown representation": (
        lambda tmp: ["explore", str(tmp / "results" / "stored"), "--representation", "x"],
        "--representation x: not a cached representation",
    ),
    "compact a folder that is not a sweep": (lambda tmp: ["compact", str(tmp)], "not a sweep folder"),
    "fresh with a bad data setting": (
        with_config("run", "{config}", "--fresh", text=edit(BASE, ('"digits"', '"digits"\nvalidation_size = 5000'))),
        "validation size 5000",
    ),
    # a damaged results folder
    "truncated trials file": (damaged(truncate_trials), "damaged Parquet file; move it out of"),
    "truncated trials file for plan": (damaged(truncate_trials, "plan"), "damaged Parquet file"),
    "sweep.json not json": (
        damaged(lambda root: (root / "stored" / "sweep.json").write_text("{not json")),
        "sweep.json: damaged (JSONDecodeError)",
    ),
    "sweep.json another schema": (
        damaged(lambda root: (root / "stored" / "sweep.json").write_text('{"schema_version": 99}')),
        "results of schema version 99",
    ),
    "cached meta.json not json": (damaged(lambda root: cache_meta(root, "{oops")), "meta.json: damaged cache entry"),
    "cached meta.json not an entry": (damaged(lambda root: cache_meta(root, "[]")), "meta.json: damaged cache entry"),
    # tune
    "tune gamma out of range": (
        config_case(TUNE, ("gamma = [0.0, 1.0]", "gamma = [0.0, 2.0]"), command="tune"),
        "tune.space.gamma = [0.0, 2.0]",
    ),
    "tune unknown sampler": (
        config_case(TUNE, ("trials = 2", 'trials = 2\nsampler = "bayes"'), command="tune"),
        "tune.sampler = 'bayes'",
    ),
    "tune objective at without labels": (
        config_case(TUNE, ("trials = 2", 'trials = 2\nobjective = "at"'), command="tune"),
        "tune.objective_labels: missing",
    ),
    "tune trials zero": (config_case(TUNE, ("trials = 2", "trials = 0"), command="tune"), "tune.trials = 0"),
    "tune without space": (
        config_case(TUNE, ("[tune.space]\ngamma = [0.0, 1.0]", ""), command="tune"),
        "tune.space: expected at least one searched field",
    ),
    "tune two representations": (
        config_case(
            TUNE, ('kind = "pixels"', 'kind = "pixels"\n[[representations]]\nkind = "dense-vae"'), command="tune"
        ),
        "exactly one [[representations]]",
    ),
    "tune posterior choice on pixels": (
        config_case(
            TUNE, ('representativeness = "density-cosine"', 'representativeness = "kl-to-prior"'), command="tune"
        ),
        "tune: representativeness 'kl-to-prior' needs posterior variances",
    ),
    # initial
    "initial per_class -1": (
        config_case(
            INITIAL,
            ('variants = ["balanced"]', 'variants = ["balanced"]\n[unbalanced]\nper_class = -1'),
            command="initial",
        ),
        "unbalanced.per_class = -1",
    ),
    "initial workers zero": (
        config_case(INITIAL, ("[data]", "[ray]\nworkers = 0\n[data]"), command="initial"),
        "ray.workers = 0",
    ),
    "initial classifier width zero": (
        config_case(INITIAL, ("[data]", "[classifier]\nwidth = 0\n[data]"), command="initial"),
        "classifier.width = 0",
    ),
    "initial unknown sampler": (
        config_case(INITIAL, ('samplers = ["random"]', 'samplers = ["randm"]'), command="initial"),
        "samplers[0] = 'randm': unknown initial selection",
    ),
    "initial unknown variant": (
        config_case(INITIAL, ('variants = ["balanced"]', 'variants = ["skewed"]'), command="initial"),
        "variants[0] = 'skewed'",
    ),
    "initial size zero": (config_case(INITIAL, ("sizes = [20]", "sizes = [0]"), command="initial"), "sizes[0] = 0"),
    "initial thesis vae": (
        config_case(INITIAL, ('kind = "cae"', 'kind = "conv-vae"'), command="initial"),
        "autoencoders[0].kind = 'conv-vae': expected one of cae, paper-vae, tsne-ae",
    ),
    "initial name with ..": (
        config_case(INITIAL, ('"table1"', '"../x"'), command="initial"),
        "name = '../x': expected",
    ),
    "initial absolute name": (
        config_case(INITIAL, ('"table1"', '"/tmp/x"'), command="initial"),
        "name = '/tmp/x': expected",
    ),
    "initial query set larger than the pool": (
        config_case(INITIAL, ("sizes = [20]", "sizes = [5000]"), command="initial"),
        "sizes: a query set of 5000 from the balanced pool of 1137",
    ),
}


def test_there_are_at_least_a_hundred_cases():
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_line_and_touches_nothing(case, stored_sweep, tmp_path, capsys, monkeypatch):
    build, expected = CASES[case]
    results = tmp_path / "results"
    shutil.copytree(stored_sweep, results)

    def no_ray(*args, **kwargs):
        raise AssertionError("Ray was started for bad input")

    monkeypatch.setattr(session, "ray_session", no_ray)  # run, tune and initial start Ray only through the session
    argv = build(tmp_path)
    if argv and argv[0] in ("run", "plan", "tune", "initial") and "--results" not in argv:
        argv = [*argv, "--results", str(results)]
    before = checksums(results)
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    error = captured.err
    assert error.count("\n") == 1 and error.startswith("latentsweep: error: "), error
    assert "Traceback" not in error
    assert expected in error, error
    assert checksums(results) == before  # nothing stored was moved, rewritten or deleted


def test_an_unreachable_address_gives_up_in_bounded_time_with_one_line(tmp_path):
    """Ray's core worker prints a C++ warning every 5 s while it retries (`rpc_client.h:153: Failed to connect
    to GCS ...`): the terminal shows only the tool's one line, unless --verbose."""
    config = tmp_path / "stored.toml"
    config.write_text(textwrap.dedent(BASE))
    command = [sys.executable, "-m", "latentsweep.cli", "run", str(config), "--results", str(tmp_path / "r")]
    environment = {**os.environ, "LATENTSWEEP_CONNECT_SECONDS": "10"}  # twice the warnings' 5 s
    started = time.monotonic()
    completed = subprocess.run(
        [*command, "--address", "127.0.0.1:1"], capture_output=True, text=True, timeout=300, env=environment
    )
    assert completed.returncode == 2, completed.stderr[-2000:]
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and "latentsweep: error: --address 127.0.0.1:1: no Ray cluster answered" in lines[0], lines
    assert time.monotonic() - started < 120
    assert not (tmp_path / "r").exists()
    flags = ["--address", "127.0.0.1:1", "--verbose"]
    verbose = subprocess.run([*command, *flags], capture_output=True, text=True, timeout=300, env=environment)
    assert verbose.returncode == 2 and "Failed to connect" in verbose.stderr


def test_an_unreachable_address_from_the_config_names_the_key_not_a_flag(tmp_path):
    config = tmp_path / "stored.toml"
    config.write_text(textwrap.dedent(BASE) + '\n[ray]\naddress = "127.0.0.1:1"\n')
    command = [sys.executable, "-m", "latentsweep.cli", "run", str(config), "--results", str(tmp_path / "r")]
    environment = {**os.environ, "LATENTSWEEP_CONNECT_SECONDS": "5"}
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment)
    assert completed.returncode == 2, completed.stderr[-2000:]
    lines = [line for line in completed.stderr.splitlines() if line.startswith("latentsweep: error:")]
    assert len(lines) == 1 and "ray.address 127.0.0.1:1: no Ray cluster answered" in lines[0]
    assert "--address" not in lines[0]


def test_gpus_asked_for_on_a_machine_without_any_are_refused_before_ray_starts(tmp_path):
    config = tmp_path / "stored.toml"
    config.write_text(textwrap.dedent(BASE) + "\n[ray]\ngpus_per_worker = 1\n")
    command = [sys.executable, "-m", "latentsweep.cli", "run", str(config), "--results", str(tmp_path / "r")]
    ray_dir = tmp_path / "ray"
    ray_dir.mkdir()
    environment = {**os.environ, "RAY_TMPDIR": str(ray_dir), "CUDA_VISIBLE_DEVICES": ""}
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment)
    assert completed.returncode == 2, completed.stderr[-2000:]
    lines = [line for line in completed.stderr.splitlines() if line.startswith("latentsweep: error:")]
    assert len(lines) == 1 and "ray.gpus_per_worker = 1.0: this machine has no GPUs" in lines[0]
    assert not any(ray_dir.iterdir())  # no Ray session was started

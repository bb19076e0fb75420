"""The keys a config file holds that no section class or `Param` declares (tables, names chosen from a
registry, lists), each with what it means: parsing checks a document's keys against these tables, and the
documentation's reference prints them. Keys with a type and a range are declared where they are read
(`sections.setting`, `registry.Param`)."""

from __future__ import annotations

COMMON = {
    "name": "the experiment, and its folder under the results directory (1-100 letters, digits, _ . -)",
    "seeds": "a count (3 = seeds 0, 1, 2) or a list of distinct integers in 0..2^63-1",
    "plugins": "modules or .py files that register entries, imported in the driver and every worker "
    "(code: only the commands that do work run them)",
    "data": "[data]: the data set, where it is read from and how it is split",
    "ray": "[ray]: where the work runs (a local Ray, or a cluster's address) and how it is cut",
}

SWEEP = {
    **COMMON,
    "representations": "[[representations]]: how examples become feature vectors (one table per representation)",
    "classifier": "[classifier], [[classifier]] or [classifier.grid]: the learner each trial trains after a query",
    "budget": "[budget]: the labels of every trial (initial batch, batch per query, iterations, paid validation)",
    "budgets": "[[budgets]]: named budget regimes instead of one [budget]",
    "strategies": "[strategies.grid] (a cartesian product of strategy fields) and/or [[strategies.list]]",
    "baselines": '["all-labels"]: the classifier trained once on every pool label, per representation and learner',
    "adaptive": "[adaptive]: add seeds until each strategy's difference to a baseline is clear",
    "report": "[report]: what run's closing table and the report score",
    "stopping": "[stopping]: a stopping criterion that ends trials, complete, before their budget",
    "tracking": "[tracking]: MLflow and/or TensorBoard, logged by the driver as trials are stored",
}

TUNE = {
    **COMMON,
    "representations": "[[representations]]: exactly one representation to tune on",
    "classifier": "[classifier]: the learner (its fields may be searched in [tune.space.classifier])",
    "budget": "[budget]: the labels of every trial",
    "tune": "[tune]: the study's settings, [tune.space] (searched), [tune.fixed] and [tune.reference]",
    "tracking": "[tracking]: MLflow and/or TensorBoard, logged by the driver as trials are stored",
}

INITIAL = {
    **COMMON,
    "sizes": "query-set sizes (default [1000, 100])",
    "variants": 'pools: "balanced" and/or "unbalanced" (default both)',
    "samplers": "initial-selection samplers to compare (names of the initial-selection registry)",
    "unbalanced": "[unbalanced]: the second paper's unbalanced pool: per_class (2000), seed (0)",
    "autoencoders": "[[autoencoders]]: the paper's autoencoders whose latents the samplers read",
    "classifier": "[classifier]: the CNN that judges each query set alone",
}

# Keys of tables beside their declared parameters.
REPRESENTATION = {
    "kind": "a representation kind (the reference's 'Representation kinds'): pixels, embeddings or an autoencoder",
    "hidden": "hidden layer sizes of a dense autoencoder (default [512, 256])",
}
CLASSIFIER = {
    "kind": "a classifier kind (the reference's 'Learners'; default mlp, the thesis' MLP)",
    "hidden": "hidden layer sizes of an MLP (default [512, 512])",
    "estimator": "the sklearn kind: a scikit-learn classifier by import path ('sklearn.svm.SVC')",
    "params": "the sklearn kind: the estimator's keyword arguments; a table holding estimator = PATH is a nested "
    "estimator",
    "grid": "[classifier.grid]: lists of these keys, crossed (each key applies to the kinds that use it)",
}
BUDGET = {"name": "the regime's name in [[budgets]] (a [budget] is 'default')"}
STRATEGY = {
    "initial": "the first batch: random, or an initial-selection sampler",
    "uncertainty": "an uncertainty measure, or random (passive learning)",
    "representativeness": 'a representativeness measure, or "none"',
    "batch": "a batch rule (default top-k)",
    "NAME_end": "the value a schedulable parameter NAME reaches at the last iteration (linear in between)",
}
REPORT = {"metric": "accuracy, balanced_accuracy or macro_f1"}
STOPPING = {"criterion": "a stopping criterion (the reference's 'Stopping criteria'); its parameters beside it"}
TUNE_TABLES = {
    "fixed": "[tune.fixed]: strategy fields every Optuna trial shares",
    "space": "[tune.space]: strategy fields searched (lists are choices, {low, high} ranges), and "
    "[tune.space.classifier] for the learner's",
    "reference": "[tune.reference]: the strategy the final comparison holds the best against (default margin)",
}
UNBALANCED = {"per_class": "examples kept of each class but the first (default 2000)", "seed": "its draw (default 0)"}

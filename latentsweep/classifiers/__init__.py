"""Learners in latent space: the classifier a trial trains on its labelled set after every query.

`CLASSIFIERS[kind]` builds the model of a pack of trials (`classifiers.model.PackModel`); each entry declares
the ClassifierSpec fields it uses, parameters of its own, the model outputs it provides to strategies, and
whether its trials train in lockstep (`kinds.ClassifierKind`). The thesis' MLP is `mlp` (the default);
`logistic`, `ensemble` (a committee per trial) and `sklearn` (any scikit-learn classifier) are the others.

Importing this package loads neither torch nor scikit-learn.
"""

from .kinds import CLASSIFIERS, COMMON_FIELDS, ClassifierKind
from .model import PackModel

__all__ = ["CLASSIFIERS", "COMMON_FIELDS", "ClassifierKind", "PackModel"]

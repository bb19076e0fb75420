"""The representation-kind registry: how examples become feature vectors, and what each kind declares.

A trained kind registers `(spec, image_shape) -> (model, loss)` (torch is imported inside, so this
module and the config that reads it load no torch); a kind that trains nothing registers
`(splits) -> Features`. The plan, the checks and the representation stage read the declarations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..protocols import Init
from ..registry import Registry, check_choice, declared_params


@dataclass(frozen=True)
class RepresentationKind:
    """What a representation kind declares.

    trained: an autoencoder trained on the pool (else the features are read or computed directly);
    holds: the examples it takes, `images`, `vectors` or `any`; posterior: whether it gives posterior
    log-variances (`always`, `never`, or `from-data`: when the data set brings them); uses: the
    RepresentationSpec fields it reads (the others do not enter its id); paper: one of the second paper's
    autoencoders (the `initial` experiment's); image_rule: a check of the image shape (None if fine, else
    what it needs); latent_default: the latent size when a config gives none; pool_rule: what is known
    (measured, benchmarks/representation_quality.py) about training it on this many pool images with this
    spec, None when nothing (the plan prints it); init_default: the initialisation when a spec names none;
    params: parameters of its own (name -> `Param` or default; the spec's `value(name)` reads them).
    """

    trained: bool = True
    holds: str = "images"
    posterior: str = "never"
    uses: tuple[str, ...] = ()
    paper: bool = False
    image_rule: Callable[[tuple[int, ...]], str | None] | None = None
    latent_default: int = 30
    pool_rule: Callable[[Any, int], str | None] | None = None
    init_default: str = Init.KERAS
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", declared_params(self.params))
        check_choice("holds", self.holds, HOLDS)
        check_choice("posterior", self.posterior, POSTERIORS)
        check_choice("init_default", self.init_default, Init.values())
        if isinstance(self.uses, str) or not all(isinstance(name, str) for name in self.uses):
            raise TypeError(f"uses {self.uses!r}: expected a tuple of RepresentationSpec field names")

    def defaults(self) -> dict[str, Any]:
        """The parameters it declares for itself, at their defaults."""
        return {name: param.default for name, param in self.params.items()}


HOLDS = ("images", "vectors", "any")
POSTERIORS = ("always", "never", "from-data")


@dataclass(frozen=True)
class Features:
    """What a kind that trains nothing gives: pool, validation and test features, pool log-variances."""

    pool: np.ndarray
    val: np.ndarray
    test: np.ndarray
    pool_logvar: np.ndarray | None = None


REPRESENTATION_KINDS: Registry[Callable[..., Any]] = Registry("representation kind", RepresentationKind)

_TRAINING = ("latent_dim", "epochs", "seed", "batch_size", "learning_rate", "init", "precision")


def _flatten(examples: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(examples.reshape(examples.shape[0], -1), dtype=np.float32)


@REPRESENTATION_KINDS.register("pixels", trained=False, holds="any")
def pixels(splits) -> Features:
    """The examples themselves, flattened: [N, H, W] -> [N, H * W] (vectors stay as they are)."""
    return Features(_flatten(splits.pool), _flatten(splits.val), _flatten(splits.test))


@REPRESENTATION_KINDS.register("embeddings", trained=False, holds="vectors", posterior="from-data")
def embeddings(splits) -> Features:
    """Vectors from an encoder of your own, as given (with their posterior log-variances when given)."""
    return Features(_flatten(splits.pool), _flatten(splits.val), _flatten(splits.test), splits.pool_logvar)


@REPRESENTATION_KINDS.register("dense-vae", posterior="always", uses=(*_TRAINING, "hidden", "kl_weight"))
def dense_vae(spec, image_shape):
    """The dense VAE (thesis 3.2: 512-256 by default), BCE + kl_weight * KL."""
    from ..models.vae import DenseVAE, vae_loss

    return DenseVAE(image_shape, spec.latent_dim, spec.hidden), functools.partial(vae_loss, kl_weight=spec.kl_weight)


def _even_square(shape: tuple[int, ...]) -> str | None:
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] % 2 or shape[0] < 4:
        return "square images of an even side >= 4"
    return None


def _conv_vae_pool(spec, n_pool: int) -> str | None:
    if spec.init == Init.TORCH and n_pool <= 10_000:
        return (
            f'with init = "torch" on {n_pool} pool images it is known to stay collapsed (7,200 MNIST digits: 10 '
            'epochs at the mean digit\'s loss); init = "keras" learns there'
        )
    if n_pool * spec.epochs < 7_200:
        return (
            f"{n_pool} pool images x {spec.epochs} epochs is known to be too little (1,000 Fashion-MNIST images x 5 "
            "epochs: its decoder ignored z; 2,400 x 3 learnt): more epochs or pool images"
        )
    return None


@REPRESENTATION_KINDS.register(
    "conv-vae", posterior="always", uses=(*_TRAINING, "kl_weight"), image_rule=_even_square, pool_rule=_conv_vae_pool
)
def conv_vae(spec, image_shape):
    """The convolutional VAE of thesis Table 4.1, BCE + kl_weight * KL."""
    from ..models.vae import ConvVAE, vae_loss

    return ConvVAE(image_shape, spec.latent_dim), functools.partial(vae_loss, kl_weight=spec.kl_weight)


def _side_divisible_by_4(shape: tuple[int, ...]) -> str | None:
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] % 4:
        return "square images of a side divisible by 4"
    return None


def _paper_pool(spec, n_pool: int) -> str | None:
    if n_pool * spec.epochs < 21_600:
        return (
            f"{n_pool} pool images x {spec.epochs} epochs is known to be too little for the second paper's deep "
            "autoencoders (7,200 Fashion-MNIST images: at the mean image's loss for 2-3 epochs, learnt by 10): "
            "more epochs or pool images"
        )
    return None


_PAPER = dict(
    uses=(*_TRAINING, "width"), paper=True, image_rule=_side_divisible_by_4, latent_default=2, pool_rule=_paper_pool
)


# under Keras' initialisation the CAE's first steps saturate its sigmoid output, where its squared error has no
# gradient: it never leaves a blank reconstruction (benchmarks/representation_quality.py; README)
@REPRESENTATION_KINDS.register("cae", **_PAPER, init_default=Init.TORCH)
def cae(spec, image_shape):
    """The second paper's convolutional autoencoder (3.1.1), squared error (eq. 1)."""
    from ..models.paper_autoencoders import PaperAutoencoder, cae_loss

    return PaperAutoencoder(image_shape, spec.latent_dim, spec.width), cae_loss


@REPRESENTATION_KINDS.register(
    "paper-vae", posterior="always", **{**_PAPER, "uses": (*_TRAINING, "width", "kl_weight")}
)
def paper_vae(spec, image_shape):
    """The second paper's VAE (eqs. 2-4), mu as the code."""
    from ..models.paper_autoencoders import PaperAutoencoder, paper_vae_loss

    model = PaperAutoencoder(image_shape, spec.latent_dim, spec.width, variational=True)
    return model, functools.partial(paper_vae_loss, kl_weight=spec.kl_weight)


@REPRESENTATION_KINDS.register("tsne-ae", **{**_PAPER, "uses": (*_TRAINING, "width", "perplexity")})
def tsne_ae(spec, image_shape):
    """The second paper's t-SNE-style autoencoder: BCE + KL(P || Q) per batch (eqs. 5-7)."""
    from ..models.paper_autoencoders import PaperAutoencoder, make_tsne_loss

    return PaperAutoencoder(image_shape, spec.latent_dim, spec.width), make_tsne_loss(spec.perplexity)


def kind_problem(kind_name: str, splits) -> str | None:
    """Why representation kind `kind_name` cannot run on these data (None when it can)."""
    kind: RepresentationKind = REPRESENTATION_KINDS.declared(kind_name)
    holds = "images" if splits.holds_images else "vectors"
    if kind.holds != "any" and kind.holds != holds:
        return f"needs {kind.holds}; data set {splits.name!r} holds {holds}"
    if kind.image_rule is not None and splits.holds_images:
        need = kind.image_rule(splits.image_shape)
        if need:
            shape = "x".join(map(str, splits.image_shape))
            return f"needs {need}; {splits.name} has {shape}"
    return None


def pool_advice(spec, n_pool: int) -> str | None:
    """What is known about training `spec`'s kind on `n_pool` pool images (None when nothing)."""
    rule = REPRESENTATION_KINDS.declared(spec.kind).pool_rule
    return rule(spec, n_pool) if rule is not None else None


def has_posterior(kind_name: str, splits) -> bool:
    """Whether this kind gives posterior log-variances on these data."""
    rule = REPRESENTATION_KINDS.declared(kind_name).posterior
    return rule == "always" or (rule == "from-data" and splits.pool_logvar is not None)

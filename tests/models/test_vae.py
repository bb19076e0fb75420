import math

import numpy as np
import pytest
import torch

from latentsweep.data import load_splits
from latentsweep.errors import TrainingDivergedError
from latentsweep.models import (
    ConvVAE,
    DenseVAE,
    encode,
    reconstruction_loss,
    train_vae,
    used_latent_dimensions,
    vae_loss,
)


@pytest.mark.parametrize("side", [8, 28, 32])
def test_conv_vae_follows_table_4_1_for_any_even_side(side):
    model = ConvVAE((side, side), latent_dim=30)
    images = torch.rand(3, side, side)
    mu, logvar = model.encode(images)
    assert mu.shape == (3, 30) and logvar.shape == (3, 30)
    assert model.decode_logits(mu).shape == (3, side, side)
    convs = [m for m in model.encoder if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs] == [
        (1, 2, 1),
        (64, 2, 2),
        (64, 3, 1),
        (64, 3, 1),
    ]
    transposed = [m for m in model.decoder_conv if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [t.stride[0] for t in transposed] == [1, 1, 2]
    assert model.to_posterior.in_features == 128


def test_conv_vae_needs_an_even_square():
    with pytest.raises(ValueError, match="even side"):
        ConvVAE((7, 7), 2)


def test_dense_vae_is_symmetric():
    model = DenseVAE((28, 28), latent_dim=2)
    linear = [m for m in [*model.encoder, model.to_posterior, *model.decoder] if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [
        (784, 512),
        (512, 256),
        (256, 4),
        (2, 256),
        (256, 512),
        (512, 784),
    ]


def test_loss_is_bce_summed_over_pixels_plus_kl():
    model = DenseVAE((2, 2), latent_dim=1)
    images = torch.tensor([[[0.0, 1.0], [0.5, 0.2]]])
    loss, kl = vae_loss(model, images, None)
    mu, logvar = model.encode(images)
    probs = torch.sigmoid(model.decode_logits(mu))
    bce = -(images * probs.log() + (1 - images) * (1 - probs).log()).sum()
    expected_kl = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum()
    assert kl.item() == pytest.approx(expected_kl.item(), rel=1e-5)
    assert loss.item() == pytest.approx((bce + expected_kl).item(), rel=1e-5)


def test_training_lowers_the_validation_loss_and_is_seeded(device):
    splits = load_splits("digits")
    runs = []
    for _ in range(2):
        torch.manual_seed(123)  # the same seeded start for both runs
        model = DenseVAE((8, 8), latent_dim=4, hidden=(64, 32))
        history = train_vae(model, splits.pool, splits.val, epochs=4, seed=0, device=device)
        runs.append((history, encode(model, splits.val[:10], device)[0]))
    history = runs[0][0]
    assert history.val_loss[-1] < history.val_loss[0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_a_nan_loss_stops_training_with_a_clear_error(device):
    images = np.full((20, 8, 8), np.nan, dtype=np.float32)
    with pytest.raises(TrainingDivergedError, match="loss became nan at epoch 1, batch 1"):
        train_vae(DenseVAE((8, 8), 2), images, images[:2], epochs=1, seed=0, device=device)


def test_used_latent_dimensions_counts_dimensions_that_leave_zero():
    mu = np.array([[0.01, 2.0, -0.05, 0.0], [-0.02, -1.0, 0.3, 0.09]])
    assert used_latent_dimensions(mu) == 2  # dimensions 1 and 2
    assert used_latent_dimensions(mu, tolerance=0.001) == 4


class _Fixed(torch.nn.Module):
    """Encodes anything to z = 0 and decodes every z to the same logits: a decoder that ignores z."""

    def __init__(self, logits):
        super().__init__()
        self.logits = torch.tensor(logits)

    def encode(self, images):
        return torch.zeros(images.shape[0], 1), None

    def decode_logits(self, z):
        return self.logits.expand(z.shape[0], *self.logits.shape)


def test_reconstruction_loss_against_the_mean_image_and_a_perfect_one_by_hand():
    images = np.array([[[1.0, 0.0]], [[1.0, 1.0]], [[0.5, 0.0]]], dtype=np.float32)  # 3 images of 1 x 2 pixels
    own, mean, perfect = reconstruction_loss(_Fixed([[0.0, 0.0]]), images, torch.device("cpu"))
    assert own == pytest.approx(2 * math.log(2), rel=1e-6)  # p = 1/2 everywhere: log 2 per pixel
    # mean image (5/6, 1/3): pixel 1 costs -(x log 5/6 + (1 - x) log 1/6), pixel 2 -(x log 1/3 + (1 - x) log 2/3)
    first = [-math.log(5 / 6), -math.log(5 / 6), -(0.5 * math.log(5 / 6) + 0.5 * math.log(1 / 6))]
    second = [-math.log(2 / 3), -math.log(1 / 3), -math.log(2 / 3)]
    assert mean == pytest.approx((sum(first) + sum(second)) / 3, rel=1e-5)
    assert perfect == pytest.approx(math.log(2) / 3, rel=1e-4)  # only the grey pixel has entropy: log 2
    codes = np.zeros((3, 1), np.float32)  # the mu the caller already has: the same three numbers
    assert reconstruction_loss(_Fixed([[0.0, 0.0]]), images, torch.device("cpu"), codes=codes) == (own, mean, perfect)

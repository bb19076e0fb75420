import math

import numpy as np
import pytest
import torch

from latentsweep.models.paper_autoencoders import (
    EvaluationCNN,
    PaperAutoencoder,
    cae_loss,
    conditional_p,
    joint_p,
    make_tsne_loss,
    paper_vae_loss,
    student_t_q,
)


@pytest.mark.parametrize("side", [8, 28, 32])
def test_the_shared_design_of_section_3_1_1(side):
    model = PaperAutoencoder((side, side), latent_dim=2)
    convs = [m for m in model.encoder if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 64, 32, 32, 32, 32, 32, 32]
    assert sum(isinstance(m, torch.nn.MaxPool2d) for m in model.encoder) == 2
    dense = [m for m in model.encoder if isinstance(m, torch.nn.Linear)]
    assert [d.out_features for d in dense] == [1024, 1024, 2]
    transposed = [m for m in model.decoder if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(t.kernel_size, t.stride) for t in transposed] == [((2, 2), (2, 2))] * 2
    assert model.decoder[-1].kernel_size == (1, 1)
    code, logvar = model.encode(torch.rand(3, side, side))
    assert code.shape == (3, 2) and logvar is None
    assert model.decode_logits(code).shape == (3, side, side)
    assert EvaluationCNN(side, 10, width=0.25)(torch.rand(2, side, side)).shape == (2, 10)


def test_the_vae_has_mu_and_log_variance_units():
    model = PaperAutoencoder((8, 8), latent_dim=3, width=0.25, variational=True)
    mu, logvar = model.encode(torch.rand(5, 8, 8))
    assert mu.shape == logvar.shape == (5, 3)


def test_cae_and_vae_losses_by_their_equations():
    torch.manual_seed(0)
    images = torch.rand(4, 8, 8)
    cae = PaperAutoencoder((8, 8), 2, width=0.25)
    loss, _ = cae_loss(cae, images, None)
    expected = ((torch.sigmoid(cae.decode_logits(cae.encode(images)[0])) - images) ** 2).sum((1, 2)).mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    vae = PaperAutoencoder((8, 8), 2, width=0.25, variational=True)
    loss, kl = paper_vae_loss(vae, images, None)
    mu, logvar = vae.encode(images)
    probs = torch.sigmoid(vae.decode_logits(mu))
    bce = -(images * probs.log() + (1 - images) * (1 - probs).log()).sum() / 4
    expected_kl = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum() / 4
    assert kl.item() == pytest.approx(expected_kl.item(), rel=1e-5)
    assert loss.item() == pytest.approx((bce + expected_kl).item(), rel=1e-4)


def test_each_row_of_p_reaches_the_target_perplexity():
    points = np.random.default_rng(0).normal(size=(40, 5))
    distances = ((points[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    p = conditional_p(distances, perplexity=10)
    assert np.allclose(np.diag(p), 0) and np.allclose(p.sum(axis=1), 1)
    entropy = -(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0)).sum(axis=1)
    np.testing.assert_allclose(np.exp(entropy), 10, rtol=1e-4)
    # row i is a softmax of -d_ij / (2 sigma_i^2): ratios of its entries follow one sigma
    ratio = np.log(p[0, 1] / p[0, 2]) / (distances[0, 2] - distances[0, 1])
    assert ratio > 0 and np.isclose(np.log(p[0, 3] / p[0, 4]), ratio * (distances[0, 4] - distances[0, 3]))


def test_tsne_loss_matches_a_direct_numpy_computation():
    torch.manual_seed(1)
    images = torch.rand(12, 8, 8)
    model = PaperAutoencoder((8, 8), 2, width=0.25)
    loss, kl = make_tsne_loss(perplexity=5)(model, images, None)

    flat = images.numpy().reshape(12, -1).astype(np.float64)
    d = ((flat[:, None] - flat[None]) ** 2).sum(-1)
    conditional = conditional_p(d, 5)
    p = (conditional + conditional.T) / (2 * 12)
    assert p.sum() == pytest.approx(1.0) and np.allclose(p, p.T)
    np.testing.assert_allclose(joint_p(images.numpy(), 5), p)
    z = model.encode(images)[0].detach().numpy().astype(np.float64)
    kernel = 1 / (1 + ((z[:, None] - z[None]) ** 2).sum(-1))
    np.fill_diagonal(kernel, 0)
    q = kernel / kernel.sum()
    mask = ~np.eye(12, dtype=bool)
    expected_kl = float(np.sum(p[mask] * np.log(p[mask] / q[mask])))
    assert kl.item() == pytest.approx(expected_kl, rel=1e-4)
    np.testing.assert_allclose(student_t_q(torch.tensor(z)).numpy(), q, rtol=1e-10)
    probs = torch.sigmoid(model.decode_logits(model.encode(images)[0]))
    bce = -(images * probs.log() + (1 - images) * (1 - probs).log()).sum().item() / 12
    assert loss.item() == pytest.approx(bce + expected_kl, rel=1e-4)
    assert math.isfinite(loss.item())


def test_sides_must_divide_by_four():
    with pytest.raises(ValueError, match="divisible by 4"):
        PaperAutoencoder((10, 10), 2)

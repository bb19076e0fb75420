"""What a query strategy may declare it needs besides the latent features: the names of the model outputs
the engine computes for it (batched over the pack's members that need them) and of the pool data it hands
over. A declaration naming anything else is refused when it registers."""

from __future__ import annotations

NEEDS: dict[str, str] = {
    "probabilities": "class probabilities [n, C] of the trained classifier",
    "mc_probabilities": "class probabilities of T MC-dropout passes [T, n, C] (parameter mc_samples: T)",
    "gradient_embedding": "the last layer's gradient embedding: (a [n, C], h [n, H]), BADGE's a_i (x) h_i",
    "ensemble_probabilities": "class probabilities of each member of a committee [M, n, C]",
    "labelled_features": "latent features of the labelled examples [L, d]",
}
MODEL_OUTPUTS = ("probabilities", "mc_probabilities", "gradient_embedding", "ensemble_probabilities")
# Outputs only some learners can give (MC-dropout passes need dropout, a gradient embedding a last layer,
# a committee several members): a classifier kind declares which of these it provides. Every other model
# output is made from class probabilities, which every learner gives.
LEARNER_SPECIFIC = ("mc_probabilities", "gradient_embedding", "ensemble_probabilities")

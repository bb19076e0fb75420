"""Classification metrics of K members at once from their predicted labels: accuracy, balanced accuracy
(the mean recall over the classes present in the labels) and macro F1 (the mean of 2 TP / (2 TP + FP + FN)
over the classes present in labels or predictions), as scikit-learn defines them. One confusion count per
member from one `bincount`: the predictions the loop makes anyway, no second pass over the data.

Importing this module loads no torch (the config and the report read `METRICS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

METRICS = ("accuracy", "balanced_accuracy", "macro_f1")  # what `report --metric` and `[tune] metric` accept
EXTRA_METRICS = METRICS[1:]  # stored beside accuracy, which has columns of its own since the first schema


def classification_scores(predicted: torch.Tensor, labels: torch.Tensor, n_classes: int) -> dict[str, torch.Tensor]:
    """Each metric of `METRICS` as [K] float32, for predicted [K, m] and labels [K, m] or shared [m] (int64
    class indices in [0, n_classes)). NaN for every metric when m is 0."""
    import torch

    k, m = predicted.shape
    if m == 0:
        nan = torch.full((k,), float("nan"), device=predicted.device)
        return {name: nan for name in METRICS}
    labels = labels.expand(k, m)
    member = torch.arange(k, device=predicted.device)[:, None]
    cells = (member * n_classes + labels) * n_classes + predicted
    confusion = torch.bincount(cells.flatten(), minlength=k * n_classes * n_classes)
    confusion = confusion.view(k, n_classes, n_classes).to(torch.float32)  # [member, true, predicted]
    hits = confusion.diagonal(dim1=1, dim2=2)
    support, called = confusion.sum(dim=2), confusion.sum(dim=1)
    present = (support > 0).to(torch.float32)
    recall = hits / support.clamp(min=1.0)
    seen = support + called  # 2 TP + FP + FN: zero only for a class neither present nor predicted
    f1 = 2.0 * hits / seen.clamp(min=1.0)
    return {
        "accuracy": hits.sum(dim=1) / m,
        "balanced_accuracy": (recall * present).sum(dim=1) / present.sum(dim=1),
        "macro_f1": f1.sum(dim=1) / (seen > 0).sum(dim=1),
    }

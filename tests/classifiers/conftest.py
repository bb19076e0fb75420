from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def fashion_features():
    """PCA-30 features of 2,000 Fashion-MNIST training and 1,000 test images (Debian's package): a small real
    latent space on which every learner must learn (chance is 0.1)."""
    from sklearn.decomposition import PCA

    from latentsweep.data import FASHION_MNIST_DEFAULT_PATH, load_splits

    if not (Path(FASHION_MNIST_DEFAULT_PATH) / "train-images-idx3-ubyte.gz").exists():
        pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
    splits = load_splits("fashion-mnist")
    x, xt = splits.pool[:2000].reshape(2000, -1), splits.test[:1000].reshape(1000, -1)
    pca = PCA(30, random_state=0).fit(x)
    scale = pca.transform(x).std()
    features = (pca.transform(x) / scale).astype(np.float32), (pca.transform(xt) / scale).astype(np.float32)
    return features[0], splits.pool_labels[:2000], features[1], splits.test_labels[:1000]

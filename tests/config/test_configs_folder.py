"""Every config shipped in configs/ parses, with its data path pointed at a stand-in folder."""

from pathlib import Path

import pytest

from latentsweep.config import config_kind, parse_config, parse_initial_config, parse_tune_config, read_document

CONFIGS = sorted((Path(__file__).parent.parent.parent / "configs").rglob("*.toml"))


@pytest.mark.parametrize(
    "path", CONFIGS, ids=[p.parent.name + "/" + p.name if p.parent.name != "configs" else p.name for p in CONFIGS]
)
def test_shipped_configs_parse(path, tmp_path):
    document = read_document(path)
    if "path" in document["data"]:
        document["data"]["path"] = str(tmp_path)
    if config_kind(document) == "tune":
        tune = parse_tune_config(document, base=path.parent)
        assert tune.space and tune.settings.trials >= 1
        return
    if config_kind(document) == "initial":  # an initial-query-selection experiment
        experiment = parse_initial_config(document, base=path.parent)
        assert len(experiment.autoencoders) == 3 and experiment.sizes == (1000, 100)
        assert experiment.variants == ("balanced", "unbalanced") and len(experiment.samplers) >= 6
        return
    config = parse_config(document, base=path.parent)
    assert (config.strategies or config.baselines) and config.seeds
    if path.stem == "mnist-table-5.2":  # Table 5.2: 18 MLPs on every pool label of 4 representations
        assert len(config.classifiers) == 18 and config.baselines == ("all-labels",) and not config.strategies
        assert len(config.representations) == 4
    if path.stem in ("fashion-mnist", "mnist", "svhn"):
        assert len(config.seeds) == 10 and config.budget.final_labels == 3000
        assert config.classifier.hidden == (512, 512)
        assert len(config.strategies) == 30


def test_there_are_quickstart_and_thesis_configs():
    assert {"quickstart", "fashion-mnist", "mnist", "svhn"} <= {p.stem for p in CONFIGS}

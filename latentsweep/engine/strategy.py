"""How a trial queries (thesis 3.4): a `StrategySpec` built from the registries' declared parameters.

A strategy names an uncertainty measure, an optional representativeness measure mixed in by `gamma`
(thesis 3.4.2), a batch rule over an optional fresh `subsample`, and an initial sampler. Every other
setting is a parameter the chosen uncertainty measure or batch rule declares (`registry.Param`): greedy's
distance and weights alpha, beta (thesis 3.4.3) are greedy's own, as BatchBALD's `configurations` are
BatchBALD's. Any float parameter, and gamma, may be scheduled: linear from its value at the first
selection to `ends[name]` at the last. No torch is imported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SpecError
from ..registry import Param, Registry
from ..strategies import (
    BATCH_SELECTION,
    DISTANCES,
    INITIAL_SELECTION,
    REPRESENTATIVENESS,
    UNCERTAINTY,
    BatchParams,
    activations_dtype,
)

PASSIVE = "random"  # the uncertainty name of passive learning: random batches, no model needed

# The strategy's own parameters (the same for every entry): the informativeness mix and the subsample.
STRATEGY_PARAMS: dict[str, Param] = {
    "gamma": Param(1.0, 0.0, 1.0, short="g", doc="weight of uncertainty against representativeness (1: alone)"),
    "subsample": Param(1.0, 0.0, 1.0, open_low=True, schedule=False,
                       doc="a fresh random fraction of the unlabelled pool scored at every iteration"),
}
# the strategy's names, each choosing an entry of a registry (representativeness may be None)
NAMES: dict[str, tuple[Registry[Any], tuple[str, ...]]] = {
    "uncertainty": (UNCERTAINTY, (PASSIVE,)),
    "representativeness": (REPRESENTATIVENESS, ("none",)),
    "batch": (BATCH_SELECTION, ()),
    "initial": (INITIAL_SELECTION, ()),
}
END = "_end"  # `NAME_end` in a config: the end of NAME's schedule

# The layout trial ids were first hashed in, when greedy's parameters were strategy fields: kept so that
# every stored id stays the same (`stored_form`). Nothing else reads it.
_STORED_SLOTS = {"distance": "euclidean", "alpha": 0.0, "beta": 0.0}
_STORED_ENDS = ("gamma", "alpha", "beta")


def scheduled_value(start: float, end: float | None, iteration: int, iterations: int) -> float:
    """A scheduled weight at selection `iteration` (1..iterations): `start` at the first selection, `end`
    at the last, linear in between; `start` throughout when end is None or there is one selection."""
    if end is None or iterations <= 1:
        return start
    fraction = min(max((iteration - 1) / (iterations - 1), 0.0), 1.0)
    return start + (end - start) * fraction


def _known(field_name: str, name: Any) -> None:
    registry, extra = NAMES[field_name]
    if name not in registry and name not in extra:
        known = ", ".join(sorted([*registry, *extra]))
        raise SpecError(f"{field_name} = {name!r}: unknown name; known: {known}", field=field_name)


@dataclass(frozen=True)
class StrategySpec:
    """A validated strategy. `params`: values of the parameters the uncertainty measure and the batch
    rule declare, as sorted (name, value) pairs (defaults filled in by `canonical`); `ends`: scheduled
    parameters and the value each reaches at the last selection, sorted (name, end) pairs.

    `StrategySpec.build(batch="greedy", alpha=0.3, alpha_end=0.1)` takes the flat keys of a config."""

    uncertainty: str = "margin"
    representativeness: str | None = None
    gamma: float = 1.0
    batch: str = "top-k"
    subsample: float = 1.0
    initial: str = "random"
    params: tuple[tuple[str, Any], ...] = ()
    ends: tuple[tuple[str, float], ...] = ()

    @classmethod
    def build(cls, flat: Mapping[str, Any], *, drop_unused: bool = False) -> StrategySpec:
        """A strategy from the flat keys of a config table: its names, gamma, subsample, declared
        parameters and `NAME_end`. `drop_unused`: leave out parameters (and ends) that the chosen
        entries do not declare, as a grid does for the combinations a key does not apply to."""
        flat = dict(flat)
        fields = {k: flat.pop(k) for k in [*NAMES, *STRATEGY_PARAMS] if k in flat}
        if fields.get("representativeness") == "none":
            fields["representativeness"] = None
        ends = {k[: -len(END)]: flat.pop(k) for k in list(flat) if k.endswith(END)}
        if drop_unused:
            names = cls(**{k: v for k, v in fields.items() if k in NAMES})
            used = {*names.declared_params(), *STRATEGY_PARAMS}
            flat = {k: v for k, v in flat.items() if k in used}
            ends = {k: v for k, v in ends.items() if k in used}
        return cls(**fields, params=tuple(flat.items()), ends=tuple(ends.items()))

    def __post_init__(self) -> None:
        for name in NAMES:
            if name != "representativeness" or self.representativeness is not None:
                _known(name, getattr(self, name))
        for name, own_param in STRATEGY_PARAMS.items():
            object.__setattr__(self, name, own_param.check(name, getattr(self, name)))
        declared = self.declared_params()
        params = {}
        for name, value in dict(self.params).items():
            if name not in declared:
                raise SpecError(f"{name} = {value!r}: not a parameter of {self.uncertainty!r} or {self.batch!r}",
                                field=name)  # fmt: skip
            params[name] = declared[name].check(name, value)
        object.__setattr__(self, "params", tuple(sorted(params.items())))
        ends = {}
        for name, end in dict(self.ends).items():
            param = self._param(name)
            if param is None or not param.schedulable:
                raise SpecError(f"{name}{END} = {end!r}: {name!r} is not a float parameter of this strategy, so "
                                "it cannot be scheduled", field=name + END)  # fmt: skip
            ends[name] = param.check(name + END, end)
        object.__setattr__(self, "ends", tuple(sorted(ends.items())))
        for group in self.rule().simplex:
            for suffix, values in (("", self.value), (END, self.end_or_start)):
                total = sum(values(n) for n in group)
                if total > 1.0 + 1e-12:
                    shown = " + ".join(n + suffix for n in group)
                    raise SpecError(f"{shown} = {round(total, 10)!r}: expected at most 1", field=group[0] + suffix)
        weight = self.rule().representativeness_weight
        if weight and self.representativeness is None and self.value(weight) > 0:
            raise SpecError(f"{weight} = {self.value(weight)!r}: a representativeness term needs a "
                            "representativeness measure", field=weight)  # fmt: skip

    # -- what the registries declare ---------------------------------------------------------------

    @property
    def is_passive(self) -> bool:
        return self.uncertainty == PASSIVE

    def rule(self):
        """The batch rule's declaration (`strategies.BatchRule`)."""
        return BATCH_SELECTION.declared(self.batch)

    def scores(self) -> bool:
        """Whether the uncertainty (and informativeness) scores choose anything: not for passive learning,
        nor for a batch rule that spreads the batch over an embedding instead (BADGE, core-set)."""
        return not self.is_passive and self.rule().uses_scores

    def needs(self) -> frozenset[str]:
        """What the pack must compute for this strategy's selections (`strategies.NEEDS`), as declared."""
        if self.is_passive:
            return frozenset()
        needs = set(self.rule().needs)
        if self.scores():
            needs |= set(UNCERTAINTY.declared(self.uncertainty).needs)
        return frozenset(needs)

    def declared_params(self) -> dict[str, Param]:
        """The parameters the uncertainty measure (when it scores) and the batch rule declare, in order."""
        own = dict(UNCERTAINTY.declared(self.uncertainty).params) if self.scores() else {}
        own.update(self.rule().params)
        return own

    def _param(self, name: str) -> Param | None:
        return STRATEGY_PARAMS.get(name) or self.declared_params().get(name)

    def value(self, name: str) -> Any:
        """gamma, subsample or a declared parameter (its default when not given)."""
        if name in STRATEGY_PARAMS:
            return getattr(self, name)
        return dict(self.params).get(name, self.declared_params()[name].default)

    def holds_activations_in_half(self, rows: int) -> bool:
        """Whether its rule holds `rows` candidates' last hidden activations in float16 (BADGE's `activations`;
        False for a rule without that parameter)."""
        if "activations" not in self.declared_params():
            return False
        return activations_dtype(self.value("activations"), rows) is np.float16

    def end(self, name: str) -> float | None:
        """The value a scheduled parameter reaches at the last selection (None: not scheduled)."""
        return dict(self.ends).get(name)

    def end_or_start(self, name: str) -> Any:
        end = self.end(name)
        return self.value(name) if end is None else end

    def at(self, name: str, iteration: int, iterations: int) -> Any:
        """A parameter at selection `iteration` of `iterations` (its schedule applied)."""
        return scheduled_value(self.value(name), self.end(name), iteration, iterations)

    def _distance_param(self) -> str | None:
        """The batch rule's parameter that names a distance, if any."""
        return next((n for n, p in self.rule().params.items() if p.choices is DISTANCES), None)

    def uses_representativeness(self) -> bool:
        """Whether the measure changes any query: through gamma < 1, or weighted by the batch rule itself."""
        if self.representativeness is None or not self.scores():
            return False
        if self.end_or_start("gamma") < 1.0 or self.gamma < 1.0:
            return True
        weight = self.rule().representativeness_weight
        return bool(weight) and (self.value(weight) > 0 or (self.end(weight) or 0) > 0)

    def distances(self) -> frozenset[str]:
        """Distances whose normalising bound over the whole pool this strategy needs."""
        name = self._distance_param()
        if self.is_passive or name is None or not self.rule().needs_distance_bound:
            return frozenset()
        return frozenset({self.value(name)})

    def needs_posterior(self) -> bool:
        """Whether a measure or distance it uses needs posterior log-variances."""
        if self.is_passive:
            return False
        if self.representativeness and REPRESENTATIVENESS.declared(self.representativeness).needs_posterior:
            return True
        name = self._distance_param()
        return name is not None and DISTANCES.declared(self.value(name)).needs_posterior

    def needs_reconstruction_error(self) -> bool:
        return INITIAL_SELECTION.declared(self.initial).needs_reconstruction_error

    def batch_params(self, iteration: int, iterations: int, distance_bounds: Mapping[str, float]) -> BatchParams:
        """The batch rule's settings at selection `iteration` (schedules applied); the normalising bound
        of its distance over the whole pool from `distance_bounds` (distance name -> bound)."""
        values = {name: self.at(name, iteration, iterations) for name in self.declared_params()}
        name = self._distance_param()
        scale = distance_bounds.get(values[name]) if name is not None else None
        return BatchParams(values=values, distance_scale=scale)

    def canonical(self) -> StrategySpec:
        """The one spec among those that query identically: what is unused goes back to its default.

        Passive learning uses nothing but its initial sampler; parameters no chosen entry declares are
        dropped and declared ones filled in with their defaults; an end equal to its start is no
        schedule; a measure that changes no query is dropped, and gamma with it.
        """
        if self.is_passive:
            return StrategySpec(uncertainty=self.uncertainty, initial=self.initial)
        if not self.rule().uses_scores:  # the batch rule reads no score: the uncertainty measure is unused
            kept = tuple((k, v) for k, v in self.params if k in self.rule().params)
            ends = tuple((k, v) for k, v in self.ends if k in self.rule().params or k == "gamma")
            self = dataclasses.replace(self, uncertainty=StrategySpec().uncertainty, params=kept, ends=ends)
        declared = self.declared_params()
        params = tuple(sorted({**{n: p.default for n, p in declared.items()}, **dict(self.params)}.items()))
        ends = tuple((n, e) for n, e in self.ends if e != self.value(n))
        spec = dataclasses.replace(self, params=params, ends=ends)
        if not spec.uses_representativeness():
            ends = tuple((n, e) for n, e in spec.ends if n != "gamma")
            spec = dataclasses.replace(spec, representativeness=None, gamma=1.0, ends=ends)
        return spec

    def stored_form(self) -> dict[str, Any]:
        """The strategy as trial ids hash it and the trials table stores it: greedy's distance, alpha and
        beta and the ends of gamma, alpha and beta in the columns they have always had, every other
        parameter (and end, as `NAME_end`) in `params`. None values are left out of ids."""
        params = {name: value for name, value in self.params if not self._at_neutral_default(name, value)}
        form: dict[str, Any] = {
            "uncertainty": self.uncertainty,
            "representativeness": self.representativeness,
            "gamma": self.gamma,
            "batch": self.batch,
            "subsample": self.subsample,
            "initial": self.initial,
        }
        for name, default in _STORED_SLOTS.items():
            form[name] = params.pop(name, default)
        ends = dict(self.ends)
        for name in _STORED_ENDS:
            form[name + END] = ends.pop(name, None)
        params.update({name + END: end for name, end in ends.items()})
        form["params"] = tuple(sorted(params.items()))
        return form

    def _at_neutral_default(self, name: str, value: Any) -> bool:
        """A parameter declared `neutral` at its default (and not scheduled): left out of ids and labels."""
        param = self._param(name)
        return param is not None and param.neutral and value == param.default and self.end(name) is None

    def label(self) -> str:
        """A short readable name, e.g. 'margin+density-cosine(g=0.5)/greedy[euclidean a=0.3 b=0]@0.1';
        schedules show as 'g=0.2->0.8'."""

        def shown(name: str) -> str:
            value = self.value(name)
            if isinstance(value, str):
                return value
            param = self._param(name)
            assert param is not None  # a value that is not a name is a declared parameter's
            short = param.short or name
            text = f"{short}={value:g}" if isinstance(value, float) else f"{name}={value}"
            end = self.end(name)
            return text if end is None else f"{text}->{end:g}"

        named = INITIAL_SELECTION.declared(self.initial).label
        if named and self.is_passive:
            return named
        text = self.uncertainty if self.scores() or self.is_passive else ""
        def shown_params(names) -> list[str]:
            return [n for n in names if not self._at_neutral_default(n, self.value(n))]

        own = shown_params(UNCERTAINTY.declared(self.uncertainty).params) if self.scores() else []
        if own:
            text += "[" + " ".join(shown(n) for n in own) + "]"
        if self.representativeness is not None:
            text += f"+{self.representativeness}({shown('gamma')})"
        if not self.is_passive:
            text += f"/{self.batch}" if text else self.batch
            rule = shown_params(self.rule().params)
            if rule:
                text += "[" + " ".join(shown(n) for n in rule) + "]"
            if self.subsample < 1.0:
                text += f"@{self.subsample:g}"
        if self.initial != "random":
            text += f" init={self.initial}"
        return text


def strategy_keys() -> dict[str, Param | None]:
    """Every key a strategy table may have: its names (None), gamma and subsample, every parameter a
    registered uncertainty measure or batch rule declares, and `NAME_end` for each one that can be
    scheduled (name -> the Param, the first declared where several entries share a name)."""
    keys: dict[str, Param | None] = dict.fromkeys(NAMES)
    keys.update(STRATEGY_PARAMS)
    for registry in (UNCERTAINTY, BATCH_SELECTION):
        for entry in registry:
            for name, param in registry.declared(entry).params.items():
                keys.setdefault(name, param)
    for name, param in list(keys.items()):
        if param is not None and param.schedulable:
            keys.setdefault(name + END, param)
    return keys


def simplex_groups() -> tuple[tuple[str, ...], ...]:
    """Groups of weights some batch rule declares must sum to at most 1, with the groups of their ends."""
    groups = {g for entry in BATCH_SELECTION for g in BATCH_SELECTION.declared(entry).simplex}
    return tuple(sorted(groups | {tuple(n + END for n in g) for g in groups}))

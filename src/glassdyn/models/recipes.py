"""What a model name in the workflow config means: model class, descriptor set, options.

=================  ======================  ==============================================
name               descriptor set          model
=================  ======================  ==============================================
glassmlp           glassmlp-prl (option)   :class:`GlassMLP`, PRL four-phase schedule
glassmlp-l1        glassmlp-prl (option)   :class:`GlassMLPL1` = PRL's MLP(mae)
cage-ridge         cage                    :class:`RidgeRegression`, alpha on validation
glassmlp-ridge     glassmlp-prl            :class:`RidgeRegression` = PRL's Ridge (SM III)
baseline-<column>  baselines               :class:`SingleDescriptor` of that column
tglassmlp          tglassmlp-prb (option)  :class:`TGlassMLP`, all temperatures at once
botan              (graph of the structure) :class:`BOTAN`, after its edge pretraining
nt-gnn             (graph of the structure) :class:`NTGNN`
gnn-dm             (graph of the structure) :class:`GNNDM` (Bapst et al.)
se3                (graph + IS energies)    :class:`SE3GNN`, every time of a temperature
=================  ======================  ==============================================

Graph models read the structure itself (its graph, :mod:`glassdyn.models.graphs`), not
descriptors, and one model predicts every particle type (particle type ``all`` in paths);
SE(3) also reads the inherent structures' particle energies, and one model predicts every
modelled time of its temperature (time index ``all`` in paths).

In a system's config, ``models.train`` lists names; ``baselines`` stands for every column
of the baselines set. ``models.<name>`` holds the model's options: the workflow's
(``descriptor_set``; ``labels``, the label kinds this model learns, default ``models.labels``;
``pretraining`` for BOTAN) and the model class's constructor arguments (e.g. ``n_networks``,
``phases``, ``alphas``, ``epochs``).
A user's own model: subclass :class:`~glassdyn.models.base.PropensityModel`, register it
and add a :class:`Recipe` with :func:`add_recipe`.
"""

from __future__ import annotations

from dataclasses import dataclass

from glassdyn.descriptors.sets import baseline_columns

# The recipes are read while planning (every Snakefile parse): the model classes, h5py and
# torch are imported only when a model is built.


@dataclass(frozen=True)
class Recipe:
    """kind: model class KIND; descriptor_set: default set (None: a graph model, which reads
    structures); per_time: one model per time (False: per system, the state point an input);
    pretrain: trainings start from the system's edge-pretrained weights (BOTAN Sec. IV);
    all_times: one model per temperature predicts every modelled time at once (SE(3));
    inherent_energies: the model also reads each particle's inherent-structure energy."""

    kind: str
    descriptor_set: str | None
    per_time: bool = True
    pretrain: bool = False
    all_times: bool = False
    inherent_energies: bool = False
    #: options that are not constructor arguments
    WORKFLOW_OPTIONS = ("descriptor_set", "labels", "pretraining", "learning_curve_epochs", "mean_labels",
                        "arrhenius_max_temperature", "two_step")

    @property
    def graph(self) -> bool:
        """Whether the model reads the structure's graph (every particle type at once)."""
        return self.descriptor_set is None

    def build(self, options: dict | None = None, seed: int = 0, **fixed):
        """The unfitted model: constructor arguments from ``options`` (config) and ``fixed``."""
        from glassdyn.models.base import model_class, param_names

        options = {k: v for k, v in (options or {}).items() if k not in self.WORKFLOW_OPTIONS}
        cls = model_class(self.kind)
        kwargs = {**options, **fixed}
        if "seed" in param_names(cls):  # the signature, not co_varnames: **kwargs would hide it
            kwargs.setdefault("seed", seed)
        model = cls(**kwargs)
        return model

    def descriptor_set_for(self, options: dict | None = None) -> str | None:
        if self.graph:
            return None
        return (options or {}).get("descriptor_set", self.descriptor_set)


RECIPES: dict[str, Recipe] = {
    "glassmlp": Recipe("glassmlp", "glassmlp-prl"),
    "glassmlp-l1": Recipe("glassmlp-l1", "glassmlp-prl"),
    "cage-ridge": Recipe("ridge", "cage"),
    # GlassMLP PRL SM III: "the physics-informed descriptors fit ... using a simple Ridge
    # regression"; the PRL's Fig. 2b and SM Fig. 2 compare it with GlassMLP
    "glassmlp-ridge": Recipe("ridge", "glassmlp-prl"),
    "tglassmlp": Recipe("tglassmlp", "tglassmlp-prb", per_time=False),
    "botan": Recipe("botan", None, pretrain=True),
    "nt-gnn": Recipe("nt-gnn", None),
    "gnn-dm": Recipe("gnn-dm", None),
    "se3": Recipe("se3", None, all_times=True, inherent_energies=True),
}
BASELINE_PREFIX = "baseline-"


def add_recipe(name: str, recipe: Recipe) -> None:
    if name in RECIPES or name.startswith(BASELINE_PREFIX):
        raise ValueError(f"model name {name!r} is taken")
    RECIPES[name] = recipe


def get_recipe(name: str) -> Recipe:
    if name.startswith(BASELINE_PREFIX):
        return Recipe("single-descriptor", "baselines")
    if name not in RECIPES:
        raise KeyError(f"unknown model {name!r}; known: {sorted(RECIPES)} and {BASELINE_PREFIX}<column>")
    return RECIPES[name]


def build_model(name: str, options: dict | None = None, seed: int = 0):
    """The unfitted model a workflow name stands for."""
    recipe = get_recipe(name)
    if name.startswith(BASELINE_PREFIX):
        return recipe.build(None, seed, column=name[len(BASELINE_PREFIX):])
    return recipe.build(options, seed)


def columns_for(name: str):
    """Descriptor columns the model reads (None: all columns of its set)."""
    return [name[len(BASELINE_PREFIX):]] if name.startswith(BASELINE_PREFIX) else None


def expand_model_names(names, dimension: int) -> list[str]:
    """Config names -> workflow model names (``baselines`` -> one per baseline column)."""
    out = []
    for name in names:
        if name == "baselines":
            out += [BASELINE_PREFIX + c for c in baseline_columns(dimension)]
        else:
            get_recipe(name)
            out.append(name)
    return out


def model_names() -> list[str]:
    """Every name ``models.train`` accepts: the recipes (plug-ins included), ``baselines`` and each baseline."""
    baselines = sorted({BASELINE_PREFIX + c for d in (2, 3) for c in baseline_columns(d)})
    return sorted(RECIPES) + ["baselines"] + baselines

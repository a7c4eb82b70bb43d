"""Every bad config is refused before any job, in one line naming the key (and its file and line).

The table runs each config through :func:`glassdyn.workflow.planning.plan_workflow`, what the
Snakefile calls before it defines a rule (and ``glassdyn check``); a few cases also run
through Snakemake itself, without ``-n``, to show that nothing is made.
"""

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from glassdyn.config import ConfigError, read_config_file
from glassdyn.workflow.planning import plan_workflow

ROOT = Path(__file__).resolve().parents[1]
DEMO = yaml.safe_load((ROOT / "config/config.yaml").read_text())


def _set(path, value):
    """A mutation: set the dotted ``path`` (list indices as numbers) to ``value``."""
    def mutate(c):
        *head, last = path.split(".")
        node = c
        for p in head:
            node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return mutate


def _drop(path):
    def mutate(c):
        *head, last = path.split(".")
        node = c
        for p in head:
            node = node[int(p)] if isinstance(node, list) else node[p]
        del node[last]
    return mutate


def _both(*mutations):
    def mutate(c):
        for m in mutations:
            m(c)
    return mutate


def _imported(files, **source):
    """An imported BOTAN system next to the demo's, its files named by ``files(folder)``
    (the test's working directory)."""
    def mutate(c):
        tmp_path = Path.cwd()
        c["systems"]["pub"] = {"mixture": "kob_andersen_3d", "source": {"format": "botan", "box": 15.0, **source},
                               "state_points": [{"temperature": 0.44, "tau_alpha": 4120.0, "times": [4120.0],
                                                 "files": files(tmp_path)}]}
    return mutate


def _predicted(**changes):
    """A KA2D system predicted with the demo KA2D's models (no MD labels)."""
    def mutate(c):
        big = {k: copy.deepcopy(v) for k, v in c["systems"]["ka2d"].items() if k not in ("isoconfigurational", "models", "split")}
        big.update(n_particles=2400, predict_with={"system": "ka2d"},
                   state_points=[{"temperature": 0.6, "tau_alpha": 200.0, "labels": False}])
        big.update(changes)
        c["systems"]["large"] = {k: v for k, v in big.items() if v is not None}
    return mutate


def _two_step(**tglassmlp):
    def mutate(c):
        ka2d = c["systems"]["ka2d"]
        ka2d["models"].update(train=["tglassmlp"], labels=["bond_breaking"])
        ka2d["models"].pop("time_indices")
        ka2d["models"]["tglassmlp"] = {"descriptor_set": "glassmlp-prl", "mean_labels": [0.9, 0.5],
                                       "two_step": {"t_min": 0.6, "transferred": [{"temperature": 0.5, "mean_labels": [0.9]}]},
                                       **tglassmlp}
        ka2d["state_points"].append({"temperature": 0.5, "tau_alpha": 900.0, "labels": False})
    return mutate


KA3D, KA2D = "systems.ka3d", "systems.ka2d"
SP = f"{KA3D}.state_points.0"
#: (case, mutation of the demo, the message's line after "glassdyn: invalid config: ";
#: "@" stands for the file and line of the key, found in the written file by its text)
CASES = [
    # numbers: whole, finite, numbers at all
    ("float replica count", _set(f"{KA3D}.isoconfigurational.n_replicas", 4.0),
     f"{KA3D}.isoconfigurational.n_replicas: must be a whole number, got 4.0 (write 4) @n_replicas: 4.0"),
    ("float structure count", _set(f"{KA3D}.n_structures", 3.0),
     f"{KA3D}.n_structures: must be a whole number, got 3.0 (write 3) @n_structures: 3.0"),
    ("float seed", _set("seed", 7.0), "seed: must be a whole number, got 7.0 (write 7) @seed: 7.0"),
    ("fractional seed", _set("seed", 7.5), "seed: 7.5 is not of type 'integer' @seed: 7.5"),
    ("boolean particle count", _set(f"{KA3D}.n_particles", True), f"{KA3D}.n_particles: True is not of type 'integer' @n_particles: true"),
    ("NaN tau_alpha", _set(f"{SP}.tau_alpha", float("nan")), f"{SP}.tau_alpha: must be a finite number, got nan @tau_alpha: .nan"),
    ("NaN timestep", _set(f"{KA3D}.timestep", float("nan")), f"{KA3D}.timestep: must be a finite number, got nan @timestep: .nan"),
    ("infinite density", _set(f"{KA3D}.density", float("inf")), f"{KA3D}.density: must be a finite number, got inf @density: .inf"),
    ("NaN in a time grid", _set(f"{SP}.times", [0.1, float("nan")]), f"{SP}.times.1: must be a finite number, got nan @- .nan"),
    ("exponent without a dot", _set(f"{KA3D}.timestep", "5e-3"),
     f"{KA3D}.timestep: '5e-3' is a string to YAML; write numbers in exponent form with a dot (e.g. 1.0e-4) @timestep: 5e-3"),
    ("text for a number", _set(f"{KA3D}.density", "dense"), f"{KA3D}.density: 'dense' is not of type 'number' @density: dense"),
    ("negative replica count", _set(f"{KA3D}.isoconfigurational.n_replicas", -1),
     f"{KA3D}.isoconfigurational.n_replicas: -1 is less than the minimum of 1 @n_replicas: -1"),
    ("fraction above the maximum", _set(f"{KA3D}.models.validation_fraction", 1.5),
     f"{KA3D}.models.validation_fraction: 1.5 is greater than the maximum of 0.9 @validation_fraction: 1.5"),
    # names and keys
    ("unknown mixture", _set(f"{KA3D}.mixture", "argon"),
     f"{KA3D}.mixture: 'argon' is not one of ['kob_andersen_3d', 'kob_andersen_2d_ternary'] @mixture: argon"),
    ("misspelt key", _set(f"{KA3D}.isoconfigurational.n_replica", 3),
     f"{KA3D}.isoconfigurational.n_replica: unknown key (did you mean 'n_replicas'?) @n_replica: 3"),
    ("scheduler key in the config", _set("threads", 4),
     "threads: unknown key (known keys: seed, results, plugins, systems) @threads: 4"),
    ("missing timestep", _drop(f"{KA3D}.timestep"), f"{KA3D}.timestep: required key is missing @ka3d:"),  # its system's line
    ("unknown descriptor set", _set(f"{KA3D}.descriptors.sets", ["glassmlp-prl", "mine"]),
     f"{KA3D}.descriptors.sets.1: 'mine' is not one of ['baselines', 'cage', 'glassmlp-prl', 'roadmap', 'tglassmlp-prb'] "
     "(a plug-in's name? list its module under plugins) @- mine"),
    ("unknown model", _set(f"{KA3D}.models.train", ["glassmlp", "mymodel"]), None),  # the message lists every model
    ("plug-in that does not import", _set("plugins", ["no_such_module_here"]),
     "plugins.0: cannot import 'no_such_module_here': ModuleNotFoundError: No module named 'no_such_module_here' "
     "@- no_such_module_here"),
    ("results not a path", _set("results", 5), "results: 5 is not of type 'string' @results: 5"),
    ("no systems", _set("systems", {}), "systems: {} should be non-empty @systems:"),
    ("no state points", _set(f"{KA3D}.state_points", []), f"{KA3D}.state_points: [] should be non-empty @state_points: []"),
    ("unknown equilibration", _set(f"{KA3D}.equilibration.mode", "anneal"),
     f"{KA3D}.equilibration.mode: 'anneal' is not one of ['independent', 'single_run', 'swap'] @mode: anneal"),
    # times
    ("times decreasing", _set(f"{SP}.times", [1.0, 0.5]), f"{SP}.times: times must be strictly increasing, got [1.0, 0.5] @times:#1"),
    ("time under one step", _set(f"{SP}.times", [0.001, 0.002]),
     f"{SP}.times: first time [0.001, 0.002] is shorter than one time step (0.005) @times:#1"),
    ("two times one step", _set(f"{SP}.times", [0.1, 0.101]),
     f"{SP}.times: two times round to the same MD step with timestep 0.005: steps [20, 20] @times:#1"),
    ("log grid backwards", _set(f"{SP}.times", {"log_spaced": {"start": 10.0, "stop": 1.0, "num": 4}}),
     f"{SP}.times.log_spaced: stop must exceed start @log_spaced:#1"),
    ("duplicate temperature", _set(f"{KA3D}.state_points", [DEMO["systems"]["ka3d"]["state_points"][0]] * 2),
     f"{KA3D}.state_points: temperatures must be unique, got [0.64, 0.64] @state_points:#1"),
    # the system and its split
    ("box too small", _set(f"{KA3D}.n_particles", 50),
     f"{KA3D}.n_particles: box edge 3.467 is smaller than twice the largest cutoff (2.500); use more particles @n_particles: 50"),
    ("split beyond the structures", _set(f"{KA3D}.split", {"train": 5, "test": 5}),
     f"{KA3D}.split: train + test = 10 exceeds n_structures = 6 @split:#1"),
    ("no test structure", _set(f"{KA3D}.split", {"train": 6, "test": 0}),
     f"{KA3D}.split: models need at least one training and one test structure @split:#1"),
    ("files on a simulated system", _set(f"{SP}.files", "x/*.npz"),
     f"{SP}.files: only imported systems (with `source`) read files @files: x/*.npz"),
    # models
    ("type beyond the mixture", _set(f"{KA3D}.models.particle_types", [2]),
     f"{KA3D}.models.particle_types: types [2], but kob_andersen_3d has 2 @particle_types:#1"),
    ("time index beyond the grid", _set(f"{KA3D}.models.time_indices", [3, 9]),
     f"{KA3D}.models.time_indices: indices [9] beyond the 7 times of state point 0 @time_indices:#1"),
    ("model without its descriptors", _set(f"{KA3D}.descriptors.sets", ["glassmlp-prl", "baselines"]),
     f"{KA3D}.descriptors.sets: model 'cage-ridge' reads descriptor set 'cage'; add it to the sets @sets:#1"),
    ("study of a model not trained", _set(f"{KA3D}.models.studies", {"learning_curve": {"models": ["se3"], "training_sizes": [1]}}),
     f"{KA3D}.models.studies.learning_curve.models: 'se3' is not in models.train @models:#2"),
    # planning
    ("learning curve beyond the training set", _set(f"{KA3D}.models.studies", {"learning_curve": {"models": ["glassmlp"], "training_sizes": [50]}}),
     f"{KA3D}.models.studies.learning_curve.training_sizes: 50 training structures asked for at T = 0.64, but split.train = 4 "
     "leaves 3 after the 1 validation structures @training_sizes:"),
    ("pretraining beyond the times", _set(f"{KA3D}.models.botan.pretraining.time_index", 9),
     f"{KA3D}.models.botan.pretraining.time_index: 9 is beyond the 7 times of T = 0.64 @time_index: 9"),
    ("pretraining at no state point", _set(f"{KA3D}.models.botan.pretraining.temperature", 0.5),
     f"{KA3D}.models.botan.pretraining.temperature: no state point at T = 0.5; configured: ['0.64'] @temperature: 0.5"),
    # imported data
    ("files glob names folders", _imported(lambda d: (d / "folder").mkdir() or str(d / "*")),
     "systems.pub.state_points.0.files: '{tmp}/*' matches 1 entries that are not files, e.g. '{tmp}/folder' "
     "(a folder? end the glob in the file pattern) @files:"),
    ("files glob matches nothing", _imported(lambda d: str(d / "none" / "*.npz")),
     "systems.pub.state_points.0.files: no file matches '{tmp}/none/*.npz' (relative to {tmp}) @files:"),
    ("botan without a box", _both(_imported(lambda d: (d / "s.npz").touch() or str(d / "*.npz")), _drop("systems.pub.source.box")),
     "systems.pub.source.box: botan files store no box; give its edge length @source:"),
    # predictions of other systems, tGlassMLP's two steps
    ("predict with an unknown system", _predicted(predict_with={"system": "nope"}),
     "systems.large.predict_with.system: no other system 'nope'; systems: ['ka2d', 'ka3d', 'large'] @system: nope"),
    ("predict with another mixture", _predicted(mixture="kob_andersen_3d", potential="force_shifted", density=1.2),
     "systems.large.predict_with.system: the models of 'ka2d' are trained on mixture 'kob_andersen_2d_ternary', not "
     "'kob_andersen_3d': predictions need the same mixture @system: ka2d"),
    ("predict with a models block", _predicted(models={"train": ["glassmlp"]}),
     "systems.large.models: a predict_with system uses the models block of the system it names; choose models with "
     "predict_with.models @models:#3"),
    ("no labels and no models", _predicted(predict_with=None, split=None),
     "systems.large.state_points: a state point without labels needs predict_with or tglassmlp (models to predict it) "
     "@state_points:#3"),
    ("two-step above every labelled T", _two_step(two_step={"t_min": 0.7, "transferred": [{"temperature": 0.5, "mean_labels": [0.9]}]}),
     f"{KA2D}.models.tglassmlp.two_step.t_min: no state point with labels at T >= 0.7; labelled: [0.6] @t_min: 0.7"),
    ("two-step at no state point", _two_step(two_step={"t_min": 0.6, "transferred": [{"temperature": 0.4, "mean_labels": [0.9]}]}),
     f"{KA2D}.models.tglassmlp.two_step.transferred.0.temperature: no state point at T = 0.4; state points: ['0.5', '0.6'] "
     "@- temperature: 0.4"),
    ("two-step off the grid", _two_step(two_step={"t_min": 0.6, "transferred": [{"temperature": 0.5, "mean_labels": [0.7]}]}),
     f"{KA2D}.models.tglassmlp.two_step.transferred.0.mean_labels: [0.7] are not on the grid models.tglassmlp.mean_labels "
     "[0.9, 0.5] @mean_labels:#2"),
]


def _written(tmp_path, mutate):
    config = copy.deepcopy(DEMO)
    mutate(config)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _expected(path, expected):
    """``expected`` with "{tmp}" the test's folder and "@<text>[#k]" replaced by "(<file> line <n>)",
    n the line that starts with <text> (the k-th such line where "#k" is given, else the only one)."""
    expected = expected.replace("{tmp}", str(path.parent))
    if " @" not in expected:
        return expected
    message, marker = expected.rsplit(" @", 1)
    marker, _, k = marker.partition("#")
    lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip().startswith(marker)]
    assert len(lines) == 1 or k, (marker, lines)
    return f"{message} ({path} line {lines[int(k or 1) - 1]})"


def _refusal(path) -> str:
    with pytest.raises(ConfigError) as info:
        plan_workflow(read_config_file(path), [str(path)])
    return str(info.value)


@pytest.mark.parametrize("case,mutate,expected", CASES, ids=[c[0] for c in CASES])
def test_a_bad_config_is_refused_in_one_line_naming_the_key(tmp_path, monkeypatch, case, mutate, expected):
    monkeypatch.chdir(tmp_path)
    path = _written(tmp_path, mutate)
    message = _refusal(path)
    print(case, "->", message)
    assert message.count("\n") == 0
    if expected is not None:
        assert message == "invalid config: " + _expected(path, expected)


#: (case, the file's bytes, the message after "glassdyn: invalid config: {file}")
BAD_FILES = [
    ("empty", b"", ": the config file holds no keys (empty or comments only)"),
    ("comments only", b"# a config to come\n\n# seed: 1\n", ": the config file holds no keys (empty or comments only)"),
    ("unclosed bracket", b"seed: 1\nsystems:\n  ka3d: [\n", " line 4: not valid YAML: expected the node content, but found '<stream end>'"),
    ("bad indentation", b"seed: 1\nsystems:\n  ka3d:\n    n_particles: 500\n   density: 1.2\n",
     " line 5: not valid YAML: expected <block end>, but found '<block mapping start>'"),
    ("a tab", b"seed: 1\nsystems:\n\tka3d: {}\n", " line 3: a tab in the indentation; YAML indents with spaces only"),
    ("a list at the top", b"- seed: 1\n", ": the config file's top level must be keys (a mapping), got a list"),
    ("a word at the top", b"hello\n", ": the config file's top level must be keys (a mapping), got a str"),
    ("not text", b"\xff\xfe\x00seed", None),
]


@pytest.mark.parametrize("case,content,expected", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_file_that_is_no_config_is_refused_with_its_name_and_line(tmp_path, case, content, expected):
    path = tmp_path / "config.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        read_config_file(path)
    message = str(info.value)
    assert message.count("\n") == 0 and message.startswith(f"invalid config: {path}")
    if expected is not None:
        assert message == f"invalid config: {path}{expected}"


def test_a_missing_config_file_is_refused_with_its_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        read_config_file("config/config.yaml")
    assert str(info.value) == (f"invalid config: config/config.yaml: no such config file (relative to {tmp_path}; "
                               "give --configfile <file>)")


def _workflow(tmp_path):
    work = tmp_path / "wf"
    work.mkdir()
    for item in ("Snakefile", "rules", "scripts", "report", "envs"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
    (work / "config").mkdir()
    return work


#: through Snakemake itself, without -n: (case, config/config.yaml bytes or a CASES name, --configfile or not)
WORKFLOW_CASES = [("a tab", "default"), ("unclosed bracket", "default"), ("float replica count", "--configfile"),
                  ("NaN tau_alpha", "default"), ("learning curve beyond the training set", "--configfile"),
                  ("pretraining beyond the times", "default")]


@pytest.mark.slow
@pytest.mark.parametrize("case,how", WORKFLOW_CASES, ids=[c[0] for c in WORKFLOW_CASES])
def test_snakemake_stops_before_any_job_with_the_same_line(tmp_path, case, how):
    work = _workflow(tmp_path)
    config = work / "config" / "config.yaml" if how == "default" else work / "mine.yaml"
    files = {c[0]: c[1] for c in BAD_FILES}
    if case in files:
        config.write_bytes(files[case])
        with pytest.raises(ConfigError) as info:
            read_config_file(config)
        planned = None
    else:
        mutate, expected = {c[0]: (c[1], c[2]) for c in CASES}[case]
        copy_of = copy.deepcopy(DEMO)
        mutate(copy_of)
        config.write_text(yaml.safe_dump(copy_of, sort_keys=False))
        planned = expected
    args = ["--configfile", config.name] if how == "--configfile" else []
    run = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", *args], cwd=work,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    if planned is None:
        assert last == f"glassdyn: {info.value}".replace(str(config), "config/config.yaml")
    else:
        # the file as the workflow names it: config/config.yaml as the Snakefile does, a
        # --configfile as Snakemake hands it over (absolute)
        expected = _expected(config, planned)
        if how == "default":
            expected = expected.replace(str(config), "config/config.yaml")
        assert last == f"glassdyn: invalid config: {expected}", last
    assert not (work / "results").exists() and not (work / "logs").exists()  # no job ran

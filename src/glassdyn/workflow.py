"""Glue between the Snakemake workflow and the library: naming, seeds, logging, stage entry points.

Rule files and scripts stay thin: they call these functions with plain values, which the
tests call the same way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import zlib

from dataclasses import asdict
from pathlib import Path

import numpy as np

from glassdyn.config import n_structures, requested_times, source_files, time_grid
from glassdyn.io import load, provenance, save
from glassdyn.md.checkpoint import Checkpoint, fingerprint
from glassdyn.md.runtime import software_versions
from glassdyn.systems import PairPotential, get_mixture

log = logging.getLogger("glassdyn")

STRUCTURE_DIGITS = 5


# -- naming ----------------------------------------------------------------------------------
def format_temperature(temperature: float) -> str:
    """Temperature as it appears in paths: 0.44 -> '0.44', 0.5 -> '0.5'."""
    return f"{float(temperature):g}"


def format_structure(index: int) -> str:
    return f"{int(index):0{STRUCTURE_DIGITS}d}"


def state_point(system: dict, temperature: str | float) -> dict:
    """The state point of ``system`` whose formatted temperature is ``temperature``."""
    wanted = format_temperature(float(temperature))
    for sp in system["state_points"]:
        if format_temperature(sp["temperature"]) == wanted:
            return sp
    known = [format_temperature(sp["temperature"]) for sp in system["state_points"]]
    raise KeyError(f"no state point at T = {wanted}; configured: {known}")


def structures(config: dict):
    """Yield (system name, formatted temperature, formatted structure index) for every structure."""
    for name, system in config["systems"].items():
        for sp in system["state_points"]:
            for i in range(n_structures(system, sp)):
                yield name, format_temperature(sp["temperature"]), format_structure(i)


def source_format(system: dict) -> str | None:
    """'botan', 'deepmind' or 'glassbench' for an imported system, None for a simulated one."""
    return system["source"]["format"] if "source" in system else None


def source_file(system: dict, temperature: str, structure: str) -> str:
    """The data file an imported structure comes from (natural order of the state point's glob)."""
    files = source_files(state_point(system, temperature)["files"])
    index = int(structure)
    if index >= len(files):
        raise IndexError(f"structure {structure} asked for, but only {len(files)} files match")
    return files[index]


def potential(system: dict) -> PairPotential:
    return PairPotential(get_mixture(system["mixture"]), system.get("potential", "force_shifted"))


# -- seeds -----------------------------------------------------------------------------------
def derive_seed(base_seed: int, *keys) -> int:
    """A seed in [1, 2^31 - 1) that depends only on ``base_seed`` and ``keys``.

    Keys are strings or integers naming the job (stage, system, T, structure, replica), so
    every random stream is reproducible and independent of the order jobs run in.
    """
    spawn_key = tuple(k if isinstance(k, int) else zlib.crc32(str(k).encode()) for k in keys)
    state = np.random.SeedSequence(entropy=int(base_seed), spawn_key=spawn_key).generate_state(1)[0]
    return int(state % (2**31 - 2)) + 1


# -- logging ---------------------------------------------------------------------------------
@contextlib.contextmanager
def logged(log_file: str | Path | None):
    """Send glassdyn's log to ``log_file`` and record any exception (with LAMMPS' message) there."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    for h in handlers:
        h.setFormatter(fmt)
        root.addHandler(h)
    root.setLevel(logging.INFO)
    try:
        yield
    except BaseException:
        log.exception("stage failed")
        raise
    finally:
        for h in handlers:
            root.removeHandler(h)
            h.close()


# -- stages ---------------------------------------------------------------------------------
#: Seconds between checkpoints of long jobs (operational, not science: overridable per run).
CHECKPOINT_INTERVAL = float(os.environ.get("GLASSDYN_CHECKPOINT_INTERVAL", 600))


def _checkpoint(output, suffix: str = "checkpoint", **identity) -> Checkpoint:
    return Checkpoint(f"{output}.{suffix}", identity, interval=CHECKPOINT_INTERVAL)


def _system_record(name: str, system: dict, base_seed: int) -> dict:
    return {"system_name": name, "seed": base_seed, "system": system}


def equilibrate_structure(
    *,
    name: str,
    system: dict,
    temperature: str,
    structure: str,
    base_seed: int,
    output,
    previous=None,
    lammps_log=None,
):
    """Stage ``equilibrate_structure``: write one equilibrated structure to ``output``.

    ``previous`` (single_run and swap modes, structure >= n_chains): continue that structure
    instead of starting from a random configuration.
    """
    from glassdyn.md.equilibrate import EquilibrationProtocol, continue_equilibration, equilibrate_from_scratch

    if system["equilibration"]["mode"] == "swap":
        return _equilibrate_with_swap(name=name, system=system, temperature=temperature, structure=structure,
                                      base_seed=base_seed, output=output, previous=previous, lammps_log=lammps_log)

    sp = state_point(system, temperature)
    eq = system["equilibration"]
    pot = potential(system)
    seed = derive_seed(base_seed, "equilibrate", name, temperature, int(structure))
    tau = sp["tau_alpha"]
    common = dict(
        temperature=sp["temperature"],
        timestep=system["timestep"],
        melt_temperature=eq["melt_temperature"],
        melt_time=eq["melt_time"],
        quench_time=eq["quench_time"],
        thermostat_damping=system["thermostat_damping"],
    )
    if previous is None:
        protocol = EquilibrationProtocol(equilibration_time=eq["duration_tau_alpha"] * tau, **common)
        checkpoint = _checkpoint(output, protocol=asdict(protocol), seed=seed, system=system)
        log.info("equilibrating %s T=%s structure %s from scratch (%s)", name, temperature, structure, protocol)
        result = equilibrate_from_scratch(
            pot, system["n_particles"], system["density"], protocol, np.random.default_rng(seed),
            log_file=lammps_log, checkpoint=checkpoint,
        )
    else:
        protocol = EquilibrationProtocol(equilibration_time=eq["sample_interval_tau_alpha"] * tau, **common)
        start = load(previous, "structure")
        checkpoint = _checkpoint(output, protocol=asdict(protocol), start=fingerprint(start.positions, start.velocities))
        log.info("continuing %s for %g tau to structure %s", previous, protocol.equilibration_time, structure)
        result = continue_equilibration(
            pot, start, protocol, source=str(previous), log_file=lammps_log, checkpoint=checkpoint
        )
    result.metadata.update(tau_alpha=tau, structure_index=int(structure), system_name=name)
    save(output, result, provenance(software=software_versions(), config=_system_record(name, system, base_seed), seeds={"equilibration": seed}, stage="equilibrate_structure"))
    checkpoint.remove()
    log.info("wrote %s (E_pot/N = %.5f)", output, result.metadata["final_potential_energy"])


def swap_protocol(system: dict, temperature: float):
    """The :class:`~glassdyn.md.swap_equilibration.SwapProtocol` of a swap-mode system at T."""
    from glassdyn.md.swap_equilibration import SwapProtocol

    options = system["equilibration"]["swap"]
    return SwapProtocol(
        temperature=temperature, timestep=system["timestep"], thermostat_damping=system["thermostat_damping"],
        n_md=options["n_md"], n_swap=options["attempts_per_phase"], wavenumber=options["wavenumber"],
        frames_per_window=options["frames_per_window"], initial_window=options["initial_window"],
        window_tau=options["window_tau"], tolerance=options["tolerance"], max_windows=options["max_windows"],
    )


def _equilibrate_with_swap(*, name, system, temperature, structure, base_seed, output, previous, lammps_log):
    from glassdyn.md.equilibrate import EquilibrationProtocol, continue_with_swap, equilibrate_with_swap_from_scratch

    sp = state_point(system, temperature)
    eq = system["equilibration"]
    pot = potential(system)
    seed = derive_seed(base_seed, "equilibrate", name, temperature, int(structure))
    protocol = EquilibrationProtocol(
        temperature=sp["temperature"], timestep=system["timestep"], equilibration_time=0.0,
        melt_temperature=eq["melt_temperature"], melt_time=eq["melt_time"], quench_time=eq["quench_time"],
        thermostat_damping=system["thermostat_damping"],
    )
    swap = swap_protocol(system, sp["temperature"])
    if previous is None:
        identity = dict(protocol=asdict(protocol), swap=asdict(swap), seed=seed, system=system)
        checkpoint, swap_checkpoint = _checkpoint(output, **identity), _checkpoint(output, "swap-checkpoint", **identity)
        log.info("equilibrating %s T=%s structure %s with swap Monte Carlo (%s)", name, temperature, structure, swap)
        result = equilibrate_with_swap_from_scratch(
            pot, system["n_particles"], system["density"], protocol, swap, np.random.default_rng(seed),
            seed=seed, log_file=lammps_log, checkpoint=checkpoint, swap_checkpoint=swap_checkpoint,
        )
        checkpoints = [checkpoint, swap_checkpoint]
    else:
        start = load(previous, "structure")
        if "tau_alpha_swap" not in start.metadata:
            raise ValueError(f"{previous} was not equilibrated with swap Monte Carlo (no tau_alpha_swap in its metadata)")
        duration = eq["sample_interval_tau_alpha"] * float(start.metadata["tau_alpha_swap"])
        checkpoint = _checkpoint(output, swap=asdict(swap), seed=seed, duration=duration,
                                 start=fingerprint(start.positions, start.velocities, start.types))
        log.info("continuing %s with swap + MD for %g tau (%g tau_alpha^SWAP) to structure %s",
                 previous, duration, eq["sample_interval_tau_alpha"], structure)
        result = continue_with_swap(pot, start, protocol, swap, duration, seed=seed, source=str(previous),
                                    log_file=lammps_log, checkpoint=checkpoint)
        checkpoints = [checkpoint]
    result.metadata.update(tau_alpha=sp["tau_alpha"], structure_index=int(structure), system_name=name)
    save(output, result, provenance(software=software_versions(), config=_system_record(name, system, base_seed), seeds={"equilibration": seed}, stage="equilibrate_structure"))
    for c in checkpoints:
        c.remove()
    log.info("wrote %s (E_pot/N = %.5f, tau_alpha^SWAP = %.4g)", output, result.metadata["final_potential_energy"],
             result.metadata["tau_alpha_swap"])


def run_isoconfigurational(*, name: str, system: dict, temperature: str, structure_file, base_seed: int, output, lammps_log=None):
    """Stage ``run_isoconfigurational``: all replicas of one structure, written to ``output``."""
    from glassdyn.md.isoconfigurational import run_isoconfigurational as run

    sp = state_point(system, temperature)
    iso = system["isoconfigurational"]
    structure = load(structure_file, "structure")
    index = int(structure.metadata.get("structure_index", -1))
    seeds = [derive_seed(base_seed, "isoconfigurational", name, temperature, index, k) for k in range(iso["n_replicas"])]
    steps, _ = time_grid(sp, system["timestep"])
    log.info("%d replicas of %s, %d times up to t = %g", len(seeds), structure_file, len(steps), steps[-1] * system["timestep"])
    checkpoint = _checkpoint(
        output, seeds=seeds, steps=steps.tolist(), system=system, temperature=sp["temperature"],
        structure=fingerprint(structure.positions),
    )
    ensemble = run(
        potential(system),
        structure,
        temperature=sp["temperature"],
        steps=steps,
        timestep=system["timestep"],
        replica_seeds=seeds,
        ensemble=iso["ensemble"],
        thermostat_damping=system["thermostat_damping"],
        exact_temperature=iso["exact_temperature"],
        log_file=lammps_log,
        checkpoint=checkpoint,
    )
    ensemble.metadata.update(tau_alpha=sp["tau_alpha"], structure_index=index, system_name=name, structure_file=str(structure_file))
    save(output, ensemble, provenance(software=software_versions(), config=_system_record(name, system, base_seed), seeds={"replicas": seeds}, stage="run_isoconfigurational"))
    checkpoint.remove()
    log.info("wrote %s", output)


def quench_inherent_structure(*, name: str, system: dict, structure_file, base_seed: int, output, lammps_log=None):
    """Stage ``quench_inherent_structure``: minimise one structure, written to ``output``."""
    from glassdyn.md.inherent import quench_to_inherent_structure

    opts = system["inherent_structure"]
    structure = load(structure_file, "structure")
    result = quench_to_inherent_structure(
        potential(system),
        structure,
        min_style=opts["min_style"],
        force_tolerance=opts["force_tolerance"],
        max_iterations=opts["max_iterations"],
        step_size=opts["step_size"],
        log_file=lammps_log,
    )
    result.metadata.update(
        temperature=structure.metadata.get("temperature"),
        structure_index=structure.metadata.get("structure_index"),
        system_name=name,
        structure_file=str(structure_file),
    )
    save(output, result, provenance(software=software_versions(), config=_system_record(name, system, base_seed), stage="quench_inherent_structure"))
    log.info("wrote %s", output)


def _labels_options(system: dict) -> dict:
    opts = system["labels"]
    inner, outer = opts["bond_breaking_cutoffs"]
    return dict(inner=inner, outer=outer, edge_cutoff=opts["edge_cutoff"], wavenumbers=opts["wavenumbers"], n_splits=opts["n_splits"])


def compute_labels(*, name: str, system: dict, temperature: str, isoconfigurational_file, base_seed: int, output):
    """Stage ``compute_labels``: R, C_B, E_ij, F_s and split-half correlations of one structure."""
    from glassdyn.labels import labels_from_ensemble

    ensemble = load(isoconfigurational_file, "isoconfigurational")
    index = int(ensemble.metadata.get("structure_index", -1))
    seed = derive_seed(base_seed, "labels", name, temperature, index)
    mixture = get_mixture(system["mixture"])
    if ensemble.types.max() >= mixture.n_types:
        raise ValueError(f"{isoconfigurational_file}: type {ensemble.types.max()} but {mixture.name} has {mixture.n_types} types")
    log.info("labels of %s: %d replicas, %d times, %d particles", isoconfigurational_file, ensemble.n_replicas, len(ensemble.times), ensemble.n_particles)
    labels = labels_from_ensemble(ensemble, mixture.sigma_matrix, seed=seed, **_labels_options(system))
    labels.metadata.update(structure_index=index, system_name=name, temperature=state_point(system, temperature)["temperature"],
                           tau_alpha=state_point(system, temperature)["tau_alpha"], source=str(isoconfigurational_file))
    save(output, labels, provenance(software=software_versions(), config=_system_record(name, system, base_seed), seeds={"split_half": seed}, stage="compute_labels"))
    log.info("wrote %s (mean neighbours %.2f, %d edges)", output, labels.metadata["mean_neighbours"], len(labels.edges))


def summarize_dynamics(*, name: str, system: dict, label_files, base_seed: int, output, table):
    """Stage ``summarize_dynamics``: F_s, tau_alpha, <C_B>, chi_4 and noise ceiling of one system and T."""
    from glassdyn.analysis.summary import summarize_labels, summary_table

    opts = system["labels"]["overlap"]
    summary = summarize_labels((load(f, "labels") for f in label_files), opts["a"], opts["sharpness"])
    summary.metadata.update(system_name=name)
    save(output, summary, provenance(software=software_versions(), config=_system_record(name, system, base_seed), stage="summarize_dynamics"))
    Path(table).write_text(summary_table(summary))
    if summary.tau_alpha is not None:
        q = summary.wavenumbers[0]
        log.info("tau_alpha (F_s = 1/e at q = %.4g) per type: %s", q, summary.tau_alpha[:, 0])
    log.info("wrote %s and %s from %d structures", output, table, summary.metadata["n_structures"])


def _import_metadata(name: str, system: dict, sp: dict, structure: str) -> dict:
    return {"temperature": sp["temperature"], "tau_alpha": sp["tau_alpha"], "structure_index": int(structure),
            "system_name": name, "mixture": system["mixture"], "potential": system["potential"]}


def import_isoconfigurational(*, name: str, system: dict, temperature: str, structure: str, base_seed: int, structure_output, output):
    """Stage ``import_isoconfigurational``: a BOTAN or DeepMind file as structure + ensemble files."""
    from glassdyn.io import Structure
    from glassdyn.io.importers import read_botan, read_deepmind

    sp = state_point(system, temperature)
    path = source_file(system, temperature, structure)
    meta = _import_metadata(name, system, sp, structure)
    fmt = source_format(system)
    if fmt == "botan":
        ensemble = read_botan(path, box=system["source"]["box"], times=requested_times(sp), metadata=meta)
    else:
        ensemble = read_deepmind(path, metadata=meta)
        if "times" in sp and not np.allclose(ensemble.times, requested_times(sp), rtol=1e-6):
            raise ValueError(f"{path}: times {ensemble.times.tolist()} differ from the configured {requested_times(sp).tolist()}")
    structure_record = Structure(positions=ensemble.initial_positions, types=ensemble.types, box=ensemble.box,
                                 metadata={**meta, "source_file": str(path)})
    prov = provenance(software=software_versions(), config=_system_record(name, system, base_seed), stage="import_isoconfigurational", source_file=str(Path(path).resolve()))
    save(structure_output, structure_record, prov)
    save(output, ensemble, prov)
    log.info("imported %s (%s): %d replicas, %d times", path, fmt, ensemble.n_replicas, len(ensemble.times))


def import_labels(*, name: str, system: dict, temperature: str, structure: str, base_seed: int,
                  structure_output, labels_output, inherent_output, cage_output):
    """Stage ``import_labels``: one GlassBench file as structure, labels, inherent structure, cage state."""
    from glassdyn.io.importers import read_glassbench

    sp = state_point(system, temperature)
    path = source_file(system, temperature, structure)
    meta = _import_metadata(name, system, sp, structure)
    records = read_glassbench(path, box=system["source"]["box"], times=requested_times(sp), potential=potential(system), metadata=meta)
    for kind, key in (("inherent_structure", "initial_positions_inherent"), ("cage_state", "initial_positions_cage")):
        if kind not in records:
            raise ValueError(f"{path}: key '{key}': missing; the workflow needs it to continue from this data set")
    prov = provenance(software=software_versions(), config=_system_record(name, system, base_seed), stage="import_labels", source_file=str(Path(path).resolve()))
    for kind, out in (("structure", structure_output), ("labels", labels_output), ("inherent_structure", inherent_output), ("cage_state", cage_output)):
        save(out, records[kind], prov)
    log.info("imported %s (glassbench): %d times, %d particles", path, len(records["labels"].times), records["labels"].n_particles)


def export_glassbench(*, labels_file, inherent_file, output, cage_file=None):
    """Stage ``export_glassbench``: our labels and inherent structure in the roadmap's .npz layout."""
    from glassdyn.io.importers import write_glassbench

    cage = load(cage_file, "cage_state") if cage_file else None
    write_glassbench(output, load(labels_file, "labels"), load(inherent_file, "inherent_structure"), cage)
    log.info("wrote %s", output)



# -- descriptors -------------------------------------------------------------------------------
def compute_cage_state(*, name: str, system: dict, temperature: str, structure_file, base_seed: int, output):
    """Stage ``compute_cage_state``: Monte Carlo with every particle held in its cage (roadmap SI I.E)."""
    from glassdyn.descriptors.cage import CageStateMonteCarlo
    from glassdyn.io import CageState

    opts = system["descriptors"]["cage_state"]
    structure = load(structure_file, "structure")
    index = int(structure.metadata.get("structure_index", -1))
    seed = derive_seed(base_seed, "cage_state", name, temperature, index)
    sp = state_point(system, temperature)

    def progress(phase, done, total, acceptance):
        log.info("%s: %d/%d sweeps, acceptance %.3f", phase, done, total, acceptance)

    mc = CageStateMonteCarlo(
        potential(system), sp["temperature"], cage_radius_factor=opts["radius_factor"],
        n_equilibration_sweeps=opts["equilibration_sweeps"], n_sampling_sweeps=opts["sampling_sweeps"],
        seed=seed, progress=progress,
    ).compute(structure.positions, structure.types, structure.box)
    record = CageState(positions=mc.positions, types=structure.types, box=structure.box, metadata={
        "temperature": sp["temperature"], "structure_index": index, "system_name": name,
        "structure_file": str(structure_file), "acceptance": mc.acceptance, "max_step": mc.max_step_,
        "mean_displacement": float(mc.displacement.mean()), "max_standard_error": float(mc.standard_error.max()),
        **{f"cage_{k}": v for k, v in opts.items()},
    })
    save(output, record, provenance(software=software_versions(), config=_system_record(name, system, base_seed), seeds={"monte_carlo": seed},
                                    stage="compute_cage_state"))
    log.info("wrote %s (acceptance %.3f, mean Delta r_cage %.4f)", output, mc.acceptance, mc.displacement.mean())


def compute_descriptors(*, name: str, system: dict, descriptor_set: str, state_files: dict, base_seed: int, output):
    """Stage ``compute_descriptors``: one descriptor set of one structure.

    ``state_files`` maps state names (``structure``, ``inherent_structure``, ``cage_state``)
    to files; only those the set needs are read.
    """
    from glassdyn.descriptors.sets import compute_descriptor_set, get_set

    spec = get_set(descriptor_set)
    states = {s: load(state_files[s], s) for s in spec.states}
    mixture = get_mixture(system["mixture"])
    first = states[spec.states[0]]
    if first.types.max() >= mixture.n_types:
        raise ValueError(f"{state_files[spec.states[0]]}: type {first.types.max()} but {mixture.name} has {mixture.n_types} types")
    log.info("descriptor set %s of %s (%d particles)", descriptor_set, state_files[spec.states[0]], first.n_particles)
    record = compute_descriptor_set(descriptor_set, states, mixture)
    record.metadata.update(system_name=name, structure_index=first.metadata.get("structure_index"),
                           temperature=first.metadata.get("temperature"),
                           **{f"{s}_file": str(state_files[s]) for s in spec.states})
    save(output, record, provenance(software=software_versions(), config=_system_record(name, system, base_seed), stage="compute_descriptors"))
    log.info("wrote %s: %d descriptors", output, record.values.shape[1])


# -- models ----------------------------------------------------------------------------------
def model_structures(system: dict, temperature: str, training: str = "all") -> dict:
    """Structure indices of one state point: train, validation and test (by structure).

    The split's training block (the first ``split.train`` structures) holds the validation
    structures at its end (``models.validation_fraction``); the test structures are the last
    ``split.test``. ``training = "n<N>"`` (learning curve) trains on the first N of the
    training structures and validates on the same validation structures as the full model.
    """
    sp = state_point(system, temperature)
    n_total = n_structures(system, sp)
    n_train = min(system["split"]["train"], n_total)
    n_test = system["split"]["test"]
    fraction = system["models"]["validation_fraction"]
    n_val = min(n_train - 1, max(1, int(round(fraction * n_train)))) if fraction > 0 and n_train > 1 else 0
    pool = list(range(n_train - n_val))
    if training.startswith("n"):
        size = int(training[1:])
        if size > len(pool):
            raise ValueError(f"learning curve asks for {size} training structures, only {len(pool)} exist")
        pool = pool[:size]
    return {"train": pool, "validation": list(range(n_train - n_val, n_train)),
            "test": list(range(n_total - n_test, n_total))}


def model_time_indices(system: dict, temperature: str) -> list[int]:
    """Time indices with a model: ``models.time_indices`` or every time of the grid."""
    sp = state_point(system, temperature)
    chosen = system["models"].get("time_indices")
    return list(chosen) if chosen else list(range(len(requested_times(sp))))


def model_names(system: dict, names=None) -> list[str]:
    """Workflow model names of ``names`` (default ``models.train``); baselines -> one per column."""
    from glassdyn.models.recipes import expand_model_names

    names = system["models"]["train"] if names is None else names
    return expand_model_names(names, get_mixture(system["mixture"]).dimension)


def _torch_threads(threads: int) -> None:
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(max(1, int(threads)))


def train_model(*, name: str, system: dict, temperature: str, model: str, label: str, particle_type: int,
                time_index: int, training: str, train_files: dict, validation_files: dict, base_seed: int, output,
                threads: int = 1):
    """Stage ``train_model``: fit one model for one label kind, particle type and time.

    train_files / validation_files: {"descriptors": [...], "labels": [...]}, one per structure.
    """
    from glassdyn.models import load_samples, save_model
    from glassdyn.models.recipes import build_model, columns_for, get_recipe

    _torch_threads(threads)
    options = system["models"].get(model) or {}
    columns = columns_for(model)
    kwargs = dict(label=label, time_index=int(time_index), columns=columns)
    train = load_samples(train_files["descriptors"], train_files["labels"], int(particle_type), **kwargs)
    validation = load_samples(validation_files["descriptors"], validation_files["labels"], int(particle_type), **kwargs)
    seed = derive_seed(base_seed, "train_model", name, temperature, model, label, int(particle_type), int(time_index), training)
    estimator = build_model(model, options, seed)
    log.info("training %s for %s T=%s %s type %d time %s (t = %g): %d training, %d validation structures", model, name,
             temperature, label, particle_type, time_index, train[0].state["time"], len(train), len(validation))
    estimator.fit(train, validation)
    sp = state_point(system, temperature)
    estimator.descriptor_set = get_recipe(model).descriptor_set_for(options)
    estimator.columns = np.asarray(columns) if columns else load(train_files["descriptors"][0], "descriptors").names
    estimator.label, estimator.particle_type = label, int(particle_type)
    estimator.state = {"temperature": float(sp["temperature"]), "tau_alpha": float(sp["tau_alpha"]),
                       "time": train[0].state["time"], "time_index": int(time_index),
                       "mean_label": float(np.mean([s.state["mean_label"] for s in train]))}
    estimator.info = {"model": model, "system": name, "training": training, "seed": seed,
                      "training_files": [str(f) for f in train_files["labels"]],
                      "validation_files": [str(f) for f in validation_files["labels"]]}
    save_model(output, estimator, provenance(software=software_versions(), config=_system_record(name, system, base_seed), seeds={"model": seed},
                                             stage="train_model"))
    log.info("wrote %s (%s)", output, json_summary(estimator.describe()))


def json_summary(info: dict, limit: int = 300) -> str:
    import json

    text = json.dumps(info, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def predict_model(*, name: str, system: dict, temperature: str, model: str, label: str, training: str,
                  model_files: dict, descriptor_files, structures, output, threads: int = 1):
    """Stage ``predict_model``: one model's predictions for structures of one state point.

    model_files: {target time index: [model file per particle type]}; the model may come from
    another temperature (transfer) or a smaller training set (learning curve).
    """
    from glassdyn.io import Predictions
    from glassdyn.models import load_model
    from glassdyn.models.evaluation import predict_structures

    _torch_threads(threads)
    sp = state_point(system, temperature)
    times = _state_point_times(system, sp)
    loaded = {f: load_model(f) for files in model_files.values() for f in files}  # tGlassMLP: one file, all times
    models = [(int(t), loaded[f]) for t, files in model_files.items() for f in files]
    descriptors = [load(path, "descriptors") for path in descriptor_files]
    values = predict_structures(models, descriptors, len(times), float(sp["temperature"]), times)
    reference = descriptors[0]
    record = Predictions(values=values, structures=np.asarray(structures, dtype=np.int64), times=times,
                         types=np.stack([d.types for d in descriptors]), box=reference.box,
                         metadata={"system_name": name, "temperature": float(sp["temperature"]), "model": model,
                                   "label": label, "training": training, "tau_alpha": float(sp["tau_alpha"]),
                                   "model_files": {str(t): [str(f) for f in fs] for t, fs in model_files.items()}})
    save(output, record, provenance(software=software_versions(), stage="predict_model"))
    log.info("wrote %s: %d structures x %d times", output, len(descriptors), len(model_files))


def _state_point_times(system: dict, sp: dict) -> np.ndarray:
    """The label time grid of a state point (tau): MD steps x timestep when simulated."""
    if source_format(system) is None:
        return time_grid(sp, system["timestep"])[1]
    return requested_times(sp)


def transfer_time_map(system: dict, temperature: str, source_temperature: str) -> dict:
    """{target time index: source time index} at equal t / tau_alpha (roadmap SI II.G)."""
    from glassdyn.models.evaluation import matching_time_index

    target, source = state_point(system, temperature), state_point(system, source_temperature)
    target_times, source_times = _state_point_times(system, target), _state_point_times(system, source)
    source_indices = model_time_indices(system, source_temperature)
    out = {}
    for t in model_time_indices(system, temperature):
        if t >= len(target_times):
            continue
        k = matching_time_index(target_times[t], target["tau_alpha"], source_times[source_indices], source["tau_alpha"])
        out[t] = source_indices[k]
    return out


def evaluate_model(*, name: str, system: dict, temperature: str, model: str, label: str, training: str,
                   predictions_file, label_files, output):
    """Stage ``evaluate_model``: Pearson, Spearman and R^2 per type and time on the test structures."""
    from glassdyn.models.evaluation import score_predictions, score_table, write_table

    predictions = load(predictions_file, "predictions")
    labels = [load(f, "labels") for f in label_files]
    scores = score_predictions(predictions, labels, label)
    rows = score_table(scores, predictions, system=name, temperature=temperature, model=model, label=label,
                       training=training, tau_alpha=state_point(system, temperature)["tau_alpha"])
    write_table(rows, output)
    for row in rows:
        if row["metric"] == "pearson":
            log.info("%s type %s t = %s: Pearson %s +- %s", model, row["particle_type"], row["time"], row["mean"], row["stderr"])


def compare_models(*, evaluation_files, dynamics_files: dict, output):
    """Stage ``compare_models``: every evaluation in one table, with the replica noise ceiling.

    dynamics_files: {(system, temperature): dynamics file}; the noise ceiling (largest
    reachable Pearson correlation, PRL Fig. 5a) enters as model ``noise_ceiling``.
    """
    from glassdyn.models.evaluation import read_table, write_table

    rows = [row for f in evaluation_files for row in read_table(f)]
    seen = {(r["system"], r["temperature"], r["label"], r["particle_type"]) for r in rows}
    for (system_name, temperature), path in dynamics_files.items():
        summary = load(path, "dynamics")
        if summary.noise_ceiling is None:
            continue
        tau = summary.metadata.get("tau_alpha")
        for kind, label in enumerate(("propensity", "bond_breaking")):
            for t, time in enumerate(summary.times):
                for k in range(summary.noise_ceiling.shape[2]):
                    value = summary.noise_ceiling[kind, t, k]
                    if not np.isfinite(value) or (system_name, temperature, label, str(k)) not in seen:
                        continue
                    rows.append({"system": system_name, "temperature": temperature, "model": "noise_ceiling",
                                 "label": label, "training": "", "particle_type": k, "time_index": t,
                                 "time": f"{time:.6g}", "t_over_tau_alpha": f"{time / tau:.6g}" if tau else "",
                                 "metric": "pearson", "mean": f"{value:.6f}", "stderr": "", "n_structures": ""})
    write_table(rows, output)
    log.info("wrote %s: %d rows from %d evaluations", output, len(rows), len(evaluation_files))


def train_transferable_model(*, name: str, system: dict, model: str, label: str, particle_type: int, training: str,
                             train_files: dict, validation_files: dict, base_seed: int, output, threads: int = 1):
    """Stage ``train_transferable_model``: tGlassMLP on every (T, time) state point at once.

    Every structure contributes one sample per modelled time; the state input is
    (T, <X>(t)), the mean label of the state point over its training structures (PRB II.A).
    """
    from glassdyn.models import make_sample, save_model
    from glassdyn.models.recipes import build_model, get_recipe

    _torch_threads(threads)
    options = system["models"].get(model) or {}

    def samples(files):
        out = []
        for d_file, l_file in zip(files["descriptors"], files["labels"]):
            descriptors, labels = load(d_file, "descriptors"), load(l_file, "labels")
            temperature = labels.metadata.get("temperature")
            if temperature is None:
                raise ValueError(f"{l_file}: no temperature in the metadata")
            for t in model_time_indices(system, format_temperature(temperature)):
                sample = make_sample(descriptors, labels, int(particle_type), label=label, time_index=t, name=Path(d_file).name)
                sample.state["temperature"] = float(temperature)
                out.append(sample)
        return out

    train, validation = samples(train_files), samples(validation_files)
    seed = derive_seed(base_seed, "train_transferable_model", name, model, label, int(particle_type), training)
    estimator = build_model(model, options, seed)
    points = sorted({(s.state["temperature"], s.state["time"]) for s in train})
    log.info("training %s for %s %s type %d on %d state points: %d training, %d validation samples", model, name, label,
             particle_type, len(points), len(train), len(validation))
    estimator.fit(train, validation)
    estimator.descriptor_set = get_recipe(model).descriptor_set_for(options)
    estimator.columns = load(train_files["descriptors"][0], "descriptors").names
    estimator.label, estimator.particle_type = label, int(particle_type)
    estimator.state = {"state_points": [list(p) for p in points]}
    estimator.info = {**(getattr(estimator, "info", {}) or {}), "model": model, "system": name, "training": training,
                      "seed": seed, "training_files": [str(f) for f in train_files["labels"]],
                      "validation_files": [str(f) for f in validation_files["labels"]]}
    save_model(output, estimator, provenance(software=software_versions(), config=_system_record(name, system, base_seed), seeds={"model": seed},
                                             stage="train_transferable_model"))
    log.info("wrote %s", output)

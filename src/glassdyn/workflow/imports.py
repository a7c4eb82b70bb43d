"""Import stages: published data sets in, our labels out in the roadmap's GlassBench layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glassdyn.config import requested_times
from glassdyn.io import DataFileError, load, save
from glassdyn.systems import get_mixture
from glassdyn.workflow.runtime import Job, job_provenance, log
from glassdyn.workflow.simulation import potential


def _import_metadata(job: Job) -> dict:
    config, sp = job.config, job.config["state_point"]
    return {"temperature": sp["temperature"], "tau_alpha": sp["tau_alpha"], "structure_index": int(job.wildcards["structure"]),
            "system_name": job.system_name, "mixture": config["mixture"], "potential": config["potential"]}


def import_isoconfigurational(job: Job) -> None:
    """Stage ``import_isoconfigurational``: a BOTAN or DeepMind file as structure + ensemble files."""
    from glassdyn.io import Structure
    from glassdyn.io.importers import read_botan, read_deepmind

    config, sp, path = job.config, job.config["state_point"], job.input["source"]
    meta = _import_metadata(job)
    fmt = config["source"]["format"]
    n_types = get_mixture(config["mixture"]).n_types
    if fmt == "botan":
        ensemble = read_botan(path, box=config["source"]["box"], times=requested_times(sp), n_types=n_types, metadata=meta)
    else:
        ensemble = read_deepmind(path, n_types=n_types, metadata=meta)
        if "times" in sp and not np.allclose(ensemble.times, requested_times(sp), rtol=1e-6):
            raise DataFileError(f"{path}: key 'times': {ensemble.times.tolist()} differ from the configured "
                             f"{requested_times(sp).tolist()}")
    structure = Structure(positions=ensemble.initial_positions, types=ensemble.types, box=ensemble.box,
                          metadata={**meta, "source_file": str(path)})
    prov = job_provenance(job, source_file=str(Path(path).resolve()))
    save(job.output["structure"], structure, prov)
    save(job.output["ensemble"], ensemble, prov)
    log.info("imported %s (%s): %d replicas, %d times", path, fmt, ensemble.n_replicas, len(ensemble.times))


def import_labels(job: Job) -> None:
    """Stage ``import_labels``: one GlassBench file as structure, labels, inherent structure, cage state."""
    from glassdyn.io.importers import read_glassbench

    config, path = job.config, job.input["source"]
    records = read_glassbench(path, box=config["source"]["box"], times=requested_times(config["state_point"]),
                              potential=potential(config), n_types=get_mixture(config["mixture"]).n_types,
                              metadata=_import_metadata(job))
    for kind, key in (("inherent_structure", "initial_positions_inherent"), ("cage_state", "initial_positions_cage")):
        if kind not in records:
            raise DataFileError(f"{path}: key '{key}': missing; the workflow needs it to continue from this data set")
    prov = job_provenance(job, source_file=str(Path(path).resolve()))
    for kind in ("structure", "labels", "inherent_structure", "cage_state"):
        save(job.output[kind], records[kind], prov)
    log.info("imported %s (glassbench): %d times, %d particles", path, len(records["labels"].times), records["labels"].n_particles)


def export_glassbench(job: Job) -> None:
    """Stage ``export_glassbench``: our labels and inherent structure in the roadmap's .npz layout."""
    from glassdyn.io.importers import write_glassbench

    cage_file = job.input.get("cage_state")
    cage = load(cage_file, "cage_state") if cage_file else None
    write_glassbench(job.output["npz"], load(job.input["labels"], "labels"),
                     load(job.input["inherent_structure"], "inherent_structure"), cage)
    log.info("wrote %s", job.output["npz"])

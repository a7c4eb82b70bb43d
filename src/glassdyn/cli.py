"""Command line: ``glassdyn predict``, ``glassdyn show`` and ``glassdyn check``.

    glassdyn predict results/ka3d/T0.44/models/all/glassmlp/propensity/type0/t*.h5 \\
        --descriptors my_structure_glassmlp-prl.h5 -o predictions.h5
    glassdyn predict results/ka3d/T0.44/models/all/botan/propensity/typeall/t*.h5 \
        --structure my_structure.h5 -o predictions.h5
    glassdyn show results/ka3d/T0.44/models/all/glassmlp/propensity/type0/t006.h5

``predict`` applies saved models (one per time and particle type, as ``train_model`` writes
them) to one structure's descriptor file (``compute_descriptors`` output, or any
``descriptors`` file with the columns the models were trained on) and writes a
``predictions`` file: values (1, n_t, N), NaN for particles of types no model covers. Graph
models (BOTAN, NT-GNN, GNN(DM)) read the structure itself (``--structure``, an equilibrated
``structure`` file: thermal positions) and predict every particle; BOTAN adds its pair
predictions E_ij(t) (``edge_values``). The SE(3) network (one file for all its times) also
reads the structure's inherent structure (``--inherent-structure``, a
``quench_inherent_structure`` output) for the particles' energies:

    glassdyn predict results/ka3d/T0.44/models/all/se3/propensity/typeall/tall.h5 \
        --structure my_structure.h5 --inherent-structure my_inherent_structure.h5 -o predictions.h5

``show`` prints what a model file is, one line per fact (``--json``: the whole record).
``check`` reads config files as ``snakemake --configfile`` would (later files override
earlier ones), validates and plans them, and prints the plan; a file Snakemake's own reader
would refuse with a generic message is refused with its name and line:

    glassdyn check config/presets/roadmap-ka3d.yaml
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path

import numpy as np


class CommandError(Exception):
    """A refusal of the command line: printed as one line, ``glassdyn <command>: <message>``."""


@contextlib.contextmanager
def _reading(path):
    """Name ``path`` in any error that reading or using it raises without naming it."""
    try:
        yield
    except (KeyError, IndexError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise CommandError(message if str(path) in str(message) else f"{path}: {message}") from None


def _output_path(path) -> Path:
    out = Path(path)
    if out.is_dir() or str(path).endswith(os.sep):
        raise CommandError(f"-o {path}: a folder; give the file to write (e.g. {Path(path) / 'predictions.h5'})")
    if out.parent != Path() and out.parent.exists() and not out.parent.is_dir():
        raise CommandError(f"-o {path}: {out.parent} is not a folder")
    return out


def _predict(args) -> int:
    from glassdyn.io import Predictions, load, provenance, save
    from glassdyn.md.runtime import software_versions
    from glassdyn.models import load_model
    from glassdyn.models.evaluation import predict_graphs, predict_structure

    output = _output_path(args.output)  # before minutes of prediction
    models = []
    for p in args.models:
        with _reading(p):
            models.append(load_model(p))
    graph = [bool(getattr(m, "GRAPH", False)) for m in models]
    if any(graph) and not all(graph):
        raise SystemExit("glassdyn predict: graph models (which read --structure) and descriptor models (--descriptors) "
                         "cannot be mixed; predict them separately")
    if all(graph) and args.structure is None:
        raise SystemExit("glassdyn predict: graph models read the structure: give --structure (not --descriptors)")
    if not all(graph) and args.descriptors is None:
        raise SystemExit("glassdyn predict: these models read descriptors: give --descriptors")
    labels = {m.label_ for m in models}
    if len(labels) > 1:
        raise SystemExit(f"glassdyn predict: the models predict different labels {sorted(labels)}; give one kind at a time")
    transferable = [not m.PER_TIME for m in models]
    if any(transferable):
        # tGlassMLP takes the state point as input: any temperature and time it was trained around
        if not all(transferable) or args.temperature is None or not args.times:
            raise SystemExit("glassdyn predict: tGlassMLP models need --temperature and --times (and no per-time models)")
        times = sorted(args.times)
        indexed = [(k, m, None) for m in models for k in range(len(times))]
    else:
        # a model of every time (SE(3)) covers the times it was trained on, each a column
        own = {id(m): list(m.state_["times"]) if getattr(m, "ALL_TIMES", False) else [m.state_.get("time", np.nan)]
               for m in models}
        times = sorted({float(t) for m in models for t in own[id(m)]})
        indexed = [(times.index(float(t)), m, c if getattr(m, "ALL_TIMES", False) else None)
                   for m in models for c, t in enumerate(own[id(m)])]
    paths = {id(m): p for p, m in zip(args.models, models)}
    slots = {}
    for k, model, *_ in indexed:
        key = (k, model.particle_type_)
        if key in slots:
            raise SystemExit(f"glassdyn predict: {paths[id(model)]} and {slots[key]} both predict type {key[1]} at t = {times[k]:g}")
        slots[key] = paths[id(model)]
    edges, source = {}, {}
    if all(graph):
        with _reading(args.structure):
            descriptors = load(args.structure, "structure")  # what the models read: here the structure
        energies = None
        if any(getattr(m, "ALL_TIMES", False) for m in models):
            if args.inherent_structure is None:
                raise SystemExit("glassdyn predict: SE(3) reads the particles' inherent-structure energies: give "
                                 "--inherent-structure")
            with _reading(args.inherent_structure):
                energies = [load(args.inherent_structure, "inherent_structure").particle_energies]
        with _reading(args.structure):
            values, edges = predict_graphs(indexed, [descriptors], len(times), energies)
        values = values[0]
        source = {"structure_file": str(args.structure)}
        if energies is not None:
            source["inherent_structure_file"] = str(args.inherent_structure)
    else:
        temperature = args.temperature if args.temperature is not None else models[0].state_.get("temperature")
        with _reading(args.descriptors):
            descriptors = load(args.descriptors, "descriptors")
            values = predict_structure([(k, m) for k, m, _ in indexed], descriptors, len(times), temperature, times)
        source = {"descriptor_file": str(args.descriptors)}
    record = Predictions(values=values[None], structures=np.array([descriptors.metadata.get("structure_index") or 0]),
                         times=np.asarray(times), types=descriptors.types[None], box=descriptors.box, **edges,
                         metadata={"label": labels.pop(), "model_files": [str(p) for p in args.models], **source,
                                   "model": sorted({m.info_.get("model", m.KIND) for m in models})})
    save(output, record, provenance(software=software_versions(), stage="glassdyn predict"))
    covered = np.isfinite(values).any(axis=0)
    print(f"wrote {output}: {covered.sum()} of {len(covered)} particles x {len(times)} times "
          f"(t = {', '.join(f'{t:g}' for t in times)})")
    return 0


def _model_record(path, model) -> dict:
    return {"file": str(path), "kind": model.KIND, "label": model.label_, "particle_type": model.particle_type_,
            "descriptor_set": model.descriptor_set_, "n_columns": None if model.columns_ is None else len(model.columns_),
            "state": model.state_, "hyperparameters": model.hyperparameters(), "info": model.info_}


def _short(value, width: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def model_summary(record: dict) -> str:
    """A few lines saying what a model file is: model, label, type, time, training, size."""
    info, state = record["info"], record["state"] or {}
    particle_type = "all" if record["particle_type"] is None else record["particle_type"]
    lines = [f"{record['file']}",
             f"  model        {info.get('model', record['kind'])} ({record['kind']})",
             f"  predicts     {record['label'] or '?'} of particle type {particle_type}"]
    where = [f"{k} = {state[k]:g}" for k in ("temperature", "time") if isinstance(state.get(k), (int, float))]
    if isinstance(state.get("times"), list):
        where.append(f"{len(state['times'])} times")
    if where:
        lines.append(f"  at           {', '.join(where)}")
    if record["descriptor_set"]:
        lines.append(f"  reads        descriptor set {record['descriptor_set']}"
                     + (f" ({record['n_columns']} columns)" if record["n_columns"] else ""))
    shown = {"model"}
    for key in ("system", "training", "seed"):
        if key in info:
            lines.append(f"  {key:<12} {_short(info[key])}")
            shown.add(key)
    files = {k: info[k] for k in ("training_files", "validation_files") if isinstance(info.get(k), list)}
    if files:
        lines.append("  trained on   " + ", ".join(f"{len(v)} {k.split('_')[0]}" for k, v in files.items()) + " structures")
        shown.update(files)
    for key, value in info.items():  # the model's own fitted quantities (describe())
        if key not in shown:
            lines.append(f"  {key:<12} {_short(value)}")
    lines.append(f"  options      {_short(record['hyperparameters'], 200)}")
    return "\n".join(lines)


def _show(args) -> int:
    from glassdyn.models import load_model

    for i, path in enumerate(args.models):
        with _reading(path):
            record = _model_record(path, load_model(path))
        print(json.dumps(record, indent=1, default=str) if args.json else ("\n" if i else "") + model_summary(record))
    return 0


def _merge(base: dict, update: dict) -> dict:
    """Snakemake's merge of config files: nested mappings merged key by key, anything else replaced."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _check(args) -> int:
    from glassdyn.config import ConfigError, read_config_file
    from glassdyn.workflow.planning import plan_summary, plan_workflow

    files = args.configfiles or ["config/config.yaml"]
    try:
        merged = {}
        for path in files:
            _merge(merged, read_config_file(path))
        config, plans = plan_workflow(merged, files)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    print(plan_summary(plans))
    print(f"glassdyn check: {', '.join(files)}: valid ({len(plans)} systems; results in {config['results']}/)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="glassdyn", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("predict", help="predict per-particle labels of a structure with saved models")
    p.add_argument("models", nargs="+", help="model files (train_model outputs), one per time and particle type "
                   "(graph models: one per time)")
    inputs = p.add_mutually_exclusive_group(required=True)
    inputs.add_argument("--descriptors", help="descriptors file of the structure (the set the models read)")
    inputs.add_argument("--structure", help="structure file (graph models: BOTAN, NT-GNN, GNN(DM))")
    p.add_argument("--inherent-structure", help="inherent structure of --structure (SE(3): the particles' energies)")
    p.add_argument("-o", "--output", required=True, help="predictions file to write (HDF5)")
    p.add_argument("--temperature", type=float, help="state point of tGlassMLP models (epsilon / k_B)")
    p.add_argument("--times", type=float, nargs="+", help="times (tau) to predict with tGlassMLP models")
    p.set_defaults(run=_predict)
    s = commands.add_parser("show", help="print what a saved model is and how it was trained")
    s.add_argument("models", nargs="+")
    s.add_argument("--json", action="store_true", help="the whole record as JSON")
    s.set_defaults(run=_show)
    c = commands.add_parser("check", help="validate and plan config files before a run (file and line of an error)")
    c.add_argument("configfiles", nargs="*", help="config files, as given to --configfile (default config/config.yaml)")
    c.set_defaults(run=_check)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except CommandError as exc:
        print(f"glassdyn {args.command}: {exc}", file=sys.stderr)
        return 1
    except (KeyError, ValueError) as exc:  # the library's refusals (DataFileError, ConfigError): one line
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"glassdyn {args.command}: {message}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (glassdyn show ... | head): not an error of ours; keep Python
        # from complaining again when it flushes stdout at exit
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())

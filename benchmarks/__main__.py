"""``python -m benchmarks [--quick] [--json FILE]``: speed and accuracy against baselines."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys

import jax

from benchmarks import boltzmann, exact, gradient_samplers, rbm_ais, rbm_train, sampling

SUITES = {"exact": exact.run, "sampling": sampling.run, "rbm_ais": rbm_ais.run,
          "rbm_train": rbm_train.run, "boltzmann": boltzmann.run,
          "gradient_samplers": gradient_samplers.run}


def _machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "jax": jax.__version__,
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
    }


def _fmt(x, spec=".3f"):
    return "-" if x is None else format(x, spec)


def _extra(v) -> str:
    return format(v, ".4g") if isinstance(v, float) else str(v)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--only", choices=sorted(SUITES), action="append",
                        help="run only these suites")
    args = parser.parse_args(argv)
    machine = _machine()
    print(f"machine: {machine['cpu']}, {machine['cores']} cores, backend {machine['backend']}, "
          f"jax {machine['jax']}, {machine['date']}")
    results = {}
    for name in args.only or SUITES:
        rows = SUITES[name](args.quick)
        results[name] = [r.as_dict() for r in rows]
        print(f"\n[{name}]")
        print(f"{'benchmark':52s} {'seconds':>9s} {'1st call':>9s} {'target':>7s} "
              f"{'ok':>4s} {'baseline s':>10s} {'ratio':>7s}  baseline")
        for r in rows:
            ok = {None: "-", True: "yes", False: "NO"}[r.meets_target]
            print(f"{r.name:52s} {r.seconds:9.3f} {r.first_call_seconds:9.3f} "
                  f"{_fmt(r.target_seconds, '.1f'):>7s} {ok:>4s} "
                  f"{_fmt(r.baseline_seconds):>10s} {_fmt(r.ratio, '.1f'):>7s}  {r.baseline}")
            if r.extra:
                print(" " * 4 + ", ".join(f"{k}={_extra(v)}" for k, v in r.extra.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine, "quick": args.quick, "results": results}, f, indent=1)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

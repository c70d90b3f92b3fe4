"""Benchmarks (see README.md here); :func:`report` prints and saves a run's figures."""


def report(figures: dict, json_path=None, width: int = 32) -> None:
    """Print a benchmark's figures one a line, and write them as JSON when asked (``--json PATH``)."""
    import json

    for key, value in figures.items():
        print(f"{key:{width}} {value}")
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")

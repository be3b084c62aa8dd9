"""The benchmark chart (PNG): throughput per scenario beside the paper's T4 figures, and the sweeps."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

SCENARIOS = ("raw_model_rps", "fastapi_inproc", "triton_unbatched", "triton_dynamic", "hybrid")
LABELS = {
    "raw_model_rps": "ONNX RT\nin-process",
    "fastapi_inproc": "FastAPI\nin-process",
    "triton_unbatched": "Triton\nunbatched",
    "triton_dynamic": "Triton\ndynamic",
    "hybrid": "gateway+deid\n→ Triton",
}


def write_chart(report: Mapping[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no display here; must precede pyplot
    import matplotlib.pyplot as plt

    paper = report.get("paper", {})
    fig, (bars_ax, sweep_ax, models_ax) = plt.subplots(1, 3, figsize=(18, 5))
    names = [s for s in SCENARIOS if s in report]
    values = [report[s]["throughput_rps"] for s in names]
    bars = bars_ax.bar([LABELS[s] for s in names], values, color=["#888", "#4c72b0", "#dd8452", "#55a868", "#8172b3"])
    for bar, name in zip(bars, names, strict=True):
        note = f"{bar.get_height():.0f}"
        if name in paper:
            note += f"\n(paper T4: {paper[name]['throughput_rps']:.0f})"
        bars_ax.annotate(
            note, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8
        )
    bars_ax.set_ylabel("requests (sequences) / s, best concurrency")
    bars_ax.set_ylim(0, max(values) * 1.3)
    machine = report.get("machine", {})
    bars_ax.set_title(
        f"Serving, {report.get('config', {}).get('precision', '')} on {machine.get('cores', '?')} CPU cores"
    )

    for name in names:
        points = report[name]["sweep"]
        if name == "raw_model_rps":
            sweep_ax.axhline(report[name]["throughput_rps"], color="#888", linestyle="--", label="ONNX RT ceiling")
            continue
        xs = [p["concurrency"] for p in points]
        sweep_ax.plot(xs, [p["throughput_rps"] for p in points], marker="o", label=LABELS[name].replace("\n", " "))
    sweep_ax.set_xscale("log", base=2)
    sweep_ax.set_xlabel("concurrent clients")
    sweep_ax.set_ylabel("requests / s")
    sweep_ax.set_title("Concurrency sweep")
    sweep_ax.legend(fontsize=8)
    _models_panel(models_ax, report.get("classifier", {}))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _models_panel(ax: Any, classifier: Mapping[str, Any]) -> None:
    """The shipped classifier beside the DistilBERT stand-in, each alone: notes/s and CPU ms per note."""
    ax.set_title("Shipped classifier vs DistilBERT stand-in (model alone)")
    if not classifier.get("measured"):
        ax.text(0.5, 0.5, f"not measured:\n{classifier.get('reason', 'no classifier section')}", ha="center",
                va="center", wrap=True, fontsize=9)
        ax.set_axis_off()
        return
    names = ("distilbert_stand_in", "shipped_classifier")
    bars = ax.bar(["DistilBERT\nstand-in", "MiniLM-L6\nshipped"], [classifier[n]["throughput_rps"] for n in names],
                  color=["#888", "#55a868"])
    for bar, name in zip(bars, names, strict=True):
        note = f"{bar.get_height():.0f}/s\n{classifier[name]['server_cpu_ms_per_request']:.2f} CPU ms/note"
        ax.annotate(note, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, max(b.get_height() for b in bars) * 1.3)
    ax.set_ylabel(f"notes / s ({classifier['precision']}, best batch size)")
    ax.set_xlabel(f"ratio: {classifier['notes_per_s_ratio']}x notes/s, {classifier['cpu_ms_per_note_ratio']}x CPU/note")

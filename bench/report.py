#!/usr/bin/env python3
"""Summarise a bench/run output folder: print the tables, write the page and the chart.

Reads results.tsv and meta.tsv of the folder that bench/run wrote. Medians
and ranges are over rounds. Each ratio pairs nsapi with the baseline run of
the same round. Memory sizes are in MB of 10^6 bytes.
"""

import argparse
import csv
import statistics
import sys
from collections import defaultdict
from pathlib import Path

# Targets of the benchmark. target_rows() evaluates them.
ECHO_RATIO_LOG_INFO = 0.90
ECHO_RATIO_LOG_OFF = 0.97
HOSTNAME_TO_ECHO = 0.90
STARTUP_MAX_MS = 50.0
RSS_MAX_MB = 20.0
# Largest increase of VmRSS from the first to the last memory round that
# still counts as flat.
RSS_FLAT_MB = 1.0

LOG_LEVELS = ("info", "off")
ENDPOINTS = ("echo", "hostname")
LOG_LABELS = {"info": "info (default)", "off": "off"}


def load_meta(path: Path) -> dict[str, str]:
    meta = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("\t")
        meta[key] = value
    return meta


def load_results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file, delimiter="\t"))


def spread(values: list[float], digits: int) -> str:
    """Format the median and the min–max range of values."""
    if not values:
        return "n/a"
    median = statistics.median(values)
    return f"{median:,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def mb_from_kb(kilobytes: float) -> float:
    """Convert the kB (KiB) of /proc/PID/status to MB of 10^6 bytes."""
    return kilobytes * 1024 / 1e6


class Results:
    """The figures of one run, indexed for the tables."""

    def __init__(self, rows: list[dict[str, str]]):
        # throughput[(log, endpoint, server)][round] = {metric: value}
        self.throughput = defaultdict(lambda: defaultdict(dict))
        self.startup_ms = defaultdict(list)
        # memory[server][round] = {metric: value}, where round 0 is the idle server.
        self.memory = defaultdict(lambda: defaultdict(dict))
        self.sizes = {}
        for row in rows:
            value = float(row["value"])
            if row["kind"] == "throughput":
                key = (row["log"], row["endpoint"], row["server"])
                self.throughput[key][int(row["round"])][row["metric"]] = value
            elif row["kind"] == "startup":
                self.startup_ms[row["server"]].append(value)
            elif row["kind"] == "memory":
                self.memory[row["server"]][int(row["round"])][row["metric"]] = value
            elif row["kind"] == "size":
                self.sizes[(row["server"], row["metric"])] = value

    def rounds(self, log: str, endpoint: str) -> list[int]:
        return sorted(self.throughput[(log, endpoint, "nsapi")])

    def per_round(self, log: str, endpoint: str, server: str, figure: str) -> list[float]:
        """Return req/s, p50 ms or p99 ms of each round."""
        values = []
        for round_number in self.rounds(log, endpoint):
            metrics = self.throughput[(log, endpoint, server)][round_number]
            if figure == "rps":
                values.append(metrics["requests"] / (metrics["duration_us"] / 1e6))
            else:
                values.append(metrics[f"{figure}_us"] / 1000.0)
        return values

    def ratios(self, log: str, endpoint: str, figure: str) -> list[float]:
        """Return nsapi/baseline of each round."""
        nsapi = self.per_round(log, endpoint, "nsapi", figure)
        baseline = self.per_round(log, endpoint, "baseline", figure)
        return [a / b for a, b in zip(nsapi, baseline)]

    def hostname_to_echo(self, log: str) -> list[float]:
        """Return nsapi's hostname req/s over its echo req/s of each round."""
        hostname = self.per_round(log, "hostname", "nsapi", "rps")
        echo = self.per_round(log, "echo", "nsapi", "rps")
        return [a / b for a, b in zip(hostname, echo)]

    def total(self, log: str, server: str, metric: str) -> float:
        return sum(
            metrics.get(metric, 0.0)
            for endpoint in ENDPOINTS
            for metrics in self.throughput[(log, endpoint, server)].values()
        )


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def throughput_table(results: Results) -> str:
    figures = (("rps", "req/s", 0), ("p50", "p50 latency, ms", 2), ("p99", "p99 latency, ms", 2))
    rows = []
    for log in LOG_LEVELS:
        for endpoint in ENDPOINTS:
            for figure, label, digits in figures:
                ratios = results.ratios(log, endpoint, figure)
                rows.append([
                    LOG_LABELS[log],
                    endpoint,
                    label,
                    spread(results.per_round(log, endpoint, "nsapi", figure), digits),
                    spread(results.per_round(log, endpoint, "baseline", figure), digits),
                    " ".join(f"{ratio:.3f}" for ratio in ratios),
                    f"**{statistics.median(ratios):.3f}**" if ratios else "n/a",
                ])
    header = ["nsapi log", "endpoint", "figure", "nsapi median (min–max)",
              "baseline median (min–max)", "nsapi/baseline per round", "median ratio"]
    return table(header, rows)


def hostname_table(results: Results) -> str:
    rows = []
    for log in LOG_LEVELS:
        ratios = results.hostname_to_echo(log)
        rows.append([
            LOG_LABELS[log],
            " ".join(f"{ratio:.3f}" for ratio in ratios),
            f"**{statistics.median(ratios):.3f}**" if ratios else "n/a",
        ])
    return table(["nsapi log", "hostname/echo req/s per round", "median"], rows)


def startup_table(results: Results) -> str:
    rows = []
    for server in ("nsapi", "baseline"):
        values = results.startup_ms[server]
        rows.append([server, spread(values, 1), str(len(values))])
    return table(["server", "exec to first 200, ms: median (min–max)", "runs"], rows)


def memory_table(results: Results) -> str:
    rounds = sorted(results.memory["nsapi"])
    header = ["server"]
    for round_number in rounds:
        if round_number == 0:
            header.append("idle")
        else:
            requests = results.memory["nsapi"][round_number]["requests"]
            header.append(f"round {round_number}: after {requests / 1e6:.2f} M requests")
    header.append("last − first round")
    rows = []
    for server in ("nsapi", "baseline"):
        cells = [server]
        for round_number in rounds:
            cells.append(f"{mb_from_kb(results.memory[server][round_number]['rss_kb']):.1f}")
        cells.append(f"{rss_growth_mb(results, server):+.2f}")
        rows.append(cells)
    return table(header, rows)


def rss_growth_mb(results: Results, server: str) -> float:
    loaded = [round_number for round_number in sorted(results.memory[server]) if round_number > 0]
    first = results.memory[server][loaded[0]]["rss_kb"]
    last = results.memory[server][loaded[-1]]["rss_kb"]
    return mb_from_kb(last - first)


def size_table(results: Results, meta: dict[str, str]) -> str:
    rows = [
        ["nsapi binary (`target/release/nsapi`)", f"{results.sizes[('nsapi', 'binary_bytes')] / 1e6:.1f}"],
        ["baseline binary (`target/release/nsapi-baseline`)",
         f"{results.sizes[('baseline', 'binary_bytes')] / 1e6:.1f}"],
    ]
    image_bytes = results.sizes.get(("nsapi", "image_bytes"))
    if image_bytes is None:
        image_cell = "not measured: `docker image inspect` failed (no such image, or no Docker daemon)"
    else:
        image_cell = f"{image_bytes / 1e6:.1f}"
    rows.append([f"Docker image `{meta.get('image', '?')}`", image_cell])
    return table(["artifact", "size, MB"], rows)


def target_rows(results: Results) -> list[list[str]]:
    """Return one row per target: the target, the measured value and whether it is met."""

    def verdict(met: bool) -> str:
        return "yes" if met else "**no**"

    rows = []
    for log, threshold in (("info", ECHO_RATIO_LOG_INFO), ("off", ECHO_RATIO_LOG_OFF)):
        median = statistics.median(results.ratios(log, "echo", "rps"))
        rows.append([
            f"echo req/s ≥ {threshold:.2f} × baseline, nsapi log {LOG_LABELS[log]}",
            f"{median:.3f} (median of rounds)",
            verdict(median >= threshold),
        ])
    for log in LOG_LEVELS:
        median = statistics.median(results.hostname_to_echo(log))
        rows.append([
            f"hostname req/s ≥ {HOSTNAME_TO_ECHO:.2f} × nsapi echo req/s, log {LOG_LABELS[log]}",
            f"{median:.3f} (median of rounds)",
            verdict(median >= HOSTNAME_TO_ECHO),
        ])
    startup = statistics.median(results.startup_ms["nsapi"])
    rows.append([f"exec to first response ≤ {STARTUP_MAX_MS:.0f} ms", f"{startup:.1f} ms (median)",
                 verdict(startup <= STARTUP_MAX_MS)])

    loaded = [round_number for round_number in sorted(results.memory["nsapi"]) if round_number > 0]
    peak = max(mb_from_kb(results.memory["nsapi"][r]["rss_kb"]) for r in loaded)
    requests = results.memory["nsapi"][loaded[0]]["requests"]
    rows.append([f"VmRSS ≤ {RSS_MAX_MB:.0f} MB after each round of ≥ {requests / 1e6:.2f} M requests",
                 f"{peak:.1f} MB (largest of {len(loaded)} rounds)", verdict(peak <= RSS_MAX_MB)])
    if len(loaded) >= 2:
        growth = rss_growth_mb(results, "nsapi")
        rows.append([f"VmRSS flat between rounds (growth ≤ {RSS_FLAT_MB:.1f} MB from round 1 to {len(loaded)})",
                     f"{growth:+.2f} MB", verdict(growth <= RSS_FLAT_MB)])
    else:
        rows.append(["VmRSS flat between rounds", "one round only", "not measured"])
    return rows


def draw_chart(results: Results, path: Path, meta: dict[str, str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
    styles = {("info", "echo"): ("tab:blue", "o"), ("off", "echo"): ("tab:cyan", "s"),
              ("info", "hostname"): ("tab:orange", "o"), ("off", "hostname"): ("tab:red", "s")}
    for (log, endpoint), (color, marker) in styles.items():
        rounds = results.rounds(log, endpoint)
        label = f"{endpoint}, nsapi log {log}"
        left.plot(rounds, results.ratios(log, endpoint, "rps"), marker=marker, color=color, label=label)
        right.plot(rounds, results.ratios(log, endpoint, "p99"), marker=marker, color=color, label=label)
    rounds = results.rounds("info", "echo")
    left.plot(rounds, results.hostname_to_echo("info"), linestyle="--", marker="^", color="tab:green",
              label="nsapi hostname/echo, log info")
    left.axhline(ECHO_RATIO_LOG_OFF, color="grey", linestyle=":", linewidth=1.2,
                 label=f"target {ECHO_RATIO_LOG_OFF:.2f} (echo, log off)")
    left.axhline(ECHO_RATIO_LOG_INFO, color="black", linestyle=":", linewidth=1.2,
                 label=f"target {ECHO_RATIO_LOG_INFO:.2f} (echo log info; hostname/echo)")
    left.set_title("req/s, nsapi / baseline (higher is better)")
    right.axhline(1.0, color="black", linestyle=":", linewidth=1)
    right.set_title("p99 latency, nsapi / baseline (lower is better)")
    for axes in (left, right):
        axes.set_xlabel("round")
        axes.set_xticks(rounds)
        axes.grid(alpha=0.3)
    left.set_ylabel("ratio")
    figure.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=8)
    suffix = " — quick smoke run" if meta.get("mode") == "quick" else ""
    figure.suptitle(f"nsapi against bare actix-web, wrk on the same {meta.get('nproc', '?')} cores{suffix}")
    figure.savefig(path, dpi=110)
    plt.close(figure)


def access_log_note(results: Results) -> str:
    lines = results.total("info", "nsapi", "access_lines")
    requests = results.total("info", "nsapi", "requests")
    return (f"The access log of the measured rounds had {lines:,.0f} lines for {requests:,.0f} "
            f"requests that wrk counted; requests still in flight when wrk stops are logged but not counted.")


def render_page(results: Results, meta: dict[str, str], chart_name: str) -> str:
    quick = meta.get("mode") == "quick"
    machine_rows = [
        ["cores (`nproc`)", meta["nproc"]],
        ["CPU", meta["cpu"]],
        ["memory", meta["memory"]],
        ["kernel", meta["kernel"]],
        ["OS", meta["os"]],
        ["rustc", meta["rustc"]],
        ["nsapi revision", meta.get("revision", "unknown")],
        ["wrk", meta["wrk"]],
        ["date", meta["date"]],
        ["load average before and after (1, 5, 15 min)", f"{meta['load_before']}; {meta['load_after']}"],
    ]
    parts = [
        "# Performance",
        "",
        "`bench/run` writes this page, so rerun it instead of editing the figures. It compares "
        "the nsapi server (`cargo build --release -p nsapi-server`) with `bench/baseline`, a bare "
        "actix-web server that returns the same JSON for `GET /respond/{string}` and "
        "`GET /respond/hostname`, with no framework, middleware or logging.",
        "",
    ]
    if quick:
        parts += [
            "> **Smoke run** (`--quick`): rounds of a few seconds and fewer requests. These figures "
            "only show that the benchmark works; run `bench/run` without `--quick` for figures to compare.",
            "",
        ]
    load_before = float(meta["load_before"].split()[0])
    if load_before > 0.5:
        parts += [
            f"> **Busy machine**: the 1-minute load average was {load_before:.2f} on {meta['nproc']} cores "
            "before the run, so other processes competed for the CPU and the spread between rounds is wide. "
            "Rerun on an idle machine for figures to compare.",
            "",
        ]
    parts += [
        "## Targets",
        "",
        table(["target", "measured", "met"], target_rows(results)),
        "",
        f"![nsapi/baseline ratios per round]({chart_name})",
        "",
        "## Setup",
        "",
        f"Command: `{meta['command']}`",
        "",
        table(["machine", ""], machine_rows),
        "",
        f"**wrk and both servers share the same {meta['nproc']} cores.** wrk's own CPU time competes with "
        "the server it drives, so the absolute figures are lower than on a dedicated server, and a busy "
        "machine (see the load average) adds noise. The ratios pair runs that are seconds apart, which "
        "cancels most of that noise.",
        "",
        f"- Each server runs {meta['workers']} worker threads on a free port of 127.0.0.1. "
        f"wrk runs {meta['threads']} threads with {meta['connections']} keep-alive connections, "
        f"{meta['rounds']} rounds of {meta['duration']} s per server, endpoint and nsapi log level. "
        "Within a round nsapi runs first and the baseline second (A B A B). Before the rounds each "
        "server gets a short unrecorded warm-up. The echo runs request `/respond/hello`.",
        "- Latency percentiles are wrk's, from the same histogram that `wrk --latency` prints.",
        f"- The hostname runs send `User-Agent: {meta['user_agent']}`. nsapi caches the parsed "
        "`User-Agent` per worker thread, so every request after the first is a cache hit. "
        "The baseline parses it on every request.",
        "- nsapi log **info (default)**: `RUST_LOG` unset, so every request writes one access log line. "
        "stderr is appended to a file on disk, `target/bench/<run>/nsapi-info.log`, which is emptied "
        f"after each wrk run. {access_log_note(results)}",
        "- nsapi log **off**: the server is restarted with `RUST_LOG=off`.",
        f"- Exec to first response: `bench/measure.py` starts the binary and polls "
        "`GET /respond/ping` every 0.5 ms until a 200, then stops the server. The time runs from just "
        f"before the exec to the 200 response. {meta['startup_runs']} runs per server, alternating. "
        "nsapi runs with `RUST_LOG` unset and stderr to `/dev/null`.",
        f"- Resident memory: `VmRSS` of `/proc/PID/status`, on freshly started servers, 1 s after the "
        f"first response (idle), then 1 s after each of {meta['memory_rounds']} rounds of "
        f"{int(meta['memory_requests']):,} requests or more. The rounds use `bench/wrk/mixed.lua`: half "
        "are `GET /respond/hostname`, half `GET /respond/{string}` with a string that no other request "
        "uses. nsapi logs at info to a file, as above. MB are 10^6 bytes.",
        "- `bench/profile` counts the instructions per request of both servers with valgrind's "
        "callgrind. Those counts do not change with the load of the machine, and the script lists "
        "the functions that cost the most.",
        "",
        "## Results",
        "",
        "Each cell gives the median over rounds and the range (min–max). "
        "Each ratio pairs nsapi with the baseline run of the same round.",
        "",
        "### Throughput and latency",
        "",
        throughput_table(results),
        "",
        "### nsapi hostname against nsapi echo",
        "",
        hostname_table(results),
        "",
        "### Exec to first response",
        "",
        startup_table(results),
        "",
        "### Resident memory (VmRSS, MB)",
        "",
        memory_table(results),
        "",
        "### Sizes",
        "",
        size_table(results, meta),
        "",
    ]
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run-dir", type=Path, required=True, help="output folder of bench/run")
    parser.add_argument("--doc", type=Path, required=True, help="Markdown page to write")
    parser.add_argument("--chart", type=Path, required=True, help="PNG chart to write")
    args = parser.parse_args()

    meta = load_meta(args.run_dir / "meta.tsv")
    results = Results(load_results(args.run_dir / "results.tsv"))
    page = render_page(results, meta, args.chart.name)
    args.doc.write_text(page)
    draw_chart(results, args.chart, meta)
    (args.run_dir / "performance.md").write_text(page)

    print()
    print(page)
    print(f"\nwrote {args.doc} and {args.chart}; raw output in {args.run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

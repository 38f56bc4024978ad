"""From measured runs to a summary, a Markdown report, a JSON file and a PNG chart."""
import json
import shutil
import statistics
import subprocess
from pathlib import Path

from .contenders import BY_NAME
from .endpoints import LABELS
from .procs import log

MIB = 2**20
BASELINES = ("seed", "naive-gzip", "naive-pigz")
GAP = 2   # chart: empty bar widths between two databases' clusters


def summarize(runs, unavailable, databases, endpoints, contender_names):
    """One row per (endpoint, database, contender): medians and [min, max] over the
    rounds that succeeded, and the ratios against the floor and the baselines."""
    rows = []
    for endpoint in endpoints:
        for database in databases:
            group = {}
            for name in contender_names:
                mine = [r for r in runs if (r["endpoint"], r["database"], r["contender"]) ==
                        (endpoint, database["name"], name)]
                group[name] = _row(endpoint, database, name, mine, unavailable.get(name))
            floor = group.get("floor", {}).get("wall_median_s")
            for row in group.values():
                wall = row.get("wall_median_s")
                if wall is None:
                    continue
                row["x_floor"] = wall / floor if floor else None
                for base in BASELINES:
                    base_wall = group.get(base, {}).get("wall_median_s")
                    row[f"speedup_vs_{base}"] = base_wall / wall if base_wall else None
            rows.extend(group.values())
    return rows


def _row(endpoint, database, name, runs, unavailable_reason):
    row = {"endpoint": endpoint, "database": database["name"], "contender": name,
           "rounds": len(runs), "ok_rounds": sum(r["status"] == "ok" for r in runs)}
    if unavailable_reason:
        row["status"] = f"not available: {unavailable_reason}"
        return row
    ok = [r for r in runs if r["status"] == "ok"]
    failed = [r for r in runs if r["status"] != "ok"]
    row["status"] = "ok" if not failed else f"failed {len(failed)}/{len(runs)}: {failed[-1]['error']}"
    if not ok:
        return row
    walls = [r["wall_s"] for r in ok]
    outputs = [r["output_bytes"] for r in ok]
    row.update(
        wall_median_s=statistics.median(walls), wall_min_s=min(walls), wall_max_s=max(walls),
        cpu_median_s=statistics.median(r["cpu_s"] for r in ok),
        peak_rss_max_bytes=max(r["peak_rss_tree_bytes"] for r in ok),
        peak_rss_median_bytes=statistics.median(r["peak_rss_tree_bytes"] for r in ok),
        peak_temp_max_bytes=max(r["peak_temp_bytes"] for r in ok),
        pg_server_cpu_median_s=statistics.median(r["pg_server_cpu_s"] for r in ok),
        s3_server_cpu_median_s=statistics.median(r["s3_server_cpu_s"] for r in ok),
        output_bytes=int(statistics.median(outputs)),
        compression_ratio=database["floor_dump_bytes"] / statistics.median(outputs),
        open_uploads_left=max(r.get("open_uploads_after", 0) for r in ok))
    return row


# --- Markdown ------------------------------------------------------------------------------------
def _num(value, fmt="{:.2f}"):
    return "–" if value is None else fmt.format(value)


def _table(rows):
    head = ("| database | contender | wall s, median [min–max] | × floor | speed-up vs seed "
            "| vs naive-gzip | vs naive-pigz | output MiB | ratio | CPU s | peak RSS MiB | peak temp MiB |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for row in rows:
        if "wall_median_s" not in row:
            lines.append(f"| {row['database']} | {row['contender']} | {row['status']} |" + " |" * 9)
            continue
        flag = "" if row["status"] == "ok" else f" ({row['status']})"
        lines.append(
            f"| {row['database']} | {row['contender']}{flag} "
            f"| {row['wall_median_s']:.2f} [{row['wall_min_s']:.2f}–{row['wall_max_s']:.2f}] "
            f"| {_num(row.get('x_floor'))} | {_num(row.get('speedup_vs_seed'), '{:.2f}×')} "
            f"| {_num(row.get('speedup_vs_naive-gzip'), '{:.2f}×')} "
            f"| {_num(row.get('speedup_vs_naive-pigz'), '{:.2f}×')} "
            f"| {row['output_bytes'] / MIB:.1f} | {row['compression_ratio']:.2f} "
            f"| {row['cpu_median_s']:.1f} | {row['peak_rss_max_bytes'] / MIB:.0f} "
            f"| {row['peak_temp_max_bytes'] / MIB:.0f} |")
    return "\n".join(lines)


def _server_table(rows):
    lines = ["| database | contender | PostgreSQL server CPU s | S3 server CPU s | multipart uploads left open |",
             "|---|---|---|---|---|"]
    for row in rows:
        if "wall_median_s" in row:
            lines.append(f"| {row['database']} | {row['contender']} | {row['pg_server_cpu_median_s']:.1f} "
                         f"| {row['s3_server_cpu_median_s']:.1f} | {row['open_uploads_left']} |")
    return "\n".join(lines)


def terminal_tables(summary, endpoints):
    return "\n\n".join(f"{LABELS[e]}\n" + _table([r for r in summary if r["endpoint"] == e])
                       for e in endpoints)


MEASURED = """\
- **wall**: spawn to exit of `bash -c COMMAND` (`set -euo pipefail`), every stage finished;
  median over the rounds, [min–max]. Rounds rotate the contenders' order.
- **× floor**: wall / the floor's wall (same database and endpoint). **speed-up vs X**:
  X's wall / this wall.
- **output**: the stored object's size (HeadObject); for the floor, `pg_dump -Fc -Z0 | wc -c`,
  measured once per database. **ratio**: the floor's size / output.
- **CPU**: user+sys of the contender's whole process tree (wait4 on the bash process: every
  waited-for descendant: pg_dump and its --jobs workers, tar, gzip/pigz, the aws CLI,
  pgdump2s3 and its pg_dump). The PostgreSQL server and the S3 store are not included;
  their CPU is in the second table.
- **peak RSS**: the largest sum of RSS over the contender's process tree, sampled from /proc
  every {sample_ms} ms (spikes shorter than that can be missed; shared library pages count once
  per process). The PostgreSQL server's own RSS is excluded.
- **peak temp**: the largest allocated size under the contender's BACKUPS_TEMP_DIR (= TMPDIR),
  sampled likewise; the streaming contenders are watched too and must stay at 0.
- Machine shared with builds and tests: compare within one run, not across runs."""


def load_note(runs, cores):
    """The machine is shared: say how busy it was, so a reader can weigh the numbers."""
    loads = [r["loadavg_1m_before"] for r in runs]
    if not loads:
        return ""
    return (f"1-minute load average when a run started: median {statistics.median(loads):.1f}, "
            f"max {max(loads):.1f} on {cores} cores" + (" (other work was competing for the CPU: "
                                                        "compare contenders within this run only)"
                                                        if statistics.median(loads) > cores else ""))


def markdown(meta, databases, summary, runs, chart_name):
    out = [f"# pgdump2s3 benchmark — {meta['started']} on {meta['machine']['host']}", ""]
    machine = meta["machine"]
    out += [f"{machine['os']}, {machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, "
            f"kernel {machine['kernel']}. Mode: {meta['mode']}, {meta['rounds']} rounds, "
            f"{meta['duration_s']:.0f} s in all"
            + (f" ({meta['build_s']:.0f} s of it building pgdump2s3)" if meta["build_s"] else "")
            + f". Command: `{meta['command_line']}`", "", load_note(runs, machine["cores"]) + ".", ""]
    out += ["## Databases", "", "| database | what | pg_database_size MiB | `pg_dump -Fc -Z0` MiB | floor MB/s |",
            "|---|---|---|---|---|"]
    for db in databases:
        floors = [r["wall_median_s"] for r in summary
                  if r["database"] == db["name"] and r["contender"] == "floor" and "wall_median_s" in r]
        speed = f"{db['floor_dump_bytes'] / 1e6 / min(floors):.0f}" if floors else "–"
        out.append(f"| {db['name']} | {db['what']} | {db['size_bytes'] / MIB:.0f} "
                   f"| {db['floor_dump_bytes'] / MIB:.1f} | {speed} |")
    for endpoint in meta["endpoints"]:
        rows = [r for r in summary if r["endpoint"] == endpoint]
        out += ["", f"## {LABELS[endpoint]}", "", _table(rows), "", "Server side (medians):", "",
                _server_table(rows)]
    out += ["", f"![wall time per contender and database]({chart_name})", "", "## What is measured", "",
            MEASURED.format(sample_ms=meta["sample_ms"]), "", "## Exact commands", "",
            "Variables: " + meta["variables"], ""]
    for name in meta["contenders"]:
        contender = BY_NAME[name]
        env = "".join(f"{k}={v} " for k, v in contender.env.items())
        out += [f"**{name}**: {contender.label}", "", "```sh", env + contender.command, "```", ""]
    out += ["## Versions", "", "| tool | version |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in meta["versions"].items()]
    return "\n".join(out) + "\n"


# --- chart ---------------------------------------------------------------------------------------
def chart(path, summary, databases, endpoints, contender_names, title):
    """Grouped bars (median wall, whiskers min–max) per database, one panel per endpoint."""
    if shutil.which("gnuplot") is None:
        log("gnuplot not found: installing gnuplot-nox with apt-get")
        subprocess.run(["apt-get", "install", "-y", "-q", "gnuplot-nox"], check=False,
                       stdout=subprocess.DEVNULL)
        if shutil.which("gnuplot") is None:
            log("no gnuplot: chart skipped")
            return False
    work = Path(path).with_suffix(".gnuplot.d")
    work.mkdir(exist_ok=True)
    panels = []
    for endpoint in endpoints:
        data = work / f"{endpoint}.dat"
        with open(data, "w") as handle:
            for db in databases:
                cells = [f'"{db["name"]}\\n({db["floor_dump_bytes"] / MIB:.0f} MiB dump)"']
                for name in contender_names:
                    row = next((r for r in summary if (r["endpoint"], r["database"], r["contender"]) ==
                                (endpoint, db["name"], name)), {})
                    if "wall_median_s" in row:
                        cells += [f"{row['wall_median_s']:.3f}", f"{row['wall_min_s']:.3f}",
                                  f"{row['wall_max_s']:.3f}"]
                    else:
                        cells += ["NaN"] * 3
                handle.write(" ".join(cells) + "\n")
        plots, labels, missing = [], [], []
        for index, name in enumerate(contender_names):
            have = any(r["contender"] == name and "wall_median_s" in r for r in summary
                       if r["endpoint"] == endpoint)
            column = 2 + 3 * index
            using = f"{column}:{column + 1}:{column + 2}" + (":xtic(1)" if index == 0 else "")
            if not have:
                missing.append(name)
            plots.append(f"'{data}' using {using} title '{name}'")
            offset = (index - (len(contender_names) - 1) / 2) / (len(contender_names) + GAP)
            labels.append(f"'{data}' using ($0 + {offset:.4f}):{column + 2}:(sprintf('%.1f', ${column})) "
                          "with labels offset 0,0.6 font ',8' notitle")
        note = (f"set label 1 'no result (not available or failed): {', '.join(missing)}' "
                "at graph 0.01, graph 0.95 left\n" if missing else "unset label 1\n")
        panels.append(f"set title \"{LABELS[endpoint]}\"\nset xrange [-0.6:{len(databases) - 0.4}]\n{note}plot "
                      + ", \\\n     ".join(plots + labels))
    script = f"""set terminal pngcairo size 1300,{440 * len(endpoints) + 60} font "Sans,10"
set output '{path}'
set multiplot layout {len(endpoints)},1 title "{title}"
set style data histograms
set termoption noenhanced
set bmargin 4
set style histogram errorbars gap {GAP} lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set datafile missing "NaN"
set ylabel "wall time, s (median; whiskers min–max)"
set yrange [0:*]
set grid ytics
set key outside right top vertical
""" + "\n".join(panels) + "\nunset multiplot\n"
    (work / "chart.gnuplot").write_text(script)
    result = subprocess.run(["gnuplot", str(work / "chart.gnuplot")], capture_output=True, text=True)
    shutil.rmtree(work)
    if result.returncode != 0:
        log(f"gnuplot failed: {result.stderr.strip()[-500:]}")
        return False
    return True


def write_json(path, document):
    Path(path).write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")


# --- --rss-scaling -------------------------------------------------------------------------------
def _peak_of(runs, database, contender, command):
    values = [r["peak_rss_by_command"].get(command, 0) for r in runs
              if (r["database"], r["contender"], r["status"]) == (database, contender, "ok")]
    return max(values) if values else None


def rss_table(databases, summary, runs):
    lines = ["| database | `pg_dump -Fc -Z0` MiB | contender | wall s, median | peak RSS, tree MiB "
             "| peak RSS, pgdump2s3 process MiB | peak RSS, pg_dump MiB |", "|---|---|---|---|---|---|---|"]
    for row in summary:
        database = next(d for d in databases if d["name"] == row["database"])
        if "wall_median_s" not in row:
            lines.append(f"| {row['database']} | {database['floor_dump_bytes'] / MIB:.0f} | {row['contender']} "
                         f"| {row['status']} | | | |")
            continue
        own = _peak_of(runs, row["database"], row["contender"], "pgdump2s3") or None
        child = _peak_of(runs, row["database"], row["contender"], "pg_dump") or None
        lines.append(f"| {row['database']} | {database['floor_dump_bytes'] / MIB:.0f} | {row['contender']} "
                     f"| {row['wall_median_s']:.1f} | {row['peak_rss_max_bytes'] / MIB:.0f} "
                     f"| {_num(own and own / MIB, '{:.0f}')} | {_num(child and child / MIB, '{:.0f}')} |")
    growth = []
    for contender in dict.fromkeys(r["contender"] for r in summary):
        rows = [r for r in summary if r["contender"] == contender and "wall_median_s" in r]
        if len(rows) >= 2:
            small, large = rows[0], rows[-1]
            dump_growth = (next(d for d in databases if d["name"] == large["database"])["floor_dump_bytes"] /
                           next(d for d in databases if d["name"] == small["database"])["floor_dump_bytes"])
            growth.append(f"{contender}: dump ×{dump_growth:.2f}, peak tree RSS "
                          f"×{large['peak_rss_max_bytes'] / small['peak_rss_max_bytes']:.2f}")
    return "\n".join(lines) + ("\n\nGrowth, smallest to largest database: " + "; ".join(growth)
                               if growth else "")


def rss_markdown(meta, databases, summary, runs):
    machine = meta["machine"]
    out = [f"# pgdump2s3 peak RSS against database size — {meta['started']} on {machine['host']}", "",
           f"{machine['os']}, {machine['cores']} cores, {machine['memory_gib']} GiB. Endpoint: "
           f"{', '.join(LABELS[e] for e in meta['endpoints'])}; {meta['rounds']} rounds. "
           f"Command: `{meta['command_line']}`", "",
           "Peak memory must be a function of the settings only (docs/DESIGN.md), never of the "
           "database size: the peak RSS below should not grow with the dump.", "",
           rss_table(databases, summary, runs), "", "## What is measured", "",
           MEASURED.format(sample_ms=meta["sample_ms"]), "",
           "The pgdump2s3 column sums the processes named `pgdump2s3` alone; pg_dump is its child.", "",
           "## Exact commands", "", "Variables: " + meta["variables"], ""]
    for name in meta["contenders"]:
        contender = BY_NAME[name]
        env = "".join(f"{k}={v} " for k, v in contender.env.items())
        out += [f"**{name}**: {contender.label}", "", "```sh", env + contender.command, "```", ""]
    out += ["## Versions", "", "| tool | version |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in meta["versions"].items()]
    return "\n".join(out) + "\n"

"""A report as Markdown tables (what `--format md` prints and what `serve` sends through notify:)."""

from __future__ import annotations

from typing import Any

from shipmate.reports.wording import NAMES, duration, metric_counts, metric_status, metric_value, percent, rate


def render_markdown(report: dict[str, Any]) -> str:
    """``report``: ReportResult.to_json()."""
    cur, prev = report["current"], report.get("previous")
    out = [f"# shipmate report: {report['environment']}, {report['period']} {cur['start']} -> {cur['end']}", "",
           f"Services: {', '.join(report['services']) or 'none deployed'}. Timezone {report['timezone']}. "
           f"Generated {report['generated_at']}. A figure from fewer than {report['minimum_count']} samples says "
           "\"insufficient data\" and gets no band.", ""]
    if cur["empty"]:
        out += ["**Insufficient data: nothing was deployed, approved or probed in this period.**", ""]
    out += ["## DORA keys", ""]
    head = "| Key | Value | DORA 2023 band | Counts |"
    out += [head + (" Previous period |" if prev else ""), "|---|---|---|---|" + ("---|" if prev else "")]
    for key, m in cur["dora"].items():
        row = f"| {NAMES[key]} | {metric_value(m)} | {metric_status(m)} | {metric_counts(m)} |"
        if prev:
            p = prev["dora"][key]
            row += f" {metric_value(p)}" + (f" ({p['band'] or p['status']})" if p["value"] is not None else "") + " |"
        out.append(row)
    out += ["", "Definitions:", ""]
    for key, text in report["definitions"].items():
        out.append(f"- **{NAMES[key]}**: {text}. Bands: {report['bands'][key]}.")
    out += ["", "## Deployments", "", "| Figure | Value |" + (" Previous |" if prev else ""),
            "|---|---|" + ("---|" if prev else "")]
    out.append(_pair("Success rate", rate(cur["success_rate"]), prev and rate(prev["success_rate"])))
    out.append(_pair("Rollback rate", rate(cur["rollback_rate"]), prev and rate(prev["rollback_rate"])))
    for reason, r in cur["rollbacks_by_reason"].items():
        before = prev and prev["rollbacks_by_reason"].get(reason)
        out.append(_pair(f"Rolled back: {reason}", rate(r), prev and (rate(before) if before else "-")))
    out += _calibration(cur["calibration"])
    out += _uptime(cur)
    out += _signatures(cur["failure_signatures"])
    a = cur["approvals"]
    states = ", ".join(f"{n} {s}" for s, n in a["by_state"].items()) or "none"
    out += ["", "## Approvals", "", f"{a['requested']} requested ({states}); {a['decided']} decided, median wait "
            f"{duration(a['median_wait_seconds'])}.", ""]
    return "\n".join(out)


def _pair(name: str, value: str, previous: str | Any | None) -> str:
    return f"| {name} | {value} |" + (f" {previous} |" if previous else "")


def _calibration(c: dict[str, Any]) -> list[str]:
    out = ["", "## Confidence calibration", ""]
    if c["brier"] is None:
        out.append(f"Brier score: {c['note']}.")
    else:
        out.append(f"Brier score {c['brier']:.3f} over {c['scored']} scored deployments (0 is perfect, 0.25 is a "
                   "coin toss); predicted = mean confidence, actual = share that did not fail.")
    out += ["", "| Confidence | Deployments | Predicted | Actual |", "|---|---|---|---|"]
    for b in c["buckets"]:
        pred = "-" if b["predicted"] is None else f"{b['predicted']:.2f}"
        act = "-" if b["actual"] is None else f"{b['actual']:.2f}"
        out.append(f"| {b['low']:.1f}-{b['high']:.1f} | {b['count']} | {pred} | {act} |")
    return out


def _uptime(cur: dict[str, Any]) -> list[str]:
    out = ["", "## Uptime", ""]
    if not cur["uptime"]:
        return [*out, f"Uptime {cur['uptime_note']}."]
    out += [f"Incidents: {cur['incidents']}, MTTR {duration(cur['incident_mttr_seconds'])}.", "",
            "| Service | Uptime | Checks (failed) | Incidents | MTTR | Error budget left |",
            "|---|---|---|---|---|---|"]
    for u in cur["uptime"]:
        budget = ("-" if u["budget_left_minutes"] is None
                  else f"{u['budget_left_minutes']:.1f} of {u['budget_allowed_minutes']:.1f} min "
                       f"(SLO {u['slo_target_percent']} %)")
        shown = percent(u["uptime_percent"], 3) if u["uptime_percent"] is not None else "insufficient data"
        out.append(f"| {u['service']} | {shown} | {u['checks']} ({u['failures']}) | {u['incidents']} | "
                   f"{duration(u['mttr_seconds'])} | {budget} |")
    return out


def _signatures(sigs: list[dict[str, Any]]) -> list[str]:
    out = ["", "## Top failure signatures", ""]
    if not sigs:
        return [*out, "No failures recorded in the failure memory in this period."]
    out += ["| Failures | Phase | Signature | Services |", "|---|---|---|---|"]
    for s in sigs:
        text = s["text"].replace("|", "\\|").replace("\n", " ")
        out.append(f"| {s['count']} | {s['phase']} | `{text}` | {', '.join(s['services'])} |")
    return out

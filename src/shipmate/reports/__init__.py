"""Rendering a report (ops/results/reports.py) as Markdown or HTML with inline SVG charts; no I/O but the
package's own templates."""

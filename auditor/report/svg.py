"""Small inline SVG drawings: a workload's neighbourhood, escalation chains, cost bars.

Every label is escaped here; the result is Markup so the template does not escape it twice.
"""

from __future__ import annotations

from markupsafe import Markup, escape

KIND_COLOURS = {"service": "#2563eb", "task-definition": "#0f766e", "iam-role": "#b45309",
                "load-balancer": "#7c3aed", "target-group": "#7c3aed", "efs-file-system": "#0369a1",
                "efs-access-point": "#0369a1", "iam-user": "#b45309", "danger": "#b91c1c"}


def _short(text: str, n: int = 26) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _box(x: int, y: int, w: int, label: str, sub: str, colour: str) -> str:
    return (f'<g><rect x="{x}" y="{y}" width="{w}" height="34" rx="6" fill="white" '
            f'stroke="{colour}" stroke-width="1.5"/>'
            f'<text x="{x + 8}" y="{y + 14}" font-size="11" fill="{colour}">{escape(_short(sub, 30))}</text>'
            f'<text x="{x + 8}" y="{y + 28}" font-size="12" fill="#111">{escape(_short(label))}</text>'
            f"<title>{escape(label)}</title></g>")


def _arrow(x1: int, y1: int, x2: int, y2: int, label: str = "", colour: str = "#64748b") -> str:
    mid = ((x1 + x2) // 2, (y1 + y2) // 2 - 3)
    # A white halo behind the label keeps it readable where it crosses a line or a box edge.
    text = (f'<text x="{mid[0]}" y="{mid[1]}" font-size="9" fill="{colour}" text-anchor="middle" '
            f'paint-order="stroke" stroke="white" stroke-width="3">{escape(label)}</text>') if label else ""
    return (f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" stroke-width="1.2" '
            f'marker-end="url(#arrow)"/>{text}')


_DEFS = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
         'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
         'fill="#64748b"/></marker></defs>')


def neighbourhood(left: list[tuple[str, str, str]], centre: tuple[str, str],
                  right: list[tuple[str, str, str, bool]]) -> Markup:
    """left: (label, kind, edge) into the centre; right: (label, kind, edge, dangerous) out of it."""
    w, gap = 190, 60
    rows = max(len(left), len(right), 1)
    height = rows * 46 + 10
    cy = height // 2 - 17
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="hood" width="{3 * w + 2 * gap}" '
             f'height="{height}" viewBox="0 0 {3 * w + 2 * gap} {height}" role="img" '
             f'aria-label="neighbourhood">{_DEFS}']
    parts.append(_box(w + gap, cy, w, centre[0], centre[1], KIND_COLOURS["task-definition"]))
    for i, (label, kind, edge) in enumerate(left):
        y = i * 46 + 5
        parts.append(_box(0, y, w, label, kind, KIND_COLOURS.get(kind, "#334155")))
        parts.append(_arrow(w, y + 17, w + gap, cy + 17, edge))
    for i, (label, kind, edge, bad) in enumerate(right):
        y = i * 46 + 5
        colour = KIND_COLOURS["danger"] if bad else KIND_COLOURS.get(kind, "#334155")
        parts.append(_box(2 * (w + gap), y, w, label, kind, colour))
        parts.append(_arrow(2 * w + gap, cy + 17, 2 * (w + gap), y + 17, edge,
                            KIND_COLOURS["danger"] if bad else "#64748b"))
    parts.append("</svg>")
    return Markup("".join(parts))


def chain(steps: list[tuple[str, str]], edges: list[str]) -> Markup:
    """A left-to-right chain: steps are (label, kind); edges label the arrows between them."""
    w, gap = 170, 110
    width = len(steps) * w + (len(steps) - 1) * gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chain" width="{width}" height="44" '
             f'viewBox="0 0 {width} 44" role="img" aria-label="escalation path">{_DEFS}']
    for i, (label, kind) in enumerate(steps):
        x = i * (w + gap)
        parts.append(_box(x, 5, w, label, kind, KIND_COLOURS.get(kind, "#334155")))
        if i < len(steps) - 1:
            parts.append(_arrow(x + w, 22, x + w + gap, 22, edges[i] if i < len(edges) else "",
                                KIND_COLOURS["danger"]))
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(items: list[tuple[str, float, float]], title: str) -> Markup:
    """Horizontal bars of monthly cost, with the possible saving shaded."""
    if not items:
        return Markup("")
    top = max(c for _, c, _ in items) or 1.0
    w, label_w, row = 360, 150, 20
    height = len(items) * row + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="{label_w + w + 90}" '
             f'height="{height}" viewBox="0 0 {label_w + w + 90} {height}" role="img" '
             f'aria-label="{escape(title)}">'
             f'<text x="0" y="12" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, (name, cost, saving) in enumerate(items):
        y = 20 + i * row
        bw = max(1, int(w * cost / top))
        sw = int(w * min(saving, cost) / top)
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" font-size="11" text-anchor="end">'
                     f"{escape(_short(name, 22))}</text>"
                     f'<rect x="{label_w}" y="{y + 2}" width="{bw}" height="13" fill="#93c5fd"/>'
                     f'<rect x="{label_w + bw - sw}" y="{y + 2}" width="{sw}" height="13" fill="#fca5a5"/>'
                     f'<text x="{label_w + bw + 4}" y="{y + 12}" font-size="11">${cost:,.2f}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


SEVERITY_COLOURS = {"critical": "#7f1d1d", "high": "#b91c1c", "medium": "#c2410c", "low": "#a16207",
                    "info": "#475569"}


def trend(points: list[tuple[str, dict[str, int]]], title: str) -> Markup:
    """Open findings by severity per scan: one line per severity, scans left to right.
    `points`: (label, {severity: count}) oldest first; the viewBox lets it scale to its box."""
    if not points:
        return Markup("")
    w, h, left, bottom = 560, 180, 36, 28
    top = max((max(c.values()) for _, c in points), default=0) or 1
    step = (w - left - 10) / max(1, len(points) - 1)

    def xy(i: int, n: int) -> tuple[float, float]:
        return left + i * step, 14 + (h - bottom - 14) * (1 - n / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 {w} {h}" '
             f'width="{w}" height="{h}" role="img" aria-label="{escape(title)}">'
             f'<text x="0" y="10" font-size="11" font-weight="bold">{escape(title)}</text>'
             f'<text x="{left - 4}" y="18" font-size="9" text-anchor="end">{top}</text>'
             f'<text x="{left - 4}" y="{h - bottom}" font-size="9" text-anchor="end">0</text>'
             f'<line x1="{left}" y1="{h - bottom}" x2="{w - 10}" y2="{h - bottom}" stroke="#cbd5e1"/>']
    for sev, colour in SEVERITY_COLOURS.items():
        coords = [xy(i, c.get(sev, 0)) for i, (_, c) in enumerate(points)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2">'
                     f"<title>{sev}</title></polyline>")
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"><title>{sev}: '
                  f'{c.get(sev, 0)} ({escape(label)})</title></circle>'
                  for (x, y), (label, c) in zip(coords, points, strict=True)]
    for i, (label, _) in enumerate(points):
        x, _ = xy(i, 0)
        parts.append(f'<text x="{x:.1f}" y="{h - 10}" font-size="9" text-anchor="middle">'
                     f"{escape(label[:10])}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))

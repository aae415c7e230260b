/** A dependency-free SVG line chart, enough for entropy/accuracy over steps. */

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  color: string;
  dashed?: boolean;
}

export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines (targets). */
  hlines?: { y: number; color: string; label: string }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-12; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** Panels stacked vertically, one shared legend per panel. */
export function lineChartSvg(
  panels: Panel[],
  opts: { width?: number; panelHeight?: number; title?: string } = {},
): string {
  const W = opts.width ?? 900;
  const H = opts.panelHeight ?? 320;
  const top = opts.title ? 30 : 0;
  const m = { l: 60, r: 190, t: 30, b: 40 };
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top + H * panels.length}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  );
  if (opts.title)
    parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${esc(opts.title)}</text>`);
  panels.forEach((panel, pi) => {
    const oy = top + pi * H;
    const pw = W - m.l - m.r;
    const ph = H - m.t - m.b;
    const xs = panel.series.flatMap((s) => s.points.map((p) => p.x));
    const ys = [
      ...panel.series.flatMap((s) => s.points.map((p) => p.y)),
      ...(panel.hlines ?? []).map((h) => h.y),
    ];
    const xMin = Math.min(...xs);
    const xMax = Math.max(...xs);
    const yMin = Math.min(0, ...ys);
    const yMax = Math.max(...ys) * 1.05 || 1;
    const sx = (x: number) => m.l + ((x - xMin) / (xMax - xMin || 1)) * pw;
    const sy = (y: number) => oy + m.t + ph - ((y - yMin) / (yMax - yMin || 1)) * ph;
    parts.push(
      `<text x="${m.l + pw / 2}" y="${oy + 18}" text-anchor="middle" font-size="13">${esc(panel.title)}</text>`,
    );
    for (const t of niceTicks(yMin, yMax, 6)) {
      parts.push(
        `<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`,
        `<text x="${m.l - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`,
      );
    }
    for (const t of niceTicks(xMin, xMax, 8)) {
      parts.push(`<text x="${sx(t).toFixed(1)}" y="${oy + m.t + ph + 16}" text-anchor="middle">${t}</text>`);
    }
    parts.push(
      `<rect x="${m.l}" y="${oy + m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
      `<text x="${m.l + pw / 2}" y="${oy + H - 6}" text-anchor="middle">step</text>`,
      `<text transform="translate(14 ${oy + m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(panel.yLabel)}</text>`,
    );
    for (const h of panel.hlines ?? []) {
      parts.push(
        `<line x1="${m.l}" x2="${m.l + pw}" y1="${sy(h.y).toFixed(1)}" y2="${sy(h.y).toFixed(1)}" stroke="${h.color}" stroke-dasharray="6 4" stroke-width="1"/>`,
      );
    }
    panel.series.forEach((s, si) => {
      const d = s.points
        .map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
        .join('');
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
        `<line x1="${W - m.r + 12}" x2="${W - m.r + 36}" y1="${oy + m.t + 10 + si * 18}" y2="${oy + m.t + 10 + si * 18}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
        `<text x="${W - m.r + 42}" y="${oy + m.t + 14 + si * 18}">${esc(s.name)}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

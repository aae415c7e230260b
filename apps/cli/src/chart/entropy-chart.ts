import type { StepRecord } from '@aepo/contracts';

/** One line of the chart: a job's recorded steps. */
export interface ChartSeries {
  label: string;
  /** Job name, `projects/{project}/jobs/{job}`. */
  job: string;
  records: StepRecord[];
}

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bf8700', '#0598bc'];
const W = 900;
const H = 500;
const M = { left: 70, right: 200, top: 50, bottom: 60 };

/** Round step sizes for axis ticks (1, 2, 5 × 10^k). */
export function niceStep(range: number, target = 6): number {
  const raw = range / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

function esc(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

const num = (n: number) => Number(n.toFixed(2)).toString();

/**
 * Entropy against its target over training steps as a standalone SVG: one polyline per job, the
 * tolerance band shaded (once per distinct band), the target dashed. The plot area carries its data
 * domain and pixel box as data-* attributes so a reader (or a test) can map points back to values.
 */
export function renderEntropyChart(series: ChartSeries[], title = 'Policy entropy vs target'): string {
  const all = series.flatMap((s) => s.records);
  const maxStep = Math.max(1, ...all.map((r) => r.step));
  const yTop = Math.max(1e-3, ...all.flatMap((r) => [r.entropy, r.entropyTargetUpper])) * 1.1;
  const yStep = niceStep(yTop);
  const yMax = Math.ceil(yTop / yStep) * yStep;
  const xStep = niceStep(maxStep);
  const xMax = Math.ceil(maxStep / xStep) * xStep;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (step: number) => M.left + (step / xMax) * pw;
  const y = (v: number) => M.top + ph - (v / yMax) * ph;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(
    `<text x="${M.left}" y="30" font-size="17" font-weight="bold" fill="#24292f">${esc(title)}</text>`,
  );

  // Grid and axes.
  for (let v = 0; v <= yMax + 1e-12; v += yStep) {
    out.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#eaeef2"/>`,
    );
    out.push(
      `<text x="${M.left - 8}" y="${num(y(v) + 4)}" text-anchor="end" fill="#57606a">${num(Number(v.toPrecision(6)))}</text>`,
    );
  }
  for (let s = 0; s <= xMax; s += xStep) {
    out.push(`<line x1="${num(x(s))}" x2="${num(x(s))}" y1="${M.top}" y2="${M.top + ph}" stroke="#eaeef2"/>`);
    out.push(`<text x="${num(x(s))}" y="${M.top + ph + 20}" text-anchor="middle" fill="#57606a">${s}</text>`);
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#8c959f"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 15}" text-anchor="middle" fill="#24292f">training step</text>`,
    `<text transform="translate(20 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#24292f">` +
      `entropy (nats/token)</text>`,
  );

  out.push(
    `<g class="plot" data-x-min="0" data-x-max="${xMax}" data-y-min="0" data-y-max="${yMax}" ` +
      `data-left="${M.left}" data-top="${M.top}" data-width="${pw}" data-height="${ph}">`,
  );
  // Bands first so the lines stay on top; identical bands (same target for every job) are drawn once.
  const drawn = new Set<string>();
  for (const s of series) {
    const rs = s.records.filter((r) => r.entropyTargetUpper > 0);
    if (rs.length === 0) continue;
    const key = rs.map((r) => `${r.step}:${r.entropyTargetLower}:${r.entropyTargetUpper}`).join('|');
    if (drawn.has(key)) continue;
    drawn.add(key);
    const upper = rs.map((r) => `${num(x(r.step))},${num(y(r.entropyTargetUpper))}`);
    const lower = rs.map((r) => `${num(x(r.step))},${num(y(r.entropyTargetLower))}`).reverse();
    out.push(
      `<polygon class="band" fill="#2da44e" fill-opacity="0.15" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`,
    );
    out.push(
      `<polyline class="target" fill="none" stroke="#2da44e" stroke-width="1.5" stroke-dasharray="6 4" points="` +
        rs.map((r) => `${num(x(r.step))},${num(y(r.entropyTarget))}`).join(' ') +
        `"/>`,
    );
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    out.push(
      `<polyline class="series" data-job="${esc(s.job)}" data-label="${esc(s.label)}" fill="none" ` +
        `stroke="${color}" stroke-width="2" stroke-linejoin="round" points="` +
        s.records.map((r) => `${num(x(r.step))},${num(y(r.entropy))}`).join(' ') +
        `"/>`,
    );
  });
  out.push(`</g>`);

  // Legend.
  const lx = M.left + pw + 16;
  let ly = M.top + 10;
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 32}" y="${ly + 4}" fill="#24292f">${esc(s.label)}</text>`);
    ly += 22;
  });
  if (drawn.size > 0) {
    out.push(`<rect x="${lx}" y="${ly - 7}" width="24" height="14" fill="#2da44e" fill-opacity="0.15"/>`);
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="#2da44e" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
    out.push(`<text x="${lx + 32}" y="${ly + 4}" fill="#24292f">target ± tolerance</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Rasterises the SVG with resvg (system fonts; DejaVu Sans when present). */
export async function svgToPng(svg: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: W * 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

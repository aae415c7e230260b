/** Reads the data back out of an `aepo chart` SVG by inverting its axes (the plot's data-* box). */
export interface ChartLine {
  /** Job name, from the polyline's data-job. */
  job: string;
  label: string;
  points: { step: number; entropy: number }[];
}

export function readChart(svg: string): ChartLine[] {
  const plot = /<g class="plot" ([^>]*)>/.exec(svg)?.[1];
  if (!plot) throw new Error('no plot group in the SVG');
  const attr = (name: string) => Number(new RegExp(`data-${name}="([^"]+)"`).exec(plot)![1]);
  const [x0, x1, y0, y1] = [attr('x-min'), attr('x-max'), attr('y-min'), attr('y-max')];
  const [left, top, width, height] = [attr('left'), attr('top'), attr('width'), attr('height')];
  const lines: ChartLine[] = [];
  for (const m of svg.matchAll(
    /<polyline class="series" data-job="([^"]+)" data-label="([^"]*)"[^>]* points="([^"]*)"/g,
  )) {
    const points = m[3]!
      .split(' ')
      .filter(Boolean)
      .map((p) => {
        const [px, py] = p.split(',').map(Number) as [number, number];
        return {
          step: x0 + ((px - left) / width) * (x1 - x0),
          entropy: y0 + ((top + height - py) / height) * (y1 - y0),
        };
      });
    lines.push({ job: m[1]!, label: m[2]!, points });
  }
  return lines;
}

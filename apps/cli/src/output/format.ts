/** Short, human formats shared by the tables and the watch view. */

export function shortState(state: string): string {
  return state.replace(/^JOB_STATE_/, '');
}

export function shortAlgorithm(algorithm: string): string {
  return algorithm === 'ALGORITHM_UNSPECIFIED' ? 'AEPO' : algorithm.replace(/^ALGORITHM_/, '');
}

/** Age like kubectl's AGE column: 42s, 5m, 3h, 2d. */
export function age(from: Date | undefined, now: Date = new Date()): string {
  if (!from) return '';
  const s = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Duration like 1m05s / 42s / 2h03m. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function fixed(n: number | undefined, digits = 3): string {
  return n === undefined || !Number.isFinite(n) ? '' : n.toFixed(digits);
}

export function iso(d: Date | undefined): string {
  return d ? d.toISOString() : '';
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function labels(l: Record<string, string> | undefined): string {
  return Object.entries(l ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Pretty JSON for --json outputs. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * Proto3 JSON as stored in jsonb: NaN and ±Infinity become the strings "NaN", "Infinity" and
 * "-Infinity" (the proto3 JSON forms; the generated fromJSON reads them back as numbers). Plain
 * JSON.stringify would write null, which reads back as 0: a diverging loss would look like a perfect one.
 */
export function honestJson<T>(value: T): T {
  if (typeof value === 'number') return (Number.isFinite(value) ? value : String(value)) as T;
  if (Array.isArray(value)) return value.map(honestJson) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, honestJson(v)])) as T;
  }
  return value;
}

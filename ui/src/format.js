export const rate = (r) => (r == null ? '–' : `${(r * 100).toFixed(1)}%`);
export const count = (n) => (n == null ? '–' : String(n));
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
// The error a dead delivery ended with: its detail, else its last timeline entry's.
export function reason(d) {
  if (d.detail) return d.detail;
  for (let i = (d.timeline || []).length - 1; i >= 0; --i) if (d.timeline[i].detail) return d.timeline[i].detail;
  return '';
}
export function windowStart(win) {
  const ms = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3 }[win];
  return new Date(Date.now() - ms).toISOString();
}

// Times on the pages are shown in the viewer's time zone, with the zone named beside each one, so
// "14:05" can never be misread across sites (ALCOA+: attributable, contemporaneous, legible).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, withSeconds: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withSeconds}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(key, found);
  }
  return found;
}

export function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** "07 Dec 2026, 03:14 CET" in the zone given. */
export function formatDateTime(value: unknown, timeZone: string, withSeconds = false): string {
  const date = toDate(value);
  return date ? formatter(timeZone, withSeconds).format(date).replace(' at ', ', ') : '';
}

/** "07 Dec 2026" for a calendar date (YYYY-MM-DD) or a time, in the zone given. */
export function formatDate(value: unknown, timeZone: string): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric', month: 'short', day: '2-digit' }).format(new Date(`${value}T00:00:00Z`));
  }
  const date = toDate(value);
  return date ? new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'short', day: '2-digit' }).format(date) : '';
}

/** "3 min ago" style, for dashboards; exact time stays in the title. */
export function formatRelative(value: unknown, now: Date): string {
  const date = toDate(value);
  if (!date) return '';
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  const [amount, unit] = abs < 60 ? [abs, 'second'] : abs < 3600 ? [Math.round(abs / 60), 'minute'] : abs < 86_400 ? [Math.round(abs / 3600), 'hour'] : [Math.round(abs / 86_400), 'day'];
  const text = `${amount} ${unit}${amount === 1 ? '' : 's'}`;
  return future ? `in ${text}` : `${text} ago`;
}

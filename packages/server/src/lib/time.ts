const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `90s`, `15m`, `24h`, `30d` (or a bare number of seconds) into milliseconds; null if invalid. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!match) {
    return null;
  }
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.round(Number(match[1]) * (UNITS[unit] ?? 1000));
}

/** Milliseconds since the epoch → ISO 8601 UTC with `Z` (null stays null). */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

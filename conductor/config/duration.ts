/** Parses Go-style durations as op-conductor's flags accept them: `1000ms`, `1s`, `1m30s`, `250us`. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (trimmed === '' || /^\d+(\.\d+)?$/.test(trimmed)) {
    throw new Error(`invalid duration "${text}": missing unit (use e.g. 500ms, 1s, 1m30s)`);
  }
  const unitMs: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let position = 0;
  while (position < trimmed.length) {
    part.lastIndex = position;
    const match = part.exec(trimmed);
    if (!match) throw new Error(`invalid duration "${text}" (use e.g. 500ms, 1s, 1m30s)`);
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
    position = part.lastIndex;
  }
  return total;
}

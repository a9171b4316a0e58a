/**
 * Reads the flags a real binary accepts from its `--help` (urfave/cli's layout, which op-node and geth
 * both print): one line per flag, `--name [value][, --alias [value]]…`, then its default and environment
 * variables. `value` after a name means the flag takes an argument (`--l1 value`); a flag without it is
 * a boolean (`--l1.trustrpc`, which also takes `=true`/`=false`).
 */
export interface FlagSpec {
  /** Without the leading dashes: `l1.beacon`, `l2.enginekind`. */
  readonly names: readonly string[];
  readonly takesValue: boolean;
}

const FLAG_LINE =
  /^\s+(-{1,2}[a-zA-Z0-9][a-zA-Z0-9._-]*(?: value)?(?:, -{1,2}[a-zA-Z0-9][a-zA-Z0-9._-]*(?: value)?)*)(?:\s|$)/;

export function parseHelpFlags(help: string): FlagSpec[] {
  const flags: FlagSpec[] = [];
  for (const line of help.split('\n')) {
    const match = FLAG_LINE.exec(line);
    if (!match?.[1]) continue;
    const parts = match[1].split(', ');
    const names = parts.map((p) => p.replace(/ value$/, '').replace(/^-+/, ''));
    flags.push({ names, takesValue: parts.some((p) => p.endsWith(' value')) });
  }
  return flags;
}

/** The outcome of checking a command line against a real binary's flags. */
export type FlagCheck = { ok: true } | { ok: false; unknown: string };

/**
 * Checks the arguments the simulator did not itself declare against the real binary's flags: a flag the
 * real binary does not know fails as urfave/cli fails it (`flag provided but not defined: -name`); a
 * value flag written `--name value` consumes the next argument.
 */
export function checkFlags(args: readonly string[], known: ReadonlyMap<string, FlagSpec>): FlagCheck {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') continue;
    const [written] = arg.split('=', 1);
    const name = written!.replace(/^-+/, '');
    const spec = known.get(name);
    if (!spec) return { ok: false, unknown: name };
    if (spec.takesValue && !arg.includes('=')) i++;
  }
  return { ok: true };
}

export function byName(flags: readonly FlagSpec[]): Map<string, FlagSpec> {
  const map = new Map<string, FlagSpec>();
  for (const flag of flags) for (const name of flag.names) map.set(name, flag);
  return map;
}

// Command-line options without a parser package: a declared option list per command,
// `--name value` and `--name=value`, and typed getters whose errors say what was wrong
// and what was expected. Values may start with '-' (`--range -5,5`), since every option
// but a flag takes exactly the next word.
import { getActivation, resolveParams, type ActivationRequest } from '../index.js';
import { resolveRequests } from '../analyzers/common.js';
import { setOwn } from '../core/checks.js';

export type OptionKind = 'flag' | 'value';

export interface OptionSpec {
  readonly name: string;
  readonly kind: OptionKind;
  /** What the value looks like in --help, e.g. 'N', 'LIST', 'DIR'. */
  readonly value?: string;
  readonly help: string;
  /** The default as --help shows it. */
  readonly default?: string;
  /** Left out of --help (options for tests). */
  readonly hidden?: boolean;
}

/** A usage error: the command line was wrong (exit status 2), as opposed to a failure while running. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export class ParsedArgs {
  constructor(private readonly command: string, private readonly values: ReadonlyMap<string, string | true>) {}

  private fail(name: string, got: string, expected: string): never {
    throw new UsageError(`actlab ${this.command}: --${name} ${got === '' ? 'is empty' : `'${got}' is invalid`}: expected ${expected}`);
  }

  has(name: string): boolean { return this.values.has(name); }

  flag(name: string): boolean { return this.values.get(name) === true; }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  number(name: string, fallback: number, check: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean; integer?: boolean } = {}): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    const lo = check.min ?? -Infinity, hi = check.max ?? Infinity;
    const ok = raw.trim() !== '' && Number.isFinite(v) && (check.minOpen ? v > lo : v >= lo) && (check.maxOpen ? v < hi : v <= hi) &&
      (!check.integer || Number.isInteger(v));
    if (!ok) {
      const kind = check.integer ? 'an integer' : 'a number';
      const bounds = [Number.isFinite(lo) ? `${check.minOpen ? '>' : '>='} ${lo}` : '', Number.isFinite(hi) ? `${check.maxOpen ? '<' : '<='} ${hi}` : ''].filter(Boolean).join(' and ');
      this.fail(name, raw, `${kind}${bounds ? ` ${bounds}` : ''}`);
    }
    return v;
  }

  int(name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
    return this.number(name, fallback, { min, max, integer: true });
  }

  /** Comma-separated numbers, each checked. */
  numbers(name: string, fallback: readonly number[], check: { min?: number; minOpen?: boolean; integer?: boolean } = {}): number[] {
    const raw = this.string(name);
    if (raw === undefined) return [...fallback];
    const parts = raw.split(',').map((s) => s.trim());
    const vs = parts.map(Number);
    const lo = check.min ?? -Infinity;
    const bad = parts.findIndex((s, i) => s === '' || !Number.isFinite(vs[i]) || (check.minOpen ? !(vs[i] > lo) : vs[i] < lo) ||
      (check.integer === true && !Number.isInteger(vs[i])));
    if (bad >= 0) {
      const what = check.integer ? 'integers' : 'numbers';
      this.fail(name, raw, `comma-separated ${what}${Number.isFinite(lo) ? ` ${check.minOpen ? '>' : '>='} ${lo}` : ''} (entry ${bad + 1}, '${parts[bad]}', is not)`);
    }
    return vs;
  }

  /** 'lo,hi' with lo < hi. */
  range(name: string, fallback: readonly [number, number]): [number, number] {
    const raw = this.string(name);
    if (raw === undefined) return [fallback[0], fallback[1]];
    const parts = raw.split(',');
    const [lo, hi] = parts.map(Number);
    // The grid is float32: both ends finite there, and still apart.
    if (parts.length !== 2 || parts.some((p) => p.trim() === '') || !Number.isFinite(Math.fround(lo)) || !Number.isFinite(Math.fround(hi)) ||
      !(Math.fround(lo) < Math.fround(hi))) {
      this.fail(name, raw, 'LO,HI: two numbers with LO < HI that float32 holds apart (|x| <= 3.4e38), e.g. -5,5');
    }
    return [lo, hi];
  }

  /**
   * Activations: comma-separated registry names, each optionally with parameters after
   * colons, e.g. `relu,swish:beta=2,softplus:beta=2:threshold=10`. Names are checked
   * against the registry here, so an unknown one lists the valid names at once.
   */
  activations(name: string, fallback: readonly ActivationRequest[]): ActivationRequest[] {
    const raw = this.string(name);
    if (raw === undefined) return [...fallback];
    const entries = raw.split(',').map((s) => s.trim());
    const list: ActivationRequest[] = entries.map((entry) => {
      const [act, ...assignments] = entry.split(':');
      if (act === '') this.fail(name, raw, 'comma-separated activation names, e.g. relu,tanh,swish:beta=2');
      const usage = (e: unknown): UsageError =>
        new UsageError(`actlab ${this.command}: --${name}: ${e instanceof Error ? e.message.replace(/^actlab: /, '') : String(e)}`);
      let row;
      try {
        row = getActivation(act);
      } catch (e) {
        throw usage(e);
      }
      if (assignments.length === 0) return act;
      const params: Record<string, number> = {};
      for (const a of assignments) {
        const [key, value, extra] = a.split('=');
        const v = Number(value);
        if (key === '' || value === undefined || extra !== undefined || value.trim() === '' || !Number.isFinite(v)) {
          this.fail(name, entry, `NAME:PARAM=NUMBER[:PARAM=NUMBER...], e.g. swish:beta=2 ('${a}' is not PARAM=NUMBER)`);
        }
        setOwn(params, key, v);
      }
      try {
        resolveParams(row, params);
      } catch (e) {
        throw usage(e);
      }
      return { name: act, params };
    });
    // Plots tell series apart by label: two entries with one label (relu,relu) are a usage error.
    return asUsage(this.command, name, () => { resolveRequests(this.command, list); return list; });
  }
}

/** Runs a library check on values from option --`name`; its error becomes a usage error (exit 2, with the help hint). */
export function asUsage<T>(command: string, name: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    throw new UsageError(`actlab ${command}: --${name}: ${e instanceof Error ? e.message.replace(/^actlab: [A-Za-z]+: /, '') : String(e)}`);
  }
}

/** Splits argv by the declared options; unknown options and missing values are usage errors. */
export function parseArgs(command: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string | true>();
  const valid = (): string => specs.filter((s) => !s.hidden).map((s) => `--${s.name}`).join(', ');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') { values.set('help', true); continue; }
    if (!arg.startsWith('--')) {
      throw new UsageError(`actlab ${command}: unexpected argument '${arg}': expected options only (--name value); see actlab ${command} --help`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (spec === undefined) throw new UsageError(`actlab ${command}: unknown option '--${name}'; valid options: ${valid()}`);
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`actlab ${command}: --${name} is a flag and takes no value (got '${arg}')`);
      values.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
      // `--out --json` (a value forgotten) would take the next option as the value: a directory
      // named '--json'. A value that is really spelt like an option goes after '='.
      const next = value?.startsWith('--') === true ? byName.get(value.slice(2).split('=')[0]) : undefined;
      if (next !== undefined || value === '-h') {
        throw new UsageError(`actlab ${command}: --${name} needs a value but got the option '${value}': --${name} ${spec.value ?? 'VALUE'} ` +
          `(for a value spelt like an option, write --${name}=${value})`);
      }
    }
    if (value === undefined) throw new UsageError(`actlab ${command}: --${name} needs a value: --${name} ${spec.value ?? 'VALUE'}`);
    values.set(name, value);
  }
  return new ParsedArgs(command, values);
}

/** The --help text of a command. */
export function helpText(usage: string, summary: string, allSpecs: readonly OptionSpec[], examples: readonly string[]): string {
  const specs = allSpecs.filter((s) => !s.hidden);
  const left = specs.map((s) => `  --${s.name}${s.kind === 'value' ? ` ${s.value ?? 'VALUE'}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const lines = specs.map((s, i) => `${left[i].padEnd(width)}${s.help}${s.default === undefined ? '' : ` (default: ${s.default})`}`);
  return [`usage: ${usage}`, '', summary, '', 'options:', ...lines, ...(examples.length ? ['', 'examples:', ...examples.map((e) => `  ${e}`)] : []), ''].join('\n');
}

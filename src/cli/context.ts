// What a command gets to work with and gives back; the driver (run.ts) does the rest:
// parsing, --help, --json, writing --out files, errors and exit statuses.
import type { VegaLiteSpec } from '../plot/theme.js';
import type { ParsedArgs, OptionSpec } from './args.js';
import type { ProgressBar } from './progress.js';

/** Where the command's text goes; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stderrIsTTY: boolean;
  readonly columns?: number;
  /** Relative --out paths resolve against this. */
  readonly cwd: string;
}

export interface CommandContext {
  readonly args: ParsedArgs;
  readonly seed: number;
  readonly progress: ProgressBar;
  readonly io: CliIo;
  /** Absolute --out directory, or the command's default one, or undefined. */
  readonly outDir?: string;
}

export interface Figure {
  /** File name without extension. */
  readonly name: string;
  readonly spec: VegaLiteSpec;
}

export interface CommandOutput {
  /** JSON-serialisable: printed by --json, written to DIR/<command>.json by --out. */
  readonly result: unknown;
  readonly figures: readonly Figure[];
  /** What a person reads on stdout without --json. */
  readonly text: string;
  /** Files the command wrote itself (the report), to list with the driver's. */
  readonly wrote?: readonly string[];
}

export interface Command {
  readonly name: string;
  /** One line for `actlab --help`. */
  readonly summary: string;
  /** The paragraph under `usage:` in the command's --help. */
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** --out used when none is given (the report always writes); undefined: write nothing. */
  readonly defaultOut?: string;
  run(ctx: CommandContext): Promise<CommandOutput>;
}

// The `actlab` driver: picks the command, parses its options, prints --help, runs it, and
// writes --json / --out results. Exit status: 0 done, 1 failed while running, 2 bad
// command line.
import { mkdir, rmdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { init, version } from '../index.js';
import { renderSvg, svgToPng } from '../node/index.js';
import { checkPngSupport } from '../node/render.js';
import { writeAtomic } from '../node/files.js';
import { helpText, parseArgs, UsageError, type OptionSpec } from './args.js';
import { ANALYZER_COMMANDS } from './commands.js';
import type { CliIo, Command } from './context.js';
import { ProgressBar } from './progress.js';
import { reportCommand } from './report.js';

export const COMMANDS: readonly Command[] = [...ANALYZER_COMMANDS, reportCommand];

function commonOptions(c: Command): OptionSpec[] {
  return [
    { name: 'json', kind: 'flag', help: 'print the results as JSON on stdout' },
    { name: 'out', kind: 'value', value: 'DIR', help: c.defaultOut === undefined ? 'write the results (JSON) and figures (SVG) to DIR' : 'directory for the report', default: c.defaultOut },
    ...(c.defaultOut === undefined ? [{ name: 'png', kind: 'flag' as const, help: 'with --out, also write each figure as PNG' }] : []),
    { name: 'seed', kind: 'value', value: 'N', help: 'random seed (training, sampling); recorded with the results', default: '42' },
    { name: 'progress', kind: 'flag', help: 'show the progress bar on stderr even when it is not a terminal' },
    { name: 'help', kind: 'flag', help: 'show this help' },
  ];
}

export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return ['usage: actlab <command> [options]', '',
    'The activation-function lab: every number from WebAssembly kernels, figures as SVG/PNG, one HTML report.', '',
    'commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`), '',
    'Run `actlab <command> --help` for a command\'s options. Common options: --json, --out DIR, --png, --seed N, --progress.',
    '`actlab --version` prints the version.', ''].join('\n');
}

/** Runs the command line `argv` (without node and the script); returns the exit status. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version') {
    io.stdout(`actlab ${version}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(topHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(`actlab: unknown command '${name}'; commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  const specs = [...command.options, ...commonOptions(command)];
  const progress = new ProgressBar({ write: io.stderr, isTTY: io.stderrIsTTY, columns: io.columns }, 'auto');
  // The directories this run made for --out, deepest first: removed again if the run fails
  // before writing into them (a usage error found by the command leaves nothing behind).
  const made: string[] = [];
  // The bar in use: --progress swaps in one that always draws; either is ended before an error is printed.
  let bar = progress;
  try {
    const args = parseArgs(command.name, rest, specs);
    if (args.flag('help')) {
      io.stdout(helpText(`actlab ${command.name} [options]`, command.description, specs, command.examples));
      return 0;
    }
    const seed = args.int('seed', 42, 0, Number.MAX_SAFE_INTEGER);
    const outArg = args.string('out') ?? command.defaultOut;
    if (outArg === '') throw new UsageError(`actlab ${command.name}: --out is empty: expected a directory`);
    if (args.flag('png') && outArg === undefined) throw new UsageError(`actlab ${command.name}: --png writes files: give --out DIR too`);
    const outDir = outArg === undefined ? undefined : isAbsolute(outArg) ? outArg : resolve(io.cwd, outArg);
    // Made before any work, so a path that cannot be a directory fails at once, not after training.
    if (outDir !== undefined) {
      try {
        const first = await mkdir(outDir, { recursive: true });
        if (first !== undefined) {
          for (let d = outDir; d.length >= first.length; d = dirname(d)) made.push(d);
        }
      } catch (e) {
        const code = e instanceof Error && 'code' in e ? ` (${String(e.code)})` : '';
        throw new UsageError(`actlab ${command.name}: --out ${outArg}: cannot create that directory${code}; expected a directory path (a file or an unwritable place is there)`);
      }
    }
    if (args.flag('progress')) bar = new ProgressBar({ write: io.stderr, isTTY: io.stderrIsTTY, columns: io.columns }, 'always');
    // --png needs a font and resvg's native package: checked before the work, not after an hour of training.
    if (args.flag('png')) checkPngSupport();
    await init();
    const output = await command.run({ args, seed, progress: bar, io, outDir });
    const wrote = [...(output.wrote ?? [])];
    if (outDir !== undefined && command.defaultOut === undefined) {
      await mkdir(outDir, { recursive: true });
      const json = join(outDir, `${command.name}.json`);
      await writeAtomic(json, `${toJson(command.name, { command: command.name, argv: rest, seed, result: output.result })}\n`);
      wrote.push(json);
      const steps = output.figures.length * (args.flag('png') ? 2 : 1);
      let done = 0;
      for (const f of output.figures) {
        bar.update(done, steps, `rendering ${f.name}.svg`);
        const svg = await renderSvg(f.spec);
        await writeAtomic(join(outDir, `${f.name}.svg`), svg);
        wrote.push(join(outDir, `${f.name}.svg`));
        done++;
        if (args.flag('png')) {
          bar.update(done, steps, `rendering ${f.name}.png`);
          await writeAtomic(join(outDir, `${f.name}.png`), svgToPng(svg));
          wrote.push(join(outDir, `${f.name}.png`));
          done++;
        }
      }
      bar.update(steps, steps, 'figures written');
    }
    bar.finish();
    if (args.flag('json')) io.stdout(`${toJson(command.name, output.result)}\n`);
    else io.stdout(`${output.text}\n`);
    if (wrote.length > 0 && command.defaultOut === undefined) (args.flag('json') ? io.stderr : io.stdout)(`wrote ${wrote.join(', ')}\n`);
    return 0;
  } catch (e) {
    bar.finish();
    for (const d of made) {
      try {
        await rmdir(d);   // only an empty directory goes
      } catch {
        break;
      }
    }
    const message = e instanceof Error ? e.message : String(e);
    const text = message.startsWith('actlab') ? message : `actlab ${command.name}: ${message}`;
    if (e instanceof UsageError) {
      const hint = `actlab ${command.name} --help`;
      io.stderr(text.includes(hint) ? `${text}\n` : `${text}\n(see ${hint})\n`);
      return 2;
    }
    io.stderr(`${text}\n`);
    return 1;
  }
}

/** @internal JSON text of a result; one beyond V8's longest string (512 MiB) says so instead of "Invalid string length". */
export function toJson(command: string, value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new Error(`actlab ${command}: the result is too large to write as JSON (${e.message}: a string holds at most 512 MiB); ` +
      'ask for fewer samples, activations or epochs');
  }
}

// Entry of the `actlab` bin (dist/cli.js): the real process's streams and exit status.
import { runCli } from './run.js';

// stderr carries progress and messages while the work runs: a reader gone there (`2>&1 | head -1`
// during training) must not end the run before its --out files are written, and with status 0.
// Later messages are dropped; the exit status still tells how the run went.
let stderrOpen = true;
process.stderr.on('error', () => { stderrOpen = false; });
// stdout carries the result, written once the work is done: a reader that stops early
// (`actlab curves --json | head -1`) closes the pipe, and the run ends quietly, as other Unix
// tools do, instead of with Node's unhandled 'error' stack trace. Any other failure to write
// there (a full disk, /dev/full) is one line on stderr and status 1.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  if (stderrOpen) {
    try { process.stderr.write(`actlab: cannot write to stdout: ${e.code ?? e.message}\n`); } catch { /* stderr is gone too */ }
  }
  process.exit(1);
});

const status = await runCli(process.argv.slice(2), {
  stdout: (t) => { process.stdout.write(t); },
  stderr: (t) => { if (stderrOpen) process.stderr.write(t); },
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
  cwd: process.cwd(),
});
process.exitCode = status;

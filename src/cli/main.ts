// Entry of the `actlab` bin (dist/cli.js): the real process's streams and exit status.
import { runCli } from './run.js';

// A reader that stops early (`actlab curves --json | head -1`) closes the pipe: the run ends
// quietly, as other Unix tools do, instead of with Node's unhandled 'error' stack trace. Any
// other failure to write (a full disk, /dev/full) is one line on stderr and status 1.
for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (name === 'stdout') {
      try { process.stderr.write(`actlab: cannot write to stdout: ${e.code ?? e.message}\n`); } catch { /* stderr is gone too */ }
    }
    process.exit(1);
  });
}

const status = await runCli(process.argv.slice(2), {
  stdout: (t) => { process.stdout.write(t); },
  stderr: (t) => { process.stderr.write(t); },
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
  cwd: process.cwd(),
});
process.exitCode = status;

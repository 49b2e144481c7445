// Entry of the `actlab` bin (dist/cli.js): the real process's streams and exit status.
import { runCli } from './run.js';

const status = await runCli(process.argv.slice(2), {
  stdout: (t) => { process.stdout.write(t); },
  stderr: (t) => { process.stderr.write(t); },
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
  cwd: process.cwd(),
});
process.exitCode = status;

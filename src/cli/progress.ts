// A progress bar with ETA on stderr. On a terminal it appears once work has run for more
// than a second (short commands stay quiet); --progress shows it at once, even when
// stderr is a file or pipe, so logs and tests see it too (there one line per step label,
// at the end and every 10 s, not a redraw every 100 ms).

export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns?: number;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class ProgressBar {
  private readonly start = performance.now();
  private lastDraw = -Infinity;
  private lastLabel: string | undefined;
  private lastDone = -1;
  private drawn = false;

  /** `mode`: 'auto' (a TTY, after a second), 'always' (--progress) or 'never'. */
  constructor(private readonly sink: ProgressSink, private readonly mode: 'auto' | 'always' | 'never') {}

  private get enabled(): boolean {
    return this.mode === 'always' || (this.mode === 'auto' && this.sink.isTTY);
  }

  /** Reports `done` of `total` steps of `label`. */
  update(done: number, total: number, label: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    const elapsed = now - this.start;
    if (this.mode === 'auto' && elapsed < 1000) return;
    // A terminal redraws one line, ten times a second. A log (CI, a file) gets a line when the
    // step's label changes, at the end, and otherwise every 10 s: not thousands an hour.
    const sameLabel = label === this.lastLabel;
    if (this.sink.isTTY ? done < total && now - this.lastDraw < 100
      : sameLabel && (done < total ? now - this.lastDraw < 10_000 : this.lastDone === total)) return;
    this.lastDraw = now;
    this.lastLabel = label;
    this.lastDone = done;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const eta = done > 0 ? clock((elapsed / done) * (total - done)) : '?';
    const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}% ${done}/${total} ` +
      `${clock(elapsed)} elapsed, ETA ${eta}  ${label}`;
    const cols = this.sink.columns ?? 100;
    if (this.sink.isTTY) this.sink.write(`\r${text.slice(0, cols - 1).padEnd(cols - 1)}`);
    else this.sink.write(`${text}\n`);
    this.drawn = true;
  }

  /** Ends the bar's line, if one was drawn on a terminal. */
  finish(): void {
    if (this.drawn && this.sink.isTTY) this.sink.write('\n');
    this.drawn = false;
  }
}

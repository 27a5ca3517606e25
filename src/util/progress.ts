// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain log lines otherwise (CI, pipes).
// The bar line ends without a newline, so lines printed while it is shown go through log(), which clears it first;
// the next update draws the bar again below them.

/** Where progress is drawn: process.stderr, or a stand-in (tests). */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

export class Progress {
  private start = Date.now();
  private lastLine = 0;
  private readonly tty: boolean;
  /** A bar is drawn and the cursor is at its end. */
  private barShown = false;

  constructor(
    private readonly label: string,
    private readonly unit = 'steps',
    private readonly stream: ProgressStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  update(done: number, total: number, extra = ''): void {
    const now = Date.now();
    const elapsed = (now - this.start) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const info = `${done}/${total} ${this.unit} ${rate.toFixed(rate < 10 ? 2 : 0)}/s ETA ${formatSeconds(eta)}${extra ? ' ' + extra : ''}`;
    if (this.tty) {
      const width = 30;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${info}\x1b[K`);
      this.barShown = done < total;
      if (done >= total) this.stream.write('\n');
    } else if (done >= total || now - this.lastLine >= 10_000) {
      this.lastLine = now;
      this.stream.write(`${this.label} ${info}\n`);
    }
  }

  /** Measures the rate from now on (after a phase that is not the counted work, e.g. GradInit). */
  restart(): void {
    this.start = Date.now();
  }

  /** Prints a line of its own (an epoch's metrics, a notice), on a fresh line even while the bar is shown. */
  log(line: string): void {
    if (this.barShown) this.stream.write('\r\x1b[K');
    this.barShown = false;
    this.stream.write(line + '\n');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

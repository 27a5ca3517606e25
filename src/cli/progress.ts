// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain log lines otherwise (CI, pipes).
export class Progress {
  private readonly start = Date.now();
  private lastLine = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(
    private readonly label: string,
    private readonly unit = 'steps',
  ) {}

  update(done: number, total: number, extra = ''): void {
    const now = Date.now();
    const elapsed = (now - this.start) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const info = `${done}/${total} ${this.unit} ${rate.toFixed(rate < 10 ? 2 : 0)}/s ETA ${formatSeconds(eta)}${extra ? ' ' + extra : ''}`;
    if (this.tty) {
      const width = 30;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${info}\x1b[K`);
      if (done >= total) process.stderr.write('\n');
    } else if (done >= total || now - this.lastLine >= 10_000) {
      this.lastLine = now;
      process.stderr.write(`${this.label} ${info}\n`);
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

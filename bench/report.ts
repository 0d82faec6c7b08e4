import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * One measured figure beside its same-run baseline. `ratio` is always aurgate ÷ baseline in the
 * figure's own unit (time: lower is better; throughput: higher is better), and the goal is stated on
 * that ratio, so the table reads the same way for every row.
 */
export interface Comparison {
  id: string;
  title: string;
  unit: string;
  aurgate: number;
  /** null for an absolute goal (peak RSS) that has no meaningful baseline. */
  baseline: number | null;
  baselineLabel: string;
  ratio: number | null;
  goal: string;
  met: boolean;
  verdict: string;
}

/** Figures worth seeing that carry no goal (set-up costs, latency percentiles). */
export interface Note {
  label: string;
  value: string;
}

export class Report {
  readonly comparisons: Comparison[] = [];
  readonly notes: Note[] = [];
  readonly errors: Note[] = [];

  /** A benchmark that could not run (or whose work failed) is reported, not thrown; the run then exits 1. */
  error(stage: string, error: unknown): void {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.errors.push({ label: stage, value: message });
    process.stdout.write(`  ✗ ${stage} could not run: ${message}\n`);
  }

  note(label: string, value: string): void {
    this.notes.push({ label, value });
    process.stdout.write(`  · ${label}: ${value}\n`);
  }

  add(comparison: Comparison): void {
    this.comparisons.push(comparison);
    process.stdout.write(`  → ${comparison.title}: ${comparison.verdict}\n`);
  }

  /** Time where lower is better; goal: aurgate ≤ maxRatio × baseline. */
  time(id: string, title: string, aurgateMs: number, baselineMs: number, baselineLabel: string, maxRatio: number): void {
    const ratio = aurgateMs / baselineMs;
    const met = ratio <= maxRatio;
    const speed = ratio < 1 ? `${(1 / ratio).toFixed(1)}× faster than` : `${ratio.toFixed(2)}× the time of`;
    const goal = maxRatio < 1 ? `≥ ${(1 / maxRatio).toFixed(0)}× faster` : `≤ ${maxRatio}× baseline`;
    const verdict = `${met ? 'MET' : 'MISSED'}: ${fmtMs(aurgateMs)} vs ${fmtMs(baselineMs)}, aurgate is ${speed} ${baselineLabel} (goal ${goal})`;
    this.add({ id, title, unit: 'ms', aurgate: aurgateMs, baseline: baselineMs, baselineLabel, ratio, goal, met, verdict });
  }

  /** Throughput where higher is better; goal: aurgate ≥ minRatio × baseline. */
  throughput(id: string, title: string, aurgate: number, baseline: number, baselineLabel: string, minRatio: number): void {
    const ratio = aurgate / baseline;
    const met = ratio >= minRatio;
    const verdict = `${met ? 'MET' : 'MISSED'}: ${aurgate.toFixed(0)} vs ${baseline.toFixed(0)} req/s, ${ratio.toFixed(2)}× ${baselineLabel} (goal ≥ ${minRatio}×)`;
    this.add({ id, title, unit: 'req/s', aurgate, baseline, baselineLabel, ratio, goal: `≥ ${minRatio}× baseline`, met, verdict });
  }

  /** An absolute ceiling in MB. */
  ceiling(id: string, title: string, valueMb: number, maxMb: number, what: string): void {
    const met = valueMb <= maxMb;
    const verdict = `${met ? 'MET' : 'MISSED'}: ${valueMb.toFixed(1)} MB ${what} (goal ≤ ${maxMb} MB)`;
    this.add({
      id,
      title,
      unit: 'MB',
      aurgate: valueMb,
      baseline: null,
      baselineLabel: '(absolute goal)',
      ratio: null,
      goal: `≤ ${maxMb} MB`,
      met,
      verdict,
    });
  }

  table(): string {
    const rows = [
      ['benchmark', 'aurgate', 'baseline', 'ratio', 'goal', 'verdict'],
      ...this.comparisons.map((c) => [
        c.title,
        fmtValue(c.aurgate, c.unit),
        c.baseline === null ? '—' : `${fmtValue(c.baseline, c.unit)} (${c.baselineLabel})`,
        c.ratio === null ? '—' : `${c.ratio.toFixed(c.ratio < 0.1 ? 4 : 2)}×`,
        c.goal,
        c.met ? 'MET' : 'MISSED',
      ]),
    ];
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    const line = (row: string[]): string =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd();
    const rule = widths.map((width) => '─'.repeat(width)).join('  ');
    return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
  }

  async writeJson(file: string, meta: Record<string, unknown>): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const body = { meta, comparisons: this.comparisons, notes: this.notes, errors: this.errors };
    await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  }
}

export function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;
}

function fmtValue(value: number, unit: string): string {
  if (unit === 'ms') return fmtMs(value);
  if (unit === 'req/s') return `${value.toFixed(0)} req/s`;
  return `${value.toFixed(1)} ${unit}`;
}

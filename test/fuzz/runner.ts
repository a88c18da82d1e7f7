import fc from 'fast-check';
import type { FuzzCase } from './generator';
import { checkCase, unhealthy, type Finding, type Target } from './property';

export interface FuzzOptions {
  seed: number;
  runs: number;
  /** Servers' /healthz are checked every this many cases. */
  healthEvery?: number;
  /** Time allowed to shrink each distinct finding. */
  shrinkMs?: number;
  /** Called every 100 cases and per finding, for progress lines. */
  onProgress?: (line: string) => void;
}

/** One kind of failure: how often, and the smallest case fast-check shrank it to. */
export interface FuzzFailure {
  kind: string;
  count: number;
  firstRun: number;
  /** The shrunk case (the first one as found, when it did not fail again on replay). */
  example: FuzzCase;
  shrunk: boolean;
  finding: Finding;
}

export interface FuzzReport {
  seed: number;
  runs: number;
  ms: number;
  failures: FuzzFailure[];
  /** What came back, by role, HTTP status and first error code (`data` without errors): the fuzzer's reach. */
  outcomes: Record<string, number>;
}

/**
 * Runs `runs` cases from `seed` against `target`, collecting every kind of failure
 * instead of stopping at the first, then replays each kind's first case (fast-check's
 * `path`) and shrinks it to a small counter-example of the same kind.
 */
export async function fuzz(target: Target, cases: fc.Arbitrary<FuzzCase>, options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const healthEvery = options.healthEvery ?? 100;
  const seen = new Map<string, { count: number; firstRun: number; example: FuzzCase; finding: Finding }>();
  const record = (run: number, c: FuzzCase, finding: Finding) => {
    const known = seen.get(finding.kind);
    if (known) known.count++;
    else {
      seen.set(finding.kind, { count: 1, firstRun: run, example: c, finding });
      options.onProgress?.(`run ${run}: ${finding.kind}: ${finding.detail.slice(0, 160)}`);
    }
  };
  const outcomes: Record<string, number> = {};
  const tally = (outcome: string) => void (outcomes[outcome] = (outcomes[outcome] ?? 0) + 1);
  let run = 0;
  await fc.check(
    fc.asyncProperty(cases, async (c) => {
      const index = run++;
      const finding = await checkCase(target, c, tally);
      if (finding) record(index, c, finding);
      if ((index + 1) % healthEvery === 0) {
        for (const down of await unhealthy(target))
          record(index, c, { kind: 'server down', detail: down, status: 0, body: '' });
        options.onProgress?.(
          `${index + 1} cases, ${seen.size} kinds of failure, ${Math.round(performance.now() - started)} ms`,
        );
      }
      return true;
    }),
    { seed: options.seed, numRuns: options.runs },
  );
  for (const down of await unhealthy(target))
    record(run, { as: 'admin', query: '', variables: {} }, { kind: 'server down', detail: down, status: 0, body: '' });

  const failures: FuzzFailure[] = [];
  for (const [kind, found] of seen) {
    const shrunk = kind === 'server down' ? null : await shrink(target, cases, options, kind, found.firstRun);
    failures.push({
      kind,
      count: found.count,
      firstRun: found.firstRun,
      example: shrunk?.example ?? found.example,
      shrunk: shrunk !== null,
      finding: shrunk?.finding ?? found.finding,
    });
  }
  return { seed: options.seed, runs: run, ms: Math.round(performance.now() - started), failures, outcomes };
}

// Replays run `firstRun` of the same seed and shrinks it while it fails the same way.
async function shrink(
  target: Target,
  cases: fc.Arbitrary<FuzzCase>,
  options: FuzzOptions,
  kind: string,
  firstRun: number,
): Promise<{ example: FuzzCase; finding: Finding } | null> {
  let last: Finding | null = null;
  const details = await fc.check(
    fc.asyncProperty(cases, async (c) => {
      const finding = await checkCase(target, c);
      if (finding?.kind !== kind) return true;
      last = finding;
      return false;
    }),
    { seed: options.seed, path: String(firstRun), numRuns: 1, interruptAfterTimeLimit: options.shrinkMs ?? 20000 },
  );
  if (!details.failed || !details.counterexample) return null;
  return { example: details.counterexample[0], finding: last! };
}

/** The report as text: counts, then each kind with its counter-example. */
export function describeReport(report: FuzzReport): string {
  const lines = [
    `fuzz: ${report.runs} cases from seed ${report.seed} in ${(report.ms / 1000).toFixed(1)} s, ${report.failures.length} kinds of failure`,
  ];
  const outcomes = Object.entries(report.outcomes).sort(([a], [b]) => a.localeCompare(b));
  lines.push(`answers: ${outcomes.map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`);
  for (const f of report.failures) {
    lines.push(
      '',
      `## ${f.kind} (${f.count} of ${report.runs}, first at run ${f.firstRun}${f.shrunk ? ', shrunk' : ', not shrunk: did not fail again on replay'})`,
    );
    lines.push(`as: ${f.example.as}`, `query: ${f.example.query}`, `variables: ${JSON.stringify(f.example.variables)}`);
    lines.push(
      `answer: HTTP ${f.finding.status} ${f.finding.body.slice(0, 1200)}`,
      `detail: ${f.finding.detail.slice(0, 400)}`,
    );
  }
  return lines.join('\n');
}

// Renders a `npm run bench:all` run (the JSON it writes to bench-results/) as Markdown: the report beside it, and
// the table the README shows (scripts/bench-readme.mjs).
import { describeGoal, formatNumber } from './harness.mjs';

/** "Intake submissions benchmark" -> "Intake submissions". */
const titleOf = (entry) => (entry.result?.title ?? entry.name).replace(/ benchmark$/, '');
const fmtLoad = (l) => (l ? l.map((x) => x.toFixed(2)).join(' / ') : '-');
const minutes = (s) => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);

/** What each benchmark measured at: "full", or the parameters when a run chose another size. */
export function sizeOf(entry) {
  const r = entry.result;
  if (!r) return '-';
  const params = Object.entries(r.params ?? {})
    .filter(([k]) => k !== 'fullSizeCases')
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
    .join(', ');
  if (r.size === 'full') return `full (${params})`;
  const full = r.params?.fullSizeCases ? `; its full size is ${r.params.fullSizeCases.toLocaleString('en-US')} cases` : '';
  return `**${r.size}** (${params}${full})`;
}

/** value / baseline; a small one reads better as a fraction ("1/1,130": the value is 1,130 times smaller). */
export function formatRatio(ratio) {
  if (ratio === null || ratio === undefined) return '-';
  if (ratio > 0 && ratio < 0.1) return `1/${Math.round(1 / ratio).toLocaleString('en-US')}`;
  return `${ratio.toFixed(2)}x`;
}

export function figureRows(run) {
  const rows = [];
  for (const entry of run.benchmarks) {
    const title = titleOf(entry);
    if (!entry.result) {
      rows.push(`| ${title} | did not finish: ${entry.status} (exit ${entry.exitCode}) | | | | | |`);
      continue;
    }
    for (const f of entry.result.figures) {
      const base = f.baseline ? `${f.baseline.label}: ${formatNumber(f.baseline.value, f.baseline.unit)}` : '-';
      const ratio = formatRatio(f.ratio);
      const goal = f.goal ? describeGoal(f.goal) : 'none (for the record)';
      const met = f.goal ? (f.met ? 'met' : '**not met**') : '-';
      rows.push(`| ${title} | ${f.label} | ${formatNumber(f.value, f.unit)} | ${base} | ${ratio} | ${goal} | ${met} |`);
    }
    for (const c of entry.result.checks.filter((x) => !x.ok)) rows.push(`| ${title} | check failed: ${c.label} | | | | | |`);
  }
  return [
    '| benchmark | figure | value | baseline, same run | ratio (value / baseline) | goal | met |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ];
}

export function machineLine(run) {
  const m = run.machine;
  return (
    `${m.cpu}, ${m.cores} cores; Node ${m.node}, PostgreSQL ${m.postgres ?? '-'}; load average (1 / 5 / 15 min) ` +
    `${fmtLoad(m.loadAverageAtStart)} at the start, ${fmtLoad(m.loadAverageAtEnd)} at the end`
  );
}

export function renderReport(run) {
  const started = new Date(run.startedAt);
  const lines = [
    `# Benchmarks of ${started.toISOString().slice(0, 10)}`,
    '',
    `\`${run.command}\` from ${started.toISOString().slice(11, 16)} to ${new Date(run.finishedAt).toISOString().slice(11, 16)} UTC ` +
      `(${minutes(run.seconds)}), commit ${run.commit ?? '-'}.`,
    '',
    `Machine: ${machineLine(run)}. Other work on a shared machine moves every figure; each baseline was measured in the ` +
      'same run, on the same machine, which is why the ratios are the figures to compare across runs.',
    '',
    ...figureRows(run),
    '',
    '## Each benchmark',
    '',
    '| benchmark | size | time | load average at its start | outcome |',
    '|---|---|---|---|---|',
    ...run.benchmarks.map(
      (e) =>
        `| ${titleOf(e)} | ${sizeOf(e)} | ${minutes(e.seconds)} | ${fmtLoad(e.result?.environment?.loadAverageAtStart)} | ${e.status}${e.exitCode ? ` (exit ${e.exitCode})` : ''} |`,
    ),
    '',
  ];
  if (run.notes?.length) lines.push('## Notes', '', ...run.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** The README's table: the figures, and when, where and at what size they were measured. */
export function renderReadmeTable(run, reportPath) {
  const started = new Date(run.startedAt);
  const custom = run.benchmarks.filter((e) => e.result && e.result.size !== 'full');
  return [
    `Measured by \`npm run bench:all\` on ${started.toISOString().slice(0, 10)} (commit ${run.commit ?? '-'}), ` +
      `${machineLine(run)}. Full report: [${reportPath}](${reportPath}).` +
      (custom.length ? ` Not at full size: ${custom.map((e) => `${titleOf(e)} (${sizeOf(e).replace(/\*\*/g, '')})`).join('; ')}.` : ''),
    '',
    ...figureRows(run),
  ].join('\n');
}

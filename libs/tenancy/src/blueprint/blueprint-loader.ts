import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { todayIn } from '@consilium/core';
import Handlebars from 'handlebars';
import { isMap, isSeq, LineCounter, parseDocument, Node as YamlNode } from 'yaml';
import { MONEY_KEY, parseInCurrency } from './blueprint-fields';
import { readMinorKeys } from './blueprint-money';
import { Blueprint, blueprintSchema } from './blueprint.schema';

/** One problem in a blueprint: the file, the path inside it (`branding.colors.primary`), the line, what to fix. */
export interface BlueprintProblem {
  file: string;
  path: string;
  line?: number;
  message: string;
}

export function formatProblem(p: BlueprintProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

export interface LoadedAsset {
  name: string;
  contentType: string;
  bytes: Buffer;
  sha256: string;
}

export interface LoadedBlueprint {
  dir: string;
  file: string;
  blueprint: Blueprint;
  assets: LoadedAsset[];
}

export type LoadResult = { ok: true; loaded: LoadedBlueprint } | { ok: false; problems: BlueprintProblem[] };

const MAX_ASSET_BYTES = 1024 * 1024;

/** Reads and validates `<dir>/tenant.yaml` and the assets it names. Never throws for bad content: it reports. */
export function loadBlueprint(dir: string, displayRoot = process.cwd()): LoadResult {
  const file = path.join(dir, 'tenant.yaml');
  const shown = path.relative(displayRoot, file) || file;
  if (!existsSync(file)) return fail(shown, '', 'file not found: every tenant folder needs a tenant.yaml');

  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file: shown,
        path: '',
        line: e.linePos?.[0]?.line,
        message: `not valid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    };
  }
  const raw = doc.toJS() as Record<string, unknown> | null;
  const minorKeyProblems = readMinorKeys(raw);
  const parsed = parseInCurrency(raw?.currency, () => blueprintSchema.safeParse(raw));
  if (!parsed.success || minorKeyProblems.length) {
    const issues = [...minorKeyProblems, ...(parsed.success ? [] : parsed.error.issues)];
    return {
      ok: false,
      problems: issues.map((issue) => {
        const at = issue.path as (string | number)[];
        return {
          file: shown,
          path: at.join('.'),
          line: lineOf(doc.contents, at, lines),
          message: describe({ code: 'custom', ...issue }).replaceAll(MONEY_KEY, String(at[at.length - 1] ?? 'amount')),
        };
      }),
    };
  }
  const blueprint = parsed.data;
  const problems: BlueprintProblem[] = [];
  const folder = path.basename(dir);
  if (blueprint.slug !== folder) {
    problems.push({
      file: shown,
      path: 'slug',
      line: lineOf(doc.contents, ['slug'], lines),
      message: `must match the folder name "${folder}"`,
    });
  }
  const assets: LoadedAsset[] = [];
  const wanted: [string, string][] = [['branding.logo', blueprint.branding.logo]];
  if (blueprint.branding.favicon) wanted.push(['branding.favicon', blueprint.branding.favicon]);
  blueprint.physicians.forEach((p, i) => p.photo && wanted.push([`physicians.${i}.photo`, p.photo]));
  const seen = new Set<string>();
  for (const [at, rel] of wanted) {
    // One file may serve twice (a logo as favicon); it is stored once.
    if (seen.has(rel)) continue;
    seen.add(rel);
    const full = path.join(dir, rel);
    const line = lineOf(
      doc.contents,
      at.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
      lines,
    );
    if (!existsSync(full) || !statSync(full).isFile()) {
      problems.push({ file: shown, path: at, line, message: `${rel} does not exist in ${path.relative(displayRoot, dir) || dir}` });
      continue;
    }
    const bytes = readFileSync(full);
    const contentType = sniffImage(bytes);
    if (bytes.length > MAX_ASSET_BYTES) problems.push({ file: shown, path: at, line, message: `${rel} is larger than 1 MiB` });
    else if (!contentType) problems.push({ file: shown, path: at, line, message: `${rel} is not an SVG, PNG, JPEG, WebP or ICO image` });
    else if (contentType === 'image/svg+xml' && /<script|on[a-z]+\s*=|javascript:/i.test(bytes.toString('utf8'))) {
      problems.push({ file: shown, path: at, line, message: `${rel} contains script; brand images must be plain SVG` });
    } else {
      assets.push({ name: path.basename(rel), contentType, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
  }
  problems.push(...checkTemplates(dir, displayRoot));
  if (problems.length) return { ok: false, problems };
  return { ok: true, loaded: { dir, file: shown, blueprint, assets } };
}

/**
 * Templates under `templates/` override platform ones by the same relative name; one that does not parse would
 * break its page at request time, so it is reported here with its own file and line.
 */
function checkTemplates(dir: string, displayRoot: string): BlueprintProblem[] {
  const root = path.join(dir, 'templates');
  if (!existsSync(root)) return [];
  const problems: BlueprintProblem[] = [];
  for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = path.join(root, file);
    const shown = path.relative(displayRoot, full) || full;
    if (!statSync(full).isFile()) continue;
    if (!file.endsWith('.hbs')) {
      problems.push({ file: shown, path: '', message: 'templates/ holds only .hbs files named like the platform template they replace' });
      continue;
    }
    try {
      Handlebars.parse(readFileSync(full, 'utf8'));
    } catch (error) {
      const message = (error as Error).message;
      const line = /line (\d+)/.exec(message)?.[1];
      problems.push({
        file: shown,
        path: '',
        line: line ? Number(line) : undefined,
        message: `not a valid template: ${message.split('\n').pop()}`,
      });
    }
  }
  return problems;
}

/** Every tenant folder under `root` (folders starting with `.` or `_` are ignored). */
export function blueprintDirs(root: string, slugs: string[] = []): string[] {
  if (!existsSync(root)) return [];
  const all = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
    .map((e) => e.name)
    .sort();
  const chosen = slugs.length ? slugs : all;
  return chosen.map((slug) => path.join(root, slug));
}

export interface ValidationReport {
  valid: LoadedBlueprint[];
  problems: BlueprintProblem[];
  /** Valid, but not what the hospital means: a specialty no physician can take a case in today, for one. */
  warnings: BlueprintProblem[];
}

/** Loads every chosen blueprint under `root`; paths in problems are shown relative to `displayRoot`. */
export function validateBlueprints(root: string, slugs: string[] = [], displayRoot = process.cwd()): ValidationReport {
  const report: ValidationReport = { valid: [], problems: [], warnings: [] };
  const prefixes = new Map<string, string>();
  for (const dir of blueprintDirs(root, slugs)) {
    const result = loadBlueprint(dir, displayRoot);
    if (!result.ok) {
      report.problems.push(...result.problems);
      continue;
    }
    // Case numbers name their hospital by its prefix: two blueprints with one prefix cannot both be applied.
    const { blueprint, file } = result.loaded;
    const first = prefixes.get(blueprint.case_prefix);
    if (first) {
      report.problems.push({
        file,
        path: 'case_prefix',
        line: casePrefixLine(result.loaded),
        message: `${blueprint.case_prefix} is already the case prefix of ${first}: choose 2 to 5 capital letters no other hospital uses`,
      });
      continue;
    }
    prefixes.set(blueprint.case_prefix, blueprint.slug);
    report.valid.push(result.loaded);
    report.warnings.push(...staffingWarnings(result.loaded, todayIn(blueprint.time_zone)));
  }
  return report;
}

/**
 * A specialty is sold only while a physician can take a case in it (accepting new cases, weekly capacity above 0, a
 * license current today): otherwise the site shows it as not available and the intake leaves it out. Valid, but
 * rarely what the hospital means, so `tenants validate` says so.
 */
export function staffingWarnings(loaded: LoadedBlueprint, today: string): BlueprintProblem[] {
  const { blueprint, file } = loaded;
  const staffed = new Set(
    blueprint.physicians
      .filter((p) => p.accepting_new_cases && p.weekly_capacity > 0 && p.licenses.some((l) => l.expires >= today))
      .flatMap((p) => p.specialties),
  );
  const counter = new LineCounter();
  const doc = parseDocument(readFileSync(path.join(loaded.dir, 'tenant.yaml'), 'utf8'), { lineCounter: counter });
  return blueprint.specialties.flatMap((s, i) =>
    staffed.has(s.slug)
      ? []
      : [
          {
            file,
            path: `specialties.${i}.slug`,
            line: lineOf(doc.contents, ['specialties', i, 'slug'], counter),
            message: `no physician can take a case in ${s.slug} today (accepting new cases, weekly capacity above 0, a license current today): its pages say "not available right now" and the intake does not offer it`,
          },
        ],
  );
}

function casePrefixLine(loaded: LoadedBlueprint): number | undefined {
  const lines = readFileSync(path.join(loaded.dir, 'tenant.yaml'), 'utf8').split('\n');
  const index = lines.findIndex((l) => /^case_prefix\s*:/.test(l));
  return index >= 0 ? index + 1 : undefined;
}

function fail(file: string, at: string, message: string): LoadResult {
  return { ok: false, problems: [{ file, path: at, message }] };
}

function describe(issue: { code: string; message: string; keys?: string[]; expected?: unknown }): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys!.length > 1 ? 's' : ''} ${issue.keys!.map((k) => `"${k}"`).join(', ')}`;
  // zod 4 does not keep the input on an issue; its message says what it received.
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return 'is required';
  // Our own words (e.g. for a price that is not whole cents) are kept; zod's generic ones are rephrased.
  if (issue.code === 'invalid_type' && !issue.message.startsWith('Invalid input')) return issue.message;
  if (issue.code === 'invalid_type' && issue.expected === 'string')
    return 'must be text (put it in quotes if it looks like a number, a date or yes/no)';
  if (issue.code === 'invalid_type') return `must be ${article(String(issue.expected))}`;
  return issue.message;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The line of the deepest node that exists along `at`. */
function lineOf(root: unknown, at: (string | number)[], lines: LineCounter): number | undefined {
  let node = root as YamlNode | null | undefined;
  let best: number | undefined = (node as YamlNode | undefined)?.range ? lines.linePos(node!.range![0]).line : undefined;
  for (const key of at) {
    if (isMap(node)) {
      // An amount given as `price_minor` is reported under `price`.
      const pair =
        node.items.find((p) => (p.key as { value?: unknown })?.value === key) ??
        node.items.find((p) => (p.key as { value?: unknown })?.value === `${key}_minor`);
      if (!pair) break;
      const keyNode = pair.key as YamlNode;
      if (keyNode?.range) best = lines.linePos(keyNode.range[0]).line;
      node = pair.value as YamlNode;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as YamlNode;
      if (node?.range) best = lines.linePos(node.range[0]).line;
    } else break;
  }
  return best;
}

/** Decides an image type by its bytes, never by its name. */
export function sniffImage(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (bytes.subarray(0, 4).equals(Buffer.from([0, 0, 1, 0]))) return 'image/x-icon';
  const head = bytes.subarray(0, 512).toString('utf8').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(head)) return 'image/svg+xml';
  return undefined;
}

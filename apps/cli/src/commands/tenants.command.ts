import { formatProblem, BlueprintCatalog, BlueprintExporter, TenantDirectory, validateBlueprints } from '@consilium/tenancy';
import { projectRoot } from '@consilium/core';
import { INestApplicationContext } from '@nestjs/common';
import path from 'node:path';
import { ParsedArgs, UsageError } from '../args';
import { out } from '../cli-app';

/** `tenants validate`: blueprints checked on disk, no database needed. */
export function validate(args: ParsedArgs, dir: string): number {
  const report = validateBlueprints(dir, args.positional.slice(2), projectRoot());
  for (const problem of report.problems) out(formatProblem(problem));
  for (const loaded of report.valid) out(`ok  ${loaded.file}`);
  if (!report.valid.length && !report.problems.length) out(`no blueprints found in ${dir}`);
  return report.problems.length ? 1 : 0;
}

/** `tenants apply|list|suspend|resume|export`. */
export async function tenants(app: INestApplicationContext, command: string, args: ParsedArgs, dir: string): Promise<number> {
  const slugs = args.positional.slice(2);
  if (command === 'list') {
    const rows = await app.get(TenantDirectory).list();
    for (const t of rows) out(`${t.slug.padEnd(20)} ${t.status.padEnd(10)} ${t.name}  (${t.hosts.join(', ')})`);
    if (!rows.length) out('no tenants yet: npm run cli -- tenants apply');
    return 0;
  }
  if (command === 'export') {
    if (slugs.length !== 1) throw new UsageError('tenants export takes one slug');
    const folder = path.resolve(typeof args.flags.out === 'string' ? args.flags.out : 'exported-tenants');
    const written = await app.get(BlueprintExporter).write(slugs[0], folder);
    const shown = (p: string) => path.relative(process.cwd(), p) || p;
    out(
      written
        ? `${slugs[0]}: written to ${shown(written)} (apply it with: npm run cli -- tenants apply --dir ${shown(folder)})`
        : `no tenant "${slugs[0]}"`,
    );
    return written ? 0 : 1;
  }
  if (command === 'suspend' || command === 'resume') {
    if (slugs.length !== 1) throw new UsageError(`tenants ${command} takes one slug`);
    const found = await app.get(TenantDirectory).setStatus(slugs[0], command === 'suspend' ? 'suspended' : 'active');
    out(found ? `${slugs[0]}: ${command === 'suspend' ? 'suspended' : 'active'}` : `no tenant "${slugs[0]}"`);
    return found ? 0 : 1;
  }
  const dryRun = args.flags['dry-run'] === true;
  const report = await app.get(BlueprintCatalog).apply(slugs, { dryRun, root: dir });
  for (const problem of report.problems) out(formatProblem(problem));
  if (report.problems.length) {
    out('nothing applied: fix the problems above first');
    return 1;
  }
  for (const result of report.results) {
    if (!result.changes.length) out(`${result.slug}: no changes`);
    else {
      out(`${result.slug}: ${dryRun ? 'would ' : ''}${result.changes.length} change${result.changes.length > 1 ? 's' : ''}`);
      for (const change of result.changes) out(`  - ${change}`);
    }
  }
  return 0;
}

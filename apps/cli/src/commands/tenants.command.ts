import { projectRoot } from '@consilium/core';
import { BlueprintCatalog, BlueprintExporter, formatProblem, TenantDirectory, validateBlueprints } from '@consilium/tenancy';
import { INestApplicationContext } from '@nestjs/common';
import path from 'node:path';
import { ParsedArgs, textFlag, UsageError } from '../args';
import { Cli, CommandGroup, subcommand } from '../command';

/** Hospitals as blueprints (tenancy): validate, apply, export, list, suspend and resume. */
export const tenantsCommands: CommandGroup = {
  name: 'tenants',
  usage: `  npm run cli -- tenants validate [slug ...]      check blueprints in tenants/ (no database needed)
  npm run cli -- tenants apply [--dry-run] [--overwrite-console-edits] [slug ...]
                                                  make the database match the blueprints (a hospital edited in
                                                  the console since its last apply is refused, listing the edits)
  npm run cli -- tenants export <slug> [--out <folder>]
                                                  write a tenant back out as a blueprint folder (default: exported-tenants/)
  npm run cli -- tenants list                     tenants with their status and domains
  npm run cli -- tenants suspend|resume <slug>    take a hospital's site offline, or back`,

  run(args, cli) {
    const command = subcommand(args, ['validate', 'apply', 'export', 'list', 'suspend', 'resume']);
    const dirFlag = textFlag(args, 'dir');
    const dir = dirFlag ? path.resolve(dirFlag) : cli.config.tenantsDir;
    if (command === 'validate') return validate(args, dir, cli);
    if (['export', 'suspend', 'resume'].includes(command) && args.positional.length !== 3)
      throw new UsageError(`tenants ${command} takes one slug`);
    return cli.withApp((app) => tenants(app, command, args, dir, cli));
  },
};

function validate(args: ParsedArgs, dir: string, cli: Cli): number {
  const report = validateBlueprints(dir, args.positional.slice(2), projectRoot());
  for (const problem of report.problems) cli.out(formatProblem(problem));
  for (const warning of report.warnings) cli.out(`warning: ${formatProblem(warning)}`);
  for (const loaded of report.valid) cli.out(`ok  ${loaded.file}`);
  if (!report.valid.length && !report.problems.length) cli.out(`no blueprints found in ${dir}`);
  return report.problems.length ? 1 : 0;
}

async function tenants(app: INestApplicationContext, command: string, args: ParsedArgs, dir: string, cli: Cli): Promise<number> {
  const slugs = args.positional.slice(2);
  if (command === 'list') {
    const rows = await app.get(TenantDirectory).list();
    for (const t of rows) cli.out(`${t.slug.padEnd(20)} ${t.status.padEnd(10)} ${t.name}  (${t.hosts.join(', ')})`);
    if (!rows.length) cli.out('no tenants yet: npm run cli -- tenants apply');
    return 0;
  }
  if (command === 'export') {
    const folder = path.resolve(textFlag(args, 'out') ?? 'exported-tenants');
    const written = await app.get(BlueprintExporter).write(slugs[0], folder);
    const shown = (p: string) => path.relative(process.cwd(), p) || p;
    cli.out(
      written
        ? `${slugs[0]}: written to ${shown(written)} (apply it with: npm run cli -- tenants apply --dir ${shown(folder)})`
        : `no tenant "${slugs[0]}"`,
    );
    return written ? 0 : 1;
  }
  if (command === 'suspend' || command === 'resume') {
    const found = await app.get(TenantDirectory).setStatus(slugs[0], command === 'suspend' ? 'suspended' : 'active');
    cli.out(found ? `${slugs[0]}: ${command === 'suspend' ? 'suspended' : 'active'}` : `no tenant "${slugs[0]}"`);
    return found ? 0 : 1;
  }
  const dryRun = args.flags['dry-run'] === true;
  const overwriteConsoleEdits = args.flags['overwrite-console-edits'] === true;
  const report = await app.get(BlueprintCatalog).apply(slugs, { dryRun, overwriteConsoleEdits, root: dir });
  for (const problem of report.problems) cli.out(formatProblem(problem));
  if (report.problems.length) {
    cli.out('nothing applied: fix the problems above first');
    return 1;
  }
  for (const kept of report.kept) cli.out(`${kept.slug}: not applied: ${kept.message}`);
  for (const result of report.results) {
    if (!result.changes.length) cli.out(`${result.slug}: no changes`);
    else {
      cli.out(`${result.slug}: ${dryRun ? 'would ' : ''}${result.changes.length} change${result.changes.length > 1 ? 's' : ''}`);
      for (const change of result.changes) cli.out(`  - ${change}`);
    }
  }
  if (!report.results.length && !report.kept.length) cli.out(`no blueprints found in ${dir}`);
  return report.kept.length ? 1 : 0;
}

import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
  /** `--from=build`, `--chmod=755`: flags before the arguments. */
  flags: Record<string, string>;
  /** The words after the flags (JSON form parsed when the instruction uses it). */
  words: string[];
  line: number;
}

export interface Stage {
  name?: string;
  base: string;
  instructions: Instruction[];
}

/**
 * A small Dockerfile reader for the tests (no hadolint or docker daemon here): comments and continuation lines,
 * flags, JSON and shell forms, stages. Enough to check what we rely on; not a general parser.
 */
export function readDockerfile(file: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i];
    if (/^\s*(#|$)/.test(text)) continue;
    while (text.endsWith('\\')) {
      text = text.slice(0, -1);
      i++;
      while (i < lines.length && /^\s*#/.test(lines[i])) i++; // comments inside a continued instruction
      text += ` ${lines[i] ?? ''}`;
    }
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(text);
    if (!m) throw new Error(`${file}:${start + 1}: cannot read "${text}"`);
    let rest = m[2].trim();
    const flags: Record<string, string> = {};
    for (let f = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(rest); f; f = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(rest)) {
      flags[f[1]] = f[2] ?? 'true';
      rest = rest.slice(f[0].length);
    }
    let words: string[];
    try {
      words = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/).filter(Boolean);
    } catch {
      words = rest.split(/\s+/).filter(Boolean);
    }
    instructions.push({ keyword: m[1].toUpperCase(), args: rest, flags, words, line: start + 1 });
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const asIndex = ins.words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ base: ins.words[0], name: asIndex > 0 ? ins.words[asIndex + 1] : undefined, instructions: [] });
    } else if (!stages.length && ins.keyword === 'ARG') {
      const [name, value] = ins.words[0].split('=');
      args[name] = value;
    } else if (stages.length) {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { args, stages };
}

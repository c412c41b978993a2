import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { CommandSpec, OptionSpec, ParsedArgs } from './spec.js';

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  town: { type: 'string', arg: 'DIR', description: 'the town to act on (default: found from the cwd or GT_TOWN_ROOT)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export function parseCommandArgs(spec: CommandSpec, argv: string[], commandName: string): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries({ ...GLOBAL_OPTIONS, ...(spec.options ?? {}) })) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]!.replace(/^TypeError \[\w+\]: /, '') : String(e);
    throw new UsageError(`${commandName}: ${msg}`, `see 'gt ${commandName} --help'`);
  }
  const values = parsed.values as ParsedArgs['values'];
  if (values.help) return { values, positionals: parsed.positionals };

  const pos = spec.positionals ?? [];
  const max = pos.some((p) => p.rest) ? Infinity : pos.length;
  const min = pos.filter((p) => p.required).length;
  if (parsed.positionals.length < min) {
    const missing = pos.filter((p) => p.required)[parsed.positionals.length]!;
    throw new UsageError(`${commandName}: missing <${missing.name}>`, `usage: ${spec.usage}`);
  }
  if (parsed.positionals.length > max) {
    throw new UsageError(
      `${commandName}: unexpected argument ${JSON.stringify(parsed.positionals[max])}`,
      `usage: ${spec.usage}`,
    );
  }
  return { values, positionals: parsed.positionals };
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.description];
  const pos = spec.positionals?.filter((p) => p.description) ?? [];
  if (pos.length) {
    lines.push('', 'arguments:');
    const w = Math.max(...pos.map((p) => p.name.length + 2));
    for (const p of pos) lines.push(`  ${`<${p.name}>`.padEnd(w)}  ${p.description}`);
  }
  const opts = Object.entries({ ...(spec.options ?? {}), ...GLOBAL_OPTIONS });
  lines.push('', 'options:');
  const label = (n: string, o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${n}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
  const w = Math.max(...opts.map(([n, o]) => label(n, o).length));
  for (const [n, o] of opts) lines.push(`  ${label(n, o).padEnd(w)}  ${o.description}`);
  if (spec.details) lines.push('', spec.details.trimEnd());
  return lines.join('\n');
}

import { existsSync } from 'node:fs';
import { CONFIG_FIELDS, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Builds the configuration from `env` (defaults filled in), listing every bad variable at once.
 * Throws ConfigError whose message has one line per bad variable, naming it.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(CONFIG_FIELDS)) {
    const raw = env[name] ?? field.default;
    const parsed = (field.parse as (t: string) => unknown)(raw);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'error' in parsed) {
      problems.push(`Invalid configuration: ${name}=${JSON.stringify(raw)} ${(parsed as { error: string }).error}.`);
    } else {
      values[name] = parsed;
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return Object.freeze(values) as Config;
}

/** Loads `.env` from the working directory into process.env (real env vars win), if the file exists. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) {
    process.loadEnvFile(path);
  }
}

/** The configuration table for the README, as Markdown. */
export function configDoc(): string {
  const rows = Object.entries(CONFIG_FIELDS).map(
    ([name, f]) => `| \`${name}\` | ${f.default === '' ? '(empty)' : `\`${f.default}\``} | ${f.description} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

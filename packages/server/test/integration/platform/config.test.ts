import { describe, expect, it } from 'vitest';
import { ConfigError, configDoc, loadConfig } from '../../../src/config/load.js';
import { CONFIG_FIELDS } from '../../../src/config/schema.js';
import { parseDuration } from '../../../src/lib/time.js';

describe('configuration', () => {
  it('has the contract defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(8009);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.ACCESS_TOKEN_TTL).toBe(24 * 3600_000);
    expect(c.REFRESH_TOKEN_TTL).toBe(30 * 86_400_000);
    expect(c.FILE_URL_TTL).toBe(3600_000);
    expect(c.MAX_UPLOAD_BYTES).toBe(10 * 1024 * 1024);
    expect(c.RATE_LIMIT_PER_MINUTE).toBe(100);
    expect(c.API_KEY_REQUIRED).toBe(false);
    expect(c.CORS_ORIGINS).toEqual(['*']);
    expect(c.EVENT_RETENTION).toBe(30 * 86_400_000);
    expect(c.ADMIN_EMAILS).toEqual([]);
  });

  it('parses durations, sizes, lists and booleans', () => {
    const c = loadConfig({ ACCESS_TOKEN_TTL: '15m', MAX_UPLOAD_BYTES: '512KB', ADMIN_EMAILS: 'a@x.com, b@y.org', API_KEY_REQUIRED: 'true' });
    expect(c.ACCESS_TOKEN_TTL).toBe(15 * 60_000);
    expect(c.MAX_UPLOAD_BYTES).toBe(512 * 1024);
    expect(c.ADMIN_EMAILS).toEqual(['a@x.com', 'b@y.org']);
    expect(c.API_KEY_REQUIRED).toBe(true);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('soon')).toBeNull();
  });

  it('lists every bad variable at once, one line each, naming it', () => {
    try {
      loadConfig({ PORT: 'eighty', ACCESS_TOKEN_TTL: 'forever', JWT_SECRET: 'short', API_KEY_REQUIRED: 'maybe' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const lines = (error as ConfigError).message.split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^Invalid configuration: PORT="eighty"/);
      expect(lines.some((l) => l.includes('ACCESS_TOKEN_TTL'))).toBe(true);
      expect(lines.some((l) => l.includes('JWT_SECRET'))).toBe(true);
      expect(lines.some((l) => l.includes('API_KEY_REQUIRED'))).toBe(true);
    }
  });

  it('documents every variable in the table the README carries', () => {
    const doc = configDoc();
    for (const name of Object.keys(CONFIG_FIELDS)) {
      expect(doc).toContain(`\`${name}\``);
    }
  });
});

describe('generated documents', () => {
  it('docs/ERRORS.md is the catalog (regenerate: npx majlis errors doc > docs/ERRORS.md)', async () => {
    const { readFileSync } = await import('node:fs');
    const { errorsDoc } = await import('../../../src/cli/errors-doc.js');
    expect(readFileSync(new URL('../../../../../docs/ERRORS.md', import.meta.url), 'utf8')).toBe(errorsDoc());
  });

  it('the README carries the configuration table', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(new URL('../../../../../README.md', import.meta.url), 'utf8')).toContain(configDoc());
  });
});

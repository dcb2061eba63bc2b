import { parseDuration } from '../lib/time.js';

/** One configuration variable: its default, what it means, and how its text becomes a value. */
export interface Field<T> {
  default: string;
  description: string;
  parse(text: string): T | { error: string };
}

const fail = (error: string) => ({ error });

export function integer(min: number, max: number, def: number, description: string): Field<number> {
  return {
    default: String(def),
    description,
    parse(text) {
      const n = Number(text);
      return Number.isInteger(n) && n >= min && n <= max ? n : fail(`must be an integer from ${min} to ${max}`);
    },
  };
}

export function text(def: string, description: string, check?: (v: string) => string | null): Field<string> {
  return {
    default: def,
    description,
    parse(value) {
      const problem = check?.(value) ?? null;
      return problem ? fail(problem) : value;
    },
  };
}

export function boolean(def: boolean, description: string): Field<boolean> {
  return {
    default: String(def),
    description,
    parse(value) {
      const v = value.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) {
        return true;
      }
      if (['false', '0', 'no', 'off', ''].includes(v)) {
        return false;
      }
      return fail('must be true or false');
    },
  };
}

export function duration(def: string, description: string, minMs = 1000): Field<number> {
  return {
    default: def,
    description,
    parse(value) {
      const ms = parseDuration(value);
      return ms !== null && ms >= minMs ? ms : fail(`must be a duration like 90s, 15m, 24h or 30d (at least ${minMs / 1000}s)`);
    },
  };
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

export function bytes(def: string, description: string): Field<number> {
  return {
    default: def,
    description,
    parse(value) {
      const m = /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
      const n = m ? Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1) : NaN;
      return Number.isSafeInteger(n) && n > 0 ? n : fail('must be a size in bytes, or like 512KB or 10MB');
    },
  };
}

export function list(def: string, description: string, check?: (item: string) => string | null): Field<string[]> {
  return {
    default: def,
    description,
    parse(value) {
      const items = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const item of items) {
        const problem = check?.(item) ?? null;
        if (problem) {
          return fail(problem);
        }
      }
      return items;
    },
  };
}

export function oneOf<T extends string>(values: readonly T[], def: T, description: string): Field<T> {
  return {
    default: def,
    description,
    parse(value) {
      return (values as readonly string[]).includes(value) ? (value as T) : fail(`must be one of ${values.join(', ')}`);
    },
  };
}

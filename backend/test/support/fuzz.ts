/**
 * What the generated-input (property-based) suites share: hostile values, a marker that must never come back
 * in an error, tokens a client could hold, a snapshot of every table to prove a refused request changed
 * nothing, and a bounded number of cases per property.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { ERROR_CODES } from '../../../src/shared/protocol/index.ts';
import type { Queryable } from '../../src/db/db.ts';

/** Planted in generated strings, keys, paths and headers: an error answer containing it echoed the request. */
export const MARK = 'Qx7EchoMark';

/** Cases per property; FUZZ_RUNS raises it for a longer local run. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 200);

/** An error answer exactly as documented: `{ error: { code, message, field? } }` and nothing else. */
export const StrictErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string().min(1),
    field: z.string().optional(),
  }),
});

/** Values PostgreSQL, JSON, URLs and logs have trouble with, each alone or around the marker. */
const NASTY = [
  '',
  ' ',
  '\u0000',
  `a\u0000${MARK}`,
  '\ud800',
  `\udfff${MARK}`,
  '\ud83d\ude00',
  '\u202e',
  '\uffff',
  '%00',
  '%',
  '\\u0000',
  "'; DROP TABLE users; --",
  '../../../etc/passwd',
  '\r\nX-Injected: 1',
  '0000-01-01T00:00:00Z',
  '-1',
  '1e309',
  'null',
  '__proto__',
  'constructor',
  'a'.repeat(257),
];

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }).map((s) => `${s}${MARK}`),
  fc
    .tuple(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 8 }))
    .map(([a, b]) => a + b + MARK),
);

/** Any JSON value, its strings hostile. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.constant(MARK)), tie('value'), { maxKeys: 4 }),
  ),
})).value;

type Mutation = { kind: 'replace' | 'add'; key: string; value: unknown } | { kind: 'delete'; key: string };

/**
 * Mostly a valid object from `valid` with up to two mutations (a field replaced by anything, a field left
 * out, a key added), so cases reach past validation as often as they fail it; sometimes not an object at all.
 */
export function nastyObject(valid: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), key: fc.constantFrom(...keys), value: nastyJson }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
    fc.record({
      kind: fc.constant('add' as const),
      key: fc.string({ maxLength: 12 }).map((k) => `${k}${MARK}`),
      value: nastyJson,
    }),
  );
  const mutated = fc
    .tuple(
      fc.record(valid),
      fc.oneof(
        { weight: 2, arbitrary: fc.constant([]) },
        { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 2 }) },
      ),
    )
    .map(([object, mutations]) => {
      const result: Record<string, unknown> = { ...object };
      for (const m of mutations) {
        if (m.kind === 'delete') delete result[m.key];
        else result[m.key] = m.value;
      }
      return result;
    });
  return fc.oneof({ weight: 8, arbitrary: mutated }, { weight: 1, arbitrary: nastyJson });
}

/** Percent-encodes every byte of the UTF-8 form but unreserved ones (lone surrogates become U+FFFD). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/**
 * A path segment: a known id, a random uuid, anything encoded, broken percent-encoding or far too long.
 * `knownIds` is read when a case is drawn, so ids created by earlier cases take part.
 */
export function pathSegment(knownIds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((i) => knownIds[i % knownIds.length]!) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: nastyString.map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', `%C0%AF${MARK}`, '%00', '%FF%FE') },
    { weight: 1, arbitrary: fc.integer({ min: 101, max: 400 }).map((n) => `${MARK}${'a'.repeat(n)}`) },
  );
}

/** Signs a token with the server's secret, the way a leaked or stale token would look. */
export async function signToken(
  secret: string,
  subject: string | undefined,
  options: { expired?: boolean } = {},
): Promise<string> {
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('callbridge')
    .setAudience('callbridge-client');
  if (subject !== undefined) jwt.setSubject(subject);
  if (options.expired) jwt.setIssuedAt(1_000_000).setExpirationTime(1_000_060);
  else jwt.setIssuedAt().setExpirationTime('1h');
  return jwt.sign(new TextEncoder().encode(secret));
}

const TABLES: Record<string, string> = {
  users: 'id',
  conversations: 'id',
  conversation_members: 'conversation_id, user_id',
  calls: 'id',
  call_participants: 'id',
  turn_credentials: 'id',
};

/** Every row of every table, one string per table: equal before and after means nothing changed. */
export async function databaseSnapshot(db: Queryable): Promise<Record<string, string>> {
  const parts = Object.entries(TABLES).map(
    ([table, order]) => `(SELECT json_agg(t ORDER BY ${order}) FROM ${table} t)::text AS ${table}`,
  );
  const [row] = await db.query<Record<string, string>>(`SELECT ${parts.join(', ')}`);
  return row!;
}

/** The tables whose rows differ between two snapshots. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(TABLES).filter((table) => before[table] !== after[table]);
}

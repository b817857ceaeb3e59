import assert from 'node:assert/strict';
import { createClickHouse, ensureDatabase, type ClickHouseClient } from '../../src/infra/clickhouse/index.js';
import { sql, sqlIdentifier, sqlJoin, sqlString, sqlUInt, type SqlFragment, type SqlValue } from '../../src/audit/read/index.js';
import { testServices, uniqueTestName } from '../support/services.js';

const hostile: [string, string][] = [
  ['a single quote', "'"],
  ['a quote pair', "''"],
  ['an escaped quote', "\\'"],
  ['a trailing backslash', 'abc\\'],
  ['only backslashes', '\\\\\\'],
  ['a statement break', "'; DROP TABLE beckn_message_log; --"],
  ['a comment opener', "x' -- "],
  ['a block comment', "x' /* */ OR 1=1 /*"],
  ['the text \\x27', '\\x27'],
  ['the text \\0', '\\0'],
  ['NUL', 'a\u0000b'],
  ['newlines and returns', 'line1\nline2\r\nline3'],
  ['tab, backspace, form feed, DEL', '\t\b\f\u007f'],
  ['every control character', Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('')],
  ['unicode', 'trajet n°1 — 東京 🚕 \u2028\u2029 ünïcødé'],
  ['a backtick identifier', '`beckn_message_log`'],
  ['a double quote', '"quoted"'],
  ['a format clause', "' FORMAT TabSeparated"],
  ['the empty string', ''],
  ['a long string', "'\\".repeat(5_000)],
];

describe('audit SQL helper', function () {
  this.timeout(60_000);
  let client: ClickHouseClient;
  let database: string;

  const selectOne = async (query: SqlFragment) => {
    const result = await client.query({ query: query.text, format: 'JSONEachRow' });
    return result.json<Record<string, unknown>>();
  };

  before(async () => {
    database = uniqueTestName('audit_sql');
    await ensureDatabase(testServices.clickhouseUrl, database);
    client = createClickHouse({ url: testServices.clickhouseUrl, database });
    await client.command({ query: 'CREATE TABLE kept (value String) ENGINE = MergeTree() ORDER BY value' });
    await client.insert({ table: 'kept', values: [{ value: 'row' }], format: 'JSONEachRow' });
  });

  after(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });

  for (const [name, value] of hostile) {
    it(`round-trips ${name} through the real ClickHouse byte for byte`, async () => {
      const rows = await selectOne(sql`SELECT ${value} AS v, hex(v) AS h, length(v) AS n`);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.v, value);
      assert.equal(rows[0]?.h, Buffer.from(value, 'utf8').toString('hex').toUpperCase());
      assert.equal(Number(rows[0]?.n), Buffer.byteLength(value, 'utf8'));
    });
  }

  it('keeps a hostile value inside its literal in a WHERE clause: no row matches and the table survives', async () => {
    for (const [, value] of hostile) {
      const rows = await selectOne(sql`SELECT count() AS n FROM kept WHERE value = ${value}`);
      assert.equal(Number(rows[0]?.n), 0);
    }
    const rows = await selectOne(sql`SELECT count() AS n FROM kept WHERE value = ${'row'}`);
    assert.equal(Number(rows[0]?.n), 1);
  });

  it('writes lists for IN and integers as plain digits', async () => {
    const list = ["a'", 'b\\'];
    const rows = await selectOne(
      sql`SELECT [${list}] AS list, ${'b\\'} IN (${list}) AS found, ${9_007_199_254_740_991} AS big, ${18_446_744_073_709_551_615n} AS max`,
    );
    assert.deepEqual(rows[0]?.list, list);
    assert.equal(Number(rows[0]?.found), 1);
    assert.equal(String(rows[0]?.big), '9007199254740991');
    assert.equal(String(rows[0]?.max), '18446744073709551615');
  });

  it('escapes quotes and backslashes and writes control characters as escapes', () => {
    assert.equal(sqlString("it's"), "'it\\'s'");
    assert.equal(sqlString('a\\'), "'a\\\\'");
    assert.equal(sqlString('\u0000\n\u0001'), "'\\0\\n\\x01'");
    assert.equal(sqlString('東京'), "'東京'");
  });

  it('refuses values it cannot write faithfully', () => {
    const refused: unknown[] = [-1, 1.5, Number.NaN, Infinity, 2 ** 53, -1n, null, undefined, true, {}, new Date(), [], () => 1, Symbol('s')];
    for (const value of refused) {
      assert.throws(() => sql`SELECT ${value as SqlValue}`, `accepted ${String(value)}`);
    }
    assert.throws(() => sqlString('\uD800 lone surrogate'), RangeError);
    assert.throws(() => sqlString('\uDC00'), RangeError);
    assert.equal(sqlString('\uD83D\uDE95'), "'🚕'");
    assert.throws(() => sqlUInt(-5), RangeError);
    assert.throws(() => sqlString(42 as unknown as string), TypeError);
  });

  it('takes fragments as trusted SQL only when this module made them', async () => {
    const forged = { text: '1; DROP TABLE kept' } as unknown as SqlValue;
    assert.throws(() => sql`SELECT ${forged}`, TypeError);
    const condition = sqlJoin([sql`value = ${'row'}`, sql`1 = ${1}`], sql` AND `);
    const rows = await selectOne(sql`SELECT count() AS n FROM ${sqlIdentifier('kept')} WHERE ${condition}`);
    assert.equal(Number(rows[0]?.n), 1);
    assert.throws(() => sqlIdentifier('kept; DROP TABLE kept'));
  });
});

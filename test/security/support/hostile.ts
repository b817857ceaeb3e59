import fc from 'fast-check';

/** SQL, ClickHouse and path injection attempts, and other strings parsers trip on. */
export const injections: readonly string[] = [
  "'",
  "''",
  '"',
  "' OR 1=1 --",
  "' OR '1'='1",
  '" OR ""="',
  "1; DROP TABLE atlas_app.booking; --",
  ';DROP TABLE beckn_message_log',
  "'); DELETE FROM atlas_driver_offer_bpp.ride; --",
  '\u2019 OR 1=1 --',
  '\u02bc OR \u02bc1\u02bc=\u02bc1',
  '\uff07 OR 1=1',
  '\\',
  "\\'",
  "\\\\'",
  "\\' OR 1=1 --",
  "x' /* comment */ OR 1=1 #",
  "x'-- ",
  "' UNION SELECT * FROM system.tables --",
  "' FORMAT JSON --",
  '1 SETTINGS max_threads=1000',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/etc/passwd',
  '..\\..\\windows',
  '%2F',
  '%00',
  'a\u0000b',
  '\u0000',
  '%',
  '%zz',
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '99999999999999999999999',
  '0x10',
  '\ud800',
  '\u202e',
  ' ',
  '',
];

/** Any hostile string: the list above, arbitrary unicode and binary-ish text, and list entries glued to random text. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...injections) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...injections), fc.string({ maxLength: 8 })).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

/** A path segment from a hostile string (encoded, or raw with the characters a URL keeps). */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))),
  fc.constantFrom('..', '%2e%2e', '..%2f..%2f', '%2e%2e%2f', '%252e%252e%252f', '%00', 'a%00b', '%2F', '%5C', '.', '%', '%zz'),
);

import { encodeValue, fuzzJsonValue, fuzzString, randomText } from './inputs.js';
import type { Prng } from './prng.js';

/** Parameters as the fuzzer chose them: a name may repeat, and a value may be of any JSON type. */
export type Parameters = ReadonlyArray<readonly [string, unknown]>;

export interface Body {
  /** The Content-Type header(s) to send; none when empty. */
  readonly contentTypes: readonly string[];
  readonly bytes: Buffer;
}

const formType = 'application/x-www-form-urlencoded';
const jsonType = 'application/json';

/** Content types as sent: the documented one, decorated, misspelt, or another altogether. */
function contentTypeFor(rng: Prng, type: string): string[] {
  return rng.weighted<string[]>([
    [12, [type]],
    [2, [`${type}; charset=utf-8`]],
    [1, [`${type}; charset=${rng.pick(['latin1', 'utf-16', 'ebcdic', '"utf-8"', ''])}`]],
    [1, [type.toUpperCase()]],
    [1, [`${type};;; a=b; ${randomText(rng, 4)}`]],
    [1, [`${type}x`]],
    [1, [`${type}, ${type === jsonType ? formType : jsonType}`]],
    [1, [type, type === jsonType ? formType : jsonType]],
    [
      1,
      [
        rng.pick([
          'text/plain',
          'application/*',
          '*/*',
          'multipart/form-data; boundary=x',
          'application/xml',
          '',
        ]),
      ],
    ],
    [1, [randomText(rng, rng.int(1, 30))]],
  ]);
}

export function formBody(rng: Prng, parameters: Parameters, damage: number): Body {
  const text = parameters
    .map(([name, value]) => {
      const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
      if (rng.chance(damage / 10)) return encodeValue(rng, name, damage);
      return `${encodeValue(rng, name, damage)}=${encodeValue(rng, shown, damage)}`;
    })
    .join(rng.chance(0.95) ? '&' : rng.pick([';', '&&', '&=&', '\n']));
  return { contentTypes: contentTypeFor(rng, formType), bytes: Buffer.from(text, 'latin1') };
}

export function jsonBody(rng: Prng, parameters: Parameters): Body {
  const contentTypes = contentTypeFor(rng, jsonType);
  const object = Object.fromEntries(parameters.map(([name, value]) => [name, value]));
  const choice = rng.weighted<string>([
    [14, 'object'],
    [2, 'duplicated keys'],
    [2, 'broken'],
    [1, 'not an object'],
    [1, 'deep'],
    [1, 'encoded'],
  ]);
  let text: string;
  switch (choice) {
    case 'duplicated keys':
      text = `{${parameters
        .flatMap(([name, value]) =>
          [name, name].map((n) => `${JSON.stringify(n)}:${JSON.stringify(value) ?? 'null'}`),
        )
        .join(',')}}`;
      break;
    case 'broken': {
      const valid = JSON.stringify(object);
      text = rng.pick([
        valid.slice(0, rng.int(0, valid.length - 1)),
        `${valid},`,
        valid.replace(/"/g, "'"),
        `{"username": NaN, "password": Infinity}`,
        `{"a":"\\ud800\\u00"}`,
        `{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {}}}`,
        `\ufeff${valid}`,
        `${valid}${valid}`,
        '{"a":1}/*',
      ]);
      break;
    }
    case 'not an object':
      text = JSON.stringify(rng.pick([[object], 'alice', 42, null, true, []]));
      break;
    case 'deep': {
      const depth = rng.pick([64, 1000, 20_000]);
      text = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      break;
    }
    case 'encoded':
      return {
        contentTypes,
        bytes: Buffer.from(JSON.stringify(object), rng.pick(['utf16le', 'latin1'] as const)),
      };
    default:
      text = JSON.stringify(object);
  }
  return { contentTypes, bytes: Buffer.from(text, 'utf8') };
}

/** A body of a type no route documents, or no declared type at all. */
export function strangeBody(rng: Prng, parameters: Parameters): Body {
  const first = parameters[0]?.[0] ?? 'a';
  switch (rng.int(0, 4)) {
    case 0: {
      const boundary = 'fuzzboundary';
      const parts = parameters
        .map(
          ([name, value]) =>
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${typeof value === 'string' ? value : JSON.stringify(value)}\r\n`,
        )
        .join('');
      return {
        contentTypes: [`multipart/form-data; boundary=${boundary}`],
        bytes: Buffer.from(`${parts}--${boundary}--\r\n`, 'utf8'),
      };
    }
    case 1:
      return { contentTypes: ['text/plain'], bytes: Buffer.from(`${first}=${fuzzString(rng, [])}`, 'utf8') };
    case 2:
      return {
        contentTypes: [],
        bytes: Buffer.from(JSON.stringify({ [first]: fuzzJsonValue(rng, []) }), 'utf8'),
      };
    case 3:
      return {
        contentTypes: [rng.pick([formType, jsonType, 'application/octet-stream'])],
        bytes: rng.bytes(rng.int(1, 512)),
      };
    default:
      return { contentTypes: [rng.pick([formType, jsonType])], bytes: Buffer.alloc(0) };
  }
}

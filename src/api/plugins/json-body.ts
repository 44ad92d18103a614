import type { FastifyInstance } from 'fastify';
import { AppError, BadRequestError } from '../../domain/errors';

/** Events carry template variables, not documents: deeper nesting is a mistake or an attack on the stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * Stands for each invalid UTF-8 sequence in the decoded text. Two low
 * surrogates: however the text around them reads, the second can never be
 * half of a valid pair, so the string walk below finds and names the field.
 */
const INVALID_UTF8 = '\uDFFF\uDFFF';

/** A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * JSON bodies are decoded strictly and checked before anything else sees them:
 * invalid UTF-8, unpaired surrogates and U+0000 (which PostgreSQL text cannot
 * hold) are refused with the field's path, never silently replaced, so two
 * different ids can never become the same stored one. Nesting is capped
 * before parsing, so no recursive walk can overflow the stack. An empty body
 * is no body.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // `curl -X POST -H 'content-type: application/json'` sends no body: that is no body, not broken JSON.
    // Routes that need one still answer 400 naming /body; routes with an optional one see none.
    if ((body as Buffer).length === 0) {
      done(null, undefined);
      return;
    }
    const text = decodeUtf8(body as Buffer);
    if (nestingDepth(text) > MAX_JSON_DEPTH) {
      const message = `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`;
      done(new AppError(400, 'INVALID_JSON', `request body ${message}`, [{ path: '/body', message }]), undefined);
      return;
    }
    void parseJson(request, text, done);
  });

  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      const bad = findBadText(value, `/${part}`);
      if (bad) throw new BadRequestError(`invalid ${part}: ${bad.path} ${bad.message}`, [bad]);
    }
  });
}

/** UTF-8 to text; each invalid sequence becomes `INVALID_UTF8` instead of U+FFFD. */
function decodeUtf8(bytes: Buffer): string {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    let text = '';
    let start = 0;
    let i = 0;
    while (i < bytes.length) {
      const length = validSequenceLength(bytes, i);
      if (length > 0) {
        i += length;
        continue;
      }
      text += bytes.toString('utf8', start, i) + INVALID_UTF8;
      i += 1;
      while (i < bytes.length && isContinuation(bytes[i]!)) i += 1;
      start = i;
    }
    return text + bytes.toString('utf8', start, i);
  }
}

const isContinuation = (byte: number): boolean => byte >= 0x80 && byte <= 0xbf;

/** The length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates, at most U+10FFFF), or 0. */
function validSequenceLength(bytes: Buffer, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const within = (offset: number, low = 0x80, high = 0xbf): boolean => {
    const byte = bytes[i + offset];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return within(1) ? 2 : 0;
  if (b0 === 0xe0) return within(1, 0xa0) && within(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return within(1) && within(2) ? 3 : 0;
  if (b0 === 0xed) return within(1, 0x80, 0x9f) && within(2) ? 3 : 0;
  if (b0 === 0xf0) return within(1, 0x90) && within(2) && within(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return within(1) && within(2) && within(3) ? 4 : 0;
  if (b0 === 0xf4) return within(1, 0x80, 0x8f) && within(2) && within(3) ? 4 : 0;
  return 0;
}

/** The deepest nesting of arrays and objects in JSON text, counted without parsing it. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text: it holds invalid UTF-8 or an unpaired surrogate';
  return undefined;
}

/** The JSON path of the first string (or key) that is not valid text, and why. */
function findBadText(value: unknown, path: string): { path: string; message: string } | undefined {
  if (typeof value === 'string') {
    const message = textProblem(value);
    return message ? { path, message } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findBadText(item, `${path}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyPath = `${path}/${pathSegment(key)}`;
      const message = textProblem(key);
      if (message) return { path: keyPath, message };
      const found = findBadText(item, keyPath);
      if (found) return found;
    }
  }
  return undefined;
}

/** A key as a JSON Pointer segment, with unpaired surrogates spelled `\uXXXX` so the path itself is valid text. */
function pathSegment(key: string): string {
  return key
    .replace(/~/g, '~0')
    .replace(/\//g, '~1')
    .replace(LONE_SURROGATES, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

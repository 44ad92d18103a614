import { describe, expect, it } from 'vitest';
import { analyzeSms, encodeGsm7, encodeUcs2, splitSms, type SmsEncoding } from '../../src/domain/sms';

const cyrillic = (n: number) => 'Ж'.repeat(n);
const latin = (n: number) => 'a'.repeat(n);

/** Width of a part measured by the encoders, independently of the counting code. */
const encodedWidth = (part: string, encoding: SmsEncoding) =>
  encoding === 'GSM-7' ? encodeGsm7(part).length : encodeUcs2(part).length / 2;

/** The table of seed 002: segments → characters they hold, Cyrillic / Latin. */
const SEED_TABLE = [
  { segments: 1, cyrillic: 70, latin: 160 },
  { segments: 2, cyrillic: 134, latin: 306 },
  { segments: 3, cyrillic: 201, latin: 459 },
  { segments: 4, cyrillic: 268, latin: 612 },
] as const;

describe('analyzeSms follows the segment table of seed 002', () => {
  const vectors = SEED_TABLE.flatMap(({ segments, cyrillic: c, latin: l }) => [
    { alphabet: 'Cyrillic', length: c, segments, text: cyrillic(c), encoding: 'UCS-2' },
    { alphabet: 'Cyrillic', length: c + 1, segments: segments + 1, text: cyrillic(c + 1), encoding: 'UCS-2' },
    { alphabet: 'Latin', length: l, segments, text: latin(l), encoding: 'GSM-7' },
    { alphabet: 'Latin', length: l + 1, segments: segments + 1, text: latin(l + 1), encoding: 'GSM-7' },
  ]);

  it.each(vectors)('$alphabet text of $length characters is $segments segment(s) in $encoding', (v) => {
    const analysis = analyzeSms(v.text);
    expect(analysis.encoding).toBe(v.encoding);
    expect(analysis.length).toBe(v.length);
    expect(analysis.segments).toBe(v.segments);
    expect(splitSms(v.text)).toHaveLength(v.segments);
  });

  it('reports the single-message capacity and what is left while the text fits one SMS', () => {
    expect(analyzeSms(cyrillic(70))).toEqual({ encoding: 'UCS-2', length: 70, segments: 1, perSegment: 70, remaining: 0 });
    expect(analyzeSms(latin(100))).toEqual({ encoding: 'GSM-7', length: 100, segments: 1, perSegment: 160, remaining: 60 });
  });

  it('reports the part capacity and what is left in the last part once the text is split', () => {
    expect(analyzeSms(cyrillic(71))).toEqual({ encoding: 'UCS-2', length: 71, segments: 2, perSegment: 67, remaining: 63 });
    expect(analyzeSms(latin(306))).toEqual({ encoding: 'GSM-7', length: 306, segments: 2, perSegment: 153, remaining: 0 });
    expect(analyzeSms(latin(307))).toMatchObject({ segments: 3, perSegment: 153, remaining: 152 });
  });

  it('counts an empty text as one empty segment, the way a phone shows a new draft', () => {
    expect(analyzeSms('')).toEqual({ encoding: 'GSM-7', length: 0, segments: 1, perSegment: 160, remaining: 160 });
    expect(splitSms('')).toEqual(['']);
  });
});

describe('analyzeSms picks the alphabet', () => {
  it('switches the whole text to UCS-2 when a single Cyrillic letter is among Latin ones', () => {
    const text = `${latin(159)}Я`;
    expect(analyzeSms(latin(160)).segments).toBe(1);
    expect(analyzeSms(text)).toMatchObject({ encoding: 'UCS-2', length: 160, segments: 3, perSegment: 67 });
  });

  it('keeps the whole GSM 03.38 default alphabet in GSM-7, one septet each', () => {
    const basic =
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect([...basic]).toHaveLength(127);
    expect(analyzeSms(basic)).toMatchObject({ encoding: 'GSM-7', length: 127 });
  });

  it.each(['ç', 'Я', 'á', 'Á', 'í', 'ó', 'ú', 'â', 'ê', 'ô', '`', 'ё', '\t', '\u001b', '«', '№'])(
    'needs UCS-2 for %j, which GSM 03.38 does not have',
    (char) => {
      expect(analyzeSms(`Order ${char} ready`).encoding).toBe('UCS-2');
    },
  );

  it('counts every extension character and the form feed as two septets', () => {
    expect(analyzeSms('^{}\\[~]|€\f')).toMatchObject({ encoding: 'GSM-7', length: 20 });
  });

  it('fits 80 euro signs (160 septets) in one SMS and needs two for 81', () => {
    expect(analyzeSms('€'.repeat(80))).toMatchObject({ length: 160, segments: 1 });
    expect(analyzeSms('€'.repeat(81))).toMatchObject({ length: 162, segments: 2, perSegment: 153 });
  });

  it('counts an emoji as two UCS-2 units', () => {
    expect(analyzeSms('😀')).toMatchObject({ encoding: 'UCS-2', length: 2, segments: 1, remaining: 68 });
    expect(analyzeSms(`${cyrillic(69)}😀`)).toMatchObject({ length: 71, segments: 2 });
  });
});

describe('splitSms', () => {
  it('moves an escape pair that would straddle a boundary whole into the next part', () => {
    const text = `${latin(152)}€${latin(10)}`;
    const parts = splitSms(text);
    expect(parts).toEqual([latin(152), `€${latin(10)}`]);
    expect(analyzeSms(text)).toMatchObject({ length: 164, segments: 2, remaining: 153 - 12 });
  });

  it('adds a part when escape pairs that cannot be split push the text past the plain count', () => {
    // 306 septets would fill two parts exactly, but the 77th escape pair cannot straddle the first boundary.
    const text = `${'€'.repeat(77)}${latin(152)}`;
    expect(analyzeSms(text)).toMatchObject({ length: 306, segments: 3 });
    expect(splitSms(text)).toHaveLength(3);
  });

  it('never splits a surrogate pair', () => {
    const text = `${cyrillic(66)}😀${cyrillic(10)}`;
    const parts = splitSms(text);
    expect(parts).toEqual([cyrillic(66), `😀${cyrillic(10)}`]);
  });

  it('keeps its invariants for mixed texts: parts join to the input, each fits, the count matches', () => {
    const pool = ['a', 'Z', ' ', '€', '{', '\f', 'Ж', 'я', '😀', '👍🏽', 'ç', '1', '\n'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 300; round += 1) {
      const gsmOnly = round % 2 === 0;
      const choices = gsmOnly ? pool.slice(0, 7) : pool;
      let text = '';
      const size = next() % 700;
      for (let i = 0; i < size; i += 1) text += choices[next() % choices.length];

      const analysis = analyzeSms(text);
      const parts = splitSms(text);
      expect(parts.join('')).toBe(text);
      expect(parts).toHaveLength(analysis.segments);
      for (const part of parts) {
        expect(encodedWidth(part, analysis.encoding)).toBeLessThanOrEqual(analysis.perSegment);
        expect(part).not.toMatch(/[\uD800-\uDBFF]$/);
        expect(part).not.toMatch(/^[\uDC00-\uDFFF]/);
      }
      const last = parts[parts.length - 1] ?? '';
      expect(analysis.remaining).toBe(analysis.perSegment - encodedWidth(last, analysis.encoding));
    }
  });
});

describe('encodeGsm7', () => {
  it('writes unpacked septets, one per byte', () => {
    expect([...encodeGsm7('Hi @0')]).toEqual([0x48, 0x69, 0x20, 0x00, 0x30]);
  });

  it.each([
    ['£', [0x01]],
    ['Ç', [0x09]],
    ['Δ', [0x10]],
    ['_', [0x11]],
    ['Ξ', [0x1a]],
    ['É', [0x1f]],
    ['¤', [0x24]],
    ['¡', [0x40]],
    ['§', [0x5f]],
    ['¿', [0x60]],
    ['à', [0x7f]],
    ['€', [0x1b, 0x65]],
    ['{', [0x1b, 0x28]],
    ['\\', [0x1b, 0x2f]],
    ['|', [0x1b, 0x40]],
    ['\f', [0x1b, 0x0a]],
  ])('maps %j to %j', (char, bytes) => {
    expect([...encodeGsm7(char)]).toEqual(bytes);
  });

  it('refuses a character GSM-7 cannot carry instead of sending something else', () => {
    expect(() => encodeGsm7('ç')).toThrow(RangeError);
    expect(() => encodeGsm7('Я')).toThrow(/U\+042F/);
  });
});

describe('encodeUcs2', () => {
  it('writes UTF-16 big-endian and keeps surrogate pairs', () => {
    expect([...encodeUcs2('Яa')]).toEqual([0x04, 0x2f, 0x00, 0x61]);
    expect([...encodeUcs2('😀')]).toEqual([0xd8, 0x3d, 0xde, 0x00]);
  });
});

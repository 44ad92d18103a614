/**
 * SMS length rules (R10): which alphabet a text needs, how many characters it
 * counts, and how it splits into concatenated segments. Pure: the template
 * preview, the console's counter and the SMPP adapter all use the same rules,
 * so the number of segments a user is shown is the number that is sent.
 *
 * Encoding helpers use the `Buffer` global only inside the functions, so the
 * counting part of this module loads where Node built-ins do not exist.
 */

/** The two alphabets an SMS can be sent in; any character outside GSM 03.38 makes the whole text UCS-2. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** What `analyzeSms` tells about a text, for previews, counters and the sender. */
export interface SmsAnalysis {
  encoding: SmsEncoding;
  /** GSM-7 septets (extension characters count 2) or UTF-16 code units for UCS-2. */
  length: number;
  /**
   * Segments the text is sent as. An empty text is 1 segment: the seed's table
   * starts at 1, and phones show an empty draft as "0/160, 1 message".
   */
  segments: number;
  /** Capacity of each segment: 160 / 70 for a single message, 153 / 67 for parts of a longer one. */
  perSegment: number;
  /** Characters (septets / code units) still free in the last segment. */
  remaining: number;
}

/** Capacity of a single SMS and of one part of a concatenated SMS (6 octets go to the UDH). */
const LIMITS: Record<SmsEncoding, { single: number; part: number }> = {
  'GSM-7': { single: 160, part: 153 },
  'UCS-2': { single: 70, part: 67 },
};

/**
 * GSM 03.38 default alphabet, indexed by septet value. 0x1B is the escape to
 * the extension table and is not a character of its own, so it is left blank.
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\u0000ÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

const GSM_ESCAPE = 0x1b;

/** GSM 03.38 extension table: character → septet sent after the 0x1B escape. */
const GSM_EXTENSION: ReadonlyMap<string, number> = new Map([
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
]);

const GSM_BASIC_CODES: ReadonlyMap<string, number> = new Map(
  [...GSM_BASIC].flatMap((char, code) => (code === GSM_ESCAPE ? [] : [[char, code] as const])),
);

/** Septets a character takes in GSM-7, or undefined when GSM-7 cannot carry it. */
function gsmWidth(char: string): 1 | 2 | undefined {
  if (GSM_BASIC_CODES.has(char)) return 1;
  if (GSM_EXTENSION.has(char)) return 2;
  return undefined;
}

function encodingOf(chars: readonly string[]): SmsEncoding {
  return chars.every((char) => gsmWidth(char) !== undefined) ? 'GSM-7' : 'UCS-2';
}

/** Width of one code point in the given encoding: a surrogate pair is 2 UCS-2 units. */
function widthIn(encoding: SmsEncoding, char: string): number {
  return encoding === 'GSM-7' ? (gsmWidth(char) ?? 1) : char.length;
}

interface Layout {
  encoding: SmsEncoding;
  length: number;
  perSegment: number;
  /** Code points of each segment. */
  parts: string[][];
  /** Width used in each segment. */
  used: number[];
}

/**
 * The one place that decides segment boundaries, so `analyzeSms` and
 * `splitSms` cannot disagree. Parts are filled greedily by code point; an
 * escape pair or a surrogate pair that does not fit moves whole to the next
 * part, which is why the count can exceed `ceil(length / perSegment)`.
 */
function layout(text: string): Layout {
  const chars = [...text];
  const encoding = encodingOf(chars);
  const widths = chars.map((char) => widthIn(encoding, char));
  const length = widths.reduce((sum, w) => sum + w, 0);
  const limits = LIMITS[encoding];
  if (length <= limits.single) {
    return { encoding, length, perSegment: limits.single, parts: [chars], used: [length] };
  }
  const parts: string[][] = [[]];
  const used: number[] = [0];
  chars.forEach((char, i) => {
    const width = widths[i] ?? 1;
    if ((used[used.length - 1] ?? 0) + width > limits.part) {
      parts.push([]);
      used.push(0);
    }
    parts[parts.length - 1]?.push(char);
    used[used.length - 1] = (used[used.length - 1] ?? 0) + width;
  });
  return { encoding, length, perSegment: limits.part, parts, used };
}

/** Encoding, length and segment count of an SMS text, as R10 and the seed's table define them. */
export function analyzeSms(text: string): SmsAnalysis {
  const { encoding, length, perSegment, parts, used } = layout(text);
  return {
    encoding,
    length,
    segments: parts.length,
    perSegment,
    remaining: perSegment - (used[used.length - 1] ?? 0),
  };
}

/**
 * The text of each segment, in order. Joined they give the input back; there
 * is always at least one (possibly empty) part, so
 * `splitSms(t).length === analyzeSms(t).segments`.
 */
export function splitSms(text: string): string[] {
  return layout(text).parts.map((chars) => chars.join(''));
}

/** True when every character of the text is in the GSM 03.38 default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  return encodingOf([...text]) === 'GSM-7';
}

/**
 * GSM-7 as unpacked septets, one per byte, with 0x1B before each extension
 * character: what SMPP `data_coding` 0 carries on most SMSCs, which pack
 * septets for the air interface themselves.
 *
 * @throws RangeError for a character GSM-7 cannot carry; check `isGsm7` or
 * `analyzeSms(text).encoding` first.
 */
export function encodeGsm7(text: string): Buffer {
  const septets: number[] = [];
  for (const char of text) {
    const basic = GSM_BASIC_CODES.get(char);
    if (basic !== undefined) {
      septets.push(basic);
      continue;
    }
    const extension = GSM_EXTENSION.get(char);
    if (extension === undefined) {
      const code = char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
      throw new RangeError(`U+${code} is not in the GSM 03.38 alphabet`);
    }
    septets.push(GSM_ESCAPE, extension);
  }
  return Buffer.from(septets);
}

/** UCS-2 as SMPP `data_coding` 8 carries it: UTF-16 big-endian, surrogate pairs kept as they are. */
export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/** The Russian plural form for `n`: pluralRu(3, 'получатель', 'получателя', 'получателей') → 'получателя'. */
export function pluralRu(n: number, one: string, few: string, many: string): string {
  const tens = Math.abs(n) % 100;
  const units = tens % 10;
  if (tens > 10 && tens < 20) return many;
  if (units === 1) return one;
  if (units >= 2 && units <= 4) return few;
  return many;
}

/** What a text costs in words: «1 SMS», «3 SMS» (SMS does not decline). */
export function smsCount(segments: number): string {
  return `${segments}\u00a0SMS`;
}

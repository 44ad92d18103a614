import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EN } from '../../console/src/i18n-en';

const SRC = path.resolve(__dirname, '../../console/src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

describe("the console's English", () => {
  it('has an English text for every Russian text the console shows through t()', () => {
    const texts = new Set<string>();
    for (const file of sources(SRC)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'/g)) texts.add(match[1]!.replace(/\\'/g, "'"));
    }
    expect(texts.size).toBeGreaterThan(100);
    const missing = [...texts].filter((text) => /[а-яё]/i.test(text) && !(text in EN));
    expect(missing).toEqual([]);
  });

  it('keeps the placeholders of each text', () => {
    for (const [ru, en] of Object.entries(EN)) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(en), ru).toEqual(names(ru));
    }
  });
});

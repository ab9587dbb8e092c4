import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fill, loadLabels, localized } from './labels.ts';

describe('report labels', () => {
  it('every translation file beside the code has every label', () => {
    const langs = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    expect(langs).toEqual(expect.arrayContaining(['en', 'ru']));
    for (const lang of langs) expect(() => loadLabels(lang)).not.toThrow();
  });

  it('uses the glossary forms in Russian', () => {
    const ru = loadLabels('ru');
    expect(ru.title).toBe('Протокол испытаний');
    expect(ru.endOfReport).toBe('Конец протокола');
    expect(fill(ru.page, { x: 1, y: 3 })).toBe('Страница 1 из 3');
  });

  it('refuses a language without a translation file', () => {
    expect(() => loadLabels('xx')).toThrow(expect.objectContaining({ code: 'REPORT_ERR_TRANSLATION_MISSING' }));
    expect(() => loadLabels('../x')).toThrow(expect.objectContaining({ code: 'REPORT_ERR_TRANSLATION_MISSING' }));
  });

  it('joins free text in the wanted languages, falling back to whatever is there', () => {
    expect(localized({ ru: 'Кокаин', en: 'Cocaine' }, ['ru', 'en'])).toBe('Кокаин / Cocaine');
    expect(localized({ en: 'Cocaine' }, ['ru', 'en'])).toBe('Cocaine');
    expect(localized({ kk: 'Кокаин' }, ['ru'])).toBe('Кокаин');
    expect(localized('plain', ['ru'])).toBe('plain');
  });
});

// Report labels come from one JSON file per language beside this module, so a lab can add
// Uzbek or Kazakh Cyrillic by dropping in `uz.json` / `kk.json` with the same keys: no code.
import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { ReportPdfErrors } from '../errors.ts';
import type { LocalizedText } from '../model.ts';
import english from './en.json' with { type: 'json' };

export type LabelKey = keyof typeof english;
export type Labels = Readonly<Record<LabelKey, string>>;

const LABEL_KEYS = Object.keys(english) as LabelKey[];
const LabelFile = z.record(z.string(), z.string().min(1));

/** Loads `i18n/<lang>.json` and checks it has every key the English file has. */
export function loadLabels(lang: string): Labels {
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(lang)) {
    throw ReportPdfErrors.REPORT_ERR_TRANSLATION_MISSING(`"${lang}" is not a language code`);
  }
  const file = new URL(`./${lang}.json`, import.meta.url);
  if (!existsSync(file)) throw ReportPdfErrors.REPORT_ERR_TRANSLATION_MISSING(`no translation file for "${lang}"`);
  const parsed = LabelFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  const missing = LABEL_KEYS.filter((k) => parsed[k] === undefined);
  if (missing.length > 0) {
    throw ReportPdfErrors.REPORT_ERR_TRANSLATION_MISSING(`${lang}.json lacks ${missing.join(', ')}`);
  }
  return parsed as Labels;
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = values[name];
    return v === undefined ? whole : String(v);
  });
}

/** The text in each wanted language that has it, joined; a plain string is shown as is. */
export function localized(text: LocalizedText, langs: readonly string[]): string {
  if (typeof text === 'string') return text;
  const parts = langs.map((l) => text[l]).filter((s): s is string => s !== undefined);
  const unique = [...new Set(parts.length > 0 ? parts : Object.values(text))];
  return unique.join(' / ');
}

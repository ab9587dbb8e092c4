// The report embeds DejaVu (full Cyrillic, incl. Uzbek/Kazakh letters): from the
// `dejavu-fonts-ttf` package in the lockfile, else from Debian's fonts-dejavu-core.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { ReportPdfErrors } from '../errors.ts';

export interface ReportFonts {
  regular: string;
  bold: string;
  mono: string;
}

const FILES = { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf', mono: 'DejaVuSansMono.ttf' } as const;

function candidateDirs(): string[] {
  const dirs: string[] = [];
  try {
    const pkg = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json');
    dirs.push(join(dirname(pkg), 'ttf'));
  } catch {
    // not installed: fall through to the system fonts
  }
  dirs.push('/usr/share/fonts/truetype/dejavu');
  return dirs;
}

let found: ReportFonts | undefined;

/** Paths of the three faces the layout uses; throws REPORT_ERR_FONT_MISSING naming where it looked. */
export function reportFonts(): ReportFonts {
  if (found) return found;
  const dirs = candidateDirs();
  for (const dir of dirs) {
    const fonts = { regular: join(dir, FILES.regular), bold: join(dir, FILES.bold), mono: join(dir, FILES.mono) };
    if (Object.values(fonts).every((f) => existsSync(f))) {
      found = fonts;
      return fonts;
    }
  }
  throw ReportPdfErrors.REPORT_ERR_FONT_MISSING(`DejaVu fonts not found in ${dirs.join(', ')}`);
}

export interface ReportFontFaces {
  regular: fontkit.Font;
  bold: fontkit.Font;
  mono: fontkit.Font;
}

let faces: ReportFontFaces | undefined;

/**
 * The three faces parsed once per process. Parsing DejaVu's tables costs most of a render, and
 * a parsed font is read-only to pdfkit (each document makes its own subset), so it is shared.
 */
export function reportFontFaces(): ReportFontFaces {
  if (faces) return faces;
  const paths = reportFonts();
  const parse = (path: string): fontkit.Font => {
    const font = fontkit.create(readFileSync(path));
    if (!('layout' in font)) throw ReportPdfErrors.REPORT_ERR_FONT_MISSING(`${path} is a font collection, not a font`);
    return font;
  };
  faces = { regular: parse(paths.regular), bold: parse(paths.bold), mono: parse(paths.mono) };
  return faces;
}

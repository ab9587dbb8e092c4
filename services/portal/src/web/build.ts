// Builds the web UI (React + Vite) into a folder the portal serves. There is no separate
// build step in the workspace: the portal builds on start when the folder is missing, and the
// tests build into a temporary folder.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** services/portal/web: index.html, src/, the translation files. */
export const WEB_SOURCE_DIR = fileURLToPath(new URL('../../web', import.meta.url));
export const DEFAULT_WEB_DIR = path.join(WEB_SOURCE_DIR, 'dist');

export interface BuildWebOptions {
  outDir?: string | undefined;
  /** Vite's log level (default 'warn'). */
  logLevel?: 'info' | 'warn' | 'error' | 'silent' | undefined;
}

export async function buildWeb(options: BuildWebOptions = {}): Promise<string> {
  const outDir = options.outDir ?? DEFAULT_WEB_DIR;
  // Loaded lazily: serving an already built UI needs neither Vite nor the React plugin.
  const [{ build }, { default: react }] = await Promise.all([import('vite'), import('@vitejs/plugin-react')]);
  await build({
    root: WEB_SOURCE_DIR,
    configFile: false,
    logLevel: options.logLevel ?? 'warn',
    plugins: [react()],
    build: { outDir, emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
  });
  return outDir;
}

export function isWebBuilt(dir: string): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

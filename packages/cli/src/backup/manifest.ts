// The manifest: the first entry of every backup archive. It lists every file with its SHA-256,
// size and mode, so restore can check the whole archive before it writes anything.
import { z } from 'zod';

export const BACKUP_FORMAT = 'tamga-backup/1';
export const MANIFEST_NAME = 'manifest.json';

export const FileKind = z.enum(['database', 'blob', 'key', 'file']);
export type FileKind = z.infer<typeof FileKind>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** A relative POSIX path of plain segments: no `..`, no `.`, no empty segment, no leading slash. */
const RelativePath = z
  .string()
  .min(1)
  .refine((p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\\') && !s.includes('\0')), 'a relative path of plain segments');

export const ManifestFile = z.object({
  path: RelativePath,
  kind: FileKind,
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  /** Permission bits (e.g. 0o600 for a private key), restored exactly. */
  mode: z.number().int().min(0).max(0o777),
  /** A private key or another secret: whoever holds the archive holds it too. */
  secret: z.boolean(),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

export const Manifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  createdAt: z.iso.datetime(),
  tool: z.object({ name: z.string(), version: z.string() }),
  backend: z.literal('sqlite'),
  /** Service folders in the order their databases were copied (consumers before producers). */
  services: z.array(z.string()),
  privateKeysIncluded: z.boolean(),
  /** What the archive deliberately leaves out, and why. */
  excluded: z.array(z.object({ path: z.string(), reason: z.string() })),
  files: z.array(ManifestFile),
});
export type Manifest = z.infer<typeof Manifest>;

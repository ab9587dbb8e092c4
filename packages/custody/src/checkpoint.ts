// Signed checkpoints in the C2SP tlog-checkpoint / signed-note text format:
//
//   tamga.example/intake            <- origin (also the signing key's name)
//   1042                            <- tree size
//   3q2+7w...=                      <- base64 root hash
//   time 2025-03-01T10:00:00.000Z   <- extension line: when the lab signed it
//
//   — tamga.example/intake <base64(4-byte key ID || Ed25519 signature of the text above)>
//
// The text is what is signed, byte for byte; cosignatures by other keys (witnesses) may follow
// and are ignored, as the signed-note spec requires.
import { sign, verify } from 'node:crypto';
import { CustodyErrors, type CustodyFailure } from './errors.ts';
import { fromHex, isHex64, toHex } from './digest.ts';
import { noteKeyId, toPrivateKey, toPublicKey, type PrivateKeyInput, type PublicKeyInput } from './keys.ts';

/** What a checkpoint states: the log named `origin` had `size` entries with root `rootHash` at `time`. */
export interface CheckpointBody {
  origin: string;
  size: number;
  /** Hex root hash of the log at `size`. */
  rootHash: string;
  /** ISO 8601 UTC time the lab signed it. */
  time: string;
}

export interface SignedCheckpoint extends CheckpointBody {
  /** The signed note: body text, blank line, signature line(s). This is what gets published and bundled. */
  note: string;
}

export type CheckpointVerdict = { ok: true; checkpoint: CheckpointBody; keyId: string } | CustodyFailure;

const EM_DASH = '\u2014';
const SIZE_LINE = /^(0|[1-9][0-9]*)$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Signs a checkpoint with the log's Ed25519 key; the key's name in the note is the origin. */
export function signCheckpoint(body: CheckpointBody, privateKey: PrivateKeyInput): SignedCheckpoint {
  const problem = bodyProblem(body);
  if (problem) throw CustodyErrors.CUSTODY_ERR_CHECKPOINT_MALFORMED(problem);
  const key = toPrivateKey(privateKey);
  const text = `${body.origin}\n${body.size}\n${fromHex(body.rootHash).toString('base64')}\ntime ${body.time}\n`;
  const signature = sign(null, Buffer.from(text, 'utf8'), key);
  const keyId = noteKeyId(body.origin, key);
  const note = `${text}\n${EM_DASH} ${body.origin} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
  return { origin: body.origin, size: body.size, rootHash: body.rootHash, time: body.time, note };
}

/**
 * Verifies a checkpoint note against the log's public key and returns what it states. Nothing in
 * the note is trusted until a signature by that key (named by the origin) verifies.
 */
export function verifyCheckpoint(checkpoint: string | { note: string }, publicKey: PublicKeyInput): CheckpointVerdict {
  const note = typeof checkpoint === 'string' ? checkpoint : checkpoint.note;
  const malformed = (detail: string): CustodyFailure => ({ ok: false, reason: 'CUSTODY_ERR_CHECKPOINT_MALFORMED', detail });
  if (typeof note !== 'string') return malformed('the checkpoint is not text');
  if (hasControlCharacter(note)) return malformed('the note contains control characters');
  if (!note.endsWith('\n')) return malformed('the note does not end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return malformed('the note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const signatureLines = note.slice(split + 2, -1).split('\n');
  const parsed = parseBody(text);
  if (typeof parsed === 'string') return malformed(parsed);

  const key = toPublicKey(publicKey);
  const keyId = noteKeyId(parsed.origin, key);
  let verified = false;
  for (const line of signatureLines) {
    const sig = parseSignatureLine(line);
    if (typeof sig === 'string') return malformed(sig);
    // Signatures by other keys (a witness, a rotated key) are ignored, as the spec requires.
    if (sig.name !== parsed.origin || !sig.keyId.equals(keyId)) continue;
    if (!signatureHolds(text, key, sig.signature)) {
      return { ok: false, reason: 'CUSTODY_ERR_CHECKPOINT_SIGNATURE', detail: `the signature by ${sig.name} does not verify: the checkpoint was altered` };
    }
    verified = true;
  }
  if (!verified) {
    return {
      ok: false,
      reason: 'CUSTODY_ERR_CHECKPOINT_SIGNATURE',
      detail: `no signature by the given key (name ${parsed.origin}, key ID ${toHex(keyId)}) is on the checkpoint`,
    };
  }
  return { ok: true, checkpoint: parsed, keyId: toHex(keyId) };
}

function parseBody(text: string): CheckpointBody | string {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l === '')) return 'the note text needs origin, size and root hash lines, none empty';
  const [origin = '', sizeLine = '', rootLine = '', ...extensions] = lines;
  if (!SIZE_LINE.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) return `the tree size '${sizeLine}' is not a decimal number`;
  const root = Buffer.from(rootLine, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootLine) return 'the root hash is not the base64 of 32 bytes';
  const times = extensions.filter((l) => l.startsWith('time '));
  if (times.length !== 1) return 'the checkpoint needs exactly one time line';
  const body = { origin, size: Number(sizeLine), rootHash: root.toString('hex'), time: (times[0] as string).slice(5) };
  return bodyProblem(body) ?? body;
}

function parseSignatureLine(line: string): { name: string; keyId: Buffer; signature: Buffer } | string {
  const parts = line.split(' ');
  if (parts.length !== 3 || parts[0] !== EM_DASH) return 'a signature line is not "— <name> <base64>"';
  const [, name = '', encoded = ''] = parts;
  const bytes = Buffer.from(encoded, 'base64');
  if (name === '' || bytes.length < 5 || bytes.toString('base64') !== encoded) return 'a signature line has no valid base64 signature';
  return { name, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4) };
}

function bodyProblem(body: CheckpointBody): string | undefined {
  if (typeof body.origin !== 'string' || body.origin === '' || /[\s+]/u.test(body.origin) || hasControlCharacter(body.origin)) {
    return 'the origin must be non-empty with no spaces or "+" (it is also the key name)';
  }
  if (!Number.isSafeInteger(body.size) || body.size < 0) return 'the size must be a non-negative integer';
  if (!isHex64(body.rootHash)) return 'the root hash must be 64 lowercase hex digits';
  if (typeof body.time !== 'string' || !ISO_UTC.test(body.time) || Number.isNaN(Date.parse(body.time))) {
    return 'the time must be an ISO 8601 UTC timestamp';
  }
  return undefined;
}

function signatureHolds(text: string, key: ReturnType<typeof toPublicKey>, signature: Buffer): boolean {
  // A signature of the wrong length makes node throw rather than return false.
  try {
    return verify(null, Buffer.from(text, 'utf8'), key, signature);
  } catch {
    return false;
  }
}

/** Signed notes are UTF-8 with no ASCII control characters other than newline. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

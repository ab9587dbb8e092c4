// What a technician does to an item in hand, each act e-signed: photos (thumbnails with their
// SHA-256, which enters the custody chain when an act cites them), opening a seal, resealing
// (a new seal number; the old one stays on record), taking a sub-sample (portion and weights
// before and after), returning the item to its agency, and destruction under an authority,
// signed by the performer and by a witness at the same workstation.
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiError, api, apiBlob, upload } from '../api.ts';
import type { UploadProgress } from '../api.ts';
import { ESignatureDialog } from '../components/ESignatureDialog.tsx';
import type { WitnessSignature } from '../components/ESignatureDialog.tsx';
import { Field, FormError, Select, useAction, useErrorText } from '../components/forms.tsx';
import { Progress } from '../components/Progress.tsx';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../i18n.tsx';
import { hasRole, useSession } from '../session.tsx';
import { signedActs } from '../signed-acts.ts';
import type { SignedAct } from '../signed-acts.ts';
import type { Item } from './Intake.tsx';

/** A stored photo as the custody record cites it. */
export interface PhotoRef {
  sha256: string;
  size: number;
  contentType: string;
}

interface PhotoRecord extends PhotoRef {
  photoId: string;
  caption?: string;
  takenBy: { name: string };
  uploadedAt: string;
}

const itemPath = (labNo: string) => `/api/intake/v1/items/${encodeURIComponent(labNo)}`;

/** Uploads the chosen images (raw bodies) and returns what a custody act cites of them. */
export async function uploadPhotos(
  labNo: string,
  files: readonly File[],
  caption: string,
  onProgress?: (p: UploadProgress) => void,
): Promise<PhotoRef[]> {
  const refs: PhotoRef[] = [];
  for (const file of files) {
    const query = caption.trim() === '' ? '' : `?caption=${encodeURIComponent(caption.trim())}`;
    const stored = await upload<PhotoRef>(`${itemPath(labNo)}/photos${query}`, file, onProgress ?? (() => undefined));
    refs.push({ sha256: stored.sha256, size: stored.size, contentType: stored.contentType });
  }
  return refs;
}

/** A labelled file input for JPEG and PNG photos. */
export function PhotoPicker({
  label,
  onChange,
  error,
}: {
  label: string;
  onChange(files: File[]): void;
  error?: ApiError | undefined;
}) {
  const { t } = useI18n();
  return (
    <Field
      label={label}
      name="photos"
      type="file"
      accept="image/jpeg,image/png"
      multiple
      hint={t('photos.hint')}
      onChange={(e) => onChange(Array.from(e.target.files ?? []))}
      error={error}
    />
  );
}

/** One photo, fetched with the caller's token (an <img> cannot send it) and shown from a blob URL. */
function Thumbnail({ labNo, photo, index }: { labNo: string; photo: PhotoRecord; index: number }) {
  const { t, time } = useI18n();
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let url: string | undefined;
    let live = true;
    apiBlob(`${itemPath(labNo)}/photos/${encodeURIComponent(photo.photoId)}`)
      .then((blob) => {
        url = URL.createObjectURL(blob);
        if (live) setSrc(url);
      })
      .catch(() => setSrc(undefined));
    return () => {
      live = false;
      if (url !== undefined) URL.revokeObjectURL(url);
    };
  }, [labNo, photo.photoId]);
  const alt = photo.caption ?? t('photos.alt', { n: index + 1, labNo });
  return (
    <figure className="photo">
      {src === undefined ? <div className="photo-wait" aria-hidden="true" /> : <img src={src} alt={alt} />}
      <figcaption>
        {photo.caption !== undefined && <strong>{photo.caption}</strong>}
        <span>
          {photo.takenBy.name} · {time(photo.uploadedAt)}
        </span>
        <span className="mono hash" title={t('photos.sha256')}>
          SHA-256 {photo.sha256}
        </span>
      </figcaption>
    </figure>
  );
}

/** The item's photos, and (for intake staff) an upload of new ones with progress. */
export function Photos({ labNo, version, canAdd = true }: { labNo: string; version?: number; canAdd?: boolean }) {
  const { t } = useI18n();
  const { user } = useSession();
  const [photos, setPhotos] = useState<PhotoRecord[]>();
  const [files, setFiles] = useState<File[]>([]);
  const [caption, setCaption] = useState('');
  const [progress, setProgress] = useState<UploadProgress>();
  const [added, setAdded] = useState<number>();
  const load = useAction(async () =>
    setPhotos((await api<{ photos: PhotoRecord[] }>(`${itemPath(labNo)}/photos`)).photos),
  );
  useEffect(() => {
    void load.run();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [labNo, version]);
  const add = useAction(async () => {
    const refs = await uploadPhotos(labNo, files, caption, setProgress);
    setAdded(refs.length);
    setFiles([]);
    setCaption('');
    await load.run();
  });
  return (
    <section aria-labelledby={`photos-${labNo}`}>
      <h3 id={`photos-${labNo}`}>{t('photos.title')}</h3>
      <FormError error={load.error} />
      {photos !== undefined && photos.length === 0 && <p>{t('photos.none')}</p>}
      {photos !== undefined && photos.length > 0 && (
        <div className="photos">
          {photos.map((p, i) => (
            <Thumbnail key={p.photoId} labNo={labNo} photo={p} index={i} />
          ))}
        </div>
      )}
      {canAdd && hasRole(user, 'technician', 'admin') && (
        <form
          aria-label={t('photos.add')}
          onSubmit={(e) => {
            e.preventDefault();
            setAdded(undefined);
            void add.run();
          }}
        >
          <div className="grid">
            <PhotoPicker label={t('photos.add')} onChange={setFiles} error={add.apiError} />
            <Field
              label={t('photos.caption')}
              name="caption"
              value={caption}
              onChange={(e) => setCaption(e.target.value)}
              error={add.apiError}
            />
          </div>
          {add.busy && progress !== undefined && (
            <Progress label={t('photos.uploading')} value={progress.loaded} max={progress.total} />
          )}
          <FormError error={add.error} fields={['photos', 'caption', 'body', 'content-type']} />
          {added !== undefined && (
            <p className="ok" role="status">
              {t('photos.added', { count: added })}
            </p>
          )}
          <button type="submit" disabled={add.busy || files.length === 0}>
            {t('photos.upload')}
          </button>
        </form>
      )}
    </section>
  );
}

type Act = 'open_seal' | 'reseal' | 'sub_sample' | 'return_to_agency' | 'propose_destruction' | 'witness_destruction';

/** What the act forms hold, blank between acts. */
type ActValues = Record<
  | 'sealNumber'
  | 'openPurpose'
  | 'openCondition'
  | 'newSealNumber'
  | 'remarks'
  | 'description'
  | 'packaging'
  | 'before'
  | 'after'
  | 'portion'
  | 'balanceId'
  | 'subSeal'
  | 'toName'
  | 'toOrganisation'
  | 'returnAuthority'
  | 'authority'
  | 'method',
  string
>;

/** One input of an act form. */
interface ActField {
  /** The value it edits. */
  key: keyof ActValues;
  /** The problem-details field it answers for: the service's error on it is shown under it. */
  name: string;
  label: string;
  hint?: string;
  required?: boolean;
  /** A weight in grams, to a tenth of a milligram. */
  grams?: boolean;
  /** A choice among these (after a blank one) instead of free text. */
  options?: readonly { value: string; label: string; disabled: boolean }[];
}

interface ActFormProps {
  id: string;
  title: string;
  submit: string;
  danger?: boolean;
  open: boolean;
  onToggle(open: boolean): void;
  /** What the signer declares; `witness`, what a second person at this workstation declares. */
  act: SignedAct;
  witness?: SignedAct | undefined;
  fields: readonly ActField[];
  values: ActValues;
  onChange(key: keyof ActValues, value: string): void;
  /** Offers photos of this step when given. */
  onPhotos?: ((files: File[]) => void) | undefined;
  /** What stands before the inputs (a warning, a choice). */
  intro?: ReactNode;
  error: ApiError | undefined;
  busy: boolean;
  onSigned(eSignature: string, witness?: WitnessSignature): Promise<void>;
}

/**
 * One act's form: its inputs (each showing the service's error on it), optional photos and
 * remarks, and the e-signature dialog between the submit and anything being sent.
 */
function ActForm({
  id,
  title,
  submit,
  danger,
  open,
  onToggle,
  act,
  witness,
  fields,
  values,
  onChange,
  onPhotos,
  intro,
  error,
  busy,
  onSigned,
}: ActFormProps) {
  const { t } = useI18n();
  const [signing, setSigning] = useState(false);
  const input = (field: ActField) => {
    const common = {
      label: field.label,
      name: field.name,
      value: values[field.key],
      onChange: (e: { target: { value: string } }) => onChange(field.key, e.target.value),
      error,
      required: field.required,
    };
    if (field.options !== undefined)
      return (
        <Select key={field.key} {...common}>
          <option value="">—</option>
          {field.options.map((o) => (
            <option key={o.value} value={o.value} disabled={o.disabled}>
              {o.label}
            </option>
          ))}
        </Select>
      );
    return (
      <Field
        key={field.key}
        {...common}
        hint={field.hint}
        {...(field.grams === true ? { type: 'number', step: '0.0001', min: '0' } : {})}
      />
    );
  };
  return (
    <>
      <details className="act" open={open} onToggle={(e) => onToggle(e.currentTarget.open)}>
        <summary id={`${id}-title`}>{title}</summary>
        <form
          aria-labelledby={`${id}-title`}
          onSubmit={(e) => {
            e.preventDefault();
            setSigning(true);
          }}
        >
          {intro}
          <div className="grid">
            {fields.map(input)}
            {onPhotos !== undefined && <PhotoPicker label={t('acts.photo')} onChange={onPhotos} error={error} />}
          </div>
          {input({ key: 'remarks', name: 'remarks', label: t('acts.remarks') })}
          <button type="submit" className={danger === true ? 'danger' : undefined} disabled={busy}>
            {submit}
          </button>
        </form>
      </details>
      {signing && (
        <ESignatureDialog
          {...act}
          witness={witness}
          onCancel={() => setSigning(false)}
          onSigned={async (token, second) => {
            setSigning(false);
            await onSigned(token, second);
          }}
        />
      )}
    </>
  );
}

/**
 * The acts on an item the caller holds, and the witness's part of a destruction that waits for
 * one. `onDone` gets the message to show; the caller then reloads the item and its chain.
 */
export function ItemActs({ item, onDone }: { item: Item; onDone(message: string): Promise<void> }) {
  const { t } = useI18n();
  const { user } = useSession();
  const blank: ActValues = {
    sealNumber: item.seals.find((s) => s.status === 'applied')?.number ?? '',
    openPurpose: '',
    openCondition: '',
    newSealNumber: '',
    remarks: '',
    description: '',
    packaging: '',
    before: '',
    after: '',
    portion: '',
    balanceId: '',
    subSeal: '',
    toName: '',
    toOrganisation: '',
    returnAuthority: '',
    authority: '',
    method: '',
  };
  const errorText = useErrorText();
  const [f, setF] = useState(blank);
  const [photos, setPhotos] = useState<File[]>([]);
  const [witnessing, setWitnessing] = useState(false);
  // One act's form open at a time; it closes when the act is recorded and stays open on an error.
  const [openAct, setOpenAct] = useState<Act>();
  const [witnessLater, setWitnessLater] = useState(false);
  const labNo = item.labNo;

  /**
   * The witness's part (intake's POST …/destruction/witness): with a colleague's signature given at
   * this workstation it is recorded as them, with their short-lived token; otherwise as the caller.
   */
  async function witnessDestruction(eSignature: string, bearer?: string) {
    await api(`${itemPath(labNo)}/destruction/witness`, {
      body: { eSignature },
      ...(bearer === undefined ? {} : { bearer }),
    });
  }

  const act = useAction(async (kind: Act, eSignature: string, witness?: WitnessSignature) => {
    if (kind === 'witness_destruction') {
      if (witness !== undefined) {
        await witnessDestruction(witness.token, witness.accessToken).catch((err: unknown) => {
          throw witnessRefused(err, witness.signature.printedName);
        });
      } else {
        await witnessDestruction(eSignature);
      }
      setOpenAct(undefined);
      await onDone(t('acts.destroyed', { labNo, witness: witness?.signature.printedName ?? user?.name ?? '' }));
      return;
    }
    const cited = photos.length === 0 ? [] : await uploadPhotos(labNo, photos, t(`acts.${kind}` as MessageKey));
    const withPhotos = cited.length === 0 ? {} : { photos: cited };
    const remarks = f.remarks.trim() === '' ? {} : { remarks: f.remarks.trim() };
    if (kind === 'sub_sample') {
      const res = await api<{ item: { labNo: string } }>(`${itemPath(labNo)}/sub-samples`, {
        body: {
          description: f.description,
          packaging: f.packaging,
          grossBefore: { grams: Number(f.before), balanceId: f.balanceId },
          grossAfter: { grams: Number(f.after), balanceId: f.balanceId },
          portionGrams: Number(f.portion),
          ...(f.subSeal.trim() === '' ? {} : { sealNumber: f.subSeal.trim() }),
          ...remarks,
          eSignature,
        },
      });
      setF(blank);
      setPhotos([]);
      setOpenAct(undefined);
      await onDone(t('acts.subSampled', { child: res.item.labNo, labNo }));
      return;
    }
    const command =
      kind === 'open_seal'
        ? { kind, sealNumber: f.sealNumber, purpose: f.openPurpose, condition: f.openCondition }
        : kind === 'reseal'
          ? { kind, newSealNumber: f.newSealNumber }
          : kind === 'return_to_agency'
            ? {
                kind,
                to: {
                  name: f.toName,
                  ...(f.toOrganisation.trim() === '' ? {} : { organisation: f.toOrganisation.trim() }),
                },
                authority: f.returnAuthority,
              }
            : { kind, authority: f.authority, method: f.method };
    await api(`${itemPath(labNo)}/custody`, { body: { ...command, ...remarks, ...withPhotos, eSignature } });
    if (kind === 'propose_destruction' && witness !== undefined) {
      try {
        await witnessDestruction(witness.token, witness.accessToken);
      } catch (err) {
        // The proposal stands and waits for a witness: show it so, with the witness's problem.
        setOpenAct(undefined);
        await onDone(t('acts.awaitingWitness', { labNo }));
        throw witnessRefused(err, witness.signature.printedName);
      }
      setF(blank);
      setPhotos([]);
      setOpenAct(undefined);
      await onDone(t('acts.destroyed', { labNo, witness: witness.signature.printedName }));
      return;
    }
    setF(blank);
    setPhotos([]);
    setOpenAct(undefined);
    await onDone(t(`acts.done.${kind}` as MessageKey, { labNo }));
  });

  /** A refusal of the witness's part, saying whose it was (the signer's part went through). */
  function witnessRefused(err: unknown, name: string): unknown {
    if (!(err instanceof ApiError)) return err;
    return new ApiError(
      err.status,
      err.code,
      t('acts.witnessRefused', { name, reason: errorText(err, err.message) }),
      err.errors,
    );
  }

  /** What every act form shares: its disclosure, values, errors, photos and the act it signs. */
  const formOf = (kind: Exclude<Act, 'witness_destruction'>, id: string) => ({
    id,
    title: t(`acts.${kind}` as MessageKey),
    submit: t('acts.signSubmit'),
    open: openAct === kind,
    onToggle: (open: boolean) => setOpenAct((current) => (open ? kind : current === kind ? undefined : current)),
    act: kind === 'sub_sample' ? signedActs.subSample(labNo) : signedActs.move(labNo, kind),
    values: f,
    onChange: (key: keyof ActValues, value: string) => setF({ ...f, [key]: value }),
    onPhotos: kind === 'sub_sample' ? undefined : setPhotos,
    error: act.apiError,
    busy: act.busy,
    onSigned: (token: string, witness?: WitnessSignature) => act.run(kind, token, witness),
  });
  const pending = item.pendingDestruction;
  // The proposer's workstation asks a colleague for their credentials; anyone else signs as themself.
  const proposerHere = pending !== undefined && pending.proposedBy.userId === user?.id;

  return (
    <section aria-labelledby="acts-title" className="acts">
      <h3 id="acts-title">{t('acts.title')}</h3>
      <FormError
        error={act.error}
        fields={[
          'sealNumber',
          'purpose',
          'condition',
          'newSealNumber',
          'description',
          'packaging',
          'grams',
          'portionGrams',
          'balanceId',
          'name',
          'organisation',
          'authority',
          'method',
          'remarks',
          'sha256',
        ]}
      />
      {pending !== undefined ? (
        <div className="notice" role="status">
          <p>
            {t('acts.pendingDestruction', {
              by: pending.proposedBy.name,
              authority: pending.authority,
              method: pending.method,
            })}
          </p>
          <button type="button" className="danger" onClick={() => setWitnessing(true)} disabled={act.busy}>
            {t('acts.witness')}
          </button>
        </div>
      ) : (
        <>
          <ActForm
            {...formOf('open_seal', 'act-open-seal')}
            fields={[
              {
                key: 'sealNumber',
                name: 'sealNumber',
                label: t('acts.seal'),
                required: true,
                options: item.seals.map((s) => ({
                  value: s.number,
                  label: `${s.number} (${t(`seal.${s.status}` as MessageKey)})`,
                  disabled: s.status !== 'applied',
                })),
              },
              { key: 'openPurpose', name: 'purpose', label: t('acts.openPurpose'), required: true },
              { key: 'openCondition', name: 'condition', label: t('acts.condition'), required: true },
            ]}
          />
          <ActForm
            {...formOf('reseal', 'act-reseal')}
            fields={[
              {
                key: 'newSealNumber',
                name: 'newSealNumber',
                label: t('acts.newSeal'),
                hint: t('acts.newSealHint'),
                required: true,
              },
            ]}
          />
          <ActForm
            {...formOf('sub_sample', 'act-sub-sample')}
            fields={[
              { key: 'description', name: 'description', label: t('acts.portionDescription'), required: true },
              { key: 'packaging', name: 'packaging', label: t('item.packaging'), required: true },
              { key: 'before', name: 'grossBefore.grams', label: t('acts.before'), grams: true, required: true },
              { key: 'after', name: 'grossAfter.grams', label: t('acts.after'), grams: true, required: true },
              { key: 'portion', name: 'portionGrams', label: t('acts.portion'), grams: true, required: true },
              { key: 'balanceId', name: 'balanceId', label: t('item.balance'), required: true },
              { key: 'subSeal', name: 'sealNumber', label: t('acts.subSeal') },
            ]}
          />
          <ActForm
            {...formOf('return_to_agency', 'act-return')}
            fields={[
              { key: 'toName', name: 'to.name', label: t('acts.returnTo'), required: true },
              { key: 'toOrganisation', name: 'to.organisation', label: t('acts.organisation') },
              { key: 'returnAuthority', name: 'authority', label: t('acts.authority'), required: true },
            ]}
          />
          <ActForm
            {...formOf('propose_destruction', 'act-destroy')}
            submit={t('acts.destroySubmit')}
            danger
            witness={witnessLater ? undefined : signedActs.move(labNo, 'witness_destruction')}
            intro={
              <>
                <p>{t('acts.destroyHint')}</p>
                <div className="check">
                  <input
                    id={`witness-later-${labNo}`}
                    type="checkbox"
                    checked={witnessLater}
                    onChange={(e) => setWitnessLater(e.target.checked)}
                  />
                  <label htmlFor={`witness-later-${labNo}`}>{t('acts.witnessLater')}</label>
                </div>
              </>
            }
            fields={[
              { key: 'authority', name: 'authority', label: t('acts.authority'), required: true },
              { key: 'method', name: 'method', label: t('acts.method'), required: true },
            ]}
          />
        </>
      )}
      {witnessing && (
        <ESignatureDialog
          {...signedActs.move(labNo, proposerHere ? 'propose_destruction' : 'witness_destruction')}
          witness={proposerHere ? signedActs.move(labNo, 'witness_destruction') : undefined}
          witnessOnly={proposerHere}
          onCancel={() => setWitnessing(false)}
          onSigned={async (token, witness) => {
            setWitnessing(false);
            await act.run('witness_destruction', token, witness);
          }}
        />
      )}
    </section>
  );
}

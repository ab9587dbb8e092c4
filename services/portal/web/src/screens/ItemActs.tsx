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
import type { CustodyKind, SignedAct } from '../signed-acts.ts';
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

/** One act's form: its fields, an optional photo, and the e-signature before anything is sent. */
function ActForm({
  id,
  title,
  submit,
  children,
  onSubmit,
  busy,
  danger,
  open,
  onToggle,
}: {
  open: boolean;
  onToggle(open: boolean): void;
  id: string;
  title: string;
  submit: string;
  children: ReactNode;
  onSubmit(): void;
  busy: boolean;
  danger?: boolean;
}) {
  return (
    <details className="act" open={open} onToggle={(e) => onToggle(e.currentTarget.open)}>
      <summary id={`${id}-title`}>{title}</summary>
      <form
        aria-labelledby={`${id}-title`}
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        {children}
        <button type="submit" className={danger === true ? 'danger' : undefined} disabled={busy}>
          {submit}
        </button>
      </form>
    </details>
  );
}

/**
 * The acts on an item the caller holds, and the witness's part of a destruction that waits for
 * one. `onDone` gets the message to show; the caller then reloads the item and its chain.
 */
export function ItemActs({ item, onDone }: { item: Item; onDone(message: string): Promise<void> }) {
  const { t } = useI18n();
  const { user } = useSession();
  const blank = {
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
  const [signing, setSigning] = useState<Act>();
  // One act's form open at a time; it closes when the act is recorded and stays open on an error.
  const [openAct, setOpenAct] = useState<Act>();
  const [witnessLater, setWitnessLater] = useState(false);
  const disclosure = (kind: Act) => ({
    open: openAct === kind,
    onToggle: (open: boolean) => setOpenAct((current) => (open ? kind : current === kind ? undefined : current)),
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
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

  function actOf(kind: Act): SignedAct {
    return kind === 'sub_sample' ? signedActs.subSample(labNo) : signedActs.move(labNo, kind as CustodyKind);
  }
  const err = act.apiError;
  const photoPicker = <PhotoPicker label={t('acts.photo')} onChange={setPhotos} error={err} />;
  const remarks = (
    <Field label={t('acts.remarks')} name="remarks" value={f.remarks} onChange={set('remarks')} error={err} />
  );
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
          <button
            type="button"
            className="danger"
            onClick={() => setSigning('witness_destruction')}
            disabled={act.busy}
          >
            {t('acts.witness')}
          </button>
        </div>
      ) : (
        <>
          <ActForm
            id="act-open-seal"
            {...disclosure('open_seal')}
            title={t('acts.open_seal')}
            submit={t('acts.signSubmit')}
            busy={act.busy}
            onSubmit={() => setSigning('open_seal')}
          >
            <div className="grid">
              <Select
                label={t('acts.seal')}
                name="sealNumber"
                value={f.sealNumber}
                onChange={set('sealNumber')}
                error={err}
                required
              >
                <option value="">—</option>
                {item.seals.map((s) => (
                  <option key={s.number} value={s.number} disabled={s.status !== 'applied'}>
                    {s.number} ({t(`seal.${s.status}` as MessageKey)})
                  </option>
                ))}
              </Select>
              <Field
                label={t('acts.openPurpose')}
                name="purpose"
                value={f.openPurpose}
                onChange={set('openPurpose')}
                error={err}
                required
              />
              <Field
                label={t('acts.condition')}
                name="condition"
                value={f.openCondition}
                onChange={set('openCondition')}
                error={err}
                required
              />
              {photoPicker}
            </div>
            {remarks}
          </ActForm>
          <ActForm
            id="act-reseal"
            {...disclosure('reseal')}
            title={t('acts.reseal')}
            submit={t('acts.signSubmit')}
            busy={act.busy}
            onSubmit={() => setSigning('reseal')}
          >
            <div className="grid">
              <Field
                label={t('acts.newSeal')}
                name="newSealNumber"
                hint={t('acts.newSealHint')}
                value={f.newSealNumber}
                onChange={set('newSealNumber')}
                error={err}
                required
              />
              {photoPicker}
            </div>
            {remarks}
          </ActForm>
          <ActForm
            id="act-sub-sample"
            {...disclosure('sub_sample')}
            title={t('acts.sub_sample')}
            submit={t('acts.signSubmit')}
            busy={act.busy}
            onSubmit={() => setSigning('sub_sample')}
          >
            <div className="grid">
              <Field
                label={t('acts.portionDescription')}
                name="description"
                value={f.description}
                onChange={set('description')}
                error={err}
                required
              />
              <Field
                label={t('item.packaging')}
                name="packaging"
                value={f.packaging}
                onChange={set('packaging')}
                error={err}
                required
              />
              <Field
                label={t('acts.before')}
                name="grossBefore.grams"
                type="number"
                step="0.0001"
                min="0"
                value={f.before}
                onChange={set('before')}
                error={err}
                required
              />
              <Field
                label={t('acts.after')}
                name="grossAfter.grams"
                type="number"
                step="0.0001"
                min="0"
                value={f.after}
                onChange={set('after')}
                error={err}
                required
              />
              <Field
                label={t('acts.portion')}
                name="portionGrams"
                type="number"
                step="0.0001"
                min="0"
                value={f.portion}
                onChange={set('portion')}
                error={err}
                required
              />
              <Field
                label={t('item.balance')}
                name="balanceId"
                value={f.balanceId}
                onChange={set('balanceId')}
                error={err}
                required
              />
              <Field
                label={t('acts.subSeal')}
                name="sealNumber"
                value={f.subSeal}
                onChange={set('subSeal')}
                error={err}
              />
            </div>
            {remarks}
          </ActForm>
          <ActForm
            id="act-return"
            {...disclosure('return_to_agency')}
            title={t('acts.return_to_agency')}
            submit={t('acts.signSubmit')}
            busy={act.busy}
            onSubmit={() => setSigning('return_to_agency')}
          >
            <div className="grid">
              <Field
                label={t('acts.returnTo')}
                name="to.name"
                value={f.toName}
                onChange={set('toName')}
                error={err}
                required
              />
              <Field
                label={t('acts.organisation')}
                name="to.organisation"
                value={f.toOrganisation}
                onChange={set('toOrganisation')}
                error={err}
              />
              <Field
                label={t('acts.authority')}
                name="authority"
                value={f.returnAuthority}
                onChange={set('returnAuthority')}
                error={err}
                required
              />
              {photoPicker}
            </div>
            {remarks}
          </ActForm>
          <ActForm
            id="act-destroy"
            {...disclosure('propose_destruction')}
            title={t('acts.propose_destruction')}
            submit={t('acts.destroySubmit')}
            busy={act.busy}
            danger
            onSubmit={() => setSigning('propose_destruction')}
          >
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
            <div className="grid">
              <Field
                label={t('acts.authority')}
                name="authority"
                value={f.authority}
                onChange={set('authority')}
                error={err}
                required
              />
              <Field
                label={t('acts.method')}
                name="method"
                value={f.method}
                onChange={set('method')}
                error={err}
                required
              />
              {photoPicker}
            </div>
            {remarks}
          </ActForm>
        </>
      )}
      {signing !== undefined && (
        <ESignatureDialog
          {...(signing === 'witness_destruction' && proposerHere
            ? signedActs.move(labNo, 'propose_destruction')
            : actOf(signing))}
          witness={
            (signing === 'propose_destruction' && !witnessLater) || (signing === 'witness_destruction' && proposerHere)
              ? signedActs.move(labNo, 'witness_destruction')
              : undefined
          }
          witnessOnly={signing === 'witness_destruction' && proposerHere}
          onCancel={() => setSigning(undefined)}
          onSigned={async (token, witness) => {
            const kind = signing;
            setSigning(undefined);
            await act.run(kind, token, witness);
          }}
        />
      )}
    </section>
  );
}

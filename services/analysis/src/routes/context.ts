import type { Transaction, DocumentStore } from '@tamga/store';
import type { ESignatureVerifier } from '@tamga/service-kit';
import type { AnyEvent } from '@tamga/contracts';
import type { ThresholdSet } from '../domain/thresholds.ts';
import type { LibraryCatalogue } from '../store/libraries.ts';

/** What the routes work with; built once by app.ts from its dependencies. */
export interface RouteContext {
  store: DocumentStore;
  catalogue: LibraryCatalogue;
  now: () => Date;
  thresholds: readonly ThresholdSet[];
  /** User ids authorized to record opinions and interpretations (ISO/IEC 17025 7.8.7). */
  opinionAuthorized: ReadonlySet<string>;
  /** Writes an event to the outbox inside the transaction. */
  enqueue: (tx: Transaction, event: AnyEvent, now: Date) => Promise<void>;
  /** Checks the portal's e-signature tokens of reviews and corrections (required on each). */
  eSignatures: ESignatureVerifier;
  /** Tells the relay that a committed transaction enqueued events. */
  eventsEnqueued: () => void;
}

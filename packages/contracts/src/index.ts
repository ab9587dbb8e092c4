export { DomainError, errorCatalogue, isDomainError } from './errors.ts';
export type { FieldError, DomainErrorOptions } from './errors.ts';

export {
  LabNo,
  LabCode,
  Id,
  CaseId,
  AgencyId,
  ResultId,
  UserId,
  Uuid7,
  IsoDateTime,
  IsoDate,
  Sha256Hex,
  PersonName,
  ESignatureToken,
  SignedActBody,
} from './common.ts';

export { Role, LAB_STAFF_ROLES, Principal, ActorRole, Actor, actorOf, systemActor } from './identity.ts';

export { TraceParent, continueTrace } from './trace.ts';
export type { TraceContext } from './trace.ts';

export { ProblemDetails, ProblemFieldError, PROBLEM_CONTENT_TYPE, problemType } from './problem.ts';

export { EventEnvelope, EventTypeName, ServiceName, newEventId, eventSchema } from './envelope.ts';

export {
  STREAMS,
  EventTypes,
  contractErrors,
  isEventType,
  streamOf,
  makeEvent,
  parseEvent,
} from './events/registry.ts';
export type { StreamName, EventType, EventData, EventOf, AnyEvent, NewEvent } from './events/registry.ts';

export { ItemReceived, AnalysisRequested, AnalysisPriority, intakeEvents } from './events/intake.ts';
export { ResultApproved, PersonRef, LibraryRef, Quantity, PeakPair, TechniqueUsed, analysisEvents } from './events/analysis.ts';
export { ReportIssued, ReportNumber, reportingEvents } from './events/reporting.ts';
export { ReportParams, SignedReasonBody, ReportListQuery, VerificationQuery, VerificationParams } from './reporting.ts';
export { DeadLetterListQuery, DeadLetterParams } from './admin.ts';
export {
  Username,
  Password,
  SignInBody,
  CreateUserBody,
  UpdateUserBody,
  ChangePasswordBody,
  ESignatureRequestBody,
  WitnessSignatureBody,
  UserParams,
} from './accounts.ts';
export { signedActs } from './signed-acts.ts';
export type { CustodyMoveKind, CustodyMeaning, ReviewMeaning, SignedActText } from './signed-acts.ts';

export { CaseOpened, CustodyRecorded, DeviationRecorded } from './events/intake.ts';
export {
  Party,
  SignatureMeaning,
  ESignature,
  BlobRefBody,
  Weight,
  SealOnReceipt,
  AgencyKind,
  CreateAgencyBody,
  Investigator,
  AddInvestigatorBody,
  OpenCaseBody,
  ReceiveItemBody,
  SubSampleBody,
  CustodyCommandBody,
  OfferTransferBody,
  AcceptTransferBody,
  CustodyKind,
  LocationRef,
  CustodyRecord,
  DeviationKind,
  RecordDeviationBody,
  DeviationDecision,
  AgencyConsultation,
  ResolveDeviationBody,
  AnalysisRequestBody,
  LocationKind,
  LocationAccess,
  CreateLocationBody,
  DeclineTransferBody,
  WitnessDestructionBody,
  CaseListQuery,
  LabelQuery,
  LabelSheetQuery,
  CustodyCheckpointQuery,
  InventoryStatus,
  InventoryQuery,
  PhotoUploadQuery,
  AgencyParams,
  CaseParams,
  ItemParams,
  PhotoParams,
  TransferParams,
  DeviationParams,
  BarcodeParams,
} from './intake.ts';

export {
  AnalysisTechnique,
  WorkItemStatus,
  SopRef,
  AssignBody,
  WorkItemQuery,
  SpectrumUploadQuery,
  LibraryImportQuery,
  CrmReference,
  CrmSpectraBody,
  BudgetComponentBody,
  TechniqueUseBody,
  QcReference,
  FindingsBody,
  OpinionBody,
  ESignatureBody,
  ReviewBody,
  CorrectionBody,
  HitView,
  SpectrumUploadView,
  WorkItemPageQuery,
  ResultPageQuery,
  SignedReviewBody,
  SignedCorrectionBody,
  MirrorPlotQuery,
  IdParams,
  LibraryVersionParams,
} from './analysis.ts';

// R4 (4.0.1) type subset, copied verbatim from @types/fhir@0.0.44 r4.d.ts (MIT, DefinitelyTyped),
// except Extension (value[x] cut to common types) and FhirResource (only the types below).
//
// Why: package.json pins @types/fhir ^3.0.2, whose "latest" tag is the STU3 typing (global `fhir`);
// the R4 namespace `fhir4` ships only in the 0.0.x line. Delete this file once package.json
// pins "@types/fhir": "0.0.44" (its r4.d.ts declares the same global namespace and would clash).
declare namespace fhir4 {
  export interface Resource {
    readonly resourceType: string;
    id?: string | undefined;
    _id?: Element | undefined;
    meta?: Meta | undefined;
    implicitRules?: string | undefined;
    _implicitRules?: Element | undefined;
    language?: string | undefined;
    _language?: Element | undefined;
  }
  export interface Extension extends Element {
    url: string;
    _url?: Element | undefined;
    valueBoolean?: boolean | undefined;
    _valueBoolean?: Element | undefined;
    valueCode?: string | undefined;
    _valueCode?: Element | undefined;
    valueDate?: string | undefined;
    _valueDate?: Element | undefined;
    valueDateTime?: string | undefined;
    _valueDateTime?: Element | undefined;
    valueDecimal?: number | undefined;
    _valueDecimal?: Element | undefined;
    valueInteger?: number | undefined;
    _valueInteger?: Element | undefined;
    valueString?: string | undefined;
    _valueString?: Element | undefined;
    valueUri?: string | undefined;
    _valueUri?: Element | undefined;
    valueAddress?: Address | undefined;
    valueCodeableConcept?: CodeableConcept | undefined;
    valueCoding?: Coding | undefined;
    valueHumanName?: HumanName | undefined;
    valueIdentifier?: Identifier | undefined;
    valuePeriod?: Period | undefined;
    valueQuantity?: Quantity | undefined;
    valueReference?: Reference | undefined;
  }
  export interface Attachment extends Element {
    contentType?: string | undefined;
    _contentType?: Element | undefined;
    language?: string | undefined;
    _language?: Element | undefined;
    data?: string | undefined;
    _data?: Element | undefined;
    url?: string | undefined;
    _url?: Element | undefined;
    size?: number | undefined;
    _size?: Element | undefined;
    hash?: string | undefined;
    _hash?: Element | undefined;
    title?: string | undefined;
    _title?: Element | undefined;
    creation?: string | undefined;
    _creation?: Element | undefined;
  }
  export interface Encounter extends DomainResource {
    readonly resourceType: 'Encounter';
    identifier?: Identifier[] | undefined;
    status: ('planned'|'arrived'|'triaged'|'in-progress'|'onleave'|'finished'|'cancelled'|'entered-in-error'|'unknown');
    _status?: Element | undefined;
    statusHistory?: EncounterStatusHistory[] | undefined;
    class: Coding;
    classHistory?: EncounterClassHistory[] | undefined;
    type?: CodeableConcept[] | undefined;
    serviceType?: CodeableConcept | undefined;
    priority?: CodeableConcept | undefined;
    subject?: Reference | undefined;
    episodeOfCare?: Reference[] | undefined;
    basedOn?: Reference[] | undefined;
    participant?: EncounterParticipant[] | undefined;
    appointment?: Reference[] | undefined;
    period?: Period | undefined;
    length?: Duration | undefined;
    reasonCode?: CodeableConcept[] | undefined;
    reasonReference?: Reference[] | undefined;
    diagnosis?: EncounterDiagnosis[] | undefined;
    account?: Reference[] | undefined;
    hospitalization?: EncounterHospitalization | undefined;
    location?: EncounterLocation[] | undefined;
    serviceProvider?: Reference | undefined;
    partOf?: Reference | undefined;
  }
  export interface EncounterStatusHistory extends BackboneElement {
    status: ('planned'|'arrived'|'triaged'|'in-progress'|'onleave'|'finished'|'cancelled'|'entered-in-error'|'unknown');
    _status?: Element | undefined;
    period: Period;
  }
  export interface EncounterClassHistory extends BackboneElement {
    class: Coding;
    period: Period;
  }
  export interface EncounterParticipant extends BackboneElement {
    type?: CodeableConcept[] | undefined;
    period?: Period | undefined;
    individual?: Reference | undefined;
  }
  export interface EncounterDiagnosis extends BackboneElement {
    condition: Reference;
    use?: CodeableConcept | undefined;
    rank?: number | undefined;
    _rank?: Element | undefined;
  }
  export interface EncounterHospitalization extends BackboneElement {
    preAdmissionIdentifier?: Identifier | undefined;
    origin?: Reference | undefined;
    admitSource?: CodeableConcept | undefined;
    reAdmission?: CodeableConcept | undefined;
    dietPreference?: CodeableConcept[] | undefined;
    specialCourtesy?: CodeableConcept[] | undefined;
    specialArrangement?: CodeableConcept[] | undefined;
    destination?: Reference | undefined;
    dischargeDisposition?: CodeableConcept | undefined;
  }
  export interface EncounterLocation extends BackboneElement {
    location: Reference;
    status?: ('planned'|'active'|'reserved'|'completed') | undefined;
    _status?: Element | undefined;
    physicalType?: CodeableConcept | undefined;
    period?: Period | undefined;
  }
  export interface BackboneElement extends Element {
    modifierExtension?: Extension[] | undefined;
  }
  export interface ContactPoint extends Element {
    system?: ('phone'|'fax'|'email'|'pager'|'url'|'sms'|'other') | undefined;
    _system?: Element | undefined;
    value?: string | undefined;
    _value?: Element | undefined;
    use?: ('home'|'work'|'temp'|'old'|'mobile') | undefined;
    _use?: Element | undefined;
    rank?: number | undefined;
    _rank?: Element | undefined;
    period?: Period | undefined;
  }
  export interface Meta extends Element {
    versionId?: string | undefined;
    _versionId?: Element | undefined;
    lastUpdated?: string | undefined;
    _lastUpdated?: Element | undefined;
    source?: string | undefined;
    _source?: Element | undefined;
    profile?: string[] | undefined;
    _profile?: Element[] | undefined;
    security?: Coding[] | undefined;
    tag?: Coding[] | undefined;
  }
  export interface Coding extends Element {
    system?: string | undefined;
    _system?: Element | undefined;
    version?: string | undefined;
    _version?: Element | undefined;
    code?: string | undefined;
    _code?: Element | undefined;
    display?: string | undefined;
    _display?: Element | undefined;
    userSelected?: boolean | undefined;
    _userSelected?: Element | undefined;
  }
  export interface RelatedPerson extends DomainResource {
    readonly resourceType: 'RelatedPerson';
    identifier?: Identifier[] | undefined;
    active?: boolean | undefined;
    _active?: Element | undefined;
    patient: Reference;
    relationship?: CodeableConcept[] | undefined;
    name?: HumanName[] | undefined;
    telecom?: ContactPoint[] | undefined;
    gender?: ('male'|'female'|'other'|'unknown') | undefined;
    _gender?: Element | undefined;
    birthDate?: string | undefined;
    _birthDate?: Element | undefined;
    address?: Address[] | undefined;
    photo?: Attachment[] | undefined;
    period?: Period | undefined;
    communication?: RelatedPersonCommunication[] | undefined;
  }
  export interface RelatedPersonCommunication extends BackboneElement {
    language: CodeableConcept;
    preferred?: boolean | undefined;
    _preferred?: Element | undefined;
  }
  export interface Patient extends DomainResource {
    readonly resourceType: 'Patient';
    identifier?: Identifier[] | undefined;
    active?: boolean | undefined;
    _active?: Element | undefined;
    name?: HumanName[] | undefined;
    telecom?: ContactPoint[] | undefined;
    gender?: ('male'|'female'|'other'|'unknown') | undefined;
    _gender?: Element | undefined;
    birthDate?: string | undefined;
    _birthDate?: Element | undefined;
    deceasedBoolean?: boolean | undefined;
    _deceasedBoolean?: Element | undefined;
    deceasedDateTime?: string | undefined;
    _deceasedDateTime?: Element | undefined;
    address?: Address[] | undefined;
    maritalStatus?: CodeableConcept | undefined;
    multipleBirthBoolean?: boolean | undefined;
    _multipleBirthBoolean?: Element | undefined;
    multipleBirthInteger?: number | undefined;
    _multipleBirthInteger?: Element | undefined;
    photo?: Attachment[] | undefined;
    contact?: PatientContact[] | undefined;
    communication?: PatientCommunication[] | undefined;
    generalPractitioner?: Reference[] | undefined;
    managingOrganization?: Reference | undefined;
    link?: PatientLink[] | undefined;
  }
  export interface PatientContact extends BackboneElement {
    relationship?: CodeableConcept[] | undefined;
    name?: HumanName | undefined;
    telecom?: ContactPoint[] | undefined;
    address?: Address | undefined;
    gender?: ('male'|'female'|'other'|'unknown') | undefined;
    _gender?: Element | undefined;
    organization?: Reference | undefined;
    period?: Period | undefined;
  }
  export interface PatientCommunication extends BackboneElement {
    language: CodeableConcept;
    preferred?: boolean | undefined;
    _preferred?: Element | undefined;
  }
  export interface PatientLink extends BackboneElement {
    other: Reference;
    type: ('replaced-by'|'replaces'|'refer'|'seealso');
    _type?: Element | undefined;
  }
  export interface DiagnosticReport extends DomainResource {
    readonly resourceType: 'DiagnosticReport';
    identifier?: Identifier[] | undefined;
    basedOn?: Reference[] | undefined;
    status: ('registered'|'partial'|'preliminary'|'final'|'amended'|'corrected'|'appended'|'cancelled'|'entered-in-error'|'unknown');
    _status?: Element | undefined;
    category?: CodeableConcept[] | undefined;
    code: CodeableConcept;
    subject?: Reference | undefined;
    encounter?: Reference | undefined;
    effectiveDateTime?: string | undefined;
    _effectiveDateTime?: Element | undefined;
    effectivePeriod?: Period | undefined;
    issued?: string | undefined;
    _issued?: Element | undefined;
    performer?: Reference[] | undefined;
    resultsInterpreter?: Reference[] | undefined;
    specimen?: Reference[] | undefined;
    result?: Reference[] | undefined;
    imagingStudy?: Reference[] | undefined;
    media?: DiagnosticReportMedia[] | undefined;
    conclusion?: string | undefined;
    _conclusion?: Element | undefined;
    conclusionCode?: CodeableConcept[] | undefined;
    presentedForm?: Attachment[] | undefined;
  }
  export interface DiagnosticReportMedia extends BackboneElement {
    comment?: string | undefined;
    _comment?: Element | undefined;
    link: Reference;
  }
  export interface Element {
    id?: string | undefined;
    _id?: Element | undefined;
    extension?: Extension[] | undefined;
  }
  export interface Period extends Element {
    start?: string | undefined;
    _start?: Element | undefined;
    end?: string | undefined;
    _end?: Element | undefined;
  }
  export interface Signature extends Element {
    type: Coding[];
    when: string;
    _when?: Element | undefined;
    who: Reference;
    onBehalfOf?: Reference | undefined;
    targetFormat?: string | undefined;
    _targetFormat?: Element | undefined;
    sigFormat?: string | undefined;
    _sigFormat?: Element | undefined;
    data?: string | undefined;
    _data?: Element | undefined;
  }
  export interface Duration extends Quantity {
  }
  export interface Identifier extends Element {
    use?: ('usual'|'official'|'temp'|'secondary'|'old') | undefined;
    _use?: Element | undefined;
    type?: CodeableConcept | undefined;
    system?: string | undefined;
    _system?: Element | undefined;
    value?: string | undefined;
    _value?: Element | undefined;
    period?: Period | undefined;
    assigner?: Reference | undefined;
  }
  export interface HumanName extends Element {
    use?: ('usual'|'official'|'temp'|'nickname'|'anonymous'|'old'|'maiden') | undefined;
    _use?: Element | undefined;
    text?: string | undefined;
    _text?: Element | undefined;
    family?: string | undefined;
    _family?: Element | undefined;
    given?: string[] | undefined;
    _given?: Element[] | undefined;
    prefix?: string[] | undefined;
    _prefix?: Element[] | undefined;
    suffix?: string[] | undefined;
    _suffix?: Element[] | undefined;
    period?: Period | undefined;
  }
  export interface Bundle<T extends Resource = Resource> extends Resource {
    readonly resourceType: 'Bundle';
    identifier?: Identifier | undefined;
    type: ('document'|'message'|'transaction'|'transaction-response'|'batch'|'batch-response'|'history'|'searchset'|'collection');
    _type?: Element | undefined;
    timestamp?: string | undefined;
    _timestamp?: Element | undefined;
    total?: number | undefined;
    _total?: Element | undefined;
    link?: BundleLink[] | undefined;
    entry?: BundleEntry<T>[] | undefined;
    signature?: Signature | undefined;
  }
  export interface BundleLink extends BackboneElement {
    relation: string;
    _relation?: Element | undefined;
    url: string;
    _url?: Element | undefined;
  }
  export interface BundleEntrySearch extends BackboneElement {
    mode?: ('match'|'include'|'outcome') | undefined;
    _mode?: Element | undefined;
    score?: number | undefined;
    _score?: Element | undefined;
  }
  export interface BundleEntryRequest extends BackboneElement {
    method: ('GET'|'HEAD'|'POST'|'PUT'|'DELETE'|'PATCH');
    _method?: Element | undefined;
    url: string;
    _url?: Element | undefined;
    ifNoneMatch?: string | undefined;
    _ifNoneMatch?: Element | undefined;
    ifModifiedSince?: string | undefined;
    _ifModifiedSince?: Element | undefined;
    ifMatch?: string | undefined;
    _ifMatch?: Element | undefined;
    ifNoneExist?: string | undefined;
    _ifNoneExist?: Element | undefined;
  }
  export interface BundleEntryResponse extends BackboneElement {
    status: string;
    _status?: Element | undefined;
    location?: string | undefined;
    _location?: Element | undefined;
    etag?: string | undefined;
    _etag?: Element | undefined;
    lastModified?: string | undefined;
    _lastModified?: Element | undefined;
    outcome?: Resource | undefined;
  }
  export interface BundleEntry<T extends Resource = Resource> extends BackboneElement {
    link?: BundleLink[] | undefined;
    fullUrl?: string | undefined;
    _fullUrl?: Element | undefined;
    resource?: T | undefined;
    search?: BundleEntrySearch | undefined;
    request?: BundleEntryRequest | undefined;
    response?: BundleEntryResponse | undefined;
  }
  export interface Reference extends Element {
    reference?: string | undefined;
    _reference?: Element | undefined;
    type?: string | undefined;
    _type?: Element | undefined;
    identifier?: Identifier | undefined;
    display?: string | undefined;
    _display?: Element | undefined;
  }
  export interface DomainResource extends Resource {
    text?: Narrative | undefined;
    contained?: Resource[] | undefined;
    extension?: Extension[] | undefined;
    modifierExtension?: Extension[] | undefined;
  }
  export interface Narrative extends Element {
    status: ('generated'|'extensions'|'additional'|'empty');
    _status?: Element | undefined;
    div: string;
    _div?: Element | undefined;
  }
  export interface CodeableConcept extends Element {
    coding?: Coding[] | undefined;
    text?: string | undefined;
    _text?: Element | undefined;
  }
  export interface Practitioner extends DomainResource {
    readonly resourceType: 'Practitioner';
    identifier?: Identifier[] | undefined;
    active?: boolean | undefined;
    _active?: Element | undefined;
    name?: HumanName[] | undefined;
    telecom?: ContactPoint[] | undefined;
    address?: Address[] | undefined;
    gender?: ('male'|'female'|'other'|'unknown') | undefined;
    _gender?: Element | undefined;
    birthDate?: string | undefined;
    _birthDate?: Element | undefined;
    photo?: Attachment[] | undefined;
    qualification?: PractitionerQualification[] | undefined;
    communication?: CodeableConcept[] | undefined;
  }
  export interface PractitionerQualification extends BackboneElement {
    identifier?: Identifier[] | undefined;
    code: CodeableConcept;
    period?: Period | undefined;
    issuer?: Reference | undefined;
  }
  export interface Quantity extends Element {
    value?: number | undefined;
    _value?: Element | undefined;
    comparator?: ('<'|'<='|'>='|'>') | undefined;
    _comparator?: Element | undefined;
    unit?: string | undefined;
    _unit?: Element | undefined;
    system?: string | undefined;
    _system?: Element | undefined;
    code?: string | undefined;
    _code?: Element | undefined;
  }
  export interface OperationOutcome extends DomainResource {
    readonly resourceType: 'OperationOutcome';
    issue: OperationOutcomeIssue[];
  }
  export interface OperationOutcomeIssue extends BackboneElement {
    severity: ('fatal'|'error'|'warning'|'information');
    _severity?: Element | undefined;
    code: ('invalid'|'structure'|'required'|'value'|'invariant'|'security'|'login'|'unknown'|'expired'|'forbidden'|'suppressed'|'processing'|'not-supported'|'duplicate'|'multiple-matches'|'not-found'|'deleted'|'too-long'|'code-invalid'|'extension'|'too-costly'|'business-rule'|'conflict'|'transient'|'lock-error'|'no-store'|'exception'|'timeout'|'incomplete'|'throttled'|'informational');
    _code?: Element | undefined;
    details?: CodeableConcept | undefined;
    diagnostics?: string | undefined;
    _diagnostics?: Element | undefined;
    location?: string[] | undefined;
    _location?: Element[] | undefined;
    expression?: string[] | undefined;
    _expression?: Element[] | undefined;
  }
  export interface Address extends Element {
    use?: ('home'|'work'|'temp'|'old'|'billing') | undefined;
    _use?: Element | undefined;
    type?: ('postal'|'physical'|'both') | undefined;
    _type?: Element | undefined;
    text?: string | undefined;
    _text?: Element | undefined;
    line?: string[] | undefined;
    _line?: Element[] | undefined;
    city?: string | undefined;
    _city?: Element | undefined;
    district?: string | undefined;
    _district?: Element | undefined;
    state?: string | undefined;
    _state?: Element | undefined;
    postalCode?: string | undefined;
    _postalCode?: Element | undefined;
    country?: string | undefined;
    _country?: Element | undefined;
    period?: Period | undefined;
  }
  export type FhirResource = Bundle | DiagnosticReport | Encounter | OperationOutcome | Patient | Practitioner | RelatedPerson;
}

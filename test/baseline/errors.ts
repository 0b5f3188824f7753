/**
 * Every error this package throws is an {@link EdgeStsError} with a stable `code`.
 * Messages name the parameter and the rule; they never contain a secret (secret keys,
 * session tokens, signatures, signing keys, MFA codes) nor any other input value.
 */
export class EdgeStsError extends Error {
  /** Stable, machine-readable code. */
  declare readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** One broken rule of one input parameter. */
export interface ValidationIssue {
  /** Parameter path in AWS wire names, e.g. `RoleSessionName`, `Tags[2].Key`, `credentials.secretAccessKey`. */
  param: string
  /** Rule id, e.g. `required`, `type`, `length`, `pattern`, `range`, `count`, `unique`, `requires`. */
  rule: string
  /** Human-readable sentence: what is wrong and what to do. Never echoes the value. */
  message: string
}

/**
 * Bad input, found before anything was sent. Lists every broken rule at once.
 * `code` is always `ValidationError`.
 */
export class StsValidationError extends EdgeStsError {
  /** Every broken rule. */
  declare readonly issues: ValidationIssue[]
  constructor(issues: ValidationIssue[]) {
    super('ValidationError', issues.map((i) => i.message).join('; '))
    this.issues = issues
  }
}

/** Throws a {@link StsValidationError} for one parameter. */
export const invalid = (param: string, rule: string, message: string): never => {
  throw new StsValidationError([{ param, rule, message: `${param}: ${message}` }])
}

/** What {@link StsError} carries besides its code and message. */
export interface StsErrorDetails {
  /** `Sender` or `Receiver` as STS reports it. */
  type?: string
  /** STS `RequestId` (from the XML body or the `x-amzn-requestid` header). */
  requestId?: string
  /** HTTP status, when a response was received. */
  status?: number
  /** Whether sending the same request again may succeed. Defaults to {@link isRetryable}. */
  retryable?: boolean
  cause?: unknown
}

/**
 * A fault of the service or of the way to it. `code` is the STS error code as sent
 * (`AccessDenied`, `Throttling`, `ExpiredToken`, `RegionDisabledException`, ... unknown codes pass
 * through) or one of this package's own: `NetworkError`, `TimeoutError`, `AbortError`,
 * `InvalidResponse` (empty, truncated, non-XML or wrong-operation body), `ResponseTooLarge`.
 */
export class StsError extends EdgeStsError {
  /** `Sender` or `Receiver` as STS reports it. */
  declare readonly type?: string
  /** STS `RequestId` (from the XML body or the `x-amzn-requestid` header). */
  declare readonly requestId?: string
  /** HTTP status, when a response was received. */
  declare readonly status?: number
  /** Whether sending the same request again may succeed. */
  declare readonly retryable: boolean
  constructor(code: string, message: string, d: StsErrorDetails = {}) {
    super(code, message, d)
    Object.assign(this, {
      type: d.type,
      requestId: d.requestId,
      status: d.status,
      retryable: d.retryable ?? isRetryable(code, d.status),
    })
  }
}

/**
 * Whether an error with this STS code and HTTP status is worth retrying: throttling, IdP and
 * network faults, timeouts, HTTP 408, 429, 500, 502, 503, 504. Auth and validation errors never are.
 */
export const isRetryable = (code: string, status?: number): boolean =>
  /^(Throttling(Exception)?|RequestLimitExceeded|TooManyRequestsException|IDPCommunicationError|NetworkError|TimeoutError|RequestTimeout(Exception)?)$/.test(
    code,
  ) || /^(408|429|50[0234])$/.test(String(status))

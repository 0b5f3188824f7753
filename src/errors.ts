/**
 * Every error this package throws is an {@link EdgeStsError} with a stable `code`.
 * Messages name the parameter and the rule; they never contain a secret (secret keys,
 * session tokens, signatures, signing keys, MFA codes) nor any other input value.
 */
export class EdgeStsError extends Error {
  /** Stable, machine-readable code. */
  readonly code: string
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
  readonly issues: ValidationIssue[]
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
  readonly type?: string
  readonly requestId?: string
  readonly status?: number
  readonly retryable: boolean
  constructor(code: string, message: string, d: StsErrorDetails = {}) {
    super(code, message, d.cause === undefined ? undefined : { cause: d.cause })
    this.type = d.type
    this.requestId = d.requestId
    this.status = d.status
    this.retryable = d.retryable ?? isRetryable(code, d.status)
  }
}

// Throttling codes and transient statuses as the AWS SDKs classify them; auth and validation
// errors are never retried.
const RETRY_CODES = /^(Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|IDPCommunicationError|NetworkError|TimeoutError|RequestTimeout|RequestTimeoutException)$/

/** Whether an error with this STS code and HTTP status is worth retrying. */
export const isRetryable = (code: string, status?: number): boolean =>
  RETRY_CODES.test(code) || status === 408 || status === 429 || (status !== undefined && status >= 500 && status !== 501 && status <= 504)

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
    // A string, not new.target.name: minifiers rename classes. Subclasses set their own.
    this.name = 'EdgeStsError'
    this.code = code
  }
}

/** One broken rule of one input parameter. */
export interface ValidationIssue {
  /**
   * Parameter path in AWS wire names, e.g. `RoleSessionName`, `Tags[2].Key`,
   * `credentials.secretAccessKey`.
   */
  param: string
  /**
   * Rule id, e.g. `required`, `type`, `length`, `pattern`, `range`, `count`, `unique`, `requires`,
   * `unknown`.
   */
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
    super('ValidationError', issues.map((issue) => issue.message).join('; '))
    this.name = 'StsValidationError'
    this.issues = issues
  }
}

/**
 * Throws a {@link StsValidationError} for one parameter. Typed `never`, and written
 * `throw invalid(…)` where it is called, so that the throw reads where it happens.
 */
export const invalid = (param: string, rule: string, message: string): never => {
  throw new StsValidationError([{ param, rule, message: `${param}: ${message}` }])
}

/** What {@link StsError} carries besides its code and message. */
export interface StsErrorDetails {
  /** `Sender` or `Receiver` as STS reports it. */
  type?: string | undefined
  /** STS `RequestId` (from the XML body or the `x-amzn-requestid` header). */
  requestId?: string | undefined
  /** HTTP status, when a response was received. */
  status?: number | undefined
  /** Whether sending the same request again may succeed. Defaults to {@link isRetryable}. */
  retryable?: boolean | undefined
  cause?: unknown
}

/**
 * The codes an {@link StsError} may carry: this package's own, then those the STS API reference and
 * the AWS SDK v3 list. Any other string STS sends passes through (`string & {}` keeps the literals
 * for completion and catches a misspelt comparison such as `e.code === 'AccesDenied'`).
 */
export type StsErrorCode =
  | 'NetworkError'
  | 'TimeoutError'
  | 'AbortError'
  | 'InvalidResponse'
  | 'ResponseTooLarge'
  | 'AccessDenied'
  | 'AccessDeniedException'
  | 'ExpiredToken'
  | 'ExpiredTokenException'
  | 'ExpiredTradeInTokenException'
  | 'IDPCommunicationError'
  | 'IDPRejectedClaim'
  | 'IncompleteSignature'
  | 'InsufficientSessionLifetime'
  | 'InternalFailure'
  | 'InvalidAction'
  | 'InvalidAuthorizationMessageException'
  | 'InvalidClientTokenId'
  | 'InvalidContextAssertion'
  | 'InvalidIdentityToken'
  | 'InvalidParameterCombination'
  | 'InvalidParameterValue'
  | 'InvalidSubjectCredentials'
  | 'JWTPayloadSizeExceededException'
  | 'MalformedPolicyDocument'
  | 'MissingAction'
  | 'MissingAuthenticationToken'
  | 'MissingParameter'
  | 'NotAuthorized'
  | 'OptInRequired'
  | 'OutboundWebIdentityFederationDisabledException'
  | 'PackedPolicyTooLarge'
  | 'RegionDisabledException'
  | 'RequestExpired'
  | 'RequestTimeTooSkewed'
  | 'ServiceUnavailable'
  | 'SessionDurationEscalationException'
  | 'SignatureDoesNotMatch'
  | 'Throttling'
  | 'ThrottlingException'
  | 'ValidationError'
  | (string & {})

/**
 * A fault of the service or of the way to it. `code` is the STS error code as sent
 * (`AccessDenied`, `Throttling`, `ExpiredToken`, `RegionDisabledException`, ... unknown codes pass
 * through) or one of this package's own: `NetworkError`, `TimeoutError`, `AbortError`,
 * `InvalidResponse` (empty, truncated, non-XML or wrong-operation body), `ResponseTooLarge`.
 */
export class StsError extends EdgeStsError {
  /** The STS error code as sent, or one of this package's own (see {@link StsErrorCode}). */
  declare readonly code: StsErrorCode
  /** `Sender` or `Receiver` as STS reports it. */
  declare readonly type?: string
  /** STS `RequestId` (from the XML body or the `x-amzn-requestid` header). */
  declare readonly requestId?: string
  /** HTTP status, when a response was received. */
  declare readonly status?: number
  /** Whether sending the same request again may succeed. */
  declare readonly retryable: boolean
  constructor(code: StsErrorCode, message: string, details: StsErrorDetails = {}) {
    super(code, message, details)
    this.name = 'StsError'
    Object.assign(this, {
      type: details.type,
      requestId: details.requestId,
      status: details.status,
      retryable: details.retryable ?? isRetryable(code, details.status),
    })
  }
}

/**
 * Whether an error with this STS code and HTTP status is worth retrying: throttling, IdP and
 * network faults, timeouts, HTTP 408, 429, 500, 502, 503, 504. Auth and validation errors never
 * are.
 */
export const isRetryable = (code: string, status?: number): boolean => {
  const retryableCodes = new RegExp(
    '^(Throttling(Exception)?|RequestLimitExceeded|TooManyRequestsException|' +
      'IDPCommunicationError|NetworkError|TimeoutError|RequestTimeout(Exception)?)$',
  )
  return retryableCodes.test(code) || /^(408|429|50[0234])$/.test(String(status))
}

/** An STS error response the local STS answers with: HTTP status, `Code`, `Message`, `Type`. */
export class StsFault extends Error {
  readonly status: number
  readonly code: string
  readonly type: 'Sender' | 'Receiver'
  constructor(
    status: number,
    code: string,
    message: string,
    type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message)
    this.name = 'StsFault'
    this.status = status
    this.code = code
    this.type = type
  }
}

export type KeyMode = 'test' | 'live'

/** Who is calling: the merchant and the key it authenticated with. */
export interface AuthContext {
  merchantId: string
  merchantKey: string
  keyId: string
  mode: KeyMode
  livemode: boolean
  requireSignature: boolean
  signingSecret: string
  rateLimit: number
  /** Requests per hour on the CryptoPay API (merchant plan). */
  hourlyLimit: number
}

export interface AppVariables {
  requestId: string
  /** Set by `authenticateMerchant` (or BitPay token auth) when the request carries a valid credential. */
  auth: AuthContext | undefined
  /** The BitPay token behind the request, when it came through the BitPay dialect. */
  bitpay: { facade: 'merchant' | 'pos' | 'payout'; sin: string | null; token: string } | undefined
  /** Headers that an error response must carry too (rate-limit headers). */
  responseHeaders: Record<string, string>
}

export interface AppEnv {
  Bindings: Env
  Variables: AppVariables
}

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
  /**
   * The merchant credential `authenticateMerchant` found on the request, if any. Handlers never read
   * it: their surface's guard refuses a request without one and sets `auth` (`AuthedEnv`).
   */
  credential: AuthContext | undefined
  /** Headers that an error response must carry too (rate-limit headers). */
  responseHeaders: Record<string, string>
}

export interface AppEnv {
  Bindings: Env
  Variables: AppVariables
}

/** The BitPay token a request came with and the SIN that signed it (null for an unsigned pos token). */
export interface BitPayToken {
  facade: 'merchant' | 'pos' | 'payout'
  sin: string | null
  token: string
}

/** The environment of a route behind a merchant guard (`merchantGuard`): `c.get('auth')` is set. */
export interface AuthedEnv {
  Bindings: Env
  Variables: AppVariables & { auth: AuthContext }
}

/** The environment of a route behind BitPay token auth (`bitpayAuth`): the merchant and the token are set. */
export interface BitPayEnv {
  Bindings: Env
  Variables: AppVariables & { auth: AuthContext; bitpay: BitPayToken }
}

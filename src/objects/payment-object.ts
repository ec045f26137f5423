import { DurableObject } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { LIMITS } from '../config'
import { getDb, type PaymentRow } from '../db/client'
import { events, merchants, observations, payments } from '../db/schema'
import { claimStatements, type XpubClaim } from '../db/deposit-claims'
import { insertLedgerEntries } from '../db/ledger'
import { completionEntries } from '../domain/ledger'
import {
  transition,
  type EventType,
  type PaymentInput,
  type PaymentState,
  type PaymentStatus,
  type PaymentException,
} from '../domain/payment-status'
import { SANDBOX_SETTLE_SECONDS, stepRetryDelayMs, type SandboxOutcome, type StepError } from '../domain/sandbox'
import { ApiError, codeToStatus, type ErrorCode } from '../errors'
import { isClaimConflict } from '../db/constraints'
import { randomHex } from '../auth/crypto'
import { dispatchedAtOnInsert } from '../webhooks/fanout'
import type { WebhookMessage } from '../webhooks/messages'
import { wakeChainWatcher } from './chain-watcher'
import { linkObject } from './link-object'
import { log } from '../log'

/** RPC results cross the object boundary as values; the caller turns failures into ApiErrors. */
export type PaymentResult =
  | { ok: true; payment: PaymentRow }
  | { ok: false; code: ErrorCode; message: string; field?: string }

/** `create` wrote nothing: the deposit address's claim lost to another wallet's. */
export interface AddressTaken {
  ok: false
  addressTaken: true
}

export interface SimulatedFunds {
  /** Total received in base units. */
  received: string
  /** Whether the funds reached the required depth. */
  confirmed: boolean
}

/** The payment columns fixed when the buyer (or the merchant) picks a chain and token. */
export type PaymentOption = Pick<
  PaymentRow,
  | 'chainId'
  | 'token'
  | 'tokenAddress'
  | 'tokenDecimals'
  | 'payAmount'
  | 'depositAddress'
  | 'walletId'
  | 'derivationIndex'
  | 'rateSource'
  | 'rate'
  | 'requiredConfirmations'
  | 'baselineBalance'
>

/**
 * What the object needs of the pricing and allocation services (services/payment-option
 * `paymentOptionsFor`, wired in src/index.ts, so the object imports no service).
 */
export interface PaymentOptions {
  /** Prices the payment in the token and takes a fresh deposit address of the merchant's wallet on the chain. */
  choose(payment: PaymentRow, chainId: number, token: string): Promise<PaymentOption>
  /** The chain and token a sandbox payment settles in when nobody picked one. */
  fallback(payment: PaymentRow): Promise<{ chainId: number; token: string }>
}

/**
 * One per payment (`idFromName(paymentId)`) and the only writer of its state. Every change runs
 * serialized, writes the payment row and its outbox event in one D1 batch, then enqueues delivery.
 */
export abstract class PaymentObject extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve()
  private payment: PaymentRow | undefined

  /** The pricing and allocation services (see `PaymentOptions`). */
  protected abstract options(): PaymentOptions

  /**
   * Stores a new payment, emits payment.created and arms the expiry (and sandbox) alarm. `claim`, the
   * deposit address's claim (services/wallets takeDepositAddress), is written in the same batch
   * (db/deposit-claims claimStatements): if it cannot stand nothing is written and the caller takes
   * another address.
   */
  async create(
    row: PaymentRow,
    sandbox: SandboxOutcome | null,
    claim: XpubClaim | null = null,
  ): Promise<PaymentResult | AddressTaken> {
    return this.serialized(async (): Promise<PaymentResult | AddressTaken> => {
      if (await this.ctx.storage.get('paymentId')) return { ok: true, payment: await this.load() }
      const db = getDb(this.env.DB)
      const event = this.eventRow(row, 'payment.created')
      const insertPayment = db.insert(payments).values(row)
      const insertEvent = this.insertEvent(db, row, event)
      let queued: boolean
      try {
        const written = claim
          ? await db.batch([...claimStatements(db, claim), insertPayment, insertEvent])
          : await db.batch([insertPayment, insertEvent])
        queued = needsFanOut(written[written.length - 1])
      } catch (err) {
        if (claim && isClaimConflict(err)) return { ok: false, addressTaken: true }
        throw err
      }
      this.payment = row
      const sandboxAt = sandbox ? Date.now() + SANDBOX_SETTLE_SECONDS * 1000 : undefined
      // One storage transaction (no await between them): the id, the sandbox step and the alarm, the
      // sooner of its expiry and the sandbox step (a new payment has no expiry retry yet).
      await Promise.all([
        this.ctx.storage.put({ paymentId: row.id, ...(sandbox ? { sandboxOutcome: sandbox, sandboxAt } : {}) }),
        this.ctx.storage.setAlarm(Math.min(Date.parse(row.expiresAt), sandboxAt ?? Infinity)),
      ])
      // The outbox row is committed; the send need not hold the response (the outbox sweep covers a lost one).
      if (queued) this.ctx.waitUntil(this.enqueue(event.id))
      if (row.livemode && row.chainId !== null) wakeChainWatcher(this.env, row.chainId)
      return { ok: true, payment: row }
    })
  }

  /** Fixes the chain and token (buyer's choice on the hosted page, or the sandbox default). */
  async select(chainId: number, token: string): Promise<PaymentResult> {
    return this.serialized(() => this.selectOption(chainId, token))
  }

  async cancel(): Promise<PaymentResult> {
    return this.serialized(() => this.apply({ type: 'cancel' }))
  }

  /** Applies the chain's view of the funds (totals) through the state machine. */
  async observeFunds(received: string, confirmed: string, confirmations: number): Promise<PaymentResult> {
    return this.serialized(() =>
      this.apply({
        type: 'funds',
        received: BigInt(received),
        confirmed: BigInt(confirmed),
        confirmations,
        at: new Date().toISOString(),
      }),
    )
  }

  /**
   * The scanner recorded money this payment was not expecting (a wrong asset, or after the
   * late-payment window) under these transfer keys (`txHash:logIndex`): emits
   * payment.unexpected_funds once per new transfer. The status and amounts do not change.
   */
  async noteUnexpectedFunds(transferKeys: string[]): Promise<PaymentResult> {
    return this.serialized(async () => {
      const payment = await this.load()
      const announced = new Set((await this.ctx.storage.get<string[]>('unexpectedTransfers')) ?? [])
      const fresh = transferKeys.filter((k) => !announced.has(k))
      if (fresh.length === 0) return { ok: true, payment }
      const result = await this.commit(payment, payment, 'payment.unexpected_funds')
      await this.ctx.storage.put('unexpectedTransfers', [...announced, ...fresh])
      return result
    })
  }

  /** Sandbox only: records a simulated transfer and applies it like a real one. */
  async simulate(funds: SimulatedFunds): Promise<PaymentResult> {
    return this.serialized(() => this.simulateFunds(funds))
  }

  override async alarm(): Promise<void> {
    await this.serialized(async () => {
      const now = Date.now()
      const sandboxAt = await this.ctx.storage.get<number>('sandboxAt')
      const outcome = await this.ctx.storage.get<SandboxOutcome>('sandboxOutcome')
      if (sandboxAt !== undefined && outcome && sandboxAt <= now) {
        const retryAt = await this.runStep('sandbox_settlement', () => this.settleSandbox(outcome))
        if (retryAt === null) await this.ctx.storage.delete(['sandboxAt', 'sandboxOutcome'])
        else await this.ctx.storage.put('sandboxAt', retryAt)
      }
      const payment = await this.load()
      const expiryRetryAt = await this.ctx.storage.get<number>('expiryRetryAt')
      if (Date.parse(payment.expiresAt) <= now && (expiryRetryAt === undefined || expiryRetryAt <= now)) {
        const retryAt = await this.runStep('expiry', () =>
          this.apply({ type: 'expire', at: new Date(now).toISOString() }),
        )
        if (retryAt === null) await this.ctx.storage.delete('expiryRetryAt')
        else await this.ctx.storage.put('expiryRetryAt', retryAt)
      }
      await this.armAlarm()
    })
  }

  /**
   * Runs one alarm-driven step. A passing failure (5xx, or a thrown error) is tried again a few
   * times with growing delays; a permanent one, or the last try, is shown on the payment
   * (`last_error` and a payment.error event) and not retried. Returns when to run it again, or null.
   */
  private async runStep(step: StepError['step'], run: () => Promise<PaymentResult>): Promise<number | null> {
    const key = `attempts:${step}`
    let failure: { code: ErrorCode; message: string; permanent: boolean } | null = null
    try {
      const result = await run()
      // INVALID_STATE_TRANSITION: the payment moved on (cancelled, paid) before the step ran.
      if (!result.ok && result.code !== 'INVALID_STATE_TRANSITION')
        failure = { code: result.code, message: result.message, permanent: codeToStatus(result.code) < 500 }
    } catch (err) {
      failure =
        err instanceof ApiError
          ? { code: err.code, message: err.message, permanent: err.status < 500 }
          : { code: 'INTERNAL_ERROR', message: 'An internal error stopped this step', permanent: false }
      if (!(err instanceof ApiError))
        log.error('payment step threw', { step, paymentId: this.payment?.id, error: String(err) })
    }
    if (!failure) {
      await this.ctx.storage.delete(key)
      return null
    }
    const attempts = ((await this.ctx.storage.get<number>(key)) ?? 0) + 1
    const delay = stepRetryDelayMs(attempts, failure.permanent)
    log.error('payment step failed', {
      step,
      paymentId: this.payment?.id,
      code: failure.code,
      attempts,
      retryInMs: delay,
    })
    if (delay !== null) {
      await this.ctx.storage.put(key, attempts)
      return Date.now() + delay
    }
    await this.ctx.storage.delete(key)
    const message = failure.permanent ? failure.message : `${failure.message} (gave up after ${attempts} attempts)`
    try {
      await this.recordError({ code: failure.code, message, step, at: new Date().toISOString() })
    } catch (err) {
      log.error('could not record the step error', { step, paymentId: this.payment?.id, error: String(err) })
    }
    return null
  }

  /** Shows why a step could not complete: the payment's last_error, and a payment.error event. */
  private async recordError(error: StepError): Promise<void> {
    const payment = await this.load()
    await this.commit(payment, { ...payment, lastError: JSON.stringify(error) }, 'payment.error')
  }

  private async settleSandbox(outcome: SandboxOutcome): Promise<PaymentResult> {
    if (outcome === 'fail') return this.apply({ type: 'fail' })
    let payment = await this.load()
    if (payment.payAmount === null) {
      const option = await this.options().fallback(payment)
      const selected = await this.selectOption(option.chainId, option.token)
      if (!selected.ok) return selected
      payment = selected.payment
    }
    if (payment.payAmount === null)
      return {
        ok: false,
        code: 'INVALID_STATE_TRANSITION',
        message: 'The payment has no amount to pay yet',
        field: 'chain_id',
      }
    return this.simulateFunds({ received: payment.payAmount, confirmed: outcome === 'complete' })
  }

  private async simulateFunds(funds: SimulatedFunds): Promise<PaymentResult> {
    const payment = await this.load()
    if (payment.livemode) return { ok: false, code: 'FORBIDDEN', message: 'Only test-mode payments can be simulated' }
    if (
      payment.payAmount === null ||
      payment.depositAddress === null ||
      payment.chainId === null ||
      payment.token === null
    ) {
      return {
        ok: false,
        code: 'INVALID_STATE_TRANSITION',
        message: 'Choose a chain and token before simulating funds',
        field: 'chain_id',
      }
    }
    const received = BigInt(funds.received)
    const already = BigInt(payment.amountReceived)
    const depth = payment.requiredConfirmations ?? 0
    if (received > already) {
      // Record the difference as one simulated transfer, so wallet history matches the payment.
      await getDb(this.env.DB)
        .insert(observations)
        .values({
          id: `obs_${randomHex(12)}`,
          merchantId: payment.merchantId,
          walletId: payment.walletId,
          paymentId: payment.id,
          livemode: false,
          chainId: payment.chainId,
          txHash: `0x${randomHex(32)}`,
          logIndex: 0,
          toAddress: payment.depositAddress,
          token: payment.token,
          amount: (received - already).toString(),
          confirmations: funds.confirmed ? depth : 0,
        })
    }
    return this.apply({
      type: 'funds',
      received,
      confirmed: funds.confirmed ? received : 0n,
      confirmations: funds.confirmed ? depth : 0,
      at: new Date().toISOString(),
    })
  }

  private async selectOption(chainId: number, token: string): Promise<PaymentResult> {
    const payment = await this.load()
    if (payment.status !== 'pending' || BigInt(payment.amountReceived) > 0n) {
      return {
        ok: false,
        code: 'INVALID_STATE_TRANSITION',
        message: `Cannot change the currency of a ${payment.status} payment`,
      }
    }
    if (payment.chainId === chainId && payment.token === token.toUpperCase()) return { ok: true, payment }
    try {
      const option = await this.options().choose(payment, chainId, token)
      const result = await this.commit(payment, { ...payment, ...option }, 'payment.updated')
      if (result.ok && payment.livemode) wakeChainWatcher(this.env, chainId)
      return result
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, code: err.code, message: err.message, field: err.field }
      throw err
    }
  }

  private async apply(input: PaymentInput): Promise<PaymentResult> {
    const payment = await this.load()
    const result = transition(toState(payment), input, LIMITS.underpaymentTolerance)
    if (!result.ok) return { ok: false, code: 'INVALID_STATE_TRANSITION', message: result.reason }
    let next = result.state
    let event = result.event
    if (
      next.status === 'completed' &&
      payment.status !== 'completed' &&
      payment.linkId &&
      !(await linkObject(this.env, payment.linkId).claimUse(payment.linkId, payment.id))
    ) {
      // Every use of the link is paid: the money is kept on record and flagged for a refund, like a late payment.
      next = { ...next, status: 'expired', exception: 'paid_late' }
      event = 'payment.paid_late'
    }
    const now = new Date().toISOString()
    const updated: PaymentRow = {
      ...payment,
      status: next.status,
      exception: next.exception,
      amountReceived: next.received.toString(),
      confirmations: next.confirmations,
      completedAt: next.status === 'completed' && payment.status !== 'completed' ? now : payment.completedAt,
    }
    if (!event && sameState(payment, updated)) return { ok: true, payment }
    return this.commit(payment, updated, event)
  }

  /** Writes the row and (if any) its event in one batch, then enqueues the event. */
  private async commit(before: PaymentRow, after: PaymentRow, eventType: EventType | null): Promise<PaymentResult> {
    const row: PaymentRow = { ...after, version: before.version + 1, updatedAt: new Date().toISOString() }
    const db = getDb(this.env.DB)
    const { id: _id, merchantId: _m, createdAt: _c, ...changes } = row
    const update = db.update(payments).set(changes).where(eq(payments.id, row.id))
    const event = eventType ? this.eventRow(row, eventType) : undefined
    const ledger = await this.ledgerStatements(db, before, row)
    let queued = false
    if (event) queued = needsFanOut((await db.batch([update, this.insertEvent(db, row, event), ...ledger]))[1])
    else if (ledger.length > 0) await db.batch([update, ...ledger])
    else await update
    this.payment = row
    if (event && queued) await this.enqueue(event.id)
    return { ok: true, payment: row }
  }

  /**
   * The outbox INSERT of an event, returning its dispatched_at: an event nobody listens to is
   * written already dispatched and never queued (webhooks/fanout dispatchedAtOnInsert).
   */
  private insertEvent(db: ReturnType<typeof getDb>, row: PaymentRow, event: typeof events.$inferInsert) {
    const dispatchedAt = dispatchedAtOnInsert(row, event.createdAt ?? new Date().toISOString())
    return db
      .insert(events)
      .values({ ...event, dispatchedAt })
      .returning({ dispatchedAt: events.dispatchedAt })
  }

  /** The ledger entries this transition causes (1000 and 1023 on completion), for the same batch. */
  private async ledgerStatements(db: ReturnType<typeof getDb>, before: PaymentRow, after: PaymentRow) {
    if (after.status !== 'completed' || before.status === 'completed') return []
    const [merchant] = await db
      .select({ feeBps: merchants.feeBps })
      .from(merchants)
      .where(eq(merchants.id, after.merchantId))
    const entries = completionEntries(before, after, merchant?.feeBps ?? 0, after.completedAt ?? after.updatedAt)
    return entries.length > 0 ? [insertLedgerEntries(db, entries)] : []
  }

  private eventRow(row: PaymentRow, type: EventType): typeof events.$inferInsert {
    return {
      id: `evt_${crypto.randomUUID().replaceAll('-', '')}`,
      merchantId: row.merchantId,
      paymentId: row.id,
      livemode: row.livemode,
      type,
      sequence: row.version,
      data: JSON.stringify(row),
      createdAt: row.updatedAt,
    }
  }

  /** The outbox row is already committed; a failed send is recovered by the outbox sweep. */
  private async enqueue(eventId: string): Promise<void> {
    try {
      await this.env.WEBHOOKS.send({ type: 'event', eventId } satisfies WebhookMessage)
    } catch (err) {
      log.error('enqueue failed; outbox sweep will retry', { eventId, err: String(err) })
    }
  }

  private async load(): Promise<PaymentRow> {
    if (this.payment) return this.payment
    const id = await this.ctx.storage.get<string>('paymentId')
    if (!id) throw new Error('PaymentObject used before create()')
    const [row] = await getDb(this.env.DB).select().from(payments).where(eq(payments.id, id))
    if (!row) throw new Error(`payment ${id} missing from D1`)
    this.payment = row
    return row
  }

  private async armAlarm(): Promise<void> {
    const payment = await this.load()
    const sandboxAt = await this.ctx.storage.get<number>('sandboxAt')
    const expiryRetryAt = await this.ctx.storage.get<number>('expiryRetryAt')
    const expiresAt = Date.parse(payment.expiresAt)
    // Past expiry a payment still open is paid in full and confirming: nothing left to time out.
    const expiry = ['pending', 'processing'].includes(payment.status) && expiresAt > Date.now() ? expiresAt : undefined
    const next = Math.min(sandboxAt ?? Infinity, expiry ?? Infinity, expiryRetryAt ?? Infinity)
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next)
    else await this.ctx.storage.deleteAlarm()
  }

  /** Runs `fn` after every earlier call has finished: one change at a time, even across awaits. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }
}

/** Whether the event just inserted (its RETURNING rows) waits for the queue's fan-out. */
function needsFanOut(inserted: unknown): boolean {
  const rows = inserted as { dispatchedAt: string | null }[]
  return rows[0]?.dispatchedAt == null
}

function toState(p: PaymentRow): PaymentState {
  return {
    status: p.status as PaymentStatus,
    exception: p.exception as PaymentException | null,
    due: p.payAmount === null ? null : BigInt(p.payAmount),
    received: BigInt(p.amountReceived),
    confirmations: p.confirmations,
    expiresAt: p.expiresAt,
  }
}

function sameState(a: PaymentRow, b: PaymentRow): boolean {
  return (
    a.status === b.status &&
    a.exception === b.exception &&
    a.amountReceived === b.amountReceived &&
    a.confirmations === b.confirmations
  )
}

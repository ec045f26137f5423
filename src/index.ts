import { createApp } from './app'
import { currentCosts, instrumentationEnabled, instrumentEnv } from './instrument'
import { runMaintenance } from './maintenance'
import { ApiSession as ApiSessionObject } from './objects/api-session'
import { ChainWatcherBase, type WatchCadence, type WatchTick } from './objects/chain-watcher'
import { LinkObject as LinkObjectBase } from './objects/link-object'
import { PaymentObject as PaymentObjectBase, type PaymentOptions } from './objects/payment-object'
import { RateLimiter as RateLimiterObject } from './objects/rate-limiter'
import { PayoutWallet as PayoutWalletBase } from './objects/payout-wallet'
import { processDuePayouts } from './services/payouts/payouts'
import { runChainCron, watcherCadence, watcherTick } from './services/chain/chain-cron'
import { onPaymentEvent } from './services/bills/bills'
import { invoiceView } from './services/bitpay/invoice-view'
import { paymentOptionsFor } from './services/payments/payment-option'
import type { WebhookMessage } from './webhooks/messages'
import { handleWebhookBatch } from './webhooks/consumer'
import { sweepOutbox } from './webhooks/fanout'

// The Durable Objects, each given the (optionally cost-counting, see src/instrument.ts) bindings.
export class ApiSession extends ApiSessionObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, instrumentEnv(env))
  }
}
/** The payment object, with pricing and allocation (services) handed in so the object does not import them. */
export class PaymentObject extends PaymentObjectBase {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, instrumentEnv(env))
  }
  protected options(): PaymentOptions {
    return paymentOptionsFor(this.env)
  }
}
export class RateLimiter extends RateLimiterObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, instrumentEnv(env))
  }
}
export class LinkObject extends LinkObjectBase {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, instrumentEnv(env))
  }
}
/** The chain watcher, with the scanner (services) plugged in here so the object does not import it. */
export class ChainWatcher extends ChainWatcherBase {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, instrumentEnv(env))
  }
  protected scan(chainId: number): Promise<WatchTick> {
    return watcherTick(this.env, chainId)
  }
  protected cadence(chainId: number): WatchCadence | undefined {
    return watcherCadence(this.env, chainId)
  }
}

export class PayoutWallet extends PayoutWalletBase {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, instrumentEnv(env))
  }
}

const app = createApp()

export default {
  fetch(request, env, ctx) {
    if (instrumentationEnabled(env) && new URL(request.url).pathname === '/__costs')
      return Response.json(currentCosts())
    return app.fetch(request, instrumentEnv(env), ctx)
  },
  async queue(batch, env, _ctx) {
    await handleWebhookBatch(batch, instrumentEnv(env), { onEvent: onPaymentEvent, invoiceView })
  },
  async scheduled(_controller, rawEnv, ctx) {
    const env = instrumentEnv(rawEnv)
    ctx.waitUntil(runMaintenance(env))
    ctx.waitUntil(sweepOutbox(env))
    ctx.waitUntil(runChainCron(env))
    ctx.waitUntil(processDuePayouts(env))
  },
} satisfies ExportedHandler<Env, WebhookMessage>

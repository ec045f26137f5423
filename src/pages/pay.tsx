import { eq } from 'drizzle-orm'
import type { Context } from 'hono'
import type { AppEnv } from '../context'
import { getDb } from '../db/client'
import { merchants, payments } from '../db/schema'
import { formatUnits } from '../domain/money'

const css = `body{font:16px/1.5 system-ui,sans-serif;max-width:480px;margin:2rem auto;padding:0 1rem;color:#111}
.card{border:1px solid #ccc;border-radius:8px;padding:1rem 1.25rem}dt{color:#444;font-size:.9rem}dd{margin:0 0 .75rem;font-weight:600;word-break:break-all}`

/** The hosted payment page behind `hosted_url` (the full checkout lands with the hosted-page work). */
export async function payPage(c: Context<AppEnv>) {
  const reference = c.req.param('reference') ?? ''
  const [row] = await getDb(c.env.DB)
    .select({ payment: payments, merchantName: merchants.name })
    .from(payments)
    .innerJoin(merchants, eq(merchants.id, payments.merchantId))
    .where(eq(payments.reference, reference))
  if (!row) {
    c.status(404)
    return c.html(
      <Page title="Payment not found">
        <p>There is no payment with reference {reference}. Check the link you were given.</p>
      </Page>,
    )
  }
  const p = row.payment
  const decimals = p.tokenDecimals ?? 0
  return c.html(
    <Page title={`Pay ${row.merchantName}`}>
      <div class="card">
        <dl>
          <dt>Merchant</dt>
          <dd>{row.merchantName}</dd>
          {p.description && (
            <>
              <dt>For</dt>
              <dd>{p.description}</dd>
            </>
          )}
          <dt>Amount</dt>
          <dd>
            {p.amount} {p.currency}
          </dd>
          {p.payAmount !== null && (
            <>
              <dt>Send exactly</dt>
              <dd data-testid="pay-amount">
                {formatUnits(BigInt(p.payAmount), decimals)} {p.token} on chain {p.chainId}
              </dd>
              <dt>To address</dt>
              <dd data-testid="deposit-address">{p.depositAddress}</dd>
            </>
          )}
          <dt>Status</dt>
          <dd data-testid="status">{p.status}</dd>
          <dt>Expires</dt>
          <dd>{p.expiresAt}</dd>
        </dl>
      </div>
    </Page>,
  )
}

function Page(props: { title: string; children: unknown }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style>{css}</style>
      </head>
      <body>
        <h1>{props.title}</h1>
        {props.children}
      </body>
    </html>
  )
}

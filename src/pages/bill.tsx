import type { PaymentRow } from '../db/client'
import type { BillItem, BillStatus } from '../domain/bills'
import { Layout, MessagePage } from './layout'

export interface BillPageProps {
  nonce: string
  bill: {
    id: string
    number: string | null
    currency: string
    total: string
    dueDate: string | null
    status: BillStatus
    name: string | null
  }
  items: BillItem[]
  merchantName: string
  payment: PaymentRow | null
}

const STATUS_TEXT: Record<BillStatus, string> = {
  draft: 'Awaiting payment',
  sent: 'Awaiting payment',
  new: 'Payment started',
  paid: 'Paid, confirming',
  complete: 'Paid',
}

/** The hosted bill: its line items and total, and a button that pays it on the hosted checkout. */
export function BillPage({ nonce, bill, items, merchantName, payment }: BillPageProps) {
  const paid = bill.status === 'paid' || bill.status === 'complete'
  const title = bill.number ? `Bill ${bill.number}` : 'Bill'
  return (
    <Layout title={`${title} from ${merchantName}`} nonce={nonce}>
      <main aria-labelledby="heading">
        <div class="card" data-bill-status={bill.status}>
          <p class="merchant">{merchantName}</p>
          <h1 id="heading">{title}</h1>
          {bill.name && <p class="note">For {bill.name}</p>}
          <table class="items">
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Qty</th>
                <th scope="col">Price</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr>
                  <td>{i.description ?? 'Item'}</td>
                  <td>{i.quantity}</td>
                  <td>
                    {i.price} {bill.currency}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="amount" id="total">
            {bill.total} {bill.currency}
          </p>
          {bill.dueDate && <p class="note">Due {bill.dueDate.slice(0, 10)}</p>}
          <div class="status">
            <span class="badge" id="bill-status">
              {STATUS_TEXT[bill.status]}
            </span>
          </div>
          {paid ? (
            payment && (
              <a class="button secondary wide" href={`/pay/${payment.reference}`}>
                View payment
              </a>
            )
          ) : (
            <form method="post" action={`/bill/${bill.id}/pay`}>
              <button type="submit" class="wide" id="pay">
                {payment?.status === 'pending' ? 'Continue to payment' : 'Pay this bill'}
              </button>
            </form>
          )}
        </div>
      </main>
    </Layout>
  )
}

export function BillNotFoundPage(props: { nonce: string }) {
  return (
    <MessagePage nonce={props.nonce} title="Bill not found" heading="Bill not found">
      <p>There is no such bill. Check the link you were given, or ask the merchant for a new one.</p>
    </MessagePage>
  )
}

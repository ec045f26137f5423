import type { BillItem } from '../../domain/bills'
import type { BillRow } from './bills'

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/** The message a bill is delivered with: its items, total, due date and the link to pay it. */
export function billEmail(
  bill: BillRow,
  merchantName: string,
  url: string,
): { subject: string; text: string; html: string } {
  const items = JSON.parse(bill.items) as BillItem[]
  const title = bill.number ? `Bill ${bill.number}` : 'Bill'
  const due = bill.dueDate ? `Due: ${bill.dueDate.slice(0, 10)}` : null
  const lines = items.map((i) => `- ${i.description ?? 'Item'}: ${i.quantity} x ${i.price} ${bill.currency}`)
  const text = [
    `${title} from ${merchantName}`,
    '',
    ...lines,
    '',
    `Total: ${bill.total} ${bill.currency}`,
    ...(due ? [due] : []),
    '',
    `View and pay: ${url}`,
  ].join('\n')
  const rows = items
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.description ?? 'Item')}</td><td>${i.quantity}</td><td>${escapeHtml(i.price)} ${escapeHtml(bill.currency)}</td></tr>`,
    )
    .join('')
  const html = `<h1>${escapeHtml(title)} from ${escapeHtml(merchantName)}</h1><table>${rows}</table><p><strong>Total: ${escapeHtml(bill.total)} ${escapeHtml(bill.currency)}</strong></p>${due ? `<p>${escapeHtml(due)}</p>` : ''}<p><a href="${escapeHtml(url)}">View and pay</a></p>`
  return { subject: `${title} from ${merchantName}`, text, html }
}

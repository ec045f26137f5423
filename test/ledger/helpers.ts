import { call } from '../helpers/api'

/** A test payment paid in full through the sandbox (ETH on the local chain: 12 USD → 0.004 ETH). */
export async function completedPayment(key: string, body: Record<string, unknown> = {}) {
  const created = await call('POST', '/v1/payments', {
    key,
    body: { amount: '12.00', currency: 'USD', chain_id: 31337, token: 'ETH', ...body },
  })
  if (created.status !== 201) throw new Error(`payment create failed: ${created.status} ${created.text}`)
  const paid = await call('POST', `/v1/sandbox/payments/${created.json.data.id}/simulate`, { key, body: {} })
  if (paid.json?.data?.status !== 'completed') throw new Error(`simulate failed: ${paid.status} ${paid.text}`)
  return paid.json.data as { id: string; pay_amount: string; amount_received: string }
}

export async function setFee(merchantId: string, feeBps: number) {
  const res = await call('PATCH', `/v1/merchants/${merchantId}`, {
    headers: { Authorization: 'Bearer test-admin-token' },
    body: { fee_bps: feeBps },
  })
  if (res.status !== 200) throw new Error(`fee update failed: ${res.status} ${res.text}`)
}

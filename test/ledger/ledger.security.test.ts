import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, signHeaders } from '../helpers/bitpay'
import { completedPayment } from './helpers'

/** Merchant A with a paid payment and a closed settlement; merchant B with nothing. */
async function twoMerchants() {
  const a = await merchantWithWallet()
  const b = await merchantWithWallet()
  await completedPayment(a.testKey)
  const settlement = (await call('POST', '/v1/sandbox/settlements/close', { key: a.testKey })).json.data[0]
  return { a, b, settlement }
}

describe('ledger and settlements: isolation', () => {
  it('shows another merchant nothing: empty balances, ledger and settlements, 404 for the settlement', async () => {
    const { b, settlement } = await twoMerchants()
    expect((await call('GET', '/v1/balances', { key: b.testKey })).json.data).toEqual([])
    expect((await call('GET', '/v1/ledger', { key: b.testKey })).json.data).toEqual([])
    expect((await call('GET', '/v1/settlements', { key: b.testKey })).json.data).toEqual([])
    const other = await call('GET', `/v1/settlements/${settlement.id}`, { key: b.testKey })
    expect(other.status).toBe(404)
    expect(other.json.error.code).toBe('NOT_FOUND')
    expect((await call('POST', '/v1/sandbox/settlements/close', { key: b.testKey })).json.data).toEqual([])
  })

  it('keeps test and live apart: the live key sees nothing of test mode', async () => {
    const { a, settlement } = await twoMerchants()
    expect((await call('GET', '/v1/balances', { key: a.liveKey })).json.data).toEqual([])
    expect((await call('GET', '/v1/ledger', { key: a.liveKey })).json.data).toEqual([])
    expect((await call('GET', '/v1/settlements', { key: a.liveKey })).json.data).toEqual([])
    expect((await call('GET', `/v1/settlements/${settlement.id}`, { key: a.liveKey })).status).toBe(404)
    const csv = await call('GET', '/v1/ledger', { key: a.liveKey, headers: { Accept: 'text/csv' } })
    expect(csv.text.trim().split('\r\n')).toHaveLength(1)
  })

  it('closes periods on demand only with test keys', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/sandbox/settlements/close', { key: m.liveKey })
    expect(res.status).toBe(403)
    expect(res.json.error).toMatchObject({ code: 'FORBIDDEN', field: 'Authorization' })
  })

  it('needs an API key on every endpoint', async () => {
    for (const [method, path] of [
      ['GET', '/v1/balances'],
      ['GET', '/v1/ledger'],
      ['GET', '/v1/settlements'],
      ['GET', '/v1/settlements/x'],
      ['POST', '/v1/sandbox/settlements/close'],
    ] as const) {
      expect((await call(method, path)).status, path).toBe(401)
    }
  })

  it("BitPay: another merchant's token sees empty ledgers and settlements and a 404 settlement; test tokens see no live data", async () => {
    const { b, settlement } = await twoMerchants()
    const identity = newIdentity()
    const token = await pairToken(b.testKey, identity)
    const get = (path: string) => call('GET', path, { headers: signHeaders(identity, `${GATEWAY}${path.slice(1)}`) })
    expect((await get(`/ledgers?token=${token}`)).json.data).toEqual([])
    expect((await get(`/ledgers/ETH?token=${token}`)).json.data).toEqual([])
    expect((await get(`/settlements?token=${token}`)).json.data).toEqual([])
    const one = await get(`/settlements/${settlement.id}?token=${token}`)
    expect(one.status).toBe(404)
    expect(one.json).toMatchObject({ status: 'error', code: '020001', data: null })
    const report = await get(`/settlements/${settlement.id}/reconciliationReport?token=${settlement.token}`)
    expect(report.status).toBe(401)
  })

  it('BitPay: a live token of the same merchant sees none of its test ledger or settlements', async () => {
    const { a, settlement } = await twoMerchants()
    const identity = newIdentity()
    const token = await pairToken(a.liveKey, identity)
    const get = (path: string) => call('GET', path, { headers: signHeaders(identity, `${GATEWAY}${path.slice(1)}`) })
    expect((await get(`/ledgers?token=${token}`)).json.data).toEqual([])
    expect((await get(`/settlements?token=${token}`)).json.data).toEqual([])
    expect((await get(`/settlements/${settlement.id}?token=${token}`)).status).toBe(404)
    expect((await get(`/settlements/${settlement.id}/reconciliationReport?token=${settlement.token}`)).status).toBe(401)
  })
})

describe('ledger and settlements: bad input names the field', () => {
  it('v1: {success:false, error:{code, field}}', async () => {
    const m = await merchantWithWallet()
    for (const [path, field] of [
      ['/v1/ledger?from=yesterday', 'from'],
      ['/v1/ledger?to=2026-13-45', 'to'],
      ['/v1/ledger?limit=0', 'limit'],
      ['/v1/ledger?page=x', 'page'],
      ['/v1/ledger?currency=%24%24', 'currency'],
      ['/v1/settlements?status=open', 'status'],
      ['/v1/settlements?from=nope', 'from'],
    ] as const) {
      const res = await call('GET', path, { key: m.testKey })
      expect(res.status, path).toBe(400)
      expect(res.json.success).toBe(false)
      expect(res.json.error.field, path).toBe(field)
    }
  })

  it('BitPay: {status:"error", code, error} with the parameter in the message', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const get = (path: string) => call('GET', path, { headers: signHeaders(identity, `${GATEWAY}${path.slice(1)}`) })
    for (const [path, field] of [
      [`/ledgers/ETH?startDate=someday&token=${token}`, 'startDate'],
      [`/settlements?dateEnd=x&token=${token}`, 'dateEnd'],
      [`/settlements?limit=-1&token=${token}`, 'limit'],
      [`/settlements?currency=%24&token=${token}`, 'currency'],
    ] as const) {
      const res = await get(path)
      expect(res.status, path).toBe(400)
      expect(res.json).toMatchObject({ status: 'error', code: '020002', data: null })
      expect(res.json.error, path).toContain(field)
    }
  })
})

describe('/openapi.json', () => {
  it('documents every ledger, settlement and token SIN route with its response schema', async () => {
    const doc = (await call('GET', '/openapi.json')).json
    const ops: Record<string, string[]> = {
      '/v1/balances': ['get'],
      '/v1/ledger': ['get'],
      '/v1/settlements': ['get'],
      '/v1/settlements/{id}': ['get'],
      '/v1/sandbox/settlements/close': ['post'],
      '/ledgers': ['get'],
      '/ledgers/{currency}': ['get'],
      '/settlements': ['get'],
      '/settlements/{id}': ['get'],
      '/settlements/{id}/reconciliationReport': ['get'],
      '/tokens/{token}/sins': ['get', 'post'],
      '/tokens/{token}/sins/{sin}': ['delete'],
    }
    for (const [path, methods] of Object.entries(ops)) {
      for (const method of methods) {
        const schema = doc.paths[path]?.[method]?.responses?.['200']?.content?.['application/json']?.schema
        expect(schema, `${method} ${path}`).toBeDefined()
        expect(JSON.stringify(schema), `${method} ${path}`).not.toBe(
          '{"type":"object","properties":{"data":{},"facade":{"type":"string"}},"required":["data"]}',
        )
      }
    }
    expect(doc.paths['/v1/ledger'].get.responses['200'].content).toHaveProperty('text/csv')
    expect(doc.components.schemas.Merchant.properties).toHaveProperty('fee_bps')
  })
})

import { randomHex } from '../auth/crypto'
import type { WebhookEndpointRow } from '../services/webhook-endpoints'
import { postWebhook, type AttemptResult } from './http'
import { endpointSecretBytes, standardWebhookHeaders, xSignature } from './signing'

/** POSTs a `webhook.test` event to an endpoint, signed with the endpoint secret, and reports the answer. */
export async function sendTestEvent(endpoint: WebhookEndpointRow): Promise<AttemptResult> {
  const id = `evt_test_${randomHex(12)}`
  const body = JSON.stringify({ event_type: 'webhook.test', event_id: id, livemode: endpoint.livemode, timestamp: new Date().toISOString() })
  return postWebhook(endpoint.url, body, {
    'X-Signature': xSignature(endpoint.secret, body),
    'X-Event-Id': id,
    'X-Event-Type': 'webhook.test',
    ...standardWebhookHeaders(id, Math.floor(Date.now() / 1000), body, endpointSecretBytes(endpoint.secret)),
  })
}

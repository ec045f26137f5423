import { randomHex } from '../auth/crypto'
import type { WebhookEndpointRow } from '../db/client'
import { callbackUrlProblem } from '../domain/url-policy'
import { postWebhook, REFUSED_URL_RESULT, type AttemptResult } from './http'
import { endpointSecretBytes, standardWebhookHeaders, xSignature } from './signing'

/** POSTs a `webhook.test` event to an endpoint, signed with the endpoint secret, and reports the answer. */
export async function sendTestEvent(endpoint: WebhookEndpointRow, environment: string): Promise<AttemptResult> {
  if (callbackUrlProblem(endpoint.url, environment) !== null) return REFUSED_URL_RESULT
  const id = `evt_test_${randomHex(12)}`
  const body = JSON.stringify({
    event_type: 'webhook.test',
    event_id: id,
    livemode: endpoint.livemode,
    timestamp: new Date().toISOString(),
  })
  return postWebhook(endpoint.url, body, {
    'X-Signature': xSignature(endpoint.secret, body),
    'X-Event-Id': id,
    'X-Event-Type': 'webhook.test',
    ...standardWebhookHeaders(id, Math.floor(Date.now() / 1000), body, endpointSecretBytes(endpoint.secret)),
  })
}

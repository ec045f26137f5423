import { inject } from 'vitest'
import { eventually } from './api'

export interface ReceivedRequest {
  path: string
  headers: Record<string, string>
  body: string
  status: number
  receivedAt: number
}

let counter = 0

/** A fresh receiver path on the test's HTTP receiver (127.0.0.1). */
export function receiverUrl(query = ''): { name: string; url: string } {
  counter += 1
  const name = `r${Date.now().toString(36)}${counter}`
  return { name, url: `${inject('receiverUrl')}/hooks/${name}${query}` }
}

export async function received(name: string): Promise<ReceivedRequest[]> {
  const res = await fetch(`${inject('receiverUrl')}/__requests/${name}`)
  return (await res.json()) as ReceivedRequest[]
}

/** Waits until the receiver has at least `n` requests matching `filter`. */
export async function waitForRequests(
  name: string,
  n: number,
  filter: (r: ReceivedRequest) => boolean = () => true,
  timeoutMs = 15_000,
) {
  return eventually(async () => {
    const got = (await received(name)).filter(filter)
    return got.length >= n && got
  }, timeoutMs)
}

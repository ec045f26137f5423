import { describe, expect, it } from 'vitest'
import { addressTopic, TRANSFER_TOPIC, transferFromLog, type RpcLog } from '../../src/chain/erc20'
import {
  attributeTransfer,
  chunk,
  confirmationsAt,
  fundsChanged,
  fundsOf,
  narrow,
  paymentsOfOwner,
  probe,
  scanWindow,
  unrecordedNative,
  type Candidate,
  type Search,
  type Transfer,
} from '../../src/domain/chain-scan'
import type { PaymentStatus, UnexpectedFunds } from '../../src/domain/payment-status'

describe('scanWindow(cursor, head, finality, maxRange)', () => {
  it.each<[string, number | null, number, number, number, { from: number; to: number }]>([
    ['first scan: the last maxRange blocks', null, 100, 6, 10, { from: 91, to: 100 }],
    ['first scan of a young chain starts at 0', null, 5, 6, 10, { from: 0, to: 5 }],
    ['a failed first scan (cursor -1) counts as never scanned', -1, 100, 6, 10, { from: 91, to: 100 }],
    ['resumes after the cursor, re-scanning the last finality blocks', 98, 100, 6, 10, { from: 95, to: 100 }],
    ['no new block: still re-scans the tail for reorgs', 100, 100, 6, 10, { from: 95, to: 100 }],
    ['far behind: from the cursor, capped at maxRange', 50, 100, 6, 10, { from: 51, to: 60 }],
    ['a head behind the cursor (lagging node) re-scans the tail only', 120, 100, 6, 10, { from: 95, to: 100 }],
  ])('%s', (_name, cursor, head, finality, maxRange, expected) => {
    expect(scanWindow(cursor, head, finality, maxRange)).toEqual(expected)
  })
})

describe('confirmationsAt(head, block)', () => {
  it.each([
    [100, 100, 1],
    [100, 95, 6],
    [100, 101, 0],
  ])('head %i, block %i → %i', (head, block, expected) => expect(confirmationsAt(head, block)).toBe(expected))
})

const USDC = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const USDT = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'
const symbolOf = (contract: string | null) =>
  contract === null ? 'ETH' : { [USDC.toLowerCase()]: 'USDC', [USDT.toLowerCase()]: 'USDT' }[contract.toLowerCase()]
const transfer = (over: Partial<Transfer> = {}): Transfer => ({
  txHash: '0xabc',
  logIndex: 0,
  blockNumber: 10,
  blockHash: '0xb10',
  from: '0xfrom',
  to: '0xDeposit',
  contract: USDC,
  amount: 10_000_000n,
  kind: 'fungible',
  ...over,
})
const candidate = (over: Partial<Candidate> = {}): Candidate => ({
  id: 'pay_a',
  merchantId: 'mer_1',
  walletId: 'wal_1',
  tokenAddress: USDC,
  token: 'USDC',
  payAmount: '10000000',
  amountReceived: '0',
  ...over,
})

describe('attributeTransfer', () => {
  it.each<
    [
      string,
      Transfer,
      Candidate[],
      { paymentId: string | null; token: string; note: RegExp | null; unexpected?: UnexpectedFunds } | null,
    ]
  >([
    ['the right token pays its payment', transfer(), [candidate()], { paymentId: 'pay_a', token: 'USDC', note: null }],
    [
      'token addresses compare case-insensitively',
      transfer({ contract: USDC.toLowerCase() }),
      [candidate()],
      { paymentId: 'pay_a', token: 'USDC', note: null },
    ],
    [
      'native coin pays a native payment',
      transfer({ contract: null, logIndex: -1 }),
      [candidate({ tokenAddress: null, token: 'ETH' })],
      { paymentId: 'pay_a', token: 'ETH', note: null },
    ],
    [
      'another known token is recorded on the payment as a wrong asset',
      transfer({ contract: USDT }),
      [candidate()],
      {
        paymentId: 'pay_a',
        token: 'USDT',
        note: /^wrong token: USDT sent to payment pay_a, which expects USDC$/,
        unexpected: 'wrong_asset',
      },
    ],
    [
      'a token on a native payment is a wrong asset',
      transfer(),
      [candidate({ tokenAddress: null, token: 'ETH' })],
      { paymentId: 'pay_a', token: 'USDC', note: /wrong token/, unexpected: 'wrong_asset' },
    ],
    [
      'native coin on a token payment is a wrong asset',
      transfer({ contract: null, logIndex: -1 }),
      [candidate()],
      { paymentId: 'pay_a', token: 'ETH', note: /^wrong token: ETH sent to payment pay_a/, unexpected: 'wrong_asset' },
    ],
    [
      'a wrong asset at a shared address belongs to no single payment',
      transfer({ contract: USDT }),
      [candidate({ id: 'pay_a' }), candidate({ id: 'pay_b' })],
      { paymentId: null, token: 'USDT', note: /wrong token/, unexpected: 'wrong_asset' },
    ],
    [
      'money after the late-payment window is recorded on the payment, not counted',
      transfer(),
      [candidate({ afterWindow: true })],
      { paymentId: 'pay_a', token: 'USDC', note: /after the late-payment window/, unexpected: 'after_window' },
    ],
    [
      'an open payment at the address wins over one past its window',
      transfer(),
      [candidate({ id: 'pay_old', afterWindow: true }), candidate({ id: 'pay_new' })],
      { paymentId: 'pay_new', token: 'USDC', note: null },
    ],
    [
      'an unknown contract is recorded under its address',
      transfer({ contract: '0x0000000000000000000000000000000000000bad' }),
      [candidate()],
      { paymentId: null, token: '0x0000000000000000000000000000000000000bad', note: /^unknown token contract/ },
    ],
    [
      'an NFT transfer is not money',
      transfer({ kind: 'other', amount: 0n }),
      [candidate()],
      { paymentId: null, token: 'USDC', note: /not a fungible/ },
    ],
    [
      'a zero-value transfer (address poisoning) pays nothing',
      transfer({ amount: 0n }),
      [candidate()],
      { paymentId: null, token: 'USDC', note: /zero-value/ },
    ],
    [
      'shared address: the exact unpaid amount breaks the tie',
      transfer({ amount: 5n }),
      [candidate({ id: 'pay_a', payAmount: '10' }), candidate({ id: 'pay_b', payAmount: '5' })],
      { paymentId: 'pay_b', token: 'USDC', note: null },
    ],
    [
      'shared address without a unique match is ambiguous',
      transfer({ amount: 7n }),
      [candidate({ id: 'pay_a' }), candidate({ id: 'pay_b' })],
      { paymentId: null, token: 'USDC', note: /^ambiguous: 2 open payments/ },
    ],
    ['no candidate: nothing to attribute', transfer(), [], null],
  ])('%s', (_name, t, candidates, expected) => {
    const got = attributeTransfer(t, candidates, symbolOf)
    if (expected === null) return expect(got).toBeNull()
    expect(got).toMatchObject({
      paymentId: expected.paymentId,
      token: expected.token,
      merchantId: 'mer_1',
      walletId: 'wal_1',
      unexpected: expected.unexpected ?? null,
    })
    if (expected.note === null) expect(got!.note).toBeNull()
    else expect(got!.note).toMatch(expected.note)
  })
})

describe('paymentsOfOwner: a transfer only ever pays payments of the wallet holding the address', () => {
  const p = (id: string, walletId: string, address: string, claim: string | null | undefined) => ({
    id,
    walletId,
    depositAddress: address,
    claimed: claim !== undefined,
    claimWalletId: claim ?? null,
  })
  it.each<[string, ReturnType<typeof p>[], string[]]>([
    ['one payment at its claimed address', [p('a', 'wal_a', '0xAA', 'wal_a')], ['a']],
    [
      "another wallet's payment at the same address is left out",
      [p('a', 'wal_a', '0xAA', 'wal_a'), p('b', 'wal_b', '0xaa', 'wal_a')],
      ['a'],
    ],
    ['the address claimed by a wallet with no open payment there pays nobody', [p('b', 'wal_b', '0xAA', 'wal_a')], []],
    [
      'a disputed address (claimed by nobody) pays nobody',
      [p('a', 'wal_a', '0xAA', null), p('b', 'wal_b', '0xAA', null)],
      [],
    ],
    [
      'a single-address wallet keeps all its payments',
      [p('a', 'wal_a', '0xAA', 'wal_a'), p('a2', 'wal_a', '0xAA', 'wal_a')],
      ['a', 'a2'],
    ],
    [
      'no claim row, one wallet: kept',
      [p('a', 'wal_a', '0xAA', undefined), p('a2', 'wal_a', '0xaa', undefined)],
      ['a', 'a2'],
    ],
    ['no claim row, two wallets: nobody', [p('a', 'wal_a', '0xAA', undefined), p('b', 'wal_b', '0xAA', undefined)], []],
  ])('%s', (_name, payments, expected) => {
    expect(
      paymentsOfOwner(payments)
        .map((x) => x.id)
        .sort(),
    ).toEqual(expected)
  })
})

describe('fundsOf(transfers, required)', () => {
  it.each<
    [
      string,
      { amount: bigint; confirmations: number }[],
      number,
      { received: bigint; confirmed: bigint; confirmations: number },
    ]
  >([
    ['nothing yet', [], 3, { received: 0n, confirmed: 0n, confirmations: 0 }],
    [
      'one transfer below depth',
      [{ amount: 5n, confirmations: 2 }],
      3,
      { received: 5n, confirmed: 0n, confirmations: 2 },
    ],
    ['one transfer at depth', [{ amount: 5n, confirmations: 3 }], 3, { received: 5n, confirmed: 5n, confirmations: 3 }],
    [
      'partial at depth, top-up below: depth of the newest',
      [
        { amount: 4n, confirmations: 9 },
        { amount: 6n, confirmations: 1 },
      ],
      3,
      { received: 10n, confirmed: 4n, confirmations: 1 },
    ],
  ])('%s', (_name, transfers, required, expected) => expect(fundsOf(transfers, required)).toEqual(expected))
})

describe('fundsChanged(payment, funds)', () => {
  it.each<
    [string, PaymentStatus, string, number, { received: bigint; confirmed: bigint; confirmations: number }, boolean]
  >([
    ['nothing new for a pending payment', 'pending', '0', 0, { received: 0n, confirmed: 0n, confirmations: 0 }, false],
    ['first sight', 'pending', '0', 0, { received: 5n, confirmed: 0n, confirmations: 1 }, true],
    ['one more confirmation', 'processing', '5', 1, { received: 5n, confirmed: 0n, confirmations: 2 }, true],
    ['funds vanished (reorg)', 'processing', '5', 2, { received: 0n, confirmed: 0n, confirmations: 0 }, true],
    ['late money on an expired payment', 'expired', '0', 0, { received: 5n, confirmed: 0n, confirmations: 1 }, true],
    [
      'a reorg under a completed payment is news: it gets marked',
      'completed',
      '5',
      3,
      { received: 0n, confirmed: 0n, confirmations: 0 },
      true,
    ],
    [
      'a reorg under an expired payment changes nothing it can show',
      'expired',
      '5',
      3,
      { received: 0n, confirmed: 0n, confirmations: 0 },
      false,
    ],
    [
      'a closed payment still shows its depth grow',
      'completed',
      '5',
      3,
      { received: 5n, confirmed: 5n, confirmations: 4 },
      true,
    ],
  ])('%s', (_name, status, amountReceived, confirmations, funds, expected) => {
    expect(fundsChanged({ status, amountReceived, confirmations }, funds)).toBe(expected)
  })
})

describe('native arrivals', () => {
  it.each([
    [100n, 0n, 0n, 100n],
    [150n, 50n, 0n, 100n],
    [150n, 50n, 100n, 0n],
    [120n, 50n, 100n, -30n],
  ])('balance %s, baseline %s, recorded %s → unrecorded %s', (balance, baseline, recorded, expected) => {
    expect(unrecordedNative(balance, baseline, recorded)).toBe(expected)
  })

  it.each([
    ['arrival in the middle', 37],
    ['arrival at the first block', 20],
    ['arrival at the head', 60],
  ])('bisection finds the first block where the balance shows it: %s', (_name, arrival) => {
    const balanceAt = (block: number) => (block >= arrival ? 100n : 0n)
    let search: Search = { lo: 20, hi: 60 }
    let probes = 0
    for (let block = probe(search); block !== null; block = probe(search)) {
      search = narrow(search, block, unrecordedNative(balanceAt(block), 0n, 0n) > 0n)
      probes++
    }
    expect(search.lo).toBe(arrival)
    expect(probes).toBeLessThanOrEqual(Math.ceil(Math.log2(41)))
  })

  it('chunks lists', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
    expect(chunk([], 3)).toEqual([])
  })
})

describe('transferFromLog', () => {
  const base: RpcLog = {
    address: USDC.toLowerCase() as `0x${string}`,
    topics: [
      TRANSFER_TOPIC,
      addressTopic('0x70997970C51812dc3A010C7d01b50e0d17dc79C8'),
      addressTopic('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'),
    ],
    data: `0x${25_000_000n.toString(16).padStart(64, '0')}`,
    blockNumber: '0x10',
    blockHash: '0xbb',
    transactionHash: '0xtt',
    logIndex: '0x2',
  }
  it('reads an ERC-20 Transfer', () => {
    expect(transferFromLog(base)).toEqual({
      txHash: '0xtt',
      logIndex: 2,
      blockNumber: 16,
      blockHash: '0xbb',
      from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      contract: USDC,
      amount: 25_000_000n,
      kind: 'fungible',
    })
  })
  it.each<[string, Partial<RpcLog>, 'other' | null]>([
    [
      'an ERC-721 Transfer (token id indexed) is kept as other',
      { topics: [...base.topics, addressTopic('0x01')], data: '0x' },
      'other',
    ],
    ['a pending log (no block) is skipped', { blockNumber: null, blockHash: null }, null],
    ['a removed log is skipped', { removed: true }, null],
    [
      'another event is skipped',
      { topics: ['0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925', ...base.topics.slice(1)] },
      null,
    ],
  ])('%s', (_name, over, kind) => {
    const t = transferFromLog({ ...base, ...over })
    expect(t === null ? null : t.kind).toBe(kind)
  })
})

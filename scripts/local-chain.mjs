// The local chain for `npm run dev`, the test harness and the bench: start anvil, compile the test
// contracts with solc (pure JS, cached by source hash) and deploy them with viem.
//
// Deployments come from anvil's first account on a fresh chain, so their addresses are known
// before anvil starts (`plannedAddresses()`): vitest.config.ts puts them into the worker's CHAINS
// binding, and `deployLocalContracts()` checks that the deployed addresses match.

import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createPublicClient, createTestClient, createWalletClient, getAddress, getContractAddress, http } from 'viem'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const CONTRACTS_DIR = join(ROOT, 'scripts', 'contracts')
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'bitxpay-contracts')
const ANVIL_BIN = join(ROOT, 'node_modules', '.bin', 'anvil')

export const LOCAL_CHAIN_ID = 31337
export const LOCALHOST = '127.0.0.1'

/** anvil's default accounts (mnemonic "test test … junk"), unlocked for eth_sendTransaction. */
export const ANVIL_ACCOUNTS = /** @type {const} */ ([
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
])
const DEPLOYER = ANVIL_ACCOUNTS[0]

/** What is deployed, in nonce order. USDT exists so tests can pay in the wrong token. */
const DEPLOYMENTS = /** @type {const} */ ([
  { key: 'usdc', contract: 'TestToken', args: ['USD Coin (local)', 'USDC', 6] },
  { key: 'usdt', contract: 'TestToken', args: ['Tether USD (local)', 'USDT', 6] },
  { key: 'ethUsdFeed', contract: 'TestPriceFeed', args: [8, 'ETH / USD', 3000n * 10n ** 8n] },
])

/** Test tokens minted to each of accounts 1..3 after deployment (base units, 6 decimals). */
const MINT_PER_ACCOUNT = 1_000_000n * 10n ** 6n

/**
 * @typedef {{ usdc: `0x${string}`, usdt: `0x${string}`, ethUsdFeed: `0x${string}` }} LocalAddresses
 * @typedef {{ child: import('node:child_process').ChildProcess, rpcUrl: string, port: number, stop: () => Promise<void> }} Anvil
 */

/** @returns {LocalAddresses} where the contracts land on a fresh anvil */
export function plannedAddresses() {
  const entries = DEPLOYMENTS.map((d, nonce) => [d.key, getContractAddress({ from: DEPLOYER, nonce: BigInt(nonce) })])
  return /** @type {LocalAddresses} */ (Object.fromEntries(entries))
}

/**
 * The CHAINS entries that point the gateway at a local anvil. Chain 1's built-in price feeds are
 * switched off: offline, the cron would only log failures for them.
 * @param {string} rpcUrl
 * @param {LocalAddresses} addresses
 */
export function localChainsConfig(rpcUrl, addresses = plannedAddresses()) {
  return [
    {
      id: LOCAL_CHAIN_ID,
      rpcUrl,
      tokens: [
        { symbol: 'USDC', address: addresses.usdc, decimals: 6 },
        { symbol: 'USDT', address: addresses.usdt, decimals: 6 },
      ],
      priceFeeds: [{ symbol: 'ETH', address: addresses.ethUsdFeed }],
    },
    { id: 1, priceFeeds: [] },
  ]
}

/** @returns {Promise<number>} a free TCP port on the loopback interface */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, LOCALHOST, () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts anvil in its own process group (`.bin/anvil` is a Node wrapper around the binary: killing
 * the group stops both) and waits until it answers JSON-RPC.
 * @param {{ port: number, chainId?: number, output?: 'ignore' | 'inherit', args?: string[] }} options
 * @returns {Promise<Anvil>}
 */
export async function startAnvil({ port, chainId = LOCAL_CHAIN_ID, output = 'ignore', args = [] }) {
  if (!existsSync(ANVIL_BIN)) throw new Error('anvil not found: run npm install (devDependency @foundry-rs/anvil)')
  const child = spawn(
    ANVIL_BIN,
    ['--host', LOCALHOST, '--port', String(port), '--chain-id', String(chainId), '--silent', ...args],
    { cwd: ROOT, detached: true, stdio: ['ignore', output, output] },
  )
  /** @type {Promise<void>} */
  const exited = new Promise((resolve) => child.once('exit', () => resolve()))
  let gone = false
  void exited.then(() => (gone = true))
  const rpcUrl = `http://${LOCALHOST}:${port}`
  const stop = async () => {
    if (gone) return
    killGroup(child, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  const deadline = Date.now() + 20_000
  for (;;) {
    if (gone) throw new Error(`anvil exited before answering on ${rpcUrl}`)
    try {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(1000),
      })
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`anvil did not answer on ${rpcUrl} within 20 s`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { child, rpcUrl, port, stop }
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} signal
 */
function killGroup(child, signal) {
  try {
    if (child.pid) process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/**
 * Compiles scripts/contracts/*.sol with solc-js; the output is cached by source + compiler hash.
 * @returns {Promise<Record<string, { abi: import('viem').Abi, bytecode: `0x${string}` }>>}
 */
export async function compileContracts() {
  const require = createRequire(import.meta.url)
  const files = ['TestToken.sol', 'TestPriceFeed.sol']
  const sources = Object.fromEntries(files.map((f) => [f, { content: readFileSync(join(CONTRACTS_DIR, f), 'utf8') }]))
  const solcVersion = JSON.parse(readFileSync(require.resolve('solc/package.json'), 'utf8')).version
  const key = createHash('sha256').update(solcVersion).update(JSON.stringify(sources)).digest('hex').slice(0, 16)
  const cacheFile = join(CACHE_DIR, `${key}.json`)
  if (existsSync(cacheFile)) return JSON.parse(readFileSync(cacheFile, 'utf8'))

  const solc = require('solc')
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'paris',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input)))
  const errors = (output.errors ?? []).filter((/** @type {{ severity: string }} */ e) => e.severity === 'error')
  if (errors.length > 0)
    throw new Error(
      `solc: ${errors.map((/** @type {{ formattedMessage: string }} */ e) => e.formattedMessage).join('\n')}`,
    )
  /** @type {Record<string, { abi: import('viem').Abi, bytecode: `0x${string}` }>} */
  const artifacts = {}
  for (const file of files) {
    for (const [name, c] of Object.entries(output.contracts[file])) {
      artifacts[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
    }
  }
  mkdirSync(CACHE_DIR, { recursive: true })
  writeFileSync(cacheFile, JSON.stringify(artifacts))
  return artifacts
}

/** Multicall3's canonical address (the same on every major EVM chain). */
export const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11'

/**
 * Puts Multicall3 at its canonical address, as on mainnets (the scanner reads native balances through
 * it): the runtime code is what an eth_call of viem's creation bytecode returns, set with anvil_setCode.
 * No transaction is sent, so the deployer's nonce (hence the planned addresses) is untouched.
 * @param {string} rpcUrl
 */
export async function installMulticall3(rpcUrl) {
  const transport = http(rpcUrl)
  const client = createPublicClient({ transport })
  const existing = await client.getCode({ address: MULTICALL3_ADDRESS })
  if (existing && existing !== '0x') return
  // viem ships the bytecode but does not export it: import its file directly.
  const { multicall3Bytecode } = await import(
    pathToFileURL(join(ROOT, 'node_modules', 'viem', '_esm', 'constants', 'contracts.js')).href
  )
  const { data } = await client.call({ data: multicall3Bytecode })
  if (!data || data === '0x') throw new Error('could not build the Multicall3 runtime code')
  await createTestClient({ transport, mode: 'anvil' }).setCode({ address: MULTICALL3_ADDRESS, bytecode: data })
}

/**
 * The contracts on an anvil that may have been restored from a saved state (`--state`): deployed
 * already when they have code at the planned addresses, deployed now on a fresh chain.
 * @param {string} rpcUrl
 * @returns {Promise<LocalAddresses & { deployed: boolean }>}
 */
export async function ensureLocalContracts(rpcUrl) {
  const client = createPublicClient({ transport: http(rpcUrl) })
  await installMulticall3(rpcUrl)
  const planned = plannedAddresses()
  const codes = await Promise.all(Object.values(planned).map((address) => client.getCode({ address })))
  if (codes.every((code) => code && code !== '0x')) return { ...planned, deployed: false }
  if (codes.some((code) => code && code !== '0x'))
    throw new Error('the saved local chain has only some of the test contracts: delete its state file')
  return { ...(await deployLocalContracts(rpcUrl)), deployed: true }
}

/**
 * Deploys the test tokens and the ETH/USD feed from anvil's first account, checks the addresses
 * against `plannedAddresses()` and mints test tokens to accounts 1..3.
 * @param {string} rpcUrl
 * @param {number} [chainId]
 * @returns {Promise<LocalAddresses>}
 */
export async function deployLocalContracts(rpcUrl, chainId = LOCAL_CHAIN_ID) {
  const artifacts = await compileContracts()
  await installMulticall3(rpcUrl)
  const transport = http(rpcUrl)
  const chain = {
    id: chainId,
    name: 'Anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  }
  const publicClient = createPublicClient({ chain, transport })
  const wallet = createWalletClient({ chain, transport, account: DEPLOYER })
  const nonce = await publicClient.getTransactionCount({ address: DEPLOYER })
  if (nonce !== 0) throw new Error(`the deployer has already sent ${nonce} transactions: deploy to a fresh anvil`)

  const planned = plannedAddresses()
  /** @type {Record<string, `0x${string}`>} */
  const deployed = {}
  for (const d of DEPLOYMENTS) {
    const artifact = artifacts[d.contract]
    if (!artifact) throw new Error(`no artifact for ${d.contract}`)
    const hash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [...d.args] })
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`deploying ${d.key} failed`)
    const address = getAddress(receipt.contractAddress)
    if (address !== planned[d.key]) throw new Error(`${d.key} deployed at ${address}, expected ${planned[d.key]}`)
    deployed[d.key] = address
  }
  const token = artifacts.TestToken
  if (!token) throw new Error('no TestToken artifact')
  for (const key of ['usdc', 'usdt']) {
    for (const to of ANVIL_ACCOUNTS.slice(1)) {
      const hash = await wallet.writeContract({
        address: /** @type {`0x${string}`} */ (deployed[key]),
        abi: token.abi,
        functionName: 'mint',
        args: [to, MINT_PER_ACCOUNT],
      })
      await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    }
  }
  return /** @type {LocalAddresses} */ (deployed)
}

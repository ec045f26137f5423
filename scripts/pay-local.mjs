#!/usr/bin/env node
// Pays from anvil's account 1 on the local chain (`npm run dev`):
//
//   node scripts/pay-local.mjs <to> <amount> [USDC|USDT|ETH]     (default USDC)
//
// Env: RPC_URL (default http://127.0.0.1:8545).
import { createPublicClient, createWalletClient, http, parseAbi, parseUnits } from 'viem'
import { ANVIL_ACCOUNTS, LOCAL_CHAIN_ID, plannedAddresses } from './local-chain.mjs'

const [to, amount, symbol = 'USDC'] = process.argv.slice(2)
if (!to || !/^0x[0-9a-fA-F]{40}$/.test(to) || !amount) {
  console.error('usage: node scripts/pay-local.mjs <to address> <amount> [USDC|USDT|ETH]')
  process.exit(2)
}
const rpcUrl = process.env.RPC_URL || 'http://127.0.0.1:8545'
const chain = {
  id: LOCAL_CHAIN_ID,
  name: 'Anvil',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [rpcUrl] } },
}
const transport = http(rpcUrl)
const account = ANVIL_ACCOUNTS[1]
const wallet = createWalletClient({ chain, transport, account })
const client = createPublicClient({ chain, transport })
const tokens = plannedAddresses()
const token = { USDC: tokens.usdc, USDT: tokens.usdt }[symbol.toUpperCase()]

let hash
if (symbol.toUpperCase() === 'ETH') {
  hash = await wallet.sendTransaction({ to: /** @type {`0x${string}`} */ (to), value: parseUnits(amount, 18) })
} else if (token) {
  const abi = parseAbi(['function transfer(address to, uint256 value) returns (bool)'])
  hash = await wallet.writeContract({
    address: token,
    abi,
    functionName: 'transfer',
    args: [/** @type {`0x${string}`} */ (to), parseUnits(amount, 6)],
  })
} else {
  console.error(`unknown token ${symbol}: use USDC, USDT or ETH`)
  process.exit(2)
}
const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 200 })
console.log(
  `${amount} ${symbol.toUpperCase()} from ${account} to ${to}: tx ${hash} in block ${receipt.blockNumber} (${receipt.status})`,
)

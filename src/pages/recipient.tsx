import { Layout } from './layout'

export interface RecipientPageProps {
  nonce: string
  token: string
  merchantName: string
  status: string
  address: string | null
}

/** The invite page: connect a wallet (EIP-1193), sign the challenge (personal_sign), and the address is set. */
export function RecipientPage({ nonce, token, merchantName, status, address }: RecipientPageProps) {
  const base = `/recipient/${token}`
  const script = `
const out = document.getElementById('result');
document.getElementById('connect').addEventListener('click', async () => {
  try {
    if (!window.ethereum) throw new Error('No browser wallet found. Install one, or sign the message with any EIP-191 tool.');
    const [address] = await window.ethereum.request({ method: 'eth_requestAccounts' });
    const c = await fetch(${JSON.stringify(base)} + '/challenge?address=' + address).then((r) => r.json());
    if (c.error) throw new Error(c.message);
    const signature = await window.ethereum.request({ method: 'personal_sign', params: [c.message, address] });
    const v = await fetch(${JSON.stringify(base)} + '/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address, signature }) }).then((r) => r.json());
    out.textContent = v.status === 'active' ? 'Done: payouts will go to ' + v.address : (v.message || 'Verification failed');
  } catch (e) { out.textContent = e.message; }
});`
  return (
    <Layout title={`Receive payouts from ${merchantName}`} nonce={nonce} script={script}>
      <main aria-labelledby="heading">
        <div class="card" data-recipient-status={status}>
          <p class="merchant">{merchantName}</p>
          <h1 id="heading">Receive payouts</h1>
          {address ? (
            <p class="note" data-testid="address">
              Payouts go to {address}.
            </p>
          ) : (
            <p class="note">
              Connect the wallet that should receive payouts and sign a message to prove it is yours. Signing costs
              nothing.
            </p>
          )}
          <button id="connect" type="button">
            {address ? 'Change address' : 'Connect wallet and sign'}
          </button>
          <p id="result" role="status" aria-live="polite"></p>
        </div>
      </main>
    </Layout>
  )
}

/**
 * The hosted page's only script, inlined (no build step): countdown, status polling, redirect on
 * success, copy buttons and the browser-wallet (EIP-1193) button. The page works without it.
 */
export const checkoutScript = `(() => {
  const root = document.getElementById('checkout');
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const d = root.dataset;
  const LABELS = { awaiting: 'Awaiting payment', confirming: 'Confirming', paid: 'Paid', expired: 'Expired', failed: 'Payment failed', cancelled: 'Cancelled', refunded: 'Refunded' };
  const FINAL = ['paid', 'expired', 'failed', 'cancelled', 'refunded'];
  const initial = d.stage;
  let stage = d.stage;

  const countdown = $('countdown');
  const expires = Date.parse(d.expires);
  function tick() {
    if (!countdown) return;
    const left = Math.max(0, Math.floor((expires - Date.now()) / 1000));
    const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = String(left % 60).padStart(2, '0');
    countdown.textContent = h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
    if (left === 0 && stage === 'awaiting') show({ stage: 'expired' });
  }
  if (countdown && !FINAL.includes(stage)) { tick(); setInterval(tick, 1000); }

  function show(s) {
    const changed = s.stage !== stage;
    stage = s.stage;
    root.dataset.stage = stage;
    const text = stage === 'confirming' && s.required_confirmations
      ? 'Confirming (' + Math.min(s.confirmations, s.required_confirmations) + ' of ' + s.required_confirmations + ')'
      : LABELS[stage] || stage;
    const label = $('status-text');
    if (label && label.textContent !== text) label.textContent = text;
    if (!changed) return;
    document.querySelectorAll('[data-when]').forEach((el) => { el.hidden = !el.dataset.when.split(' ').includes(stage); });
    if (FINAL.includes(stage) && countdown) countdown.parentElement.hidden = true;
    if (stage === 'paid' && initial !== 'paid' && s.success_url) {
      const note = $('redirect-note');
      if (note) note.hidden = false;
      setTimeout(() => { window.location.assign(s.success_url); }, 2000);
    }
  }

  async function poll() {
    try {
      const res = await fetch(d.statusUrl, { cache: 'no-store', headers: { accept: 'application/json' } });
      if (res.ok) show(await res.json());
    } catch (e) { /* offline for a moment: try again */ }
    if (!FINAL.includes(stage)) setTimeout(poll, Number(d.pollMs) || 2000);
  }
  if (!FINAL.includes(stage)) setTimeout(poll, Number(d.pollMs) || 2000);

  document.querySelectorAll('button[data-copy]').forEach((button) => {
    const label = button.textContent;
    button.addEventListener('click', async () => {
      const field = $(button.dataset.copy);
      try { await navigator.clipboard.writeText(field.value); }
      catch (e) { field.select(); document.execCommand('copy'); }
      button.textContent = 'Copied';
      const live = $('copy-status');
      if (live) live.textContent = label.replace('Copy ', '') + ' copied';
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });

  const eth = window.ethereum;
  const walletButton = $('wallet-button');
  if (eth && walletButton && d.tx) {
    walletButton.hidden = false;
    const message = $('wallet-status');
    walletButton.addEventListener('click', async () => {
      const tx = JSON.parse(d.tx);
      walletButton.disabled = true;
      try {
        message.textContent = 'Confirm in your wallet…';
        const [from] = await eth.request({ method: 'eth_requestAccounts' });
        const current = await eth.request({ method: 'eth_chainId' });
        if (String(current).toLowerCase() !== tx.chainId) {
          await eth.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: tx.chainId }] });
        }
        const params = { from: from, to: tx.to };
        if (tx.value) params.value = tx.value;
        if (tx.data) params.data = tx.data;
        const hash = await eth.request({ method: 'eth_sendTransaction', params: [params] });
        message.textContent = 'Sent: ' + hash + '. Waiting for the network…';
      } catch (e) {
        message.textContent = 'Wallet: ' + ((e && e.message) || 'request failed');
      } finally {
        walletButton.disabled = false;
      }
    });
  }
})();`

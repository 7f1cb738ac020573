// Deploys the ERC-1056 EthereumDIDRegistry on a development chain over plain JSON-RPC, from the
// compiled artifact of the ethr-did-registry npm package (tools/js/node_modules), and prints its
// address on stdout. The sender is the node's first unlocked account (anvil, geth --dev); on a
// chain that needs signed transactions deploy with your own tooling and give the host the address.
//
//   node docker/ethereum/deploy-registry.mjs --rpc http://127.0.0.1:8545 [--wait SECONDS] [--out FILE]
//
// With --out FILE naming an address that already holds the registry's code, nothing is deployed.
// After deploying, the code at the address must equal the artifact's deployedBytecode byte for byte.
// Exit 0 with the address, 1 if the node refused or the code differs, 2 on usage errors.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const rpc = opt('--rpc', 'http://127.0.0.1:8545');
const waitSeconds = Number(opt('--wait', '0'));
const out = opt('--out', null);
if (!/^https?:\/\//.test(rpc) || !Number.isFinite(waitSeconds)) {
  console.error('usage: deploy-registry.mjs --rpc http(s)://HOST:PORT [--wait SECONDS] [--out FILE]');
  process.exit(2);
}

// The package's "exports" hide its artifacts from require.resolve: read the file by path (run in tools/js).
const artifactPath = resolve(process.cwd(),
  'node_modules/ethr-did-registry/artifacts/contracts/EthereumDIDRegistry.sol/EthereumDIDRegistry.json');
const artifact = JSON.parse(readFileSync(artifactPath, 'utf8'));

let id = 0;
async function call(method, params = []) {
  const res = await fetch(rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
  });
  const body = await res.json();
  if (body.error) {
    throw new Error(`${method}: ${body.error.message}`);
  }
  return body.result;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fail = (msg) => {
  console.error(`deploy-registry: ${msg}`);
  process.exit(1);
};

const deadline = Date.now() + waitSeconds * 1000;
let chainId;
for (;;) {
  try {
    chainId = BigInt(await call('eth_chainId'));
    break;
  } catch (e) {
    if (Date.now() >= deadline) fail(`no Ethereum node answers at ${rpc} (${e.message})`);
    await sleep(1000);
  }
}

const expected = artifact.deployedBytecode.toLowerCase();
const hasRegistry = async (address) => (await call('eth_getCode', [address, 'latest'])).toLowerCase() === expected;

if (out) {
  try {
    const known = readFileSync(out, 'utf8').trim();
    if (/^0x[0-9a-fA-F]{40}$/.test(known) && (await hasRegistry(known))) {
      console.error(`deploy-registry: chain ${chainId} already has the registry at ${known}`);
      console.log(known);
      process.exit(0);
    }
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
}

const [from] = await call('eth_accounts');
if (!from) fail('the node has no unlocked account to deploy from');
const tx = await call('eth_sendTransaction', [{ from, data: artifact.bytecode, gas: '0x2dc6c0' }]);
let receipt = null;
for (let i = 0; i < 120 && !receipt; i++) {
  receipt = await call('eth_getTransactionReceipt', [tx]);
  if (!receipt) await sleep(500);
}
if (!receipt) fail(`transaction ${tx} was not mined within 60 s`);
if (receipt.status !== '0x1') fail(`deployment transaction ${tx} failed (status ${receipt.status})`);
const address = receipt.contractAddress;
if (!(await hasRegistry(address))) fail(`the code at ${address} is not the artifact's deployedBytecode`);
if (out) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${address}\n`);
}
console.error(`deploy-registry: EthereumDIDRegistry at ${address} on chain ${chainId} (tx ${tx}, from ${from})`);
console.log(address);

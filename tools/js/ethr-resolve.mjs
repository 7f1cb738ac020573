// Oracle for did:ethr: resolves DIDs with ethr-did-resolver (npm) against one JSON-RPC node.
// Usage: node ethr-resolve.mjs RPC_URL REGISTRY CHAIN_ID DID_URL...
// Prints one JSON object {"<DID_URL>": <DID resolution result>, ...} on stdout, and on stderr one line
// "timing <milliseconds> <DID_URL>" per resolution (the same DID_URL may be given several times).
// A DID_URL may carry ?versionId=N, which ethr-did-resolver reads as a block number.
import { Resolver } from 'did-resolver'
import { getResolver } from 'ethr-did-resolver'

const [rpcUrl, registry, chainId, ...didUrls] = process.argv.slice(2)
if (!rpcUrl || !registry || !chainId || didUrls.length === 0) {
  console.error('usage: node ethr-resolve.mjs RPC_URL REGISTRY CHAIN_ID DID_URL...')
  process.exit(2)
}
const resolver = new Resolver(getResolver({ networks: [{ chainId: Number(chainId), rpcUrl, registry }] }), { cache: false })
const out = {}
for (const didUrl of didUrls) {
  const t0 = performance.now()
  out[didUrl] = await resolver.resolve(didUrl)
  process.stderr.write(`timing ${(performance.now() - t0).toFixed(3)} ${didUrl}\n`)
}
process.stdout.write(JSON.stringify(out))

// Interop oracle for Sovereign's credentials module (did-registry/credentials).
//
//   node vc-interop.mjs issue NOW_EPOCH_SECONDS
//     did-jwt-vc issues VC-JWT 1.1 credentials for fresh did:key identities (Ed25519/EdDSA, P-256/ES256,
//     secp256k1/ES256K), once without kid (did-jwt's default) and once with kid (Veramo's style), plus a
//     did-jwt-vc presentation with challenge (nonce) and domain (aud). Prints a JSON array on stdout.
//
//   node vc-interop.mjs issue-ethr NOW_EPOCH_SECONDS NETWORK
//     did-jwt-vc issues VC-JWT 1.1 credentials for a fresh did:ethr:NETWORK:0xADDRESS (no registry writes:
//     the default document, #controller with blockchainAccountId), signed ES256K-R (did-jwt's default for
//     did:ethr, recovery byte appended) and ES256K (verified by address recovery).
//
//   node vc-interop.mjs verify-jose   (stdin: {"jwt": "...", "jwk": {...}, "alg": "EdDSA"})
//     jose (panva) verifies a Sovereign credential with the resolved public JWK, requiring typ vc+jwt.
//     Prints {"protectedHeader": ..., "payload": ..., "verifiedBy": ...}; exits 1 with the error on failure.
//     jose 6 dropped ES256K, so ES256K tokens are checked with Node's own OpenSSL (ieee-p1363 signatures).
import { createVerifiableCredentialJwt, createVerifiablePresentationJwt } from 'did-jwt-vc'
import { EdDSASigner, ES256Signer, ES256KSigner, bytesToMultibase, toEthereumAddress, bytesToHex } from 'did-jwt'
import { ed25519 } from '@noble/curves/ed25519'
import { p256 } from '@noble/curves/p256'
import { secp256k1 } from '@noble/curves/secp256k1'
import { compactVerify, importJWK, decodeProtectedHeader } from 'jose'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'

const KINDS = [
  { alg: 'EdDSA', codec: 'ed25519-pub', curve: ed25519, pub: (sk) => ed25519.getPublicKey(sk), signer: (sk) => EdDSASigner(sk) },
  { alg: 'ES256', codec: 'p256-pub', curve: p256, pub: (sk) => p256.getPublicKey(sk, true), signer: (sk) => ES256Signer(sk) },
  { alg: 'ES256K', codec: 'secp256k1-pub', curve: secp256k1, pub: (sk) => secp256k1.getPublicKey(sk, true), signer: (sk) => ES256KSigner(sk) },
]

async function readStdin() {
  const chunks = []
  for await (const c of process.stdin) chunks.push(c)
  return Buffer.concat(chunks).toString('utf8')
}

async function issue(now) {
  const out = []
  for (const k of KINDS) {
    const sk = k.curve.utils.randomPrivateKey()
    const mb = bytesToMultibase(k.pub(sk), 'base58btc', k.codec)
    const did = `did:key:${mb}`
    const issuer = { did, signer: k.signer(sk), alg: k.alg }
    const holderSk = k.curve.utils.randomPrivateKey()
    const holderDid = `did:key:${bytesToMultibase(k.pub(holderSk), 'base58btc', k.codec)}`
    const payload = {
      sub: holderDid,
      nbf: now - 60,
      exp: now + 3600,
      jti: `urn:uuid:interop-${k.alg}`,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'ProducerAuthorization'],
        credentialSubject: { region: 'EU', datasets: ['loyalty-points'] },
      },
    }
    const noKid = await createVerifiableCredentialJwt(payload, issuer)
    const withKid = await createVerifiableCredentialJwt(payload, issuer, { header: { kid: `${did}#${mb}` } })
    const holder = { did: holderDid, signer: k.signer(holderSk), alg: k.alg }
    const vp = await createVerifiablePresentationJwt(
      { vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: [withKid] } },
      holder,
      { challenge: 'nonce-from-enclave', domain: 'did:example:enclave', header: { kid: `${holderDid}#${holderDid.slice(8)}` } })
    out.push({ alg: k.alg, did, holder: holderDid, noKid, withKid, vp })
  }
  return out
}

async function issueEthr(now, network) {
  const sk = secp256k1.utils.randomPrivateKey()
  const address = toEthereumAddress(bytesToHex(secp256k1.getPublicKey(sk, false)))
  const did = `did:ethr:${network}:${address}`
  const payload = {
    sub: 'did:example:producer',
    nbf: now - 60,
    exp: now + 3600,
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'ProducerAuthorization'],
      credentialSubject: { region: 'US' },
    },
  }
  const out = { did }
  out.es256kr = await createVerifiableCredentialJwt(payload, { did, signer: ES256KSigner(sk, true), alg: 'ES256K-R' })
  out.es256k = await createVerifiableCredentialJwt(payload, { did, signer: ES256KSigner(sk), alg: 'ES256K' },
    { header: { kid: `${did}#controller` } })
  return out
}

async function verifyJose(input) {
  const { jwt, jwk, alg } = JSON.parse(input)
  if (alg === 'ES256K') {
    const [h, p, s] = jwt.split('.')
    const protectedHeader = decodeProtectedHeader(jwt)
    if (protectedHeader.alg !== 'ES256K') throw new Error(`alg is ${protectedHeader.alg}`)
    const ok = nodeVerify('sha256', Buffer.from(`${h}.${p}`, 'ascii'),
      { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))
    if (!ok) throw new Error('ES256K signature verification failed (node:crypto)')
    if (protectedHeader.typ !== 'vc+jwt') throw new Error(`typ is ${protectedHeader.typ}, not vc+jwt`)
    return { protectedHeader, payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')), verifiedBy: 'node:crypto' }
  }
  const key = await importJWK(jwk, alg)
  const { payload, protectedHeader } = await compactVerify(jwt, key, { algorithms: [alg] })
  if (protectedHeader.typ !== 'vc+jwt') throw new Error(`typ is ${protectedHeader.typ}, not vc+jwt`)
  return { protectedHeader, payload: JSON.parse(new TextDecoder().decode(payload)), verifiedBy: 'jose' }
}

const [cmd, arg] = process.argv.slice(2)
try {
  if (cmd === 'issue') {
    process.stdout.write(JSON.stringify(await issue(Number(arg))))
  } else if (cmd === 'issue-ethr') {
    process.stdout.write(JSON.stringify(await issueEthr(Number(arg), process.argv[4])))
  } else if (cmd === 'verify-jose') {
    process.stdout.write(JSON.stringify(await verifyJose(await readStdin())))
  } else {
    console.error('usage: node vc-interop.mjs issue NOW | verify-jose < {jwt,jwk,alg}')
    process.exit(2)
  }
} catch (e) {
  console.error(String(e && e.stack || e))
  process.exit(1)
}

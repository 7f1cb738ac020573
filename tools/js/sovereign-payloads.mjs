// Builds Sovereign producer material with `jose` only (no Sovereign code): did:key identities,
// VCDM 2.0 credentials (vc+jwt), accreditations, Bitstring status lists, and producer payloads
// (inner JWS `sovereign-payload+jwt`, outer JWE ECDH-ES(+A256KW)/A256GCM with a `zone` header).
//
//   node sovereign-payloads.mjs keys  < {"zones":["EU"],"producers":["p1", ...],"p256Producers":["p2"],"strangers":["s1"]}
//   node sovereign-payloads.mjs build < {"keys":..., "enclave":{"jwk":...,"kid":...,"did":...}, ...}
//
// A payload may ask for attacks: `signer` (sign with another identity's key under the producer's kid),
// `recipient: "other"` (encrypt to a fresh key; with `otherKid` its thumbprint is the kid), `credential`
// (carry another producer's credential), `jti` (reuse one), `vp` (present the credential in a
// vp+jwt bound to jti and the enclave DID; `vpNonce`/`vpAudience` override the binding).
// Output: JSON on stdout. Private keys appear only in the `keys` output (test material).
import * as jose from 'jose';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58btc(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let s = '';
  while (n > 0n) { s = ALPHABET[Number(n % 58n)] + s; n /= 58n; }
  for (const b of bytes) { if (b !== 0) break; s = '1' + s; }
  return s;
}

async function identity(p256 = false) {
  if (p256) {
    // did:key P-256: multicodec p256-pub (0x1200, varint 0x80 0x24) + SEC1 compressed point
    const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
    const jwk = await jose.exportJWK(privateKey);
    const x = Buffer.from(jwk.x, 'base64url');
    const y = Buffer.from(jwk.y, 'base64url');
    const mb = 'z' + base58btc(Buffer.concat([Buffer.from([0x80, 0x24, 0x02 | (y[31] & 1)]), x]));
    const did = 'did:key:' + mb;
    return { did, kid: did + '#' + mb, jwk, alg: 'ES256' };
  }
  const { privateKey } = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  const raw = Buffer.from(jwk.x, 'base64url');
  const mb = 'z' + base58btc(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
  const did = 'did:key:' + mb;
  return { did, kid: did + '#' + mb, jwk, alg: 'EdDSA' };
}

async function sign(id, claims, typ, cty) {
  const key = await jose.importJWK(id.jwk, 'EdDSA');
  const header = { alg: 'EdDSA', kid: id.kid, typ };
  if (cty) header.cty = cty;
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader(header).sign(key);
}

const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const V2 = 'https://www.w3.org/ns/credentials/v2';

async function keys(spec) {
  const out = { zones: {}, producers: {}, strangers: {} };
  for (const z of spec.zones) out.zones[z] = { root: await identity(), authority: await identity() };
  for (const p of spec.producers) out.producers[p] = await identity();
  for (const p of spec.p256Producers ?? []) out.producers[p] = await identity(true);
  for (const s of spec.strangers ?? []) out.strangers[s] = await identity();
  return out;
}

async function build(spec) {
  const now = spec.now;
  const k = spec.keys;
  const out = { accreditations: {}, credentials: {}, statusLists: {}, payloads: [] };
  // accreditation root -> authority per zone; one status list per authority
  for (const [zone, z] of Object.entries(k.zones)) {
    out.accreditations[zone] = await sign(z.root, {
      '@context': [V2], type: ['VerifiableCredential', 'VerifiableAccreditation'], issuer: z.root.did,
      validFrom: iso(now - 3600), validUntil: iso(now + 365 * 86400),
      credentialSubject: { id: z.authority.did, accreditedFor: ['attest'], zones: [zone], regions: [zone],
        datasets: spec.datasets },
    }, 'vc+jwt', 'vc');
  }
  const revokedByZone = {};
  for (const [i, p] of spec.producers.entries()) {
    const z = k.zones[p.issuerZone ?? p.zone];
    const url = `${spec.statusBase}/${p.issuerZone ?? p.zone}`;
    (revokedByZone[p.issuerZone ?? p.zone] ??= []);
    if (p.revoked) revokedByZone[p.issuerZone ?? p.zone].push(i);
    out.credentials[p.name] = await sign(z.authority, {
      '@context': [V2], type: ['VerifiableCredential', 'ProducerCredential'], issuer: z.authority.did,
      validFrom: iso(p.validFrom ?? now - 3600), validUntil: iso(p.validUntil ?? now + 30 * 86400),
      credentialSubject: { id: k.producers[p.key ?? p.name].did, region: p.region, datasets: p.datasets },
      credentialStatus: { id: `${url}#${i}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation',
        statusListIndex: String(i), statusListCredential: url },
    }, 'vc+jwt', 'vc');
  }
  for (const [zone, z] of Object.entries(k.zones)) {
    const bits = Buffer.alloc(131072 / 8);
    for (const i of revokedByZone[zone] ?? []) bits[i >> 3] |= 0x80 >> (i & 7);
    const url = `${spec.statusBase}/${zone}`;
    out.statusLists[url] = await sign(z.authority, {
      '@context': [V2], id: url, type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: z.authority.did, validFrom: iso(now - 60), validUntil: iso(now + 86400),
      credentialSubject: { id: url + '#list', type: 'BitstringStatusList', statusPurpose: 'revocation',
        encodedList: 'u' + gzipSync(bits).toString('base64url') },
    }, 'vc+jwt', 'vc');
  }
  const enclaveKey = await jose.importJWK(spec.enclave.jwk, 'ECDH-ES+A256KW');
  const otherKey = (await jose.generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true })).publicKey;
  const otherKid = await jose.calculateJwkThumbprint(await jose.exportJWK(otherKey));
  for (const pl of spec.payloads) {
    const producer = k.producers[pl.producer];
    const signer = pl.signer ? (k.producers[pl.signer] ?? k.strangers[pl.signer]) : producer;
    const jti = pl.jti ?? randomUUID();
    const claims = {
      iss: producer.did, jti, iat: pl.iat ?? now, round: pl.round, dataset: pl.dataset,
      region: pl.region, records: pl.records, credentials: [out.credentials[pl.credential ?? pl.producer],
        out.accreditations[pl.accreditationZone ?? pl.zone]],
    };
    if (pl.vp) {
      // VCDM 2.0 presentation (vp+jwt) by the producer, bound to the payload's jti and the enclave DID;
      // the accreditations stay in `credentials` (they are not about the holder)
      const vp = {
        '@context': [V2], type: ['VerifiablePresentation'], holder: producer.did,
        verifiableCredential: [{ '@context': V2, id: 'data:application/vc+jwt,' + claims.credentials[0],
          type: 'EnvelopedVerifiableCredential' }],
        nonce: pl.vpNonce ?? jti, aud: pl.vpAudience ?? spec.enclave.did, iat: now, exp: now + 600,
      };
      const hk = await jose.importJWK(producer.jwk, producer.alg);
      claims.vp = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(vp)))
        .setProtectedHeader({ alg: producer.alg, kid: producer.kid, typ: 'vp+jwt', cty: 'vp' }).sign(hk);
      claims.credentials = [claims.credentials[1]];
    }
    const key = await jose.importJWK(signer.jwk, signer.alg);
    const jws = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: signer.alg, kid: producer.kid, typ: 'sovereign-payload+jwt' }).sign(key);
    const alg = pl.alg ?? 'ECDH-ES+A256KW';
    const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg, enc: 'A256GCM', kid: pl.recipient === 'other' && pl.otherKid ? otherKid : spec.enclave.kid,
        cty: 'JWT', zone: pl.zone })
      .encrypt(pl.recipient === 'other' ? otherKey : enclaveKey);
    out.payloads.push(jwe);
  }
  return out;
}

const input = JSON.parse(await new Promise((resolve) => {
  let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => resolve(s));
}));
const cmd = process.argv[2];
const result = cmd === 'keys' ? await keys(input) : cmd === 'build' ? await build(input) : null;
if (!result) { console.error('usage: sovereign-payloads.mjs keys|build < spec.json'); process.exit(2); }
process.stdout.write(JSON.stringify(result));

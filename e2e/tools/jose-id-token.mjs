// Signs an ID token with `jose` (an independent JWT library) and prints the token and the public
// JWK as JSON, so the Rust verifier can be checked against a signer it shares no code with.
// Usage: node jose-id-token.mjs '<claims as JSON>'
import { generateKeyPair, exportJWK, SignJWT } from 'jose';

const claims = JSON.parse(process.argv[2] ?? '{}');
const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
const jwk = { ...(await exportJWK(publicKey)), kid: 'jose-key', use: 'sig', alg: 'RS256' };
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: 'RS256', kid: 'jose-key', typ: 'JWT' })
  .sign(privateKey);
process.stdout.write(JSON.stringify({ token, jwk }));

// Opening tracking ids: the core plans which key to try at which offset,
// WebCrypto runs AES-256-GCM (nonce(12) then ciphertext||tag(16), which is
// WebCrypto's own layout), the core validates the plaintext.
import { bytesToHex, call, hexToBytes } from "./core.js";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

// Returns {canonical, payload: {r, s, t}} or null with the reason in
// result.why when the id does not open.
export async function openId(id, keys) {
  const plan = call("plan", {
    id,
    versions: [...keys.versions.keys()],
    legacy: keys.legacy !== null,
  });
  if (!plan.ok) return { why: plan.why };

  const bytes = hexToBytes(plan.bytes);
  for (const [version, offset] of plan.attempts) {
    const key = version === 0 ? keys.legacy : keys.versions.get(version);
    const plaintext = await decrypt(key, bytes.subarray(offset));
    if (!plaintext) continue;

    const payload = call("payload", { plaintext: bytesToHex(plaintext) });
    if (payload.ok) return { canonical: plan.canonical, payload };
  }
  return { why: "no key authenticates the id" };
}

async function decrypt(key, sealed) {
  if (!key || sealed.length < NONCE_BYTES + TAG_BYTES) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.subarray(0, NONCE_BYTES), tagLength: 128 },
      key,
      sealed.subarray(NONCE_BYTES),
    );
    return new Uint8Array(plain);
  } catch {
    return null; // the tag did not authenticate under this key
  }
}
